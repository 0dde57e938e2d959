// The passive WebSocket dissector on hand-built TCP conversations: handshake
// found on any port, messages recovered exactly in both directions (with
// permessage-deflate), close handshake, TCP pathologies, gaps with
// resynchronisation, streams without a handshake.
#include <sockscope/core/handshake.h>
#include <sockscope/core/permessage_deflate.h>
#include <sockscope/dissector/dissector.h>

#include <QTest>

#include "dissection_recorder.h"
#include "pcap_builder.h"
#include "raw_packet.h"
#include "websocket_conversation.h"
#include "wire.h"

using namespace sockscope;
using namespace sockscope::dissector;
using namespace sockscope::test;

namespace {

// Feeds packets in the given order (indices into conversation.packets).
DissectionRecorder dissect(const Conversation& c, std::vector<std::size_t> order = {},
                           DissectorOptions options = {}) {
    if (order.empty())
        for (std::size_t i = 0; i < c.packets.size(); ++i)
            order.push_back(i);
    DissectionRecorder recorder;
    Dissector dissector(options, recorder);
    for (std::size_t i : order)
        dissector.packet(
            ethernetPacket(c.packets[i], i, i < c.cutBytes.size() ? c.cutBytes[i] : 0));
    dissector.finish();
    return recorder;
}

using Lines = std::vector<std::string>;

}  // namespace

class TestDissector : public QObject {
    Q_OBJECT
private slots:
    void recoversAWholeSession() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        c.client(clientFrame(1, bytesOf("Hello")));
        c.server(serverFrame(1, bytesOf("Hello back")));
        c.client(concat(
            {clientFrame(2, {1, 2}, false), clientFrame(9, bytesOf("p")), clientFrame(0, {3})}));
        c.server(serverFrame(10, bytesOf("p")));
        c.client(clientFrame(8, concat({fromHex("03e8"), bytesOf("bye")})));
        c.server(serverFrame(8, fromHex("03e8")));
        c.fin();
        const DissectionRecorder r = dissect(c);

