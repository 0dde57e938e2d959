// The console's readers fed by strangers: replay script files (truncated,
// deeply nested, huge, wrongly typed), the recording relay's client and
// target (a request head that never ends or stalls, no Host, garbage, a 10 MiB burst)
// and the test server (200 connections that never send a byte). Each must
// end with a specific error or answer, and hold bounded memory.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <functional>
#include <memory>
#include <vector>

#include "inspector/replay_script.h"
#include "session/recording_relay.h"
#include "session/websocket_server.h"
#include "session/websocket_url.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::ui;
using namespace Qt::StringLiterals;

namespace {

// QTRY_* waits up to this, and every loop below is bounded by it.
constexpr int kTimeoutMs = 20000;
// The cap loadReplayScript states.
constexpr qint64 kScriptCap = qint64(128) << 20;
// The relay reads a side at most this much at a time (recording_relay.h).
constexpr qint64 kRelayChunk = 256 * 1024;

const QByteArray kHead = R"({"format": "sockscope-replay", "version": 1, )";

WebSocketUrl urlFor(const QString& text) {
    return *parseWebSocketUrl(text).url;
}

// An echo server for the relay to forward to.
std::unique_ptr<WebSocketServer> echoServer() {
    ServerOptions options;
    options.echo = true;
    auto server = std::make_unique<WebSocketServer>(options);
    if (!server->listen()) {
        return nullptr;
    }
    return server;
}

// Reads from `socket` until `done` holds for what was read, or the timeout.
QByteArray readUntil(QTcpSocket& socket, const std::function<bool(const QByteArray&)>& done) {
    QByteArray bytes;
    QElapsedTimer timer;
    timer.start();
    while (!done(bytes) && timer.elapsed() < kTimeoutMs) {
        // Not waitForReadyRead(): the relay and the server run in this thread's event loop.
        QTest::qWait(5);
        bytes += socket.readAll();
        if (socket.state() == QAbstractSocket::UnconnectedState && socket.bytesAvailable() == 0) {
            break;
        }
    }
    return bytes;
}

int openFileDescriptors() {
    return int(QDir(u"/proc/self/fd"_s).entryList(QDir::Files | QDir::System).size());
}

}  // namespace

