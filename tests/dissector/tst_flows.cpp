// Many TCP flows at once, as the dissector looks them up packet by packet
// (it remembers the previous packet's flow): connections whose packets
// alternate, a port pair reused right after an RST, and the flow limit
// dropping a connection whose packets keep coming.
#include <sockscope/core/permessage_deflate.h>
#include <sockscope/dissector/dissector.h>

#include <QTest>
#include <algorithm>
#include <tuple>

#include "dissection_recorder.h"
#include "pcap_builder.h"
#include "raw_packet.h"
#include "websocket_conversation.h"
#include "wire.h"

using namespace sockscope;
using namespace sockscope::dissector;
using namespace sockscope::test;

namespace {

using Lines = std::vector<std::string>;

DissectionRecorder dissect(const std::vector<Bytes>& packets, DissectorOptions options = {}) {
    DissectionRecorder recorder;
    Dissector dissector(options, recorder);
    for (std::size_t i = 0; i < packets.size(); ++i)
        dissector.packet(ethernetPacket(packets[i], i));
    dissector.finish();
    return recorder;
}

// A WebSocket session on `clientPort` sending `messages` texts each way.
Conversation session(std::uint16_t clientPort, const std::string& name, int messages) {
    Conversation c(clientPort, 8765);
    c.handshakeTcp();
    c.client(bytesOf(request()));
    c.server(bytesOf(response()));
    for (int i = 0; i < messages; ++i) {
        c.client(clientFrame(1, bytesOf(name + " to server " + std::to_string(i))));
        c.server(serverFrame(1, bytesOf(name + " to client " + std::to_string(i))));
    }
    return c;
}

// The client's RST after the last packet of `c` (sequence number from it).
Bytes clientReset(const Conversation& c, std::uint16_t clientPort) {
    const Bytes* last = nullptr;
    for (const Bytes& p : c.packets)
        if ((p[34] << 8 | p[35]) == clientPort)  // TCP source port
            last = &p;
    const std::uint32_t seq = std::uint32_t(last->at(38)) << 24 |
                              std::uint32_t(last->at(39)) << 16 | std::uint32_t(last->at(40)) << 8 |
                              last->at(41);
    TcpPacketSpec spec;
    spec.srcPort = clientPort;
    spec.dstPort = 8765;
    spec.seq = seq + std::uint32_t(last->size() - 54);  // Ethernet + IPv4 + TCP headers
    spec.flags = 0x14;                                  // RST|ACK
    return ethernetIpTcp(spec);
}

// `frame` as TCP segments of at most `mss` bytes.
std::vector<Bytes> segments(const Bytes& frame, std::size_t mss) {
    std::vector<Bytes> out;
    for (std::size_t at = 0; at < frame.size(); at += mss)
        out.emplace_back(frame.begin() + std::ptrdiff_t(at),
                         frame.begin() + std::ptrdiff_t(std::min(frame.size(), at + mss)));
    return out;
}

Bytes pattern(std::size_t size, std::uint8_t seed) {
    Bytes b(size);
    for (std::size_t i = 0; i < size; ++i)
        b[i] = std::uint8_t(i * 131 + seed + (i >> 9));
    return b;
}

}  // namespace

class TestFlows : public QObject {
    Q_OBJECT

private slots:
    // Packet by packet, three connections take turns: each flow's bytes stay
    // its own, whether the next packet is of the same flow or not.
    void alternatingConnectionsKeepTheirOwnStreams() {
        const Conversation a = session(40001, "a", 3);
        const Conversation b = session(40002, "b", 3);
        const Conversation c = session(40003, "c", 3);
        std::vector<Bytes> packets;
        for (std::size_t i = 0; i < a.packets.size(); ++i) {
            packets.push_back(a.packets[i]);
            packets.push_back(b.packets[i]);
            if (i % 2 == 0) {
                packets.push_back(c.packets[i / 2]);
            }
        }
        for (std::size_t i = (a.packets.size() + 1) / 2; i < c.packets.size(); ++i) {
            packets.push_back(c.packets[i]);  // then c alone: consecutive packets of one flow
        }
        const DissectionRecorder r = dissect(packets);
        QCOMPARE(r.connections.size(), std::size_t(3));
        // a and b alternate packet by packet: their messages interleave.
        Lines expected;
        for (int i = 0; i < 3; ++i) {
            for (const char* dir : {"client", "server"}) {
                for (const char* name : {"a", "b"}) {
                    expected.push_back(
                        std::string("conn=") + (name[0] == 'a' ? "1" : "2") + " " + dir + " text " +
                        name + (dir[0] == 'c' ? " to server " : " to client ") + std::to_string(i));
                }
            }
        }
        Lines got = r.messageLines();
        Lines ofC;
        for (auto it = got.begin(); it != got.end();) {
            if (it->starts_with("conn=3 ")) {
                ofC.push_back(*it);
                it = got.erase(it);
            } else {
                ++it;
            }
        }
        QCOMPARE(got, expected);
        QCOMPARE(ofC,
                 (Lines{"conn=3 client text c to server 0", "conn=3 server text c to client 0",
                        "conn=3 client text c to server 1", "conn=3 server text c to client 1",
                        "conn=3 client text c to server 2", "conn=3 server text c to client 2"}));
        QVERIFY2(r.anomalies.empty(), r.anomalies.empty() ? "" : r.anomalies[0].kind.c_str());
    }

