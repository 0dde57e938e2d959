// The --max-* options of every command, end to end through the built binary
// (issue 7 §3): `read` on a hand-built capture reports each exceeded limit as
// an anomaly and goes on with the rest; `serve` refuses an oversize handshake
// with 431 and fails an oversize message with 1009; `connect` fails an
// oversize message from the server with 1009. Bad values are usage errors.
// What each limit does inside: tests/core/tst_endpoint_limits.cpp and
// tests/dissector/tst_limits.cpp.
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include "cli_process.h"
#include "pcap_builder.h"
#include "sockscope/core/handshake.h"
#include "wire.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 20000;
const std::string kKey = "dGhlIHNhbXBsZSBub25jZQ==";

Bytes textBytes(const std::string& text) {
    return Bytes(text.begin(), text.end());
}

// A request with the five fields of an upgrade and `extra` more.
std::string upgradeRequest(int extra) {
    std::string request =
        "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:8765\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: " +
        kKey + "\r\nSec-WebSocket-Version: 13\r\n";
    for (int i = 0; i < extra; ++i)
        request += "X-Extra-" + std::to_string(i) + ": a longer value\r\n";
    return request + "\r\n";
}

// Connection 1 (port 53422): an upgrade with 10 fields, a 2000-byte binary
// message whose two segments arrive swapped, a text message in five 1-byte
// fragments, then "ok". Connection 2 (port 53423): "hello".
std::vector<Bytes> limitCapture() {
    std::vector<Bytes> packets, fins;
    for (std::uint16_t port : {std::uint16_t(53422), std::uint16_t(53423)}) {
        TcpPacketSpec spec;
        spec.srcPort = port;
        spec.dstPort = 8765;
        TcpConversation c(spec, 1000, 5000);
        for (const Bytes& p : c.handshake())
            packets.push_back(p);
        packets.push_back(c.clientSends(textBytes(upgradeRequest(port == 53422 ? 5 : 0))));
        packets.push_back(c.serverSends(textBytes(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: " +
            computeWebSocketAccept(kKey) + "\r\n\r\n")));
        if (port == 53422) {
            const Bytes big = encode({.opcode = 2, .payload = Bytes(2000, 7), .masked = true});
            const Bytes first = c.clientSends(Bytes(big.begin(), big.begin() + 1000));
            packets.push_back(c.clientSends(Bytes(big.begin() + 1000, big.end())));
            packets.push_back(first);
            for (int i = 0; i < 5; ++i)
                packets.push_back(c.clientSends(encode({.fin = i == 4,
                                                        .opcode = i == 0 ? 1 : 0,
                                                        .payload = textBytes("a"),
                                                        .masked = true})));
            packets.push_back(c.clientSends(encode({.payload = textBytes("ok"), .masked = true})));
        } else {
            packets.push_back(
                c.clientSends(encode({.payload = textBytes("hello"), .masked = true})));
        }
        if (port == 53422) {
            // Connection 1 ends after connection 2: both are followed at once.
            fins = {c.clientFin(), c.serverFin()};
        } else {
            packets.push_back(c.clientFin());
            packets.push_back(c.serverFin());
        }
    }
    packets.insert(packets.end(), fins.begin(), fins.end());
    return packets;
}

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run runCli(const QStringList& arguments) {
    CliProcess process(arguments);
    process.closeStdin();
    Run run;
    if (!process.waitForExit(kTimeoutMs))
        return run;
    run.exitCode = process.exitCode();
    run.out = process.out();
    run.err = process.err();
    return run;
}

}  // namespace

