// wss:// in the GUI (issue 6): a TLS WebSocket capture made in this process
// (an OpenSSL client and server over memory BIOs, tls_pair.h, carrying an
// HTTP upgrade and frames we write; pcap_builder.h wraps their bytes in TCP
// packets), opened with a key log from the preferences, from File > Open
// Key Log, from the pcapng's own Decryption Secrets Block, and followed
// while a live capture runs. The views must show the decrypted messages with
// their exact payloads, each frame's raw (masked) and unmasked bytes from
// the decrypted stream, the TLS facts, and without keys the connection with
// its anomaly and no messages. Search, HAR, replay and the JSON Lines export
// (equal to `sockscope-cli read --keylog`) work on it as on cleartext.
#include <QDialogButtonBox>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <sys/socket.h>
#include <unistd.h>

#include <limits>

#include "../dissector/tls_pair.h"
#include "inspector/capture_document.h"
#include "inspector/connection_table_model.h"
#include "inspector/har_export.h"
#include "inspector/payload_search.h"
#include "inspector/replay_script.h"
#include "inspector/tls_report.h"
#include "websocket_conversation.h"
#include "widgets/capture_view.h"
#include "widgets/details_panel.h"
#include "widgets/handshake_view.h"
#include "widgets/hex_view.h"
#include "widgets/live_capture_dialog.h"
#include "widgets/main_window.h"
#include "widgets/preferences_dialog.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::ui;
using dissector::Direction;
using namespace Qt::StringLiterals;

