// The server's side of the opening handshake (RFC 6455 §4.2): validate the
// client's upgrade request in the order of §4.2.1, then answer 101 with the
// negotiated subprotocol and extensions, or a 4xx whose plain-text body says
// what was wrong (a developer reading the response in a browser's network tab
// should not have to guess).

#include <string>
#include <utility>

#include "handshake_fields.h"
#include "sockscope/core/handshake.h"

namespace sockscope {
namespace {

std::string_view reasonPhrase(int status) {
    switch (status) {
        case 101:
            return "Switching Protocols";
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 405:
            return "Method Not Allowed";
        case 426:
            return "Upgrade Required";
        default:
            return "Error";
    }
}

HttpResponse makeResponse(int status) {
    HttpResponse response;
    response.version = "HTTP/1.1";
    response.status = status;
    response.reason = std::string(reasonPhrase(status));
    return response;
}

struct Rejection {
    int status;
    ViolationKind kind;
    std::string detail;
    std::vector<HttpField> extraFields = {};
};

ServerHandshakeResult reject(Rejection rejection) {
    ServerHandshakeResult result;
    result.response = makeResponse(rejection.status);
    result.body = rejection.detail + "\n";
    HttpFields& fields = result.response.fields;
    fields.add("Content-Type", "text/plain; charset=utf-8");
    fields.add("Content-Length", std::to_string(result.body.size()));
    // A 426 carries Upgrade, which needs the upgrade connection option (RFC 9110 §7.8).
    const bool upgrade = rejection.status == 426;
    fields.add("Connection", upgrade ? "Upgrade, close" : "close");
    if (upgrade) {
        fields.add("Upgrade", "websocket");
    }
    for (HttpField& field : rejection.extraFields) {
        fields.list.push_back(std::move(field));
    }
    // The handshake failed before any field could be located by byte offset.
    result.error = ProtocolError{rejection.kind, 0, std::move(rejection.detail)};
    return result;
}

// HTTP/1.1 or higher (§4.1: "The method of the request MUST be GET, and the
// HTTP version MUST be at least 1.1").
bool isAtLeastHttp11(std::string_view version) {
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.') {
        return false;
    }
    const char major = version[5];
    const char minor = version[7];
    if (major < '0' || major > '9' || minor < '0' || minor > '9') {
        return false;
    }
    return major > '1' || (major == '1' && minor >= '1');
}

// Checks everything that can reject the request; nullopt when it is a valid upgrade.
std::optional<Rejection> validate(const HttpRequest& request,
                                  const ServerHandshakeOptions& options) {
    const HttpFields& fields = request.fields;
    if (request.method != "GET") {
        return Rejection{405,
                         ViolationKind::HandshakeBadMethod,
                         "A WebSocket upgrade must use GET, not " + request.method + ".",
                         {{"Allow", "GET"}}};
    }
    if (!isAtLeastHttp11(request.version)) {
        return Rejection{
            400, ViolationKind::HandshakeMalformed,
            "A WebSocket upgrade needs HTTP/1.1 or higher, not '" + request.version + "'."};
    }
    if (const std::size_t hosts = fields.count("Host"); hosts != 1) {
        return Rejection{400, ViolationKind::HandshakeMalformed,
                         hosts == 0 ? std::string("The request has no Host field.")
                                    : "The request has " + std::to_string(hosts) +
                                          " Host fields (RFC 9112 §3.2)."};
    }
    if (!fields.hasToken("Upgrade", "websocket")) {
        return Rejection{400, ViolationKind::HandshakeBadUpgrade,
                         fields.count("Upgrade") == 0
                             ? std::string("The request has no Upgrade: websocket field.")
                             : "Upgrade is '" + fields.combined("Upgrade") +
                                   "', which does not name websocket."};
    }
    if (!fields.hasToken("Connection", "upgrade")) {
        return Rejection{400, ViolationKind::HandshakeBadConnection,
                         "Connection is '" + fields.combined("Connection") +
                             "', which lacks the Upgrade token."};
    }
    const std::size_t keys = fields.count(handshake::kKey);
    if (keys == 0) {
        return Rejection{400, ViolationKind::HandshakeMissingKey,
                         "The request has no Sec-WebSocket-Key."};
    }
    if (keys > 1 || !isValidWebSocketKey(*fields.get(handshake::kKey))) {
        return Rejection{400, ViolationKind::HandshakeBadKey,
                         keys > 1
                             ? std::string("The request has several Sec-WebSocket-Key fields.")
                             : "Sec-WebSocket-Key '" + std::string(*fields.get(handshake::kKey)) +
                                   "' is not base64 of 16 bytes."};
    }
    const std::string version = fields.combined(handshake::kVersion);
    if (version != "13") {
        return Rejection{
            426,
            ViolationKind::HandshakeBadVersion,
            fields.count(handshake::kVersion) == 0
                ? std::string("The request has no Sec-WebSocket-Version; this "
                              "server speaks version 13.")
                : "Sec-WebSocket-Version is '" + version + "'; this server speaks version 13.",
            {{std::string(handshake::kVersion), "13"}}};
    }
    if (options.originAllowed) {
        // A missing Origin (a non-browser client) is passed as "": the policy decides.
        const std::string_view origin = fields.get("Origin").value_or(std::string_view{});
        if (!options.originAllowed(origin)) {
            return Rejection{403, ViolationKind::HandshakeForbiddenOrigin,
                             origin.empty()
                                 ? std::string("A request without Origin is not allowed.")
                                 : "Origin '" + std::string(origin) + "' is not allowed."};
        }
    }
    if (const auto parsed = parseExtensionList(fields.combined(handshake::kExtensions));
        parsed.error) {
        return Rejection{400, ViolationKind::HandshakeBadExtension,
                         "Malformed Sec-WebSocket-Extensions: " + *parsed.error + "."};
    }
    return std::nullopt;
}

// Server preference: the first of our protocols that the client offered.
std::string chooseSubprotocol(const HttpRequest& request, const ServerHandshakeOptions& options) {
    const std::string offered = request.fields.combined(handshake::kProtocol);
    const std::vector<std::string_view> offers = handshake::splitList(offered);
    for (const std::string& ours : options.subprotocols) {
        for (const std::string_view theirs : offers) {
            if (ours == theirs) {
                return ours;
            }
        }
    }
    return {};
}

}  // namespace

