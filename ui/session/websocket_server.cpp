#include "session/websocket_server.h"

#include <QFile>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>
#include <algorithm>
#include <functional>
#include <memory>
#include <string_view>

#if QT_CONFIG(ssl)
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#endif

#include "session/frame_format.h"
#include "session/qt_text.h"
#include "session/socket_address.h"
#include "sockscope/core/opcode.h"
#include "sockscope/core/pem_key.h"

using namespace Qt::StringLiterals;

namespace sockscope::session {
namespace {

constexpr int kListenBacklog = 1024;

int defaultPort(const QString& scheme) {
    if (scheme == u"http" || scheme == u"ws") {
        return 80;
    }
    if (scheme == u"https" || scheme == u"wss") {
        return 443;
    }
    return -1;
}

#if QT_CONFIG(ssl)
// PEM files are small; a bound keeps a wrong path (a disk image) from being slurped.
constexpr qint64 kMaxPemFileSize = 1024 * 1024;

// Reads a PEM file or says why not; `what` names it in the error ("the certificate").
std::optional<QByteArray> readPemFile(const QString& path, const QString& what, QString& error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        error = u"cannot read " + what + u' ' + path + u": " + file.errorString();
        return std::nullopt;
    }
    if (file.size() > kMaxPemFileSize) {
        error = u"cannot read " + what + u' ' + path + u": larger than 1 MiB, not a PEM file";
        return std::nullopt;
    }
    return file.readAll();
}

constexpr const char* kPeerProperty = "sockscopePeer";

// Qt 6.4's QSslServer drops a client whose first byte is not a TLS handshake
// record without any signal; this one hands out each new socket so the drop
// can be reported.
class ReportingSslServer final : public QSslServer {
public:
    using QSslServer::QSslServer;
    std::function<void(QSslSocket*)> accepted;  // before any of the socket's bytes are read

protected:
    void incomingConnection(qintptr descriptor) override {
        QSslServer::incomingConnection(descriptor);
        // The new socket is the newest child.
        const QList<QSslSocket*> sockets = findChildren<QSslSocket*>(Qt::FindDirectChildrenOnly);
        if (!sockets.isEmpty() && accepted) {
            accepted(sockets.last());
        }
    }
};

#endif

}  // namespace

ServerMode effectiveMode(const ServerOptions& options) {
    return options.echo ? ServerMode::Echo : options.mode;
}

EndpointConfig makeServerConfig(const ServerOptions& options) {
    EndpointConfig config;
    config.role = Role::Server;
    config.limits = options.limits;
    config.server.subprotocols = options.subprotocols;
    if (options.deflate) {
        config.server.deflate = options.deflatePolicy;
    }
    return config;
}

std::optional<std::string> normalizeOrigin(std::string_view origin) {
    if (origin.find("://") == std::string_view::npos) {
        return std::nullopt;  // "null", or a scheme without an authority
    }
    const QUrl url(fromStd(origin), QUrl::StrictMode);
    if (!url.isValid() || url.scheme().isEmpty() || url.host().isEmpty() ||
        !url.userInfo().isEmpty() || !url.path().isEmpty() || url.hasQuery() || url.hasFragment()) {
        return std::nullopt;
    }
    const QString scheme = url.scheme().toLower();
    QString host = url.host(QUrl::FullyEncoded).toLower();
    if (host.contains(u':')) {
        host = u'[' + host + u']';  // IPv6
    }
    QString text = scheme + u"://" + host;
    if (const int port = url.port(); port != -1 && port != defaultPort(scheme)) {
        text += u':' + QString::number(port);
    }
    return text.toStdString();
}

WebSocketServer::WebSocketServer(ServerOptions options, QObject* parent)
    : QObject(parent), options_(std::move(options)), tcpServer_(new QTcpServer(this)) {}

WebSocketServer::~WebSocketServer() = default;

