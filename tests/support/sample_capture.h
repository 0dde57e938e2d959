#pragma once
// The bundled sample capture (resources/sample.pcapng), built from scratch by
// the project's own code: handshakes from core's handshake builder and
// answerer, frames from core's serializer, compressed payloads from core's
// MessageDeflater, TCP from pcap_builder.h, and the file from the
// dissector's PcapngWriter. Deterministic (fixed seed, fixed times), so
// make_sample_capture writes the same bytes every time and
// tst_sample_capture can hold the committed file to its source.
//
// Two loopback connections, interleaved in time:
// 1. 127.0.0.1:51874 -> 127.0.0.1:8765 "/chat", subprotocol chat.v2,
//    permessage-deflate with client_max_window_bits=12 and context takeover:
//    compressed JSON both ways (the first one in the same segment as the
//    101), plain text, a binary message, a text message in three fragments
//    with a ping between the first two (and the server's pong), and a close
//    1000 "bye" from the client answered by the server.
// 2. 127.0.0.1:51890 -> 127.0.0.1:9001 "/echo", no extensions: an echo
//    service, one client frame sent without a mask (the one protocol
//    violation), and a close 1001 "going away" from the server answered by
//    the client.

#include <sockscope/core/frame_header.h>
#include <sockscope/core/handshake.h>
#include <sockscope/core/permessage_deflate.h>
#include <sockscope/dissector/pcapng_writer.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "pcap_builder.h"

