#include "sockscope/dissector/jsonl_sink.h"

#include <sockscope/core/handshake.h>
#include <sockscope/core/opcode.h>

#include "sink_format.h"

namespace sockscope::dissector {
namespace {

using detail::appendJsonString;
using detail::appendSeconds;

// Small writers for ,"key":value pairs; begin() has written the first two.
void key(std::string& out, std::string_view name) {
    out += ",\"";
    out += name;
    out += "\":";
}

void field(std::string& out, std::string_view name, std::string_view value) {
    key(out, name);
    appendJsonString(out, value);
}

void field(std::string& out, std::string_view name, std::uint64_t value) {
    key(out, name);
    out += std::to_string(value);
}

void fieldBool(std::string& out, std::string_view name, bool value) {
    key(out, name);
    out += value ? "true" : "false";
}

void fieldTs(std::string& out, Timestamp ts) {
    key(out, "ts");
    appendSeconds(out, ts);
}

void begin(std::string& out, std::string_view event, std::uint32_t conn) {
    out += "{\"event\":\"";
    out += event;
    out += "\",\"conn\":";
    out += std::to_string(conn);
}

void fieldHeaders(std::string& out, std::string_view name,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
    key(out, name);
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
    field(out, "client", e.client.toString());
    field(out, "server", e.server.toString());
    fieldTs(out, e.ts);
    field(out, "packet", e.packet);
    out += '}';
}

void format(std::string& out, const HandshakeEvent& e) {
    begin(out, "handshake", e.conn);
    fieldTs(out, e.ts);
    field(out, "target", e.target);
    key(out, "status");
    out += std::to_string(e.status);
    fieldBool(out, "accept_ok", e.acceptOk);
    key(out, "subprotocol");
    if (e.subprotocol) {
        appendJsonString(out, *e.subprotocol);
    } else {
        out += "null";
    }
    field(out, "extensions", e.extensions);
    fieldHeaders(out, "request_headers", e.requestHeaders);
    fieldHeaders(out, "response_headers", e.responseHeaders);
    field(out, "packet", e.packet);
    if (e.detectedWithoutHandshake) {
        fieldBool(out, "detected_without_handshake", true);
        field(out, "detection", e.detection);
    }
    out += '}';
}

void format(std::string& out, const FrameEvent& e) {
    const FrameHeader& h = e.header;
    begin(out, "frame", e.conn);
    field(out, "dir", directionName(e.dir));
    fieldTs(out, e.ts);
    field(out, "packet", e.packet);
    fieldBool(out, "fin", h.fin);
    fieldBool(out, "rsv1", h.rsv1);
    fieldBool(out, "rsv2", h.rsv2);
    fieldBool(out, "rsv3", h.rsv3);
    field(out, "opcode", std::uint64_t{h.opcode});
    fieldBool(out, "masked", h.masked);
    key(out, "mask");
    if (h.masked) {
        out += '"';
        detail::appendHex(out, h.maskKey, h.maskKey.size());
        out += '"';
    } else {
        out += "null";
    }
    field(out, "length", h.payloadLength);
    out += '}';
}

void format(std::string& out, const MessageEvent& e) {
    begin(out, "message", e.conn);
    field(out, "dir", directionName(e.dir));
    fieldTs(out, e.ts);
    field(out, "opcode", opcodeName(e.opcode));
    field(out, "frames", std::uint64_t{e.frames});
    fieldBool(out, "compressed", e.compressed);
    field(out, "length", e.length);
    key(out, "payload_b64");
    out += '"';
    out += base64Encode(e.payload);
    out += '"';
    bool reasonValid = true;
    if (e.opcode == static_cast<std::uint8_t>(Opcode::Close)) {
        key(out, "close_code");
        out += e.closeCode ? std::to_string(*e.closeCode) : std::string("null");
        key(out, "close_reason");
        reasonValid = appendJsonString(out, e.closeReason);
    }
    field(out, "packet", e.packet);
    if (e.compressed) {
        field(out, "wire_length", e.wireLength);
    }
    if (!e.valid) {
        fieldBool(out, "valid", false);
    }
    if (e.payloadTruncated) {
        fieldBool(out, "payload_truncated", true);
    }
    if (!reasonValid) {
        key(out, "close_reason_b64");
        out += '"';
        out += base64Encode(std::span(reinterpret_cast<const std::uint8_t*>(e.closeReason.data()),
                                      e.closeReason.size()));
        out += '"';
    }
    out += '}';
}

void format(std::string& out, const AnomalyEvent& e) {
    begin(out, "anomaly", e.conn);
    key(out, "dir");
    if (e.dir) {
        out += '"';
        out += directionName(*e.dir);
        out += '"';
    } else {
        out += "null";
    }
    fieldTs(out, e.ts);
    field(out, "packet", e.packet);
    field(out, "kind", e.kind);
    field(out, "detail", e.detail);
    field(out, "rfc", e.rfc);
    out += '}';
}

void format(std::string& out, const EndEvent& e) {
    begin(out, "end", e.conn);
    fieldTs(out, e.ts);
    field(out, "how", endHowName(e.how));
    out += '}';
}

template <typename Event>
std::string lineOf(const Event& e) {
    std::string out;
    format(out, e);
    return out;
}

}  // namespace

JsonlSink::JsonlSink(std::FILE* out, JsonlSinkOptions options)
    : out_(out), options_(std::move(options)) {}

void JsonlSink::writeLine() {
    buffer_ += '\n';
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), out_) != buffer_.size()) {
        ok_ = false;
    }
    if (options_.flushEachLine && std::fflush(out_) != 0) {
        ok_ = false;
    }
    buffer_.clear();
}

void JsonlSink::onConnection(const ConnectionEvent& e) {
    if (options_.filter.accepts(EventKind::Connection, e.conn)) {
        format(buffer_, e);
        writeLine();
    }
}

void JsonlSink::onHandshake(const HandshakeEvent& e) {
    if (options_.filter.accepts(EventKind::Handshake, e.conn)) {
        format(buffer_, e);
        writeLine();
    }
}

void JsonlSink::onFrame(const FrameEvent& e) {
    if (options_.filter.accepts(EventKind::Frame, e.conn)) {
        format(buffer_, e);
        writeLine();
    }
}

void JsonlSink::onMessage(const MessageEvent& e) {
    if (options_.filter.accepts(EventKind::Message, e.conn)) {
        format(buffer_, e);
        writeLine();
    }
}

void JsonlSink::onAnomaly(const AnomalyEvent& e) {
    if (options_.filter.accepts(EventKind::Anomaly, e.conn)) {
        format(buffer_, e);
        writeLine();
    }
}

void JsonlSink::onEnd(const EndEvent& e) {
    if (options_.filter.accepts(EventKind::End, e.conn)) {
        format(buffer_, e);
        writeLine();
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
