// readPcapngSecrets: the TLS key logs in pcapng Decryption Secrets Blocks,
// from hand-built files in both byte orders and several sections, other
// secrets types skipped with a warning, hostile block lengths stopping the
// walk with the byte offset named, and a file made by Wireshark's editcap.
#include <sockscope/dissector/key_log.h>
#include <sockscope/dissector/pcapng_secrets.h>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cstdint>
#include <string>
#include <vector>

using namespace sockscope::dissector;

namespace {

// Builds pcapng blocks in one byte order.
class Builder {
public:
    explicit Builder(bool bigEndian) : big_(bigEndian) {}

    Builder& sectionHeader() {
        std::vector<std::uint8_t> body;
        put32(body, 0x1A2B3C4D);
        put16(body, 1);
        put16(body, 0);
        put32(body, 0xffffffff);  // section length: unknown
        put32(body, 0xffffffff);
        return block(0x0A0D0D0A, body);
    }
    Builder& interface() {
        std::vector<std::uint8_t> body;
        put16(body, 1);  // Ethernet
        put16(body, 0);
        put32(body, 262144);
        return block(1, body);
    }
    Builder& packet(std::size_t length) {
        std::vector<std::uint8_t> body;
        put32(body, 0);
        put32(body, 0);
        put32(body, 0);
        put32(body, std::uint32_t(length));
        put32(body, std::uint32_t(length));
        body.resize(body.size() + length, 0xee);
        pad(body);
        return block(6, body);
    }
    Builder& secrets(std::uint32_t type, const std::string& text) {
        std::vector<std::uint8_t> body;
        put32(body, type);
        put32(body, std::uint32_t(text.size()));
        body.insert(body.end(), text.begin(), text.end());
        pad(body);
        return block(0x0A, body);
    }
    // A block as given, for hostile cases.
    Builder& raw(std::vector<std::uint8_t> bytes) {
        bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
        return *this;
    }
    Builder& word(std::uint32_t v) {
        put32(bytes_, v);
        return *this;
    }
    std::size_t size() const { return bytes_.size(); }
    const std::vector<std::uint8_t>& bytes() const { return bytes_; }
    Builder& append(const Builder& other) {
        bytes_.insert(bytes_.end(), other.bytes_.begin(), other.bytes_.end());
        return *this;
    }

private:
    Builder& block(std::uint32_t type, const std::vector<std::uint8_t>& body) {
        const auto length = std::uint32_t(12 + body.size());
        put32(bytes_, type);
        put32(bytes_, length);
        bytes_.insert(bytes_.end(), body.begin(), body.end());
        put32(bytes_, length);
        return *this;
    }
    void put16(std::vector<std::uint8_t>& out, std::uint16_t v) const {
        if (big_)
            out.insert(out.end(), {std::uint8_t(v >> 8), std::uint8_t(v)});
        else
            out.insert(out.end(), {std::uint8_t(v), std::uint8_t(v >> 8)});
    }
    void put32(std::vector<std::uint8_t>& out, std::uint32_t v) const {
        if (big_)
            out.insert(out.end(), {std::uint8_t(v >> 24), std::uint8_t(v >> 16),
                                   std::uint8_t(v >> 8), std::uint8_t(v)});
        else
            out.insert(out.end(), {std::uint8_t(v), std::uint8_t(v >> 8), std::uint8_t(v >> 16),
                                   std::uint8_t(v >> 24)});
    }
    static void pad(std::vector<std::uint8_t>& out) {
        while (out.size() % 4 != 0)
            out.push_back(0);
    }

    bool big_;
    std::vector<std::uint8_t> bytes_;
};

constexpr std::uint32_t kTlsk = 0x544c534b;
const std::string kKeysA =
    "CLIENT_RANDOM " + std::string(64, 'a') + " " + std::string(96, '1') + "\n";
const std::string kKeysB = "CLIENT_TRAFFIC_SECRET_0 " + std::string(64, 'b') + " " +
                           std::string(64, '2');  // no final newline, 3 padding bytes

QString joined(const std::vector<std::string>& v) {
    QStringList out;
    for (const auto& s : v)
        out << QString::fromStdString(s);
    return out.join(QLatin1String(" | "));
}

std::string stopped(std::size_t offset, const std::string& what) {
    return "block at byte offset " + std::to_string(offset) + ": " + what +
           "; the rest of the file is not searched for decryption secrets";
}

}  // namespace

class TestPcapngSecrets : public QObject {
    Q_OBJECT

private slots:
    void readsTlsKeyLogsInBothByteOrders_data() {
        QTest::addColumn<bool>("bigEndian");
        QTest::newRow("little-endian") << false;
        QTest::newRow("big-endian") << true;
    }

