#pragma once
// IPv4 / IPv6 / TCP decoding for PacketDecoder, and the small helpers every
// layer's decoder shares (big-endian reads, results with exact details).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "ip_fragments.h"
#include "sockscope/dissector/packet_decoder.h"

namespace sockscope::dissector::decoding {

inline std::uint16_t be16(std::span<const std::uint8_t> d, std::size_t at) {
    return std::uint16_t(d[at] << 8 | d[at + 1]);
}
inline std::uint32_t be32(std::span<const std::uint8_t> d, std::size_t at) {
    return std::uint32_t(be16(d, at)) << 16 | be16(d, at + 2);
}

inline std::string at(std::size_t offset) {
    return " (byte " + std::to_string(offset) + ")";
}

inline PacketDecode stop(DecodeStatus status, std::optional<CaptureAnomaly> anomaly = {},
                         std::string detail = {}) {
    PacketDecode d;
    d.status = status;
    d.anomaly = anomaly;
    d.detail = std::move(detail);
    return d;
}

inline PacketDecode malformed(std::string detail) {
    return stop(DecodeStatus::Malformed, CaptureAnomaly::MalformedPacket, std::move(detail));
}

// A `need`-byte header at `offset` of which only `have` bytes are there:
// cut by the snaplen, or the packet itself is short.
inline PacketDecode shortHeader(bool snaplenCut, const char* layer, std::size_t offset,
                                std::size_t need, std::size_t have) {
    const std::string counts = std::to_string(have) + " of its " + std::to_string(need) + " bytes";
    if (snaplenCut)
        return stop(DecodeStatus::Malformed, CaptureAnomaly::SnaplenTruncated,
                    std::string("snaplen cut the ") + layer + " header at byte " +
                        std::to_string(offset) + ": " + counts + " captured");
    return malformed(std::string(layer) + ": header truncated, " + counts + " present" +
                     at(offset));
}

// The IP datagram at `offset` of a packet; `cut`: the snaplen cut the packet.
PacketDecode ipv4(FragmentTable& fragments, std::span<const std::uint8_t> packet, bool cut,
                  std::size_t offset);
PacketDecode ipv6(FragmentTable& fragments, std::span<const std::uint8_t> packet, bool cut,
                  std::size_t offset);

}  // namespace sockscope::dissector::decoding
