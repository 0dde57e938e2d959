// The conversation writer: captures made up from the bytes each side sent.
// Our Dissector reads back every message exactly (direction, opcode, payload,
// time) with no anomaly; an independent reading of the packets (libpcap and
// the checks below, sharing no code with the writer) finds the handshake,
// every sequence and acknowledgement number, segment sizes, checksums and the
// FIN / RST at the end; the same calls write the same bytes; and Debian's
// tshark reads the file without a warning and finds the same messages.
// IPv4 and IPv6.
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/conversation_writer.h>
#include <sockscope/dissector/dissector.h>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <array>
#include <map>
#include <string>
#include <vector>

#include "dissection_recorder.h"
#include "tshark_messages.h"

using namespace sockscope;
using namespace sockscope::dissector;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint16_t kServerPort = 8765;

Bytes bytesOf(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

SocketAddress address(const char* text, std::uint16_t port) {
    SocketAddress a;
    a.v6 = std::string_view(text).find(':') != std::string_view::npos;
    inet_pton(a.v6 ? AF_INET6 : AF_INET, text, a.ip.data());
    a.port = port;
    return a;
}

Timestamp at(std::int64_t us) {
    return {1715682600 + us / 1000000, static_cast<std::uint32_t>(us % 1000000) * 1000};
}

// The RFC 6455 §1.3 example key and its accept value.
const std::string kRequest =
    "GET /chat HTTP/1.1\r\nHost: example.test:8765\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";
const std::string kResponse =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

struct Sent {
    std::uint32_t conn = 0;  // the dissector's id: 1, 2, ...
    Direction dir = Direction::Client;
    std::uint8_t opcode = 1;
    Bytes payload;
    Timestamp ts;
};

Bytes everyByte() {
    Bytes b(256);
    for (int i = 0; i < 256; ++i)
        b[std::size_t(i)] = std::uint8_t(i);
    return b;
}

Bytes large(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = std::uint8_t('a' + i % 26);
    return b;
}

// Two connections interleaved in time: the first closes with a FIN exchange
// started by the server, the second with a RST from the client.
struct Scenario {
    std::vector<Sent> sent;
    std::string error;
    // Per direction of each connection (index 2 * id + server): the stream bytes.
    std::map<int, Bytes> streams;
};

Scenario writeScenario(const std::string& path, bool v6, ConversationWriterOptions options = {}) {
    Scenario s;
    auto writer = ConversationWriter::create(path, s.error, options);
    if (!writer)
        return s;
    const SocketAddress server =
        v6 ? address("2001:db8::2", kServerPort) : address("198.51.100.2", kServerPort);
    const SocketAddress client1 = v6 ? address("2001:db8::1", 50000) : address("192.0.2.1", 50000);
    const SocketAddress client2 = v6 ? address("2001:db8::1", 50001) : address("192.0.2.1", 50001);
    const auto send = [&](std::uint32_t id, Direction dir, const std::string& text, Timestamp ts) {
        const Bytes b = bytesOf(text);
        s.streams[int(2 * id + (dir == Direction::Server))].insert(
            s.streams[int(2 * id + (dir == Direction::Server))].end(), b.begin(), b.end());
        return writer->send(id, dir, b, ts);
    };
    const auto frame = [&](std::uint32_t id, Direction dir, std::uint8_t opcode, const Bytes& p,
                           Timestamp ts) {
        s.sent.push_back({id + 1, dir, opcode, p, ts});
        return writer->sendFrame(id, dir, opcode, p, ts);
    };
    const auto a = writer->open(client1, server, at(0));
    const auto b = writer->open(client2, server, at(10));
    if (!a || !b || *a != 0 || *b != 1) {
        s.error = "open: " + writer->error();
        return s;
    }
    bool ok = send(0, Direction::Client, kRequest, at(100)) &&
              send(1, Direction::Client, kRequest, at(110)) &&
              send(0, Direction::Server, kResponse, at(200)) &&
              send(1, Direction::Server, kResponse, at(210)) &&
              frame(0, Direction::Client, 1, bytesOf("Grüße, 世界 🎉"), at(1000)) &&
              frame(1, Direction::Client, 2, everyByte(), at(1001)) &&
              frame(0, Direction::Server, 1, {}, at(1002)) &&
              frame(0, Direction::Client, 2, large(70 * 1024), at(2000)) &&
              frame(1, Direction::Server, 1, large(70 * 1024 + 1), at(2500)) &&
              frame(0, Direction::Server, 2, {}, at(3000)) &&
              writer->close(0, Direction::Server, at(4000)) &&
              frame(1, Direction::Client, 1, bytesOf("last"), at(4100)) &&
              writer->close(1, Direction::Client, at(5000), true);
    if (!ok || !writer->finish())
        s.error = writer->error();
    return s;
}

// --- an independent reading of the packets ---

struct Packet {
    Timestamp ts;
    Bytes data;
};

std::vector<Packet> readPackets(const std::string& path, std::string& error) {
    std::vector<Packet> packets;
    std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                        errbuf.data());
    if (p == nullptr) {
        error = errbuf.data();
        return packets;
    }
    pcap_pkthdr* header = nullptr;
    const u_char* bytes = nullptr;
    while (pcap_next_ex(p, &header, &bytes) == 1)
        packets.push_back({{header->ts.tv_sec, std::uint32_t(header->ts.tv_usec)},
                           Bytes(bytes, bytes + header->caplen)});
    pcap_close(p);
    return packets;
}

