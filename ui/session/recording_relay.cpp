#include "session/recording_relay.h"

#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <functional>
#include <optional>

#include <sys/socket.h>

#if QT_CONFIG(ssl)
#include <QSslConfiguration>
#include <QSslSocket>
#endif

#include "session/session_recorder.h"

namespace sockscope::session {

namespace {

constexpr qint64 kChunk = 256 * 1024;

std::span<const std::uint8_t> spanOf(const QByteArray& bytes) {
    return {reinterpret_cast<const std::uint8_t*>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

// One relayed connection: the accepted client socket and its own socket to
// the target. Deletes itself when both are closed.
class RelayLink : public QObject {
public:
    RelayLink(QTcpSocket* client, const WebSocketUrl& target, SessionRecorder* recorder,
              const RelayOptions& options, QObject* parent)
        : QObject(parent), client_(client), recorder_(recorder), options_(options) {
        client_->setParent(this);
        client_->setReadBufferSize(kChunk);
        authority_ = QByteArray::fromStdString(target.hostHeader);
        secure_ = target.secure;
        grace_.setSingleShot(true);
        grace_.setInterval(options.closeGrace);
        connect(&grace_, &QTimer::timeout, this, &RelayLink::graceOver);
        // A client that never finishes its head must not hold both sockets forever.
        headTimer_.setSingleShot(true);
        connect(&headTimer_, &QTimer::timeout, this, &RelayLink::headTimedOut);
        headTimer_.start(options.headTimeout);
        connectClient();
        startTarget(target);
    }

    std::function<void(const QString&)> onFailed;
    std::function<void()> onFinished;

    qint64 bufferedBytes() const {
        qint64 total = head_.size() + pendingToTarget_.size() + client_->bytesAvailable() +
                       client_->bytesToWrite();
        if (target_) {
            total += target_->bytesAvailable() + target_->bytesToWrite();
        }
        return total;
    }

    void abortBoth() {
        closeRecorded(dissector::Direction::Client, true);
        client_->abort();
        if (target_) {
            target_->abort();
        }
    }

private:
    void connectClient() {
        connect(client_, &QTcpSocket::readyRead, this, &RelayLink::pump);
        connect(client_, &QTcpSocket::bytesWritten, this, &RelayLink::pump);
        connect(client_, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
            if (e != QAbstractSocket::RemoteHostClosedError) {
                clientReset_ = true;
            }
        });
        connect(client_, &QTcpSocket::disconnected, this, &RelayLink::clientGone);
    }

    void startTarget(const WebSocketUrl& target) {
#if QT_CONFIG(ssl)
        if (target.secure) {
            auto* ssl = new QSslSocket(this);
            QSslConfiguration tls = ssl->sslConfiguration();
            if (!options_.caCertificates.isEmpty()) {
                tls.addCaCertificates(options_.caCertificates);
            }
            ssl->setSslConfiguration(tls);
            if (options_.ignoreCertificateErrors) {
                connect(ssl, &QSslSocket::sslErrors, ssl, [ssl] { ssl->ignoreSslErrors(); });
            }
            connect(ssl, &QSslSocket::encrypted, this, &RelayLink::targetReady);
            target_ = ssl;
            wireTarget();
            ssl->connectToHostEncrypted(target.host, target.port);
            return;
        }
#else
        if (target.secure) {
            target_ = new QTcpSocket(this);
            wireTarget();
            QMetaObject::invokeMethod(
                this, [this] { failBeforeReady(QStringLiteral("wss:// needs Qt built with TLS")); },
                Qt::QueuedConnection);
            return;
        }
#endif
        target_ = new QTcpSocket(this);
        connect(target_, &QTcpSocket::connected, this, &RelayLink::targetReady);
        wireTarget();
        target_->connectToHost(target.host, target.port);
    }

    void wireTarget() {
        target_->setReadBufferSize(kChunk);
        connect(target_, &QTcpSocket::readyRead, this, &RelayLink::pump);
        connect(target_, &QTcpSocket::bytesWritten, this, &RelayLink::pump);
        connect(target_, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
            if (!targetReady_) {
                failBeforeReady(QStringLiteral("relay: cannot reach the target: ") +
                                target_->errorString());
            } else if (e != QAbstractSocket::RemoteHostClosedError) {
                targetReset_ = true;
            }
        });
        connect(target_, &QTcpSocket::disconnected, this, &RelayLink::targetGone);
    }

    void failBeforeReady(const QString& why) {
        if (failed_) {
            return;
        }
        failed_ = true;
        if (onFailed) {
            onFailed(why);
        }
        client_->abort();
        target_->abort();
        maybeFinish();
    }

    void targetReady() {
        targetReady_ = true;
        const auto client = toSocketAddress(target_->localAddress(), target_->localPort());
        const auto server = toSocketAddress(target_->peerAddress(), target_->peerPort());
        if (recorder_ && client && server) {
            conversation_ = recorder_->openConversation(*client, *server);
        }
        if (!pendingToTarget_.isEmpty()) {
            toTarget(pendingToTarget_);
            pendingToTarget_.clear();
        }
        pump();
        if (clientClosed_) {
            passClientClose();
        }
    }

    void toTarget(const QByteArray& bytes) {
        if (!targetReady_) {
            pendingToTarget_.append(bytes);
            return;
        }
        record(dissector::Direction::Client, bytes);
        target_->write(bytes);
    }

    void record(dissector::Direction from, const QByteArray& bytes) {
        if (recorder_ && conversation_ && !bytes.isEmpty()) {
            recorder_->recordBytes(*conversation_, from, spanOf(bytes));
        }
    }

    void closeRecorded(dissector::Direction by, bool reset) {
        if (recorder_ && conversation_ && !closeRecorded_) {
            recorder_->closeConversation(*conversation_, by, reset);
        }
        closeRecorded_ = true;
    }

    // Reads the head until its empty line; false while it is incomplete.
    bool readHead() {
        head_.append(client_->read(kChunk));
        const qsizetype end = head_.indexOf("\r\n\r\n");
        if (end < 0) {
            if (head_.size() > options_.headLimit) {
                refuseHead();
            }
            return false;
        }
        if (end + 4 > options_.headLimit) {
            refuseHead();
            return false;
        }
        headDone_ = true;
        headTimer_.stop();
        const QByteArray head = head_.left(end + 4);
        const QByteArray rest = head_.mid(end + 4);
        head_.clear();
        toTarget(rewriteHostHeader(head, authority_));
        toTarget(rest);
        return true;
    }

    void refuseHead() {
        refuse("431 Request Header Fields Too Large",
               QStringLiteral("relay: the request head is over %1 bytes; refused")
                   .arg(options_.headLimit));
    }

    void headTimedOut() {
        if (!headDone_) {
            refuse("408 Request Timeout",
                   QStringLiteral("relay: no complete request head within %1 ms; closed")
                       .arg(options_.headTimeout.count()));
        }
    }

    void refuse(const char* status, const QString& why) {
        if (failed_) {
            return;
        }
        failed_ = true;
        headTimer_.stop();
        if (onFailed) {
            onFailed(why);
        }
        if (client_->state() == QAbstractSocket::ConnectedState) {
            client_->write(QByteArray("HTTP/1.1 ") + status +
                           "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
            client_->disconnectFromHost();
        }
        closeRecorded(dissector::Direction::Client, true);
        target_->abort();
        head_.clear();
    }

    void pump() {
        if (pumping_ || failed_) {
            return;
        }
        pumping_ = true;
        // Client to target: the head first; afterwards only once the target is ready.
        while (client_->bytesAvailable() > 0 && !failed_) {
            if (!headDone_) {
                if (!readHead()) {
                    break;
                }
                continue;
            }
            if (!targetReady_ || target_->bytesToWrite() >= options_.highWater) {
                break;
            }
            toTarget(client_->read(kChunk));
        }
        // Target to client; after the client left, still read and recorded.
        const auto clientOpen = [this] {
            return client_->state() == QAbstractSocket::ConnectedState;
        };
        while (targetReady_ && target_->bytesAvailable() > 0 &&
               (!clientOpen() || client_->bytesToWrite() < options_.highWater)) {
            const QByteArray chunk = target_->read(kChunk);
            record(dissector::Direction::Server, chunk);
            if (clientOpen()) {
                client_->write(chunk);
            }
        }
        halfClose();
        pumping_ = false;
    }

    void clientGone() {
        if (clientClosed_) {
            return;
        }
        clientClosed_ = true;
        passClientClose();
    }

    void passClientClose() {
        if (!failed_ && !targetReady_) {
            // Nothing reached the target yet: wait for it (targetReady calls back).
            if (target_->state() == QAbstractSocket::UnconnectedState) {
                maybeFinish();
            }
            return;
        }
        if (!failed_ && !targetClosed_) {
            // What the client sent before closing still goes out, in order.
            if (!headDone_) {
                readHead();
            }
            while (headDone_ && client_->bytesAvailable() > 0) {
                toTarget(client_->read(kChunk));
            }
            if (clientReset_) {
                closeRecorded(dissector::Direction::Client, true);
                target_->abort();
            } else {
                // A client may close TCP right after its close frame (Qt
                // WebSockets does): the server still answers, so the target
                // is read (and recorded) until it closes, or the grace ends.
                halfClose();
                grace_.start();
            }
        }
        maybeFinish();
    }

    // Passes the client's FIN on once everything is written: shutdown of the
    // write side for plain TCP (QTcpSocket has no half-close); TLS cannot
    // half-close without ending the session, so a wss:// target just waits.
    void halfClose() {
        if (!clientClosed_ || halfClosed_ || !targetReady_ || target_->bytesToWrite() > 0) {
            return;
        }
        halfClosed_ = true;
        if (!secure_ && target_->socketDescriptor() >= 0) {
            ::shutdown(int(target_->socketDescriptor()), SHUT_WR);
        }
    }

    void graceOver() {
        if (!targetClosed_) {
            closeRecorded(dissector::Direction::Client, false);
            target_->disconnectFromHost();
        }
    }

    void targetGone() {
        if (targetClosed_) {
            return;
        }
        targetClosed_ = true;
        grace_.stop();
        if (targetReady_ && !failed_) {
            while (target_->bytesAvailable() > 0) {
                const QByteArray chunk = target_->read(kChunk);
                record(dissector::Direction::Server, chunk);
                if (client_->state() == QAbstractSocket::ConnectedState) {
                    client_->write(chunk);
                }
            }
            closeRecorded(
                clientClosed_ ? dissector::Direction::Client : dissector::Direction::Server,
                targetReset_ || (clientClosed_ && clientReset_));
            if (targetReset_) {
                client_->abort();
            } else {
                client_->disconnectFromHost();
            }
        }
        maybeFinish();
    }

    void maybeFinish() {
        if (finished_ || client_->state() != QAbstractSocket::UnconnectedState ||
            (target_ && target_->state() != QAbstractSocket::UnconnectedState)) {
            return;
        }
        finished_ = true;
        closeRecorded(dissector::Direction::Client, true);
        if (onFinished) {
            onFinished();
        }
        deleteLater();
    }

    QTcpSocket* client_;
    QTcpSocket* target_ = nullptr;
    QPointer<SessionRecorder> recorder_;
    RelayOptions options_;
    QByteArray authority_;
    QByteArray head_;
    QByteArray pendingToTarget_;
    std::optional<std::uint32_t> conversation_;
    QTimer grace_;
    QTimer headTimer_;
    bool secure_ = false;
    bool halfClosed_ = false;
    bool headDone_ = false;
    bool targetReady_ = false;
    bool clientClosed_ = false;
    bool targetClosed_ = false;
    bool clientReset_ = false;
    bool targetReset_ = false;
    bool closeRecorded_ = false;
    bool failed_ = false;
    bool finished_ = false;
    bool pumping_ = false;
};

}  // namespace

QByteArray rewriteHostHeader(const QByteArray& head, const QByteArray& authority) {
    qsizetype lineStart = head.indexOf("\r\n");
    while (lineStart >= 0) {
        lineStart += 2;
        const qsizetype lineEnd = head.indexOf("\r\n", lineStart);
        if (lineEnd <= lineStart) {
            break;  // the empty line: no Host header
        }
        const QByteArray line = head.mid(lineStart, lineEnd - lineStart);
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare("host", Qt::CaseInsensitive) == 0) {
            return head.left(lineStart) + "Host: " + authority + head.mid(lineEnd);
        }
        lineStart = lineEnd;
    }
    return head;
}

RecordingRelay::RecordingRelay(WebSocketUrl target, SessionRecorder* recorder, RelayOptions options,
                               QObject* parent)
    : QObject(parent),
      target_(std::move(target)),
      recorder_(recorder),
      options_(std::move(options)),
      server_(new QTcpServer(this)) {
    connect(server_, &QTcpServer::newConnection, this, &RecordingRelay::onNewConnection);
}

RecordingRelay::~RecordingRelay() {
    abortAll();
}

bool RecordingRelay::listen(QString* error) {
    if (server_->isListening()) {
        return true;
    }
    if (!server_->listen(QHostAddress::LocalHost, 0)) {
        if (error) {
            *error = QStringLiteral("relay: cannot listen on 127.0.0.1: ") + server_->errorString();
        }
        return false;
    }
    return true;
}

quint16 RecordingRelay::port() const {
    return server_->serverPort();
}

qint64 RecordingRelay::bufferedBytes() const {
    qint64 total = 0;
    for (const QObject* child : children()) {
        if (const auto* link = dynamic_cast<const RelayLink*>(child)) {
            total += link->bufferedBytes();
        }
    }
    return total;
}

void RecordingRelay::abortAll() {
    // Copied: aborting finishes links, which schedules their deletion.
    const QObjectList links = children();
    for (QObject* child : links) {
        if (auto* link = dynamic_cast<RelayLink*>(child)) {
            link->abortBoth();
        }
    }
}

void RecordingRelay::onNewConnection() {
    while (QTcpSocket* socket = server_->nextPendingConnection()) {
        auto* link = new RelayLink(socket, target_, recorder_, options_, this);
        ++activeLinks_;
        link->onFailed = [this](const QString& why) { emit failed(why); };
        link->onFinished = [this] {
            --activeLinks_;
            emit linkFinished();
        };
    }
}

}  // namespace sockscope::session
