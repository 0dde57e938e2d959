#pragma once
// Hand-built captures for tests (Qt-free, header-only): link/IP/TCP packets,
// a tiny TCP conversation that tracks sequence numbers for both sides, and
// writers for classic pcap (little-endian, nanosecond magic a1b23c4d, or
// microsecond a1b2c3d4) and pcapng (SHB, one IDB per interface with
// if_tsresol=9, EPBs). An independent oracle: it shares no code with the
// dissector's decoders.

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sockscope::test {

using Bytes = std::vector<std::uint8_t>;

namespace pcapbytes {

inline void be16(Bytes& out, std::uint32_t v) {
    out.push_back(std::uint8_t(v >> 8));
    out.push_back(std::uint8_t(v));
}
inline void be32(Bytes& out, std::uint32_t v) {
    be16(out, v >> 16);
    be16(out, v & 0xFFFF);
}
inline void le16(Bytes& out, std::uint32_t v) {
    out.push_back(std::uint8_t(v));
    out.push_back(std::uint8_t(v >> 8));
}
inline void le32(Bytes& out, std::uint32_t v) {
    le16(out, v & 0xFFFF);
    le16(out, v >> 16);
}
inline void append(Bytes& out, const Bytes& more) {
    out.insert(out.end(), more.begin(), more.end());
}

}  // namespace pcapbytes

// An address parsed from text: IPv4 when it has no ':'.
struct IpAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};

    static IpAddress parse(const std::string& text) {
        IpAddress a;
        a.v6 = text.find(':') != std::string::npos;
        if (inet_pton(a.v6 ? AF_INET6 : AF_INET, text.c_str(), a.bytes.data()) != 1)
            throw std::invalid_argument("pcap_builder: bad IP address " + text);
        return a;
    }
    std::size_t size() const { return v6 ? 16 : 4; }
};

struct TcpPacketSpec {
    std::string srcIp = "127.0.0.1";
    std::uint16_t srcPort = 0;
    std::string dstIp = "127.0.0.1";
    std::uint16_t dstPort = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0x18;  // PSH|ACK
    Bytes payload;
    std::uint16_t window = 65535;
    Bytes tcpOptions;  // padded with zeros (end of options) to a multiple of 4
    Bytes ipOptions;   // IPv4 only; padded with zeros to a multiple of 4
    std::uint16_t ipId = 1;
};

inline constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

