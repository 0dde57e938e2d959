// Interop with Qt WebSockets, the comparison implementation: our server with a
// QWebSocket client, our client with a QWebSocketServer. Loopback only, ports
// picked free at run time, every wait bounded.

#include <QHostAddress>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>
#include <memory>

#include "connection_recorder.h"
#include "payloads.h"
#include "qt_echo_server.h"
#include "session/websocket_client.h"
#include "session/websocket_server.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

// QTRY_* waits up to three times this on failure.
constexpr int kTimeoutMs = 20000;
constexpr auto kText = static_cast<std::uint8_t>(Opcode::Text);
constexpr auto kBinary = static_cast<std::uint8_t>(Opcode::Binary);

QUrl localUrl(quint16 port) {
    return QUrl(u"ws://127.0.0.1:"_s + QString::number(port) + u'/');
}

WebSocketUrl localWebSocketUrl(quint16 port) {
    return *parseWebSocketUrl(localUrl(port).toString()).url;
}

void addSizeRows() {
    QTest::addColumn<bool>("binary");
    QTest::addColumn<int>("size");
    const std::pair<int, const char*> sizes[] = {
        {0, "0B"},         {1, "1B"},         {125, "125B"},     {126, "126B"},
        {65535, "65535B"}, {65536, "65536B"}, {1 << 20, "1MiB"}, {16 << 20, "16MiB"}};
    for (const bool binary : {false, true}) {
        for (const auto& [size, name] : sizes) {
            QTest::addRow("%s/%s", binary ? "binary" : "text", name) << binary << size;
        }
    }
}

void addCloseCodeRows() {
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::newRow("1000 normal, no reason") << 1000 << QString();
    QTest::newRow("1001 going away") << 1001 << u"going away"_s;
    QTest::newRow("3000 registered range") << 3000 << u"unauthorized"_s;
    QTest::newRow("4999 private range, UTF-8 reason") << 4999 << u"bye \u2713"_s;
}

// A QWebSocket client that records what it receives.
struct QtClient {
    QtClient() {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket,
                         [this](const QString& m) {
                             messages.push_back({false, m.toUtf8()});
                         });
        QObject::connect(&socket, &QWebSocket::binaryMessageReceived, &socket,
                         [this](const QByteArray& m) {
                             messages.push_back({true, m});
                         });
        QObject::connect(&socket, &QWebSocket::pong, &socket,
                         [this](quint64, const QByteArray& payload) { pongs.append(payload); });
    }
    QWebSocket socket;
    std::vector<std::pair<bool, QByteArray>> messages;  // (binary, payload)
    QByteArrayList pongs;
};

ServerOptions echoServerOptions() {
    ServerOptions options;
    options.echo = true;
    return options;
}

ClientOptions deflateClientOptions() {
    ClientOptions options;
    options.deflate = true;
    return options;
}

// Our echo server that hands each accepted connection to a recorder.
struct OurServer {
    explicit OurServer(ServerOptions options = echoServerOptions()) : server(std::move(options)) {
        QObject::connect(&server, &WebSocketServer::newConnection, &server,
                         [this](WebSocketConnection* connection, quint64) {
                             recorder.attach(connection);
                             if (onConnection) {
                                 onConnection(connection);
                             }
                         });
    }
    quint16 listen() { return server.listen(QHostAddress::LocalHost, 0) ? server.serverPort() : 0; }

    ConnectionRecorder recorder;  // one connection per test
    std::function<void(WebSocketConnection*)> onConnection;
    WebSocketServer server;
};

// Our client connected to a local port, recording everything.
struct OurClient {
    explicit OurClient(quint16 port, ClientOptions options = {}) : client(std::move(options)) {
        connection = client.open(localWebSocketUrl(port));
        recorder.attach(connection);
    }
    ConnectionRecorder recorder;
    WebSocketClient client;
    WebSocketConnection* connection = nullptr;
};

}  // namespace