ServerHandshakeResult answerClientRequest(const HttpRequest& request,
                                          const ServerHandshakeOptions& options) {
    if (auto rejection = validate(request, options)) {
        return reject(std::move(*rejection));
    }
    ServerHandshakeResult result;
    result.subprotocol = chooseSubprotocol(request, options);
    if (options.deflate) {
        // Unknown extensions are ignored (§9.1): only permessage-deflate offers are considered.
        std::vector<Extension> offers;
        for (Extension& offer :
             parseExtensionList(request.fields.combined(handshake::kExtensions)).extensions) {
            if (offer.name == kPermessageDeflate) {
                offers.push_back(std::move(offer));
            }
        }
        if (!offers.empty()) {
            // A declined offer (RFC 7692 §5.1) just means no compression.
            DeflateNegotiation negotiation = acceptDeflateOffer(offers, *options.deflate);
            if (negotiation.params && negotiation.response) {
                result.deflate = negotiation.params;
                result.extensions = formatExtension(*negotiation.response);
            }
        }
    }

    result.response = makeResponse(101);
    HttpFields& fields = result.response.fields;
    fields.add("Upgrade", "websocket");
    fields.add("Connection", "Upgrade");
    fields.add(std::string(handshake::kAccept),
               computeWebSocketAccept(*request.fields.get(handshake::kKey)));
    if (!result.subprotocol.empty()) {
        fields.add(std::string(handshake::kProtocol), result.subprotocol);
    }
    if (!result.extensions.empty()) {
        fields.add(std::string(handshake::kExtensions), result.extensions);
    }
    for (const HttpField& field : options.extraFields) {
        fields.list.push_back(field);
    }
    return result;
}

}  // namespace sockscope
