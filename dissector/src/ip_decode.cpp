// IPv4 (with options and fragments), IPv6 (extension headers and
// fragments) and the TCP header. Every length is checked against both the
// captured bytes and what the headers claim: a header cut by the snaplen is
// reported as such, a header that contradicts itself as malformed (layer,
// field, byte offset), and link-layer padding after the datagram never
// becomes payload.

#include "ip_decode.h"

#include <algorithm>

namespace sockscope::dissector::decoding {

namespace {

constexpr std::uint8_t kProtoTcp = 6;

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

// Where an IPv6 extension-header walk stopped.
struct Walk {
    std::optional<PacketDecode> stop;  // set: the packet ends here
    std::uint8_t next = 0;             // else: TCP (6) or a fragment header (44)
    std::size_t pos = 0;               // where that header starts
};

// Walks hop-by-hop, routing, destination options and AH headers from `pos`
// up to TCP or a fragment header; [pos, end) is captured, [pos, wireEnd) was
// on the wire. Each step consumes at least 8 bytes, so the walk ends.
Walk walkExtensions(std::span<const std::uint8_t> d, std::uint8_t next, std::size_t pos,
                    std::size_t end, std::size_t wireEnd, bool cut, const std::string& layer) {
    while (next != kProtoTcp && next != 44) {
        if (!isIpv6Extension(next))
            return {stop(DecodeStatus::Ignored)};  // UDP, ICMPv6, no next header, ...
        const std::string name = layer + ": " + ipv6ExtensionName(next) + " header";
        if (end < pos + 2)
            return {wireEnd < pos + 2 ? malformed(name + " runs past the payload length" + at(pos))
                                      : shortHeader(cut, "IPv6 extension", pos, 2, end - pos)};
        const std::size_t size =
            next == 51 ? (std::size_t(d[pos + 1]) + 2) * 4 : (std::size_t(d[pos + 1]) + 1) * 8;
        if (pos + size > wireEnd)
            return {malformed(name + " of " + std::to_string(size) +
                              " bytes runs past the payload length" + at(pos + 1))};
        if (pos + size > end)
            return {shortHeader(cut, "IPv6 extension", pos, size, end - pos)};
        next = d[pos];
        pos += size;
    }
    return {std::nullopt, next, pos};
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
        // The reassembled part may begin with more extension headers (byte
        // offsets in details count from its start).
        const Walk w = walkExtensions(datagram, key.protocol, 0, datagram.size(), datagram.size(),
                                      false, "IPv6 reassembled");
        if (w.stop)
            return *w.stop;
        if (w.next != kProtoTcp)  // a fragment header inside a fragmented datagram
            return malformed("IPv6 reassembled: nested fragment header" + at(w.pos));
        PacketDecode done = tcp(datagram.subspan(w.pos), 0, 0, source, destination);
        // The byte view can only point into this packet: its fragment data.
        done.segment.payloadOffset = std::uint32_t(dataAt);
        return done;
    });
}

}  // namespace

PacketDecode ipv4(FragmentTable& fragments, std::span<const std::uint8_t> d, bool cut,
                  std::size_t o) {
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
    if (d[o + 9] != kProtoTcp)
        return stop(DecodeStatus::Ignored);
    const SocketAddress source = address(false, d, o + 12);
    const SocketAddress destination = address(false, d, o + 16);
    const std::uint16_t fragment = be16(d, o + 6);
    const bool more = fragment & 0x2000;
    const std::uint32_t fragmentOffset = std::uint32_t(fragment & 0x1FFF) * 8;
    const std::size_t payloadAt = o + headerLength;
    const auto payload = d.subspan(payloadAt, captured - headerLength);
    if (!more && fragmentOffset == 0)
        return tcp(payload, payloadAt, missing, source, destination);

    FragmentKey key;
    key.source = source.ip;
    key.destination = destination.ip;
    key.id = be16(d, o + 4);
    key.protocol = kProtoTcp;
    if (missing)
        return stop(DecodeStatus::Malformed, CaptureAnomaly::IpFragment,
                    describeDatagram(key) + ": fragment at offset " +
                        std::to_string(fragmentOffset) + " cut by the snaplen (" +
                        std::to_string(missing) + " bytes missing), not reassembled");
    const FragmentResult r = fragments.add(key, fragmentOffset, !more, payload);
    return fragmentOutcome(r, [&](std::span<const std::uint8_t> datagram) {
        PacketDecode done = tcp(datagram, 0, 0, source, destination);
        // The byte view can only point into this packet: its fragment data.
        done.segment.payloadOffset = std::uint32_t(payloadAt);
        return done;
    });
}

PacketDecode ipv6(FragmentTable& fragments, std::span<const std::uint8_t> d, bool cut,
                  std::size_t o) {
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

    const std::size_t end = o + 40 + captured, wireEnd = o + 40 + length;
    Walk w = walkExtensions(d, d[o + 6], o + 40, end, wireEnd, cut, "IPv6");
    while (!w.stop && w.next == 44) {
        const std::size_t pos = w.pos;
        if (wireEnd < pos + 8)
            return malformed("IPv6: fragment header runs past the payload length" + at(pos));
        if (end < pos + 8)
            return shortHeader(cut, "IPv6 fragment", pos, 8, end - pos);
        const std::uint16_t field = be16(d, pos + 2);
        const std::uint32_t offset = field & 0xFFF8u;
        const bool more = field & 1;
        if (offset || more)
            return ipv6Fragment(fragments, d, pos, end, missing, offset, more, source, destination);
        // An atomic fragment (RFC 6946): the datagram is whole; go on.
        w = walkExtensions(d, d[pos], pos + 8, end, wireEnd, cut, "IPv6");
    }
    if (w.stop)
        return *w.stop;
    return tcp(d.subspan(w.pos, end - w.pos), w.pos, missing, source, destination);
}

}  // namespace sockscope::dissector::decoding