class QtInterop : public QObject {
    Q_OBJECT

private slots:
    void ourServerEchoesQtClient_data() { addSizeRows(); }
    void ourServerEchoesQtClient() {
        QFETCH(bool, binary);
        QFETCH(int, size);
        OurServer ours;
        const quint16 port = ours.listen();
        QVERIFY(port != 0);
        QtClient qt;
        qt.socket.open(localUrl(port));
        QTRY_COMPARE_WITH_TIMEOUT(qt.socket.state(), QAbstractSocket::ConnectedState, kTimeoutMs);

        const QByteArray payload = binary ? makeBinaryPayload(size) : makeTextPayload(size);
        if (binary) {
            qt.socket.sendBinaryMessage(payload);
        } else {
            qt.socket.sendTextMessage(QString::fromUtf8(payload));
        }
        QTRY_COMPARE_WITH_TIMEOUT(qt.messages.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(qt.messages[0].first, binary);
        QCOMPARE(qt.messages[0].second.size(), payload.size());
        QVERIFY(qt.messages[0].second == payload);
        // Our side saw one whole message of the right type.
        QCOMPARE(ours.recorder.messages.size(), std::size_t(1));
        QCOMPARE(ours.recorder.messages[0].opcode, binary ? kBinary : kText);
        QVERIFY(toByteArray(ours.recorder.messages[0].payload) == payload);

        qt.socket.close();
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(ours.recorder.closed->clean);
    }

    void ourClientWithQtEchoServer_data() { addSizeRows(); }
    void ourClientWithQtEchoServer() {
        QFETCH(bool, binary);
        QFETCH(int, size);
        QtEchoServer qt;
        const quint16 port = qt.listen();
        QVERIFY(port != 0);
        OurClient ours(port);
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);

        const QByteArray payload = binary ? makeBinaryPayload(size) : makeTextPayload(size);
        QVERIFY(ours.connection->sendMessage(binary ? kBinary : kText, bytesOf(payload)));
        QTRY_COMPARE_WITH_TIMEOUT(ours.recorder.messages.size(), std::size_t(1), kTimeoutMs);
        const event::Message& echo = ours.recorder.messages[0];
        QCOMPARE(echo.opcode, binary ? kBinary : kText);
        QCOMPARE(echo.payload.size(), std::size_t(payload.size()));
        QVERIFY(toByteArray(echo.payload) == payload);

        QVERIFY(ours.connection->close(close_code::Normal));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(ours.recorder.closed->clean);
        QVERIFY(ours.recorder.closed->closedByUs);
        QCOMPARE(ours.recorder.closed->code, std::optional<std::uint16_t>(close_code::Normal));
        QVERIFY(ours.recorder.errors.isEmpty());
    }