std::uint16_t be16(const Bytes& b, std::size_t at) {
    return std::uint16_t(b[at] << 8 | b[at + 1]);
}
std::uint32_t be32(const Bytes& b, std::size_t at) {
    return std::uint32_t(be16(b, at)) << 16 | be16(b, at + 2);
}

// The one's complement sum over `n` bytes from `at`, folded: 0xFFFF when a
// checksum inside them is right.
std::uint32_t onesSum(const Bytes& b, std::size_t at, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i < n; i += 2)
        sum += std::uint32_t(b[at + i] << 8 | (i + 1 < n ? b[at + i + 1] : 0));
    return sum;
}
std::uint16_t folded(std::uint32_t sum) {
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return std::uint16_t(sum);
}

struct Tcp {
    int srcPort = 0;
    int dstPort = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::optional<int> mss;
    Bytes payload;
};

// Ethernet + IPv4/IPv6 + TCP with both checksums checked; an empty error when all is well.
Tcp parse(const Bytes& d, bool v6, std::string& error) {
    Tcp t;
    if (be16(d, 12) != (v6 ? 0x86DD : 0x0800)) {
        error = "wrong EtherType";
        return t;
    }
    const std::size_t ip = 14;
    std::size_t tcp = 0;
    std::size_t tcpLength = 0;
    std::uint32_t pseudo = 0;
    if (v6) {
        tcp = ip + 40;
        tcpLength = be16(d, ip + 4);
        if (d[ip + 6] != 6 || tcp + tcpLength != d.size())
            error = "wrong IPv6 next header or payload length";
        pseudo = onesSum(d, ip + 8, 32) + 6 + std::uint32_t(tcpLength);
    } else {
        if (d[ip] != 0x45 || d[ip + 9] != 6 || ip + be16(d, ip + 2) != d.size())
            error = "wrong IPv4 version, header length, protocol or total length";
        if (folded(onesSum(d, ip, 20)) != 0xFFFF)
            error = "bad IPv4 header checksum";
        tcp = ip + 20;
        tcpLength = d.size() - tcp;
        pseudo = onesSum(d, ip + 12, 8) + 6 + std::uint32_t(tcpLength);
    }
    if (folded(onesSum(d, tcp, tcpLength, pseudo)) != 0xFFFF)
        error = "bad TCP checksum";
    t.srcPort = be16(d, tcp);
    t.dstPort = be16(d, tcp + 2);
    t.seq = be32(d, tcp + 4);
    t.ack = be32(d, tcp + 8);
    const std::size_t headerLength = (d[tcp + 12] >> 4) * 4;
    t.flags = d[tcp + 13];
    if (headerLength == 24 && d[tcp + 20] == 2 && d[tcp + 21] == 4)
        t.mss = be16(d, tcp + 22);
    t.payload.assign(d.begin() + std::ptrdiff_t(tcp + headerLength), d.end());
    return t;
}

// Dissects a capture with our Dissector.
std::string dissect(const std::string& path, DissectionRecorder& recorder) {
    std::string error;
    auto reader = CaptureReader::open(path, error);
    if (!reader)
        return error;
    Dissector d({}, recorder);
    while (auto p = reader->next())
        d.packet(*p);
    d.finish();
    return reader->error();
}

