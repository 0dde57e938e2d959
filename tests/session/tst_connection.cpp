// WebSocketConnection's own jobs, beyond the codec: timeouts (core has no
// clock), who closes TCP when, TCP_NODELAY, closed() exactly once, and a close
// frame that survives a peer still sending. Misbehaving peers are hand-written
// raw TCP servers and clients.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <cerrno>
#include <cstring>
#include <functional>
#include <future>
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

// A peer on a blocking POSIX socket, on its own thread, that writes everything
// it has before it reads a byte, as a flooding client or server does. Had the
// other side reset the connection, a send fails; a FIN lets every send through.
struct FloodOutcome {
    QString sendError;  // empty: every byte was accepted
    QByteArray received;
    bool endedWithFin = false;  // false: reset, or the 10 s receive timeout
};

constexpr timeval kPeerSocketTimeout{10, 0};

int blockingTcpSocket() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kPeerSocketTimeout, sizeof kPeerSocketTimeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kPeerSocketTimeout, sizeof kPeerSocketTimeout);
    return fd;
}

sockaddr_in loopback(quint16 port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

FloodOutcome floodThenReadToEnd(int fd, const QByteArray& bytes, QByteArray alreadyReceived = {}) {
    FloodOutcome outcome;
    outcome.received = std::move(alreadyReceived);
    for (qsizetype sent = 0; sent < bytes.size();) {
        const ssize_t n = ::send(fd, bytes.constData() + sent,
                                 static_cast<std::size_t>(bytes.size() - sent), MSG_NOSIGNAL);
        if (n <= 0) {
            outcome.sendError = QString::fromLocal8Bit(std::strerror(errno)) + u" after "_s +
                                QString::number(sent) + u" of "_s + QString::number(bytes.size()) +
                                u" bytes"_s;
            break;
        }
        sent += n;
    }
    char chunk[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
            outcome.endedWithFin = n == 0;
            break;
        }
        outcome.received.append(chunk, n);
    }
    ::close(fd);
    return outcome;
}

