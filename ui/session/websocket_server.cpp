#include "session/websocket_server.h"

#include <QTcpServer>
#include <QTcpSocket>

namespace sockscope::session {

EndpointConfig makeServerConfig(const ServerOptions& options) {
    EndpointConfig config;
    config.role = Role::Server;
    config.limits = options.limits;
    config.server.subprotocols = options.subprotocols;
    if (options.deflate) {
        config.server.deflate = DeflateServerPolicy{};
    }
    return config;
}

WebSocketServer::WebSocketServer(ServerOptions options, QObject* parent)
    : QObject(parent), options_(std::move(options)), tcpServer_(new QTcpServer(this)) {
    connect(tcpServer_, &QTcpServer::newConnection, this, &WebSocketServer::onNewConnection);
}

WebSocketServer::~WebSocketServer() = default;

bool WebSocketServer::listen(const QHostAddress& address, quint16 port) {
    return tcpServer_->listen(address, port);
}

void WebSocketServer::stopListening() {
    tcpServer_->close();
}

QString WebSocketServer::errorString() const {
    return tcpServer_->errorString();
}

QHostAddress WebSocketServer::serverAddress() const {
    return tcpServer_->serverAddress();
}

quint16 WebSocketServer::serverPort() const {
    return tcpServer_->serverPort();
}

void WebSocketServer::closeAll(std::uint16_t code, std::string_view reason) {
    for (WebSocketConnection* connection : findChildren<WebSocketConnection*>()) {
        if (connection->state() == EndpointState::Open) {
            connection->close(code, reason);
        } else if (connection->state() == EndpointState::Connecting) {
            connection->abort();  // no handshake yet: nobody to say goodbye to
        }
    }
}

void WebSocketServer::onNewConnection() {
    while (QTcpSocket* socket = tcpServer_->nextPendingConnection()) {
        auto* connection =
            new WebSocketConnection(socket, makeServerConfig(options_), options_.timeouts, this);
        const quint64 id = nextId_++;
        ++connectionCount_;
        if (options_.echo) {
            connect(connection, &WebSocketConnection::messageReceived, connection,
                    [connection](const event::Message& message) {
                        connection->sendMessage(message.opcode, message.payload);
                    });
        }
        connect(connection, &WebSocketConnection::closed, this,
                [this, connection, id](const event::Closed& info) {
                    --connectionCount_;
                    emit connectionFinished(id, info);
                    connection->deleteLater();
                });
        emit newConnection(connection, id);
    }
}

}  // namespace sockscope::session
