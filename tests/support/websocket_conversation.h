#pragma once
// A hand-built TCP conversation for dissector and viewer tests: a client and
// a server exchanging segments (each one Ethernet/IPv4/TCP packet), the
// HTTP upgrade request and 101 response, and single WebSocket frames.

#include <sockscope/core/handshake.h>

#include <string>
#include <vector>

#include "pcap_builder.h"
#include "wire.h"

namespace sockscope::test {

constexpr std::uint8_t kPshAck = 0x18;

// Two endpoints exchanging TCP segments; every segment becomes one Ethernet
// packet for the dissector, numbered from 1.
class Conversation {
public:
    Conversation(std::uint16_t clientPort = 53422, std::uint16_t serverPort = 8765,
                 std::uint32_t clientIsn = 1000, std::uint32_t serverIsn = 5000)
        : clientPort_(clientPort),
          serverPort_(serverPort),
          clientSeq_(clientIsn),
          serverSeq_(serverIsn) {}

    void handshakeTcp() {
        add(true, clientSeq_++, 0x02, {});
        add(false, serverSeq_++, 0x12, {});
        add(true, clientSeq_, 0x10, {});
    }
    // Returns the packet's index in `packets` (its number minus 1).
    std::size_t client(Bytes payload) { return send(true, std::move(payload)); }
    std::size_t server(Bytes payload) { return send(false, std::move(payload)); }
    // A segment that carried `wireBytes` of client payload of which the
    // capture kept none (cut by the snaplen): only its headers are in the packet.
    std::size_t clientCut(std::uint32_t wireBytes) {
        const std::size_t index = send(true, {});
        clientSeq_ += wireBytes;
        Bytes& packet = packets[index];
        const std::size_t ip = 14;  // after the Ethernet header
        const std::uint32_t total = (packet[ip + 2] << 8 | packet[ip + 3]) + wireBytes;
        packet[ip + 2] = std::uint8_t(total >> 8);
        packet[ip + 3] = std::uint8_t(total);
        packet[ip + 10] = packet[ip + 11] = 0;
        const std::uint16_t sum = ipv4Checksum(packet.data() + ip, 20);
        packet[ip + 10] = std::uint8_t(sum >> 8);
        packet[ip + 11] = std::uint8_t(sum);
        cutBytes.resize(packets.size());
        cutBytes[index] = wireBytes;
        return index;
    }
    void fin() {
        add(true, clientSeq_++, 0x11, {});
        add(false, serverSeq_++, 0x11, {});
    }

    std::vector<Bytes> packets;
    std::vector<std::uint32_t> cutBytes;  // per packet: payload bytes not captured

private:
    std::size_t send(bool fromClient, Bytes payload) {
        std::uint32_t& seq = fromClient ? clientSeq_ : serverSeq_;
        const std::uint32_t at = seq;
        seq += std::uint32_t(payload.size());
        add(fromClient, at, kPshAck, std::move(payload));
        return packets.size() - 1;
    }
    void add(bool fromClient, std::uint32_t seq, std::uint8_t flags, Bytes payload) {
        TcpPacketSpec spec;
        spec.srcPort = fromClient ? clientPort_ : serverPort_;
        spec.dstPort = fromClient ? serverPort_ : clientPort_;
        spec.seq = seq;
        spec.ack = 0;
        spec.flags = flags;
        spec.payload = std::move(payload);
        packets.push_back(ethernetIpTcp(spec));
    }
    std::uint16_t clientPort_, serverPort_;
    std::uint32_t clientSeq_, serverSeq_;
};

std::string request(const std::string& extra = {}) {
    return "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:8765\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n" +
           extra + "\r\n";
}

std::string response(const std::string& extra = {},
                     const std::string& accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") {
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: " +
           accept + "\r\n" + extra + "\r\n";
}

Bytes clientFrame(int opcode, const Bytes& payload, bool fin = true, int rsv = 0) {
    WireFrame f;
    f.opcode = opcode;
    f.payload = payload;
    f.fin = fin;
    f.rsv = rsv;
    f.masked = true;
    return encode(f);
}

Bytes serverFrame(int opcode, const Bytes& payload, bool fin = true, int rsv = 0) {
    WireFrame f;
    f.opcode = opcode;
    f.payload = payload;
    f.fin = fin;
    f.rsv = rsv;
    return encode(f);
}

}  // namespace sockscope::test
