// PacketDecoder: every supported link type, VLAN tags, IPv4 options, IPv6
// extension headers, padding, snaplen cuts, what is ignored, exact details for
// malformed headers, and IPv4/IPv6 fragment reassembly within its limits.
// Packets come from pcap_builder.h, which shares no code with the decoder.

#include <sockscope/dissector/packet_decoder.h>

#include <QTest>

#include <cstring>
#include <limits>

#include "pcap_builder.h"

using namespace sockscope::dissector;
using namespace sockscope::test;

namespace {

QByteArray hexOf(std::span<const std::uint8_t> bytes) {
    return QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())).toHex();
}

Bytes text(const char* s) {
    return Bytes(s, s + std::strlen(s));
}

TcpPacketSpec v4Spec() {
    TcpPacketSpec s;
    s.srcIp = "10.0.0.1";
    s.srcPort = 50000;
    s.dstIp = "10.0.0.2";
    s.dstPort = 8765;
    s.seq = 0x11223344;
    s.ack = 0x55667788;
    s.payload = text("hello websocket");
    return s;
}

TcpPacketSpec v6Spec() {
    TcpPacketSpec s = v4Spec();
    s.srcIp = "2001:db8::1";
    s.dstIp = "2001:db8::2";
    return s;
}

Bytes withFamily(std::uint32_t family, bool bigEndian, const Bytes& ip) {
    Bytes out;
    if (bigEndian)
        pcapbytes::be32(out, family);
    else
        pcapbytes::le32(out, family);
    pcapbytes::append(out, ip);
    return out;
}

Bytes ethernetWithType(std::uint16_t type, const Bytes& body) {
    Bytes out(12, 0x02);
    pcapbytes::be16(out, type);
    pcapbytes::append(out, body);
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts)
        pcapbytes::append(out, p);
    return out;
}

// An IPv6 extension header of `size` bytes (a multiple of 8) naming `next`.
Bytes extension(std::uint8_t next, std::size_t size) {
    Bytes h(size, 0);
    h[0] = next;
    h[1] = std::uint8_t(size / 8 - 1);
    return h;
}

// AH: length in 4-byte units minus 2.
Bytes authenticationHeader(std::uint8_t next) {
    Bytes h(24, 0xA5);
    h[0] = next;
    h[1] = 4;
    h[2] = h[3] = 0;
    return h;
}

Bytes ipv6With(const TcpPacketSpec& s, std::uint8_t first, const Bytes& extensions) {
    return ipv6Packet(IpAddress::parse(s.srcIp), IpAddress::parse(s.dstIp), first,
                      concat({extensions, tcpSegment(s)}));
}

// Offsets inside an Ethernet + IPv4 (no options) + TCP frame.
constexpr std::size_t kIp = 14, kTcp = 34, kPayload = 54;

struct Row {
    int linkType = linktype::Ethernet;
    Bytes frame{};
    std::uint32_t originalLength = 0;  // 0: as captured
    DecodeStatus status = DecodeStatus::Tcp;
    std::string source = "10.0.0.1:50000";
    std::string destination = "10.0.0.2:8765";
    std::uint8_t flags = kPsh | kAck;
    Bytes payload = text("hello websocket");
    std::uint32_t payloadOffset = kPayload;
    std::uint32_t missing = 0;
    std::string anomaly{};  // CaptureAnomaly id, "" = none
    std::string detail{};   // exact, when an anomaly is expected
};

std::vector<Row>& rows() {
    static std::vector<Row> all;
    return all;
}

void addRow(const char* name, Row row) {
    rows().push_back(std::move(row));
    QTest::newRow(name) << int(rows().size() - 1);
}

Row v6Row(Row r) {
    r.source = "[2001:db8::1]:50000";
    r.destination = "[2001:db8::2]:8765";
    return r;
}

Row malformedRow(int linkType, Bytes frame, std::string detail,
                 std::string anomaly = "malformed-packet") {
    Row r;
    r.linkType = linkType;
    r.frame = std::move(frame);
    r.status = DecodeStatus::Malformed;
    r.anomaly = std::move(anomaly);
    r.detail = std::move(detail);
    return r;
}

Row ignoredRow(int linkType, Bytes frame) {
    Row r;
    r.linkType = linkType;
    r.frame = std::move(frame);
    r.status = DecodeStatus::Ignored;
    return r;
}

RawPacket rawPacket(int linkType, const Bytes& frame, std::uint32_t originalLength = 0,
                    std::uint64_t number = 1) {
    RawPacket p;
    p.number = number;
    p.linkType = linkType;
    p.capturedLength = std::uint32_t(frame.size());
    p.originalLength = originalLength ? originalLength : p.capturedLength;
    p.data = frame;
    return p;
}

// Bytes of an IPv6 fragmentable part cut into fragments with header `next`.
std::vector<Bytes> ipv6Fragments(const TcpPacketSpec& s, std::uint8_t next, const Bytes& part,
                                 std::size_t piece, std::uint32_t id) {
    std::vector<Bytes> out;
    for (std::size_t at = 0; at < part.size(); at += piece) {
        const std::size_t n = std::min(piece, part.size() - at);
        const bool more = at + n < part.size();
        Bytes body = {next, 0};
        pcapbytes::be16(body, std::uint32_t(at | (more ? 1 : 0)));
        pcapbytes::be32(body, id);
        body.insert(body.end(), part.begin() + std::ptrdiff_t(at),
                    part.begin() + std::ptrdiff_t(at + n));
        out.push_back(ipv6Packet(IpAddress::parse(s.srcIp), IpAddress::parse(s.dstIp), 44, body));
    }
    return out;
}