inline std::uint16_t ipv4Checksum(const std::uint8_t* header, std::size_t length) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < length; i += 2)
        sum += std::uint32_t(header[i] << 8 | header[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return std::uint16_t(~sum);
}

// The TCP header and payload (checksum left 0: the decoder does not check it).
inline Bytes tcpSegment(const TcpPacketSpec& s) {
    Bytes options = s.tcpOptions;
    while (options.size() % 4)
        options.push_back(0);
    Bytes out;
    pcapbytes::be16(out, s.srcPort);
    pcapbytes::be16(out, s.dstPort);
    pcapbytes::be32(out, s.seq);
    pcapbytes::be32(out, s.ack);
    out.push_back(std::uint8_t((20 + options.size()) / 4 << 4));
    out.push_back(s.flags);
    pcapbytes::be16(out, s.window);
    pcapbytes::be16(out, 0);  // checksum
    pcapbytes::be16(out, 0);  // urgent pointer
    pcapbytes::append(out, options);
    pcapbytes::append(out, s.payload);
    return out;
}

// An IPv4 header (with a correct checksum) around `payload`. `fragment` is the
// 16-bit flags+offset field (0x4000 = DF is the default).
inline Bytes ipv4Packet(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                        const Bytes& payload, std::uint16_t id = 1, std::uint16_t fragment = 0x4000,
                        Bytes options = {}) {
    while (options.size() % 4)
        options.push_back(0);
    const std::size_t headerLength = 20 + options.size();
    if (headerLength + payload.size() > 0xFFFF)
        throw std::length_error("pcap_builder: IPv4 packet over 65535 bytes");
    Bytes out;
    out.push_back(std::uint8_t(0x40 | headerLength / 4));
    out.push_back(0);  // DSCP/ECN
    pcapbytes::be16(out, std::uint32_t(headerLength + payload.size()));
    pcapbytes::be16(out, id);
    pcapbytes::be16(out, fragment);
    out.push_back(64);  // TTL
    out.push_back(protocol);
    pcapbytes::be16(out, 0);  // checksum, filled below
    out.insert(out.end(), src.bytes.begin(), src.bytes.begin() + 4);
    out.insert(out.end(), dst.bytes.begin(), dst.bytes.begin() + 4);
    pcapbytes::append(out, options);
    const std::uint16_t sum = ipv4Checksum(out.data(), headerLength);
    out[10] = std::uint8_t(sum >> 8);
    out[11] = std::uint8_t(sum);
    pcapbytes::append(out, payload);
    return out;
}

// An IPv6 header around `payload`; `payload` may begin with extension headers
// (then `nextHeader` names the first of them).
inline Bytes ipv6Packet(const IpAddress& src, const IpAddress& dst, std::uint8_t nextHeader,
                        const Bytes& payload) {
    if (payload.size() > 0xFFFF)
        throw std::length_error("pcap_builder: IPv6 payload over 65535 bytes");
    Bytes out;
    pcapbytes::be32(out, 0x60000000);
    pcapbytes::be16(out, std::uint32_t(payload.size()));
    out.push_back(nextHeader);
    out.push_back(64);  // hop limit
    out.insert(out.end(), src.bytes.begin(), src.bytes.end());
    out.insert(out.end(), dst.bytes.begin(), dst.bytes.end());
    pcapbytes::append(out, payload);
    return out;
}

// IP (v4 or v6, from the address text) + TCP.
inline Bytes ipTcp(const TcpPacketSpec& s) {
    const IpAddress src = IpAddress::parse(s.srcIp), dst = IpAddress::parse(s.dstIp);
    if (src.v6 != dst.v6)
        throw std::invalid_argument("pcap_builder: mixed IPv4/IPv6 addresses");
    return src.v6 ? ipv6Packet(src, dst, 6, tcpSegment(s))
                  : ipv4Packet(src, dst, 6, tcpSegment(s), s.ipId, 0x4000, s.ipOptions);
}

// One IP fragment carrying bytes [at, at + length) of the TCP segment `s`
// describes (IPv6: a fragment header with next header TCP). `more` sets the
// more-fragments flag; `at` should be a multiple of 8.
inline Bytes ipFragment(const TcpPacketSpec& s, std::size_t at, std::size_t length, bool more,
                        std::uint32_t id) {
    const IpAddress src = IpAddress::parse(s.srcIp), dst = IpAddress::parse(s.dstIp);
    const Bytes whole = tcpSegment(s);
    at = std::min(at, whole.size());
    length = std::min(length, whole.size() - at);
    const Bytes piece(whole.begin() + std::ptrdiff_t(at),
                      whole.begin() + std::ptrdiff_t(at + length));
    if (!src.v6)
        return ipv4Packet(src, dst, 6, piece, std::uint16_t(id),
                          std::uint16_t((more ? 0x2000 : 0) | (at / 8)));
    Bytes header = {6, 0};
    pcapbytes::be16(header, std::uint32_t((at & 0xFFF8) | (more ? 1 : 0)));
    pcapbytes::be32(header, id);
    pcapbytes::append(header, piece);
    return ipv6Packet(src, dst, 44, header);
}

// The TCP segment `s` describes as IP fragments of at most `piece` bytes
// (rounded down to a multiple of 8), in order.
inline std::vector<Bytes> ipFragments(const TcpPacketSpec& s, std::size_t piece,
                                      std::uint32_t id = 0x1234) {
    piece = std::max<std::size_t>(8, piece / 8 * 8);
    const std::size_t total = tcpSegment(s).size();
    std::vector<Bytes> out;
    for (std::size_t at = 0; at < total; at += piece)
        out.push_back(ipFragment(s, at, piece, at + piece < total, id));
    return out;
}

inline bool isIpv6Packet(const Bytes& ip) {
    return !ip.empty() && (ip[0] >> 4) == 6;
}

// Link layers around an IP packet.
inline Bytes ethernetFrame(const Bytes& ip, const std::vector<std::uint16_t>& vlans = {},
                           std::uint16_t outerTpid = 0x8100) {
    Bytes out = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};  // dst, src MAC
    for (std::size_t i = 0; i < vlans.size(); ++i) {
        // QinQ: the outer tag may be 802.1ad (0x88a8); inner tags are 802.1Q.
        pcapbytes::be16(out, i == 0 ? outerTpid : 0x8100);
        pcapbytes::be16(out, vlans[i] & 0x0FFF);
    }
    pcapbytes::be16(out, isIpv6Packet(ip) ? 0x86DD : 0x0800);
    pcapbytes::append(out, ip);
    return out;
}

