// The RFC 6455 §4 key material (nonce, accept hash, base64) and the client's
// side of the opening handshake: building the upgrade request (§4.1) and
// validating the server's answer ("the client MUST validate the server's
// response"). The server's side is in handshake_server.cpp.

#include "sockscope/core/handshake.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "handshake_fields.h"

namespace sockscope {
namespace {

ProtocolError clientError(ViolationKind kind, std::string detail) {
    // The fields were already parsed, so there is no byte offset to point at.
    return ProtocolError{kind, 0, std::move(detail)};
}

// §4.1 step 6: at most one subprotocol, and one we offered.
std::optional<ProtocolError> checkSubprotocol(const HttpResponse& response,
                                              const ClientHandshakeOptions& options,
                                              ClientHandshakeResult& result) {
    const std::size_t lines = response.fields.count(handshake::kProtocol);
    if (lines == 0) {
        return std::nullopt;
    }
    const std::string value = response.fields.combined(handshake::kProtocol);
    const std::vector<std::string_view> selected = handshake::splitList(value);
    if (selected.empty()) {
        return std::nullopt;  // an empty header selects nothing
    }
    if (lines > 1 || selected.size() > 1) {
        return clientError(ViolationKind::HandshakeBadSubprotocol,
                           "the server selected several subprotocols: '" + value + "'");
    }
    for (const std::string& offered : options.subprotocols) {
        if (offered == selected.front()) {
            result.subprotocol = offered;
            return std::nullopt;
        }
    }
    return clientError(
        ViolationKind::HandshakeBadSubprotocol,
        "the server selected subprotocol '" + std::string(selected.front()) +
            (options.subprotocols.empty() ? "' but none was offered" : "' which was not offered"));
}

// §4.1 step 5 and §9.1: every extension in use must be one we offered.
std::optional<ProtocolError> checkExtensions(const HttpResponse& response,
                                             const ClientHandshakeOptions& options,
                                             ClientHandshakeResult& result) {
    result.extensions = response.fields.combined(handshake::kExtensions);
    const ExtensionListParse parsed = parseExtensionList(result.extensions);
    if (parsed.error) {
        return clientError(ViolationKind::HandshakeBadExtension,
                           "malformed Sec-WebSocket-Extensions: " + *parsed.error);
    }
    for (const Extension& extension : parsed.extensions) {
        if (extension.name != kPermessageDeflate || !options.deflate) {
            return clientError(
                ViolationKind::HandshakeBadExtension,
                "the server accepted extension '" + extension.name + "' which was not offered");
        }
        if (result.deflate) {
            return clientError(ViolationKind::HandshakeBadExtension,
                               "the server accepted permessage-deflate twice");
        }
        DeflateNegotiation negotiation = checkDeflateResponse(extension, *options.deflate);
        if (negotiation.error || !negotiation.params) {
            return clientError(ViolationKind::HandshakeBadExtension,
                               "invalid permessage-deflate response '" +
                                   formatExtension(extension) +
                                   "': " + negotiation.error.value_or("not acceptable"));
        }
        result.deflate = negotiation.params;
    }
    return std::nullopt;
}

}  // namespace

std::string generateWebSocketKey() {
    std::array<std::uint8_t, 16> nonce{};
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
        // A broken CSPRNG is a local failure, never peer input; a predictable
        // key must not be sent, so there is nothing sensible to return.
        throw std::runtime_error("RAND_bytes failed to produce a WebSocket key");
    }
    return base64Encode(nonce);
}

std::string computeWebSocketAccept(std::string_view key) {
    std::string input;
    input.reserve(key.size() + kWebSocketGuid.size());
    input.append(key);
    input.append(kWebSocketGuid);
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr) != 1) {
        throw std::runtime_error("EVP_Digest(SHA-1) failed");
    }
    return base64Encode(std::span(digest.data(), length));
}

bool isValidWebSocketKey(std::string_view key) {
    const auto decoded = base64Decode(key);
    return decoded && decoded->size() == 16;
}

HttpRequest buildClientRequest(const ClientHandshakeOptions& options, std::string_view key) {
    HttpRequest request;
    request.method = "GET";
    request.target = options.target.empty() ? "/" : options.target;
    request.version = "HTTP/1.1";
    HttpFields& fields = request.fields;
    fields.add("Host", options.host);
    fields.add("Upgrade", "websocket");
    fields.add("Connection", "Upgrade");
    fields.add(std::string(handshake::kKey), std::string(key));
    fields.add(std::string(handshake::kVersion), "13");
    if (options.origin) {
        fields.add("Origin", *options.origin);
    }
    if (!options.subprotocols.empty()) {
        std::string list;
        for (const std::string& protocol : options.subprotocols) {
            list += list.empty() ? "" : ", ";
            list += protocol;
        }
        fields.add(std::string(handshake::kProtocol), std::move(list));
    }
    if (options.deflate) {
        fields.add(std::string(handshake::kExtensions),
                   formatExtension(makeDeflateOffer(*options.deflate)));
    }
    for (const HttpField& field : options.extraFields) {
        fields.list.push_back(field);
    }
    return request;
}

ClientHandshakeResult checkServerResponse(const HttpResponse& response,
                                          const ClientHandshakeOptions& options,
                                          std::string_view key) {
    ClientHandshakeResult result;
    const auto failed = [&](ViolationKind kind, std::string detail) {
        result.error = clientError(kind, std::move(detail));
        return result;
    };
    if (response.status != 101) {
        return failed(ViolationKind::HandshakeBadStatus,
                      "expected status 101, got " + std::to_string(response.status) +
                          (response.reason.empty() ? "" : " " + response.reason));
    }
    if (!response.fields.hasToken("Upgrade", "websocket")) {
        return failed(
            ViolationKind::HandshakeBadUpgrade,
            response.fields.count("Upgrade") == 0
                ? std::string("the response has no Upgrade field")
                : "Upgrade is '" + response.fields.combined("Upgrade") + "', not websocket");
    }
    if (!response.fields.hasToken("Connection", "upgrade")) {
        return failed(ViolationKind::HandshakeBadConnection,
                      "Connection is '" + response.fields.combined("Connection") +
                          "', without the upgrade token");
    }
    const std::string expected = computeWebSocketAccept(key);
    const std::size_t acceptLines = response.fields.count(handshake::kAccept);
    if (acceptLines != 1) {
        return failed(ViolationKind::HandshakeBadAccept,
                      acceptLines == 0
                          ? "Sec-WebSocket-Accept is missing (expected " + expected + ")"
                          : std::string("Sec-WebSocket-Accept appears ") +
                                std::to_string(acceptLines) + " times");
    }
    const std::string_view accept = *response.fields.get(handshake::kAccept);
    if (accept != expected) {
        return failed(
            ViolationKind::HandshakeBadAccept,
            "Sec-WebSocket-Accept: expected " + expected + ", received " + std::string(accept));
    }
    if (auto error = checkSubprotocol(response, options, result)) {
        result.error = std::move(error);
        return result;
    }
    if (auto error = checkExtensions(response, options, result)) {
        result.error = std::move(error);
        return result;
    }
    return result;
}

}  // namespace sockscope