// One packet of a fragment scenario and what decoding it must give.
struct Step {
    Bytes ip{};  // raw IP (LINKTYPE_RAW)
    DecodeStatus status = DecodeStatus::FragmentHeld;
    std::string detail{};  // "" = no anomaly; else the ip-fragment detail
    std::uint32_t originalLength = 0;
};

using Scenario = std::vector<Step>;

std::vector<Scenario>& scenarios() {
    static std::vector<Scenario> all;
    return all;
}

void addScenario(const char* name, Scenario s) {
    scenarios().push_back(std::move(s));
    QTest::newRow(name) << int(scenarios().size() - 1);
}

// A 40-byte payload: the TCP segment is 60 bytes, three fragments of 24+24+12.
TcpPacketSpec fragmentSpec(bool v6 = false) {
    TcpPacketSpec s = v6 ? v6Spec() : v4Spec();
    s.payload = text("0123456789abcdefghijklmnopqrstuvwxyzABCD");
    return s;
}

const char* kDatagram = "IPv4 datagram 10.0.0.1 -> 10.0.0.2 id 0x1234";

// Decodes raw IP `ip` captured at `ts`.
PacketDecode decode(PacketDecoder& decoder, const Bytes& ip, Timestamp ts) {
    RawPacket p = rawPacket(linktype::Raw, ip);
    p.ts = ts;
    return decoder.decode(p);
}

}  // namespace