        QCOMPARE(r.connections.size(), std::size_t(1));
        QCOMPARE(r.connections[0].client.toString(), std::string("127.0.0.1:53422"));
        QCOMPARE(r.connections[0].server.toString(), std::string("127.0.0.1:8765"));
        QCOMPARE(r.handshakes.size(), std::size_t(1));
        QCOMPARE(r.handshakes[0].target, std::string("/chat"));
        QCOMPARE(r.handshakes[0].status, 101);
        QVERIFY(r.handshakes[0].acceptOk);
        QVERIFY(!r.handshakes[0].subprotocol);
        const Lines expected = {"conn=1 client text Hello", "conn=1 server text Hello back",
                                "conn=1 client ping p",     "conn=1 client binary \x01\x02\x03",
                                "conn=1 server pong p",     "conn=1 client close 1000 bye",
                                "conn=1 server close 1000"};
        QCOMPARE(r.messageLines(true), expected);
        QVERIFY2(r.anomalies.empty(), r.anomalies.empty() ? "" : r.anomalies[0].kind.c_str());
        QCOMPARE(r.ends.size(), std::size_t(1));
        QCOMPARE(r.ends[0].how, EndHow::CloseHandshake);
        // Frame positions point into the packets: the first client frame's
        // header is packet 6's first payload byte; its mask key follows 2 bytes on.
        QCOMPARE(r.frames[0].packet, std::uint64_t(6));
        QCOMPARE(r.frames[0].headerAt.packet, std::uint64_t(6));
        QCOMPARE(r.frames[0].payloadAt.offset, r.frames[0].headerAt.offset + 6);
        QVERIFY(r.frames[0].header.masked);
    }

    void decodesFramesThatShareTheSegmentOfThe101() {
        Conversation c(40000, 9001);
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(concat({bytesOf(response()), serverFrame(1, bytesOf("first"))}));
        const DissectionRecorder r = dissect(c);
        QCOMPARE(r.messageLines(), Lines{"conn=1 server text first"});
        QCOMPARE(r.ends.at(0).how, EndHow::CaptureEnd);
    }

    void leavesARefusedUpgradeAsPlainHttp() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
        c.server(serverFrame(1, bytesOf("not a frame")));
        const DissectionRecorder r = dissect(c);
        QCOMPARE(r.handshakes.size(), std::size_t(1));
        QCOMPARE(r.handshakes[0].status, 404);
        QVERIFY(r.messages.empty());
    }

    void ignoresPlainHttp() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        c.server(bytesOf("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
        const DissectionRecorder r = dissect(c);
        QVERIFY(r.connections.empty());
        QVERIFY(r.messages.empty());
        QVERIFY(r.anomalies.empty());
    }

    void flagsAWrongAccept() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response({}, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")));
        c.client(clientFrame(1, bytesOf("still decoded")));
        const DissectionRecorder r = dissect(c);
        QVERIFY(!r.handshakes.at(0).acceptOk);
        QVERIFY(r.hasAnomaly("handshake-bad-accept"));
        QCOMPARE(r.messageLines(), Lines{"conn=1 client text still decoded"});
    }

    void decompressesWithTheNegotiatedParameters_data() {
        QTest::addColumn<bool>("noContextTakeover");
        QTest::newRow("context takeover") << false;
        QTest::newRow("no context takeover") << true;
    }
    void decompressesWithTheNegotiatedParameters() {
        QFETCH(bool, noContextTakeover);
        const std::string offer =
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits" +
            std::string(noContextTakeover
                            ? "; client_no_context_takeover; server_no_context_takeover"
                            : "") +
            "\r\n";
        const std::string answer =
            "Sec-WebSocket-Extensions: permessage-deflate" +
            std::string(noContextTakeover
                            ? "; client_no_context_takeover; server_no_context_takeover"
                            : "") +
            "\r\n";
        MessageDeflater clientDeflater(15, noContextTakeover);
        MessageDeflater serverDeflater(15, noContextTakeover);
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request(offer)));
        c.server(bytesOf(response(answer)));
        Lines expected;
        for (int i = 0; i < 3; ++i) {
            const std::string text = "Hello, compressed world " + std::to_string(i);
            Bytes compressed;
            clientDeflater.compress(bytesOf(text), compressed);
            c.client(clientFrame(1, compressed, true, 4));
            expected.push_back("conn=1 client text " + text);
            Bytes back;
            serverDeflater.compress(bytesOf(text), back);
            // Two fragments: RSV1 on the first only.
            const Bytes first(back.begin(), back.begin() + 3), rest(back.begin() + 3, back.end());
            c.server(concat({serverFrame(1, first, false, 4), serverFrame(0, rest)}));
            expected.push_back("conn=1 server text " + text);
        }
        const DissectionRecorder r = dissect(c);
        QVERIFY(r.handshakes.at(0).deflate);
        QCOMPARE(r.messageLines(), expected);
        QVERIFY(r.messages[0].compressed);
        QVERIFY2(r.anomalies.empty(), r.anomalies.empty() ? "" : r.anomalies[0].detail.c_str());
    }

    void reassemblesReorderedAndDuplicatedSegments() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        const Bytes frame = clientFrame(1, bytesOf("split across three segments"));
        c.client(Bytes(frame.begin(), frame.begin() + 5));
        c.client(Bytes(frame.begin() + 5, frame.begin() + 12));
        c.client(Bytes(frame.begin() + 12, frame.end()));
        // packets: 0-2 TCP handshake, 3 request, 4 response, 5-7 the frame
        const DissectionRecorder r = dissect(c, {0, 1, 2, 3, 4, 7, 5, 5, 6, 7});
        QCOMPARE(r.messageLines(), Lines{"conn=1 client text split across three segments"});
    }

    // A viewer shows a frame's raw (masked) bytes from the packets: the
    // segment events map every stream offset of the frame back to a packet
    // and a byte in it, also when the header ends one packet and the payload
    // begins in another.
    void mapsEveryRawFrameByteBackToItsPacket() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        const Bytes first = clientFrame(1, bytesOf("spans packets"));
        const Bytes second = clientFrame(2, Bytes(300, 0xAB));
        c.client(Bytes(first.begin(), first.begin() + 6));  // exactly the header
        c.client(concat(
            {Bytes(first.begin() + 6, first.end()), Bytes(second.begin(), second.begin() + 3)}));
        c.client(Bytes(second.begin() + 3, second.end()));
        const DissectionRecorder r = dissect(c, {0, 1, 2, 3, 4, 6, 5, 7});  // reordered too
        QCOMPARE(r.frames.size(), std::size_t(2));
        QVERIFY(!r.segments.empty());
        for (const auto& [frame, wire] :
             {std::pair{r.frames[0], first}, std::pair{r.frames[1], second}}) {
            Bytes raw;
            for (std::uint64_t o = frame.streamOffsets.header;
                 o < frame.streamOffsets.header + wire.size(); ++o) {
                for (const SegmentEvent& s : r.segments) {
                    if (s.conn == frame.conn && s.dir == frame.dir && o >= s.streamOffset &&
                        o < s.streamOffset + s.length) {
                        const Bytes& packet = c.packets[s.at.packet - 1];
                        // at.offset counts from the packet's first captured byte.
                        raw.push_back(packet[s.at.offset + (o - s.streamOffset)]);
                        break;
                    }
                }
            }
            QVERIFY(raw == wire);  // header, mask key and masked payload as sent
        }
        // The first frame's payload is not in its header's packet.
        QCOMPARE(r.frames[0].headerAt.packet, std::uint64_t(6));
        QCOMPARE(r.frames[0].payloadAt.packet, std::uint64_t(0));
        QCOMPARE(r.frames[1].headerAt.packet, std::uint64_t(7));
        QCOMPARE(r.frames[1].payloadAt.packet, std::uint64_t(8));
    }

    void resumesAtTheFrameBoundaryAfterAGapInsideAFrame() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        const Bytes big = clientFrame(2, Bytes(3000, 0x42));
        c.client(Bytes(big.begin(), big.begin() + 1000));
        const std::size_t lost = c.client(Bytes(big.begin() + 1000, big.begin() + 2000));
        c.client(concat({Bytes(big.begin() + 2000, big.end()), clientFrame(1, bytesOf("after"))}));
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i < c.packets.size(); ++i)
            if (i != lost)
                order.push_back(i);
        const DissectionRecorder r = dissect(c, order);
        QVERIFY(r.hasAnomaly("tcp-gap"));
        QVERIFY(r.hasAnomaly("desync-resynchronized"));
        QCOMPARE(r.messageLines(), Lines{"conn=1 client text after"});
    }

    void resynchronisesAfterAGapOfUnknownExtent() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        c.server(serverFrame(1, bytesOf("one")));
        const Bytes two = serverFrame(1, bytesOf("two is long enough to be cut"));
        c.server(Bytes(two.begin(), two.begin() + 1));  // lost: the header's first byte
        c.server(concat({Bytes(two.begin() + 1, two.end()), serverFrame(1, bytesOf("three")),
                         serverFrame(1, bytesOf("four"))}));
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i < c.packets.size(); ++i)
            if (i != 6)
                order.push_back(i);
        const DissectionRecorder r = dissect(c, order);
        QVERIFY(r.hasAnomaly("tcp-gap"));
        QVERIFY(r.hasAnomaly("desync-resynchronized"));
        QCOMPARE(r.messageLines(), (Lines{"conn=1 server text one", "conn=1 server text three",
                                          "conn=1 server text four"}));
    }

    // After a gap, a frame is only decoded once the frame after it confirms
    // the boundary, a packet later; its events still name the packet (and
    // the time) that carried it, as the GUI's byte view does.
    void namesThePacketThatCarriedAFrameDecodedAfterAResync() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        const Bytes two = serverFrame(1, bytesOf("two is long enough to be cut"));
        const std::size_t lost = c.server(Bytes(two.begin(), two.begin() + 1));
        const std::size_t carrier =
            c.server(concat({Bytes(two.begin() + 1, two.end()), serverFrame(1, bytesOf("three"))}));
        const std::size_t confirmer = c.server(serverFrame(1, bytesOf("four")));
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i < c.packets.size(); ++i)
            if (i != lost)
                order.push_back(i);
        const DissectionRecorder r = dissect(c, order);
        QCOMPARE(r.messageLines(), (Lines{"conn=1 server text three", "conn=1 server text four"}));
        const auto& three = r.messages[0];
        QCOMPARE(three.packet, std::uint64_t(carrier + 1));
        QCOMPARE(three.ts.seconds, std::int64_t(1700000000 + carrier));
        QCOMPARE(r.messages[1].packet, std::uint64_t(confirmer + 1));
        const auto frame = std::find_if(r.frames.begin(), r.frames.end(), [](const auto& f) {
            return f.header.payloadLength == 5;  // "three"
        });
        QVERIFY(frame != r.frames.end());
        QCOMPARE(frame->packet, std::uint64_t(carrier + 1));
        QCOMPARE(frame->ts.seconds, std::int64_t(1700000000 + carrier));
        // The anomaly is said where the resynchronization was confirmed.
        const auto resync = std::find_if(r.anomalies.begin(), r.anomalies.end(), [](const auto& a) {
            return a.kind == "desync-resynchronized";
        });
        QVERIFY(resync != r.anomalies.end());
        QCOMPARE(resync->packet, std::uint64_t(confirmer + 1));
    }

    // Wireshark keeps frame lengths in 32 bits and loses the stream after a
    // 2^32 + 5 byte frame. Here the payload is never captured (snaplen), but
    // the 64-bit length tells where the next frame starts.
    void keepsSixtyFourBitLengthsEndToEnd() {
        const std::uint64_t length = (1ull << 32) + 5;
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        Bytes header = fromHex("82ff");  // binary, masked, 64-bit length
        for (int i = 7; i >= 0; --i)
            header.push_back(std::uint8_t(length >> (8 * i)));
        const Bytes key = fromHex("01020304");
        c.client(concat({header, key}));
        std::uint64_t left = length;
        while (left > 5) {
            const std::uint32_t piece = std::uint32_t(std::min<std::uint64_t>(left - 5, 65000));
            c.clientCut(piece);
            left -= piece;
        }
        c.client(concat({fromHex("0102030405"), clientFrame(1, bytesOf("after the big one"))}));
        const DissectionRecorder r = dissect(c);
        QCOMPARE(r.frames.at(0).header.payloadLength, length);
        QCOMPARE(r.messageLines(), Lines{"conn=1 client text after the big one"});
        QVERIFY(r.hasAnomaly("snaplen-truncated"));
        QVERIFY(r.hasAnomaly("tcp-gap"));
    }

    void boundsOutOfOrderBytesAcrossAllFlows() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        const Bytes frame = clientFrame(2, Bytes(400, 7));
        const std::size_t head = c.client(Bytes(frame.begin(), frame.begin() + 100));
        const std::size_t tail = c.client(Bytes(frame.begin() + 100, frame.end()));
        c.client(clientFrame(1, bytesOf("next message")));
        c.client(clientFrame(1, bytesOf("and another")));
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i < c.packets.size(); ++i)
            if (i != head)
                order.push_back(i);
        DissectorOptions options;
        options.maxBufferedBytes = 200;  // the 306-byte tail alone is over it
        const DissectionRecorder r = dissect(c, order, options);
        QVERIFY(r.hasAnomaly("tcp-out-of-order-limit"));
        QVERIFY(r.hasAnomaly("tcp-gap"));
        QCOMPARE(r.messageLines(),
                 (Lines{"conn=1 client text next message", "conn=1 client text and another"}));
        Q_UNUSED(tail);
    }

    void forgetsFinishedConnectionsButFollowsAReusedPortPair() {
        Conversation first;
        first.handshakeTcp();
        first.client(bytesOf(request()));
        first.server(bytesOf(response()));
        first.client(clientFrame(1, bytesOf("one")));
        first.fin();
        first.client({});                                // a late ACK of the finished connection
        Conversation second(53422, 8765, 90000, 95000);  // same ports, new ISNs
        second.handshakeTcp();
        second.client(bytesOf(request()));
        second.server(bytesOf(response()));
        second.client(clientFrame(1, bytesOf("two")));
        Conversation both = first;
        both.packets.insert(both.packets.end(), second.packets.begin(), second.packets.end());
        const DissectionRecorder r = dissect(both);
        QCOMPARE(r.connections.size(), std::size_t(2));
        QCOMPARE(r.messageLines(), (Lines{"conn=1 client text one", "conn=2 client text two"}));
        QCOMPARE(r.ends.size(), std::size_t(2));
        QCOMPARE(r.ends[0].how, EndHow::Fin);
        QVERIFY2(r.anomalies.empty(), r.anomalies.empty() ? "" : r.anomalies[0].kind.c_str());
    }

    void recognisesAStreamWithoutItsHandshake() {
        Conversation c(50000, 7777);
        // No SYN and no handshake: the capture starts mid-connection.
        c.client(concat({clientFrame(1, bytesOf("a")), clientFrame(1, bytesOf("b"))}));
        c.server(serverFrame(1, bytesOf("c")));
        const DissectionRecorder r = dissect(c);
        QCOMPARE(r.connections.size(), std::size_t(1));
        QCOMPARE(r.connections[0].client.port, std::uint16_t(50000));
        QVERIFY(r.hasAnomaly("handshake-not-seen"));
        QVERIFY(r.hasAnomaly("mid-stream"));
        QCOMPARE(r.messageLines(),
                 (Lines{"conn=1 client text a", "conn=1 client text b", "conn=1 server text c"}));
    }

    void neverTakesHttpForFrames() {
        Conversation c(50001, 80);
        c.client(bytesOf("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"));
        c.server(bytesOf("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        const DissectionRecorder r = dissect(c);
        QVERIFY(r.connections.empty());
        QVERIFY(r.messages.empty());
    }

    void decodesAForcedPortAndStatesUnknownCompression() {
        Conversation c(50002, 9999);
        c.client(clientFrame(1, fromHex("f248cdc9c90700"), true, 4));
        DissectorOptions options;
        options.wsPorts = {9999};
        const DissectionRecorder r = dissect(c, {}, options);
        QCOMPARE(r.connections.size(), std::size_t(1));
        QVERIFY(r.hasAnomaly("handshake-not-seen"));
        QVERIFY(r.hasAnomaly("compression-unknown"));
        QVERIFY(!r.hasAnomaly("reserved-bit-set"));
        QCOMPARE(r.messages.size(), std::size_t(1));
        QVERIFY(r.messages[0].compressed);
        QCOMPARE(toHex(r.messages[0].payload), std::string("f248cdc9c90700"));
    }

    // A fragmented datagram whose rest never comes: when a packet 30 s later
    // moves capture time on, an ip-fragment anomaly outside any connection
    // says it timed out (PacketDecoderLimits::fragmentTimeoutSeconds).
    void reportsAnIpDatagramThatTimedOut() {
        TcpPacketSpec spec;
        spec.srcIp = "10.0.0.1";
        spec.dstIp = "10.0.0.2";
        spec.payload = bytesOf("0123456789abcdefghijklmnopqrstuvwxyzABCD");
        const auto fragments = ipFragments(spec, 24);
        DissectionRecorder r;
        Dissector dissector({}, r);
        const std::vector<std::pair<Bytes, std::int64_t>> packets = {
            {ethernetFrame(fragments[0]), 0},
            {ethernetFrame(fragments[1]), 29},
            {ethernetFrame(ipTcp(spec)), 30}};
        std::uint64_t number = 0;
        for (const auto& [frame, second] : packets) {
            RawPacket p;
            p.number = ++number;
            p.ts = {1700000000 + second, 0};
            p.linkType = 1;
            p.data = frame;
            p.capturedLength = p.originalLength = std::uint32_t(frame.size());
            dissector.packet(p);
        }
        dissector.finish();
        QCOMPARE(r.anomalyKinds(), std::vector<std::string>{"ip-fragment"});
        const AnomalyEvent& a = r.anomalies[0];
        QCOMPARE(a.conn, 0u);
        QCOMPARE(a.packet, std::uint64_t(3));
        QCOMPARE(a.detail, std::string("IPv4 datagram 10.0.0.1 -> 10.0.0.2 id 0x1234: timed out "
                                       "after 30 s with 48 bytes received (last fragment not "
                                       "seen); datagram dropped"));
        QCOMPARE(a.rfc, std::string("RFC 791 §3.2"));
    }

    void notesProtocolViolationsAndGoesOn() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        c.client(serverFrame(1, bytesOf("unmasked")));  // client frame without mask
        c.server(clientFrame(1, bytesOf("masked")));    // server frame with mask
        c.client(clientFrame(1, fromHex("ff")));
        c.client(clientFrame(8, fromHex("03ed")));
        const DissectionRecorder r = dissect(c);
        for (const char* kind :
             {"unmasked-client-frame", "masked-server-frame", "invalid-utf8", "invalid-close-code"})
            QVERIFY2(r.hasAnomaly(kind), kind);
        QCOMPARE(r.messages.size(), std::size_t(4));
        for (const auto& a : r.anomalies)
            QVERIFY(!a.rfc.empty());
    }

    // Inflation output of every size, in one connection with context
    // takeover: a message that inflates a thousandfold (its output grows in
    // doubling steps up to 1 MiB), small ones after it, and one spread over
    // many segments. Each must come out exactly as it went in.
    void inflatesMessagesOfEverySize() {
        MessageDeflater deflater(15, false);
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request("Sec-WebSocket-Extensions: permessage-deflate\r\n")));
        c.server(bytesOf(response("Sec-WebSocket-Extensions: permessage-deflate\r\n")));
        std::string spread;
        for (int i = 0; spread.size() < 200000; ++i)
            spread += std::to_string(i * 7919 % 100003) + (i % 13 == 0 ? "\n" : " ");
        const std::vector<std::string> texts = {std::string(3u << 20, 'z'),     "after", "",
                                                std::string(5000, 'y') + "end", spread,  "last"};
        Lines expected;
        for (const std::string& text : texts) {
            Bytes compressed;
            deflater.compress(bytesOf(text), compressed);
            const Bytes frame = serverFrame(1, compressed, true, 4);
            for (std::size_t at = 0; at < frame.size(); at += 1400)
                c.server(Bytes(frame.begin() + std::ptrdiff_t(at),
                               frame.begin() + std::ptrdiff_t(std::min(frame.size(), at + 1400))));
            expected.push_back("conn=1 server text " + text);
        }
        const DissectionRecorder r = dissect(c);
        QVERIFY(r.handshakes.at(0).deflate);
        QCOMPARE(r.messages.size(), texts.size());
        for (std::size_t i = 0; i < texts.size(); ++i) {
            QVERIFY(r.messages[i].compressed);
            QCOMPARE(r.messages[i].length, std::uint64_t(texts[i].size()));
        }
        QVERIFY(r.messageLines() == expected);
        QVERIFY2(r.anomalies.empty(), r.anomalies.empty() ? "" : r.anomalies[0].detail.c_str());
    }
};

QTEST_APPLESS_MAIN(TestDissector)
#include "tst_dissector.moc"