namespace {

constexpr int kWaitMs = 20000;
constexpr std::size_t kMss = 1448;
constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

const std::string kHello = "Hello over TLS";
const std::string kAnswer = "Hello back, decrypted";

Bytes bigPayload() {
    Bytes out(40000);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = std::uint8_t(i * 7 + 3);
    return out;
}

Bytes closeBody() {
    Bytes out = {0x03, 0xe8};  // 1000
    const Bytes reason = bytesOf("bye");
    out.insert(out.end(), reason.begin(), reason.end());
    return out;
}

Bytes concat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

QByteArray qbytes(const Bytes& b) {
    return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
}

QByteArray qbytes(const std::string& s) {
    return QByteArray::fromStdString(s);
}

// The messages the capture holds, in the order they complete.
struct Expected {
    Direction dir;
    std::uint8_t opcode;
    Bytes payload;
};

std::vector<Expected> expectedMessages() {
    return {{Direction::Client, 1, bytesOf(kHello)}, {Direction::Server, 1, bytesOf(kAnswer)},
            {Direction::Server, 2, bigPayload()},    {Direction::Client, 1, bytesOf("fragmented")},
            {Direction::Client, 8, closeBody()},     {Direction::Server, 8, closeBody()}};
}

void le32(Bytes& out, std::uint32_t v) {
    pcapbytes::le32(out, v);
}

std::uint32_t readLe32(const Bytes& b, std::size_t at) {
    return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
           std::uint32_t(b[at + 3]) << 24;
}

// Bytes of a pcapng before its first packet: the section and interface blocks.
std::size_t pcapngHeaderSize(const Bytes& pcapng) {
    const std::size_t shb = readLe32(pcapng, 4);
    return shb + readLe32(pcapng, shb + 4);
}

// The pcapng with `keyLog` in a Decryption Secrets Block after its interface block.
Bytes withSecretsBlock(const Bytes& pcapng, const std::string& keyLog) {
    Bytes data(keyLog.begin(), keyLog.end());
    while (data.size() % 4)
        data.push_back(0);
    Bytes dsb;
    const auto total = std::uint32_t(12 + 8 + data.size());
    le32(dsb, 0x0000000A);
    le32(dsb, total);
    le32(dsb, 0x544c534b);  // "TLSK"
    le32(dsb, std::uint32_t(keyLog.size()));
    dsb.insert(dsb.end(), data.begin(), data.end());
    le32(dsb, total);
    Bytes out = pcapng;
    out.insert(out.begin() + std::ptrdiff_t(pcapngHeaderSize(pcapng)), dsb.begin(), dsb.end());
    return out;
}

// A WebSocket conversation inside real TLS, as a capture.
struct TlsCapture {
    std::string error;
    PcapBuilder capture;
    std::string keyLog;
    // The packet that completed the TLS record of the client's first message.
    std::uint64_t helloRecordPacket = 0;
    Bytes helloFrame;                 // that message's frame as the client sent it (masked)
    std::uint64_t bigLastPacket = 0;  // the last packet of the big binary message's records
};

TlsCapture makeCapture(const TlsPairConfig& config) {
    TlsCapture out;
    TlsPair pair(config);
    if (!pair.ok() || !pair.handshake()) {
        out.error = "TLS handshake: " + pair.error();
        return out;
    }
    out.helloFrame = clientFrame(1, bytesOf(kHello));
    std::size_t helloChunk = 0;
    std::size_t bigChunk = 0;
    const Bytes bigFrame = serverFrame(2, bigPayload());
    const std::vector<std::pair<Direction, Bytes>> writes = {
        {Direction::Client, bytesOf(request())},
        {Direction::Server, bytesOf(response())},
        {Direction::Client, out.helloFrame},
        {Direction::Server, serverFrame(1, bytesOf(kAnswer))},
        {Direction::Server, bigFrame},
        {Direction::Client,
         concat(clientFrame(1, bytesOf("frag"), false), clientFrame(0, bytesOf("mented")))},
        {Direction::Client, clientFrame(8, closeBody())},
        {Direction::Server, serverFrame(8, closeBody())},
    };
    for (const auto& [dir, bytes] : writes) {
        if (!pair.send(dir, bytes)) {
            out.error = "TLS send: " + pair.error();
            return out;
        }
        if (bytes == out.helloFrame)
            helloChunk = pair.wire.size() - 1;
        if (bytes == bigFrame)
            bigChunk = pair.wire.size() - 1;
    }
    pair.close();
    out.keyLog = pair.keyLog;

    Conversation tcp(53422, 8765);
    tcp.handshakeTcp();
    for (std::size_t i = 0; i < pair.wire.size(); ++i) {
        const WireChunk& chunk = pair.wire[i];
        for (std::size_t at = 0; at < chunk.bytes.size(); at += kMss) {
            Bytes piece(
                chunk.bytes.begin() + std::ptrdiff_t(at),
                chunk.bytes.begin() + std::ptrdiff_t(std::min(chunk.bytes.size(), at + kMss)));
            if (chunk.dir == Direction::Client)
                tcp.client(std::move(piece));
            else
                tcp.server(std::move(piece));
        }
        if (i == helloChunk)
            out.helloRecordPacket = tcp.packets.size();  // numbered from 1
        if (i == bigChunk)
            out.bigLastPacket = tcp.packets.size();
    }
    tcp.fin();
    out.capture.addAll(tcp.packets);
    return out;
}

TlsPairConfig tls13() {
    TlsPairConfig config;
    config.version = TLS1_3_VERSION;
    config.ciphersuites = "TLS_AES_128_GCM_SHA256";
    return config;
}

TlsPairConfig tls12() {
    TlsPairConfig config;
    config.version = TLS1_2_VERSION;
    config.cipherList = "ECDHE-ECDSA-AES128-GCM-SHA256";
    return config;
}

// Every secret of a key log made wrong (its last hex digit changed).
std::string wrongKeys(const std::string& keyLog) {
    std::string out;
    std::size_t start = 0;
    while (start < keyLog.size()) {
        std::size_t end = keyLog.find('\n', start);
        if (end == std::string::npos)
            end = keyLog.size();
        std::string line = keyLog.substr(start, end - start);
        if (!line.empty())
            line.back() = line.back() == '0' ? '1' : '0';
        out += line + '\n';
        start = end + 1;
    }
    return out;
}

bool writeFile(const QString& path, const QByteArray& data) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(data) == data.size();
}

bool appendFile(const QString& path, const QByteArray& data) {
    QFile file(path);
    return file.open(QIODevice::Append) && file.write(data) == data.size();
}

QString cell(const QAbstractItemModel& model, int row, int column) {
    return model.data(model.index(row, column), Qt::DisplayRole).toString();
}

bool writeAll(int fd, const Bytes& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0)
            return false;
        done += std::size_t(n);
    }
    return true;
}

}  // namespace

