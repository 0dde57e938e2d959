#pragma once
// The client side: turns a ws:// / wss:// URL and a few options into a TCP
// (or TLS) connection running the client opening handshake.

#include <QtNetwork/qtnetworkglobal.h>
#include <QList>
#include <QObject>
#include <QString>
#include <optional>
#include <string>
#include <vector>

#if QT_CONFIG(ssl)
#include <QSslCertificate>
#endif

#include "session/websocket_connection.h"
#include "session/websocket_url.h"
#include "sockscope/core/endpoint.h"

namespace sockscope::session {

struct ClientOptions {
    std::vector<HttpField> extraHeaders;  // sent verbatim in the upgrade request
    std::vector<std::string> subprotocols;
    std::optional<std::string> origin;
    bool deflate = false;  // offer permessage-deflate (client_max_window_bits, no value)
    Limits limits;
    ConnectionTimeouts timeouts;
#if QT_CONFIG(ssl)
    // Trusted in addition to the system CAs (a private test CA, a self-signed server).
    QList<QSslCertificate> caCertificates;
#endif
};

// The endpoint configuration for a client connection to `url`.
EndpointConfig makeClientConfig(const WebSocketUrl& url, const ClientOptions& options);

class WebSocketClient final : public QObject {
    Q_OBJECT
public:
    explicit WebSocketClient(ClientOptions options, QObject* parent = nullptr);

    // Starts connecting. The connection is a child of this client; its signals
    // report the rest (handshakeDone, errorOccurred, closed, ...). Returns
    // nullptr and sets `error` when it cannot even start (wss:// without TLS).
    WebSocketConnection* open(const WebSocketUrl& url, QString* error = nullptr);
    WebSocketConnection* connection() const { return connection_; }
    const ClientOptions& options() const { return options_; }

private:
    ClientOptions options_;
    WebSocketConnection* connection_ = nullptr;
};

}  // namespace sockscope::session
