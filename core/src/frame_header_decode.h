#pragma once
// The inner header decoder shared by parseFrameHeader and the streaming
// FrameDecoder's hot path: no allocation, no error object, just the fields.

#include <bit>
#include <cstring>

#include "sockscope/core/frame_header.h"

namespace sockscope::detail {

// Size of the header that starts with these two bytes.
inline std::size_t headerSize(std::uint8_t b1) {
    const std::uint8_t len7 = b1 & 0x7F;
    return 2 + ((b1 & 0x80) ? 4 : 0) + (len7 == 126 ? 2 : 0) + (len7 == 127 ? 8 : 0);
}

// Decodes a complete header; returns its size, or 0 when `avail` bytes are not enough.
inline std::size_t decodeHeader(const std::uint8_t* p, std::size_t avail, FrameHeader& h) {
    if (avail < 2)
        return 0;
    const std::uint8_t b0 = p[0];
    const std::uint8_t b1 = p[1];
    const std::size_t size = headerSize(b1);
    if (avail < size)
        return 0;
    h.fin = (b0 & 0x80) != 0;
    h.rsv1 = (b0 & 0x40) != 0;
    h.rsv2 = (b0 & 0x20) != 0;
    h.rsv3 = (b0 & 0x10) != 0;
    h.opcode = b0 & 0x0F;
    h.masked = (b1 & 0x80) != 0;
    const std::uint8_t len7 = b1 & 0x7F;
    std::size_t at = 2;
    if (len7 < 126) {
        h.payloadLength = len7;
        h.lengthEncoding = LengthEncoding::Short7;
    } else if (len7 == 126) {
        h.payloadLength = (std::uint64_t{p[2]} << 8) | p[3];
        h.lengthEncoding = LengthEncoding::Medium16;
        at = 4;
    } else {
        std::uint64_t len = 0;
        for (std::size_t i = 2; i < 10; ++i)
            len = (len << 8) | p[i];
        h.payloadLength = len;
        h.lengthEncoding = LengthEncoding::Long64;
        at = 10;
    }
    if (h.masked)
        std::memcpy(h.maskKey.data(), p + at, 4);
    return size;
}

// Whether the length breaks §5.2 (non-minimal form or MSB set); rare, so the
// caller builds the detailed error only then.
inline bool hasLengthViolation(const FrameHeader& h) {
    switch (h.lengthEncoding) {
        case LengthEncoding::Short7:
            return false;
        case LengthEncoding::Medium16:
            return h.payloadLength < 126;
        case LengthEncoding::Long64:
            return h.payloadLength <= 0xFFFF || (h.payloadLength >> 63) != 0;
    }
    return false;
}

}  // namespace sockscope::detail
