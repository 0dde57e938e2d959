#include "sockscope/dissector/jsonl_sink.h"

#include <array>

#include <sockscope/core/handshake.h>
#include <sockscope/core/opcode.h>

#include "sink_format.h"

namespace sockscope::dissector {
namespace {

using detail::appendJsonString;
using detail::appendSeconds;

// `,"name":` built at compile time, so writing a key is one append (the
// sink is on the hot path of `read --format jsonl`: millions of lines).
template <std::size_t N>
struct Key {
    std::array<char, N + 3> text{};  // , " name " :  (N counts the literal's NUL)
    constexpr Key(const char (&name)[N]) {
        text[0] = ',';
        text[1] = '"';
        for (std::size_t i = 0; i + 1 < N; ++i) {
            text[i + 2] = name[i];
        }
        text[N + 1] = '"';
        text[N + 2] = ':';
    }
    std::string_view view() const { return {text.data(), text.size()}; }
};

template <Key name>
void key(std::string& out) {
    out.append(name.view());
}

template <Key name>
void field(std::string& out, std::string_view value) {
    key<name>(out);
    appendJsonString(out, value);
}

template <Key name>
void field(std::string& out, std::uint64_t value) {
    key<name>(out);
    detail::appendUnsigned(out, value);
}

template <Key name>
void fieldBool(std::string& out, bool value) {
    key<name>(out);
    out.append(value ? std::string_view("true") : std::string_view("false"));
}

// A string known to need no escaping (fixed names, hex, base64).
template <Key name>
void fieldPlain(std::string& out, std::string_view value) {
    key<name>(out);
    out += '"';
    out.append(value);
    out += '"';
}

void fieldTs(std::string& out, Timestamp ts) {
    key<"ts">(out);
    appendSeconds(out, ts);
}

void begin(std::string& out, std::string_view event, std::uint32_t conn) {
    out.append(R"({"event":")");
    out.append(event);
    out.append(R"(","conn":)");
    detail::appendUnsigned(out, conn);
}

template <Key name>
void fieldHeaders(std::string& out,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
    key<name>(out);
    out += '[';
    bool first = true;
    for (const auto& [headerName, value] : headers) {
        if (!first) {
            out += ',';
        }
        first = false;
        out += '[';
        appendJsonString(out, headerName);
        out += ',';
        appendJsonString(out, value);
        out += ']';
    }
    out += ']';
}

void format(std::string& out, const ConnectionEvent& e) {
    begin(out, "connection", e.conn);
    field<"client">(out, e.client.toString());
    field<"server">(out, e.server.toString());
    fieldTs(out, e.ts);
    field<"packet">(out, e.packet);
    out += '}';
}

void format(std::string& out, const HandshakeEvent& e) {
    begin(out, "handshake", e.conn);
    fieldTs(out, e.ts);
    field<"target">(out, e.target);
    key<"status">(out);
    out += std::to_string(e.status);  // an int: rare, may be anything in a capture
    fieldBool<"accept_ok">(out, e.acceptOk);
    key<"subprotocol">(out);
    if (e.subprotocol) {
        appendJsonString(out, *e.subprotocol);
    } else {
        out += "null";
    }
    field<"extensions">(out, e.extensions);
    fieldHeaders<"request_headers">(out, e.requestHeaders);
    fieldHeaders<"response_headers">(out, e.responseHeaders);
    field<"packet">(out, e.packet);
    if (e.detectedWithoutHandshake) {
        fieldBool<"detected_without_handshake">(out, true);
        field<"detection">(out, e.detection);
    }
    out += '}';
}

void format(std::string& out, const FrameEvent& e) {
    const FrameHeader& h = e.header;
    begin(out, "frame", e.conn);
    fieldPlain<"dir">(out, directionName(e.dir));
    fieldTs(out, e.ts);
    field<"packet">(out, e.packet);
    fieldBool<"fin">(out, h.fin);
    fieldBool<"rsv1">(out, h.rsv1);
    fieldBool<"rsv2">(out, h.rsv2);
    fieldBool<"rsv3">(out, h.rsv3);
    field<"opcode">(out, std::uint64_t{h.opcode});
    fieldBool<"masked">(out, h.masked);
    key<"mask">(out);
    if (h.masked) {
        out += '"';
        detail::appendHex(out, h.maskKey, h.maskKey.size());
        out += '"';
    } else {
        out += "null";
    }
    field<"length">(out, h.payloadLength);
    out += '}';
}

// `appendPayload` writes the payload's base64 as the next characters of the line.
template <typename AppendPayload>
void formatMessage(std::string& out, const MessageEvent& e, const AppendPayload& appendPayload) {
    begin(out, "message", e.conn);
    fieldPlain<"dir">(out, directionName(e.dir));
    fieldTs(out, e.ts);
    fieldPlain<"opcode">(out, opcodeName(e.opcode));
    field<"frames">(out, std::uint64_t{e.frames});
    fieldBool<"compressed">(out, e.compressed);
    field<"length">(out, e.length);
    key<"payload_b64">(out);
    out += '"';
    appendPayload(e.payload);
    out += '"';
    bool reasonValid = true;
    if (e.opcode == static_cast<std::uint8_t>(Opcode::Close)) {
        key<"close_code">(out);
        if (e.closeCode) {
            detail::appendUnsigned(out, *e.closeCode);
        } else {
            out.append("null");
        }
        key<"close_reason">(out);
        reasonValid = appendJsonString(out, e.closeReason);
    }
    field<"packet">(out, e.packet);
    if (e.compressed) {
        field<"wire_length">(out, e.wireLength);
    }
    if (!e.valid) {
        fieldBool<"valid">(out, false);
    }
    if (e.payloadTruncated) {
        fieldBool<"payload_truncated">(out, true);
    }
    if (!reasonValid) {
        key<"close_reason_b64">(out);
        out += '"';
        out += base64Encode(std::span(reinterpret_cast<const std::uint8_t*>(e.closeReason.data()),
                                      e.closeReason.size()));
        out += '"';
    }
    out += '}';
}

void format(std::string& out, const AnomalyEvent& e) {
    begin(out, "anomaly", e.conn);
    key<"dir">(out);
    if (e.dir) {
        out += '"';
        out += directionName(*e.dir);
        out += '"';
    } else {
        out += "null";
    }
    fieldTs(out, e.ts);
    field<"packet">(out, e.packet);
    field<"kind">(out, e.kind);
    field<"detail">(out, e.detail);
    field<"rfc">(out, e.rfc);
    out += '}';
}

void format(std::string& out, const EndEvent& e) {
    begin(out, "end", e.conn);
    fieldTs(out, e.ts);
    fieldPlain<"how">(out, endHowName(e.how));
    out += '}';
}

void format(std::string& out, const MessageEvent& e) {
    formatMessage(out, e, [&out](std::span<const std::uint8_t> p) { base64Append(out, p); });
}

template <typename Event>
std::string lineOf(const Event& e) {
    std::string out;
    format(out, e);
    return out;
}

}  // namespace

JsonlSink::JsonlSink(std::FILE* out, JsonlSinkOptions options)
    : options_(std::move(options)), writer_(out, options_.flushEachLine) {}

bool JsonlSink::flush() {
    return writer_.flush();
}

void JsonlSink::onConnection(const ConnectionEvent& e) {
    if (options_.filter.accepts(EventKind::Connection, e.conn)) {
        format(buffer_, e);
        writer_.endLine();
    }
}

void JsonlSink::onHandshake(const HandshakeEvent& e) {
    if (options_.filter.accepts(EventKind::Handshake, e.conn)) {
        format(buffer_, e);
        writer_.endLine();
    }
}

void JsonlSink::onFrame(const FrameEvent& e) {
    if (options_.filter.accepts(EventKind::Frame, e.conn)) {
        format(buffer_, e);
        writer_.endLine();
    }
}

void JsonlSink::onMessage(const MessageEvent& e) {
    if (options_.filter.accepts(EventKind::Message, e.conn)) {
        // Large payloads go from the encoder straight to the output, not through the line.
        formatMessage(buffer_, e,
                      [this](std::span<const std::uint8_t> p) { writer_.appendBase64(p); });
        writer_.endLine();
    }
}

void JsonlSink::onAnomaly(const AnomalyEvent& e) {
    if (options_.filter.accepts(EventKind::Anomaly, e.conn)) {
        format(buffer_, e);
        writer_.endLine();
    }
}

void JsonlSink::onEnd(const EndEvent& e) {
    if (options_.filter.accepts(EventKind::End, e.conn)) {
        format(buffer_, e);
        writer_.endLine();
    }
}

std::string JsonlSink::line(const ConnectionEvent& e) {
    return lineOf(e);
}
std::string JsonlSink::line(const HandshakeEvent& e) {
    return lineOf(e);
}
std::string JsonlSink::line(const FrameEvent& e) {
    return lineOf(e);
}
std::string JsonlSink::line(const MessageEvent& e) {
    return lineOf(e);
}
std::string JsonlSink::line(const AnomalyEvent& e) {
    return lineOf(e);
}
std::string JsonlSink::line(const EndEvent& e) {
    return lineOf(e);
}

}  // namespace sockscope::dissector
