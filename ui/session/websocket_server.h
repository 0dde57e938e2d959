#pragma once
// The server side: a QTcpServer (a QSslServer for wss://) whose every accepted
// socket becomes a WebSocketConnection running the server opening handshake.
//
// Modes: Echo sends every text/binary message back to its sender with the same
// opcode (compressed again when permessage-deflate was negotiated); Broadcast
// sends it to every other open client and not back; Manual sends nothing by
// itself (the owner uses sendTo / sendToAll).
//
// The Origin allow-list guards against cross-site WebSocket hijacking
// (CWE-1385): a browser page on any site can open a WebSocket to a server that
// trusts its cookies, and only the Origin header tells the server who asked.

#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "session/websocket_connection.h"
#include "sockscope/core/endpoint.h"

class QTcpServer;

namespace sockscope::session {

enum class ServerMode : std::uint8_t { Echo, Manual, Broadcast };

struct ServerOptions {
    std::vector<std::string> subprotocols;  // supported, in preference order
    bool deflate = false;                   // accept permessage-deflate offers
    bool echo = false;                      // the CLI's switch: true means ServerMode::Echo
    Limits limits;
    ConnectionTimeouts timeouts;
    ServerMode mode = ServerMode::Manual;
    DeflateServerPolicy deflatePolicy;  // used when deflate == true
    // Empty: any Origin (or none). Otherwise "scheme://host[:port]" entries
    // matched exactly after normalisation (see normalizeOrigin); a request
    // without Origin is refused.
    std::vector<std::string> allowedOrigins;
    // PEM files; both set: wss:// (the certificate file may hold a chain, leaf first).
    QString certificateFile, privateKeyFile;
};

// `echo` wins over `mode`, so the CLI's option keeps its meaning.
ServerMode effectiveMode(const ServerOptions& options);

EndpointConfig makeServerConfig(const ServerOptions& options);

// An origin in the form the allow-list compares (RFC 6454 §6.2):
// "scheme://host[:port]" with scheme and host lower-cased and the scheme's
// default port dropped ("HTTPS://Example.COM:443" -> "https://example.com").
// nullopt for anything else ("null", a path, user info, no host).
std::optional<std::string> normalizeOrigin(std::string_view origin);

class WebSocketServer final : public QObject {
    Q_OBJECT
public:
    explicit WebSocketServer(ServerOptions options, QObject* parent = nullptr);
    ~WebSocketServer() override;

    // Port 0 picks a free port (see serverPort()). false with errorString()
    // also for an unusable TLS certificate or key or a malformed allow-list entry.
    bool listen(const QHostAddress& address = QHostAddress::LocalHost, quint16 port = 0);
    void stopListening();
    bool isListening() const;
    QString errorString() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    bool isTls() const;
    int connectionCount() const { return connectionCount_; }
    const ServerOptions& options() const { return options_; }
    // Takes effect with the next message (clears `echo`).
    void setMode(ServerMode mode);
    ServerMode mode() const;

    // Connections whose closed() has not been emitted yet, in id order.
    QList<quint64> connectionIds() const;
    // nullptr once the connection has finished.
    WebSocketConnection* connection(quint64 id) const;
    // The Origin field of the connection's upgrade request as received (empty:
    // none, or the request has not been read yet), until it finishes.
    QString origin(quint64 id) const;

    // Sends to one open connection: text (1) and binary (2) as a message in
    // `fragments` frames, ping (9) and pong (10) with `data` as payload, close
    // (8) with `data` as the close frame body (code big-endian, then the
    // reason; empty: no code). false when the connection is not open or the
    // opcode is none of these.
    bool sendTo(quint64 id, std::uint8_t opcode, std::span<const std::uint8_t> data,
                std::size_t fragments = 1);
    // The same to every open connection; returns how many it was sent to.
    int sendToAll(std::uint8_t opcode, std::span<const std::uint8_t> data,
                  std::size_t fragments = 1);

    // Starts the close handshake on every open connection.
    void closeAll(std::uint16_t code = close_code::GoingAway, std::string_view reason = {});

signals:
    // A client connected. Emitted before any of its bytes are processed, so a
    // slot can connect to the connection's signals and miss nothing. `id`
    // counts from 1 per server.
    void newConnection(sockscope::session::WebSocketConnection* connection, quint64 id);
    // The connection's closed() has been emitted; it is deleted later.
    void connectionFinished(quint64 id, const sockscope::event::Closed& info);
    // A client's opening handshake did not succeed: `status` is the HTTP
    // status we answered (403 for a refused Origin, 426, 405, 400, 431), or 0
    // when nothing was answered (the client left or timed out mid-request).
    // `id` is 0 when the TLS handshake failed before a WebSocket connection
    // existed. `reason` says why in words.
    void handshakeRefused(quint64 id, const QString& peer, int status, const QString& reason);

private:
    struct Entry {
        QPointer<WebSocketConnection> connection;
        QString origin;
        QString originRefusal;  // why the allow-list refused, once it has
        QString lastError;
        bool handshakeEnded = false;
    };

    bool prepareTls();
    bool prepareOrigins();
    void onNewConnection();
    void attach(WebSocketConnection* connection, quint64 id);
    void onMessage(quint64 from, const event::Message& message);
    bool sendOn(WebSocketConnection* connection, std::uint8_t opcode,
                std::span<const std::uint8_t> data, std::size_t fragments);
    QString refusalReason(const Entry& entry, const event::HandshakeFailed& failure) const;

    ServerOptions options_;
    std::vector<std::string> normalizedOrigins_;
    QTcpServer* tcpServer_;
    QString error_;  // ours (TLS files, allow-list); else the QTcpServer's
    bool tls_ = false;
    QHash<quint64, Entry> entries_;
    quint64 nextId_ = 1;
    int connectionCount_ = 0;
};

}  // namespace sockscope::session
