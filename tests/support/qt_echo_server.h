#pragma once
// A QWebSocketServer echo peer living in the test process (Qt WebSockets is
// the comparison implementation): echoes every message with its own type and
// remembers how each client closed.

#include <QHostAddress>
#include <QWebSocket>
#include <QWebSocketServer>

#include <optional>
#include <utility>

namespace sockscope::test {

// A QWebSocketServer that echoes every message and remembers how each client closed.
class QtEchoServer : public QObject {
public:
    QtEchoServer() : server_(QStringLiteral("qt-echo"), QWebSocketServer::NonSecureMode) {
        connect(&server_, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket* socket = server_.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QWebSocket::textMessageReceived, socket,
                        [socket](const QString& m) { socket->sendTextMessage(m); });
                connect(socket, &QWebSocket::binaryMessageReceived, socket,
                        [socket](const QByteArray& m) { socket->sendBinaryMessage(m); });
                connect(socket, &QWebSocket::textFrameReceived, this,
                        [this](const QString&, bool) { ++framesReceived; });
                connect(socket, &QWebSocket::binaryFrameReceived, this,
                        [this](const QByteArray&, bool) { ++framesReceived; });
                connect(socket, &QWebSocket::disconnected, this, [this, socket] {
                    closeCode = socket->closeCode();
                    closeReason = socket->closeReason();
                    disconnected = true;
                });
                if (closeOnConnect) {
                    socket->close(static_cast<QWebSocketProtocol::CloseCode>(closeOnConnect->first),
                                  closeOnConnect->second);
                }
            }
        });
    }
    quint16 listen() {
        return server_.listen(QHostAddress::LocalHost, 0) ? server_.serverPort() : 0;
    }

    std::optional<std::pair<int, QString>> closeOnConnect;
    int framesReceived = 0;
    bool disconnected = false;
    int closeCode = 0;
    QString closeReason;

private:
    QWebSocketServer server_;
};

}  // namespace sockscope::test