class TestPacketDecoder : public QObject {
    Q_OBJECT

private slots:
    void decodes_data() {
        QTest::addColumn<int>("row");
        const TcpPacketSpec s = v4Spec(), s6 = v6Spec();
        const Bytes ip4 = ipTcp(s), ip6 = ipTcp(s6);

        // Link types.
        addRow("Ethernet IPv4", {.frame = ethernetIpTcp(s)});
        addRow("Ethernet IPv6", v6Row({.frame = ethernetIpTcp(s6), .payloadOffset = 74}));
        addRow("Ethernet 802.1Q VLAN 42", {.frame = ethernetIpTcp(s, 42), .payloadOffset = 58});
        addRow("Ethernet QinQ 802.1ad outer + 802.1Q inner",
               {.frame = ethernetFrame(ip4, {100, 42}, 0x88A8), .payloadOffset = 62});
        addRow("Ethernet three stacked tags, outer 0x9100",
               v6Row({.frame = ethernetFrame(ip6, {1, 2, 3}, 0x9100), .payloadOffset = 86}));
        addRow("Linux SLL IPv4",
               {.linkType = linktype::Sll, .frame = sllIpTcp(s), .payloadOffset = 56});
        addRow("Linux SLL2 IPv4",
               {.linkType = linktype::Sll2, .frame = sll2IpTcp(s), .payloadOffset = 60});
        addRow("Linux SLL2 IPv6",
               v6Row({.linkType = linktype::Sll2, .frame = sll2IpTcp(s6), .payloadOffset = 80}));
        addRow("BSD NULL IPv4, little-endian family 2",
               {.linkType = linktype::Null, .frame = nullIpTcp(s), .payloadOffset = 44});
        addRow(
            "BSD NULL IPv4, big-endian family 2 (other host order)",
            {.linkType = linktype::Null, .frame = withFamily(2, true, ip4), .payloadOffset = 44});
        addRow("BSD NULL IPv6, family 30 (macOS)",
               v6Row({.linkType = linktype::Null, .frame = nullIpTcp(s6), .payloadOffset = 64}));
        addRow("BSD NULL IPv6, family 24 (NetBSD/OpenBSD)",
               v6Row({.linkType = linktype::Null,
                      .frame = withFamily(24, false, ip6),
                      .payloadOffset = 64}));
        addRow("BSD NULL IPv6, big-endian family 28 (FreeBSD)",
               v6Row({.linkType = linktype::Null,
                      .frame = withFamily(28, true, ip6),
                      .payloadOffset = 64}));
        addRow("OpenBSD LOOP IPv4",
               {.linkType = linktype::Loop, .frame = loopIpTcp(s), .payloadOffset = 44});
        addRow("OpenBSD LOOP IPv6",
               v6Row({.linkType = linktype::Loop, .frame = loopIpTcp(s6), .payloadOffset = 64}));
        addRow("LINKTYPE_RAW (101) IPv4",
               {.linkType = linktype::Raw, .frame = ip4, .payloadOffset = 40});
        addRow("LINKTYPE_RAW (101) IPv6",
               v6Row({.linkType = linktype::Raw, .frame = ip6, .payloadOffset = 60}));
        addRow("DLT_RAW 12 (OpenBSD numbering)",
               {.linkType = 12, .frame = ip4, .payloadOffset = 40});
        addRow("DLT_RAW 14 (BSD/OS numbering)",
               v6Row({.linkType = 14, .frame = ip6, .payloadOffset = 60}));
        addRow("LINKTYPE_IPV4 (228)",
               {.linkType = linktype::Ipv4, .frame = ip4, .payloadOffset = 40});
        addRow("LINKTYPE_IPV6 (229)",
               v6Row({.linkType = linktype::Ipv6, .frame = ip6, .payloadOffset = 60}));

        // IP and TCP header variants.
        {
            TcpPacketSpec o = s;
            o.ipOptions = {0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00};  // router alert, NOPs, EOL
            addRow("IPv4 with 8 bytes of options",
                   {.frame = ethernetIpTcp(o), .payloadOffset = 62});
            o = s;
            o.tcpOptions = {0x02, 0x04, 0x05, 0xB4, 0x01, 0x03, 0x03, 0x07, 0x04, 0x02, 0, 0};
            addRow("TCP with 12 bytes of options",
                   {.frame = ethernetIpTcp(o), .payloadOffset = 66});
            o = s;
            o.flags = kSyn;
            o.payload = {};
            addRow("SYN without payload",
                   {.frame = ethernetIpTcp(o), .flags = kSyn, .payload = {}, .payloadOffset = 54});
        }
        addRow("IPv6 hop-by-hop + destination options",
               v6Row({.frame = ethernetFrame(
                          ipv6With(s6, 0, concat({extension(60, 8), extension(6, 16)}))),
                      .payloadOffset = 14 + 40 + 8 + 16 + 20}));
        addRow("IPv6 routing + authentication header",
               v6Row({.frame = ethernetFrame(
                          ipv6With(s6, 43, concat({extension(51, 8), authenticationHeader(6)}))),
                      .payloadOffset = 14 + 40 + 8 + 24 + 20}));
        {
            Bytes atomic = {6, 0, 0, 0, 0, 0, 0, 9};  // offset 0, M = 0: not really fragmented
            addRow("IPv6 atomic fragment header",
                   v6Row({.frame = ethernetFrame(ipv6With(s6, 44, atomic)),
                          .payloadOffset = 14 + 40 + 8 + 20}));
        }
        {
            TcpPacketSpec tiny = s;
            tiny.payload = text("ok");
            Bytes frame = ethernetIpTcp(tiny);
            frame.resize(60, 0xEE);  // minimum Ethernet frame: padding after the datagram
            addRow("Ethernet padding is not payload", {.frame = frame, .payload = text("ok")});
            Bytes v6frame = ethernetIpTcp([&] {
                TcpPacketSpec t = tiny;
                t.srcIp = s6.srcIp;
                t.dstIp = s6.dstIp;
                return t;
            }());
            v6frame.resize(v6frame.size() + 6, 0xEE);
            addRow("Ethernet padding after IPv6 is not payload",
                   v6Row({.frame = v6frame, .payload = text("ok"), .payloadOffset = 74}));
        }
        {
            Bytes frame = ethernetIpTcp(s);
            frame[kIp + 2] = frame[kIp + 3] = 0;  // total length 0: segmentation offload
            addRow("IPv4 total length 0 (segmentation offload) uses the captured bytes",
                   {.frame = frame});
        }

        // Snaplen cuts.
        {
            const Bytes full = ethernetIpTcp(s);
            const Bytes cut(full.begin(), full.end() - 10);
            addRow("snaplen cut 10 of 15 payload bytes",
                   {.frame = cut,
                    .originalLength = std::uint32_t(full.size()),
                    .payload = text("hello"),
                    .missing = 10,
                    .anomaly = "snaplen-truncated",
                    .detail = "10 of 15 TCP payload bytes not captured (snaplen)"});
            const Bytes full6 = sll2IpTcp(s6);
            const Bytes cut6(full6.begin(), full6.end() - 15);
            addRow("snaplen cut the whole IPv6 payload",
                   v6Row({.linkType = linktype::Sll2,
                          .frame = cut6,
                          .originalLength = std::uint32_t(full6.size()),
                          .payload = {},
                          .payloadOffset = 80,
                          .missing = 15,
                          .anomaly = "snaplen-truncated",
                          .detail = "15 of 15 TCP payload bytes not captured (snaplen)"}));
            Row inIp = malformedRow(linktype::Ethernet, Bytes(full.begin(), full.begin() + 26),
                                    "snaplen cut the IPv4 header at byte 14: 12 of its 20 bytes "
                                    "captured",
                                    "snaplen-truncated");
            inIp.originalLength = std::uint32_t(full.size());
            addRow("snaplen cut inside the IPv4 header", inIp);
            Row inTcp = malformedRow(linktype::Ethernet, Bytes(full.begin(), full.begin() + 44),
                                     "snaplen cut the TCP header at byte 34: 10 of its 20 bytes "
                                     "captured",
                                     "snaplen-truncated");
            inTcp.originalLength = std::uint32_t(full.size());
            addRow("snaplen cut inside the TCP header", inTcp);
        }

        // Not TCP: ignored without an anomaly.
        {
            const auto a = IpAddress::parse("10.0.0.1"), b = IpAddress::parse("10.0.0.2");
            const Bytes udp = {0xC3, 0x50, 0x00, 0x35, 0x00, 0x0A, 0x00, 0x00, 'h', 'i'};
            addRow("UDP over IPv4",
                   ignoredRow(linktype::Ethernet, ethernetFrame(ipv4Packet(a, b, 17, udp))));
            addRow("UDP IPv4 fragment is not held",
                   ignoredRow(linktype::Raw, ipv4Packet(a, b, 17, udp, 7, 0x2000)));
            addRow("ARP", ignoredRow(linktype::Ethernet, ethernetWithType(0x0806, Bytes(28, 0))));
            addRow("802.3 length field instead of an EtherType",
                   ignoredRow(linktype::Ethernet, ethernetWithType(0x0040, Bytes(64, 0))));
            const auto a6 = IpAddress::parse("2001:db8::1"), b6 = IpAddress::parse("2001:db8::2");
            addRow("ICMPv6 after hop-by-hop",
                   ignoredRow(linktype::Raw,
                              ipv6Packet(a6, b6, 0, concat({extension(58, 8), Bytes(8, 0x80)}))));
            addRow("IPv6 no next header", ignoredRow(linktype::Raw, ipv6Packet(a6, b6, 59, {})));
            addRow("unknown link type 105 (802.11)", ignoredRow(105, ethernetIpTcp(s)));
            addRow("BSD NULL family 7", ignoredRow(linktype::Null, withFamily(7, false, ip4)));
        }

        // Malformed: which layer, which field, which byte.
        addRow("Ethernet header of 10 bytes",
               malformedRow(linktype::Ethernet, Bytes(10, 0),
                            "Ethernet: header truncated, 10 of its 14 bytes present (byte 0)"));
        addRow("VLAN tag with no EtherType after it",
               malformedRow(linktype::Ethernet, ethernetWithType(0x8100, {0, 42}),
                            "Ethernet: header truncated, 0 of its 2 bytes present (byte 16)"));
        addRow("SLL2 header of 12 bytes",
               malformedRow(linktype::Sll2, Bytes(12, 0),
                            "Linux cooked (SLL2): header truncated, 12 of its 20 bytes present "
                            "(byte 0)"));
        addRow("raw IP version 7",
               malformedRow(linktype::Raw, Bytes{0x70, 0, 0, 20},
                            "raw IP: version field is 7, expected 4 or 6 (byte 0)"));
        addRow("IPv4 EtherType with an IPv6 header",
               malformedRow(linktype::Ethernet, ethernetWithType(0x0800, ip6),
                            "IPv4: version field is 6, expected 4 (byte 14)"));
        {
            Bytes f = ethernetIpTcp(s);
            f[kIp] = 0x44;
            addRow("IPv4 header length 4 words",
                   malformedRow(linktype::Ethernet, f,
                                "IPv4: header length field 4 (16 bytes) is below the minimum of "
                                "5 (byte 14)"));
            f = ethernetIpTcp(s);
            f.resize(14 + 40);
            f[kIp] = 0x4F;
            addRow("IPv4 options longer than the packet",
                   malformedRow(linktype::Ethernet, f,
                                "IPv4: header truncated, 40 of its 60 bytes present (byte 14)"));
            f = ethernetIpTcp(s);
            f[kIp + 3] = std::uint8_t(f[kIp + 3] + 10);
            addRow("IPv4 total length past the packet, no snaplen cut",
                   malformedRow(linktype::Ethernet, f,
                                "IPv4: total length 65 exceeds the 55 bytes present (byte 16)"));
            f = ethernetIpTcp(s);
            f[kIp + 3] = 10;
            addRow("IPv4 total length below its header",
                   malformedRow(linktype::Ethernet, f,
                                "IPv4: total length 10 is less than the 20-byte header (byte 16)"));
            f = ethernetIpTcp(s);
            f[kTcp + 12] = 0x30;
            addRow("TCP data offset 3",
                   malformedRow(linktype::Ethernet, f,
                                "TCP: data offset 3 (12 bytes) is below the minimum of 5 (byte "
                                "46)"));
            f = ethernetIpTcp(s);
            f[kTcp + 12] = 0xF0;
            addRow("TCP data offset past the segment",
                   malformedRow(linktype::Ethernet, f,
                                "TCP: data offset 15 (60 bytes) exceeds the 35-byte segment (byte "
                                "46)"));
            const auto a = IpAddress::parse("10.0.0.1"), b = IpAddress::parse("10.0.0.2");
            addRow(
                "TCP header of 12 bytes",
                malformedRow(linktype::Ethernet, ethernetFrame(ipv4Packet(a, b, 6, Bytes(12, 1))),
                             "TCP: header truncated, the IP payload has 12 of its 20 bytes "
                             "(byte 34)"));
        }
        {
            Bytes f = ethernetFrame(ipv6With(s6, 0, extension(6, 8)));
            f[14 + 40 + 1] = 10;  // 88 bytes
            addRow("IPv6 hop-by-hop longer than the payload",
                   malformedRow(linktype::Ethernet, f,
                                "IPv6: hop-by-hop options header of 88 bytes runs past the "
                                "payload length (byte 55)"));
            f = ethernetIpTcp(s6);
            f[14 + 5] = std::uint8_t(f[14 + 5] + 1);
            addRow("IPv6 payload length past the packet",
                   malformedRow(linktype::Ethernet, f,
                                "IPv6: payload length 36 exceeds the 35 bytes present (byte 18)"));
        }
    }
    void decodes() {
        QFETCH(int, row);
        const Row& r = rows()[std::size_t(row)];
        PacketDecoder decoder;
        const PacketDecode d = decoder.decode(rawPacket(r.linkType, r.frame, r.originalLength));
        QCOMPARE(int(d.status), int(r.status));
        QCOMPARE(d.anomaly ? std::string(captureAnomalyInfo(*d.anomaly).id) : std::string(),
                 r.anomaly);
        QCOMPARE(QString::fromStdString(d.detail), QString::fromStdString(r.detail));
        if (r.status != DecodeStatus::Tcp)
            return;
        QCOMPARE(d.segment.source.toString(), r.source);
        QCOMPARE(d.segment.destination.toString(), r.destination);
        QCOMPARE(d.segment.seq, 0x11223344u);
        QCOMPARE(d.segment.ack, 0x55667788u);
        QCOMPARE(d.segment.flags, r.flags);
        QCOMPARE(hexOf(d.segment.payload), hexOf(r.payload));
        QCOMPARE(d.segment.payloadOffset, r.payloadOffset);
        QCOMPARE(d.segment.missingBytes, r.missing);
        // The payload points into the packet at payloadOffset.
        QCOMPARE(hexOf(std::span(r.frame).subspan(r.payloadOffset, d.segment.payload.size())),
                 hexOf(r.payload));
    }