    void readsTlsKeyLogsInBothByteOrders() {
        QFETCH(bool, bigEndian);
        Builder b(bigEndian);
        b.sectionHeader()
            .interface()
            .secrets(kTlsk, kKeysA)
            .packet(60)
            .packet(1500)
            .secrets(kTlsk, kKeysB);
        const PcapngSecrets found = readPcapngSecrets(b.bytes());
        QCOMPARE(found.error, std::string());
        QCOMPARE(joined(found.warnings), QString());
        QCOMPARE(found.keyLogs.size(), std::size_t(2));
        QCOMPARE(found.keyLogs[0], kKeysA);
        QCOMPARE(found.keyLogs[1], kKeysB);

        // What the texts are for.
        KeyLog log;
        for (const auto& text : found.keyLogs)
            log.addCompleteText(text);
        QCOMPARE(log.entryCount(), std::size_t(2));
        QVERIFY(log.takeIssues().empty());
    }

    void followsSeveralSectionsOfEitherOrder() {
        Builder b(false);
        b.sectionHeader().secrets(kTlsk, kKeysA);
        Builder big(true);
        big.sectionHeader().interface().packet(10).secrets(kTlsk, kKeysB);
        b.append(big);
        Builder little(false);
        little.sectionHeader().secrets(kTlsk, "third");
        b.append(little);
        const PcapngSecrets found = readPcapngSecrets(b.bytes());
        QCOMPARE(joined(found.warnings), QString());
        QCOMPARE(joined(found.keyLogs),
                 QString::fromStdString(kKeysA + " | " + kKeysB + " | third"));
    }

    void skipsOtherSecretsTypesWithAWarning() {
        Builder b(false);
        b.sectionHeader();
        const std::size_t wireguardAt = b.size();
        b.secrets(0x57474b4c, "wg keys");
        const std::size_t otherAt = b.size();
        b.secrets(0x5a4e574b, "zigbee").secrets(kTlsk, kKeysA);
        const PcapngSecrets found = readPcapngSecrets(b.bytes());
        QCOMPARE(joined(found.warnings),
                 QString::fromStdString(
                     "decryption secrets block at byte offset " + std::to_string(wireguardAt) +
                     ": unsupported secrets type 0x57474b4c (WireGuard key log): skipped | "
                     "decryption secrets block at byte offset " +
                     std::to_string(otherAt) + ": unsupported secrets type 0x5a4e574b: skipped"));
        QCOMPARE(joined(found.keyLogs), QString::fromStdString(kKeysA));
    }

