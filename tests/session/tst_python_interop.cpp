// Interop with an independent implementation that speaks permessage-deflate:
// Debian's python3-websockets (asyncio API), run with /usr/bin/python3 through
// the peer scripts in tests/session/peers. Both roles, with and without
// compression, text and binary, 0 B to 16 MiB. Loopback only, bounded waits.

#include <QProcess>
#include <QTest>
#include <memory>

#include "connection_recorder.h"
#include "payloads.h"
#include "peer_process.h"
#include "session/websocket_client.h"
#include "session/websocket_server.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

// QTRY_* waits up to three times this on failure.
constexpr int kTimeoutMs = 20000;
constexpr int kPythonRunMs = 100000;  // one python client run, 16 MiB with deflate included
constexpr auto kText = static_cast<std::uint8_t>(Opcode::Text);
constexpr auto kBinary = static_cast<std::uint8_t>(Opcode::Binary);

const char* const kAllSizes = "0,1,125,126,65535,65536,1048576,16777216";

struct OurClient {
    OurClient(const QString& url, ClientOptions options) : client(std::move(options)) {
        connection = client.open(*parseWebSocketUrl(url).url);
        recorder.attach(connection);
    }
    ConnectionRecorder recorder;
    WebSocketClient client;
    WebSocketConnection* connection = nullptr;
};

ClientOptions clientOptions(bool deflate, std::vector<std::string> subprotocols = {}) {
    ClientOptions options;
    options.deflate = deflate;
    options.subprotocols = std::move(subprotocols);
    return options;
}

}  // namespace

