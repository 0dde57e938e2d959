#include "session/websocket_client.h"

#include <QTcpSocket>

#if QT_CONFIG(ssl)

#include <QFile>
#include <QFileInfo>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslKey>
#include <QSslSocket>
#include <memory>
#include <string_view>

#include "sockscope/core/pem_key.h"
#endif

namespace sockscope::session {
namespace {

#if QT_CONFIG(ssl)
// PEM files are small; anything larger is not what the user meant to pick.
constexpr qint64 kMaxPemFileBytes = 1024 * 1024;

struct ClientIdentity {
    QList<QSslCertificate> chain;  // leaf first
    QSslKey key;
};

std::optional<QByteArray> readPemFile(const QString& path, const QString& what, QString* error) {
    auto fail = [&](const QString& why) {
        if (error) {
            *error = what + u" \"" + path + u"\": " + why;
        }
        return std::nullopt;
    };
    const QFileInfo info(path);
    if (!info.exists()) {
        return fail(QStringLiteral("no such file"));
    }
    if (!info.isFile()) {
        return fail(QStringLiteral("not a regular file"));
    }
    if (info.size() > kMaxPemFileBytes) {
        return fail(QStringLiteral("larger than 1 MiB, not a PEM file"));
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return fail(u"cannot be read (" + file.errorString() + u')');
    }
    return file.read(kMaxPemFileBytes);
}

std::optional<ClientIdentity> loadClientIdentity(const QString& certificateFile,
                                                 const QString& keyFile, QString* error) {
    auto fail = [&](const QString& why) {
        if (error) {
            *error = why;
        }
        return std::nullopt;
    };
    if (certificateFile.isEmpty() != keyFile.isEmpty()) {
        return fail(certificateFile.isEmpty()
                        ? QStringLiteral("a client key was given without its certificate")
                        : QStringLiteral("a client certificate was given without its key"));
    }
    const auto certificatePem =
        readPemFile(certificateFile, QStringLiteral("client certificate"), error);
    if (!certificatePem) {
        return std::nullopt;
    }
    const auto keyPem = readPemFile(keyFile, QStringLiteral("client key"), error);
    if (!keyPem) {
        return std::nullopt;
    }

    ClientIdentity identity;
    identity.chain = QSslCertificate::fromData(*certificatePem, QSsl::Pem);
    if (identity.chain.isEmpty() || identity.chain.front().isNull()) {
        return fail(u"client certificate \"" + certificateFile +
                    u"\": no PEM certificate in it (-----BEGIN CERTIFICATE-----)");
    }
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        identity.key = QSslKey(*keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!identity.key.isNull()) {
            break;
        }
    }
    if (identity.key.isNull()) {
        const bool encrypted = keyPem->contains("ENCRYPTED");
        return fail(
            u"client key \"" + keyFile +
            (encrypted
                 ? QStringLiteral("\": the key is encrypted; use an unencrypted PEM key")
                 : QStringLiteral("\": no unencrypted RSA, EC or DSA private key in PEM form")));
    }
    const auto text = [](const QByteArray& bytes) {
        return std::string_view(bytes.constData(), std::size_t(bytes.size()));
    };
    if (pemKeyMatchesCertificate(text(*certificatePem), text(*keyPem)) == false) {
        return fail(u"client key \"" + keyFile + u"\" does not belong to the certificate \"" +
                    certificateFile + u'"');
    }
    return identity;
}
#endif

}  // namespace

EndpointConfig makeClientConfig(const WebSocketUrl& url, const ClientOptions& options) {
    EndpointConfig config;
    config.role = Role::Client;
    config.limits = options.limits;
    config.autoPong = options.autoPong;
    config.client.host = url.hostHeader;
    config.client.target = url.target;
    config.client.origin = options.origin;
    config.client.subprotocols = options.subprotocols;
    config.client.extraFields = options.extraHeaders;
    if (options.deflate) {
        config.client.deflate = options.deflateOffer;
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
        std::optional<ClientIdentity> identity;
        if (!options_.clientCertificateFile.isEmpty() || !options_.clientKeyFile.isEmpty()) {
            identity =
                loadClientIdentity(options_.clientCertificateFile, options_.clientKeyFile, error);
            if (!identity) {
                return nullptr;
            }
        }
        auto* ssl = new QSslSocket;
        QSslConfiguration tls = ssl->sslConfiguration();
        if (!options_.caCertificates.isEmpty()) {
            tls.addCaCertificates(options_.caCertificates);
        }
        if (identity) {
            tls.setLocalCertificateChain(identity->chain);
            tls.setPrivateKey(identity->key);
        }
        ssl->setSslConfiguration(tls);
        if (options_.ignoreCertificateErrors) {
            // Per socket, never QSslConfiguration::defaultConfiguration().
            connect(ssl, &QSslSocket::sslErrors, ssl, [this, ssl](const QList<QSslError>& errors) {
                QStringList lines;
                for (const QSslError& e : errors) {
                    lines.append(e.errorString());
                }
                ssl->ignoreSslErrors();
                emit certificateErrorsIgnored(lines);
            });
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
