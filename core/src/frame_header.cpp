#include "sockscope/core/frame_header.h"

#include <algorithm>
#include <string>

#include "frame_header_decode.h"

namespace sockscope {

std::size_t FrameHeader::size() const {
    std::size_t n = 2;
    if (lengthEncoding == LengthEncoding::Medium16)
        n += 2;
    if (lengthEncoding == LengthEncoding::Long64)
        n += 8;
    if (masked)
        n += 4;
    return n;
}

HeaderParse parseFrameHeader(std::span<const std::uint8_t> bytes) {
    HeaderParse result;
    FrameHeader& h = result.header;
    const std::size_t size = detail::decodeHeader(bytes.data(), bytes.size(), h);
    if (size == 0) {
        result.needed = bytes.size() < 2 ? 2 : detail::headerSize(bytes[1]);
        return result;
    }
    result.status = HeaderStatus::Complete;
    result.consumed = size;
    result.needed = size;
    if (!detail::hasLengthViolation(h))
        return result;
    if (h.lengthEncoding == LengthEncoding::Long64 && (h.payloadLength >> 63) != 0) {
        result.violation = ProtocolError{ViolationKind::LengthMsbSet, 2,
                                         "64-bit length has its most significant bit set"};
    } else {
        result.violation = ProtocolError{
            ViolationKind::NonMinimalLength, 1,
            std::string(h.lengthEncoding == LengthEncoding::Medium16 ? "16" : "64") +
                "-bit length " + std::to_string(h.payloadLength) + " fits a shorter form"};
    }
    return result;
}

std::size_t serializeFrameHeader(const FrameHeader& h,
                                 std::span<std::uint8_t, kMaxFrameHeaderSize> out) {
    out[0] =
        static_cast<std::uint8_t>((h.fin ? 0x80 : 0) | (h.rsv1 ? 0x40 : 0) | (h.rsv2 ? 0x20 : 0) |
                                  (h.rsv3 ? 0x10 : 0) | (h.opcode & 0x0F));
    const std::uint8_t maskBit = h.masked ? 0x80 : 0;
    // The shortest form that holds the length, unless a longer one was asked for.
    LengthEncoding encoding = h.lengthEncoding;
    if (h.payloadLength > 0xFFFF) {
        encoding = LengthEncoding::Long64;
    } else if (h.payloadLength >= 126 && encoding == LengthEncoding::Short7) {
        encoding = LengthEncoding::Medium16;
    }
    std::size_t n = 2;
    switch (encoding) {
        case LengthEncoding::Short7:
            out[1] = static_cast<std::uint8_t>(maskBit | h.payloadLength);
            break;
        case LengthEncoding::Medium16:
            out[1] = maskBit | 126;
            out[2] = static_cast<std::uint8_t>(h.payloadLength >> 8);
            out[3] = static_cast<std::uint8_t>(h.payloadLength);
            n = 4;
            break;
        case LengthEncoding::Long64:
            out[1] = maskBit | 127;
            for (int i = 0; i < 8; ++i)
                out[2 + i] = static_cast<std::uint8_t>(h.payloadLength >> (56 - 8 * i));
            n = 10;
            break;
    }
    if (h.masked) {
        std::copy(h.maskKey.begin(), h.maskKey.end(), out.begin() + static_cast<std::ptrdiff_t>(n));
        n += 4;
    }
    return n;
}

void appendFrame(std::vector<std::uint8_t>& out, const FrameHeader& header,
                 std::span<const std::uint8_t> payload) {
    FrameHeader h = header;
    h.payloadLength = payload.size();
    std::array<std::uint8_t, kMaxFrameHeaderSize> head{};
    const std::size_t headSize = serializeFrameHeader(h, head);
    const std::size_t start = out.size();
    out.resize(start + headSize + payload.size());
    std::copy_n(head.begin(), headSize, out.begin() + static_cast<std::ptrdiff_t>(start));
    const std::span<std::uint8_t> body(out.data() + start + headSize, payload.size());
    if (h.masked) {
        applyMaskCopy(payload, body, h.maskKey);
    } else if (!payload.empty()) {
        std::copy(payload.begin(), payload.end(), body.begin());
    }
}

std::vector<std::uint8_t> buildFrame(const FrameHeader& header,
                                     std::span<const std::uint8_t> payload) {
    std::vector<std::uint8_t> out;
    out.reserve(kMaxFrameHeaderSize + payload.size());
    appendFrame(out, header, payload);
    return out;
}

}  // namespace sockscope