namespace sockscope::test::sample {

// What the capture holds, for the tests that check it.
inline constexpr std::uint16_t kChatPort = 8765;
inline constexpr std::uint16_t kEchoPort = 9001;
inline constexpr std::string_view kWelcome =
    R"({"type":"welcome","session":"7f3a9c","server":"sample-chat/1.0"})";
inline constexpr std::string_view kHello = "Hello, server!";
inline constexpr std::string_view kSubscribe =
    R"({"type":"subscribe","channel":"ticker","symbols":["ACME","GLOBEX","INITECH"]})";
inline constexpr std::string_view kSubscribed =
    R"({"type":"subscribed","channel":"ticker","symbols":["ACME","GLOBEX","INITECH"]})";
inline constexpr std::string_view kTick1 =
    R"({"type":"tick","symbol":"ACME","price":101.25,"change":0.75,"seq":1})";
inline constexpr std::string_view kTick2 =
    R"({"type":"tick","symbol":"ACME","price":101.50,"change":1.00,"seq":2})";
inline constexpr std::uint8_t kBinary[] = {0x53, 0x53, 0x42, 0x01, 0x00, 0x10, 0xde, 0xad,
                                           0xbe, 0xef, 0x00, 0x00, 0x01, 0x8f, 0xff, 0x7f};
inline constexpr std::string_view kFragments[] = {"This message was sent ", "in three fragments, ",
                                                  "with a ping in between."};
inline constexpr std::string_view kPing = "keepalive 1";
inline constexpr std::string_view kReply = R"({"type":"ack","received":"3 fragments, 65 bytes"})";
inline constexpr std::string_view kEcho1 = "echo: hello";
inline constexpr std::string_view kEcho2 = R"({"id":1,"method":"sum","params":[2,3]})";
inline constexpr std::string_view kEcho2Answer = R"({"id":1,"result":5})";
inline constexpr std::string_view kUnmasked = "this frame is not masked";
inline constexpr std::int64_t kStartSeconds = 1715682600;  // 2024-05-14 10:30:00 UTC

namespace detail {

inline Bytes bytesOf(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

inline Bytes closeBody(std::uint16_t code, std::string_view reason) {
    Bytes body = {std::uint8_t(code >> 8), std::uint8_t(code)};
    body.insert(body.end(), reason.begin(), reason.end());
    return body;
}

struct TimedPacket {
    std::int64_t ns = 0;  // since kStartSeconds
    Bytes frame;
};

// One TCP connection on loopback with its own clock; packets go to a list
// shared with the other connection and are ordered by time at the end.
class Connection {
public:
    // The initial sequence numbers come first in the random stream, in this order.
    Connection(std::uint16_t clientPort, std::uint16_t serverPort, std::int64_t startUs,
               std::mt19937& random, std::vector<TimedPacket>& out)
        : clientIsn_(random()),
          serverIsn_(random()),
          tcp_(spec(clientPort, serverPort), clientIsn_, serverIsn_),
          random_(random),
          out_(out),
          us_(startUs) {}

    void after(std::int64_t us) { us_ += us; }

    void tcpHandshake() {
        const auto frames = tcp_.handshake();
        record(frames[0]);
        after(21);
        record(frames[1]);
        after(14);
        record(frames[2]);
    }
    // A data segment, and the peer's ACK a loopback moment later.
    void client(const Bytes& data) { send(true, data); }
    void server(const Bytes& data) { send(false, data); }
    // The server closes TCP first (RFC 6455 §7.1.1), the client answers.
    void tcpClose() {
        record(tcp_.serverFin());
        after(38);
        record(tcp_.clientFin());
        after(17);
        record(tcp_.frame(tcp_.serverSegment({}, kAck)));
    }

    // Client frames are masked with a fresh key unless told otherwise.
    Bytes clientFrame(std::uint8_t opcode, const Bytes& payload, bool fin = true, bool rsv1 = false,
                      bool masked = true) {
        return frame(opcode, payload, fin, rsv1, masked);
    }
    Bytes serverFrame(std::uint8_t opcode, const Bytes& payload, bool rsv1 = false) {
        return frame(opcode, payload, true, rsv1, false);
    }

private:
    static TcpPacketSpec spec(std::uint16_t clientPort, std::uint16_t serverPort) {
        TcpPacketSpec s;
        s.srcPort = clientPort;
        s.dstPort = serverPort;
        return s;
    }
    Bytes frame(std::uint8_t opcode, const Bytes& payload, bool fin, bool rsv1, bool masked) {
        FrameHeader h;
        h.fin = fin;
        h.rsv1 = rsv1;
        h.opcode = opcode;
        h.masked = masked;
        if (masked) {
            const std::uint32_t key = random_();
            h.maskKey = {std::uint8_t(key >> 24), std::uint8_t(key >> 16), std::uint8_t(key >> 8),
                         std::uint8_t(key)};
        }
        return buildFrame(h, payload);
    }
    void send(bool fromClient, const Bytes& data) {
        record(fromClient ? tcp_.clientSends(data) : tcp_.serverSends(data));
        after(45);
        record(
            tcp_.frame(fromClient ? tcp_.serverSegment({}, kAck) : tcp_.clientSegment({}, kAck)));
    }
    void record(Bytes frame) {
        std::fill_n(frame.begin(), 12, 0);  // loopback: Ethernet header with zero addresses
        out_.push_back({us_ * 1000, std::move(frame)});
        ++us_;  // nothing on the wire shares a microsecond
    }

    std::uint32_t clientIsn_;
    std::uint32_t serverIsn_;
    TcpConversation tcp_;
    std::mt19937& random_;
    std::vector<TimedPacket>& out_;
    std::int64_t us_;
};

// A Sec-WebSocket-Key from the sample's random stream (never the CSPRNG: the
// bytes must come out the same every time).
inline std::string sampleKey(std::mt19937& random) {
    std::uint8_t raw[16];
    for (auto& b : raw)
        b = std::uint8_t(random() >> 24);
    return base64Encode(raw);
}

struct Handshake {
    Bytes request;
    Bytes response;
    std::optional<DeflateParams> deflate;
};

inline Handshake handshake(std::mt19937& random, std::string target, std::uint16_t port,
                           bool chat) {
    ClientHandshakeOptions client;
    client.host = "127.0.0.1:" + std::to_string(port);
    client.target = std::move(target);
    client.origin = "http://127.0.0.1:8080";
    client.extraFields = {{"User-Agent", "sample-client/1.0"}};
    ServerHandshakeOptions server;
    if (chat) {
        client.subprotocols = {"chat.v2", "chat.v1"};
        client.deflate = DeflateClientOffer{};  // valueless client_max_window_bits
        server.subprotocols = {"chat.v2"};
        DeflateServerPolicy policy;
        policy.clientMaxWindowBits = 12;
        server.deflate = policy;
    }
    const HttpRequest request = buildClientRequest(client, sampleKey(random));
    const ServerHandshakeResult answer = answerClientRequest(request, server);
    return {bytesOf(serializeRequest(request)), bytesOf(serializeResponse(answer.response)),
            answer.deflate};
}

inline void chatConnection(std::mt19937& random, std::vector<TimedPacket>& out) {
    Connection c(51874, kChatPort, 0, random, out);
    c.tcpHandshake();
    const Handshake hs = handshake(random, "/chat", kChatPort, true);
    const DeflateParams params = hs.deflate.value_or(DeflateParams{});
    MessageDeflater clientDeflate(params.clientMaxWindowBits, params.clientNoContextTakeover);
    MessageDeflater serverDeflate(params.serverMaxWindowBits, params.serverNoContextTakeover);
    const auto compressed = [](MessageDeflater& d, std::string_view text) {
        Bytes out;
        d.compress(bytesOf(text), out);
        return out;
    };
    c.after(412);
    c.client(hs.request);
    c.after(1187);
    // The server's first frame shares the segment with its 101 response.
    Bytes upgrade = hs.response;
    const Bytes welcome = c.serverFrame(1, compressed(serverDeflate, kWelcome), true);
    upgrade.insert(upgrade.end(), welcome.begin(), welcome.end());
    c.server(upgrade);
    c.after(14210);
    c.client(c.clientFrame(1, bytesOf(kHello)));
    c.after(7034);
    c.client(c.clientFrame(1, compressed(clientDeflate, kSubscribe), true, true));
    c.after(1322);
    c.server(c.serverFrame(1, compressed(serverDeflate, kSubscribed), true));
    c.after(96518);
    c.server(c.serverFrame(1, compressed(serverDeflate, kTick1), true));
    c.after(250061);
    c.server(c.serverFrame(1, compressed(serverDeflate, kTick2), true));
    c.after(131877);
    c.client(c.clientFrame(2, Bytes(std::begin(kBinary), std::end(kBinary))));
    c.after(402316);
    c.client(c.clientFrame(1, bytesOf(kFragments[0]), false));
    c.after(4870);
    c.client(c.clientFrame(9, bytesOf(kPing)));
    c.after(212);
    c.server(c.serverFrame(10, bytesOf(kPing)));
    c.after(6633);
    c.client(c.clientFrame(0, bytesOf(kFragments[1]), false));
    c.after(5921);
    c.client(c.clientFrame(0, bytesOf(kFragments[2])));
    c.after(1764);
    c.server(c.serverFrame(1, compressed(serverDeflate, kReply), true));
    c.after(583402);
    c.client(c.clientFrame(8, closeBody(1000, "bye")));
    c.after(297);
    c.server(c.serverFrame(8, closeBody(1000, "bye")));
    c.after(131);
    c.tcpClose();
}

inline void echoConnection(std::mt19937& random, std::vector<TimedPacket>& out) {
    Connection c(51890, kEchoPort, 248173, random, out);
    c.tcpHandshake();
    const Handshake hs = handshake(random, "/echo", kEchoPort, false);
    c.after(389);
    c.client(hs.request);
    c.after(942);
    c.server(hs.response);
    c.after(23807);
    c.client(c.clientFrame(1, bytesOf(kEcho1)));
    c.after(318);
    c.server(c.serverFrame(1, bytesOf(kEcho1)));
    c.after(187455);
    c.client(c.clientFrame(1, bytesOf(kEcho2)));
    c.after(404);
    c.server(c.serverFrame(1, bytesOf(kEcho2Answer)));
    c.after(402671);
    c.client(c.clientFrame(1, bytesOf(kUnmasked), true, false, false));  // RFC 6455 §5.1
    c.after(356);
    c.server(c.serverFrame(1, bytesOf(kUnmasked)));
    c.after(236934);
    c.server(c.serverFrame(8, closeBody(1001, "going away")));
    c.after(271);
    c.client(c.clientFrame(8, closeBody(1001, "going away")));
    c.after(164);
    c.tcpClose();
}

}  // namespace detail

// The sample capture's bytes (pcapng), or empty when writing them failed.
inline Bytes captureBytes() {
    std::mt19937 random(20240514);
    std::vector<detail::TimedPacket> packets;
    detail::chatConnection(random, packets);
    detail::echoConnection(random, packets);
    std::stable_sort(packets.begin(), packets.end(),
                     [](const auto& a, const auto& b) { return a.ns < b.ns; });

    char* buffer = nullptr;
    std::size_t size = 0;
    std::FILE* stream = open_memstream(&buffer, &size);
    if (stream == nullptr)
        return {};
    bool ok = false;
    {
        std::string error;
        auto writer = dissector::PcapngWriter::wrap(stream, error, "Sockscope make_sample_capture");
        if (writer) {
            writer->setFlushEvery(0);
            dissector::PcapngInterface lo;
            lo.linkType = linktype::Ethernet;
            lo.name = "lo";
            writer->addInterface(lo);
            ok = true;
            for (std::size_t i = 0; i < packets.size() && ok; ++i) {
                const std::int64_t ns = packets[i].ns;
                dissector::RawPacket p;
                p.number = i + 1;
                p.ts = {kStartSeconds + ns / 1000000000, std::uint32_t(ns % 1000000000)};
                p.linkType = linktype::Ethernet;
                p.capturedLength = p.originalLength = std::uint32_t(packets[i].frame.size());
                p.data = packets[i].frame;
                ok = writer->write(p);
            }
            ok = writer->close() && ok;
        }
    }
    ok = std::fclose(stream) == 0 && ok;
    Bytes out;
    if (ok)
        out.assign(buffer, buffer + size);
    std::free(buffer);
    return out;
}

}  // namespace sockscope::test::sample
