#include "session/frame_format.h"

#include "sockscope/core/close_code.h"
#include "sockscope/core/opcode.h"
#include "sockscope/dissector/preview.h"

namespace sockscope::session {
namespace {

std::span<const std::uint8_t> bytesOf(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
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
    std::string out;
    dissector::appendHex(out, bytes, maxBytes);
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
    std::string out;
    dissector::appendTextPreview(out, bytesOf(text), maxBytes);
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
