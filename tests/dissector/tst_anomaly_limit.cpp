// DissectorOptions::maxAnomaliesPerKind: a flood of one anomaly kind on one
// connection is cut to the limit, and one "anomalies-suppressed" anomaly with
// the exact count comes just before that connection's end (or at the end of
// the capture); other kinds and other connections count on their own, 0
// passes everything, and the limiter forgets a connection when it ends.
#include <sockscope/dissector/dissector.h>

#include <QTest>

#include <algorithm>

#include "../../dissector/src/anomaly_limiter.h"
#include "dissection_recorder.h"
#include "pcap_builder.h"
#include "raw_packet.h"
#include "websocket_conversation.h"
#include "wire.h"

using namespace sockscope;
using namespace sockscope::dissector;
using namespace sockscope::test;

namespace {

// Keeps every event (DissectionRecorder) and their order as short lines:
// "connection 1", "anomaly 1 unmasked-client-frame", "end 1".
class OrderRecorder : public DissectionRecorder {
public:
    std::vector<std::string> order;

    void onConnection(const ConnectionEvent& e) override {
        order.push_back("connection " + std::to_string(e.conn));
        DissectionRecorder::onConnection(e);
    }
    void onAnomaly(const AnomalyEvent& e) override {
        order.push_back("anomaly " + std::to_string(e.conn) + " " + e.kind);
        DissectionRecorder::onAnomaly(e);
    }
    void onEnd(const EndEvent& e) override {
        order.push_back("end " + std::to_string(e.conn));
        DissectionRecorder::onEnd(e);
    }

    std::size_t count(const std::string& kind, std::uint32_t conn) const {
        return std::size_t(std::count_if(anomalies.begin(), anomalies.end(), [&](const auto& a) {
            return a.kind == kind && a.conn == conn;
        }));
    }
    std::vector<AnomalyEvent> suppressed() const {
        std::vector<AnomalyEvent> out;
        for (const AnomalyEvent& a : anomalies)
            if (a.kind == "anomalies-suppressed")
                out.push_back(a);
        return out;
    }
    // Where a line first appears in `order` (order.size() when it does not).
    std::size_t position(const std::string& line) const {
        return std::size_t(std::find(order.begin(), order.end(), line) - order.begin());
    }
};

// Ethernet packets numbered from 1, one second apart.
void dissect(const std::vector<Bytes>& packets, std::uint64_t limit, OrderRecorder& recorder) {
    DissectorOptions options;
    options.maxAnomaliesPerKind = limit;
    Dissector dissector(options, recorder);
    for (std::size_t i = 0; i < packets.size(); ++i)
        dissector.packet(ethernetPacket(packets[i], i));
    dissector.finish();
}

// An upgraded connection whose client sends `unmasked` unmasked text frames
// (one unmasked-client-frame anomaly each), ten to a segment, then
// `reserved` masked frames with the reserved opcode 3.
Conversation flood(std::uint16_t clientPort, int unmasked, int reserved = 0) {
    Conversation c(clientPort);
    c.handshakeTcp();
    c.client(bytesOf(request()));
    c.server(bytesOf(response()));
    for (int sent = 0; sent < unmasked; sent += 10) {
        Bytes segment;
        for (int i = sent; i < std::min(unmasked, sent + 10); ++i)
            pcapbytes::append(segment, serverFrame(1, bytesOf("x")));
        c.client(segment);
    }
    for (int i = 0; i < reserved; ++i)
        c.client(clientFrame(3, bytesOf("r")));
    return c;
}

AnomalyEvent anomalyOf(std::uint32_t conn, const char* kind,
                       std::optional<Direction> dir = std::nullopt) {
    AnomalyEvent e;
    e.conn = conn;
    e.dir = dir;
    e.kind = kind;
    return e;
}

std::vector<Bytes> concatPackets(std::initializer_list<std::vector<Bytes>> parts) {
    std::vector<Bytes> out;
    for (const auto& part : parts)
        out.insert(out.end(), part.begin(), part.end());
    return out;
}

}  // namespace

class TestAnomalyLimit : public QObject {
    Q_OBJECT
private slots:
    void cutsAFloodToTheLimitAndSumsUpTheRest() {
        Conversation c = flood(53422, 500, 3);
        c.fin();
        OrderRecorder r;
        dissect(c.packets, 100, r);

        QCOMPARE(r.count("unmasked-client-frame", 1), std::size_t(100));
        QCOMPARE(r.count("reserved-opcode", 1), std::size_t(3));  // under the limit: all of them
        const std::vector<AnomalyEvent> summaries = r.suppressed();
        QCOMPARE(summaries.size(), std::size_t(1));
        const AnomalyEvent& s = summaries[0];
        QCOMPARE(s.conn, 1u);
        QCOMPARE(s.detail, std::string("400 more unmasked-client-frame anomalies on this "
                                       "connection were not reported (limit 100 per kind)"));
        QCOMPARE(s.rfc, std::string());
        QCOMPARE(s.dir, std::optional(Direction::Client));
        // It points at the last anomaly held back: the flood's last segment.
        const std::uint64_t lastFloodPacket = 5 + 50;
        QCOMPARE(s.packet, lastFloodPacket);
        QCOMPARE(s.ts, (Timestamp{1700000000 + std::int64_t(lastFloodPacket) - 1, 0}));
        // The summary comes right before the connection's end, which is last.
        QCOMPARE(r.order.back(), std::string("end 1"));
        QCOMPARE(r.order[r.order.size() - 2], std::string("anomaly 1 anomalies-suppressed"));
        // Only anomalies are held back: every frame is still reported.
        QCOMPARE(r.frames.size(), std::size_t(500 + 3));
        QCOMPARE(r.messages.size(), std::size_t(500));
    }

