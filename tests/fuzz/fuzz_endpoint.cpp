// libFuzzer target: the server and client Endpoint (handshake, frame decoder,
// protocol rules, permessage-deflate, UTF-8, close handshake) fed hostile
// bytes in pieces whose sizes come from the input, answering every message
// with an echo. Byte 0: bit 0 client role, bit 1 permessage-deflate offered
// or accepted, bit 2 no automatic close reply, bit 3 small limits (head,
// message, fragments), bit 4 no context takeover and small windows, bit 5
// subprotocols and an Origin allow-list, bit 6 read-only input and no frame
// events; byte 1 the piece size - 1. Besides crashes it checks that
// - every text message and close reason passed up is UTF-8, every close
//   code one that may travel on the wire;
// - everything the endpoint sent is itself valid: its handshake head parses
//   and its frames pass a strict MessageReader for its role with the terms
//   it negotiated (its own echoes, pongs and close frames);
// - the end of the stream leaves the endpoint closed.
#include <sockscope/core/close_code.h>
#include <sockscope/core/endpoint.h>
#include <sockscope/core/http_message.h>
#include <sockscope/core/message_reader.h>
#include <sockscope/core/utf8.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz_support.h"

namespace {

using namespace sockscope;

EndpointConfig configFor(std::uint8_t selector) {
    EndpointConfig config;
    config.role = (selector & 1) ? Role::Client : Role::Server;
    config.limits.maxMessageSize = 1 << 20;
    config.limits.maxFrameSize = 1 << 20;
    config.client.host = "fuzz";
    if (selector & 2) {
        DeflateServerPolicy policy;
        DeflateClientOffer offer;
        if (selector & 0x10) {
            policy.serverNoContextTakeover = policy.clientNoContextTakeover = true;
            policy.serverMaxWindowBits = 9;
            policy.clientMaxWindowBits = 8;
            offer.clientNoContextTakeover = true;
            offer.serverMaxWindowBits = 10;
            offer.clientMaxWindowBits = 8;
        }
        config.server.deflate = policy;
        config.client.deflate = offer;
    }
    config.autoCloseReply = (selector & 4) == 0;
    if (selector & 8) {
        config.limits.maxHandshakeBytes = 200;
        config.limits.maxMessageSize = 1000;
        config.limits.maxFrameSize = 500;
        config.limits.maxFragments = 3;
        config.limits.maxDecompressionRatio = 4;
        config.compressThreshold = 16;
    }
    if (selector & 0x20) {
        config.server.subprotocols = {"chat", "superchat"};
        config.client.subprotocols = {"superchat", "v2"};
        config.server.originAllowed = [](std::string_view origin) {
            return origin == "https://good.example";
        };
        config.client.origin = "https://good.example";
    }
    config.frameEvents = (selector & 0x40) == 0;
    config.random = [](std::span<std::uint8_t> out) {
        for (auto& b : out)
            b = 0x5a;
    };
    return config;
}

// Accepts any valid stream of our own frames; a violation is our bug.
class OwnOutputSink final : public MessageSink {
public:
    bool onMessageBegin(std::uint8_t, bool) override { return true; }
    bool onMessageData(std::span<const std::uint8_t>) override { return true; }
    bool onMessageEnd(const MessageSummary&) override { return true; }
    bool onControlFrame(const FrameHeader&, std::span<const std::uint8_t>) override { return true; }
    bool onViolation(const ProtocolError& error) override {
        std::fprintf(stderr, "own output: %s at %llu: %s\n", std::string(error.id()).c_str(),
                     static_cast<unsigned long long>(error.offset), error.detail.c_str());
        FUZZ_CHECK(!"the endpoint sent a frame that breaks the protocol");
        return false;
    }
};

void checkOwnOutput(const std::vector<std::uint8_t>& sent, Role role,
                    const std::optional<DeflateParams>& deflate) {
    std::size_t headSize = 0;
    if (role == Role::Client) {
        const auto head = parseHttpRequest(sent, sent.size() + 1);
        FUZZ_CHECK(head.status == ParseStatus::Complete);
        headSize = head.consumed;
    } else {
        const auto head = parseHttpResponse(sent, sent.size() + 1);
        FUZZ_CHECK(head.status == ParseStatus::Complete);
        headSize = head.consumed;
    }
    MessageReaderConfig config;
    config.sender = role;
    config.strict = true;
    config.deflate = deflate;
    OwnOutputSink sink;
    MessageReader reader(config, sink);
    std::vector<std::uint8_t> scratch;
    const std::span<const std::uint8_t> frames = std::span(sent).subspan(headSize);
    FUZZ_CHECK(reader.feed(frames, scratch) == frames.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    const std::uint8_t selector = data[0];
    const EndpointConfig config = configFor(selector);
    Endpoint endpoint(config);
    const std::size_t chunk = 1 + data[1];
    const bool readOnly = (selector & 0x40) != 0;
    std::vector<std::uint8_t> input(data + 2, data + size);
    std::vector<std::uint8_t> sent;
    bool opened = false;
    std::optional<DeflateParams> deflate;

    const auto drain = [&] {
        while (auto event = endpoint.nextEvent()) {
            if (auto* done = std::get_if<event::HandshakeDone>(&*event)) {
                FUZZ_CHECK(!opened);
                opened = true;
                deflate = done->deflate;
            } else if (auto* message = std::get_if<event::Message>(&*event)) {
                if (message->opcode == 1)
                    FUZZ_CHECK(isValidUtf8(message->payload));
                FUZZ_CHECK(message->payload.size() <= config.limits.maxMessageSize);
                endpoint.sendBinary(message->payload);  // exercises the deflater too
            } else if (auto* close = std::get_if<event::CloseReceived>(&*event)) {
                FUZZ_CHECK(!close->code || isValidCloseCodeOnWire(*close->code));
                FUZZ_CHECK(isValidUtf8(close->reason));
                if (!config.autoCloseReply)
                    endpoint.close(close->code.value_or(close_code::Normal));
            }
        }
        const auto out = endpoint.pendingOutput();
        sent.insert(sent.end(), out.begin(), out.end());
        endpoint.consumeOutput(out.size());
    };

    drain();  // a client's request
    for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
        const std::size_t n = std::min(chunk, input.size() - pos);
        if (readOnly)
            endpoint.receive(std::span<const std::uint8_t>(input.data() + pos, n));
        else
            endpoint.receive(std::span<std::uint8_t>(input.data() + pos, n));
        drain();
    }
    endpoint.receiveEof();
    drain();
    FUZZ_CHECK(endpoint.state() == EndpointState::Closed);
    if (opened)
        checkOwnOutput(sent, config.role, deflate);
    return 0;
}