inline Bytes sllFrame(const Bytes& ip) {  // DLT_LINUX_SLL (113)
    Bytes out;
    pcapbytes::be16(out, 0);    // packet type: to us
    pcapbytes::be16(out, 772);  // ARPHRD_LOOPBACK
    pcapbytes::be16(out, 6);    // address length
    out.insert(out.end(), {0, 0, 0, 0, 0, 0, 0, 0});
    pcapbytes::be16(out, isIpv6Packet(ip) ? 0x86DD : 0x0800);
    pcapbytes::append(out, ip);
    return out;
}

inline Bytes sll2Frame(const Bytes& ip) {  // DLT_LINUX_SLL2 (276)
    Bytes out;
    pcapbytes::be16(out, isIpv6Packet(ip) ? 0x86DD : 0x0800);
    pcapbytes::be16(out, 0);    // reserved
    pcapbytes::be32(out, 1);    // interface index
    pcapbytes::be16(out, 772);  // ARPHRD_LOOPBACK
    out.push_back(0);           // packet type
    out.push_back(6);           // address length
    out.insert(out.end(), {0, 0, 0, 0, 0, 0, 0, 0});
    pcapbytes::append(out, ip);
    return out;
}

// DLT_NULL: the address family in the writer's (here: little-endian) byte
// order; IPv6 uses the BSD value 30. DLT_LOOP: the family in network order.
inline Bytes nullFrame(const Bytes& ip, bool loop = false) {
    const std::uint32_t family = isIpv6Packet(ip) ? 30 : 2;
    Bytes out;
    if (loop)
        pcapbytes::be32(out, family);
    else
        pcapbytes::le32(out, family);
    pcapbytes::append(out, ip);
    return out;
}

inline Bytes ethernetIpTcp(const TcpPacketSpec& s, std::optional<std::uint16_t> vlan = {}) {
    return ethernetFrame(ipTcp(s),
                         vlan ? std::vector<std::uint16_t>{*vlan} : std::vector<std::uint16_t>{});
}
inline Bytes sllIpTcp(const TcpPacketSpec& s) {
    return sllFrame(ipTcp(s));
}
inline Bytes sll2IpTcp(const TcpPacketSpec& s) {
    return sll2Frame(ipTcp(s));
}
inline Bytes nullIpTcp(const TcpPacketSpec& s) {
    return nullFrame(ipTcp(s));
}
inline Bytes loopIpTcp(const TcpPacketSpec& s) {
    return nullFrame(ipTcp(s), true);
}
inline Bytes rawIpTcp(const TcpPacketSpec& s) {
    return ipTcp(s);
}

// libpcap link-type numbers used by the builders above.
namespace linktype {
inline constexpr int Null = 0, Ethernet = 1, Raw = 101, Loop = 108, Sll = 113, Ipv4 = 228,
                     Ipv6 = 229, Sll2 = 276;
}

// Wraps an IP packet in the link layer named by a linktype:: value.
inline Bytes linkFrame(int linkType, const Bytes& ip) {
    switch (linkType) {
        case linktype::Null:
            return nullFrame(ip);
        case linktype::Loop:
            return nullFrame(ip, true);
        case linktype::Sll:
            return sllFrame(ip);
        case linktype::Sll2:
            return sll2Frame(ip);
        case linktype::Raw:
        case linktype::Ipv4:
        case linktype::Ipv6:
            return ip;
        default:
            return ethernetFrame(ip);
    }
}

// A capture being built: packets in order, on one or more interfaces.
class PcapBuilder {
public:
    explicit PcapBuilder(int linkType = linktype::Ethernet, std::uint32_t snaplen = 262144)
        : interfaces_{{linkType, snaplen}} {}