// tshark's expert infos of warning severity and above, one line per packet
// ("178\tConnection reset (RST)"), then anything it said on stderr.
QStringList tsharkWarnings(const QString& path) {
    QProcess tshark;
    tshark.start(tsharkPath(),
                 {u"-r"_s, path, u"-o"_s, u"ip.check_checksum:TRUE"_s, u"-o"_s,
                  u"tcp.check_checksum:TRUE"_s, u"-d"_s, u"tcp.port==%1,http"_s.arg(kServerPort),
                  u"-Y"_s, u"_ws.expert.severity >= 0x00600000"_s, u"-T"_s, u"fields"_s, u"-e"_s,
                  u"frame.number"_s, u"-e"_s, u"_ws.expert.message"_s});
    if (!tshark.waitForFinished(60000)) {
        tshark.kill();
        tshark.waitForFinished(3000);
        return {u"tshark did not finish within a minute"_s};
    }
    QStringList lines =
        QString::fromUtf8(tshark.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
    for (const QString& line :
         QString::fromUtf8(tshark.readAllStandardError()).split(u'\n', Qt::SkipEmptyParts)) {
        if (!line.startsWith(u"Running as user"_s))  // tshark's note when run as root (CI)
            lines << line;
    }
    return lines;
}

}  // namespace