class TestCliLimits : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        PcapBuilder capture;
        capture.addAll(limitCapture());
        QVERIFY(capture.save(file().toStdString()));
    }

    void readReportsEachLimit_data() {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QStringList>("anomalies");  // kinds, in order
        QTest::addColumn<QStringList>("messages");   // "conn dir opcode length kept"
        const QStringList all{u"1 client binary 2000 2000"_s, u"1 client text 5 5"_s,
                              u"1 client text 2 2"_s, u"2 client text 5 5"_s};
        QTest::newRow("defaults") << QStringList{} << QStringList{} << all;
        QTest::newRow("--max-frame-size 1999") << QStringList{u"--max-frame-size"_s, u"1999"_s}
                                               << QStringList{u"frame-too-big"_s} << all;
        QTest::newRow("--max-message-size 1K") << QStringList{u"--max-message-size"_s, u"1K"_s}
                                               << QStringList{u"message-too-big"_s} << all;
        QTest::newRow("--max-fragments 4") << QStringList{u"--max-fragments"_s, u"4"_s}
                                           << QStringList{u"too-many-fragments"_s} << all;
        // The request of connection 1 has 10 fields and over 256 bytes: over
        // either limit it is not taken for a handshake (and connection 2 is
        // the first WebSocket connection).
        QTest::newRow("--max-header-fields 9")
            << QStringList{u"--max-header-fields"_s, u"9"_s}
            << QStringList{u"handshake-too-large"_s} << QStringList{u"1 client text 5 5"_s};
        QTest::newRow("--max-handshake-bytes 256")
            << QStringList{u"--max-handshake-bytes"_s, u"256"_s}
            << QStringList{u"handshake-too-large"_s} << QStringList{u"1 client text 5 5"_s};
        QTest::newRow("--max-payload-kept 100")
            << QStringList{u"--max-payload-kept"_s, u"100"_s} << QStringList{}
            << QStringList{u"1 client binary 2000 100"_s, u"1 client text 5 5"_s,
                           u"1 client text 2 2"_s, u"2 client text 5 5"_s};
        // The swapped segment (1010 bytes) would wait for the first one: past
        // the limit it is given up, and the reader finds the next frame.
        for (const QString& flag : {u"--max-out-of-order-bytes"_s, u"--max-buffered-bytes"_s}) {
            QTest::addRow("%s 1000", qPrintable(flag))
                << QStringList{flag, u"1000"_s}
                << QStringList{u"tcp-out-of-order-limit"_s, u"tcp-gap"_s,
                               u"desync-resynchronized"_s}
                << QStringList{u"1 client text 5 5"_s, u"1 client text 2 2"_s,
                               u"2 client text 5 5"_s};
        }
        // Connection 2's SYN arrives while connection 1 is followed: 1 is
        // given up (its FINs then start nothing new).
        QTest::newRow("--max-connections 1")
            << QStringList{u"--max-connections"_s, u"1"_s} << QStringList{u"flow-limit"_s} << all;
    }
    void readReportsEachLimit() {
        QFETCH(QStringList, flags);
        QFETCH(QStringList, anomalies);
        QFETCH(QStringList, messages);
        const Run run = runCli(QStringList{u"read"_s, file(), u"--format"_s, u"jsonl"_s} + flags);
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.err, QByteArray());
        QStringList seenAnomalies, seenMessages;
        for (const QByteArray& line : run.out.split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            const QString event = o.value(u"event"_s).toString();
            if (event == u"anomaly") {
                seenAnomalies << o.value(u"kind"_s).toString();
            } else if (event == u"message") {
                const auto kept =
                    QByteArray::fromBase64(o.value(u"payload_b64"_s).toString().toLatin1());
                seenMessages << u"%1 %2 %3 %4 %5"_s.arg(o.value(u"conn"_s).toInt())
                                    .arg(o.value(u"dir"_s).toString(),
                                         o.value(u"opcode"_s).toString())
                                    .arg(o.value(u"length"_s).toInteger())
                                    .arg(kept.size());
            }
        }
        seenAnomalies.removeAll(u"mid-stream"_s);  // a flow given up and seen again
        seenAnomalies.removeAll(u"handshake-not-seen"_s);
        QCOMPARE(seenAnomalies, anomalies);
        QCOMPARE(seenMessages, messages);
    }

    void badValuesAreUsageErrors_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("error");
        QTest::newRow("size with a bad unit")
            << QStringList{u"read"_s, u"x"_s, u"--max-message-size"_s, u"12X"_s}
            << u"read: --max-message-size '12X' is not a size (bytes, or with K, M or G)"_s;
        QTest::newRow("negative size")
            << QStringList{u"capture"_s, u"-i"_s, u"lo"_s, u"--max-frame-size"_s, u"-1"_s}
            << u"capture: --max-frame-size '-1' is not a size (bytes, or with K, M or G)"_s;
        QTest::newRow("size over 2^63")
            << QStringList{u"read"_s, u"x"_s, u"--max-buffered-bytes"_s, u"9000000000G"_s}
            << u"read: --max-buffered-bytes '9000000000G' is not a size (bytes, or with K, M or "
               "G)"_s;
        QTest::newRow("zero fragments")
            << QStringList{u"serve"_s, u"--port"_s, u"0"_s, u"--max-fragments"_s, u"0"_s}
            << u"serve: --max-fragments 0 is out of range (1 to 4294967295)"_s;
        QTest::newRow("tiny head limit")
            << QStringList{u"connect"_s, u"ws://127.0.0.1:1/"_s, u"--max-handshake-bytes"_s,
                           u"10"_s}
            << u"connect: --max-handshake-bytes 10 is out of range (256 to 1GiB)"_s;
        QTest::newRow("a count that is not one")
            << QStringList{u"read"_s, u"x"_s, u"--max-connections"_s, u"many"_s}
            << u"read: --max-connections 'many' is not a count"_s;
        QTest::newRow("dissector-only option on serve")
            << QStringList{u"serve"_s, u"--port"_s, u"0"_s, u"--max-connections"_s, u"5"_s}
            << u"Unknown option 'max-connections'."_s;
    }
    void badValuesAreUsageErrors() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, error);
        const Run run = runCli(arguments);
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(QString::fromUtf8(run.err).trimmed(),
                 u"sockscope-cli: "_s + error + u" (see --help)"_s);
    }

    void serveRefusesAnOversizeHandshakeWith431() {
        ServeProcess serve({u"--echo"_s, u"--max-header-fields"_s, u"9"_s});
        QVERIFY(serve.port() != 0);
        for (int extra : {4, 5}) {
            QTcpSocket socket;
            socket.connectToHost(u"127.0.0.1"_s, serve.port());
            QVERIFY(socket.waitForConnected(kTimeoutMs));
            socket.write(QByteArray::fromStdString(upgradeRequest(extra)));
            QByteArray answer;
            while (!answer.contains("\r\n\r\n") && socket.waitForReadyRead(kTimeoutMs))
                answer += socket.readAll();
            QVERIFY2(answer.startsWith(extra == 4 ? "HTTP/1.1 101" : "HTTP/1.1 431"),
                     answer.constData());
        }
        QVERIFY(serve.waitForStderr("more than 9 header fields", kTimeoutMs));
    }

    void serveFailsAnOversizeMessageWith1009() {
        ServeProcess serve({u"--echo"_s, u"--max-message-size"_s, u"1000"_s});
        QVERIFY(serve.port() != 0);
        QWebSocket client;
        client.open(QUrl(serve.url()));
        QTRY_VERIFY_WITH_TIMEOUT(client.state() == QAbstractSocket::ConnectedState, kTimeoutMs);
        QByteArray echoed;
        connect(&client, &QWebSocket::binaryMessageReceived, this,
                [&](const QByteArray& m) { echoed = m; });
        client.sendBinaryMessage(QByteArray(1000, 'a'));
        QTRY_COMPARE_WITH_TIMEOUT(echoed.size(), 1000, kTimeoutMs);
        client.sendBinaryMessage(QByteArray(1001, 'a'));
        QTRY_VERIFY_WITH_TIMEOUT(client.state() == QAbstractSocket::UnconnectedState, kTimeoutMs);
        QCOMPARE(int(client.closeCode()), 1009);
    }

    void connectFailsAnOversizeMessageWith1009() {
        ServeProcess serve({u"--echo"_s});
        QVERIFY(serve.port() != 0);
        // stdin stays open: at its end the client would close with 1000 first.
        CliProcess connect({u"connect"_s, u"--max-message-size"_s, u"100"_s, serve.url()});
        connect.write(QByteArray(100, 'a') + "\n");
        QVERIFY(connect.waitForStdout(QByteArray(100, 'a') + "\n", kTimeoutMs));
        connect.write(QByteArray(200, 'b') + "\n");
        QVERIFY(connect.waitForExit(kTimeoutMs));
        QCOMPARE(connect.exitCode(), 1);
        QCOMPARE(connect.out(), QByteArray(100, 'a') + "\n");
        QVERIFY2(connect.err().contains("message-too-big (RFC 6455 §10.4): message of at least "
                                        "200 bytes exceeds the limit of 100"),
                 connect.err().constData());
        QVERIFY2(serve.waitForStderr("closed 1009 (Message Too Big)", kTimeoutMs),
                 serve.err().constData());
    }

private:
    QString file() const { return dir_.filePath(u"limits.pcap"_s); }
    QTemporaryDir dir_;
};

QTEST_MAIN(TestCliLimits)
#include "tst_cli_limits.moc"
