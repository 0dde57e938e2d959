// CaptureReader: pcap (µs and ns) and pcapng files read through libpcap,
// 1-based packet numbers, nanosecond timestamps, and one clear line for every
// input that cannot be read.

#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/packet_decoder.h>

#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

#include "pcap_builder.h"

using namespace sockscope::dissector;
using namespace sockscope::test;

namespace {

struct Read {
    std::vector<RawPacket> packets;
    std::vector<Bytes> data;  // copies: RawPacket::data dies with the next packet
    std::string error;
};

Read readAll(CaptureReader& reader) {
    Read r;
    while (auto p = reader.next()) {
        r.data.emplace_back(p->data.begin(), p->data.end());
        r.packets.push_back(*p);
    }
    r.error = reader.error();
    return r;
}

Bytes frameOf(std::uint16_t srcPort, std::size_t payload) {
    TcpPacketSpec s;
    s.srcPort = srcPort;
    s.dstPort = 8765;
    s.seq = 1000;
    s.payload = Bytes(payload, 0x61);
    return ethernetIpTcp(s);
}

// Three packets: 54, 60 and 70 bytes, with distinct timestamps.
PcapBuilder threePackets() {
    PcapBuilder b;
    b.add(frameOf(1, 0), 1700000000, 123456789);
    b.add(frameOf(2, 6), 1700000001, 5000);
    b.add(frameOf(3, 16), 1700000002, 999999999);
    return b;
}

Bytes cut(Bytes bytes, std::size_t dropAtEnd) {
    bytes.resize(bytes.size() - dropAtEnd);
    return bytes;
}

}  // namespace

class TestCaptureReader : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

    std::string write(const char* name, const Bytes& bytes) {
        const std::string path = dir_.filePath(QString::fromLatin1(name)).toStdString();
        PcapBuilder::write(path, bytes);
        return path;
    }

