#pragma once
// Readable one-line-per-event output, tshark-like: packet number, seconds
// since the capture's first packet, connection, direction, then the event.
//   3 0.000210 1 connection 127.0.0.1:53422 → 127.0.0.1:8765
//   5 0.000388 1 handshake GET /chat → 101 accept=ok subprotocol=- extensions=-
//   7 0.000501 1 client→server frame fin=1 op=text mask=37fa213d len=5
//   7 0.000501 1 client→server message text 5 B "Hello"
//   9 0.000620 1 server→client message close 1000 (Normal Closure) "bye"
//   9 0.000620 1 client→server ! unmasked-client-frame (RFC 6455 §5.1): detail
//   - 0.000700 1 end close-handshake
// A packet number of "-" means the event is not tied to one packet.

#include <cstdio>
#include <optional>
#include <string>

#include "sockscope/dissector/events.h"
#include "sockscope/dissector/line_writer.h"
#include "sockscope/dissector/sink_filter.h"

namespace sockscope::dissector {

struct TextSinkOptions {
    SinkFilter filter;
    bool flushEachLine = false;
    std::size_t previewBytes = 80;  // of a text payload; binary shows 32 bytes in hex
};

class TextSink final : public DissectionSink {
public:
    // `out` is borrowed; it must outlive the sink.
    TextSink(std::FILE* out, TextSinkOptions options = {});
    TextSink(const TextSink&) = delete;
    TextSink& operator=(const TextSink&) = delete;

    // Times are printed relative to this (the capture's first packet). Unset,
    // the first event's time is used.
    void setTimeOrigin(Timestamp origin) { origin_ = origin; }

    void onConnection(const ConnectionEvent& e) override;
    void onHandshake(const HandshakeEvent& e) override;
    void onFrame(const FrameEvent& e) override;
    void onMessage(const MessageEvent& e) override;
    void onAnomaly(const AnomalyEvent& e) override;
    void onEnd(const EndEvent& e) override;

    // Writes the batched lines and flushes the stream; false after any write error.
    bool flush();
    // Whether every write succeeded so far (false after EPIPE, a full disk...).
    bool ok() const { return writer_.ok(); }

private:
    void prefix(std::uint64_t packet, Timestamp ts, std::uint32_t conn);
    TextSinkOptions options_;
    std::optional<Timestamp> origin_;
    LineWriter writer_;
    std::string& buffer_ = writer_.buffer();  // the line being built
};

}  // namespace sockscope::dissector
