// `sockscope-cli read` and `capture` end to end, running the built binary:
// exit statuses and their one-line errors, the JSON Lines contract on
// hand-built captures (pcap, pcapng, stdin), the --only / --conn filters, and
// a live capture on `lo` of our own serve/connect that `read` then dissects.
#include <unistd.h>

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "cli_process.h"
#include "pcap_builder.h"
#include "sockscope/core/handshake.h"
#include "wire.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 20000;

Bytes textBytes(const std::string& text) {
    return Bytes(text.begin(), text.end());
}

Bytes closePayload(std::uint16_t code, const std::string& reason) {
    // Built in one go (GCC 12 warns falsely about insert() after a 2-byte init list).
    Bytes out(2 + reason.size());
    out[0] = std::uint8_t(code >> 8);
    out[1] = std::uint8_t(code);
    std::copy(reason.begin(), reason.end(), out.begin() + 2);
    return out;
}

// The TCP handshake and the WebSocket upgrade of `c` (5 packets).
std::vector<Bytes> upgrade(TcpConversation& c) {
    const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
    const std::string request =
        "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:8765\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: " +
        key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const std::string response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        computeWebSocketAccept(key) + "\r\n\r\n";
    std::vector<Bytes> frames = c.handshake();
    frames.push_back(c.clientSends(textBytes(request)));
    frames.push_back(c.serverSends(textBytes(response)));
    return frames;
}

TcpConversation connectionFrom(std::uint16_t clientPort) {
    TcpPacketSpec spec;
    spec.srcPort = clientPort;
    spec.dstPort = 8765;
    return TcpConversation(spec, 1000, 5000);
}

// One WebSocket connection on 127.0.0.1: upgrade, a text message each way,
// the close handshake and FINs; frames 1 ms apart from 1700000000 s.
std::vector<Bytes> conversation(std::uint16_t clientPort, const std::string& message) {
    TcpConversation c = connectionFrom(clientPort);
    std::vector<Bytes> frames = upgrade(c);
    frames.push_back(c.clientSends(encode({.payload = textBytes(message), .masked = true})));
    frames.push_back(c.serverSends(encode({.payload = textBytes(message)})));
    frames.push_back(
        c.clientSends(encode({.opcode = 8, .payload = closePayload(1000, "bye"), .masked = true})));
    frames.push_back(c.serverSends(encode({.opcode = 8, .payload = closePayload(1000, "")})));
    frames.push_back(c.serverFin());
    frames.push_back(c.clientFin());
    return frames;
}

// An upgraded connection whose client sends `unmasked` unmasked text frames,
// ten to a segment (an unmasked-client-frame anomaly each), then three
// masked frames with the reserved opcode 3 (a reserved-opcode anomaly each),
// and FINs. The flood's last segment is packet 5 + ceil(unmasked / 10).
std::vector<Bytes> anomalyFlood(int unmasked) {
    TcpConversation c = connectionFrom(53422);
    std::vector<Bytes> frames = upgrade(c);
    for (int sent = 0; sent < unmasked; sent += 10) {
        Bytes segment;
        for (int i = sent; i < std::min(unmasked, sent + 10); ++i) {
            const Bytes frame = encode({.payload = textBytes("x")});
            segment.insert(segment.end(), frame.begin(), frame.end());
        }
        frames.push_back(c.clientSends(segment));
    }
    for (int i = 0; i < 3; ++i) {
        frames.push_back(
            c.clientSends(encode({.opcode = 3, .payload = textBytes("r"), .masked = true})));
    }
    frames.push_back(c.clientFin());
    frames.push_back(c.serverFin());
    return frames;
}

QString b64(const std::string& text) {
    return QString::fromLatin1(QByteArray::fromStdString(text).toBase64());
}

