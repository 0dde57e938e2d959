#pragma once
// The server side: a QTcpServer whose every accepted socket becomes a
// WebSocketConnection running the server opening handshake. Echo mode sends
// every text/binary message back with the same opcode (compressed again when
// permessage-deflate was negotiated).

#include <QHostAddress>
#include <QObject>
#include <QString>
#include <cstdint>
#include <string>
#include <vector>

#include "session/websocket_connection.h"
#include "sockscope/core/endpoint.h"

class QTcpServer;

namespace sockscope::session {

struct ServerOptions {
    std::vector<std::string> subprotocols;  // supported, in preference order
    bool deflate = false;                   // accept permessage-deflate offers
    bool echo = false;
    Limits limits;
    ConnectionTimeouts timeouts;
};

EndpointConfig makeServerConfig(const ServerOptions& options);

class WebSocketServer final : public QObject {
    Q_OBJECT
public:
    explicit WebSocketServer(ServerOptions options, QObject* parent = nullptr);
    ~WebSocketServer() override;

    // Port 0 picks a free port (see serverPort()).
    bool listen(const QHostAddress& address = QHostAddress::LocalHost, quint16 port = 0);
    void stopListening();
    QString errorString() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    int connectionCount() const { return connectionCount_; }

    // Starts the close handshake on every open connection.
    void closeAll(std::uint16_t code = close_code::GoingAway, std::string_view reason = {});

signals:
    // A client connected. Emitted before any of its bytes are processed, so a
    // slot can connect to the connection's signals and miss nothing. `id`
    // counts from 1 per server.
    void newConnection(sockscope::session::WebSocketConnection* connection, quint64 id);
    // The connection's closed() has been emitted; it is deleted later.
    void connectionFinished(quint64 id, const sockscope::event::Closed& info);

private:
    void onNewConnection();

    ServerOptions options_;
    QTcpServer* tcpServer_;
    quint64 nextId_ = 1;
    int connectionCount_ = 0;
};

}  // namespace sockscope::session
