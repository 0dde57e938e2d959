#include "sockscope/dissector/jsonl_sink.h"

#include <array>
#include <cstring>
#include <type_traits>

#include <sockscope/core/base64.h>
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

// Frame and message lines are written in place (LineWriter::room) into room
// for their longest form: no bounds check per character. Every field there is
// bounded: numbers take at most 20 digits, a timestamp 28 characters
// (detail::kMaxSecondsChars), names 12. These writers return the new end.
char* put(char* p, std::string_view text) {
    std::memcpy(p, text.data(), text.size());
    return p + text.size();
}

template <Key name>
char* putKey(char* p) {
    return put(p, name.view());
}

char* putBool(char* p, bool value) {
    return value ? put(p, "true") : put(p, "false");
}

// `,"ts":` and the timestamp, reusing the text of the last whole seconds.
char* putTs(char* p, Timestamp ts, detail::SecondsText& last) {
    p = putKey<"ts">(p);
    if (ts.seconds < 0)
        return detail::putSeconds(p, ts);
    if (ts.seconds != last.seconds) {
        last.length = static_cast<std::uint32_t>(
            detail::putUnsigned(last.digits, static_cast<std::uint64_t>(ts.seconds)) - last.digits);
        last.seconds = ts.seconds;
    }
    std::memcpy(p, last.digits, sizeof last.digits);  // whole array: a fixed-size copy
    p += last.length;
    *p++ = '.';
    return detail::putMicros(p, ts.nanoseconds);
}