    // pcapng only: another interface; returns its id for add(). libpcap 1.10
    // refuses a pcapng whose interfaces differ in link type or snaplen.
    std::uint32_t addInterface(int linkType, std::uint32_t snaplen = 262144) {
        interfaces_.push_back({linkType, snaplen});
        return std::uint32_t(interfaces_.size() - 1);
    }

    // origLen 0 = the frame's size; a larger origLen records a snaplen cut.
    void add(Bytes frame, std::int64_t sec, std::uint32_t nsec, std::uint32_t origLen = 0,
             std::uint32_t interfaceId = 0) {
        const auto size = std::uint32_t(frame.size());
        packets_.push_back({std::move(frame), sec, nsec, origLen ? origLen : size, interfaceId});
    }

    // Adds frames one millisecond apart, starting at `sec`.
    void addAll(const std::vector<Bytes>& frames, std::int64_t sec = 1700000000) {
        for (const auto& f : frames) {
            add(f, sec + std::int64_t(next_ / 1000), std::uint32_t(next_ % 1000) * 1000000u);
            ++next_;
        }
    }

    std::size_t count() const { return packets_.size(); }

    // Classic pcap, little-endian; nanosecond (a1b23c4d) or microsecond
    // (a1b2c3d4, nanoseconds rounded down) timestamps. Uses interface 0's link type.
    Bytes bytes(bool nanoseconds = true) const {
        using namespace pcapbytes;
        Bytes out;
        le32(out, nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4);
        le16(out, 2);
        le16(out, 4);
        le32(out, 0);  // thiszone
        le32(out, 0);  // sigfigs
        le32(out, interfaces_[0].snaplen);
        le32(out, std::uint32_t(interfaces_[0].linkType));
        for (const auto& p : packets_) {
            le32(out, std::uint32_t(p.sec));
            le32(out, nanoseconds ? p.nsec : p.nsec / 1000);
            le32(out, std::uint32_t(p.frame.size()));
            le32(out, p.origLen);
            append(out, p.frame);
        }
        return out;
    }

    // pcapng: SHB, one IDB per interface (if_tsresol = 9: nanoseconds), EPBs.
    Bytes pcapngBytes() const {
        using namespace pcapbytes;
        Bytes out;
        Bytes shb;
        le32(shb, 0x1A2B3C4D);  // byte-order magic
        le16(shb, 1);
        le16(shb, 0);
        le32(shb, 0xFFFFFFFF);  // section length unknown
        le32(shb, 0xFFFFFFFF);
        block(out, 0x0A0D0D0A, shb);
        for (const auto& i : interfaces_) {
            Bytes idb;
            le16(idb, std::uint32_t(i.linkType));
            le16(idb, 0);
            le32(idb, i.snaplen);
            le16(idb, 9);  // if_tsresol
            le16(idb, 1);
            idb.insert(idb.end(), {9, 0, 0, 0});
            le32(idb, 0);  // opt_endofopt
            block(out, 1, idb);
        }
        for (const auto& p : packets_) {
            const std::uint64_t t = std::uint64_t(p.sec) * 1000000000u + p.nsec;
            Bytes epb;
            le32(epb, p.interfaceId);
            le32(epb, std::uint32_t(t >> 32));
            le32(epb, std::uint32_t(t));
            le32(epb, std::uint32_t(p.frame.size()));
            le32(epb, p.origLen);
            append(epb, p.frame);
            while (epb.size() % 4)
                epb.push_back(0);
            block(out, 6, epb);
        }
        return out;
    }

    static bool write(const std::string& path, const Bytes& data) {
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        file.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
        return bool(file);
    }
    bool save(const std::string& path, bool nanoseconds = true) const {
        return write(path, bytes(nanoseconds));
    }
    bool savePcapng(const std::string& path) const { return write(path, pcapngBytes()); }

private:
    struct Interface {
        int linkType;
        std::uint32_t snaplen;
    };
    struct Packet {
        Bytes frame;
        std::int64_t sec;
        std::uint32_t nsec;
        std::uint32_t origLen;
        std::uint32_t interfaceId;
    };
    static void block(Bytes& out, std::uint32_t type, const Bytes& body) {
        const auto total = std::uint32_t(12 + body.size());
        pcapbytes::le32(out, type);
        pcapbytes::le32(out, total);
        pcapbytes::append(out, body);
        pcapbytes::le32(out, total);
    }
    std::vector<Interface> interfaces_;
    std::vector<Packet> packets_;
    std::uint64_t next_ = 0;
};