    void acceptsFragmentedMessageFromQt() {
        OurServer ours;
        const quint16 port = ours.listen();
        QtClient qt;
        qt.socket.setOutgoingFrameSize(1000);
        qt.socket.open(localUrl(port));
        QTRY_COMPARE_WITH_TIMEOUT(qt.socket.state(), QAbstractSocket::ConnectedState, kTimeoutMs);

        const QByteArray payload = makeBinaryPayload(10000);
        qt.socket.sendBinaryMessage(payload);
        QTRY_COMPARE_WITH_TIMEOUT(ours.recorder.messages.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(ours.recorder.messages[0].frames, 10u);
        QVERIFY(toByteArray(ours.recorder.messages[0].payload) == payload);
        QTRY_COMPARE_WITH_TIMEOUT(qt.messages.size(), std::size_t(1), kTimeoutMs);
        QVERIFY(qt.messages[0].second == payload);
    }

    void qtAcceptsOurFragmentedMessage() {
        QtEchoServer qt;
        OurClient ours(qt.listen());
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);

        const QByteArray payload = makeBinaryPayload(70000);
        QVERIFY(ours.connection->sendMessage(kBinary, bytesOf(payload), 7));
        QTRY_COMPARE_WITH_TIMEOUT(ours.recorder.messages.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(qt.framesReceived, 7);
        QVERIFY(toByteArray(ours.recorder.messages[0].payload) == payload);
    }

    void qtAcceptsExplicitFragments() {
        QtEchoServer qt;
        OurClient ours(qt.listen());
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);

        // Split at character boundaries: Qt WebSockets 6.4 validates UTF-8 per
        // frame and fails a character split across frames (RFC 6455 §5.6 allows
        // it; the python interop test covers that case).
        const QByteArray parts[] = {"Hel", "lo w\xC3\xB6", "rld"};
        QVERIFY(ours.connection->sendFrame(kText, bytesOf(parts[0]), false));
        QVERIFY(ours.connection->sendFrame(0, bytesOf(parts[1]), false));
        QVERIFY(ours.connection->sendFrame(0, bytesOf(parts[2]), true));
        QTRY_COMPARE_WITH_TIMEOUT(ours.recorder.messages.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(qt.framesReceived, 3);
        QCOMPARE(ours.recorder.messages[0].opcode, kText);
        QCOMPARE(toByteArray(ours.recorder.messages[0].payload), QByteArray("Hello w\xC3\xB6rld"));
    }

    void ourServerAnswersQtPing() {
        OurServer ours;
        QtClient qt;
        qt.socket.open(localUrl(ours.listen()));
        QTRY_COMPARE_WITH_TIMEOUT(qt.socket.state(), QAbstractSocket::ConnectedState, kTimeoutMs);
        qt.socket.ping("are you there?");
        QTRY_COMPARE_WITH_TIMEOUT(qt.pongs.size(), 1, kTimeoutMs);
        QCOMPARE(qt.pongs[0], QByteArray("are you there?"));
        QCOMPARE(ours.recorder.pings.size(), std::size_t(1));
        QCOMPARE(toByteArray(ours.recorder.pings[0].payload), QByteArray("are you there?"));
    }

    void qtAnswersOurPing() {
        QtEchoServer qt;
        OurClient ours(qt.listen());
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);
        const QByteArray payload("\x00\x01\xfe\xff", 4);
        QVERIFY(ours.connection->ping(bytesOf(payload)));
        QTRY_COMPARE_WITH_TIMEOUT(ours.recorder.pongs.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(toByteArray(ours.recorder.pongs[0].payload), payload);
    }

    void qtClientCloseReachesOurServer_data() { addCloseCodeRows(); }
    void qtClientCloseReachesOurServer() {
        QFETCH(int, code);
        QFETCH(QString, reason);
        OurServer ours;
        QtClient qt;
        qt.socket.open(localUrl(ours.listen()));
        QTRY_COMPARE_WITH_TIMEOUT(qt.socket.state(), QAbstractSocket::ConnectedState, kTimeoutMs);
        qt.socket.close(static_cast<QWebSocketProtocol::CloseCode>(code), reason);

        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.closed.has_value(), kTimeoutMs);
        QCOMPARE(ours.recorder.closes.size(), std::size_t(1));
        QCOMPARE(ours.recorder.closes[0].code, std::optional<std::uint16_t>(code));
        QCOMPARE(QString::fromStdString(ours.recorder.closes[0].reason), reason);
        QVERIFY(ours.recorder.closed->clean);
        QVERIFY(!ours.recorder.closed->closedByUs);
        QTRY_COMPARE_WITH_TIMEOUT(qt.socket.state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
        QCOMPARE(int(qt.socket.closeCode()), code);  // we echoed the code
    }

    void ourServerCloseReachesQtClient_data() { addCloseCodeRows(); }
    void ourServerCloseReachesQtClient() {
        QFETCH(int, code);
        QFETCH(QString, reason);
        OurServer ours;
        const QByteArray reasonUtf8 = reason.toUtf8();
        ours.onConnection = [&](WebSocketConnection* connection) {
            QObject::connect(connection, &WebSocketConnection::handshakeDone, connection,
                             [connection, code, reasonUtf8] {
                                 connection->close(static_cast<std::uint16_t>(code),
                                                   reasonUtf8.toStdString());
                             });
        };
        QtClient qt;
        qt.socket.open(localUrl(ours.listen()));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(ours.recorder.closed->clean);
        QVERIFY(ours.recorder.closed->closedByUs);
        QCOMPARE(ours.recorder.closed->code, std::optional<std::uint16_t>(code));
        QTRY_COMPARE_WITH_TIMEOUT(qt.socket.state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
        QCOMPARE(int(qt.socket.closeCode()), code);
        QCOMPARE(qt.socket.closeReason(), reason);
    }

    void ourClientCloseReachesQtServer_data() { addCloseCodeRows(); }
    void ourClientCloseReachesQtServer() {
        QFETCH(int, code);
        QFETCH(QString, reason);
        QtEchoServer qt;
        OurClient ours(qt.listen());
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);
        QVERIFY(ours.connection->close(static_cast<std::uint16_t>(code),
                                       reason.toUtf8().toStdString()));
        QTRY_VERIFY_WITH_TIMEOUT(qt.disconnected, kTimeoutMs);
        QCOMPARE(qt.closeCode, code);
        QCOMPARE(qt.closeReason, reason);
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(ours.recorder.closed->clean);
        QCOMPARE(ours.recorder.closed->code, std::optional<std::uint16_t>(code));
    }

    void qtServerCloseReachesOurClient_data() { addCloseCodeRows(); }
    void qtServerCloseReachesOurClient() {
        QFETCH(int, code);
        QFETCH(QString, reason);
        QtEchoServer qt;
        qt.closeOnConnect = std::pair(code, reason);
        OurClient ours(qt.listen());
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.closed.has_value(), kTimeoutMs);
        QCOMPARE(ours.recorder.closes.size(), std::size_t(1));
        QCOMPARE(ours.recorder.closes[0].code, std::optional<std::uint16_t>(code));
        QCOMPARE(QString::fromStdString(ours.recorder.closes[0].reason), reason);
        QVERIFY(ours.recorder.closed->clean);
        QVERIFY(!ours.recorder.closed->closedByUs);
    }

