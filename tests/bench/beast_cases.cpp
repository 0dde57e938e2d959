#include "beast_cases.h"

#include <cstring>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "beast_memory_stream.h"

namespace bench {

namespace {

namespace websocket = boost::beast::websocket;

constexpr std::string_view kUpgradeRequest =
    "GET / HTTP/1.1\r\n"
    "Host: 127.0.0.1:8765\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

}  // namespace

Measured measureBeast(const FrameStream& stream, std::size_t maxRead, const TimingOptions& timing) {
    Measured result;
    boost::asio::io_context context;
    websocket::stream<MemoryStream> ws(context);
    // Beast's default limits stay on (16 MB messages), like our reader's default Limits.

    // Open the connection: Beast parses the request we hand it and writes its
    // 101 response into the (discarding) next layer.
    boost::beast::error_code ec;
    ws.next_layer().setInput({}, maxRead);
    ws.accept(boost::asio::buffer(kUpgradeRequest.data(), kUpgradeRequest.size()), ec);
    if (ec || !ws.is_open()) {
        result.error = "Beast accept failed: " + ec.message();
        return result;
    }

    ws.next_layer().setInput(stream.wire, maxRead);
    boost::beast::flat_buffer buffer;
    std::string failure;
    const double s = bestSecondsPerPass(
        timing,
        [&] {
            std::uint64_t bytes = 0;
            for (std::size_t i = 0; i < stream.frames; ++i) {
                ws.read(buffer, ec);
                if (ec || ws.got_text() != stream.isText()) {
                    failure = "Beast read failed: " + ec.message();
                    return false;
                }
                bytes += buffer.size();
                buffer.consume(buffer.size());
            }
            return bytes == stream.payload.size() && ws.next_layer().atEnd();
        },
        [&] { ws.next_layer().rewind(); });
    result.ok = s > 0;
    result.secondsPerPass = s;
    if (!result.ok) {
        result.error = failure.empty() ? "Beast did not deliver every message" : failure;
    }
    return result;
}

}  // namespace bench
