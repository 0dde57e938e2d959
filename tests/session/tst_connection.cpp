// WebSocketConnection's own jobs, beyond the codec: timeouts (core has no
// clock), who closes TCP when, TCP_NODELAY, and closed() exactly once.
// Misbehaving peers are hand-written raw TCP servers and clients.

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <functional>
#include <memory>

#include "connection_recorder.h"
#include "session/websocket_client.h"
#include "session/websocket_server.h"
#include "sockscope/core/handshake.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;
using namespace std::chrono_literals;
using namespace Qt::StringLiterals;

namespace {

// QTRY_* waits up to three times this on failure.
constexpr int kTimeoutMs = 10000;

// Accepts one client, answers its upgrade request with a valid 101, then
// hands every later byte to `onData` (which may ignore it).
class RawWebSocketServer : public QObject {
public:
    std::function<void(QTcpSocket*, const QByteArray&)> onData;
    QTcpSocket* socket = nullptr;

    RawWebSocketServer() {
        connect(&server_, &QTcpServer::newConnection, this, [this] {
            socket = server_.nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        });
    }
    quint16 listen() {
        return server_.listen(QHostAddress::LocalHost, 0) ? server_.serverPort() : 0;
    }

private:
    void onReadyRead() {
        buffer_ += socket->readAll();
        if (!answered_) {
            const qsizetype end = buffer_.indexOf("\r\n\r\n");
            if (end < 0) {
                return;
            }
            const auto parse = parseHttpRequest(
                std::span(reinterpret_cast<const std::uint8_t*>(buffer_.constData()),
                          static_cast<std::size_t>(end + 4)));
            const std::string key(parse.message.fields.get("Sec-WebSocket-Key").value_or(""));
            socket->write(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                QByteArray::fromStdString(computeWebSocketAccept(key)) + "\r\n\r\n");
            answered_ = true;
            buffer_.remove(0, end + 4);
        }
        if (!buffer_.isEmpty() && onData) {
            onData(socket, std::exchange(buffer_, {}));
        }
    }

    QTcpServer server_;
    QByteArray buffer_;
    bool answered_ = false;
};

WebSocketUrl localUrl(quint16 port) {
    return *parseWebSocketUrl(u"ws://127.0.0.1:"_s + QString::number(port) + u'/').url;
}

ClientOptions clientWithTimeouts(ConnectionTimeouts timeouts) {
    ClientOptions options;
    options.timeouts = timeouts;
    return options;
}

}  // namespace

class ConnectionTest : public QObject {
    Q_OBJECT

private slots:
    void serverDropsSilentClientAfterHandshakeTimeout() {
        ServerOptions options;
        options.timeouts.handshake = 300ms;
        WebSocketServer server(options);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        ConnectionRecorder recorder;
        connect(&server, &WebSocketServer::newConnection, this,
                [&](WebSocketConnection* connection) { recorder.attach(connection); });

        QTcpSocket silent;  // connects and never sends a byte
        silent.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(!recorder.closed->clean);
        QCOMPARE(recorder.closed->code, std::optional<std::uint16_t>(close_code::Abnormal));
        QCOMPARE(recorder.errors, QStringList{u"opening handshake timed out after 300 ms"_s});
        QTRY_COMPARE_WITH_TIMEOUT(silent.state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
        QCOMPARE(recorder.closedCount, 1);
    }

    void clientGivesUpOnSilentServer() {
        QTcpServer silent;  // accepts (the kernel does) and never answers
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        ConnectionTimeouts timeouts;
        timeouts.handshake = 300ms;
        WebSocketClient client(clientWithTimeouts(timeouts));
        ConnectionRecorder recorder;
        recorder.attach(client.open(localUrl(silent.serverPort())));
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(!recorder.handshake.has_value());
        QVERIFY(!recorder.closed->clean);
        QCOMPARE(recorder.errors, QStringList{u"opening handshake timed out after 300 ms"_s});
    }

    void clientDropsPeerThatNeverAnswersClose() {
        RawWebSocketServer peer;  // completes the handshake, then ignores everything
        const quint16 port = peer.listen();
        ConnectionTimeouts timeouts;
        timeouts.closing = 300ms;
        WebSocketClient client(clientWithTimeouts(timeouts));
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(localUrl(port));
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake.has_value(), kTimeoutMs);

        QVERIFY(connection->close(close_code::Normal));
        QCOMPARE(connection->state(), EndpointState::Closing);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(!recorder.closed->clean);
        QCOMPARE(recorder.errors, QStringList{u"close handshake timed out after 300 ms"_s});
        QTRY_COMPARE_WITH_TIMEOUT(peer.socket->state(), QAbstractSocket::UnconnectedState,
                                  kTimeoutMs);
        QCOMPARE(recorder.closedCount, 1);
    }

