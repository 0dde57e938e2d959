#pragma once
// The client side: turns a ws:// / wss:// URL and a few options into a TCP
// (or TLS) connection running the client opening handshake.

#include <QtNetwork/qtnetworkglobal.h>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
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
    bool deflate = false;             // offer permessage-deflate with deflateOffer's parameters
    DeflateClientOffer deflateOffer;  // default: client_max_window_bits without a value
    // Answer pings automatically. Off: pings are only reported (to test a peer's timeouts).
    bool autoPong = true;
    Limits limits;
    ConnectionTimeouts timeouts;
#if QT_CONFIG(ssl)
    // Trusted in addition to the system CAs (a private test CA, a self-signed server).
    QList<QSslCertificate> caCertificates;
    // A client certificate (chain, leaf first) and its unencrypted private key,
    // PEM files: both or neither. Used for wss:// only, read by every open();
    // a missing, unreadable or mismatched file makes open() fail.
    QString clientCertificateFile, clientKeyFile;
    // Accept any server certificate on this connection (untrusted, expired,
    // wrong host). The errors that were ignored are still reported.
    bool ignoreCertificateErrors = false;
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
    // nullptr and sets `error` when it cannot even start: wss:// without TLS,
    // a client certificate or key that is missing, unreadable, not PEM, or not
    // a pair (the error names the file and the reason).
    WebSocketConnection* open(const WebSocketUrl& url, QString* error = nullptr);
    WebSocketConnection* connection() const { return connection_; }
    const ClientOptions& options() const { return options_; }

signals:
    // ignoreCertificateErrors is on and the server's certificate had these
    // problems (one human-readable line each); the connection goes on.
    void certificateErrorsIgnored(const QStringList& errors);

private:
    ClientOptions options_;
    WebSocketConnection* connection_ = nullptr;
};

}  // namespace sockscope::session
