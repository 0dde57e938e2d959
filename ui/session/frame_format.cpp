#include "session/frame_format.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "sockscope/core/close_code.h"
#include "sockscope/core/opcode.h"

namespace sockscope::session {
namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026, marks a cut preview

constexpr bool isUtf8Continuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

void appendEscaped(std::string& out, unsigned char c) {
    switch (c) {
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        case '"':
            out += "\\\"";
            return;
        case '\\':
            out += "\\\\";
            return;
        default:
            break;
    }
    if (c < 0x20 || c == 0x7F) {
        std::array<char, 5> buf{};
        std::snprintf(buf.data(), buf.size(), "\\x%02x", c);
        out += buf.data();
        return;
    }
    out += static_cast<char>(c);
}

}  // namespace

std::string_view directionName(Direction direction) {
    return direction == Direction::In ? "in " : "out";
}

std::string formatFrameLine(Direction direction, const FrameHeader& header) {
    std::string line(directionName(direction));
    line += " fin=";
    line += header.fin ? '1' : '0';
    line += " rsv1=";
    line += header.rsv1 ? '1' : '0';
    line += " rsv2=";
    line += header.rsv2 ? '1' : '0';
    line += " rsv3=";
    line += header.rsv3 ? '1' : '0';
    line += " op=";
    line += opcodeName(header.opcode);
    line += " mask=";
    line += header.masked ? '1' : '0';
    line += " key=";
    line += header.masked ? formatHex(header.maskKey, header.maskKey.size()) : std::string("-");
    line += " len=";
    line += std::to_string(header.payloadLength);
    return line;
}

std::string formatHex(std::span<const std::uint8_t> bytes, std::size_t maxBytes) {
    static constexpr std::string_view kDigits = "0123456789abcdef";
    const std::size_t shown = std::min(bytes.size(), maxBytes);
    std::string out;
    out.reserve(shown * 2 + kEllipsis.size());
    for (std::size_t i = 0; i < shown; ++i) {
        out += kDigits[bytes[i] >> 4];
        out += kDigits[bytes[i] & 0x0F];
    }
    if (shown < bytes.size()) {
        out += kEllipsis;
    }
    return out;
}

std::string formatBinaryPreview(std::span<const std::uint8_t> payload, std::size_t maxBytes) {
    std::string out = "<binary " + std::to_string(payload.size()) + " bytes";
    if (!payload.empty()) {
        out += ": ";
        out += formatHex(payload, maxBytes);
    }
    out += '>';
    return out;
}

std::string formatTextPreview(std::string_view text, std::size_t maxBytes) {
    std::size_t cut = std::min(text.size(), maxBytes);
    // Never split a UTF-8 sequence: back up to the start of the character.
    while (cut > 0 && cut < text.size() &&
           isUtf8Continuation(static_cast<unsigned char>(text[cut]))) {
        --cut;
    }
    std::string out = "\"";
    for (std::size_t i = 0; i < cut; ++i) {
        appendEscaped(out, static_cast<unsigned char>(text[i]));
    }
    out += '"';
    if (cut < text.size()) {
        out += kEllipsis;
    }
    return out;
}

std::string formatMessageLine(Direction direction, const event::Message& message) {
    std::string line(directionName(direction));
    line += " message ";
    line += opcodeName(message.opcode);
    line += ' ';
    line += std::to_string(message.payload.size());
    line += " bytes frames=";
    line += std::to_string(message.frames);
    line += " compressed=";
    line += message.compressed ? '1' : '0';
    line += ' ';
    if (message.opcode == static_cast<std::uint8_t>(Opcode::Text)) {
        line += formatTextPreview(message.text());
    } else {
        line += formatBinaryPreview(message.payload);
    }
    return line;
}

std::string formatCloseCode(std::optional<std::uint16_t> code) {
    if (!code) {
        return "none";
    }
    const CloseCodeInfo info = closeCodeInfo(*code);
    std::string out = std::to_string(*code);
    if (!info.name.empty()) {
        out += " (";
        out += info.name;
        out += ')';
    }
    return out;
}

std::string formatProtocolError(const ProtocolError& error) {
    std::string out(error.id());
    out += " (";
    out += error.rfc();
    out += ')';
    if (!error.detail.empty()) {
        out += ": ";
        out += error.detail;
    }
    return out;
}

}  // namespace sockscope::session