// `{"event":"<event>","conn":<conn>`
char* putBegin(char* p, std::string_view event, std::uint32_t conn) {
    p = put(p, R"({"event":")");
    p = put(p, event);
    p = put(p, R"(","conn":)");
    return detail::putUnsigned(p, conn);
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

// "tls":{"version":…,"cipher_suite":…,"sni":…,"alpn":…,"alpn_offered":[…],"keys":…};
// null strings for what the handshake did not show.
void fieldTls(std::string& out, const TlsConnectionInfo& tls) {
    const auto optional = [&out](std::string_view value) {
        if (value.empty())
            out += "null";
        else
            appendJsonString(out, value);
    };
    out += R"(,"tls":{"version":)";
    optional(tls.version);
    out += R"(,"cipher_suite":)";
    optional(tls.cipherSuite);
    out += R"(,"sni":)";
    optional(tls.serverName);
    out += R"(,"alpn":)";
    optional(tls.alpnSelected);
    out += R"(,"alpn_offered":[)";
    for (std::size_t i = 0; i < tls.alpnOffered.size(); ++i) {
        if (i > 0)
            out += ',';
        appendJsonString(out, tls.alpnOffered[i]);
    }
    out += R"(],"keys":)";
    appendJsonString(out, tls.keys);
    out += '}';
}

void format(std::string& out, const ConnectionEvent& e) {
    begin(out, "connection", e.conn);
    field<"client">(out, e.client.toString());
    field<"server">(out, e.server.toString());
    fieldTs(out, e.ts);
    field<"packet">(out, e.packet);
    if (e.tls)
        fieldTls(out, *e.tls);
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

// The longest frame line is 241 characters.
constexpr std::size_t kMaxFrameLine = 320;

char* putFrame(char* p, const FrameEvent& e, detail::SecondsText& seconds) {
    const FrameHeader& h = e.header;
    p = putBegin(p, "frame", e.conn);
    p = putKey<"dir">(p);
    *p++ = '"';
    p = put(p, directionName(e.dir));
    *p++ = '"';
    p = putTs(p, e.ts, seconds);
    p = putKey<"packet">(p);
    p = detail::putUnsigned(p, e.packet);
    p = putBool(putKey<"fin">(p), h.fin);
    p = putBool(putKey<"rsv1">(p), h.rsv1);
    p = putBool(putKey<"rsv2">(p), h.rsv2);
    p = putBool(putKey<"rsv3">(p), h.rsv3);
    p = putKey<"opcode">(p);
    p = detail::putUnsigned(p, h.opcode);
    p = putBool(putKey<"masked">(p), h.masked);
    p = putKey<"mask">(p);
    if (h.masked) {
        static constexpr char kHex[] = "0123456789abcdef";
        *p++ = '"';
        for (const std::uint8_t byte : h.maskKey) {
            *p++ = kHex[byte >> 4];
            *p++ = kHex[byte & 0x0F];
        }
        *p++ = '"';
    } else {
        p = put(p, "null");
    }
    p = putKey<"length">(p);
    p = detail::putUnsigned(p, h.payloadLength);
    *p++ = '}';
    return p;
}

// A message line up to its payload, `... "payload_b64":"`: at most 194 characters.
constexpr std::size_t kMaxMessageHead = 256;

char* putMessageHead(char* p, const MessageEvent& e, detail::SecondsText& seconds) {
    p = putBegin(p, "message", e.conn);
    p = putKey<"dir">(p);
    *p++ = '"';
    p = put(p, directionName(e.dir));
    *p++ = '"';
    p = putTs(p, e.ts, seconds);
    p = putKey<"opcode">(p);
    *p++ = '"';
    p = put(p, opcodeName(e.opcode));  // at most 12 characters
    *p++ = '"';
    p = putKey<"frames">(p);
    p = detail::putUnsigned(p, e.frames);
    p = putBool(putKey<"compressed">(p), e.compressed);
    p = putKey<"length">(p);
    p = detail::putUnsigned(p, e.length);
    p = putKey<"payload_b64">(p);
    *p++ = '"';
    return p;
}

// The fields after a close message's reason (and every other message's
// payload), up to the optional close_reason_b64: at most 104 characters.
constexpr std::size_t kMaxMessageFields = 128;

char* putMessageFields(char* p, const MessageEvent& e) {
    p = putKey<"packet">(p);
    p = detail::putUnsigned(p, e.packet);
    if (e.compressed) {
        p = putKey<"wire_length">(p);
        p = detail::putUnsigned(p, e.wireLength);
    }
    if (!e.valid) {
        p = put(putKey<"valid">(p), "false");
    }
    if (e.payloadTruncated) {
        p = put(putKey<"payload_truncated">(p), "true");
    }
    return p;
}

// Writes a message line to `out`: a LineWriter, or a StringLine for line().
// Both take written-in-place pieces (room/commit), base64, and appended text.
template <typename Out>
void writeMessage(Out& out, const MessageEvent& e, detail::SecondsText& seconds) {
    char* p = out.room(kMaxMessageHead);
    out.commit(putMessageHead(p, e, seconds));
    out.appendBase64(e.payload);
    if (e.opcode != static_cast<std::uint8_t>(Opcode::Close)) {
        p = out.room(1 + kMaxMessageFields + 1);
        *p++ = '"';
        p = putMessageFields(p, e);
        *p++ = '}';
        out.commit(p);
        return;
    }
    std::string& text = out.buffer();
    text += '"';
    key<"close_code">(text);
    if (e.closeCode) {
        detail::appendUnsigned(text, *e.closeCode);
    } else {
        text.append("null");
    }
    key<"close_reason">(text);
    const bool reasonValid = appendJsonString(text, e.closeReason);
    p = out.room(kMaxMessageFields);
    out.commit(putMessageFields(p, e));
    std::string& rest = out.buffer();
    if (!reasonValid) {
        key<"close_reason_b64">(rest);
        rest += '"';
        rest += base64Encode(std::span(reinterpret_cast<const std::uint8_t*>(e.closeReason.data()),
                                       e.closeReason.size()));
        rest += '"';
    }
    rest += '}';
}

template <typename Out>
void writeFrame(Out& out, const FrameEvent& e, detail::SecondsText& seconds) {
    char* p = out.room(kMaxFrameLine);
    out.commit(putFrame(p, e, seconds));
}

// A LineWriter's interface over a string, for JsonlSink::line().
class StringLine {
public:
    explicit StringLine(std::string& text) : text_(text) {}
    char* room(std::size_t bytes) {
        const std::size_t at = text_.size();
        text_.resize(at + bytes);
        return text_.data() + at;
    }
    void commit(const char* end) { text_.resize(static_cast<std::size_t>(end - text_.data())); }
    void appendBase64(std::span<const std::uint8_t> bytes) { base64Append(text_, bytes); }
    std::string& buffer() { return text_; }

private:
    std::string& text_;
};

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

template <typename Event>
std::string lineOf(const Event& e) {
    std::string out;
    detail::SecondsText seconds;
    if constexpr (std::is_same_v<Event, FrameEvent>) {
        StringLine line(out);
        writeFrame(line, e, seconds);
    } else if constexpr (std::is_same_v<Event, MessageEvent>) {
        StringLine line(out);
        writeMessage(line, e, seconds);
    } else {
        format(out, e);
    }
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
        writeFrame(writer_, e, seconds_);
        writer_.endLine();
    }
}

void JsonlSink::onMessage(const MessageEvent& e) {
    if (options_.filter.accepts(EventKind::Message, e.conn)) {
        // Large payloads go from the encoder straight to the output, not through the batch.
        writeMessage(writer_, e, seconds_);
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