    void reassemblesFragments_data() {
        QTest::addColumn<int>("scenario");
        const TcpPacketSpec s = fragmentSpec();
        const auto f = ipFragments(s, 24);  // [0,24) [24,48) [48,60)
        const std::string d = kDatagram;
        addScenario("IPv4 three fragments in order", {{f[0]}, {f[1]}, {f[2], DecodeStatus::Tcp}});
        addScenario("IPv4 three fragments, last first",
                    {{f[2]}, {f[1]}, {f[0], DecodeStatus::Tcp}});
        addScenario("IPv4 middle, first, last", {{f[1]}, {f[0]}, {f[2], DecodeStatus::Tcp}});
        addScenario("IPv4 identical duplicate fragment is harmless",
                    {{f[0]}, {f[1]}, {f[1]}, {f[2], DecodeStatus::Tcp}});
        {
            TcpPacketSpec other = s;
            other.payload[0] = 'X';  // byte 20 of the segment
            addScenario("IPv4 overlapping fragment with different bytes drops the datagram",
                        {{f[0]},
                         {ipFragment(other, 16, 24, true, 0x1234), DecodeStatus::Malformed,
                          d + ": fragment bytes 16-40 overlap bytes 16-24 already received with "
                              "different content; datagram dropped"},
                         // Dropped: the rest can no longer complete it.
                         {f[1]},
                         {f[2]}});
        }
        addScenario("IPv4 non-final fragment not a multiple of 8",
                    {{ipFragment(s, 0, 20, true, 0x1234), DecodeStatus::Malformed,
                      d + ": non-final fragment of 20 bytes is not a multiple of 8; datagram "
                          "dropped"}});
        {
            const auto a = IpAddress::parse("10.0.0.1"), b = IpAddress::parse("10.0.0.2");
            addScenario("IPv4 fragment past 65535 bytes (ping of death)",
                        {{f[0]},
                         {ipv4Packet(a, b, 6, Bytes(16, 0), 0x1234, 8191), DecodeStatus::Malformed,
                          d + ": fragment bytes 65528-65544 end past the 65535-byte maximum; "
                              "datagram dropped"},
                         {f[1]},
                         {f[2]}});
        }
        addScenario("IPv4 second last fragment with a different end",
                    {{f[2]},
                     {ipFragment(s, 48, 8, false, 0x1234), DecodeStatus::Malformed,
                      d + ": a second last fragment ends at 56, the first at 60; datagram "
                          "dropped"}});
        addScenario("IPv4 fragment past the last fragment's end",
                    {{f[2]},
                     {ipv4Packet(IpAddress::parse("10.0.0.1"), IpAddress::parse("10.0.0.2"), 6,
                                 Bytes(8, 0), 0x1234, 0x2000 | 7),
                      DecodeStatus::Malformed,
                      d + ": fragment bytes 56-64 end past the last fragment's end 60; datagram "
                          "dropped"}});
        {
            Bytes cut = f[0];
            const auto original = std::uint32_t(cut.size());
            cut.resize(cut.size() - 4);
            addScenario("IPv4 fragment cut by the snaplen is not held",
                        {{cut, DecodeStatus::Malformed,
                          d + ": fragment at offset 0 cut by the snaplen (4 bytes missing), not "
                              "reassembled",
                          original},
                         {f[1]},
                         {f[2]}});
        }
        {
            const auto g = ipFragments(s, 24, 0x99);
            addScenario("IPv4 two datagrams interleaved", {{f[0]},
                                                           {g[2]},
                                                           {g[0]},
                                                           {f[1]},
                                                           {f[2], DecodeStatus::Tcp},
                                                           {g[1], DecodeStatus::Tcp}});
        }
        const TcpPacketSpec s6 = fragmentSpec(true);
        const auto f6 = ipFragments(s6, 32);  // [0,32) [32,60)
        addScenario("IPv6 two fragments out of order", {{f6[1]}, {f6[0], DecodeStatus::Tcp}});
        addScenario("IPv6 destination options inside the fragmentable part", [&] {
            const auto parts =
                ipv6Fragments(s6, 60, concat({extension(6, 16), tcpSegment(s6)}), 40, 0x1234);
            return Scenario{{parts[0]}, {parts[1], DecodeStatus::Tcp}};
        }());
    }
    void reassemblesFragments() {
        QFETCH(int, scenario);
        const Scenario& steps = scenarios()[std::size_t(scenario)];
        PacketDecoder decoder;
        std::uint64_t number = 0;
        for (const Step& step : steps) {
            ++number;
            const PacketDecode d =
                decoder.decode(rawPacket(linktype::Raw, step.ip, step.originalLength, number));
            const QByteArray where = "packet " + QByteArray::number(number);
            QVERIFY2(d.status == step.status, where.constData());
            QCOMPARE(QString::fromStdString(d.detail), QString::fromStdString(step.detail));
            QCOMPARE(d.anomaly.has_value(), !step.detail.empty());
            if (d.anomaly)
                QCOMPARE(captureAnomalyInfo(*d.anomaly).id, std::string_view("ip-fragment"));
            if (d.status != DecodeStatus::Tcp)
                continue;
            const bool v6 = isIpv6Packet(step.ip);
            const TcpPacketSpec s = fragmentSpec(v6);
            QCOMPARE(d.segment.source.toString(),
                     v6 ? std::string("[2001:db8::1]:50000") : std::string("10.0.0.1:50000"));
            QCOMPARE(d.segment.destination.port, 8765);
            QCOMPARE(d.segment.seq, s.seq);
            QCOMPARE(d.segment.ack, s.ack);
            QCOMPARE(hexOf(d.segment.payload), hexOf(s.payload));
            QCOMPARE(d.segment.missingBytes, 0u);
            // Byte views point at the completing fragment's data.
            QCOMPARE(d.segment.payloadOffset, v6 ? 48u : 20u);
        }
    }

