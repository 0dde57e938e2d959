// The pcapng writer, read back by libpcap (an independent reader): the same
// packets, bytes, lengths and nanosecond timestamps; readable while still
// open (flush-safe: a killed capture leaves a complete file); clear errors.
#include <pcap/pcap.h>
#include <sockscope/dissector/pcapng_writer.h>

#include <QTemporaryDir>
#include <QTest>
#include <array>

#include "wire.h"

using namespace sockscope;
using namespace sockscope::dissector;
using namespace sockscope::test;

namespace {

struct ReadPacket {
    Timestamp ts;
    std::uint32_t originalLength = 0;
    Bytes data;
};

struct ReadBack {
    std::string error;
    int linkType = -1;
    int snaplen = -1;
    std::vector<ReadPacket> packets;
};

ReadBack readWithLibpcap(const std::string& path) {
    ReadBack result;
    std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                        errbuf.data());
    if (p == nullptr) {
        result.error = errbuf.data();
        return result;
    }
    result.linkType = pcap_datalink(p);
    result.snaplen = pcap_snapshot(p);
    pcap_pkthdr* header = nullptr;
    const u_char* bytes = nullptr;
    int status = 0;
    while ((status = pcap_next_ex(p, &header, &bytes)) == 1) {
        ReadPacket packet;
        packet.ts = {header->ts.tv_sec, static_cast<std::uint32_t>(header->ts.tv_usec)};
        packet.originalLength = header->len;
        packet.data.assign(bytes, bytes + header->caplen);
        result.packets.push_back(std::move(packet));
    }
    if (status == PCAP_ERROR) {
        result.error = pcap_geterr(p);
    }
    pcap_close(p);
    return result;
}

RawPacket packet(std::uint64_t number, Timestamp ts, const Bytes& data,
                 std::uint32_t originalLength = 0, std::uint32_t interfaceId = 0) {
    RawPacket p;
    p.number = number;
    p.ts = ts;
    p.interfaceId = interfaceId;
    p.capturedLength = static_cast<std::uint32_t>(data.size());
    p.originalLength = originalLength != 0 ? originalLength : p.capturedLength;
    p.data = data;
    return p;
}

}  // namespace

class TestPcapngWriter : public QObject {
    Q_OBJECT

private slots:
    void libpcapReadsBackPacketsAndNanoseconds_data() {
        QTest::addColumn<int>("linkType");
        QTest::newRow("ethernet") << DLT_EN10MB;
        QTest::newRow("linux sll2") << DLT_LINUX_SLL2;
        QTest::newRow("raw ip") << DLT_RAW;
    }
    void libpcapReadsBackPacketsAndNanoseconds() {
        QFETCH(int, linkType);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(QStringLiteral("out.pcapng")).toStdString();

        // Odd sizes (padding), an empty packet, one cut by the snaplen, and
        // timestamps that need all nine decimals and more than 32 bits of units.
        const Bytes odd = fromHex("0102030405");
        const Bytes empty;
        Bytes big(1499);
        for (std::size_t i = 0; i < big.size(); ++i) {
            big[i] = static_cast<std::uint8_t>(i * 7);
        }
        const std::vector<RawPacket> written = {
            packet(1, {1700000000, 123456789}, odd),
            packet(2, {1700000000, 999999999}, empty),
            packet(3, {1700000001, 1}, big, 65000),
            packet(4, {0, 5}, odd, 0, 1),
        };
        std::string error;
        {
            auto writer = PcapngWriter::create(path, error);
            QVERIFY2(writer, error.c_str());
            QCOMPARE(writer->addInterface({linkType, 262144, "lo", "loopback"}), 0u);
            QCOMPARE(writer->addInterface({linkType, 262144, "eth0", ""}), 1u);
            for (const RawPacket& p : written) {
                QVERIFY2(writer->write(p), writer->error().c_str());
            }
            QCOMPARE(writer->packetsWritten(), 4u);
            QVERIFY(writer->close());
        }

        const ReadBack back = readWithLibpcap(path);
        QVERIFY2(back.error.empty(), back.error.c_str());
        QCOMPARE(back.linkType, linkType);
        QCOMPARE(back.snaplen, 262144);
        QCOMPARE(back.packets.size(), written.size());
        for (std::size_t i = 0; i < written.size(); ++i) {
            QCOMPARE(back.packets[i].ts, written[i].ts);
            QCOMPARE(back.packets[i].originalLength, written[i].originalLength);
            QCOMPARE(toHex(back.packets[i].data), toHex(written[i].data));
        }
    }

    void everyPacketIsReadableBeforeTheWriterCloses() {
        // What a SIGKILL leaves behind: the file as it is after the last write().
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("live.pcapng")).toStdString();
        std::string error;
        auto writer = PcapngWriter::create(path, error);
        QVERIFY2(writer, error.c_str());
        writer->addInterface({DLT_EN10MB, 262144, "lo", ""});
        const Bytes data = fromHex("00112233445566778899aabbccddeeff");
        for (std::uint64_t n = 1; n <= 3; ++n) {
            QVERIFY(writer->write(packet(n, {100, std::uint32_t(n)}, data)));
            const ReadBack back = readWithLibpcap(path);
            QVERIFY2(back.error.empty(), back.error.c_str());
            QCOMPARE(back.packets.size(), std::size_t(n));
            QCOMPARE(back.packets.back().ts, (Timestamp{100, std::uint32_t(n)}));
        }
    }

    void unwritablePathIsOneClearError() {
        std::string error;
        QVERIFY(!PcapngWriter::create("/nonexistent-dir/x.pcapng", error));
        QCOMPARE(QString::fromStdString(error),
                 QStringLiteral("cannot create /nonexistent-dir/x.pcapng: No such file or "
                                "directory"));
    }

    void packetOnAnUnknownInterfaceIsRefused() {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("x.pcapng")).toStdString();
        std::string error;
        auto writer = PcapngWriter::create(path, error);
        QVERIFY(writer);
        writer->addInterface({DLT_EN10MB, 262144, "", ""});
        const Bytes data = fromHex("00");
        QVERIFY(!writer->write(packet(7, {}, data, 0, 3)));
        QCOMPARE(QString::fromStdString(writer->error()),
                 QStringLiteral("packet 7 names interface 3, but only 1 were added"));
    }
};

QTEST_APPLESS_MAIN(TestPcapngWriter)
#include "tst_pcapng_writer.moc"