    // RFC 6455 §7.1.1: the server should close TCP first; a client waits a
    // little for it, then closes TCP itself. The close handshake was clean.
    void clientClosesTcpItselfWhenServerKeepsItOpen() {
        RawWebSocketServer peer;
        peer.onData = [](QTcpSocket* socket, const QByteArray&) {
            socket->write(QByteArray("\x88\x02\x03\xe8", 4));  // close 1000, and TCP stays open
        };
        const quint16 port = peer.listen();
        ConnectionTimeouts timeouts;
        timeouts.clientTcpCloseGrace = 200ms;
        WebSocketClient client(clientWithTimeouts(timeouts));
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(localUrl(port));
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake.has_value(), kTimeoutMs);
        QVERIFY(connection->close(close_code::Normal));

        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(recorder.closed->clean);
        QCOMPARE(recorder.closed->code, std::optional<std::uint16_t>(close_code::Normal));
        QVERIFY(recorder.errors.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(peer.socket->state(), QAbstractSocket::UnconnectedState,
                                  kTimeoutMs);
    }

    void setsTcpNoDelayOnBothSides() {
        WebSocketServer server(ServerOptions{});
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        WebSocketConnection* accepted = nullptr;
        connect(&server, &WebSocketServer::newConnection, this,
                [&](WebSocketConnection* connection) { accepted = connection; });
        WebSocketClient client(ClientOptions{});
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(localUrl(server.serverPort()));
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake.has_value() && accepted, kTimeoutMs);
        QCOMPARE(connection->socket()->socketOption(QAbstractSocket::LowDelayOption).toInt(), 1);
        QCOMPARE(accepted->socket()->socketOption(QAbstractSocket::LowDelayOption).toInt(), 1);
        QVERIFY(connection->peerName().startsWith(u"127.0.0.1:"_s));
        QCOMPARE(accepted->peerName(),
                 u"127.0.0.1:"_s + QString::number(connection->socket()->localPort()));
    }

    void abortReportsAbnormalCloseOnBothSides() {
        WebSocketServer server(ServerOptions{});
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        ConnectionRecorder serverSide;
        connect(&server, &WebSocketServer::newConnection, this,
                [&](WebSocketConnection* connection) { serverSide.attach(connection); });
        WebSocketClient client(ClientOptions{});
        ConnectionRecorder clientSide;
        WebSocketConnection* connection = client.open(localUrl(server.serverPort()));
        clientSide.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(clientSide.handshake.has_value(), kTimeoutMs);

        connection->abort();
        QTRY_VERIFY_WITH_TIMEOUT(clientSide.closed && serverSide.closed, kTimeoutMs);
        QVERIFY(!clientSide.closed->clean);
        QVERIFY(!serverSide.closed->clean);
        QCOMPARE(serverSide.closed->code, std::optional<std::uint16_t>(close_code::Abnormal));
        QVERIFY(clientSide.errors.isEmpty());  // we asked for it
        QTest::qWait(50);
        QCOMPARE(clientSide.closedCount, 1);
        QCOMPARE(serverSide.closedCount, 1);
    }

    void refusedConnectionReportsErrorThenClosed() {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close();
        WebSocketClient client(ClientOptions{});
        ConnectionRecorder recorder;
        recorder.attach(client.open(localUrl(port)));
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QCOMPARE(recorder.errors, QStringList{u"Connection refused"_s});
        QVERIFY(!recorder.closed->clean);
        QCOMPARE(recorder.closedCount, 1);
    }

    void serverCountsAndForgetsConnections() {
        WebSocketServer server(ServerOptions{});
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        quint64 finishedId = 0;
        connect(&server, &WebSocketServer::connectionFinished, this,
                [&](quint64 id, const event::Closed&) { finishedId = id; });
        WebSocketClient client(ClientOptions{});
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(localUrl(server.serverPort()));
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake.has_value(), kTimeoutMs);
        QCOMPARE(server.connectionCount(), 1);
        server.closeAll(close_code::GoingAway, "shutting down");
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QCOMPARE(recorder.closes.at(0).code, std::optional<std::uint16_t>(close_code::GoingAway));
        QCOMPARE(recorder.closes.at(0).reason, std::string("shutting down"));
        QTRY_COMPARE_WITH_TIMEOUT(finishedId, quint64(1), kTimeoutMs);
        QCOMPARE(server.connectionCount(), 0);
    }
};

QTEST_GUILESS_MAIN(ConnectionTest)
#include "tst_connection.moc"