    // At the datagram limit the oldest incomplete datagram is dropped (and
    // reported) so a new one can be held.
    void evictsOldestDatagramAtTheDatagramLimit() {
        PacketDecoder decoder({.maxFragmentBytes = 1 << 20, .maxFragmentDatagrams = 2});
        const TcpPacketSpec s = fragmentSpec();
        const auto a = ipFragments(s, 24, 1), b = ipFragments(s, 24, 2), c = ipFragments(s, 24, 3);
        auto decode = [&](const Bytes& ip) { return decoder.decode(rawPacket(linktype::Raw, ip)); };
        QCOMPARE(decode(a[0]).status, DecodeStatus::FragmentHeld);
        QCOMPARE(decode(b[0]).status, DecodeStatus::FragmentHeld);
        const PacketDecode third = decode(c[0]);
        QCOMPARE(third.status, DecodeStatus::FragmentHeld);
        QCOMPARE(third.anomaly, std::optional(CaptureAnomaly::IpFragment));
        QCOMPARE(third.detail,
                 std::string("fragment limit (2 datagrams, 1048576 bytes) reached: dropped the 1 "
                             "oldest incomplete datagram(s) to hold IPv4 datagram 10.0.0.1 -> "
                             "10.0.0.2 id 0x3"));
        // a lost its first fragment; b and c complete.
        QCOMPARE(decode(b[1]).status, DecodeStatus::FragmentHeld);
        QCOMPARE(decode(b[2]).status, DecodeStatus::Tcp);
        QCOMPARE(decode(a[1]).status, DecodeStatus::FragmentHeld);
        QCOMPARE(decode(a[2]).status, DecodeStatus::FragmentHeld);
        QCOMPARE(decode(c[1]).status, DecodeStatus::FragmentHeld);
        QCOMPARE(decode(c[2]).status, DecodeStatus::Tcp);
    }