    // The RST ends the connection and frees its flow; a late packet of it is
    // ignored, and the next one opens the same port pair again: a new
    // connection, not the old one.
    void portPairReusedRightAfterAReset() {
        const Conversation first = session(40010, "one", 1);
        Conversation second(40010, 8765, 700000, 800000);
        second.handshakeTcp();
        second.client(bytesOf(request()));
        second.server(bytesOf(response()));
        second.client(clientFrame(1, bytesOf("two")));
        std::vector<Bytes> packets = first.packets;
        packets.push_back(clientReset(first, 40010));
        packets.push_back(first.packets.back());  // the server's last segment, resent late
        packets.insert(packets.end(), second.packets.begin(), second.packets.end());
        const DissectionRecorder r = dissect(packets);
        QCOMPARE(r.connections.size(), std::size_t(2));
        QCOMPARE(r.messageLines(),
                 (Lines{"conn=1 client text one to server 0", "conn=1 server text one to client 0",
                        "conn=2 client text two"}));
        QCOMPARE(r.ends.size(), std::size_t(2));
        QCOMPARE(r.ends[0].conn, std::uint32_t(1));
        QCOMPARE(r.ends[0].how, EndHow::Rst);
        QCOMPARE(r.ends[1].conn, std::uint32_t(2));
        QCOMPARE(r.ends[1].how, EndHow::CaptureEnd);
        QVERIFY2(r.anomalies.empty(), r.anomalies.empty() ? "" : r.anomalies[0].kind.c_str());
    }

    // One flow at most: a second connection pushes the first out; the first's
    // next packet (two frames, no SYN) then pushes the second out and is
    // recognised as a stream without its handshake.
    void theFlowLimitDropsAConnectionWhosePacketsKeepComing() {
        Conversation a(40020, 8765);
        a.handshakeTcp();
        a.client(bytesOf(request()));
        a.server(bytesOf(response()));
        a.client(clientFrame(1, bytesOf("a1")));
        Conversation b(40021, 8765);
        b.handshakeTcp();
        a.client(concat({clientFrame(1, bytesOf("a2")), clientFrame(1, bytesOf("a3"))}));
        std::vector<Bytes> packets(a.packets.begin(), a.packets.begin() + 6);
        packets.push_back(b.packets[0]);  // b's SYN
        packets.push_back(a.packets[6]);  // a's two frames
        DissectorOptions options;
        options.maxFlows = 1;
        const DissectionRecorder r = dissect(packets, options);
        QCOMPARE(r.connections.size(), std::size_t(2));
        QCOMPARE(r.connections[1].client.port, std::uint16_t(40020));
        QCOMPARE(r.messageLines(), (Lines{"conn=1 client text a1", "conn=2 client text a2",
                                          "conn=2 client text a3"}));
        QCOMPARE(r.anomalyKinds(),
                 (Lines{"flow-limit", "flow-limit", "mid-stream", "handshake-not-seen"}));
        QCOMPARE(r.ends.size(), std::size_t(2));
        QCOMPARE(r.ends[0].conn, std::uint32_t(1));
        QCOMPARE(r.ends[0].how, EndHow::CaptureEnd);
    }