class PythonInterop : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        const QString missing = pythonWebsocketsMissing();
        if (!missing.isEmpty()) {
            QSKIP(qPrintable(missing));
        }
        plain_ = std::make_unique<PythonEchoServer>();
        deflate_ =
            std::make_unique<PythonEchoServer>(QStringList{u"--compression"_s, u"deflate"_s});
        QVERIFY2(plain_->port() != 0, plain_->errorOutput().constData());
        QVERIFY2(deflate_->port() != 0, deflate_->errorOutput().constData());
    }

    void cleanupTestCase() {
        plain_.reset();
        deflate_.reset();
    }

    void ourClientWithPythonEchoServer_data() {
        QTest::addColumn<bool>("deflate");
        QTest::addColumn<bool>("binary");
        QTest::addColumn<int>("size");
        const std::pair<int, const char*> sizes[] = {
            {0, "0B"},         {1, "1B"},         {125, "125B"},     {126, "126B"},
            {65535, "65535B"}, {65536, "65536B"}, {1 << 20, "1MiB"}, {16 << 20, "16MiB"}};
        for (const bool deflate : {false, true}) {
            for (const bool binary : {false, true}) {
                for (const auto& [size, name] : sizes) {
                    QTest::addRow("%s/%s/%s", deflate ? "deflate" : "plain",
                                  binary ? "binary" : "text", name)
                        << deflate << binary << size;
                }
            }
        }
    }
    void ourClientWithPythonEchoServer() {
        QFETCH(bool, deflate);
        QFETCH(bool, binary);
        QFETCH(int, size);
        OurClient ours((deflate ? deflate_ : plain_)->url(), clientOptions(deflate));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);
        QCOMPARE(ours.recorder.handshake->deflate.has_value(), deflate);

        const QByteArray payload = binary ? makeBinaryPayload(size) : makeTextPayload(size);
        QVERIFY(ours.connection->sendMessage(binary ? kBinary : kText, bytesOf(payload)));
        QTRY_COMPARE_WITH_TIMEOUT(ours.recorder.messages.size(), std::size_t(1), kTimeoutMs);
        const event::Message& echo = ours.recorder.messages[0];
        QCOMPARE(echo.opcode, binary ? kBinary : kText);
        QCOMPARE(echo.payload.size(), std::size_t(payload.size()));
        QVERIFY(toByteArray(echo.payload) == payload);
        // Compression was really used both ways, not just negotiated.
        QCOMPARE(echo.compressed, deflate);
        QVERIFY(!ours.recorder.framesOut.empty());
        QCOMPARE(ours.recorder.framesOut.front().rsv1, deflate);

        QVERIFY(ours.connection->close(close_code::Normal));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(ours.recorder.closed->clean);
        QCOMPARE(ours.recorder.closed->code, std::optional<std::uint16_t>(close_code::Normal));
        QVERIFY2(ours.recorder.errors.isEmpty(), qPrintable(ours.recorder.errors.join(u"; ")));
    }

    void pythonClientWithOurEchoServer_data() {
        QTest::addColumn<bool>("deflate");
        QTest::addColumn<int>("fragments");
        QTest::newRow("plain") << false << 1;
        QTest::newRow("plain/3 fragments") << false << 3;
        QTest::newRow("deflate") << true << 1;
        QTest::newRow("deflate/3 fragments") << true << 3;
    }
    void pythonClientWithOurEchoServer() {
        QFETCH(bool, deflate);
        QFETCH(int, fragments);
        ServerOptions options;
        options.echo = true;
        options.deflate = deflate;
        WebSocketServer server(options);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        ConnectionRecorder recorder;
        connect(&server, &WebSocketServer::newConnection, this,
                [&recorder](WebSocketConnection* connection) { recorder.attach(connection); });

        QProcess python;
        ProcessGuard guard(python);
        python.start(
            systemPython(),
            {peerScript(u"echo_client.py"_s),
             u"ws://127.0.0.1:"_s + QString::number(server.serverPort()) + u"/peer"_s,
             u"--compression"_s, deflate ? u"deflate"_s : u"none"_s, u"--sizes"_s,
             QString::fromLatin1(kAllSizes), u"--fragments"_s, QString::number(fragments),
             u"--ping"_s, u"00ff"_s, u"--close-code"_s, u"4000"_s, u"--close-reason"_s, u"done"_s});
        QVERIFY(spinUntilFinished(python, kPythonRunMs));
        const QByteArray out = python.readAllStandardOutput();
        const QByteArray err = python.readAllStandardError();
        QVERIFY2(python.exitCode() == 0, QByteArray(out + err).constData());

        const QList<QByteArray> lines = out.split('\n');
        QCOMPARE(lines.count(deflate ? "EXTENSIONS permessage-deflate" : "EXTENSIONS -"), 1);
        for (const char* kind : {"text", "binary"}) {
            for (const QByteArray& size : QByteArray(kAllSizes).split(',')) {
                const QByteArray expected = "OK " + QByteArray(kind) + ' ' + size;
                QVERIFY2(lines.contains(expected), expected.constData());
            }
        }
        QVERIFY(lines.contains("PONG 00ff"));
        QVERIFY(lines.contains("CLOSED 4000"));

        // What our side saw.
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QCOMPARE(recorder.handshake->request.target, std::string("/peer"));
        QCOMPARE(recorder.messages.size(), std::size_t(16));
        for (const event::Message& message : recorder.messages) {
            QCOMPARE(message.compressed, deflate);
            if (fragments > 1 && message.payload.size() >= 3) {
                // websockets sends the pieces with FIN=0, then an empty FIN=1 continuation.
                QCOMPARE(message.frames, std::uint32_t(fragments + 1));
            }
        }
        QCOMPARE(recorder.pings.size(), std::size_t(1));
        QCOMPARE(recorder.closes.size(), std::size_t(1));
        QCOMPARE(recorder.closes[0].code, std::optional<std::uint16_t>(4000));
        QCOMPARE(recorder.closes[0].reason, std::string("done"));
        QVERIFY(recorder.closed->clean);
        QVERIFY(!recorder.closed->closedByUs);
    }

    void pythonAcceptsUtf8CharacterSplitAcrossFrames() {
        OurClient ours(plain_->url(), clientOptions(false));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);
        // "wörld" with the two bytes of "ö" (C3 B6) in different frames (§5.6).
        QVERIFY(ours.connection->sendFrame(kText, bytesOf("w\xC3"), false));
        QVERIFY(ours.connection->sendFrame(0, bytesOf("\xB6rld"), true));
        QTRY_COMPARE_WITH_TIMEOUT(ours.recorder.messages.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(toByteArray(ours.recorder.messages[0].payload), QByteArray("w\xC3\xB6rld"));
    }

    void pythonAnswersOurPing() {
        OurClient ours(deflate_->url(), clientOptions(true));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);
        QVERIFY(ours.connection->ping(bytesOf("ping!")));
        QTRY_COMPARE_WITH_TIMEOUT(ours.recorder.pongs.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(toByteArray(ours.recorder.pongs[0].payload), QByteArray("ping!"));
    }

    void pythonServerCloseReachesOurClient_data() {
        QTest::addColumn<int>("code");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("1000 normal") << 1000 << QByteArray();
        QTest::newRow("1001 going away") << 1001 << QByteArray("restart");
        QTest::newRow("4000 private, UTF-8 reason") << 4000 << QByteArray("bye \xE2\x9C\x93");
    }
    void pythonServerCloseReachesOurClient() {
        QFETCH(int, code);
        QFETCH(QByteArray, reason);
        OurClient ours(deflate_->url(), clientOptions(true));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);
        const QByteArray command = "CLOSE " + QByteArray::number(code) + ' ' + reason;
        QVERIFY(ours.connection->sendText(command.toStdString()));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.closed.has_value(), kTimeoutMs);
        QCOMPARE(ours.recorder.closes.size(), std::size_t(1));
        QCOMPARE(ours.recorder.closes[0].code, std::optional<std::uint16_t>(code));
        QCOMPARE(QByteArray::fromStdString(ours.recorder.closes[0].reason), reason);
        QVERIFY(ours.recorder.closed->clean);
        QVERIFY(!ours.recorder.closed->closedByUs);
    }

    void negotiatesSubprotocolWithPythonServer() {
        PythonEchoServer server({u"--subprotocol"_s, u"chat"_s});
        QVERIFY(server.port() != 0);
        OurClient ours(server.url(), clientOptions(false, {"superchat", "chat"}));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);
        QCOMPARE(ours.recorder.handshake->subprotocol, std::string("chat"));
        QCOMPARE(ours.connection->endpoint().subprotocol(), std::string("chat"));
    }

private:
    std::unique_ptr<PythonEchoServer> plain_;
    std::unique_ptr<PythonEchoServer> deflate_;
};

QTEST_GUILESS_MAIN(PythonInterop)
#include "tst_python_interop.moc"