    void evictsOldestDatagramAtTheByteLimit() {
        PacketDecoder decoder({.maxFragmentBytes = 50, .maxFragmentDatagrams = 100});
        const TcpPacketSpec s = fragmentSpec();
        const auto a = ipFragments(s, 24, 1), b = ipFragments(s, 24, 2), c = ipFragments(s, 24, 3);
        auto decode = [&](const Bytes& ip) { return decoder.decode(rawPacket(linktype::Raw, ip)); };
        QVERIFY(!decode(a[0]).anomaly);           // 24 bytes held
        QVERIFY(!decode(b[0]).anomaly);           // 48
        const PacketDecode third = decode(c[0]);  // 72 > 50: a goes
        QCOMPARE(third.status, DecodeStatus::FragmentHeld);
        QVERIFY2(third.detail.find("dropped the 1 oldest") != std::string::npos,
                 third.detail.c_str());
        // A datagram that cannot fit even alone is refused, not held.
        PacketDecoder small({.maxFragmentBytes = 16, .maxFragmentDatagrams = 100});
        const PacketDecode refused = small.decode(rawPacket(linktype::Raw, a[0]));
        QCOMPARE(refused.status, DecodeStatus::Malformed);
        QCOMPARE(refused.detail,
                 std::string("IPv4 datagram 10.0.0.1 -> 10.0.0.2 id 0x1: fragment bytes 0-24 do "
                             "not fit the fragment limit (100 datagrams, 16 bytes); datagram "
                             "dropped"));
    }