    void limitZeroReportsEveryAnomaly() {
        const Conversation c = flood(53422, 500);
        OrderRecorder r;
        dissect(c.packets, 0, r);
        QCOMPARE(r.count("unmasked-client-frame", 1), std::size_t(500));
        QVERIFY(r.suppressed().empty());
    }

    void countsEachConnectionOnItsOwn() {
        Conversation first = flood(53422, 150);
        first.fin();
        const Conversation second = flood(53423, 120);  // still open at the capture's end
        OrderRecorder r;
        dissect(concatPackets({first.packets, second.packets}), 100, r);

        QCOMPARE(r.count("unmasked-client-frame", 1), std::size_t(100));
        QCOMPARE(r.count("unmasked-client-frame", 2), std::size_t(100));
        const std::vector<AnomalyEvent> summaries = r.suppressed();
        QCOMPARE(summaries.size(), std::size_t(2));
        QCOMPARE(summaries[0].conn, 1u);
        QVERIFY(summaries[0].detail.starts_with("50 more unmasked-client-frame anomalies"));
        QCOMPARE(summaries[1].conn, 2u);
        QVERIFY(summaries[1].detail.starts_with("20 more unmasked-client-frame anomalies"));
        // The first connection's summary when it ends (FIN), before the second
        // connection starts; the second's at the capture's end, before its end.
        QVERIFY(r.position("anomaly 1 anomalies-suppressed") + 1 == r.position("end 1"));
        QVERIFY(r.position("end 1") < r.position("connection 2"));
        QCOMPARE(r.order.back(), std::string("end 2"));
        QCOMPARE(r.order[r.order.size() - 2], std::string("anomaly 2 anomalies-suppressed"));
    }

    void sumsUpAnomaliesOutsideConnectionsAtTheEnd() {
        // IPv4 packets whose TCP header is cut short: malformed-packet, conn 0.
        const IpAddress a = IpAddress::parse("10.0.0.1"), b = IpAddress::parse("10.0.0.2");
        std::vector<Bytes> packets;
        for (int i = 0; i < 130; ++i)
            packets.push_back(ethernetFrame(ipv4Packet(a, b, 6, Bytes(8, 0))));
        OrderRecorder r;
        dissect(packets, 100, r);
        QCOMPARE(r.count("malformed-packet", 0), std::size_t(100));
        const std::vector<AnomalyEvent> summaries = r.suppressed();
        QCOMPARE(summaries.size(), std::size_t(1));
        QCOMPARE(summaries[0].conn, 0u);
        QVERIFY(!summaries[0].dir);
        QCOMPARE(summaries[0].packet, std::uint64_t(130));
        QCOMPARE(summaries[0].detail,
                 std::string("30 more malformed-packet anomalies outside any connection were not "
                             "reported (limit 100 per kind)"));
        QCOMPARE(r.order.back(), std::string("anomaly 0 anomalies-suppressed"));
    }

    // The limiter's memory: one entry per (open connection, kind), dropped
    // with the connection's end, so a capture of many bad connections stays small.
    void forgetsAConnectionWhenItEnds() {
        OrderRecorder r;
        detail::AnomalyLimiter limiter(r, 2);
        for (std::uint32_t conn = 1; conn <= 1000; ++conn) {
            for (const char* kind : {"a", "b", "c"})
                for (int i = 0; i < 5; ++i)
                    limiter.onAnomaly(anomalyOf(conn, kind));
            QCOMPARE(limiter.trackedCount(), std::size_t(3));
            limiter.onEnd(EndEvent{conn, {}, EndHow::Fin});
            QCOMPARE(limiter.trackedCount(), std::size_t(0));
        }
        QCOMPARE(r.anomalies.size(), std::size_t(1000 * 3 * (2 + 1)));
        QCOMPARE(r.ends.size(), std::size_t(1000));
        // Directions: a summary keeps one only when every suppressed anomaly had it.
        limiter.onAnomaly(anomalyOf(7, "d", Direction::Server));
        limiter.onAnomaly(anomalyOf(7, "d", Direction::Server));
        limiter.onAnomaly(anomalyOf(7, "d", Direction::Server));
        limiter.onAnomaly(anomalyOf(7, "e", Direction::Client));
        limiter.onAnomaly(anomalyOf(7, "e", Direction::Client));
        limiter.onAnomaly(anomalyOf(7, "e", Direction::Client));
        limiter.onAnomaly(anomalyOf(7, "e", Direction::Server));
        limiter.finish();
        QCOMPARE(limiter.trackedCount(), std::size_t(0));
        const std::vector<AnomalyEvent> summaries = r.suppressed();
        QCOMPARE(summaries.size(), std::size_t(1000 * 3 + 2));
        QCOMPARE(summaries[summaries.size() - 2].dir, std::optional(Direction::Server));
        QVERIFY(!summaries.back().dir);
        QVERIFY(summaries.back().detail.starts_with("2 more e anomalies on this connection"));
    }
};

QTEST_APPLESS_MAIN(TestAnomalyLimit)
#include "tst_anomaly_limit.moc"
