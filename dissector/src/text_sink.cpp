#include "sockscope/dissector/text_sink.h"

#include <sockscope/core/close_code.h>
#include <sockscope/core/opcode.h>

#include "sink_format.h"

namespace sockscope::dissector {
namespace {

constexpr std::size_t kBinaryPreviewBytes = 32;

std::string_view arrow(Direction sender) {
    return sender == Direction::Client ? "client\xE2\x86\x92"
                                         "server"
                                       : "server\xE2\x86\x92"
                                         "client";
}

void appendCloseCode(std::string& out, std::optional<std::uint16_t> code) {
    if (!code) {
        out += "no-code";
        return;
    }
    out += std::to_string(*code);
    const CloseCodeInfo info = closeCodeInfo(*code);
    if (!info.name.empty()) {
        out += " (";
        out += info.name;
        out += ')';
    }
}

std::span<const std::uint8_t> bytesOf(std::string_view text) {
    return std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

}  // namespace

TextSink::TextSink(std::FILE* out, TextSinkOptions options)
    : options_(std::move(options)), writer_(out, options_.flushEachLine) {}

void TextSink::prefix(std::uint64_t packet, Timestamp ts, std::uint32_t conn) {
    if (!origin_) {
        origin_ = ts;
    }
    if (packet == 0) {
        buffer_ += '-';
    } else {
        buffer_ += std::to_string(packet);
    }
    buffer_ += ' ';
    const std::int64_t delta = (ts.seconds - origin_->seconds) * 1000000000 +
                               (std::int64_t{ts.nanoseconds} - origin_->nanoseconds);
    detail::appendSeconds(buffer_, delta);
    buffer_ += ' ';
    if (conn == 0) {
        buffer_ += '-';
    } else {
        buffer_ += std::to_string(conn);
    }
    buffer_ += ' ';
}

bool TextSink::flush() {
    return writer_.flush();
}

void TextSink::onConnection(const ConnectionEvent& e) {
    if (!options_.filter.accepts(EventKind::Connection, e.conn)) {
        return;
    }
    prefix(e.packet, e.ts, e.conn);
    buffer_ += "connection ";
    buffer_ += e.client.toString();
    buffer_ += " \xE2\x86\x92 ";
    buffer_ += e.server.toString();
    if (e.tls) {
        const TlsConnectionInfo& tls = *e.tls;
        buffer_ += tls.version.empty() ? " TLS" : " " + tls.version;
        if (!tls.cipherSuite.empty())
            buffer_ += " " + tls.cipherSuite;
        const auto optional = [this](std::string_view label, const std::string& value) {
            buffer_ += label;
            if (value.empty())
                buffer_ += '-';
            else
                detail::appendTextPreview(buffer_, bytesOf(value), options_.previewBytes);
        };
        optional(" sni=", tls.serverName);
        optional(" alpn=", tls.alpnSelected);
        buffer_ += " keys=" + tls.keys;
    }
    writer_.endLine();
}

void TextSink::onHandshake(const HandshakeEvent& e) {
    if (!options_.filter.accepts(EventKind::Handshake, e.conn)) {
        return;
    }
    prefix(e.packet, e.ts, e.conn);
    if (e.detectedWithoutHandshake) {
        buffer_ += "handshake not seen: ";
        buffer_ += e.detection;
        writer_.endLine();
        return;
    }
    buffer_ += "handshake GET ";
    detail::appendTextPreview(buffer_, bytesOf(e.target), options_.previewBytes);
    buffer_ += " \xE2\x86\x92 ";
    buffer_ += std::to_string(e.status);
    buffer_ += e.acceptOk ? " accept=ok" : " accept=WRONG";
    buffer_ += " subprotocol=";
    if (e.subprotocol) {
        detail::appendTextPreview(buffer_, bytesOf(*e.subprotocol), options_.previewBytes);
    } else {
        buffer_ += '-';
    }
    buffer_ += " extensions=";
    if (e.extensions.empty()) {
        buffer_ += '-';
    } else {
        detail::appendTextPreview(buffer_, bytesOf(e.extensions), options_.previewBytes);
    }
    writer_.endLine();
}

void TextSink::onFrame(const FrameEvent& e) {
    if (!options_.filter.accepts(EventKind::Frame, e.conn)) {
        return;
    }
    const FrameHeader& h = e.header;
    prefix(e.packet, e.ts, e.conn);
    buffer_ += arrow(e.dir);
    buffer_ += " frame fin=";
    buffer_ += h.fin ? '1' : '0';
    if (h.rsv1 || h.rsv2 || h.rsv3) {
        buffer_ += " rsv=";
        buffer_ += h.rsv1 ? '1' : '0';
        buffer_ += h.rsv2 ? '1' : '0';
        buffer_ += h.rsv3 ? '1' : '0';
    }
    buffer_ += " op=";
    buffer_ += opcodeName(h.opcode);
    buffer_ += " mask=";
    if (h.masked) {
        detail::appendHex(buffer_, h.maskKey, h.maskKey.size());
    } else {
        buffer_ += '-';
    }
    buffer_ += " len=";
    buffer_ += std::to_string(h.payloadLength);
    writer_.endLine();
}

void TextSink::onMessage(const MessageEvent& e) {
    if (!options_.filter.accepts(EventKind::Message, e.conn)) {
        return;
    }
    prefix(e.packet, e.ts, e.conn);
    buffer_ += arrow(e.dir);
    buffer_ += " message ";
    buffer_ += opcodeName(e.opcode);
    buffer_ += ' ';
    if (e.opcode == static_cast<std::uint8_t>(Opcode::Close)) {
        appendCloseCode(buffer_, e.closeCode);
        if (!e.closeReason.empty()) {
            buffer_ += ' ';
            detail::appendTextPreview(buffer_, bytesOf(e.closeReason), options_.previewBytes);
        }
    } else {
        buffer_ += std::to_string(e.length);
        buffer_ += " B";
        if (e.frames > 1) {
            buffer_ += " frames=";
            buffer_ += std::to_string(e.frames);
        }
        if (e.compressed) {
            buffer_ += " deflate=";
            buffer_ += std::to_string(e.wireLength);
            buffer_ += 'B';
        }
        if (!e.payload.empty()) {
            buffer_ += ' ';
            if (e.opcode == static_cast<std::uint8_t>(Opcode::Text)) {
                detail::appendTextPreview(buffer_, e.payload, options_.previewBytes);
            } else {
                detail::appendHex(buffer_, e.payload, kBinaryPreviewBytes);
            }
        }
    }
    if (e.payloadTruncated) {
        buffer_ += " (payload cut at ";
        buffer_ += std::to_string(e.payload.size());
        buffer_ += " B)";
    }
    if (!e.valid) {
        buffer_ += " INVALID";
    }
    writer_.endLine();
}

void TextSink::onAnomaly(const AnomalyEvent& e) {
    if (!options_.filter.accepts(EventKind::Anomaly, e.conn)) {
        return;
    }
    prefix(e.packet, e.ts, e.conn);
    if (e.dir) {
        buffer_ += arrow(*e.dir);
        buffer_ += ' ';
    }
    buffer_ += "! ";
    buffer_ += e.kind;
    if (!e.rfc.empty()) {
        buffer_ += " (";
        buffer_ += e.rfc;
        buffer_ += ')';
    }
    if (!e.detail.empty()) {
        buffer_ += ": ";
        // Details may quote capture bytes: keep the line one printable line.
        std::string quoted;
        detail::appendTextPreview(quoted, bytesOf(e.detail), e.detail.size());
        buffer_.append(quoted, 1, quoted.size() - 2);
    }
    writer_.endLine();
}

void TextSink::onEnd(const EndEvent& e) {
    if (!options_.filter.accepts(EventKind::End, e.conn)) {
        return;
    }
    prefix(0, e.ts, e.conn);
    buffer_ += "end ";
    buffer_ += endHowName(e.how);
    writer_.endLine();
}

}  // namespace sockscope::dissector