    // A flood of first fragments that never complete: every one beyond the
    // limit evicts exactly one older datagram, and the last ones still work.
    void staysBoundedUnderAFragmentFlood() {
        PacketDecoder decoder({.maxFragmentBytes = 1 << 20, .maxFragmentDatagrams = 64});
        TcpPacketSpec s = fragmentSpec();
        int evictions = 0;
        for (std::uint32_t id = 0; id < 5000; ++id) {
            const PacketDecode d =
                decoder.decode(rawPacket(linktype::Raw, ipFragment(s, 0, 24, true, id)));
            QCOMPARE(d.status, DecodeStatus::FragmentHeld);
            evictions += d.anomaly ? 1 : 0;
        }
        QCOMPARE(evictions, 5000 - 64);
        const auto last = ipFragments(s, 24, 4999);
        QCOMPARE(decoder.decode(rawPacket(linktype::Raw, last[1])).status,
                 DecodeStatus::FragmentHeld);
        QCOMPARE(decoder.decode(rawPacket(linktype::Raw, last[2])).status, DecodeStatus::Tcp);
    }

    // A datagram still incomplete 30 s (the default: Linux's ipfrag_time)
    // after its first fragment is dropped as soon as any packet shows that
    // much capture time has passed; a fragment that comes later starts a new
    // datagram and can no longer complete the old one.
    void expiresAnIncompleteDatagramByCaptureTime() {
        PacketDecoder decoder;
        const auto f = ipFragments(fragmentSpec(), 24);  // [0,24) [24,48) [48,60)
        QVERIFY(decode(decoder, f[0], {1700000000, 500000000}).expiredFragments.empty());
        QVERIFY(decode(decoder, f[1], {1700000010, 0}).expiredFragments.empty());
        // Any packet moves the time on: here a whole TCP segment, decoded as usual.
        const PacketDecode later = decode(decoder, ipTcp(v4Spec()), {1700000030, 500000000});
        QCOMPARE(later.status, DecodeStatus::Tcp);
        QVERIFY(!later.anomaly);
        QCOMPARE(later.expiredFragments,
                 std::vector<std::string>{std::string(kDatagram) +
                                          ": timed out after 30 s with 48 bytes received (last "
                                          "fragment not seen); datagram dropped"});
        const PacketDecode tooLate = decode(decoder, f[2], {1700000031, 0});
        QCOMPARE(tooLate.status, DecodeStatus::FragmentHeld);
        QVERIFY(tooLate.expiredFragments.empty());
    }

    void keepsADatagramJustUnderTheTimeout() {
        PacketDecoder decoder;
        const auto f = ipFragments(fragmentSpec(), 24);
        QCOMPARE(decode(decoder, f[0], {1700000000, 500000000}).status, DecodeStatus::FragmentHeld);
        QCOMPARE(decode(decoder, f[1], {1700000030, 499999999}).status, DecodeStatus::FragmentHeld);
        const PacketDecode last = decode(decoder, f[2], {1700000030, 499999999});
        QCOMPARE(last.status, DecodeStatus::Tcp);
        QVERIFY(last.expiredFragments.empty());
    }

    void expiresAfterAConfiguredTimeoutOrNever() {
        const auto f = ipFragments(fragmentSpec(), 24);
        PacketDecoderLimits limits;
        limits.fragmentTimeoutSeconds = 5;
        PacketDecoder fiveSeconds(limits);
        decode(fiveSeconds, f[2], {100, 0});  // the last fragment: the total is known
        const PacketDecode d = decode(fiveSeconds, f[0], {105, 0});
        QCOMPARE(d.expiredFragments,
                 std::vector<std::string>{std::string(kDatagram) +
                                          ": timed out after 5 s with 12 of 60 bytes received; "
                                          "datagram dropped"});
        QCOMPARE(d.status, DecodeStatus::FragmentHeld);  // f[0] starts a new datagram

        limits.fragmentTimeoutSeconds = 0;
        PacketDecoder never(limits);
        decode(never, f[0], {100, 0});
        QVERIFY(decode(never, f[1], {100 + 86400 * 365, 0}).expiredFragments.empty());
        QCOMPARE(decode(never, f[2], {100 + 86400 * 365, 0}).status, DecodeStatus::Tcp);
    }

    // Whatever never completed is still said at the end, oldest first, and
    // the table is empty afterwards.
    void reportsDatagramsStillIncompleteAtTheEnd() {
        PacketDecoder decoder;
        const TcpPacketSpec s = fragmentSpec();
        const auto a = ipFragments(s, 24, 1), b = ipFragments(s, 24, 2), c = ipFragments(s, 24, 3);
        decode(decoder, b[2], {100, 0});  // b's last fragment first: its total is known
        decode(decoder, a[0], {101, 0});
        decode(decoder, c[0], {102, 0});
        decode(decoder, c[1], {103, 0});
        QCOMPARE(decode(decoder, c[2], {104, 0}).status, DecodeStatus::Tcp);  // c completes
        QCOMPARE(decoder.finish(),
                 (std::vector<std::string>{
                     "IPv4 datagram 10.0.0.1 -> 10.0.0.2 id 0x2: still incomplete at the end of "
                     "the capture with 12 of 60 bytes received; datagram dropped",
                     "IPv4 datagram 10.0.0.1 -> 10.0.0.2 id 0x1: still incomplete at the end of "
                     "the capture with 24 bytes received (last fragment not seen); datagram "
                     "dropped"}));
        QVERIFY(decoder.finish().empty());
    }

