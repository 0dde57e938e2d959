#pragma once
// The CLI's JSON Lines output: one JSON object per event, exactly as
// DESIGN.md's held contract names them ("The CLI's JSON Lines"). Field names
// and order never change; extra fields come after the contract's ones:
//   connection: "packet"
//   handshake:  "packet", and "detected_without_handshake":true plus
//               "detection" when the stream was recognised without one
//   message:    "packet", "wire_length" when compressed, "valid":false for an
//               invalid message, "payload_truncated":true when the payload
//               limit cut payload_b64, "close_reason_b64" when the close
//               reason is not valid UTF-8
// Strings are escaped so every line is valid JSON and valid UTF-8: bytes that
// are not valid UTF-8 become \ufffd (payloads are base64, so nothing is lost there).

#include <cstdint>
#include <cstdio>
#include <string>

#include "sockscope/dissector/events.h"
#include "sockscope/dissector/line_writer.h"
#include "sockscope/dissector/sink_filter.h"

namespace sockscope::dissector {

namespace detail {
// The whole seconds of the last timestamp written, as text: consecutive
// events nearly always share them, and copying beats formatting ten digits.
struct SecondsText {
    std::int64_t seconds = -1;  // -1: nothing yet (negative seconds are not kept)
    std::uint32_t length = 0;
    char digits[20] = {};
};
}  // namespace detail

struct JsonlSinkOptions {
    SinkFilter filter;
    bool flushEachLine = false;  // live capture: a reader sees every line at once
};

class JsonlSink final : public DissectionSink {
public:
    // `out` is borrowed; it must outlive the sink.
    JsonlSink(std::FILE* out, JsonlSinkOptions options = {});
    JsonlSink(const JsonlSink&) = delete;
    JsonlSink& operator=(const JsonlSink&) = delete;

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

    // The line (without newline) an event becomes; the sink writes these.
    static std::string line(const ConnectionEvent& e);
    static std::string line(const HandshakeEvent& e);
    static std::string line(const FrameEvent& e);
    static std::string line(const MessageEvent& e);
    static std::string line(const AnomalyEvent& e);
    static std::string line(const EndEvent& e);

private:
    JsonlSinkOptions options_;
    detail::SecondsText seconds_;
    LineWriter writer_;
    std::string& buffer_ = writer_.buffer();  // the line being built
};

}  // namespace sockscope::dissector