class TestConversationWriter : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString pathFor(const char* name) { return dir_.filePath(QString::fromLatin1(name)); }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void dissectorRecoversEveryMessage_data() {
        QTest::addColumn<bool>("v6");
        QTest::newRow("ipv4") << false;
        QTest::newRow("ipv6") << true;
    }
    void dissectorRecoversEveryMessage() {
        QFETCH(bool, v6);
        const std::string path = pathFor(v6 ? "dissect6.pcapng" : "dissect4.pcapng").toStdString();
        const Scenario s = writeScenario(path, v6);
        QVERIFY2(s.error.empty(), s.error.c_str());

        DissectionRecorder r;
        const std::string error = dissect(path, r);
        QVERIFY2(error.empty(), error.c_str());
        QVERIFY2(r.anomalies.empty(), r.anomalies.empty() ? "" : r.anomalies[0].detail.c_str());
        QCOMPARE(r.connections.size(), 2u);
        QCOMPARE(r.connections[0].client.toString(),
                 std::string(v6 ? "[2001:db8::1]:50000" : "192.0.2.1:50000"));
        QCOMPARE(r.connections[1].server.toString(),
                 std::string(v6 ? "[2001:db8::2]:8765" : "198.51.100.2:8765"));
        QCOMPARE(r.handshakes.size(), 2u);
        for (const auto& h : r.handshakes) {
            QCOMPARE(h.status, 101);
            QVERIFY(h.acceptOk);
            QCOMPARE(h.target, std::string("/chat"));
        }
        QCOMPARE(r.messages.size(), s.sent.size());
        for (std::size_t i = 0; i < s.sent.size(); ++i) {
            const MessageEvent& m = r.messages[i];
            const Sent& e = s.sent[i];
            QCOMPARE(m.conn, e.conn);
            QCOMPARE(m.dir, e.dir);
            QCOMPARE(m.opcode, e.opcode);
            QCOMPARE(m.payload, e.payload);
            QCOMPARE(m.ts, e.ts);
            QVERIFY(m.valid);
            QVERIFY(!m.compressed);
        }
        // Client frames masked, server frames not, every one a single frame with FIN.
        QCOMPARE(r.frames.size(), s.sent.size());
        for (const FrameEvent& f : r.frames) {
            QCOMPARE(f.header.masked, f.dir == Direction::Client);
            QVERIFY(f.header.fin);
            QVERIFY(!f.header.rsv1);
        }
        QCOMPARE(r.ends.size(), 2u);
        QCOMPARE(r.ends[0].conn, 1u);
        QCOMPARE(r.ends[0].how, EndHow::Fin);
        QCOMPARE(r.ends[0].ts, at(4000));
        QCOMPARE(r.ends[1].how, EndHow::Rst);
        QCOMPARE(r.ends[1].ts, at(5000));
    }

    // Read back independently: handshakes, numbers, sizes, checksums, flags, times.
    void packetsAreConsistentTcp_data() {
        QTest::addColumn<bool>("v6");
        QTest::addColumn<int>("mss");
        QTest::newRow("ipv4 mss 1460") << false << 1460;
        QTest::newRow("ipv6 mss 1460 (1440 over IPv6)") << true << 1460;
        QTest::newRow("ipv4 mss 536") << false << 536;
    }
    void packetsAreConsistentTcp() {
        QFETCH(bool, v6);
        QFETCH(int, mss);
        const std::string path = pathFor("tcp.pcapng").toStdString();
        ConversationWriterOptions options;
        options.mss = std::uint16_t(mss);
        // IPv6 segments are 20 bytes smaller: the same link MTU holds both.
        if (v6)
            mss -= 20;
        const Scenario s = writeScenario(path, v6, options);
        QVERIFY2(s.error.empty(), s.error.c_str());
        std::string error;
        const std::vector<Packet> packets = readPackets(path, error);
        QVERIFY2(error.empty(), error.c_str());

        // Per connection (client port) and side: the next sequence number expected.
        struct Flow {
            bool synSeen = false;
            std::uint32_t next = 0;
            Bytes stream;
            bool finished = false;
        };
        std::map<int, Flow> flows;  // key: 2 * (client port - 50000) + (from the server)
        std::map<int, int> resets;
        Timestamp last;
        std::size_t dataSegments = 0;
        for (std::size_t i = 0; i < packets.size(); ++i) {
            const Tcp t = parse(packets[i].data, v6, error);
            QVERIFY2(error.empty(),
                     qPrintable(u"packet %1: %2"_s.arg(i + 1).arg(QString::fromStdString(error))));
            const bool fromServer = t.srcPort == kServerPort;
            const int conn = (fromServer ? t.dstPort : t.srcPort) - 50000;
            QVERIFY(conn == 0 || conn == 1);
            Flow& self = flows[2 * conn + fromServer];
            Flow& peer = flows[2 * conn + !fromServer];
            // After its FIN a side only acknowledges.
            QVERIFY2(!self.finished || (t.payload.empty() && t.flags == 0x10),
                     "a segment after FIN");
            QVERIFY(last.seconds < packets[i].ts.seconds ||
                    (last.seconds == packets[i].ts.seconds &&
                     last.nanoseconds <= packets[i].ts.nanoseconds));
            last = packets[i].ts;
            if (t.flags & 0x02) {  // SYN
                QVERIFY(!self.synSeen);
                QVERIFY(t.mss && *t.mss == mss);
                QCOMPARE(bool(t.flags & 0x10), fromServer);  // the SYN-ACK acknowledges
                if (fromServer)
                    QCOMPARE(t.ack, peer.next);
                self.synSeen = true;
                self.next = t.seq + 1;
                continue;
            }
            QVERIFY(self.synSeen && peer.synSeen);
            QCOMPARE(t.seq, self.next);
            QVERIFY(t.flags & 0x10);     // everything after the SYN acknowledges
            QCOMPARE(t.ack, peer.next);  // all the peer sent so far
            QVERIFY(!t.mss);
            QVERIFY(int(t.payload.size()) <= mss);
            if (!t.payload.empty())
                ++dataSegments;
            self.stream.insert(self.stream.end(), t.payload.begin(), t.payload.end());
            self.next += std::uint32_t(t.payload.size()) + ((t.flags & 0x01) ? 1 : 0);
            if (t.flags & 0x04)
                ++resets[conn];
            if (t.flags & 0x01)
                self.finished = true;
        }
        // The first connection ends with FIN both ways, the second with one RST.
        QVERIFY(flows[0].finished && flows[1].finished);
        QVERIFY(!flows[2].finished && !flows[3].finished);
        QCOMPARE(resets[0], 0);
        QCOMPARE(resets[1], 1);
        // The streams begin with the handshake, and hold every frame in order.
        for (int side = 0; side < 4; ++side) {
            const Bytes& stream = flows[side].stream;
            const Bytes& handshake = s.streams.at(side);
            QVERIFY(stream.size() > handshake.size());
            QVERIFY(std::equal(handshake.begin(), handshake.end(), stream.begin()));
        }
        // The 70 KiB frames need ceil(size / mss) segments each.
        QVERIFY(dataSegments >= 2 * ((70u * 1024 + mss - 1) / mss));
    }

    void sameCallsWriteTheSameBytes() {
        const QString a = pathFor("a.pcapng"), b = pathFor("b.pcapng"), c = pathFor("c.pcapng");
        QVERIFY(writeScenario(a.toStdString(), false).error.empty());
        QVERIFY(writeScenario(b.toStdString(), false).error.empty());
        ConversationWriterOptions other;
        other.seed = 7;
        QVERIFY(writeScenario(c.toStdString(), false, other).error.empty());
        QFile fa(a), fb(b), fc(c);
        QVERIFY(fa.open(QIODevice::ReadOnly) && fb.open(QIODevice::ReadOnly) &&
                fc.open(QIODevice::ReadOnly));
        const QByteArray bytesA = fa.readAll();
        QCOMPARE(bytesA, fb.readAll());
        // Another seed: other sequence numbers and mask keys, the same size.
        const QByteArray bytesC = fc.readAll();
        QVERIFY(bytesA != bytesC);
        QCOMPARE(bytesA.size(), bytesC.size());
    }

    void refusesWhatCannotBeWritten() {
        std::string error;
        auto writer = ConversationWriter::create(pathFor("bad.pcapng").toStdString(), error);
        QVERIFY2(writer, error.c_str());
        QVERIFY(!writer->open(address("192.0.2.1", 50000), address("2001:db8::2", 80), at(0)));
        QCOMPARE(writer->error(),
                 std::string("connection 192.0.2.1:50000 -> [2001:db8::2]:80: the client and the "
                             "server must both be IPv4 or both IPv6"));

        writer = ConversationWriter::create(pathFor("bad.pcapng").toStdString(), error);
        QVERIFY(!writer->send(0, Direction::Client, bytesOf("x"), at(0)));
        QCOMPARE(writer->error(), std::string("cannot send on connection 0: there is no such "
                                              "connection"));
        writer = ConversationWriter::create(pathFor("bad.pcapng").toStdString(), error);
        const auto id = writer->open(address("192.0.2.1", 50000), address("192.0.2.2", 80), at(0));
        QVERIFY(id && *id == 0);
        QVERIFY(writer->close(*id, Direction::Client, at(1)));
        QVERIFY(!writer->sendFrame(*id, Direction::Client, 1, bytesOf("x"), at(2)));
        QCOMPARE(writer->error(), std::string("cannot send on connection 0: it was closed"));

        QVERIFY(!ConversationWriter::create(pathFor("no/such/dir/x.pcapng").toStdString(), error));
        QVERIFY2(error.find("cannot create") == 0, error.c_str());
    }

    // Debian's tshark as the reference: no expert warning (checksums checked),
    // and the same WebSocket messages.
    void tsharkAgrees_data() {
        QTest::addColumn<bool>("v6");
        QTest::newRow("ipv4") << false;
        QTest::newRow("ipv6") << true;
    }
    void tsharkAgrees() {
        QFETCH(bool, v6);
        if (!QFile::exists(tsharkPath()))
            QSKIP("/usr/bin/tshark is not installed (apt-get install tshark)");
        const QString path = pathFor(v6 ? "tshark6.pcapng" : "tshark4.pcapng");
        const Scenario s = writeScenario(path.toStdString(), v6);
        QVERIFY2(s.error.empty(), s.error.c_str());

        // The one warning is the RST that ends the second connection, in the last packet.
        std::string error;
        const auto packets = readPackets(path.toStdString(), error);
        QCOMPARE(tsharkWarnings(path),
                 QStringList{u"%1\tConnection reset (RST)"_s.arg(packets.size())});

        QString why;
        const auto theirs = tsharkMessages(path, kServerPort, why);
        QVERIFY2(theirs, qPrintable(why));
        QCOMPARE(theirs->size(), s.sent.size());
        for (std::size_t i = 0; i < s.sent.size(); ++i) {
            const TsharkMessage& t = (*theirs)[i];
            const Sent& e = s.sent[i];
            QCOMPARE(t.fromServer, e.dir == Direction::Server);
            QCOMPARE(t.opcode, int(e.opcode));
            QCOMPARE(t.frames, 1);
            QCOMPARE(t.masked, e.dir == Direction::Client);
            QVERIFY(!t.compressed);
            QCOMPARE(t.payload, QByteArray(reinterpret_cast<const char*>(e.payload.data()),
                                           qsizetype(e.payload.size())));
        }
    }
};

QTEST_GUILESS_MAIN(TestConversationWriter)
#include "tst_conversation_writer.moc"