bool WebSocketServer::listen(const QHostAddress& address, quint16 port) {
    error_.clear();
    if (tcpServer_->isListening()) {
        error_ = QStringLiteral("the server is already listening");
        return false;
    }
    if (!prepareOrigins() || !prepareTls()) {
        return false;
    }
    connect(tcpServer_, &QTcpServer::pendingConnectionAvailable, this,
            &WebSocketServer::onNewConnection, Qt::UniqueConnection);
    // Qt's default backlog (50) overflows when many clients connect while the
    // GUI thread is busy: the kernel then drops their handshakes, and they
    // retry only after seconds. The kernel caps this at net.core.somaxconn.
    tcpServer_->setListenBacklogSize(kListenBacklog);
    return tcpServer_->listen(address, port);
}

bool WebSocketServer::prepareOrigins() {
    normalizedOrigins_.clear();
    for (const std::string& entry : options_.allowedOrigins) {
        std::optional<std::string> normalized = normalizeOrigin(entry);
        if (!normalized) {
            error_ = u"allowed origin '" + fromStd(entry) +
                     u"' is not of the form scheme://host[:port] (no path, no trailing slash)";
            return false;
        }
        normalizedOrigins_.push_back(std::move(*normalized));
    }
    return true;
}

bool WebSocketServer::prepareTls() {
    const bool wantCertificate = !options_.certificateFile.isEmpty();
    const bool wantKey = !options_.privateKeyFile.isEmpty();
    if (!wantCertificate && !wantKey) {
        return true;
    }
    if (wantCertificate != wantKey) {
        error_ = wantCertificate
                     ? QStringLiteral("TLS needs a private key file as well as the certificate")
                     : QStringLiteral("TLS needs a certificate file as well as the private key");
        return false;
    }
#if QT_CONFIG(ssl)
    if (!QSslSocket::supportsSsl()) {
        error_ = QStringLiteral("TLS is not available: Qt has no TLS backend here");
        return false;
    }
    const QString certificateWhat = QStringLiteral("the certificate");
    const std::optional<QByteArray> certificatePem =
        readPemFile(options_.certificateFile, certificateWhat, error_);
    if (!certificatePem) {
        return false;
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(*certificatePem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        error_ = u"cannot read the certificate " + options_.certificateFile +
                 u": no PEM certificate (-----BEGIN CERTIFICATE-----) in it";
        return false;
    }

    const QString keyWhat = QStringLiteral("the private key");
    std::optional<QByteArray> keyPem = readPemFile(options_.privateKeyFile, keyWhat, error_);
    if (!keyPem) {
        return false;
    }
    const QString keyError = u"cannot read the private key " + options_.privateKeyFile + u": ";
    // The key's bytes must not outlive this function nor reach any message.
    struct Wipe {
        QByteArray& bytes;
        ~Wipe() { bytes.fill('\0'); }
    } wipe{*keyPem};
    const std::string_view keyText(keyPem->constData(), std::size_t(keyPem->size()));
    const std::optional<PemKeyAlgorithm> parsed = pemPrivateKeyAlgorithm(keyText);
    if (!parsed) {
        error_ = keyError + (keyPem->contains("ENCRYPTED")
                                 ? u"the key is encrypted; give an unencrypted PEM key"_s
                                 : u"no PEM private key in it"_s);
        return false;
    }
    QSsl::KeyAlgorithm algorithm = QSsl::Opaque;
    switch (*parsed) {
        case PemKeyAlgorithm::Rsa:
            algorithm = QSsl::Rsa;
            break;
        case PemKeyAlgorithm::Ec:
            algorithm = QSsl::Ec;
            break;
        default:
            error_ = keyError + u"only RSA and EC keys are supported";
            return false;
    }
    const QSslKey key(*keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
    if (key.isNull()) {
        error_ = keyError + u"Qt's TLS backend could not load it";
        return false;
    }
    const QByteArray firstPem = chain.first().toPem();
    const bool matches =
        pemKeyMatchesCertificate(
            std::string_view(firstPem.constData(), std::size_t(firstPem.size())), keyText) == true;
    if (!matches) {
        error_ = u"the key does not match the certificate: " + options_.privateKeyFile +
                 u" is not the private key of the first certificate in " + options_.certificateFile;
        return false;
    }

    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);  // no client certificates
    auto* sslServer = new ReportingSslServer(this);
    sslServer->setSslConfiguration(configuration);
    // Socket errors and the server's handshake timeout.
    connect(sslServer, &QSslServer::errorOccurred, this,
            [this, sslServer](QSslSocket* socket, QAbstractSocket::SocketError error) {
                QString why;
                if (error == QAbstractSocket::SocketTimeoutError) {
                    why = u"no TLS handshake within "_s +
                          QString::number(sslServer->handshakeTimeout()) + u" ms";
                } else if (error == QAbstractSocket::RemoteHostClosedError) {
                    why = u"the client closed the connection (does it trust the certificate?)"_s;
                } else {
                    why = socket->errorString();
                }
                // The address noted on accept: a socket that failed may have forgotten it.
                emit handshakeRefused(0, socket->property(kPeerProperty).toString(), 0,
                                      u"TLS handshake failed: " + why);
            });
    sslServer->accepted = [this](QSslSocket* socket) {
        // Runs after QSslServer's own first-read check: a socket it dropped is
        // no longer connected and never started encrypting.
        auto once = std::make_shared<QMetaObject::Connection>();
        const QString peer = formatSocketAddress(socket->peerAddress(), socket->peerPort());
        socket->setProperty(kPeerProperty, peer);
        *once = connect(socket, &QIODevice::readyRead, this, [this, socket, once, peer] {
            if (socket->mode() != QSslSocket::UnencryptedMode) {
                QObject::disconnect(*once);  // a TLS handshake started
                return;
            }
            if (socket->state() == QAbstractSocket::ConnectedState) {
                return;  // nothing read yet
            }
            QObject::disconnect(*once);
            emit handshakeRefused(
                0, peer, 0,
                u"the client did not start a TLS handshake (its first byte is not a TLS "
                u"handshake record: a ws:// client on this wss:// server?)"_s);
        });
    };
    delete tcpServer_;
    tcpServer_ = sslServer;
    tls_ = true;
    return true;
#else
    error_ = QStringLiteral("TLS is not available: Qt was built without it");
    return false;
#endif
}

void WebSocketServer::stopListening() {
    tcpServer_->close();
}

bool WebSocketServer::isListening() const {
    return tcpServer_->isListening();
}

QString WebSocketServer::errorString() const {
    return error_.isEmpty() ? tcpServer_->errorString() : error_;
}

QHostAddress WebSocketServer::serverAddress() const {
    return tcpServer_->serverAddress();
}

quint16 WebSocketServer::serverPort() const {
    return tcpServer_->serverPort();
}

void WebSocketServer::setMode(ServerMode mode) {
    options_.echo = false;
    options_.mode = mode;
}

ServerMode WebSocketServer::mode() const {
    return effectiveMode(options_);
}

bool WebSocketServer::isTls() const {
    return tls_;
}

QList<quint64> WebSocketServer::connectionIds() const {
    QList<quint64> ids;
    for (auto it = entries_.cbegin(); it != entries_.cend(); ++it) {
        if (it->connection && !it->connection->isFinished()) {
            ids.append(it.key());
        }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

WebSocketConnection* WebSocketServer::connection(quint64 id) const {
    const auto it = entries_.constFind(id);
    if (it == entries_.cend() || !it->connection || it->connection->isFinished()) {
        return nullptr;
    }
    return it->connection.data();
}

QString WebSocketServer::origin(quint64 id) const {
    const auto it = entries_.constFind(id);
    return it == entries_.cend() ? QString() : it->origin;
}

bool WebSocketServer::sendOn(WebSocketConnection* connection, std::uint8_t opcode,
                             std::span<const std::uint8_t> data, std::size_t fragments) {
    // No state check here: the endpoint refuses itself, and still lets an echo
    // answer a message that arrived together with the peer's close.
    if (!connection) {
        return false;
    }
    switch (static_cast<Opcode>(opcode)) {
        case Opcode::Text:
        case Opcode::Binary:
            return connection->sendMessage(opcode, data, std::max<std::size_t>(1, fragments));
        case Opcode::Ping:
            return connection->ping(data);
        case Opcode::Pong:
            return connection->pong(data);
        case Opcode::Close: {
            if (data.empty()) {
                return connection->close(std::nullopt);
            }
            if (data.size() < 2) {
                return false;  // a close body is a 2-byte code, then the reason
            }
            const auto code = static_cast<std::uint16_t>((data[0] << 8) | data[1]);
            const auto reason = data.subspan(2);
            return connection->close(
                code,
                std::string_view(reinterpret_cast<const char*>(reason.data()), reason.size()));
        }
        default:
            return false;
    }
}

bool WebSocketServer::sendTo(quint64 id, std::uint8_t opcode, std::span<const std::uint8_t> data,
                             std::size_t fragments) {
    return sendOn(connection(id), opcode, data, fragments);
}

int WebSocketServer::sendToAll(std::uint8_t opcode, std::span<const std::uint8_t> data,
                               std::size_t fragments) {
    int sent = 0;
    for (const quint64 id : connectionIds()) {
        if (sendTo(id, opcode, data, fragments)) {
            ++sent;
        }
    }
    return sent;
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
        const quint64 id = nextId_++;
        EndpointConfig config = makeServerConfig(options_);
        // Installed even without a list: it is where the request's Origin is seen.
        config.server.originAllowed = [this, id](std::string_view origin) {
            Entry& entry = entries_[id];
            entry.origin = fromStd(origin);
            if (normalizedOrigins_.empty()) {
                return true;
            }
            if (origin.empty()) {
                entry.originRefusal = QStringLiteral(
                    "the request has no Origin header, and an allow-list is set (every browser "
                    "sends Origin, so this client is not a web page the list could vouch for)");
                return false;
            }
            const std::optional<std::string> normalized = normalizeOrigin(origin);
            if (normalized && std::find(normalizedOrigins_.begin(), normalizedOrigins_.end(),
                                        *normalized) != normalizedOrigins_.end()) {
                return true;
            }
            entry.originRefusal =
                u"Origin '" + entry.origin + u"' is not in the allow-list" +
                (normalized ? QString() : u" (it is not of the form scheme://host[:port])"_s);
            return false;
        };
        auto* connection =
            new WebSocketConnection(socket, std::move(config), options_.timeouts, this);
        entries_[id].connection = connection;
        ++connectionCount_;
        attach(connection, id);
        emit newConnection(connection, id);
    }
}

void WebSocketServer::attach(WebSocketConnection* connection, quint64 id) {
    connect(connection, &WebSocketConnection::messageReceived, this,
            [this, id](const event::Message& message) { onMessage(id, message); });
    connect(connection, &WebSocketConnection::errorOccurred, this,
            [this, id](const QString& message) { entries_[id].lastError = message; });
    connect(connection, &WebSocketConnection::handshakeDone, this,
            [this, id](const event::HandshakeDone&) { entries_[id].handshakeEnded = true; });
    connect(connection, &WebSocketConnection::handshakeFailed, this,
            [this, connection, id](const event::HandshakeFailed& failure) {
                Entry& entry = entries_[id];
                entry.handshakeEnded = true;
                emit handshakeRefused(id, connection->peerName(), failure.status,
                                      refusalReason(entry, failure));
            });
    connect(connection, &WebSocketConnection::closed, this,
            [this, connection, id](const event::Closed& info) {
                --connectionCount_;
                emit connectionFinished(id, info);
                entries_.remove(id);
                connection->deleteLater();
            });
}

QString WebSocketServer::refusalReason(const Entry& entry,
                                       const event::HandshakeFailed& failure) const {
    if (failure.error.kind == ViolationKind::HandshakeForbiddenOrigin &&
        !entry.originRefusal.isEmpty()) {
        return entry.originRefusal;
    }
    if (failure.status == 0 && !entry.lastError.isEmpty()) {
        return entry.lastError;  // "opening handshake timed out after 10000 ms"
    }
    return fromStd(formatProtocolError(failure.error));
}

void WebSocketServer::onMessage(quint64 from, const event::Message& message) {
    switch (effectiveMode(options_)) {
        case ServerMode::Echo:
            sendTo(from, message.opcode, message.payload);
            break;
        case ServerMode::Broadcast:
            for (const quint64 id : connectionIds()) {
                if (id != from) {
                    sendTo(id, message.opcode, message.payload);
                }
            }
            break;
        case ServerMode::Manual:
            break;
    }
}

}  // namespace sockscope::session