// One binary frame's header announcing `length` bytes (64-bit length form);
// a client's carries the all-zero masking key, so the payload goes as it is.
QByteArray binaryFrameHeader(quint64 length, bool masked) {
    QByteArray header("\x82", 1);
    header.append(static_cast<char>((masked ? 0x80 : 0x00) | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
        header.append(static_cast<char>((length >> shift) & 0xff));
    }
    if (masked) {
        header.append(4, '\0');
    }
    return header;
}

// The status code of the close frame `frames` starts with, unmasked; nullopt
// when they start with anything else.
std::optional<quint16> leadingCloseCode(const QByteArray& frames) {
    if (frames.size() < 4 || static_cast<quint8>(frames[0]) != 0x88) {
        return std::nullopt;
    }
    const bool masked = (static_cast<quint8>(frames[1]) & 0x80) != 0;
    const qsizetype payloadAt = masked ? 6 : 2;
    if (frames.size() < payloadAt + 2) {
        return std::nullopt;
    }
    const auto byte = [&](qsizetype i) {
        const quint8 key = masked ? static_cast<quint8>(frames[2 + i % 4]) : 0;
        return static_cast<quint8>(static_cast<quint8>(frames[payloadAt + i]) ^ key);
    };
    return static_cast<quint16>(byte(0) << 8 | byte(1));
}

constexpr qsizetype kFloodBytes = 8 * 1024 * 1024;

const QByteArray kUpgradeRequest(
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

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

    // A server that closed TCP with the peer's bytes unread would make its
    // kernel answer with RST, and the RST would take our close frame with it.
    void serverFailureCloseReachesAPeerStillSending() {
        ServerOptions options;
        options.limits.maxMessageSize = 64 * 1024;
        WebSocketServer server(options);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        ConnectionRecorder recorder;
        connect(&server, &WebSocketServer::newConnection, this,
                [&](WebSocketConnection* connection) { recorder.attach(connection); });

        QByteArray flood = kUpgradeRequest;
        flood += binaryFrameHeader(kFloodBytes, true);  // over the limit from its header on
        flood += QByteArray(kFloodBytes, 'x');
        auto peer = std::async(std::launch::async, [port = server.serverPort(), &flood] {
            const int fd = blockingTcpSocket();
            const sockaddr_in address = loopback(port);
            if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
                ::close(fd);
                return FloodOutcome{u"connect failed"_s, {}, false};
            }
            return floodThenReadToEnd(fd, flood);
        });
        QTRY_VERIFY_WITH_TIMEOUT(peer.wait_for(0s) == std::future_status::ready, 3 * kTimeoutMs);
        const FloodOutcome outcome = peer.get();

        QCOMPARE(outcome.sendError, QString());
        QVERIFY(outcome.endedWithFin);
        const qsizetype headEnd = outcome.received.indexOf("\r\n\r\n");
        QVERIFY(outcome.received.startsWith("HTTP/1.1 101 "));
        QCOMPARE(leadingCloseCode(outcome.received.mid(headEnd + 4)),
                 std::optional<quint16>(close_code::MessageTooBig));
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(recorder.failure.has_value());
        QVERIFY2(recorder.errors.isEmpty(), qPrintable(recorder.errors.join(u", ")));
        QCOMPARE(recorder.closedCount, 1);
    }

    // The same for a client failing a connection while the server floods it.
    void clientFailureCloseReachesAPeerStillSending() {
        const int listener = blockingTcpSocket();
        sockaddr_in address = loopback(0);
        socklen_t length = sizeof address;
        QVERIFY(::bind(listener, reinterpret_cast<const sockaddr*>(&address), length) == 0);
        QVERIFY(::listen(listener, 1) == 0);
        QVERIFY(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        auto peer = std::async(std::launch::async, [listener] {
            const int fd = ::accept(listener, nullptr, nullptr);  // SO_RCVTIMEO bounds it
            ::close(listener);
            if (fd < 0) {
                return FloodOutcome{u"accept failed"_s, {}, false};
            }
            ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kPeerSocketTimeout,
                         sizeof kPeerSocketTimeout);
            ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kPeerSocketTimeout,
                         sizeof kPeerSocketTimeout);
            QByteArray request;
            char chunk[4096];
            while (!request.contains("\r\n\r\n")) {
                const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
                if (n <= 0) {
                    ::close(fd);
                    return FloodOutcome{u"no upgrade request"_s, request, false};
                }
                request.append(chunk, n);
            }
            const qsizetype headEnd = request.indexOf("\r\n\r\n") + 4;
            const auto parse = parseHttpRequest(
                std::span(reinterpret_cast<const std::uint8_t*>(request.constData()),
                          static_cast<std::size_t>(headEnd)));
            const std::string key(parse.message.fields.get("Sec-WebSocket-Key").value_or(""));
            QByteArray flood(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                QByteArray::fromStdString(computeWebSocketAccept(key)) + "\r\n\r\n");
            flood += binaryFrameHeader(kFloodBytes, false);
            flood += QByteArray(kFloodBytes, 'x');
            return floodThenReadToEnd(fd, flood, request.mid(headEnd));
        });

        ClientOptions options;
        options.limits.maxMessageSize = 64 * 1024;
        WebSocketClient client(options);
        ConnectionRecorder recorder;
        recorder.attach(client.open(localUrl(ntohs(address.sin_port))));
        QTRY_VERIFY_WITH_TIMEOUT(peer.wait_for(0s) == std::future_status::ready, 3 * kTimeoutMs);
        const FloodOutcome outcome = peer.get();

        QCOMPARE(outcome.sendError, QString());
        QVERIFY(outcome.endedWithFin);
        QCOMPARE(leadingCloseCode(outcome.received),
                 std::optional<quint16>(close_code::MessageTooBig));
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(recorder.handshake.has_value());
        QVERIFY(recorder.failure.has_value());
        QVERIFY2(recorder.errors.isEmpty(), qPrintable(recorder.errors.join(u", ")));
        QCOMPARE(recorder.closedCount, 1);
    }

    // Reading on after our FIN is bounded: a peer that never closes is dropped
    // when the closing timeout runs out.
    void serverDropsPeerThatNeverClosesAfterAFailure() {
        ServerOptions options;
        options.timeouts.closing = 300ms;
        WebSocketServer server(options);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        ConnectionRecorder recorder;
        connect(&server, &WebSocketServer::newConnection, this,
                [&](WebSocketConnection* connection) { recorder.attach(connection); });

        const int fd = blockingTcpSocket();  // never reads, never closes until the end
        const sockaddr_in address = loopback(server.serverPort());
        QVERIFY(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
        const QByteArray bytes = kUpgradeRequest + QByteArray("\x83\x80\0\0\0\0", 6);  // opcode 0x3
        QCOMPARE(::send(fd, bytes.constData(), static_cast<std::size_t>(bytes.size()), 0),
                 static_cast<ssize_t>(bytes.size()));
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        ::close(fd);
        QVERIFY(recorder.failure.has_value());
        QVERIFY(!recorder.closed->clean);
        QCOMPARE(recorder.errors, QStringList{u"close handshake timed out after 300 ms"_s});
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