    // A record that claims fewer bytes on the wire than it captured: decoded
    // from what was captured, and said once.
    void flagsACapturedLengthOverTheOriginal() {
        PacketDecoder decoder;
        const Bytes ip = ipTcp(v4Spec());
        RawPacket packet = rawPacket(linktype::Raw, ip);
        packet.originalLength = 20;
        const PacketDecode d = decoder.decode(packet);
        QCOMPARE(d.status, DecodeStatus::Tcp);
        QCOMPARE(d.anomaly, std::optional<CaptureAnomaly>(CaptureAnomaly::MalformedPacket));
        QCOMPARE(d.detail, "captured length " + std::to_string(ip.size()) +
                               " exceeds the original length 20 in the record header (a "
                               "captured length is at most the original); the captured bytes "
                               "are decoded");
        QVERIFY(!d.segment.payload.empty());
        packet.originalLength = std::uint32_t(ip.size());
        QVERIFY(!decoder.decode(packet).anomaly);
    }

    // Capture time goes backwards in real captures (merged files, clock
    // steps): a packet "before" a datagram's first fragment has waited for
    // nothing, no age ever wraps around, and datagrams expire in order of
    // their first fragment's time, not of their arrival.
    void toleratesCaptureTimeGoingBackwards() {
        PacketDecoder decoder;
        const TcpPacketSpec s = fragmentSpec();
        const auto a = ipFragments(s, 24, 1), b = ipFragments(s, 24, 2);
        decode(decoder, a[0], {1000, 0});
        QVERIFY(decode(decoder, b[0], {0, 0}).expiredFragments.empty());  // 1000 s back
        QVERIFY(decode(decoder, b[1], {29, 999999999}).expiredFragments.empty());
        const PacketDecode d = decode(decoder, a[1], {30, 0});  // b waited 30 s, a nothing
        QCOMPARE(d.expiredFragments.size(), std::size_t(1));
        QVERIFY2(d.expiredFragments[0].starts_with("IPv4 datagram 10.0.0.1 -> 10.0.0.2 id 0x2:"),
                 d.expiredFragments[0].c_str());
        QCOMPARE(decode(decoder, a[2], {1020, 0}).status, DecodeStatus::Tcp);  // a: 20 s

        // The extremes of a 64-bit seconds field, both ways round.
        constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
        constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
        PacketDecoder extremes;
        decode(extremes, a[0], {kMax, 999999999});
        QVERIFY(decode(extremes, b[0], {kMin, 0}).expiredFragments.empty());
        const PacketDecode wrapped = decode(extremes, b[1], {kMax, 999999999});
        QCOMPARE(wrapped.expiredFragments.size(), std::size_t(1));  // b, from kMin
        QCOMPARE(decode(extremes, a[1], {kMax, 999999999}).status, DecodeStatus::FragmentHeld);
        QCOMPARE(decode(extremes, a[2], {kMax, 999999999}).status, DecodeStatus::Tcp);
    }

    // Random bytes on every link type never crash, hang or read out of bounds
    // (run under ASan in CI's sanitizer job); each result is self-consistent.
    void survivesGarbage() {
        std::uint32_t state = 12345;
        auto next = [&] {
            state = state * 1103515245u + 12345u;
            return std::uint8_t(state >> 16);
        };
        const int links[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};
        PacketDecoder decoder({.maxFragmentBytes = 1 << 16, .maxFragmentDatagrams = 8});
        const Bytes base = ethernetIpTcp(fragmentSpec());
        for (int i = 0; i < 20000; ++i) {
            Bytes frame = base;
            frame.resize(next() % (base.size() + 8));
            for (int flips = next() % 6; flips > 0; --flips)
                if (!frame.empty())
                    frame[next() % frame.size()] = next();
            const int link = links[next() % std::size(links)];
            const PacketDecode d = decoder.decode(rawPacket(link, frame));
            if (d.status == DecodeStatus::Malformed)
                QVERIFY(d.anomaly && !d.detail.empty());
            if (d.status != DecodeStatus::Tcp)
                continue;
            // A payload in the packet ends inside it (a reassembled one lives
            // in the decoder's buffer instead).
            const auto begin = reinterpret_cast<std::uintptr_t>(frame.data());
            const auto at = reinterpret_cast<std::uintptr_t>(d.segment.payload.data());
            if (at >= begin && at <= begin + frame.size()) {
                QCOMPARE(at - begin, std::uintptr_t(d.segment.payloadOffset));
                QVERIFY(at - begin + d.segment.payload.size() <= frame.size());
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestPacketDecoder)
#include "tst_packet_decoder.moc"