    // Message payloads of every size while other connections' large messages
    // are in flight (large payload buffers pass from message to message
    // between directions): a fragmented message that starts small and grows,
    // an uncompressed and a compressed large one at the same time, small ones
    // between, and the payload limit cutting one. Every payload is exact.
    void payloadsOfEverySizeInterleaved_data() {
        QTest::addColumn<std::uint64_t>("maxPayloadKept");
        QTest::newRow("whole payloads") << (std::uint64_t(64) << 20);
        QTest::newRow("payloads cut at 60000 bytes") << std::uint64_t(60000);
    }
    void payloadsOfEverySizeInterleaved() {
        QFETCH(std::uint64_t, maxPayloadKept);
        const std::string deflate = "Sec-WebSocket-Extensions: permessage-deflate\r\n";
        Conversation a(40030, 8765);
        a.handshakeTcp();
        a.client(bytesOf(request(deflate)));
        a.server(bytesOf(response(deflate)));
        Conversation b(40031, 8765);
        b.handshakeTcp();
        b.client(bytesOf(request()));
        b.server(bytesOf(response()));
        std::vector<Bytes> packets = a.packets;
        packets.insert(packets.end(), b.packets.begin(), b.packets.end());
        a.packets.clear();
        b.packets.clear();

        // a's client: 100000 bytes in three fragments (1000 first, kept small).
        const Bytes big = pattern(100000, 1);
        const Bytes fragmented =
            concat({clientFrame(2, Bytes(big.begin(), big.begin() + 1000), false),
                    clientFrame(0, Bytes(big.begin() + 1000, big.begin() + 51000), false),
                    clientFrame(0, Bytes(big.begin() + 51000, big.end()))});
        // b's server: 70000 bytes in one frame, at the same time.
        const Bytes wide = pattern(70000, 2);
        // a's server: 200000 bytes compressed into far fewer.
        std::string text;
        for (int i = 0; text.size() < 200000; ++i)
            text += "line " + std::to_string(i % 977) + "\n";
        text.resize(200000);
        Bytes compressed;
        MessageDeflater(15, false).compress(bytesOf(text), compressed);
        const std::vector<Bytes> x = segments(fragmented, 1400);
        const std::vector<Bytes> y = segments(serverFrame(2, wide), 1400);
        const std::vector<Bytes> z = segments(serverFrame(1, compressed, true, 4), 1400);
        for (std::size_t i = 0; i < std::max({x.size(), y.size(), z.size()}); ++i) {
            if (i < x.size())
                packets.push_back(a.packets.at(a.client(x[i])));
            if (i < y.size())
                packets.push_back(b.packets.at(b.server(y[i])));
            if (i < z.size())
                packets.push_back(a.packets.at(a.server(z[i])));
        }
        // Then small messages, and another large one that finds a buffer waiting.
        packets.push_back(a.packets.at(a.client(clientFrame(1, bytesOf("small a")))));
        packets.push_back(b.packets.at(b.server(serverFrame(1, bytesOf("small b")))));
        const Bytes again = pattern(30000, 3);
        for (const Bytes& piece : segments(serverFrame(2, again), 1400))
            packets.push_back(b.packets.at(b.server(piece)));
        packets.push_back(b.packets.at(b.server(serverFrame(1, bytesOf("small c")))));

        DissectorOptions options;
        options.maxPayloadKept = maxPayloadKept;
        const DissectionRecorder r = dissect(packets, options);
        // The three large ones end in the order of their last segments.
        std::vector<std::tuple<std::size_t, int, std::uint32_t, Bytes>> large = {
            {x.size() - 1, 0, 1, big},
            {y.size() - 1, 1, 2, wide},
            {z.size() - 1, 2, 1, bytesOf(text)}};
        std::sort(large.begin(), large.end());
        std::vector<std::pair<std::uint32_t, Bytes>> expected;
        for (const auto& [last, order, conn, bytes] : large)
            expected.emplace_back(conn, bytes);
        expected.insert(expected.end(), {{1, bytesOf("small a")},
                                         {2, bytesOf("small b")},
                                         {2, again},
                                         {2, bytesOf("small c")}});
        QCOMPARE(r.messages.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const MessageEvent& m = r.messages[i];
            const Bytes& whole = expected[i].second;
            const std::size_t kept = std::min<std::size_t>(whole.size(), maxPayloadKept);
            QCOMPARE(m.conn, expected[i].first);
            QCOMPARE(m.length, std::uint64_t(whole.size()));
            QCOMPARE(m.payloadTruncated, kept < whole.size());
            QVERIFY2(m.payload == Bytes(whole.begin(), whole.begin() + std::ptrdiff_t(kept)),
                     qPrintable(QStringLiteral("message %1").arg(i)));
        }
        QVERIFY2(r.anomalies.empty(), r.anomalies.empty() ? "" : r.anomalies[0].kind.c_str());
    }

    // A message that outgrows its large buffer gives that buffer back: the
    // next message of that size must start from an empty one.
    void aBufferGivenBackMidMessageIsReusedEmpty() {
        Conversation c(40040, 8765);
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        const Bytes first = pattern(9000, 4);
        const Bytes rest = pattern(20000, 5);
        const Bytes next = pattern(9000, 6);
        for (const Bytes& piece :
             segments(concat({serverFrame(2, first, false), serverFrame(0, rest)}), 1400))
            c.server(piece);
        for (const Bytes& piece : segments(serverFrame(2, next), 1400))
            c.server(piece);
        const DissectionRecorder r = dissect(c.packets);
        QCOMPARE(r.messages.size(), std::size_t(2));
        QVERIFY(r.messages[0].payload == concat({first, rest}));
        QVERIFY(r.messages[1].payload == next);
    }
};

QTEST_APPLESS_MAIN(TestFlows)
#include "tst_flows.moc"