    void stopsAtHostileBlockLengths_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("warning");
        // The hostile block starts at byte 28 + 36 = 64 (after a section
        // header and one good secrets block).
        QTest::newRow("under-12") << 0
                                  << QString::fromStdString(stopped(
                                         64, "block length 8 is under the 12-byte minimum"));
        QTest::newRow("not-multiple-of-4")
            << 1 << QString::fromStdString(stopped(64, "block length 30 is not a multiple of 4"));
        QTest::newRow("past-the-end")
            << 2
            << QString::fromStdString(
                   stopped(64, "block length 4096 runs past the end of the file (16 bytes left)"));
        QTest::newRow("trailing-mismatch")
            << 3
            << QString::fromStdString(
                   stopped(64, "the trailing block length 20 differs from the leading 16"));
        QTest::newRow("cut-header")
            << 4
            << QString::fromStdString(
                   stopped(64, "the last 6 bytes are too short for a block header"));
        QTest::newRow("bad-byte-order-magic")
            << 5
            << QString::fromStdString(
                   stopped(64,
                           "section header byte-order magic 0x12345678 is neither 0x1a2b3c4d nor "
                           "0x4d3c2b1a"));
        QTest::newRow("short-section-header")
            << 6
            << QString::fromStdString(
                   stopped(64, "section header block length 16 is under its 28-byte minimum"));
    }

    void stopsAtHostileBlockLengths() {
        QFETCH(int, kind);
        QFETCH(QString, warning);
        Builder b(false);
        b.sectionHeader().secrets(kTlsk, "CLIENT_RANDOM x\n");
        QCOMPARE(b.size(), std::size_t(28 + 36));
        switch (kind) {
            case 0:
                b.word(6).word(8).word(8).word(0);
                break;
            case 1:
                b.word(6).word(30).word(0).word(0);
                break;
            case 2:
                b.word(6).word(4096).word(0).word(0);
                break;
            case 3:
                b.word(6).word(16).word(0).word(20);
                break;
            case 4:
                b.raw({1, 2, 3, 4, 5, 6});
                break;
            case 5:
                b.word(0x0A0D0D0A).word(28).word(0x12345678).word(0);
                break;
            case 6:
                b.word(0x0A0D0D0A).word(16).word(0x1A2B3C4D).word(16);
                break;
        }
        if (kind != 2 && kind != 4)
            b.secrets(kTlsk, kKeysB);  // after the damage: never reached
        const PcapngSecrets found = readPcapngSecrets(b.bytes());
        QCOMPARE(found.error, std::string());
        QCOMPARE(joined(found.warnings), warning);
        QCOMPARE(found.stoppedAt, std::optional<std::uint64_t>(64));
        QCOMPARE(joined(found.keyLogs), QStringLiteral("CLIENT_RANDOM x\n"));
    }

    void skipsASecretsBlockWhoseLengthsDisagree() {
        Builder b(true);
        b.sectionHeader();
        // A DSB claiming 100 bytes of secrets in a 24-byte block; the block
        // itself frames, so the walk goes on.
        b.word(0x0A).word(24).word(kTlsk).word(100).word(0x41414141).word(24);
        b.secrets(kTlsk, kKeysA);
        const PcapngSecrets found = readPcapngSecrets(b.bytes());
        QCOMPARE(joined(found.warnings),
                 QStringLiteral("decryption secrets block at byte offset 28: secrets length 100 "
                                "runs past the block's end (4 bytes): skipped"));
        QVERIFY(!found.stoppedAt);  // a skipped block does not stop the walk
        QCOMPARE(joined(found.keyLogs), QString::fromStdString(kKeysA));
    }

    void boundsTheKeyLogText() {
        Builder b(false);
        b.sectionHeader()
            .secrets(kTlsk, std::string(600, 'x'))
            .secrets(kTlsk, std::string(600, 'y'));
        PcapngSecretsLimits limits;
        limits.maxSecretsBytes = 1000;
        const PcapngSecrets found = readPcapngSecrets(b.bytes(), limits);
        QCOMPARE(found.keyLogs.size(), std::size_t(1));
        QCOMPARE(found.warnings.size(), std::size_t(1));
        QCOMPARE(found.warnings[0],
                 std::string("decryption secrets block at byte offset 648: more than 1000 bytes "
                             "of key log text in the file: this block is skipped"));
    }

    void refusesWhatIsNotPcapng() {
        const std::vector<std::uint8_t> pcap = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0};
        QCOMPARE(readPcapngSecrets(pcap).error,
                 std::string("not a pcapng file (no section header block at byte offset 0)"));
        QCOMPARE(readPcapngSecrets(std::span<const std::uint8_t>()).error,
                 std::string("not a pcapng file (no section header block at byte offset 0)"));
    }

    void readsFiles() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Builder b(true);
        b.sectionHeader().interface().packet(100).secrets(kTlsk, kKeysA);
        const QString path = dir.filePath(QStringLiteral("capture.pcapng"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(reinterpret_cast<const char*>(b.bytes().data()), qint64(b.size()));
        file.close();
        const PcapngSecrets found = readPcapngSecrets(path.toStdString());
        QCOMPARE(found.error, std::string());
        QCOMPARE(joined(found.keyLogs), QString::fromStdString(kKeysA));

        const std::string missing = dir.filePath(QStringLiteral("none.pcapng")).toStdString();
        QCOMPARE(readPcapngSecrets(missing).error,
                 "cannot open " + missing + ": No such file or directory");
        QCOMPARE(readPcapngSecrets(dir.path().toStdString()).error,
                 dir.path().toStdString() +
                     " is not a regular file (decryption secrets are read from files only)");
        const QString empty = dir.filePath(QStringLiteral("empty.pcapng"));
        QFile emptyFile(empty);
        QVERIFY(emptyFile.open(QIODevice::WriteOnly));
        emptyFile.close();
        QCOMPARE(readPcapngSecrets(empty.toStdString()).error,
                 "not a pcapng file (" + empty.toStdString() + " is empty)");
    }

    // Wireshark's own tool writes the block: editcap --inject-secrets.
    void readsWhatEditcapInjects() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Builder b(false);
        b.sectionHeader().interface().packet(60);
        const QString in = dir.filePath(QStringLiteral("in.pcapng"));
        const QString out = dir.filePath(QStringLiteral("out.pcapng"));
        const QString keys = dir.filePath(QStringLiteral("keys.log"));
        QFile inFile(in);
        QVERIFY(inFile.open(QIODevice::WriteOnly));
        inFile.write(reinterpret_cast<const char*>(b.bytes().data()), qint64(b.size()));
        inFile.close();
        QFile keyFile(keys);
        QVERIFY(keyFile.open(QIODevice::WriteOnly));
        keyFile.write(QByteArray::fromStdString(kKeysA));
        keyFile.close();

        QProcess editcap;
        editcap.start(QStringLiteral("editcap"),
                      {QStringLiteral("--inject-secrets"), QStringLiteral("tls,") + keys, in, out});
        if (!editcap.waitForStarted(10000))
            QSKIP("editcap (wireshark-common) is not installed");
        QVERIFY(editcap.waitForFinished(30000));
        QVERIFY2(editcap.exitCode() == 0, editcap.readAllStandardError().constData());
        const PcapngSecrets found = readPcapngSecrets(out.toStdString());
        QCOMPARE(found.error, std::string());
        QCOMPARE(joined(found.warnings), QString());
        QCOMPARE(joined(found.keyLogs), QString::fromStdString(kKeysA));
    }
};

QTEST_GUILESS_MAIN(TestPcapngSecrets)
#include "tst_pcapng_secrets.moc"