class TestTlsDecryption : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    TlsCapture tls13_;
    QString pcap_;       // TLS 1.3, keys not inside
    QString pcapng_;     // TLS 1.3, keys in a Decryption Secrets Block
    QString keys_;       // its key log
    QString withJunk_;   // the same with a bad first line
    QString wrongKeys_;  // every secret wrong
    QString tls12Pcap_;
    QString tls12Keys_;

    static bool loaded(MainWindow& window) {
        return window.captureView() && !window.captureView()->document().loading();
    }

    static bool openAndWait(MainWindow& window, const QString& path) {
        return window.openFile(path) && QTest::qWaitFor([&] { return loaded(window); }, kWaitMs) &&
               window.captureView()->document().error().isEmpty();
    }

    // The TLS connection's id (0: none).
    static std::uint32_t tlsConnection(const CaptureDocument& document) {
        for (const auto& [id, c] : document.index().connections())
            if (c.tls)
                return id;
        return 0;
    }

    // The document holds exactly the expected messages, byte for byte (those
    // of the TLS connection when another one is there too).
    static void checkMessages(const CaptureDocument& document) {
        const CaptureIndex& index = document.index();
        const std::uint32_t conn = tlsConnection(document);
        QVERIFY(conn != 0);
        std::vector<RowId> rows;
        for (RowId row = 0; row < index.messageCount(); ++row)
            if (index.message(row).conn == conn)
                rows.push_back(row);
        const std::vector<Expected> expected = expectedMessages();
        QCOMPARE(rows.size(), expected.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const Expected& e = expected[i];
            const MessageRecord m = index.message(rows[i]);
            QCOMPARE(m.fromServer(), e.dir == Direction::Server);
            QCOMPARE(int(m.opcode), int(e.opcode));
            const MessageBytes bytes = document.messageBytes(rows[i], kAll);
            QVERIFY2(bytes.complete, qPrintable(u"message %1"_s.arg(rows[i])));
            QCOMPARE(qbytes(bytes.payload), qbytes(e.payload));
        }
    }

    QByteArray runCli(const QStringList& arguments) {
        QProcess cli;
        cli.start(QCoreApplication::applicationDirPath() + u"/../bin/sockscope-cli"_s, arguments);
        if (!cli.waitForFinished(60000) || cli.exitStatus() != QProcess::NormalExit ||
            cli.exitCode() != 0) {
            qWarning() << "sockscope-cli" << arguments << "failed:" << cli.readAllStandardError();
            return {};
        }
        return cli.readAllStandardOutput();
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"SockscopeTest"_s);
        QCoreApplication::setApplicationName(u"tst_tls_decryption"_s);
        QSettings().clear();
        QVERIFY(dir_.isValid());

        tls13_ = makeCapture(tls13());
        QVERIFY2(tls13_.error.empty(), tls13_.error.c_str());
        pcap_ = dir_.filePath(u"wss.pcap"_s);
        QVERIFY(tls13_.capture.save(pcap_.toStdString()));
        pcapng_ = dir_.filePath(u"wss-secrets.pcapng"_s);
        QVERIFY(PcapBuilder::write(pcapng_.toStdString(),
                                   withSecretsBlock(tls13_.capture.pcapngBytes(), tls13_.keyLog)));
        keys_ = dir_.filePath(u"keys.log"_s);
        QVERIFY(writeFile(keys_, qbytes(tls13_.keyLog)));
        withJunk_ = dir_.filePath(u"with-junk.log"_s);
        QVERIFY(writeFile(withJunk_, "not a key log line\n" + qbytes(tls13_.keyLog)));
        wrongKeys_ = dir_.filePath(u"wrong.log"_s);
        QVERIFY(writeFile(wrongKeys_, qbytes(wrongKeys(tls13_.keyLog))));

        const TlsCapture twelve = makeCapture(tls12());
        QVERIFY2(twelve.error.empty(), twelve.error.c_str());
        tls12Pcap_ = dir_.filePath(u"wss12.pcap"_s);
        QVERIFY(twelve.capture.save(tls12Pcap_.toStdString()));
        tls12Keys_ = dir_.filePath(u"keys12.log"_s);
        QVERIFY(writeFile(tls12Keys_, qbytes(twelve.keyLog)));
    }

    void cleanup() { QSettings().clear(); }

    void decryptsWithThePreferencesKeyLog() {
        MainWindow window;
        Preferences prefs = window.preferences();
        prefs.keyLogFile = keys_;
        window.setPreferences(prefs);
        QVERIFY(openAndWait(window, pcap_));
        CaptureView* view = window.captureView();
        const CaptureDocument& document = view->document();
        checkMessages(document);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(window.keyLogStatus(), u"TLS keys from keys.log: 5 keys for 1 TLS session read"_s);

        // The connection table: one row, its TLS and its handshake (found inside TLS).
        const ConnectionTableModel& connections = view->connectionModel();
        QCOMPARE(connections.rowCount(), 1);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::Tls), u"1.3 · AES_128_GCM"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::Target), u"/chat"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::MessagesOut), u"3"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::MessagesIn), u"3"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::End),
                 u"close 1000 (Normal Closure) by client"_s);
        const ConnectionRecord* c = document.index().connection(1);
        QVERIFY(c && c->tls);
        QCOMPARE(c->tls->version, std::string("TLS 1.3"));
        QCOMPARE(c->tls->cipherSuite, std::string("TLS_AES_128_GCM_SHA256"));
        QCOMPARE(c->tls->serverName, std::string("example.test"));
        QCOMPARE(c->tls->alpnOffered, (std::vector<std::string>{"h2", "http/1.1"}));
        QCOMPARE(c->tls->alpnSelected, std::string("http/1.1"));
        QCOMPARE(c->tls->keys, std::string("found"));
        QVERIFY(document.index().decrypted(1));

        // The handshake pane: the TLS section above the upgrade's accept check.
        view->connectionTable()->selectRow(0);
        HandshakeView* handshake = view->handshakeView();
        QCOMPARE(handshake->tlsText(),
                 u"Version: TLS 1.3\nCipher suite: TLS_AES_128_GCM_SHA256\n"
                 "Server name (SNI): example.test\nALPN offered: h2, http/1.1\n"
                 "ALPN selected: http/1.1\nKeys: found in the key log: decrypted"_s);
        QVERIFY(handshake->report().seen);
        QVERIFY(handshake->report().accept.ok());

        // A frame's raw bytes are the masked frame the client wrote into TLS,
        // its unmasked bytes the text; neither is in any packet.
        const FrameRecord hello = document.index().frame(0);
        QCOMPARE(hello.fromServer(), false);
        const FrameBytes bytes = document.frameBytes(0, kAll);
        QVERIFY(bytes.complete);
        QCOMPARE(qbytes(bytes.raw), qbytes(tls13_.helloFrame));
        QCOMPARE(qbytes(bytes.payload), qbytes(kHello));
        QVERIFY(bytes.maskKey.has_value());
        QCOMPARE(document.index().framePacket(0), tls13_.helloRecordPacket);

        // The hex view says where the bytes come from.
        view->details()->showFrame(0);
        const QString hex = view->details()->hexView()->text();
        QCOMPARE(hex.section(u'\n', 0, 0),
                 u"Decrypted from TLS: these bytes are not in the capture as such; the TLS record "
                 "that carried them was completed by packet %1."_s.arg(tls13_.helloRecordPacket));
        QVERIFY2(hex.contains(u"wire (masked)"), qPrintable(hex));
        QVERIFY2(view->details()->caption().contains(u" · decrypted from TLS"),
                 qPrintable(view->details()->caption()));

        // The big binary message spans TLS records and TCP segments.
        const std::vector<RowId> frames = document.index().framesOf(2);
        QCOMPARE(frames.size(), std::size_t(1));
        QCOMPARE(qbytes(document.frameBytes(frames[0], kAll).payload), qbytes(bigPayload()));
        view->details()->showFrame(frames[0]);
        const QString bigOrigin = view->details()->hexView()->text().section(u'\n', 0, 0);
        const QRegularExpressionMatch records =
            QRegularExpression(u"completed by packets (\\d+) to (\\d+)\\.$"_s).match(bigOrigin);
        QVERIFY2(records.hasMatch(), qPrintable(bigOrigin));
        QCOMPARE(records.captured(1).toULongLong(), document.index().framePacket(frames[0]));
        // 40 000 bytes in records of at most 16 KiB: the last one ends with the write.
        QCOMPARE(records.captured(2).toULongLong(), tls13_.bigLastPacket);
        QVERIFY(tls13_.bigLastPacket > document.index().framePacket(frames[0]));
        // The fragmented one: two frames, each read from the decrypted stream.
        const std::vector<RowId> fragments = document.index().framesOf(3);
        QCOMPARE(fragments.size(), std::size_t(2));
        QCOMPARE(qbytes(document.frameBytes(fragments[0], kAll).payload), QByteArray("frag"));
        QCOMPARE(qbytes(document.frameBytes(fragments[1], kAll).payload), QByteArray("mented"));
    }

    void tlsColumnNamesVersionAndSuite_data() {
        QTest::addColumn<QString>("capture");
        QTest::addColumn<QString>("keys");
        QTest::addColumn<QString>("column");
        QTest::addColumn<QString>("status");
        QTest::newRow("tls1.3") << pcap_ << keys_ << u"1.3 · AES_128_GCM"_s
                                << u"TLS keys from keys.log: 5 keys for 1 TLS session read"_s;
        QTest::newRow("tls1.2") << tls12Pcap_ << tls12Keys_ << u"1.2 · ECDHE_ECDSA_AES_128_GCM"_s
                                << u"TLS keys from keys12.log: 1 key for 1 TLS session read"_s;
        QTest::newRow("tls1.3 no key")
            << pcap_ << QString() << u"1.3 · AES_128_GCM · no key"_s << QString();
    }

    void tlsColumnNamesVersionAndSuite() {
        QFETCH(QString, capture);
        QFETCH(QString, keys);
        QFETCH(QString, column);
        QFETCH(QString, status);
        MainWindow window;
        Preferences prefs = window.preferences();
        prefs.keyLogFile = keys;
        window.setPreferences(prefs);
        QVERIFY(openAndWait(window, capture));
        const ConnectionTableModel& connections = window.captureView()->connectionModel();
        QCOMPARE(connections.rowCount(), 1);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::Tls), column);
        QCOMPARE(window.keyLogStatus(), status);
        QCOMPARE(window.captureView()->document().index().messageCount(),
                 RowId(keys.isEmpty() ? 0 : expectedMessages().size()));
    }

    void withoutKeysTheConnectionShowsItsAnomalyThenOpenKeyLogDecrypts() {
        MainWindow window;
        QVERIFY(openAndWait(window, pcap_));
        CaptureView* view = window.captureView();
        const CaptureIndex& index = view->document().index();
        QCOMPARE(view->connectionModel().rowCount(), 1);
        QCOMPARE(cell(view->connectionModel(), 0, ConnectionTableModel::Target), u"(encrypted)"_s);
        QCOMPARE(index.messageCount(), RowId(0));
        QCOMPARE(index.frameCount(), RowId(0));
        QCOMPARE(index.connection(1)->tls->keys, std::string("missing"));
        QCOMPARE(window.keyLogStatus(), QString());  // no key source: nothing to say
        bool noKey = false;
        for (RowId row = 0; row < index.anomalyCount(); ++row)
            noKey = noKey || index.anomaly(row).kind == "tls-no-key";
        QVERIFY(noKey);
        view->connectionTable()->selectRow(0);
        const TlsReport& tls = view->handshakeView()->tlsReport();
        QVERIFY(tls.tls);
        QCOMPARE(tls.keys, u"missing: the key log holds no secret for this connection"_s);
        QVERIFY(!tls.problems.isEmpty());
        QVERIFY2(tls.problems.front().startsWith(u"tls-no-key (RFC 8446 §7): "),
                 qPrintable(tls.problems.front()));
        QVERIFY2(view->handshakeView()->summaryText().contains(u"inside TLS"),
                 qPrintable(view->handshakeView()->summaryText()));
        // ALPN's choice travels encrypted in TLS 1.3.
        QCOMPARE(tls.alpnSelected, u"not known (TLS 1.3 sends it encrypted)"_s);

        // File > Open Key Log: the same file dissected again with the keys;
        // the skipped line is told with its number and reason.
        dissector::KeyLog probe;
        probe.addCompleteText("not a key log line\n");
        const std::vector<dissector::KeyLogIssue> issues = probe.takeIssues();
        QCOMPARE(issues.size(), std::size_t(1));
        QVERIFY(window.openKeyLog(withJunk_));
        QVERIFY(QTest::qWaitFor([&] { return loaded(window); }, kWaitMs));
        QVERIFY(window.captureView() != view);  // a new document
        checkMessages(window.captureView()->document());
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(
            window.keyLogStatus(),
            u"TLS keys from with-junk.log: 5 keys for 1 TLS session read, 1 line skipped "
            "(line 1 of with-junk.log: %1)"_s.arg(QString::fromStdString(issues.front().message)));
        QCOMPARE(window.lastError(), QString());

        // Reopening keeps that key log for this file; another file gets the preference's.
        QVERIFY(window.reopen());
        QVERIFY(QTest::qWaitFor([&] { return loaded(window); }, kWaitMs));
        QCOMPARE(window.captureView()->document().index().messageCount(),
                 RowId(expectedMessages().size()));
        QVERIFY(openAndWait(window, tls12Pcap_));
        QCOMPARE(window.captureView()->document().index().messageCount(), RowId(0));

        // A key log that cannot be read says so.
        QVERIFY(window.openKeyLog(dir_.filePath(u"missing.log"_s)));
        QVERIFY(QTest::qWaitFor([&] { return loaded(window); }, kWaitMs));
        QVERIFY2(window.lastError().startsWith(u"cannot open "), qPrintable(window.lastError()));
        QVERIFY2(window.keyLogStatus().startsWith(u"TLS key log: cannot open "),
                 qPrintable(window.keyLogStatus()));
    }

    void openKeyLogNeedsACaptureFile() {
        MainWindow window;
        QVERIFY(!window.openKeyLog(keys_));
        QCOMPARE(window.lastError(), u"open a capture file first"_s);
    }

    void wrongKeysGiveTheirAnomalyNotGarbage() {
        MainWindow window;
        Preferences prefs = window.preferences();
        prefs.keyLogFile = wrongKeys_;
        window.setPreferences(prefs);
        QVERIFY(openAndWait(window, pcap_));
        CaptureView* view = window.captureView();
        QCOMPARE(view->document().index().messageCount(), RowId(0));
        QCOMPARE(view->document().index().frameCount(), RowId(0));
        view->connectionTable()->selectRow(0);
        const TlsReport& tls = view->handshakeView()->tlsReport();
        QVERIFY(!tls.problems.isEmpty());
        QVERIFY2(tls.problems.front().startsWith(u"tls-wrong-key (RFC 8446 §5.2): "),
                 qPrintable(tls.problems.join(u" | ")));
    }

    void pcapngSecretsAreUsedWithoutAKeyLog() {
        MainWindow window;
        QVERIFY(openAndWait(window, pcapng_));
        checkMessages(window.captureView()->document());
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(window.keyLogStatus(),
                 u"TLS keys from the capture's decryption secrets block: 5 keys for 1 TLS session "
                 "read"_s);
    }

    void searchHarAndReplayReadTheDecryptedBytes() {
        CaptureDocument document;
        document.setKeyLog({keys_, false});
        QVERIFY(document.open(pcap_));
        QTRY_VERIFY_WITH_TIMEOUT(!document.loading(), kWaitMs);
        QCOMPARE(document.index().messageCount(), RowId(expectedMessages().size()));

        // Search: messages, then frames (the worker reads the spill file itself).
        for (const bool frames : {false, true}) {
            PayloadSearch search;
            QSignalSpy finished(&search, &PayloadSearch::finished);
            SearchQuery query;
            query.text = u"back, DECRYPTED"_s;
            query.frames = frames;
            search.start(document, query, 0, kNoRow);
            QVERIFY(finished.wait(kWaitMs));
            const auto matches =
                finished.at(0).at(0).value<std::shared_ptr<const std::vector<RowId>>>();
            QVERIFY(matches);
            QCOMPARE(*matches, std::vector<RowId>{1});
        }

        // HAR: wss://, and the data messages as the application saw them.
        const QString har = dir_.filePath(u"wss.har"_s);
        QString error;
        QVERIFY2(exportHar(document, {1}, har, error), qPrintable(error));
        QFile file(har);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject entry = QJsonDocument::fromJson(file.readAll())
                                      .object()[u"log"_s][u"entries"_s]
                                      .toArray()
                                      .at(0)
                                      .toObject();
        QCOMPARE(entry[u"request"_s][u"url"_s].toString(), u"wss://127.0.0.1:8765/chat"_s);
        const QJsonArray messages = entry[u"_webSocketMessages"_s].toArray();
        QCOMPARE(messages.size(), 4);
        QCOMPARE(messages.at(0)[u"data"_s].toString(), QString::fromStdString(kHello));
        QCOMPARE(messages.at(1)[u"data"_s].toString(), QString::fromStdString(kAnswer));
        QCOMPARE(QByteArray::fromBase64(messages.at(2)[u"data"_s].toString().toLatin1()),
                 qbytes(bigPayload()));
        QCOMPARE(messages.at(3)[u"data"_s].toString(), u"fragmented"_s);

        // Replay: the client's messages with the frame sizes recorded.
        const std::optional<ReplayScript> script = replayScriptFromCapture(document, 1, &error);
        QVERIFY2(script, qPrintable(error));
        QCOMPARE(script->target, u"/chat"_s);
        QCOMPARE(script->steps.size(), std::size_t(3));
        QCOMPARE(script->steps[0].payload, qbytes(kHello));
        QCOMPARE(script->steps[1].payload, QByteArray("fragmented"));
        QCOMPARE(script->steps[1].frameSizes, (std::vector<std::uint64_t>{4, 6}));
        QCOMPARE(script->steps[2].opcode, std::uint8_t(8));
        QCOMPARE(script->recordedAnswers.size(), std::size_t(3));
        QCOMPARE(script->recordedAnswers[1].payload, qbytes(bigPayload()));
    }

    void jsonlExportEqualsTheCliWithKeylog() {
        const QString cli = QCoreApplication::applicationDirPath() + u"/../bin/sockscope-cli"_s;
        if (!QFileInfo(cli).isExecutable())
            QSKIP("sockscope-cli is not built next to the tests; build the sockscope-cli target");
        MainWindow window;
        Preferences prefs = window.preferences();
        prefs.keyLogFile = keys_;
        window.setPreferences(prefs);
        QVERIFY(openAndWait(window, pcap_));
        const QString path = dir_.filePath(u"wss.jsonl"_s);
        QSignalSpy finished(&window, &MainWindow::exportFinished);
        QVERIFY2(window.exportJsonl(path), qPrintable(window.lastError()));
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(finished.at(0).at(0).toString(), QString());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray exported = file.readAll();
        const QByteArray expected =
            runCli({u"read"_s, pcap_, u"--format"_s, u"jsonl"_s, u"--keylog"_s, keys_});
        QVERIFY(expected.contains("\"tls\":{\"version\":\"TLS 1.3\""));
        QCOMPARE(expected.count("\"event\":\"message\""), qsizetype(expectedMessages().size()));
        QCOMPARE(exported, expected);
    }

    void keyLogPreferencePersists() {
        const QString path = dir_.filePath(u"sslkeys.log"_s);
        {
            MainWindow window;
            window.showPreferences();
            PreferencesDialog* dialog = window.preferencesDialog();
            QVERIFY(dialog);
            QCOMPARE(dialog->keyLogField()->text(), QString());
            dialog->keyLogField()->setText(u"  "_s + path + u" "_s);
            dialog->buttons()->button(QDialogButtonBox::Apply)->click();
            QCOMPARE(window.preferences().keyLogFile, path);
        }
        QSettings settings;
        QCOMPARE(settings.value(u"tls/keyLogFile"_s).toString(), path);
        Preferences loaded;
        loaded.load(settings);
        QCOMPARE(loaded.keyLogFile, path);
        QVERIFY(!loaded.sameCaptureOptions(Preferences{}));  // reopening is offered
        MainWindow again;
        QCOMPARE(again.preferences().keyLogFile, path);
        again.showPreferences();
        QCOMPARE(again.preferencesDialog()->keyLogField()->text(), path);
    }

    void liveCaptureDialogExplainsTheKeyLog() {
        LiveCaptureDialog dialog;
        dialog.setKeyLogFile(u"/home/me/keys.log"_s);
        QCOMPARE(dialog.keyLogText(), u"/home/me/keys.log, followed as it grows"_s);
        auto* help = dialog.findChild<QLabel*>(u"keyLogHelp"_s);
        auto* button = dialog.findChild<QPushButton*>(u"keyLogHelpButton"_s);
        QVERIFY(help && button);
        dialog.show();
        QVERIFY(!help->isVisible());  // compact until asked for
        button->click();
        QVERIFY(help->isVisible());
        const QString text = help->text();
        QVERIFY2(text.contains(u"SSLKEYLOGFILE=/home/me/keys.log"), qPrintable(text));
        QVERIFY2(text.contains(u"keylog_filename = \"/home/me/keys.log\""), qPrintable(text));
        QVERIFY2(text.contains(u"node --tls-keylog=/home/me/keys.log"), qPrintable(text));
        dialog.setKeyLogFile({});
        QVERIFY2(dialog.keyLogText().startsWith(u"none"), qPrintable(dialog.keyLogText()));
    }

    // A live capture (a pcapng stream, as the console's sessions use) follows
    // the key log: keys written after the connection's packets decrypt it.
    void liveCaptureFollowsTheKeyLog() {
        const QString keys = dir_.filePath(u"live-keys.log"_s);
        QVERIFY(writeFile(keys, {}));
        // A cleartext connection after the TLS one: its message shows that
        // every packet before it was read (packets alone make no batch).
        PcapBuilder live = tls13_.capture;
        Conversation plain(50000, 8080);
        plain.handshakeTcp();
        plain.client(bytesOf(request()));
        plain.server(bytesOf(response()));
        plain.client(clientFrame(1, bytesOf("cleartext after the TLS connection")));
        live.addAll(plain.packets);
        const Bytes pcapng = live.pcapngBytes();
        const std::size_t header = pcapngHeaderSize(pcapng);
        int ends[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends), 0);
        QVERIFY(writeAll(ends[1], Bytes(pcapng.begin(), pcapng.begin() + std::ptrdiff_t(header))));

        CaptureDocument document;
        QSignalSpy reports(&document, &CaptureDocument::keysLoaded);
        document.setKeyLog({keys, true});
        QVERIFY2(document.openStream(ends[0], u"tls-stream"_s), qPrintable(document.error()));
        QVERIFY(writeAll(ends[1], Bytes(pcapng.begin() + std::ptrdiff_t(header), pcapng.end())));

        // Every packet was read; the TLS connection waits for its keys.
        QTRY_COMPARE_WITH_TIMEOUT(document.index().packetCount(), RowId(live.count()), kWaitMs);
        QCOMPARE(document.index().messageCount(), RowId(1));  // the cleartext one
        QVERIFY(!document.index().decrypted(document.index().message(0).conn));
        QVERIFY(!reports.isEmpty());
        QCOMPARE(reports.at(0).at(0).value<KeyLogReport>().keys, std::size_t(0));
        QVERIFY(document.loading());

        // The browser writes its keys: within a few follow intervals, the messages.
        QVERIFY(appendFile(keys, qbytes(tls13_.keyLog)));
        QTRY_COMPARE_WITH_TIMEOUT(document.index().messageCount(),
                                  RowId(1 + expectedMessages().size()), kWaitMs);
        QCOMPARE(document.keyReport().keys, std::size_t(5));
        const std::uint32_t conn = tlsConnection(document);
        QVERIFY(conn != 0);
        QCOMPARE(document.index().connection(conn)->tls->keys, std::string("found"));
        checkMessages(document);
        if (QTest::currentTestFailed())
            return;

        ::close(ends[1]);  // the stream's end ends the capture
        QTRY_VERIFY_WITH_TIMEOUT(!document.loading(), kWaitMs);
        QCOMPARE(document.error(), QString());
        QVERIFY(document.index().connection(conn)->end == dissector::EndHow::CloseHandshake);
        checkMessages(document);
        if (QTest::currentTestFailed())
            return;
        for (RowId row = 0; row < document.index().frameCount(); ++row) {
            if (document.index().frame(row).conn == conn) {
                QCOMPARE(qbytes(document.frameBytes(row, kAll).raw), qbytes(tls13_.helloFrame));
                break;
            }
        }
    }

    // Without a followed key log a live TLS connection is listed, not decrypted.
    void liveCaptureWithoutKeyLog() {
        const Bytes pcapng = tls13_.capture.pcapngBytes();
        const std::size_t header = pcapngHeaderSize(pcapng);
        int ends[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends), 0);
        QVERIFY(writeAll(ends[1], Bytes(pcapng.begin(), pcapng.begin() + std::ptrdiff_t(header))));
        CaptureDocument document;
        QVERIFY2(document.openStream(ends[0], u"tls-stream"_s), qPrintable(document.error()));
        QVERIFY(writeAll(ends[1], Bytes(pcapng.begin() + std::ptrdiff_t(header), pcapng.end())));
        ::close(ends[1]);
        QTRY_VERIFY_WITH_TIMEOUT(!document.loading(), kWaitMs);
        QCOMPARE(document.index().connections().size(), std::size_t(1));
        QCOMPARE(document.index().connection(1)->tls->keys, std::string("missing"));
        QCOMPARE(document.index().messageCount(), RowId(0));
        QVERIFY(!document.keyReport().any());
    }
};

QTEST_MAIN(TestTlsDecryption)
#include "tst_tls_decryption.moc"
