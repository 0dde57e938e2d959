#pragma once
// The RawPacket a capture reader would hand the dissector for an Ethernet
// frame built in a test: numbered from 1 by its index, one second apart.

#include <sockscope/dissector/packet.h>

#include <cstdint>
#include <vector>

namespace sockscope::test {

// `cut` bytes of the packet were not captured (snaplen). `bytes` must outlive the packet.
inline dissector::RawPacket ethernetPacket(const std::vector<std::uint8_t>& bytes,
                                           std::size_t index, std::uint32_t cut = 0) {
    dissector::RawPacket p;
    p.number = index + 1;
    p.ts = {1700000000 + std::int64_t(index), 0};
    p.linkType = 1;
    p.data = bytes;
    p.capturedLength = std::uint32_t(bytes.size());
    p.originalLength = p.capturedLength + cut;
    return p;
}

}  // namespace sockscope::test