// The four message lines of conversation(): packets 6..9 of the connection
// starting at packet `first` (1-based), 1 ms apart.
QStringList expectedMessages(int conn, int first, const std::string& message) {
    const auto ts = [&](int packet) -> QString {
        return u"1700000000."_s + QString::number((packet - 1) * 1000).rightJustified(6, u'0');
    };
    const QString c = QString::number(conn);
    const int p = first - 1;
    const qsizetype n = qsizetype(message.size());
    return {
        uR"({"event":"message","conn":%1,"dir":"client","ts":%2,"opcode":"text","frames":1,"compressed":false,"length":%3,"payload_b64":"%4","packet":%5})"_s
            .arg(c, ts(p + 6), QString::number(n), b64(message), QString::number(p + 6)),
        uR"({"event":"message","conn":%1,"dir":"server","ts":%2,"opcode":"text","frames":1,"compressed":false,"length":%3,"payload_b64":"%4","packet":%5})"_s
            .arg(c, ts(p + 7), QString::number(n), b64(message), QString::number(p + 7)),
        uR"({"event":"message","conn":%1,"dir":"client","ts":%2,"opcode":"close","frames":1,"compressed":false,"length":5,"payload_b64":"A+hieWU=","close_code":1000,"close_reason":"bye","packet":%3})"_s
            .arg(c, ts(p + 8), QString::number(p + 8)),
        uR"({"event":"message","conn":%1,"dir":"server","ts":%2,"opcode":"close","frames":1,"compressed":false,"length":2,"payload_b64":"A+g=","close_code":1000,"close_reason":"","packet":%3})"_s
            .arg(c, ts(p + 9), QString::number(p + 9)),
    };
}

QStringList lines(const QByteArray& text) {
    QStringList out;
    for (const QByteArray& line : CliProcess::nonEmptyLines(text)) {
        out << QString::fromUtf8(line);
    }
    return out;
}

// Runs the CLI to completion; stdin gets `input` when given.
struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runCli(const QStringList& arguments, const QByteArray& input = {}) {
    CliProcess process(arguments);
    if (!input.isNull()) {
        process.write(input);
    }
    process.closeStdin();
    Run run;
    if (process.waitForExit(kTimeoutMs)) {
        run.exitCode = process.exitCode();
    }
    run.out = process.out();
    run.err = process.err();
    return run;
}

// Whether live capture works here: a capture whose filter matches nothing
// either says it is not permitted, or starts (and is stopped at once).
// Returns the stderr line when not permitted, empty when permitted; a capture
// that fails for another reason is reported in `failure`.
QString captureNotPermitted(QString& failure) {
    CliProcess probe({u"capture"_s, u"-i"_s, u"lo"_s, u"-f"_s, u"tcp port 1"_s});
    spinUntil(
        [&] {
            return probe.err().contains("capturing on lo") ||
                   probe.process().state() == QProcess::NotRunning;
        },
        kTimeoutMs);
    if (!probe.err().contains("capturing on lo")) {
        probe.waitForExit(kTimeoutMs);
        if (probe.err().contains("no permission")) {
            return QString::fromUtf8(probe.err().trimmed());
        }
        failure = u"capture did not start: "_s + QString::fromUtf8(probe.err());
        return {};
    }
    probe.process().terminate();
    if (!probe.waitForExit(kTimeoutMs) || probe.exitCode() != 0) {
        failure = u"capture did not stop cleanly on SIGTERM: "_s + QString::fromUtf8(probe.err());
    }
    return {};
}

#define SKIP_WITHOUT_CAPTURE_PERMISSION()                                                        \
    do {                                                                                         \
        QString failure;                                                                         \
        const QString denied = captureNotPermitted(failure);                                     \
        if (!denied.isEmpty()) {                                                                 \
            QSKIP(qPrintable(u"live capture not permitted here (not root, no CAP_NET_RAW): "_s + \
                             denied));                                                           \
        }                                                                                        \
        QVERIFY2(failure.isEmpty(), qPrintable(failure));                                        \
    } while (false)

}  // namespace

