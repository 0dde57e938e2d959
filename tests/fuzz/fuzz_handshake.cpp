// libFuzzer target: the opening handshake. Byte 0: bits 0-1 the mode, bits
// 2-3 the head size limit, bits 4-7 the server's policy or the client's offer;
// byte 1 the prefix length for the re-parse check (size * byte1 / 256).
// - modes 0 and 3, a request from a stranger: parseHttpRequest and the
//   server's answerClientRequest; an accepted request's 101 must pass our own
//   client's checkServerResponse with the same subprotocol and deflate terms;
// - mode 1, a response from a stranger: parseHttpResponse and the client's
//   checkServerResponse;
// - mode 2, the client's options from the input (hosts, subprotocols, a
//   permessage-deflate offer): request built, serialized, parsed, answered,
//   checked by the client; both sides must agree on every negotiated term.
// Every parse is also checked against a prefix of its input (the endpoint
// re-parses a growing buffer, so a prefix must never contradict the whole)
// and against a serialize-and-parse round trip.
#include <sockscope/core/handshake.h>
#include <sockscope/core/http_message.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"

namespace {

using namespace sockscope;

constexpr std::size_t kMaxBytes[] = {kDefaultMaxHandshakeBytes, 64, 512, 4096};
constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kProtocols[] = {"chat", "superchat", "v2.bin", "mqtt"};
constexpr std::string_view kOrigins[] = {"https://good.example", "https://evil.example", ""};

std::span<const std::uint8_t> bytesOf(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool sameFields(const HttpFields& a, const HttpFields& b) {
    if (a.list.size() != b.list.size())
        return false;
    for (std::size_t i = 0; i < a.list.size(); ++i) {
        if (a.list[i].name != b.list[i].name || a.list[i].value != b.list[i].value)
            return false;
    }
    return true;
}
bool same(const HttpRequest& a, const HttpRequest& b) {
    return a.method == b.method && a.target == b.target && a.version == b.version &&
           sameFields(a.fields, b.fields);
}
bool same(const HttpResponse& a, const HttpResponse& b) {
    return a.version == b.version && a.status == b.status && a.reason == b.reason &&
           sameFields(a.fields, b.fields);
}
bool sameDeflate(const std::optional<DeflateParams>& a, const std::optional<DeflateParams>& b) {
    if (a.has_value() != b.has_value())
        return false;
    return !a || (a->serverNoContextTakeover == b->serverNoContextTakeover &&
                  a->clientNoContextTakeover == b->clientNoContextTakeover &&
                  a->serverMaxWindowBits == b->serverMaxWindowBits &&
                  a->clientMaxWindowBits == b->clientMaxWindowBits);
}

HttpParse<HttpRequest> parse(std::span<const std::uint8_t> b, std::size_t max, HttpRequest*) {
    return parseHttpRequest(b, max);
}
HttpParse<HttpResponse> parse(std::span<const std::uint8_t> b, std::size_t max, HttpResponse*) {
    return parseHttpResponse(b, max);
}
std::string serialize(const HttpRequest& m) {
    return serializeRequest(m);
}
std::string serialize(const HttpResponse& m) {
    return serializeResponse(m);
}

// Parses `input`, checks the result's own invariants, a prefix's agreement
// with it and the round trip; returns the parse.
template <typename Message>
HttpParse<Message> checkedParse(std::span<const std::uint8_t> input, std::size_t maxBytes,
                                std::uint8_t prefixByte) {
    HttpParse<Message> full = parse(input, maxBytes, static_cast<Message*>(nullptr));
    switch (full.status) {
        case ParseStatus::Complete:
            FUZZ_CHECK(full.consumed > 0 && full.consumed <= std::min(input.size(), maxBytes));
            FUZZ_CHECK(!full.error);
            break;
        case ParseStatus::Error:
            FUZZ_CHECK(full.error && !full.error->detail.empty());
            FUZZ_CHECK(full.error->offset <= std::max(input.size(), maxBytes));
            break;
        case ParseStatus::NeedMore:
            FUZZ_CHECK(input.size() < maxBytes && !full.error);
            break;
    }

    const std::size_t cut = input.size() * prefixByte / 256;
    const HttpParse<Message> prefix =
        parse(input.first(cut), maxBytes, static_cast<Message*>(nullptr));
    if (prefix.status == ParseStatus::Complete) {
        FUZZ_CHECK(full.status == ParseStatus::Complete && full.consumed == prefix.consumed);
        FUZZ_CHECK(same(full.message, prefix.message));
    } else if (prefix.status == ParseStatus::Error) {
        FUZZ_CHECK(full.status == ParseStatus::Error);
        FUZZ_CHECK(full.error->kind == prefix.error->kind &&
                   full.error->offset == prefix.error->offset);
    } else if (full.status == ParseStatus::Complete) {
        FUZZ_CHECK(cut < full.consumed);
    }

    if (full.status == ParseStatus::Complete) {
        const std::string again = serialize(full.message);
        const HttpParse<Message> reparsed =
            parse(bytesOf(again), again.size() + 1, static_cast<Message*>(nullptr));
        FUZZ_CHECK(reparsed.status == ParseStatus::Complete && reparsed.consumed == again.size());
        FUZZ_CHECK(same(full.message, reparsed.message));
    }
    return full;
}

ServerHandshakeOptions serverOptions(std::uint8_t bits) {
    ServerHandshakeOptions options;
    if (bits & 1)
        options.subprotocols = {std::string(kProtocols[1]), std::string(kProtocols[0])};
    if (bits & 2) {
        DeflateServerPolicy policy;
        policy.serverNoContextTakeover = (bits & 4) != 0;
        policy.serverMaxWindowBits = (bits & 8) ? 10 : 15;
        if (bits & 8)
            policy.clientMaxWindowBits = 9;
        options.deflate = policy;
    } else if (bits & 4) {
        options.originAllowed = [](std::string_view origin) { return origin == kOrigins[0]; };
    }
    return options;
}

// The server's answer, sent and read back by a client that offered what the
// server accepted: the client must agree.
void checkAnswer(const HttpRequest& request, const ServerHandshakeOptions& options,
                 ServerHandshakeResult& answer, const ClientHandshakeOptions* client,
                 std::string_view key) {
    const std::string wire = serializeResponse(answer.response);
    const HttpParse<HttpResponse> read = parseHttpResponse(bytesOf(wire), wire.size() + 1);
    FUZZ_CHECK(read.status == ParseStatus::Complete && read.consumed == wire.size());
    FUZZ_CHECK(same(read.message, answer.response));
    if (!answer.accepted()) {
        const int status = answer.response.status;
        FUZZ_CHECK(status == 400 || status == 403 || status == 405 || status == 426);
        FUZZ_CHECK(answer.response.fields.get("Content-Length") ==
                   std::to_string(answer.body.size()));
        FUZZ_CHECK(!answer.error->detail.empty());
        return;
    }
    FUZZ_CHECK(answer.response.status == 101);
    FUZZ_CHECK(request.method == "GET");
    const std::optional<std::string_view> requestKey = request.fields.get("Sec-WebSocket-Key");
    FUZZ_CHECK(requestKey && isValidWebSocketKey(*requestKey));
    FUZZ_CHECK(request.fields.combined("Sec-WebSocket-Version") == "13");
    FUZZ_CHECK(answer.response.fields.get("Sec-WebSocket-Accept") ==
               computeWebSocketAccept(*requestKey));
    if (!answer.subprotocol.empty())
        FUZZ_CHECK(std::find(options.subprotocols.begin(), options.subprotocols.end(),
                             answer.subprotocol) != options.subprotocols.end());
    FUZZ_CHECK(!answer.deflate || options.deflate);

    ClientHandshakeOptions derived;
    if (!client) {
        // A client offering this subprotocol and a plain permessage-deflate
        // offer, which admits every answer a server may give.
        if (!answer.subprotocol.empty())
            derived.subprotocols = {answer.subprotocol};
        if (answer.deflate)
            derived.deflate = DeflateClientOffer{};
        client = &derived;
        key = *requestKey;
    }
    const ClientHandshakeResult verdict = checkServerResponse(read.message, *client, key);
    FUZZ_CHECK(!verdict.error);
    FUZZ_CHECK(verdict.subprotocol == answer.subprotocol);
    FUZZ_CHECK(sameDeflate(verdict.deflate, answer.deflate));
}

void strangerRequest(std::span<const std::uint8_t> input, std::size_t maxBytes, std::uint8_t bits,
                     std::uint8_t prefixByte) {
    const HttpParse<HttpRequest> parsed = checkedParse<HttpRequest>(input, maxBytes, prefixByte);
    if (parsed.status != ParseStatus::Complete)
        return;
    const ServerHandshakeOptions options = serverOptions(bits);
    ServerHandshakeResult answer = answerClientRequest(parsed.message, options);
    checkAnswer(parsed.message, options, answer, nullptr, {});
}

void strangerResponse(std::span<const std::uint8_t> input, std::size_t maxBytes, std::uint8_t bits,
                      std::uint8_t prefixByte) {
    const HttpParse<HttpResponse> parsed = checkedParse<HttpResponse>(input, maxBytes, prefixByte);
    if (parsed.status != ParseStatus::Complete)
        return;
    ClientHandshakeOptions options;
    options.host = "fuzz";
    if (bits & 1)
        options.subprotocols = {std::string(kProtocols[0]), std::string(kProtocols[2])};
    if (bits & 2) {
        DeflateClientOffer offer;
        offer.serverNoContextTakeover = (bits & 4) != 0;
        if (bits & 8)
            offer.serverMaxWindowBits = 12;
        offer.clientMaxWindowBitsValueless = (bits & 8) == 0;
        options.deflate = offer;
    }
    const ClientHandshakeResult verdict = checkServerResponse(parsed.message, options, kKey);
    if (verdict.error) {
        FUZZ_CHECK(!verdict.error->detail.empty());
        return;
    }
    FUZZ_CHECK(parsed.message.status == 101);
    FUZZ_CHECK(parsed.message.fields.get("Sec-WebSocket-Accept") == computeWebSocketAccept(kKey));
    if (!verdict.subprotocol.empty())
        FUZZ_CHECK(std::find(options.subprotocols.begin(), options.subprotocols.end(),
                             verdict.subprotocol) != options.subprotocols.end());
    FUZZ_CHECK(!verdict.deflate || options.deflate);
    if (verdict.deflate) {
        FUZZ_CHECK(verdict.deflate->serverMaxWindowBits >= 8 &&
                   verdict.deflate->serverMaxWindowBits <= 15);
        FUZZ_CHECK(verdict.deflate->clientMaxWindowBits >= 8 &&
                   verdict.deflate->clientMaxWindowBits <= 15);
        if (options.deflate->serverNoContextTakeover)
            FUZZ_CHECK(verdict.deflate->serverNoContextTakeover);
    }
}

// Window bits from one byte: mostly 8..15, sometimes out of range (our own
// settings are clamped, never rejected).
std::optional<int> windowBits(std::uint8_t b) {
    if ((b & 0x10) == 0)
        return std::nullopt;
    return (b & 0x20) ? 8 + (b & 7) : static_cast<int>(b & 0x0f) * 2 - 6;
}

void generated(fuzz::Reader& input, std::uint8_t bits) {
    ClientHandshakeOptions client;
    constexpr std::string_view kHosts[] = {"fuzz", "example.com:8080", "[::1]:9001", "a"};
    constexpr std::string_view kTargets[] = {"/", "/chat?room=1", "/a%20b", "*"};
    const std::uint8_t shape = input.byte();
    client.host = std::string(kHosts[shape & 3]);
    client.target = std::string(kTargets[(shape >> 2) & 3]);
    if (shape & 0x10)
        client.origin = std::string(kOrigins[(shape >> 5) % 3]);
    const std::uint8_t offered = input.byte();
    for (std::size_t i = 0; i < 4; ++i) {
        if (offered & (1u << i))
            client.subprotocols.emplace_back(kProtocols[(i + (offered >> 4)) % 4]);
    }
    const std::uint8_t deflateBits = input.byte();
    if (deflateBits & 1) {
        DeflateClientOffer offer;
        offer.serverNoContextTakeover = (deflateBits & 2) != 0;
        offer.clientNoContextTakeover = (deflateBits & 4) != 0;
        offer.clientMaxWindowBitsValueless = (deflateBits & 8) != 0;
        offer.serverMaxWindowBits = windowBits(input.byte());
        offer.clientMaxWindowBits = windowBits(input.byte());
        client.deflate = offer;
    }
    std::array<std::uint8_t, 16> nonce{};
    const auto raw = input.bytes(16);
    std::copy(raw.begin(), raw.end(), nonce.begin());
    const std::string key = base64Encode(nonce);

    const std::string wire = serializeRequest(buildClientRequest(client, key));
    const HttpParse<HttpRequest> parsed =
        checkedParse<HttpRequest>(bytesOf(wire), wire.size() + 1, 128);
    FUZZ_CHECK(parsed.status == ParseStatus::Complete && parsed.consumed == wire.size());

    ServerHandshakeOptions server = serverOptions(bits);
    if (const std::uint8_t policy = input.byte(); server.deflate && (policy & 1)) {
        server.deflate->clientNoContextTakeover = (policy & 2) != 0;
        server.deflate->serverMaxWindowBits = windowBits(policy).value_or(15);
        server.deflate->clientMaxWindowBits = windowBits(input.byte());
    }
    ServerHandshakeResult answer = answerClientRequest(parsed.message, server);
    if (server.originAllowed && client.origin != kOrigins[0]) {
        FUZZ_CHECK(!answer.accepted() && answer.response.status == 403);
        return;
    }
    FUZZ_CHECK(answer.accepted());
    checkAnswer(parsed.message, server, answer, &client, key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Reader input({data, size});
    const std::uint8_t selector = input.byte();
    const std::uint8_t prefixByte = input.byte();
    const std::size_t maxBytes = kMaxBytes[(selector >> 2) & 3];
    const std::uint8_t bits = selector >> 4;
    switch (selector & 3) {
        case 1:
            strangerResponse(input.rest(), maxBytes, bits, prefixByte);
            break;
        case 2:
            generated(input, bits);
            break;
        default:
            strangerRequest(input.rest(), maxBytes, bits, prefixByte);
            break;
    }
    return 0;
}
