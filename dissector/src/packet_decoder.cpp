// Link layer -> IP -> TCP for one captured packet. Every length is checked
// against both the captured bytes and the lengths the headers claim: a header
// cut by the snaplen is reported as such, a header that contradicts itself as
// malformed (layer, field and byte offset), and link-layer padding after the
// IP datagram never becomes payload.

#include "sockscope/dissector/packet_decoder.h"

#include <algorithm>
#include <cstring>

#include "ip_fragments.h"

namespace sockscope::dissector {

namespace {

// libpcap DLT_* / LINKTYPE_* values (pcap/dlt.h spells some per platform).
constexpr int kNull = 0, kEthernet = 1, kRawOpenBsd = 12, kRawBsdOs = 14, kRaw = 101, kLoop = 108,
              kSll = 113, kIpv4 = 228, kIpv6 = 229, kSll2 = 276;
constexpr std::uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86DD;
constexpr std::uint8_t kProtoTcp = 6;

std::uint16_t be16(std::span<const std::uint8_t> d, std::size_t at) {
    return std::uint16_t(d[at] << 8 | d[at + 1]);
}
std::uint32_t be32(std::span<const std::uint8_t> d, std::size_t at) {
    return std::uint32_t(be16(d, at)) << 16 | be16(d, at + 2);
}

std::string at(std::size_t offset) {
    return " (byte " + std::to_string(offset) + ")";
}

PacketDecode stop(DecodeStatus status, std::optional<CaptureAnomaly> anomaly = {},
                  std::string detail = {}) {
    PacketDecode d;
    d.status = status;
    d.anomaly = anomaly;
    d.detail = std::move(detail);
    return d;
}

PacketDecode malformed(std::string detail) {
    return stop(DecodeStatus::Malformed, CaptureAnomaly::MalformedPacket, std::move(detail));
}

// A `need`-byte header at `offset` of which only `have` bytes are there:
// cut by the snaplen, or the packet itself is short.
PacketDecode shortHeader(bool snaplenCut, const char* layer, std::size_t offset, std::size_t need,
                         std::size_t have) {
    const std::string counts = std::to_string(have) + " of its " + std::to_string(need) + " bytes";
    if (snaplenCut)
        return stop(DecodeStatus::Malformed, CaptureAnomaly::SnaplenTruncated,
                    std::string("snaplen cut the ") + layer + " header at byte " +
                        std::to_string(offset) + ": " + counts + " captured");
    return malformed(std::string(layer) + ": header truncated, " + counts + " present" +
                     at(offset));
}

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

SocketAddress address(bool v6, std::span<const std::uint8_t> d, std::size_t offset) {
    SocketAddress a;
    a.v6 = v6;
    std::copy_n(d.begin() + std::ptrdiff_t(offset), v6 ? 16 : 4, a.ip.begin());
    return a;
}

// The TCP header and payload. `seg` is the captured part of the IP payload,
// `base` its offset in the packet, `missing` the IP payload bytes not captured.
PacketDecode tcp(std::span<const std::uint8_t> seg, std::size_t base, std::size_t missing,
                 SocketAddress source, SocketAddress destination) {
    const std::size_t wire = seg.size() + missing;
    if (seg.size() < 20)
        return wire >= 20 ? shortHeader(true, "TCP", base, 20, seg.size())
                          : malformed("TCP: header truncated, the IP payload has " +
                                      std::to_string(wire) + " of its 20 bytes" + at(base));
    const std::size_t headerLength = std::size_t(seg[12] >> 4) * 4;
    if (headerLength < 20)
        return malformed("TCP: data offset " + std::to_string(seg[12] >> 4) + " (" +
                         std::to_string(headerLength) + " bytes) is below the minimum of 5" +
                         at(base + 12));
    if (headerLength > wire)
        return malformed("TCP: data offset " + std::to_string(seg[12] >> 4) + " (" +
                         std::to_string(headerLength) + " bytes) exceeds the " +
                         std::to_string(wire) + "-byte segment" + at(base + 12));
    if (headerLength > seg.size())
        return shortHeader(true, "TCP", base, headerLength, seg.size());
    PacketDecode d;
    d.status = DecodeStatus::Tcp;
    TcpSegment& s = d.segment;
    s.source = source;
    s.destination = destination;
    s.source.port = be16(seg, 0);
    s.destination.port = be16(seg, 2);
    s.seq = be32(seg, 4);
    s.ack = be32(seg, 8);
    s.flags = seg[13];
    s.payload = seg.subspan(headerLength);
    s.payloadOffset = std::uint32_t(base + headerLength);
    s.missingBytes = std::uint32_t(missing);
    if (missing) {
        d.anomaly = CaptureAnomaly::SnaplenTruncated;
        d.detail = std::to_string(missing) + " of " + std::to_string(wire - headerLength) +
                   " TCP payload bytes not captured (snaplen)";
    }
    return d;
}

// Turns a fragment-table answer into a decode; a completed datagram's
// TCP segment follows via `complete`.
template <typename Complete>
PacketDecode fragmentOutcome(const FragmentResult& r, Complete&& complete) {
    if (r.kind == FragmentResult::Kind::Dropped)
        return stop(DecodeStatus::Malformed, CaptureAnomaly::IpFragment, r.detail);
    PacketDecode d = r.kind == FragmentResult::Kind::Complete ? complete(r.datagram)
                                                              : stop(DecodeStatus::FragmentHeld);
    if (!r.detail.empty() && !d.anomaly) {
        d.anomaly = CaptureAnomaly::IpFragment;
        d.detail = r.detail;
    }
    return d;
}

bool isIpv6Extension(std::uint8_t header) {
    return header == 0 || header == 43 || header == 60 || header == 51;
}

const char* ipv6ExtensionName(std::uint8_t header) {
    switch (header) {
        case 0:
            return "hop-by-hop options";
        case 43:
            return "routing";
        case 60:
            return "destination options";
        default:
            return "authentication";
    }
}

PacketDecode ipv4(FragmentTable& fragments, const RawPacket& packet, bool cut, std::size_t o) {
    const auto d = packet.data;
    if (d.size() < o + 20)
        return shortHeader(cut, "IPv4", o, 20, d.size() - std::min(d.size(), o));
    if ((d[o] >> 4) != 4)
        return malformed("IPv4: version field is " + std::to_string(d[o] >> 4) + ", expected 4" +
                         at(o));
    const std::size_t headerLength = std::size_t(d[o] & 15) * 4;
    if (headerLength < 20)
        return malformed("IPv4: header length field " + std::to_string(d[o] & 15) + " (" +
                         std::to_string(headerLength) + " bytes) is below the minimum of 5" +
                         at(o));
    if (d.size() < o + headerLength)
        return shortHeader(cut, "IPv4", o, headerLength, d.size() - o);
    const std::size_t present = d.size() - o;
    std::size_t total = be16(d, o + 2);
    // 0 is what a sender using TCP segmentation offload writes for a segment
    // the NIC splits later: the captured bytes are the datagram.
    if (total == 0)
        total = present;
    if (total < headerLength)
        return malformed("IPv4: total length " + std::to_string(total) + " is less than the " +
                         std::to_string(headerLength) + "-byte header" + at(o + 2));
    if (total > present && !cut)
        return malformed("IPv4: total length " + std::to_string(total) + " exceeds the " +
                         std::to_string(present) + " bytes present" + at(o + 2));
    const std::size_t captured = std::min(total, present);  // the rest is link padding
    const std::size_t missing = total - captured;
    const std::uint8_t protocol = d[o + 9];
    const SocketAddress source = address(false, d, o + 12);
    const SocketAddress destination = address(false, d, o + 16);
    const std::uint16_t fragment = be16(d, o + 6);
    const bool more = fragment & 0x2000;
    const std::uint32_t fragmentOffset = std::uint32_t(fragment & 0x1FFF) * 8;
    if (protocol != kProtoTcp)
        return stop(DecodeStatus::Ignored);
    const std::size_t payloadAt = o + headerLength;
    if (!more && fragmentOffset == 0)
        return tcp(d.subspan(payloadAt, captured - headerLength), payloadAt, missing, source,
                   destination);

    FragmentKey key;
    key.source = source.ip;
    key.destination = destination.ip;
    key.id = be16(d, o + 4);
    key.protocol = protocol;
    if (missing)
        return stop(DecodeStatus::Malformed, CaptureAnomaly::IpFragment,
                    describeDatagram(key) + ": fragment at offset " +
                        std::to_string(fragmentOffset) + " cut by the snaplen (" +
                        std::to_string(missing) + " bytes missing), not reassembled");
    const FragmentResult r =
        fragments.add(key, fragmentOffset, !more, d.subspan(payloadAt, captured - headerLength));
    return fragmentOutcome(r, [&](std::span<const std::uint8_t> datagram) {
        PacketDecode done = tcp(datagram, 0, 0, source, destination);
        // The byte view can only point into this packet: its fragment data.
        done.segment.payloadOffset = std::uint32_t(payloadAt);
        return done;
    });
}

PacketDecode ipv6Fragment(FragmentTable& fragments, std::span<const std::uint8_t> d,
                          std::size_t pos, std::size_t end, std::size_t missing,
                          std::uint32_t offset, bool more, SocketAddress source,
                          SocketAddress destination) {
    FragmentKey key;
    key.v6 = true;
    key.source = source.ip;
    key.destination = destination.ip;
    key.id = be32(d, pos + 4);
    key.protocol = d[pos];
    // Only datagrams that can carry TCP are worth holding.
    if (key.protocol != kProtoTcp && !isIpv6Extension(key.protocol))
        return stop(DecodeStatus::Ignored);
    if (missing)
        return stop(DecodeStatus::Malformed, CaptureAnomaly::IpFragment,
                    describeDatagram(key) + ": fragment at offset " + std::to_string(offset) +
                        " cut by the snaplen (" + std::to_string(missing) +
                        " bytes missing), not reassembled");
    const std::size_t dataAt = pos + 8;
    const FragmentResult r = fragments.add(key, offset, !more, d.subspan(dataAt, end - dataAt));
    return fragmentOutcome(r, [&](std::span<const std::uint8_t> datagram) {
        // The reassembled part may start with more extension headers.
        std::uint8_t next = key.protocol;
        std::size_t p = 0;
        while (next != kProtoTcp) {
            if (!isIpv6Extension(next))
                return stop(DecodeStatus::Ignored);
            const char* name = ipv6ExtensionName(next);
            if (datagram.size() < p + 2)
                return malformed(std::string("IPv6: reassembled ") + name +
                                 " header runs past the datagram" + at(p));
            const std::size_t size = next == 51 ? (std::size_t(datagram[p + 1]) + 2) * 4
                                                : (std::size_t(datagram[p + 1]) + 1) * 8;
            if (datagram.size() < p + size)
                return malformed(std::string("IPv6: reassembled ") + name + " header of " +
                                 std::to_string(size) + " bytes runs past the datagram" + at(p));
            next = datagram[p];
            p += size;
        }
        PacketDecode done = tcp(datagram.subspan(p), 0, 0, source, destination);
        done.segment.payloadOffset = std::uint32_t(dataAt);
        return done;
    });
}

PacketDecode ipv6(FragmentTable& fragments, const RawPacket& packet, bool cut, std::size_t o) {
    const auto d = packet.data;
    if (d.size() < o + 40)
        return shortHeader(cut, "IPv6", o, 40, d.size() - std::min(d.size(), o));
    if ((d[o] >> 4) != 6)
        return malformed("IPv6: version field is " + std::to_string(d[o] >> 4) + ", expected 6" +
                         at(o));
    const std::size_t present = d.size() - o - 40;
    std::size_t length = be16(d, o + 4);
    // 0: a jumbogram or a segmentation-offload send; the captured bytes are it.
    if (length == 0)
        length = present;
    if (length > present && !cut)
        return malformed("IPv6: payload length " + std::to_string(length) + " exceeds the " +
                         std::to_string(present) + " bytes present" + at(o + 4));
    const std::size_t captured = std::min(length, present);  // the rest is link padding
    const std::size_t missing = length - captured;
    const SocketAddress source = address(true, d, o + 8);
    const SocketAddress destination = address(true, d, o + 24);

    // Walk the extension headers up to TCP. Each step consumes at least 8
    // bytes, so the walk ends with the payload.
    std::uint8_t next = d[o + 6];
    std::size_t pos = o + 40;
    const std::size_t end = pos + captured, wireEnd = pos + length;
    while (next != kProtoTcp) {
        if (next == 44) {
            if (wireEnd < pos + 8)
                return malformed("IPv6: fragment header runs past the payload length" + at(pos));
            if (end < pos + 8)
                return shortHeader(cut, "IPv6 fragment", pos, 8, end - pos);
            const std::uint16_t field = be16(d, pos + 2);
            const std::uint32_t offset = field & 0xFFF8u;
            const bool more = field & 1;
            if (offset == 0 && !more) {  // an atomic fragment: the datagram is whole
                next = d[pos];
                pos += 8;
                continue;
            }
            return ipv6Fragment(fragments, d, pos, end, missing, offset, more, source, destination);
        }
        if (!isIpv6Extension(next))
            return stop(DecodeStatus::Ignored);  // UDP, ICMPv6, no next header, ...
        const char* name = ipv6ExtensionName(next);
        if (end < pos + 2)
            return wireEnd < pos + 2 ? malformed(std::string("IPv6: ") + name +
                                                 " header runs past the payload length" + at(pos))
                                     : shortHeader(cut, "IPv6 extension", pos, 2, end - pos);
        const std::size_t size =
            next == 51 ? (std::size_t(d[pos + 1]) + 2) * 4 : (std::size_t(d[pos + 1]) + 1) * 8;
        if (pos + size > wireEnd)
            return malformed(std::string("IPv6: ") + name + " header of " + std::to_string(size) +
                             " bytes runs past the payload length" + at(pos + 1));
        if (pos + size > end)
            return shortHeader(cut, "IPv6 extension", pos, size, end - pos);
        next = d[pos];
        pos += size;
    }
    return tcp(d.subspan(pos, end - pos), pos, missing, source, destination);
}

}  // namespace

PacketDecoder::PacketDecoder(PacketDecoderLimits limits)
    : limits_(limits), fragments_(std::make_unique<Fragments>(limits)) {}

PacketDecoder::~PacketDecoder() = default;

PacketDecode PacketDecoder::decode(const RawPacket& packet) {
    const bool cut = packet.originalLength > packet.data.size();
    Network net;
    if (auto done = linkLayer(packet, cut, net))
        return *done;
    if (net.etherType == kEtherIpv4)
        return ipv4(*fragments_, packet, cut, net.offset);
    if (net.etherType == kEtherIpv6)
        return ipv6(*fragments_, packet, cut, net.offset);
    return stop(DecodeStatus::Ignored);
}

}  // namespace sockscope::dissector