class TestCliRead : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

    QString path(const QString& name) const { return dir_.filePath(name); }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void unreadableInputIsExitOneWithOneLine_data() {
        QTest::addColumn<QByteArray>("content");  // null: the file does not exist
        QTest::addColumn<QString>("error");       // %1: the path
        QTest::newRow("missing file") << QByteArray() << u"cannot open %1: no such file"_s;
        QTest::newRow("empty file")
            << QByteArray("") << u"%1 is empty: not a pcap or pcapng capture"_s;
        QTest::newRow("not a capture") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                                       << u"%1 is not a pcap or pcapng capture"_s;
        QTest::newRow("truncated pcap header")
            << QByteArray::fromHex("4d3cb2a1020004000000") << u"%1: truncated file header"_s;
    }
    void unreadableInputIsExitOneWithOneLine() {
        QFETCH(QByteArray, content);
        QFETCH(QString, error);
        const QString file = path(u"bad-"_s + QString::fromLatin1(QTest::currentDataTag()));
        if (!content.isNull()) {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(content);
        }
        const Run run = runCli({u"read"_s, file});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(lines(run.err), QStringList{u"sockscope-cli: "_s + error.arg(file)});
        QCOMPARE(run.out, QByteArray());
    }

    void truncatedStandardInputIsExitOne() {
        const Run run = runCli({u"read"_s, u"-"_s}, QByteArray("\xd4\xc3\xb2", 3));
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(lines(run.err),
                 QStringList{u"sockscope-cli: standard input: truncated file header"_s});
    }

    void badUsageIsExitTwo_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("error");
        QTest::newRow("read without a file")
            << QStringList{u"read"_s} << u"read: a capture file is required (- for stdin)"_s;
        QTest::newRow("two files")
            << QStringList{u"read"_s, u"a"_s, u"b"_s} << u"read: unexpected argument 'b'"_s;
        QTest::newRow("unknown format") << QStringList{u"read"_s, u"x"_s, u"--format"_s, u"xml"_s}
                                        << u"read: --format 'xml' is not text or jsonl"_s;
        QTest::newRow("bad ws-port") << QStringList{u"read"_s, u"x"_s, u"--ws-port"_s, u"70000"_s}
                                     << u"read: --ws-port '70000' is not a port number"_s;
        QTest::newRow("bad conn") << QStringList{u"read"_s, u"x"_s, u"--conn"_s, u"0"_s}
                                  << u"read: --conn '0' is not a connection number (1, 2, ...)"_s;
        QTest::newRow("bad only")
            << QStringList{u"read"_s, u"x"_s, u"--only"_s, u"packets"_s}
            << u"read: --only: unknown event kind 'packets' (connections, handshakes, frames, "
               "messages, anomalies, ends)"_s;
        QTest::newRow("unknown option")
            << QStringList{u"read"_s, u"x"_s, u"--bogus"_s} << u"Unknown option 'bogus'."_s;
        QTest::newRow("capture without an interface")
            << QStringList{u"capture"_s} << u"capture: -i IFACE is required (list them with -D)"_s;
        QTest::newRow("capture with a bad format")
            << QStringList{u"capture"_s, u"-i"_s, u"lo"_s, u"--format"_s, u"csv"_s}
            << u"capture: --format 'csv' is not text or jsonl"_s;
        QTest::newRow("negative max-anomalies")
            << QStringList{u"read"_s, u"x"_s, u"--max-anomalies"_s, u"-1"_s}
            << u"read: --max-anomalies '-1' is not a count (0 for no limit)"_s;
        QTest::newRow("capture with a bad max-anomalies")
            << QStringList{u"capture"_s, u"-i"_s, u"lo"_s, u"--max-anomalies"_s, u"many"_s}
            << u"capture: --max-anomalies 'many' is not a count (0 for no limit)"_s;
        // libpcap takes the buffer size as an int: 2047 MiB is the most.
        for (const QString& size : {u"0"_s, u"2048"_s, u"-5"_s, u"1.5"_s, u"64M"_s}) {
            QTest::addRow("capture --buffer-size %s", qPrintable(size))
                << QStringList{u"capture"_s, u"-i"_s, u"lo"_s, u"--buffer-size"_s, size}
                << u"capture: --buffer-size '"_s + size +
                       u"' is not a size in MiB from 1 to 2047"_s;
        }
    }
    void badUsageIsExitTwo() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, error);
        const Run run = runCli(arguments);
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(lines(run.err), QStringList{u"sockscope-cli: "_s + error + u" (see --help)"_s});
    }

    void readPrintsTheContractLines_data() {
        QTest::addColumn<QString>("container");
        QTest::newRow("pcap, nanoseconds") << u"pcap"_s;
        QTest::newRow("pcap, microseconds") << u"pcap-us"_s;
        QTest::newRow("pcapng") << u"pcapng"_s;
        QTest::newRow("pcap on stdin") << u"stdin"_s;
    }
    void readPrintsTheContractLines() {
        QFETCH(QString, container);
        PcapBuilder capture;
        capture.addAll(conversation(53422, "Hello"));
        const QString file = path(u"one."_s + container);
        const bool saved = container == u"pcapng"
                               ? capture.savePcapng(file.toStdString())
                               : capture.save(file.toStdString(), container != u"pcap-us");
        QVERIFY(saved);

        Run run;
        if (container == u"stdin") {
            QFile f(file);
            QVERIFY(f.open(QIODevice::ReadOnly));
            run = runCli({u"read"_s, u"-"_s, u"--format"_s, u"jsonl"_s}, f.readAll());
        } else {
            run = runCli({u"read"_s, file, u"--format"_s, u"jsonl"_s});
        }
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.err, QByteArray());
        const QStringList all = lines(run.out);

        // Every line is a JSON object; the events come in this order.
        QStringList events;
        QJsonObject connection;
        QJsonObject handshake;
        QStringList messages;
        for (const QString& line : all) {
            QJsonParseError error{};
            const QJsonObject o = QJsonDocument::fromJson(line.toUtf8(), &error).object();
            QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(line));
            const QString event = o.value(u"event"_s).toString();
            if (events.isEmpty() || events.last() != event) {
                events << event;
            }
            if (event == u"connection") {
                connection = o;
            } else if (event == u"handshake") {
                handshake = o;
            } else if (event == u"message") {
                messages << line;
            }
        }
        QCOMPARE(events, (QStringList{u"connection"_s, u"handshake"_s, u"frame"_s, u"message"_s,
                                      u"frame"_s, u"message"_s, u"frame"_s, u"message"_s,
                                      u"frame"_s, u"message"_s, u"end"_s}));
        QCOMPARE(connection.value(u"client"_s).toString(), u"127.0.0.1:53422"_s);
        QCOMPARE(connection.value(u"server"_s).toString(), u"127.0.0.1:8765"_s);
        QCOMPARE(handshake.value(u"target"_s).toString(), u"/chat"_s);
        QCOMPARE(handshake.value(u"status"_s).toInt(), 101);
        QCOMPARE(handshake.value(u"accept_ok"_s).toBool(), true);
        QVERIFY(handshake.value(u"subprotocol"_s).isNull());
        QCOMPARE(messages, expectedMessages(1, 1, "Hello"));
        QCOMPARE(all.last(),
                 uR"({"event":"end","conn":1,"ts":1700000000.010000,"how":"close-handshake"})"_s);
    }

    void onlyAndConnPickTheLines() {
        PcapBuilder capture;
        capture.addAll(conversation(53422, "first"));
        capture.addAll(conversation(53423, "second"), 1700000000);
        const QString file = path(u"two.pcap"_s);
        QVERIFY(capture.save(file.toStdString()));

        const Run run = runCli({u"read"_s, file, u"--format"_s, u"jsonl"_s, u"--only"_s,
                                u"messages"_s, u"--conn"_s, u"2"_s});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(lines(run.out), expectedMessages(2, 12, "second"));

        const Run text = runCli({u"read"_s, file, u"--only"_s, u"messages"_s, u"--conn"_s, u"1"_s});
        QCOMPARE(text.exitCode, 0);
        QCOMPARE(lines(text.out),
                 (QStringList{
                     u"6 0.005000 1 client→server message text 5 B \"first\""_s,
                     u"7 0.006000 1 server→client message text 5 B \"first\""_s,
                     u"8 0.007000 1 client→server message close 1000 (Normal Closure) \"bye\""_s,
                     u"9 0.008000 1 server→client message close 1000 (Normal Closure)"_s,
                 }));
    }

    // --max-anomalies: 500 unmasked client frames on one connection give the
    // first N anomaly lines of that kind and one anomalies-suppressed line
    // with the count, just before the connection's end; the three
    // reserved-opcode anomalies are a kind of their own and all shown.
    void readCoalescesAnomalyFloods_data() {
        QTest::addColumn<QStringList>("flag");
        QTest::addColumn<int>("shown");
        QTest::newRow("default limit 100") << QStringList{} << 100;
        QTest::newRow("--max-anomalies 10") << QStringList{u"--max-anomalies"_s, u"10"_s} << 10;
        QTest::newRow("--max-anomalies 0: no limit")
            << QStringList{u"--max-anomalies"_s, u"0"_s} << 500;
    }
    void readCoalescesAnomalyFloods() {
        QFETCH(QStringList, flag);
        QFETCH(int, shown);
        PcapBuilder capture;
        capture.addAll(anomalyFlood(500));
        const QString file = path(u"flood.pcap"_s);
        QVERIFY(capture.save(file.toStdString()));

        const Run run = runCli(QStringList{u"read"_s, file, u"--format"_s, u"jsonl"_s, u"--only"_s,
                                           u"anomalies,ends"_s} +
                               flag);
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.err, QByteArray());
        const QStringList all = lines(run.out);
        QMap<QString, int> kinds;
        for (const QString& line : all) {
            const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
            kinds[o.value(u"kind"_s).toString(o.value(u"event"_s).toString())] += 1;
        }
        QCOMPARE(kinds.value(u"unmasked-client-frame"_s), shown);
        QCOMPARE(kinds.value(u"reserved-opcode"_s), 3);
        QCOMPARE(all.last(), uR"({"event":"end","conn":1,"ts":1700000000.059000,"how":"fin"})"_s);
        if (shown == 500) {
            QCOMPARE(kinds.size(), 3);  // the two kinds and the end: nothing suppressed
            return;
        }
        QCOMPARE(kinds.size(), 4);
        // Packet 55 is the flood's last segment, at 54 ms.
        // (Not a raw string: the detail's "kind)" would end it.)
        const QString summary =
            u"{\"event\":\"anomaly\",\"conn\":1,\"dir\":\"client\",\"ts\":1700000000.054000,"
            u"\"packet\":55,\"kind\":\"anomalies-suppressed\",\"detail\":\"%1 more "
            u"unmasked-client-frame anomalies on this connection were not reported (limit %2 per "
            u"kind)\",\"rfc\":\"\"}"_s;
        QCOMPARE(all.at(all.size() - 2), summary.arg(500 - shown).arg(shown));
    }

    void listInterfacesShowsLoopback() {
        const Run run = runCli({u"capture"_s, u"-D"_s});
        QCOMPARE(run.exitCode, 0);
        const QRegularExpression loopback(u"^\\d+\\. lo .*\\[loopback\\b.*"_s);
        bool found = false;
        for (const QString& line : lines(run.out)) {
            found = found || loopback.match(line).hasMatch();
        }
        QVERIFY2(found, run.out.constData());
    }

    void captureThatCannotStartIsOneLine_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("pattern");  // the whole stderr line
        QTest::newRow("no such interface")
            << QStringList{u"-i"_s, u"nope0"_s}
            << u"sockscope-cli: no such capture interface 'nope0' \\(list them with: "
               "sockscope-cli capture -D\\)"_s;
        QTest::newRow("bad filter") << QStringList{u"-i"_s, u"lo"_s, u"-f"_s, u"tcp portt 5"_s}
                                    << u"sockscope-cli: bad capture filter 'tcp portt 5': .+"_s;
        QTest::newRow("unwritable output")
            << QStringList{u"-i"_s, u"lo"_s, u"-w"_s, u"/nonexistent-dir/x.pcapng"_s}
            << u"sockscope-cli: cannot create /nonexistent-dir/x.pcapng: No such file or "
               "directory"_s;
    }
    void captureThatCannotStartIsOneLine() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, pattern);
        SKIP_WITHOUT_CAPTURE_PERMISSION();
        CliProcess capture(QStringList{u"capture"_s} + arguments);
        QVERIFY(capture.waitForExit(kTimeoutMs));
        QCOMPARE(capture.exitCode(), 1);
        QCOMPARE(capture.errLines().size(), 1);
        QVERIFY2(capture.errHasLineMatching(pattern), capture.err().constData());
    }

    void withoutPermissionCaptureSaysHowToGrantIt() {
        // As root, drop to nobody (no capabilities) to see what a user sees.
        QString program = cliPath();
        QStringList arguments = {u"capture"_s, u"-i"_s, u"lo"_s};
        if (::geteuid() == 0) {
            const QString setpriv = QStandardPaths::findExecutable(u"setpriv"_s);
            if (setpriv.isEmpty()) {
                QSKIP("running as root and setpriv (util-linux) is missing to drop privileges");
            }
            arguments =
                QStringList{u"--reuid=65534"_s, u"--regid=65534"_s, u"--clear-groups"_s, program} +
                arguments;
            program = setpriv;
        }
        QProcess process;
        process.start(program, arguments);
        QVERIFY(process.waitForStarted(kTimeoutMs));
        if (!process.waitForFinished(3000)) {
            process.terminate();
            process.waitForFinished(kTimeoutMs);
            QSKIP("capture is permitted for this user (CAP_NET_RAW granted)");
        }
        const QString err = QString::fromUtf8(process.readAllStandardError()).trimmed();
        if (err.startsWith(u"setpriv:"_s)) {
            QSKIP(qPrintable(u"nobody cannot run the binary here: "_s + err));
        }
        QCOMPARE(process.exitCode(), 1);
        // The capture helper built next to the CLI has no capabilities in a
        // build tree: the advice names it and the group an installed one uses.
        const bool helperBuilt =
            QFileInfo::exists(QFileInfo(cliPath()).absolutePath() + u"/sockscope-capture"_s);
        const QRegularExpression expected(QRegularExpression::anchoredPattern(
            helperBuilt
                ? u"sockscope-cli: no permission to capture on lo \\(.*Operation not permitted; "
                  "the capture helper .*sockscope-capture has no capture capabilities: sudo setcap "
                  "cap_net_raw,cap_net_admin=eip .*sockscope-capture\\); add yourself to group "
                  "sockscope \\(sudo usermod -aG sockscope \\$USER, then log in again\\)"_s
                : u"sockscope-cli: no permission to capture on lo \\(.*Operation not "
                  u"permitted.*\\); "
                  "run as root or grant the capability: sudo setcap cap_net_raw,cap_net_admin=eip "
                  ".*sockscope-cli"_s));
        QVERIFY2(expected.match(err).hasMatch(), qPrintable(err));
    }

    void liveCaptureOnLoopbackIsReadBack() {
        SKIP_WITHOUT_CAPTURE_PERMISSION();
        ServeProcess server({u"--echo"_s});
        QVERIFY2(server.port() != 0, server.err().constData());
        const QString file = path(u"live.pcapng"_s);
        // --buffer-size: a small kernel buffer is plenty for two short messages.
        CliProcess capture({u"capture"_s, u"-i"_s, u"lo"_s, u"-f"_s,
                            u"tcp port "_s + QString::number(server.port()), u"-w"_s, file,
                            u"--buffer-size"_s, u"8"_s});
        QVERIFY2(capture.waitForStderr("capturing on lo", kTimeoutMs), capture.err().constData());

        CliProcess client({u"connect"_s, server.url() + u"chat"_s});
        client.write("Hello\nWorld\n");
        client.closeStdin();
        QVERIFY(client.waitForExit(kTimeoutMs));
        QCOMPARE(client.exitCode(), 0);
        // The live output shows the connection's end once its packets arrived.
        QVERIFY2(capture.waitForStdout("end close-handshake", kTimeoutMs),
                 capture.out().constData());
        capture.process().terminate();  // SIGTERM: a clean stop
        QVERIFY(capture.waitForExit(kTimeoutMs));
        QCOMPARE(capture.exitCode(), 0);
        QVERIFY2(capture.errHasLineMatching(
                     u"sockscope-cli: capture on lo stopped, \\d+ packets written to .*"_s),
                 capture.err().constData());

        const Run read = runCli({u"read"_s, file, u"--only"_s, u"messages"_s});
        QCOMPARE(read.exitCode, 0);
        // Each direction in order (how the two interleave depends on timing).
        QStringList fromClient;
        QStringList fromServer;
        for (const QString& line : lines(read.out)) {
            const QString event = line.section(u' ', 3);  // without packet, time, connection
            (event.startsWith(u"client") ? fromClient : fromServer) << event;
        }
        QCOMPARE(fromClient, (QStringList{
                                 u"client→server message text 5 B \"Hello\""_s,
                                 u"client→server message text 5 B \"World\""_s,
                                 u"client→server message close 1000 (Normal Closure)"_s,
                             }));
        QCOMPARE(fromServer, (QStringList{
                                 u"server→client message text 5 B \"Hello\""_s,
                                 u"server→client message text 5 B \"World\""_s,
                                 u"server→client message close 1000 (Normal Closure)"_s,
                             }));
    }
};

QTEST_GUILESS_MAIN(TestCliRead)
#include "tst_cli_read.moc"
