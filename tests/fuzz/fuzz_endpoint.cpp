// libFuzzer target: the server and client Endpoint (handshake, frame decoder,
// protocol rules, permessage-deflate, UTF-8) fed hostile bytes in chunks whose
// sizes come from the input, so every run also exercises read boundaries.
#include <sockscope/core/endpoint.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

sockscope::EndpointConfig configFor(std::uint8_t selector) {
    sockscope::EndpointConfig config;
    config.role = (selector & 1) ? sockscope::Role::Client : sockscope::Role::Server;
    config.limits.maxMessageSize = 1 << 20;
    config.limits.maxFrameSize = 1 << 20;
    config.client.host = "fuzz";
    if (selector & 2) {
        config.server.deflate = sockscope::DeflateServerPolicy{};
        config.client.deflate = sockscope::DeflateClientOffer{};
    }
    config.random = [](std::span<std::uint8_t> out) {
        for (auto& b : out) b = 0x5a;
    };
    return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    sockscope::Endpoint endpoint(configFor(data[0]));
    const std::size_t chunk = 1 + data[1];
    std::vector<std::uint8_t> input(data + 2, data + size);
    for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
        const std::size_t n = std::min(chunk, input.size() - pos);
        endpoint.receive(std::span<std::uint8_t>(input.data() + pos, n));
        while (auto event = endpoint.nextEvent()) {
            if (auto* message = std::get_if<sockscope::event::Message>(&*event))
                endpoint.sendBinary(message->payload);  // echo: exercises the deflater too
        }
        endpoint.consumeOutput(endpoint.pendingOutput().size());
    }
    endpoint.receiveEof();
    while (endpoint.nextEvent()) {
    }
    return 0;
}