// A tiny TCP connection: tracks both sides' sequence numbers and emits the
// segments of a handshake, data and a close. The *Segment() functions return
// specs (for tests that reorder, duplicate or corrupt them); the others
// return link-layer frames ready for PcapBuilder::add.
class TcpConversation {
public:
    // `client` names the client's address (src) and the server's (dst).
    TcpConversation(TcpPacketSpec client, std::uint32_t clientIsn, std::uint32_t serverIsn,
                    int linkType = linktype::Ethernet)
        : client_(std::move(client)),
          linkType_(linkType),
          clientSeq_(clientIsn),
          serverSeq_(serverIsn) {}

    TcpPacketSpec clientSegment(const Bytes& payload, std::uint8_t flags = kPsh | kAck) {
        return segment(true, payload, flags);
    }
    TcpPacketSpec serverSegment(const Bytes& payload, std::uint8_t flags = kPsh | kAck) {
        return segment(false, payload, flags);
    }
    Bytes frame(const TcpPacketSpec& s) const { return linkFrame(linkType_, ipTcp(s)); }

    std::vector<Bytes> handshake() {
        return {frame(clientSegment({}, kSyn)), frame(serverSegment({}, kSyn | kAck)),
                frame(clientSegment({}, kAck))};
    }
    Bytes clientSends(const Bytes& data) { return frame(clientSegment(data)); }
    Bytes serverSends(const Bytes& data) { return frame(serverSegment(data)); }
    // `data` cut into segments of at most `piece` bytes.
    std::vector<Bytes> clientSendsSplit(const Bytes& data, std::size_t piece) {
        return split(true, data, piece);
    }
    std::vector<Bytes> serverSendsSplit(const Bytes& data, std::size_t piece) {
        return split(false, data, piece);
    }
    Bytes clientFin() { return frame(clientSegment({}, kFin | kAck)); }
    Bytes serverFin() { return frame(serverSegment({}, kFin | kAck)); }
    Bytes clientRst() { return frame(clientSegment({}, kRst | kAck)); }
    Bytes serverRst() { return frame(serverSegment({}, kRst | kAck)); }

    std::uint32_t clientSeq() const { return clientSeq_; }
    std::uint32_t serverSeq() const { return serverSeq_; }
    // Skips bytes that were "sent" but are never captured (a gap).
    void skipClient(std::uint32_t n) { clientSeq_ += n; }
    void skipServer(std::uint32_t n) { serverSeq_ += n; }

private:
    TcpPacketSpec segment(bool fromClient, const Bytes& payload, std::uint8_t flags) {
        TcpPacketSpec s = client_;
        if (!fromClient) {
            std::swap(s.srcIp, s.dstIp);
            std::swap(s.srcPort, s.dstPort);
        }
        std::uint32_t& own = fromClient ? clientSeq_ : serverSeq_;
        const std::uint32_t peer = fromClient ? serverSeq_ : clientSeq_;
        s.seq = own;
        s.ack = (flags & kAck) ? peer : 0;
        s.flags = flags;
        s.payload = payload;
        s.ipId = ipId_++;
        // SYN and FIN take one sequence number each.
        own += std::uint32_t(payload.size()) + ((flags & kSyn) ? 1 : 0) + ((flags & kFin) ? 1 : 0);
        return s;
    }
    std::vector<Bytes> split(bool fromClient, const Bytes& data, std::size_t piece) {
        std::vector<Bytes> frames;
        for (std::size_t at = 0; at < data.size(); at += piece) {
            const std::size_t n = std::min(piece, data.size() - at);
            const Bytes part(data.begin() + std::ptrdiff_t(at),
                             data.begin() + std::ptrdiff_t(at + n));
            frames.push_back(frame(segment(fromClient, part, kPsh | kAck)));
        }
        return frames;
    }

    TcpPacketSpec client_;
    int linkType_;
    std::uint32_t clientSeq_;
    std::uint32_t serverSeq_;
    std::uint16_t ipId_ = 1;
};

}  // namespace sockscope::test
