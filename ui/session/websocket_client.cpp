#include "session/websocket_client.h"

#include <QTcpSocket>

#if QT_CONFIG(ssl)
#include <QSslConfiguration>
#include <QSslSocket>
#endif

namespace sockscope::session {

EndpointConfig makeClientConfig(const WebSocketUrl& url, const ClientOptions& options) {
    EndpointConfig config;
    config.role = Role::Client;
    config.limits = options.limits;
    config.client.host = url.hostHeader;
    config.client.target = url.target;
    config.client.origin = options.origin;
    config.client.subprotocols = options.subprotocols;
    config.client.extraFields = options.extraHeaders;
    if (options.deflate) {
        config.client.deflate = DeflateClientOffer{};
    }
    return config;
}

WebSocketClient::WebSocketClient(ClientOptions options, QObject* parent)
    : QObject(parent), options_(std::move(options)) {}

WebSocketConnection* WebSocketClient::open(const WebSocketUrl& url, QString* error) {
    QAbstractSocket* socket = nullptr;
    if (url.secure) {
#if QT_CONFIG(ssl)
        if (!QSslSocket::supportsSsl()) {
            if (error) {
                *error = QStringLiteral("wss:// needs TLS, but no Qt TLS backend is available");
            }
            return nullptr;
        }
        auto* ssl = new QSslSocket;
        if (!options_.caCertificates.isEmpty()) {
            QSslConfiguration tls = ssl->sslConfiguration();
            tls.addCaCertificates(options_.caCertificates);
            ssl->setSslConfiguration(tls);
        }
        socket = ssl;
#else
        if (error) {
            *error = QStringLiteral("wss:// is not supported: Qt was built without TLS");
        }
        return nullptr;
#endif
    } else {
        socket = new QTcpSocket;
    }

    if (connection_) {
        connection_->deleteLater();  // a slot of the old one may be running
    }
    connection_ =
        new WebSocketConnection(socket, makeClientConfig(url, options_), options_.timeouts, this);
#if QT_CONFIG(ssl)
    if (auto* ssl = qobject_cast<QSslSocket*>(socket)) {
        ssl->connectToHostEncrypted(url.host, url.port);
        return connection_;
    }
#endif
    socket->connectToHost(url.host, url.port);
    return connection_;
}

}  // namespace sockscope::session