    // After sending our close we keep reading: echoes already on their way arrive.
    void ourClientReceivesMessagesSentBeforeCloseReply() {
        QtEchoServer qt;
        OurClient ours(qt.listen());
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);
        for (const char* text : {"one", "two", "three"}) {
            QVERIFY(ours.connection->sendText(text));
        }
        QVERIFY(ours.connection->close(close_code::Normal));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.closed.has_value(), kTimeoutMs);
        QCOMPARE(ours.recorder.messages.size(), std::size_t(3));
        QCOMPARE(ours.recorder.messages[2].text(), std::string_view("three"));
        QVERIFY(ours.recorder.closed->clean);
    }

    // Messages that arrive in the same read as the peer's close are delivered
    // (and echoed) before our close reply goes out. QWebSocket drops data
    // once it has sent its own close, so a raw socket plays the client here:
    // handshake, three masked frames and a close in a single write.
    void ourServerEchoesMessagesPipelinedBeforeClose() {
        OurServer ours;
        QTcpSocket raw;
        QByteArray received;
        connect(&raw, &QTcpSocket::readyRead, this, [&] { received += raw.readAll(); });
        raw.connectToHost(QHostAddress::LocalHost, ours.listen());
        QTRY_COMPARE_WITH_TIMEOUT(raw.state(), QAbstractSocket::ConnectedState, kTimeoutMs);
        QByteArray burst =
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n";
        auto maskedFrame = [](char opcode, const QByteArray& payload) {
            const char key[4] = {0x11, 0x22, 0x33, 0x44};
            QByteArray frame;
            frame.append(char(0x80 | opcode)).append(char(0x80 | payload.size())).append(key, 4);
            for (qsizetype i = 0; i < payload.size(); ++i)
                frame.append(char(payload[i] ^ key[i % 4]));
            return frame;
        };
        for (const char* text : {"one", "two", "three"})
            burst += maskedFrame(0x1, text);
        burst += maskedFrame(0x8, QByteArray::fromHex("03e8"));
        raw.write(burst);
        // The server closes TCP after the close handshake (RFC 6455 §7.1.1).
        QTRY_COMPARE_WITH_TIMEOUT(raw.state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
        const qsizetype head = received.indexOf("\r\n\r\n");
        QVERIFY(head > 0);
        QCOMPARE(received.mid(head + 4).toHex(), QByteArray("81036f6e65"
                                                            "810374776f"
                                                            "81057468726565"
                                                            "880203e8"));
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(ours.recorder.closed->clean);
    }

    void deflateOfferDeclinedByQtStillConnects() {
        QtEchoServer qt;
        OurClient ours(qt.listen(), deflateClientOptions());
        QTRY_VERIFY_WITH_TIMEOUT(ours.recorder.handshake.has_value(), kTimeoutMs);
        QVERIFY(!ours.recorder.handshake->deflate.has_value());
        QVERIFY(ours.connection->sendText("plain"));
        QTRY_COMPARE_WITH_TIMEOUT(ours.recorder.messages.size(), std::size_t(1), kTimeoutMs);
        QVERIFY(!ours.recorder.messages[0].compressed);
        QVERIFY(!ours.recorder.framesOut.empty());
        QVERIFY(!ours.recorder.framesOut.back().rsv1);
    }
};

QTEST_GUILESS_MAIN(QtInterop)
#include "tst_qt_interop.moc"
