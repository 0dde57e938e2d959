// Link layer -> IP -> TCP for one captured packet: this file strips the link
// layer (Ethernet with VLAN tags, Linux cooked SLL/SLL2, BSD loopback, raw
// IP); ip_decode.cpp does the rest.

#include "sockscope/dissector/packet_decoder.h"

#include <algorithm>

#include "ip_decode.h"
#include "ip_fragments.h"

namespace sockscope::dissector {

using namespace decoding;

namespace {

// libpcap DLT_* / LINKTYPE_* values (pcap/dlt.h spells some per platform).
constexpr int kNull = 0, kEthernet = 1, kRawOpenBsd = 12, kRawBsdOs = 14, kRaw = 101, kLoop = 108,
              kSll = 113, kIpv4 = 228, kIpv6 = 229, kSll2 = 276;
constexpr std::uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86DD;

// Where the IP datagram starts and which version it claims to be.
struct Network {
    std::uint16_t etherType = 0;
    std::size_t offset = 0;
};

// EtherType at `offset`, after any stacked 802.1Q / 802.1ad (QinQ) tags.
std::optional<PacketDecode> etherType(std::span<const std::uint8_t> d, bool cut, std::size_t offset,
                                      Network& net) {
    for (;;) {
        if (d.size() < offset + 2)
            return shortHeader(cut, "Ethernet", offset, 2, d.size() - std::min(d.size(), offset));
        const std::uint16_t type = be16(d, offset);
        if (type != 0x8100 && type != 0x88A8 && type != 0x9100) {
            net = {type, offset + 2};
            return std::nullopt;
        }
        // A tag: TPID(2, read) + TCI(2), then the next EtherType. Each step
        // consumes 4 bytes, so the loop ends with the packet.
        offset += 4;
    }
}

std::optional<PacketDecode> linkLayer(const RawPacket& p, bool cut, Network& net) {
    const auto d = p.data;
    switch (p.linkType) {
        case kEthernet:
            if (d.size() < 14)
                return shortHeader(cut, "Ethernet", 0, 14, d.size());
            return etherType(d, cut, 12, net);
        case kSll:
            if (d.size() < 16)
                return shortHeader(cut, "Linux cooked (SLL)", 0, 16, d.size());
            return etherType(d, cut, 14, net);
        case kSll2:
            if (d.size() < 20)
                return shortHeader(cut, "Linux cooked (SLL2)", 0, 20, d.size());
            net = {be16(d, 0), 20};
            return std::nullopt;
        case kNull:
        case kLoop: {
            if (d.size() < 4)
                return shortHeader(cut, "loopback", 0, 4, d.size());
            // DLT_LOOP is big-endian; DLT_NULL is in the capturing host's order,
            // which a family value in the high bytes gives away.
            std::uint32_t family = be32(d, 0);
            if (p.linkType == kNull && (family & 0xFFFF0000u))
                family = __builtin_bswap32(family);
            if (family == 2)
                net = {kEtherIpv4, 4};
            else if (family == 24 || family == 28 || family == 30)  // BSD AF_INET6 values
                net = {kEtherIpv6, 4};
            else
                return stop(DecodeStatus::Ignored);
            return std::nullopt;
        }
        case kRaw:
        case kRawOpenBsd:
        case kRawBsdOs:
            if (d.empty())
                return shortHeader(cut, "raw IP", 0, 1, 0);
            if ((d[0] >> 4) == 4)
                net = {kEtherIpv4, 0};
            else if ((d[0] >> 4) == 6)
                net = {kEtherIpv6, 0};
            else
                return malformed("raw IP: version field is " + std::to_string(d[0] >> 4) +
                                 ", expected 4 or 6" + at(0));
            return std::nullopt;
        case kIpv4:
            net = {kEtherIpv4, 0};
            return std::nullopt;
        case kIpv6:
            net = {kEtherIpv6, 0};
            return std::nullopt;
        default:
            return stop(DecodeStatus::Ignored);
    }
}

}  // namespace

bool supportsLinkType(int linkType) {
    switch (linkType) {
        case kNull:
        case kEthernet:
        case kRawOpenBsd:
        case kRawBsdOs:
        case kRaw:
        case kLoop:
        case kSll:
        case kIpv4:
        case kIpv6:
        case kSll2:
            return true;
        default:
            return false;
    }
}

PacketDecoder::PacketDecoder(PacketDecoderLimits limits)
    : limits_(limits), fragments_(std::make_unique<Fragments>(limits)) {}

PacketDecoder::~PacketDecoder() = default;

PacketDecode PacketDecoder::decode(const RawPacket& packet) {
    // Every packet moves capture time on, fragment or not: a datagram whose
    // last fragment never comes times out while other traffic goes by.
    std::vector<std::string> expired = fragments_->expire(packet.ts);
    PacketDecode d = decodeLayers(packet);
    d.expiredFragments = std::move(expired);
    if (packet.originalLength < packet.data.size() && !d.anomaly) {
        // Only a broken writer records more bytes than were on the wire; the
        // captured ones are what there is to decode.
        d.anomaly = CaptureAnomaly::MalformedPacket;
        d.detail = "captured length " + std::to_string(packet.data.size()) +
                   " exceeds the original length " + std::to_string(packet.originalLength) +
                   " in the record header (a captured length is at most the original); the "
                   "captured bytes are decoded";
    }
    return d;
}

std::vector<std::string> PacketDecoder::finish() {
    return fragments_->dropIncomplete();
}

PacketDecode PacketDecoder::decodeLayers(const RawPacket& packet) {
    const bool cut = packet.originalLength > packet.data.size();
    Network net;
    if (auto done = linkLayer(packet, cut, net))
        return *done;
    if (net.etherType == kEtherIpv4)
        return ipv4(*fragments_, packet.data, cut, net.offset);
    if (net.etherType == kEtherIpv6)
        return ipv6(*fragments_, packet.data, cut, net.offset);
    return stop(DecodeStatus::Ignored);
}

}  // namespace sockscope::dissector