private slots:
    void readsEveryPacketInOrder_data() {
        QTest::addColumn<int>("format");  // 0 pcap ns, 1 pcap µs, 2 pcapng
        QTest::addColumn<bool>("nanoseconds");
        QTest::newRow("pcap with nanosecond timestamps") << 0 << true;
        QTest::newRow("pcap with microsecond timestamps") << 1 << false;
        QTest::newRow("pcapng with if_tsresol 9") << 2 << true;
    }
    void readsEveryPacketInOrder() {
        QFETCH(int, format);
        QFETCH(bool, nanoseconds);
        const PcapBuilder b = threePackets();
        const Bytes file = format == 2 ? b.pcapngBytes() : b.bytes(format == 0);
        std::string error = "stale";
        auto reader = CaptureReader::open(write("packets.cap", file), error);
        QVERIFY2(reader, error.c_str());
        QVERIFY(error.empty());
        QCOMPARE(reader->linkType(), linktype::Ethernet);
        const Read r = readAll(*reader);
        QCOMPARE(r.error, std::string());
        QCOMPARE(r.packets.size(), std::size_t(3));
        const std::uint32_t nanos[] = {123456789, 5000, 999999999};
        for (std::size_t i = 0; i < 3; ++i) {
            const RawPacket& p = r.packets[i];
            QCOMPARE(p.number, i + 1);
            QCOMPARE(p.ts.seconds, std::int64_t(1700000000 + i));
            // Microsecond files keep whole microseconds, scaled to nanoseconds.
            QCOMPARE(p.ts.nanoseconds, nanoseconds ? nanos[i] : nanos[i] / 1000 * 1000);
            QCOMPARE(p.linkType, linktype::Ethernet);
            QCOMPARE(p.interfaceId, 0u);
            QCOMPARE(r.data[i], frameOf(std::uint16_t(i + 1), i == 0 ? 0 : i == 1 ? 6 : 16));
            QCOMPARE(p.capturedLength, std::uint32_t(r.data[i].size()));
            QCOMPARE(p.originalLength, p.capturedLength);
        }
    }

    void readsPcapngWithTwoInterfaces() {
        PcapBuilder b(linktype::Ethernet, 65535);
        const std::uint32_t second = b.addInterface(linktype::Ethernet, 65535);
        b.add(frameOf(1, 1), 10, 1, 0, 0);
        b.add(frameOf(2, 2), 10, 2, 0, second);
        b.add(frameOf(3, 3), 10, 3, 0, 0);
        std::string error;
        auto reader = CaptureReader::open(write("two.pcapng", b.pcapngBytes()), error);
        QVERIFY2(reader, error.c_str());
        const Read r = readAll(*reader);
        QCOMPARE(r.error, std::string());
        QCOMPARE(r.packets.size(), std::size_t(3));
        for (std::size_t i = 0; i < 3; ++i) {
            QCOMPARE(r.packets[i].number, i + 1);
            QCOMPARE(r.packets[i].ts.nanoseconds, std::uint32_t(i + 1));
            QCOMPARE(r.data[i], frameOf(std::uint16_t(i + 1), i + 1));
            // libpcap 1.10 does not expose the record's interface.
            QCOMPARE(r.packets[i].interfaceId, 0u);
        }
    }

    // libpcap 1.10 reads several interfaces only when they share link type
    // and snaplen; anything else stops with its reason, not a crash.
    void stopsAtInterfacesLibpcapCannotMerge_data() {
        QTest::addColumn<int>("linkType");
        QTest::addColumn<uint>("snaplen");
        QTest::addColumn<QString>("why");
        QTest::newRow("second interface is raw IP") << linktype::Raw << 65535u << "type 101";
        QTest::newRow("second interface has snaplen 128")
            << linktype::Ethernet << 128u << "snapshot length 128";
    }
    void stopsAtInterfacesLibpcapCannotMerge() {
        QFETCH(int, linkType);
        QFETCH(uint, snaplen);
        QFETCH(QString, why);
        PcapBuilder b(linktype::Ethernet, 65535);
        b.addInterface(linkType, snaplen);
        b.add(frameOf(1, 1), 10, 1);
        std::string error;
        auto reader = CaptureReader::open(write("mixed.pcapng", b.pcapngBytes()), error);
        QVERIFY2(reader, error.c_str());
        const Read r = readAll(*reader);
        QCOMPARE(r.packets.size(), std::size_t(0));
        const QString text = QString::fromStdString(r.error);
        QVERIFY2(text.startsWith(dir_.filePath("mixed.pcapng") + ": packet 1 cannot be read ("),
                 qPrintable(text));
        QVERIFY2(text.contains(why), qPrintable(text));
    }

    void reportsSnaplenCutRecords() {
        PcapBuilder b(linktype::Ethernet, 60);
        Bytes frame = frameOf(1, 40);
        const auto original = std::uint32_t(frame.size());
        frame.resize(60);
        b.add(frame, 1, 0, original);
        std::string error;
        auto reader = CaptureReader::open(write("snaplen.pcap", b.bytes()), error);
        QVERIFY2(reader, error.c_str());
        const auto p = reader->next();
        QVERIFY(p);
        QCOMPARE(p->capturedLength, 60u);
        QCOMPARE(p->originalLength, original);
        QCOMPARE(p->data.size(), std::size_t(60));
        QVERIFY(!reader->next());
        QCOMPARE(reader->error(), std::string());
    }

    void refusesUnreadableInput_data() {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("contents");  // "-": do not create the file
        QTest::addColumn<QString>("expected");     // {} = the path
        const auto pcap = threePackets().bytes();
        const auto ng = threePackets().pcapngBytes();
        auto bytes = [](const Bytes& b, std::size_t n) {
            return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(n));
        };
        QTest::newRow("missing file")
            << QByteArray("absent.pcap") << QByteArray("-") << "cannot open {}: no such file";
        QTest::newRow("text file")
            << QByteArray("notes.txt") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            << "{} is not a pcap or pcapng capture";
        QTest::newRow("empty file") << QByteArray("empty.pcap") << QByteArray()
                                    << "{} is empty: not a pcap or pcapng capture";
        QTest::newRow("pcap header cut at 10 of 24 bytes")
            << QByteArray("short.pcap") << bytes(pcap, 10) << "{}: truncated file header";
        QTest::newRow("pcapng section header cut at 20 bytes")
            << QByteArray("short.pcapng") << bytes(ng, 20) << "{}: truncated file header";
        QTest::newRow("magic only")
            << QByteArray("magic.pcap") << bytes(pcap, 4) << "{}: truncated file header";
    }
    void refusesUnreadableInput() {
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, contents);
        QFETCH(QString, expected);
        const QString path = dir_.filePath(QString::fromLatin1(name));
        if (contents != "-") {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(contents);
        }
        std::string error;
        auto reader = CaptureReader::open(path.toStdString(), error);
        QVERIFY(!reader);
        QCOMPARE(QString::fromStdString(error), QString(expected).replace("{}", path));
    }

    void refusesDirectory() {
        std::string error;
        QVERIFY(!CaptureReader::open(dir_.path().toStdString(), error));
        QCOMPARE(error, "cannot open " + dir_.path().toStdString() + ": is a directory");
    }

    // A record cut short at the end: the packets before it are delivered,
    // then error() names the packet.
    void stopsAtTruncatedLastRecord_data() {
        QTest::addColumn<bool>("pcapng");
        QTest::addColumn<int>("dropAtEnd");
        QTest::addColumn<QString>("why");
        QTest::newRow("pcap: packet data cut") << false << 5 << "tried to read 70 captured bytes";
        // 70 data bytes + 16 header bytes: leave 6 header bytes.
        QTest::newRow("pcap: record header cut") << false << 80 << "tried to read 16 header bytes";
        QTest::newRow("pcapng: block cut") << true << 9 << "truncated pcapng dump file";
    }
    void stopsAtTruncatedLastRecord() {
        QFETCH(bool, pcapng);
        QFETCH(int, dropAtEnd);
        QFETCH(QString, why);
        const PcapBuilder b = threePackets();
        const Bytes file = cut(pcapng ? b.pcapngBytes() : b.bytes(), std::size_t(dropAtEnd));
        std::string error;
        auto reader = CaptureReader::open(write("cut.cap", file), error);
        QVERIFY2(reader, error.c_str());
        const Read r = readAll(*reader);
        QCOMPARE(r.packets.size(), std::size_t(2));
        QCOMPARE(r.data[1], frameOf(2, 6));
        const QString text = QString::fromStdString(r.error);
        QVERIFY2(text.startsWith(dir_.filePath("cut.cap") + ": packet 3 is truncated ("),
                 qPrintable(text));
        QVERIFY2(text.contains(why), qPrintable(text));
        // Reading stays stopped.
        QVERIFY(!reader->next());
        QCOMPARE(reader->error(), r.error);
    }

    // What libpcap hands over decodes: it maps a file's LINKTYPE_ value to
    // the platform's DLT_ value (LINKTYPE_RAW 101 is DLT_RAW 12 on Linux).
    void decodesEveryLinkTypeReadFromAFile_data() {
        QTest::addColumn<int>("fileLinkType");
        QTest::addColumn<int>("expectedLinkType");
        QTest::addColumn<QString>("client");
        QTest::newRow("Ethernet IPv4") << linktype::Ethernet << 1 << "192.0.2.7";
        QTest::newRow("Linux SLL IPv6") << linktype::Sll << 113 << "2001:db8::7";
        QTest::newRow("Linux SLL2 IPv4") << linktype::Sll2 << 276 << "192.0.2.7";
        QTest::newRow("BSD NULL IPv6") << linktype::Null << 0 << "2001:db8::7";
        QTest::newRow("OpenBSD LOOP IPv4") << linktype::Loop << 108 << "192.0.2.7";
        QTest::newRow("LINKTYPE_RAW IPv6 reads as DLT_RAW 12")
            << linktype::Raw << 12 << "2001:db8::7";
        QTest::newRow("LINKTYPE_IPV4") << linktype::Ipv4 << 228 << "192.0.2.7";
        QTest::newRow("LINKTYPE_IPV6") << linktype::Ipv6 << 229 << "2001:db8::7";
    }
    void decodesEveryLinkTypeReadFromAFile() {
        QFETCH(int, fileLinkType);
        QFETCH(int, expectedLinkType);
        QFETCH(QString, client);
        TcpPacketSpec spec;
        spec.srcIp = client.toStdString();
        spec.dstIp = client.contains(u':') ? "2001:db8::1" : "192.0.2.1";
        spec.srcPort = 40000;
        spec.dstPort = 80;
        TcpConversation conversation(spec, 100, 900, fileLinkType);
        PcapBuilder b(fileLinkType);
        b.addAll(conversation.handshake());
        b.addAll({conversation.clientSends({'G', 'E', 'T'}), conversation.serverSends({'o', 'k'})});
        std::string error;
        auto reader = CaptureReader::open(write("link.pcap", b.bytes()), error);
        QVERIFY2(reader, error.c_str());
        QCOMPARE(reader->linkType(), expectedLinkType);
        PacketDecoder decoder;
        std::vector<std::string> seen;
        while (auto p = reader->next()) {
            QCOMPARE(p->linkType, expectedLinkType);
            const PacketDecode d = decoder.decode(*p);
            QCOMPARE(d.status, DecodeStatus::Tcp);
            seen.push_back(d.segment.source.toString() + " seq=" + std::to_string(d.segment.seq) +
                           " ack=" + std::to_string(d.segment.ack) +
                           " flags=" + std::to_string(d.segment.flags) + " " +
                           std::string(d.segment.payload.begin(), d.segment.payload.end()));
        }
        QCOMPARE(reader->error(), std::string());
        const std::string c = spec.dstIp == "192.0.2.1" ? client.toStdString() + ":40000"
                                                        : "[" + client.toStdString() + "]:40000";
        const std::string s = spec.dstIp == "192.0.2.1" ? "192.0.2.1:80" : "[2001:db8::1]:80";
        const std::vector<std::string> expected = {
            c + " seq=100 ack=0 flags=2 ",      s + " seq=900 ack=101 flags=18 ",
            c + " seq=101 ack=901 flags=16 ",   c + " seq=101 ack=901 flags=24 GET",
            s + " seq=901 ack=104 flags=24 ok",
        };
        QCOMPARE(seen, expected);
    }

    // A viewer maps the file and reads packets back from their record ends.
    void findsEachPacketsBytesInTheFile_data() {
        QTest::addColumn<int>("format");  // 0 pcap ns, 1 pcap µs, 2 pcapng
        QTest::newRow("pcap") << 0;
        QTest::newRow("pcap, microseconds") << 1;
        QTest::newRow("pcapng") << 2;
    }
    void findsEachPacketsBytesInTheFile() {
        QFETCH(int, format);
        PcapBuilder b = threePackets();
        b.add(frameOf(4, 1), 1700000003, 0);        // odd sizes: pcapng pads to 4 bytes
        b.add(frameOf(5, 2), 1700000004, 0, 1400);  // a snaplen cut
        const Bytes file = format == 2 ? b.pcapngBytes() : b.bytes(format == 0);
        std::string error;
        auto reader = CaptureReader::open(write("offsets.cap", file), error, {.recordEnds = true});
        QVERIFY2(reader, error.c_str());
        const CaptureFormat kind = format == 2 ? CaptureFormat::Pcapng : CaptureFormat::Pcap;
        QCOMPARE(reader->format(), kind);
        const Read r = readAll(*reader);
        QCOMPARE(r.packets.size(), std::size_t(5));
        for (std::size_t i = 0; i < r.packets.size(); ++i) {
            const RawPacket& p = r.packets[i];
            QVERIFY(p.recordEnd > 0);
            const auto at = packetDataOffset(file, kind, p.recordEnd, p.capturedLength);
            QVERIFY2(at, qPrintable(QStringLiteral("packet %1").arg(i + 1)));
            QCOMPARE(Bytes(file.begin() + std::ptrdiff_t(*at),
                           file.begin() + std::ptrdiff_t(*at + p.capturedLength)),
                     r.data[i]);
            // A wrong length or an offset inside another record is refused, not guessed.
            QVERIFY(!packetDataOffset(file, kind, p.recordEnd, p.capturedLength + 1));
            QVERIFY(!packetDataOffset(file, kind, p.recordEnd - 1, p.capturedLength));
        }
        QVERIFY(!packetDataOffset(file, kind, file.size() + 4, 10));
        QVERIFY(!packetDataOffset({}, kind, 100, 10));

        // Walking the records from the start (a viewer's sparse index) finds
        // the same packets, skipping the blocks that hold none.
        std::uint64_t from = 0;
        for (std::size_t i = 0; i < r.packets.size(); ++i) {
            const auto next = nextPacketRecord(file, kind, from);
            QVERIFY2(next, qPrintable(QStringLiteral("packet %1").arg(i + 1)));
            QCOMPARE(next->recordEnd, r.packets[i].recordEnd);
            QCOMPARE(next->capturedLength, r.packets[i].capturedLength);
            QCOMPARE(*packetDataOffset(file, kind, next->recordEnd, next->capturedLength),
                     next->dataOffset);
            from = next->recordEnd;
        }
        QVERIFY(!nextPacketRecord(file, kind, from));  // the end
        // A file cut inside the last record, or bytes that frame nothing, end the walk.
        const Bytes cut(file.begin(), file.end() - 3);
        QVERIFY(!nextPacketRecord(cut, kind, r.packets[3].recordEnd));
        QVERIFY(nextPacketRecord(cut, kind, r.packets[2].recordEnd));
        Bytes garbage = file;
        std::fill(garbage.begin() + std::ptrdiff_t(r.packets[0].recordEnd), garbage.end(), 0xFF);
        QVERIFY(!nextPacketRecord(garbage, kind, r.packets[0].recordEnd));
        QVERIFY(!nextPacketRecord({}, kind, 0));
    }

    void reportsNoRecordEndsUnlessAsked() {
        std::string error;
        auto reader = CaptureReader::open(write("plain.cap", threePackets().bytes()), error);
        QVERIFY2(reader, error.c_str());
        const Read r = readAll(*reader);
        QCOMPARE(r.packets.size(), std::size_t(3));
        for (const RawPacket& p : r.packets)
            QCOMPARE(p.recordEnd, std::uint64_t(0));
    }

    void readsStandardInput() {
        // "-" reads stdin: point this process's stdin at a capture. Nothing
        // else in this test reads stdin, and libpcap closes it at the end.
        const std::string path = write("stdin.pcap", threePackets().bytes());
        QVERIFY(std::freopen(path.c_str(), "rb", stdin));
        std::string error;
        auto reader = CaptureReader::open("-", error);
        QVERIFY2(reader, error.c_str());
        const Read r = readAll(*reader);
        QCOMPARE(r.error, std::string());
        QCOMPARE(r.packets.size(), std::size_t(3));
        QCOMPARE(r.packets[2].number, std::uint64_t(3));
        QCOMPARE(r.data[2], frameOf(3, 16));
    }
};

QTEST_APPLESS_MAIN(TestCaptureReader)
#include "tst_capture_reader.moc"