class ConsoleHostile : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

    QString writeFile(const QString& name, const QByteArray& bytes) {
        const QString path = dir_.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size()) {
            return {};
        }
        return path;
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void replayScriptRefusesHostileJson_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << QByteArray() << u"not JSON: illegal value at byte 0"_s;
        QTest::newRow("truncated in a string") << kHead + "\"steps\": [{\"opcode\": \"te"
                                               << u"not JSON: unterminated string at byte 70"_s;
        QTest::newRow("truncated after a value") << kHead + R"("steps": [{"opcode": "text"})"
                                                 << u"not JSON: unterminated array at byte 73"_s;
        QTest::newRow("a NUL byte")
            << kHead + QByteArray("\0}", 2) << u"not JSON: unterminated object at byte 46"_s;
        QTest::newRow("invalid UTF-8")
            << kHead + "\"target\": \"\xff\xfe\"}" << u"not JSON: invalid UTF8 string at byte 56"_s;
        // Qt's parser takes only an object or an array at the top.
        QTest::newRow("top level is a string")
            << QByteArray(R"("sockscope-replay")") << u"not JSON: illegal value at byte 1"_s;
        QTest::newRow("top level is an array")
            << QByteArray(R"([{"format": "sockscope-replay"}])")
            << u"not a Sockscope replay script: the top level is not an object"_s;
        QTest::newRow("format is a number")
            << QByteArray(R"({"format": 1, "version": 1})")
            << u"not a Sockscope replay script: \"format\" is not \"sockscope-replay\""_s;
        QTest::newRow("version is a string")
            << QByteArray(R"({"format": "sockscope-replay", "version": "1"})")
            << u"version: expected a whole number from 1, got a string"_s;
        QTest::newRow("version is a fraction")
            << QByteArray(R"({"format": "sockscope-replay", "version": 1.5})")
            << u"version: expected a whole number from 1, got a number"_s;
        QTest::newRow("version is huge")
            << QByteArray(R"({"format": "sockscope-replay", "version": 1e308})")
            << u"version: expected a whole number from 1, got a number"_s;
        QTest::newRow("target is an object") << kHead + R"("target": {"path": "/"}})"
                                             << u"target: expected a string, got an object"_s;
        QTest::newRow("steps is an object") << kHead + R"("steps": {"0": {"opcode": "text"}}})"
                                            << u"steps: expected an array, got an object"_s;
        QTest::newRow("a step is an array") << kHead + R"("steps": [["text", "aGk="]]})"
                                            << u"steps[0]: expected an object, got an array"_s;
        QTest::newRow("opcode is a number")
            << kHead + R"("steps": [{"opcode": 1}]})"
            << u"steps[0].opcode: expected a string (text, binary, close, ping or pong), got a "
               "number"_s;
        QTest::newRow("payload is a number")
            << kHead + R"("steps": [{"opcode": "text", "payload_b64": 12}]})"
            << u"steps[0].payload_b64: expected a base64 string, got a number"_s;
        QTest::newRow("payload is not base64")
            << kHead + R"("steps": [{"opcode": "text", "payload_b64": "a\u0000=="}]})"
            << u"steps[0].payload_b64: not valid base64"_s;
        QTest::newRow("fragments is huge")
            << kHead + R"("steps": [{"opcode": "text", "fragments": 1e300}]})"
            << u"steps[0].fragments: expected a whole number from 1 to 1048576"_s;
        QTest::newRow("fragments is a string")
            << kHead + R"("steps": [{"opcode": "text", "fragments": "2"}]})"
            << u"steps[0].fragments: expected a whole number from 1 to 1048576"_s;
        QTest::newRow("offset beyond 2^53")
            << kHead + R"("steps": [{"opcode": "text", "offset_ns": 1e17}]})"
            << u"steps[0].offset_ns: expected a whole number of nanoseconds"_s;
        QTest::newRow("answers_before negative")
            << kHead + R"("steps": [{"opcode": "text", "answers_before": -1}]})"
            << u"steps[0].answers_before: expected a whole number of at least 0"_s;
        QTest::newRow("close code out of range")
            << kHead + R"("steps": [{"opcode": "close", "close_code": 65536}]})"
            << u"steps[0].close_code: expected null or a whole number from 0 to 65535"_s;
        QTest::newRow("headers entry is a string")
            << kHead + R"("headers": ["Origin: x"]})"
            << u"headers[0]: expected {\"name\": a non-empty string, \"value\": a string}"_s;
        QTest::newRow("subprotocols entry is null")
            << kHead + R"("subprotocols": ["chat", null]})"
            << u"subprotocols[1]: expected a string, got null"_s;
        QTest::newRow("a late answer is wrong")
            << kHead + R"("recorded_answers": [{"opcode": "text"}, {"opcode": "text"}, 7]})"
            << u"recorded_answers[2]: expected an object, got a number"_s;
    }

    void replayScriptRefusesHostileJson() {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!replayScriptFromJson(json, &error));
        QCOMPARE(error, expected);
        // The same through a file: the path is named first.
        const QString path = writeFile(u"hostile.json"_s, json);
        QVERIFY(!path.isEmpty());
        QVERIFY(!loadReplayScript(path, &error));
        QCOMPARE(error, path + u": "_s + expected);
    }

    // Nesting is refused by the parser at a fixed depth, not by running out of stack.
    void replayScriptRefusesDeepNesting() {
        for (const int depth : {2000, 100000}) {
            const QByteArray json =
                kHead + R"("steps": )" + QByteArray(depth, '[') + QByteArray(depth, ']') + '}';
            QString error;
            QVERIFY(!replayScriptFromJson(json, &error));
            QCOMPARE(error, u"not JSON: too deeply nested document at byte 1078"_s);
        }
        // Deep but within the parser's limit: a type error at the first level.
        const QByteArray json =
            kHead + R"("steps": [)" + QByteArray(500, '[') + QByteArray(500, ']') + "]}";
        QString error;
        QVERIFY(!replayScriptFromJson(json, &error));
        QCOMPARE(error, u"steps[0]: expected an object, got an array"_s);
    }

    // A file over the cap is refused by its size, before anything is read (a
    // sparse file: no disk space is used).
    void replayScriptLoaderRefusesAHugeFile() {
        const QString path = dir_.filePath(u"huge.json"_s);
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            QVERIFY(file.resize(kScriptCap + 1));
        }
        QString error;
        QVERIFY(!loadReplayScript(path, &error));
        QCOMPARE(error, path + u" is too large for a replay script (over 128 MiB)"_s);

        // Exactly at the cap: read, then refused as JSON (the NUL bytes).
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadWrite));
            QVERIFY(file.resize(kScriptCap));
        }
        QVERIFY(!loadReplayScript(path, &error));
        QCOMPARE(error, path + u": not JSON: illegal value at byte 1"_s);
    }

    // A device reports size 0: the loader stops reading at the cap.
    void replayScriptLoaderStopsAnEndlessStream() {
        if (!QFile::exists(u"/dev/zero"_s)) {
            QSKIP("no /dev/zero here to stand for an endless stream");
        }
        QString error;
        QVERIFY(!loadReplayScript(u"/dev/zero"_s, &error));
        QCOMPARE(error, u"/dev/zero is too large for a replay script (over 128 MiB)"_s);
    }

    // The relay refuses a head longer than its limit with a 431, also when it
    // arrives a line at a time and never ends.
    void relayRefusesAHeadThatNeverEnds() {
        const auto server = echoServer();
        QVERIFY(server);
        RecordingRelay relay(urlFor(u"ws://127.0.0.1:"_s + QString::number(server->serverPort())),
                             nullptr);
        QVERIFY(relay.listen());
        QStringList failures;
        connect(&relay, &RecordingRelay::failed, this,
                [&](const QString& why) { failures.append(why); });
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, relay.port());
        QVERIFY(socket.waitForConnected(kTimeoutMs));
        socket.write("GET / HTTP/1.1\r\n");
        const QByteArray line = "X-Filler: " + QByteArray(1014, 'a') + "\r\n";  // 1 KiB
        for (int i = 0; i < 80 && socket.state() == QAbstractSocket::ConnectedState; ++i) {
            socket.write(line);
            socket.flush();
            QTest::qWait(2);
            QVERIFY(relay.bufferedBytes() <= 64 * 1024 + kRelayChunk);
        }
        const QByteArray answer =
            readUntil(socket, [](const QByteArray& bytes) { return bytes.contains("\r\n\r\n"); });
        QCOMPARE(answer, QByteArray("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: "
                                    "close\r\nContent-Length: 0\r\n\r\n"));
        QCOMPARE(failures, QStringList{u"relay: the request head is over 65536 bytes; refused"_s});
        QTRY_COMPARE_WITH_TIMEOUT(relay.activeLinks(), 0, kTimeoutMs);
        QCOMPARE(relay.bufferedBytes(), 0);
    }

    // A client that starts a head and then sends nothing more gets a 408 once
    // the head timeout passes; both sockets are closed.
    void relayTimesOutAStalledHead() {
        const auto server = echoServer();
        QVERIFY(server);
        RelayOptions options;
        options.headTimeout = std::chrono::milliseconds(300);
        RecordingRelay relay(urlFor(u"ws://127.0.0.1:"_s + QString::number(server->serverPort())),
                             nullptr, options);
        QVERIFY(relay.listen());
        QStringList failures;
        connect(&relay, &RecordingRelay::failed, this,
                [&](const QString& why) { failures.append(why); });
        std::vector<std::unique_ptr<QTcpSocket>> clients;
        for (int i = 0; i < 20; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, relay.port());
            QVERIFY(socket->waitForConnected(kTimeoutMs));
            // Half the clients send part of a head, half nothing at all.
            if (i % 2 == 0) {
                socket->write("GET / HTTP/1.1\r\nHost: x\r\n");
            }
            clients.push_back(std::move(socket));
        }
        for (auto& socket : clients) {
            const QByteArray answer = readUntil(
                *socket, [](const QByteArray& bytes) { return bytes.contains("\r\n\r\n"); });
            QCOMPARE(answer, QByteArray("HTTP/1.1 408 Request Timeout\r\nConnection: "
                                        "close\r\nContent-Length: 0\r\n\r\n"));
        }
        QCOMPARE(failures,
                 QStringList(20, u"relay: no complete request head within 300 ms; closed"_s));
        QTRY_COMPARE_WITH_TIMEOUT(relay.activeLinks(), 0, kTimeoutMs);
        QCOMPARE(relay.bufferedBytes(), 0);
    }

    // Garbage without an empty line is a head that never ends.
    void relayRefusesGarbage() {
        const auto server = echoServer();
        QVERIFY(server);
        RecordingRelay relay(urlFor(u"ws://127.0.0.1:"_s + QString::number(server->serverPort())),
                             nullptr);
        QVERIFY(relay.listen());
        QStringList failures;
        connect(&relay, &RecordingRelay::failed, this,
                [&](const QString& why) { failures.append(why); });
        QByteArray garbage(70 * 1024, '\0');
        QRandomGenerator random(5);
        for (char& c : garbage) {
            c = char(random.bounded(256));
        }
        garbage.replace("\r\n\r\n", "\r\n\r.");
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, relay.port());
        QVERIFY(socket.waitForConnected(kTimeoutMs));
        socket.write(garbage);
        const QByteArray answer =
            readUntil(socket, [](const QByteArray& bytes) { return bytes.contains("\r\n\r\n"); });
        QVERIFY2(answer.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
                 answer.left(80).constData());
        QCOMPARE(failures, QStringList{u"relay: the request head is over 65536 bytes; refused"_s});
        QTRY_COMPARE_WITH_TIMEOUT(relay.activeLinks(), 0, kTimeoutMs);
    }

    // A head the target cannot read (no Host; binary garbage that ends like a
    // head) is passed on as it is, and the target's refusal comes back.
    void relayPassesAMalformedHeadToTheTarget_data() {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<QByteArray>("statusLine");
        QTest::newRow("no Host")
            << QByteArray(
                   "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n")
            << QByteArray("HTTP/1.1 400 Bad Request\r\n");
        QTest::newRow("binary garbage")
            << QByteArray("\x00\xff\x16\x03\x01 \x80\r\nHost\r\n:\r\n\r\n", 21)
            << QByteArray("HTTP/1.1 400 Bad Request\r\n");
        QTest::newRow("no HTTP version")
            << QByteArray("NOT HTTP\r\n\r\n") << QByteArray("HTTP/1.1 400 Bad Request\r\n");
    }

    void relayPassesAMalformedHeadToTheTarget() {
        QFETCH(QByteArray, head);
        QFETCH(QByteArray, statusLine);
        const auto server = echoServer();
        QVERIFY(server);
        QList<int> refusals;
        connect(
            server.get(), &WebSocketServer::handshakeRefused, this,
            [&](quint64, const QString&, int status, const QString&) { refusals.append(status); });
        RecordingRelay relay(urlFor(u"ws://127.0.0.1:"_s + QString::number(server->serverPort())),
                             nullptr);
        QVERIFY(relay.listen());
        QStringList failures;
        connect(&relay, &RecordingRelay::failed, this,
                [&](const QString& why) { failures.append(why); });
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, relay.port());
        QVERIFY(socket.waitForConnected(kTimeoutMs));
        socket.write(head);
        const QByteArray answer =
            readUntil(socket, [](const QByteArray& bytes) { return bytes.contains("\r\n\r\n"); });
        QVERIFY2(answer.startsWith(statusLine), answer.left(80).constData());
        QTRY_COMPARE_WITH_TIMEOUT(refusals, QList<int>{400}, kTimeoutMs);
        QCOMPARE(failures, QStringList());
        // The target closes after refusing; the relay closes the client too.
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(relay.activeLinks(), 0, kTimeoutMs);
    }

    void rewritingHostLeavesOddHeadsAlone_data() {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("no line end")
            << QByteArray("GET / HTTP/1.1") << QByteArray("GET / HTTP/1.1");
        QTest::newRow("Host without colon") << QByteArray("GET / HTTP/1.1\r\nHost\r\n\r\n")
                                            << QByteArray("GET / HTTP/1.1\r\nHost\r\n\r\n");
        QTest::newRow("colon first") << QByteArray("GET / HTTP/1.1\r\n:Host: a\r\n\r\n")
                                     << QByteArray("GET / HTTP/1.1\r\n:Host: a\r\n\r\n");
        QTest::newRow("Host after the empty line")
            << QByteArray("GET / HTTP/1.1\r\n\r\nHost: a\r\n\r\n")
            << QByteArray("GET / HTTP/1.1\r\n\r\nHost: a\r\n\r\n");
        QTest::newRow("last line unterminated")
            << QByteArray("GET / HTTP/1.1\r\nHost: a") << QByteArray("GET / HTTP/1.1\r\nHost: a");
        QTest::newRow("two Host lines: the first")
            << QByteArray("GET / HTTP/1.1\r\nhOsT : a\r\nHost: b\r\n\r\n")
            << QByteArray("GET / HTTP/1.1\r\nHost: t:1\r\nHost: b\r\n\r\n");
    }

    void rewritingHostLeavesOddHeadsAlone() {
        QFETCH(QByteArray, head);
        QFETCH(QByteArray, expected);
        QCOMPARE(rewriteHostHeader(head, "t:1"), expected);
    }

    // A target that sends 10 MiB at once to a client that does not read:
    // the relay stops reading the target instead of holding it all; once the
    // client reads, every byte arrives in order.
    void relayBuffersABurstBounded() {
        constexpr qint64 kBurst = qint64(10) << 20;
        QByteArray burst(kBurst, '\0');
        for (qint64 i = 0; i < kBurst; ++i) {
            burst[i] = char((i * 7 + i / 251) & 0xFF);
        }
        QTcpServer target;
        QVERIFY(target.listen(QHostAddress::LocalHost));
        QTcpSocket* targetSide = nullptr;
        connect(&target, &QTcpServer::newConnection, this, [&] {
            targetSide = target.nextPendingConnection();
            targetSide->write(burst);
        });
        RelayOptions options;
        RecordingRelay relay(urlFor(u"ws://127.0.0.1:"_s + QString::number(target.serverPort())),
                             nullptr, options);
        QVERIFY(relay.listen());
        const qint64 bound = options.highWater + 2 * kRelayChunk;

        qint64 peak = 0;
        QTimer sampler;
        connect(&sampler, &QTimer::timeout, this,
                [&] { peak = std::max(peak, relay.bufferedBytes()); });
        sampler.start(5);

        QTcpSocket client;
        client.setReadBufferSize(64 * 1024);  // takes 64 KiB, then reads no more
        client.connectToHost(QHostAddress::LocalHost, relay.port());
        QVERIFY(client.waitForConnected(kTimeoutMs));
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(targetSide != nullptr, kTimeoutMs);

        // Until the transfer stalls: the target's buffer stops shrinking.
        qint64 last = -1;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < kTimeoutMs) {
            QTest::qWait(300);
            const qint64 now = targetSide->bytesToWrite();
            if (now == last) {
                break;
            }
            last = now;
        }
        QVERIFY2(relay.bufferedBytes() <= bound,
                 qPrintable(QString::number(relay.bufferedBytes())));
        QVERIFY2(peak <= bound, qPrintable(QString::number(peak)));
        QVERIFY2(peak > 0, "the relay never held the burst's bytes");

        // Now the client reads: all of it, in order.
        client.setReadBufferSize(0);
        QByteArray received;
        timer.restart();
        while (received.size() < kBurst && timer.elapsed() < kTimeoutMs) {
            QTest::qWait(5);
            received += client.readAll();
            peak = std::max(peak, relay.bufferedBytes());
        }
        QCOMPARE(received.size(), kBurst);
        QVERIFY(received == burst);
        QVERIFY2(peak <= bound, qPrintable(QString::number(peak)));
        client.disconnectFromHost();
        QTRY_COMPARE_WITH_TIMEOUT(relay.activeLinks(), 0, kTimeoutMs);
    }

    // 200 clients connect and never send a byte: every one times out of the
    // opening handshake, is reported, and leaves nothing behind.
    void serverTimesOutHalfOpenConnections() {
        constexpr int kClients = 200;
        ServerOptions options;
        options.echo = true;
        options.timeouts.handshake = std::chrono::milliseconds(1500);
        WebSocketServer server(options);
        QVERIFY(server.listen());
        QStringList reasons;
        QList<int> statuses;
        connect(&server, &WebSocketServer::handshakeRefused, this,
                [&](quint64, const QString&, int status, const QString& reason) {
                    statuses.append(status);
                    reasons.append(reason);
                });
        int finished = 0;
        connect(&server, &WebSocketServer::connectionFinished, this,
                [&](quint64, const event::Closed&) { ++finished; });
        // All within the server's listen backlog: none waits seconds for a SYN retry.
        int accepted = 0;
        int peak = 0;
        connect(&server, &WebSocketServer::newConnection, this, [&] {
            ++accepted;
            peak = std::max(peak, server.connectionCount());
        });
        const int fdsBefore = openFileDescriptors();

        std::vector<std::unique_ptr<QTcpSocket>> clients;
        int disconnected = 0;
        for (int i = 0; i < kClients; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            connect(socket.get(), &QTcpSocket::disconnected, this, [&] { ++disconnected; });
            socket->connectToHost(QHostAddress::LocalHost, server.serverPort());
            clients.push_back(std::move(socket));
        }
        QTRY_COMPARE_WITH_TIMEOUT(finished, kClients, kTimeoutMs);
        QCOMPARE(accepted, kClients);
        qInfo("at most %d of the %d connections were open at once", peak, kClients);
        QCOMPARE(statuses, QList<int>(kClients, 0));
        QCOMPARE(reasons, QStringList(kClients, u"opening handshake timed out after 1500 ms"_s));
        QCOMPARE(server.connectionCount(), 0);
        QCOMPARE(server.connectionIds(), QList<quint64>());
        QTRY_COMPARE_WITH_TIMEOUT(disconnected, kClients, kTimeoutMs);
        // The finished connections are deleted (deleteLater), sockets and all.
        QTRY_COMPARE_WITH_TIMEOUT(server.findChildren<WebSocketConnection*>().size(), 0,
                                  kTimeoutMs);
        clients.clear();
        QTRY_COMPARE_WITH_TIMEOUT(openFileDescriptors(), fdsBefore, kTimeoutMs);
    }
};

QTEST_GUILESS_MAIN(ConsoleHostile)
#include "tst_console_hostile.moc"
