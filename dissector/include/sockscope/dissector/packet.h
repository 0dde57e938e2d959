#pragma once
// One captured packet as the rest of the dissector sees it.

#include <cstdint>
#include <span>

namespace sockscope::dissector {

struct Timestamp {
    std::int64_t seconds = 0;
    std::uint32_t nanoseconds = 0;
    double toDouble() const { return double(seconds) + nanoseconds * 1e-9; }
    friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

struct RawPacket {
    std::uint64_t number = 0;  // 1-based position in the capture
    Timestamp ts;
    int linkType = 0;  // libpcap DLT_* value
    std::uint32_t interfaceId = 0;
    std::uint32_t capturedLength = 0;
    std::uint32_t originalLength = 0;    // > capturedLength: cut by the snaplen
    std::span<const std::uint8_t> data;  // valid until the next packet is read
    // File offset just past this packet's record, when the reader was asked
    // for it (CaptureReaderOptions::recordEnds) and the input is a file; 0
    // otherwise. packetDataOffset() turns it into the offset of `data`.
    std::uint64_t recordEnd = 0;
};

}  // namespace sockscope::dissector
