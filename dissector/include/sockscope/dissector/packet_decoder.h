#pragma once
// Link layer → IP → TCP. Supports Ethernet (with 802.1Q / 802.1ad VLAN tags),
// Linux cooked SLL and SLL2, BSD loopback/NULL (DLT_NULL, DLT_LOOP), raw IP
// (DLT_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6); IPv4 with options, IPv6 with
// extension headers; IPv4/IPv6 fragments reassembled within bounds.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sockscope/dissector/anomaly.h"
#include "sockscope/dissector/packet.h"
#include "sockscope/dissector/socket_address.h"

namespace sockscope::dissector {

namespace tcp_flag {
inline constexpr std::uint8_t Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10;
}

struct TcpSegment {
    SocketAddress source;
    SocketAddress destination;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    // Captured payload bytes; valid until the next decode() or the next packet.
    std::span<const std::uint8_t> payload;
    // Offset of payload[0] within the packet's data (for byte views); for a
    // payload rebuilt from IP fragments, the offset in the last fragment.
    std::uint32_t payloadOffset = 0;
    // Payload bytes that were on the wire but not captured (snaplen).
    std::uint32_t missingBytes = 0;
};

enum class DecodeStatus : std::uint8_t {
    Tcp,           // segment is valid
    Ignored,       // not TCP (ARP, UDP, ICMP, ...) or unsupported link type: no anomaly
    Malformed,     // anomaly set
    FragmentHeld,  // an IP fragment was buffered; nothing to deliver yet
};

struct PacketDecode {
    DecodeStatus status = DecodeStatus::Ignored;
    TcpSegment segment;
    std::optional<CaptureAnomaly> anomaly;  // also set with Tcp (e.g. SnaplenTruncated)
    std::string detail;
    // Incomplete IP datagrams that timed out by this packet's time (see
    // PacketDecoderLimits::fragmentTimeoutSeconds), one ip-fragment detail
    // each; whatever the status, they come before this packet's own anomaly.
    std::vector<std::string> expiredFragments;
};

struct PacketDecoderLimits {
    std::size_t maxFragmentBytes = 64u << 20;  // all datagrams being reassembled
    std::size_t maxFragmentDatagrams = 1024;
    // Capture time after its first fragment at which an incomplete datagram
    // is dropped (0: never). 30 s is Linux's IPv4 reassembly timeout
    // (net.ipv4.ipfrag_time): the receiver has discarded the fragments by
    // then, so a datagram completed later is one it never delivered, and
    // holding it would show data the endpoint never saw. (Linux waits 60 s
    // for IPv6, net.ipv6.ip6frag_time, as RFC 8200 §4.5 says.)
    std::uint32_t fragmentTimeoutSeconds = 30;
};

// Whether decode() reads packets of this libpcap DLT_* link type (the ones
// named above); packets of any other type are Ignored.
bool supportsLinkType(int linkType);
// The link types it reads, in words, for messages.
inline constexpr const char* kSupportedLinkTypes =
    "Ethernet, Linux cooked (SLL, SLL2), BSD loopback and raw IP";

class PacketDecoder {
public:
    explicit PacketDecoder(PacketDecoderLimits limits = {});
    ~PacketDecoder();
    PacketDecode decode(const RawPacket& packet);
    // The end of the capture: one ip-fragment detail per datagram still being
    // reassembled (each is dropped), oldest first.
    std::vector<std::string> finish();

private:
    PacketDecode decodeLayers(const RawPacket& packet);

    struct Fragments;
    PacketDecoderLimits limits_;
    std::unique_ptr<Fragments> fragments_;
};

}  // namespace sockscope::dissector
