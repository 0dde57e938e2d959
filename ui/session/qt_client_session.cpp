#include "session/qt_client_session.h"

#include <QNetworkRequest>
#include <QStringList>
#include <QUrl>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>
#include <algorithm>

#include "session/session_recorder.h"

namespace sockscope::session {

QtClientSession::QtClientSession(QtClientOptions options, SessionRecorder* recorder,
                                 QObject* parent)
    : QObject(parent), options_(std::move(options)), recorder_(recorder) {}

QtClientSession::~QtClientSession() {
    if (socket_) {
        socket_->disconnect(this);
        socket_->abort();
    }
}

bool QtClientSession::open(const WebSocketUrl& url, QString* why) {
    if (socket_ || relay_) {
        if (why) {
            *why = QStringLiteral("this Qt WebSockets session was already opened");
        }
        return false;
    }
    relay_ = new RecordingRelay(url, recorder_, options_.relay, this);
    if (!relay_->listen(why)) {
        return false;
    }
    connect(relay_, &RecordingRelay::failed, this, &QtClientSession::error);

    const QString origin = options_.origin ? QString::fromStdString(*options_.origin) : QString();
    socket_ = new QWebSocket(origin, QWebSocketProtocol::VersionLatest, this);
    defaultFrameSize_ = socket_->outgoingFrameSize();
    connect(socket_, &QWebSocket::connected, this, [this] {
        connected_ = true;
        emit connected();
    });
    connect(socket_, &QWebSocket::textMessageReceived, this, &QtClientSession::textMessage);
    connect(socket_, &QWebSocket::binaryMessageReceived, this, &QtClientSession::binaryMessage);
    connect(socket_, &QWebSocket::pong, this, &QtClientSession::pong);
    connect(socket_, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError e) {
                // The peer closing after (or instead of) a close frame is how every session ends.
                if (e != QAbstractSocket::RemoteHostClosedError || !connected_) {
                    emit error(QStringLiteral("Qt WebSockets: ") + socket_->errorString());
                }
            });
    connect(socket_, &QWebSocket::disconnected, this, [this] {
        connected_ = false;
        if (!closedEmitted_) {
            closedEmitted_ = true;
            emit closed(static_cast<quint16>(socket_->closeCode()), socket_->closeReason());
        }
    });

    // The URL's target is already percent-encoded: keep it byte for byte.
    const QUrl relayUrl =
        QUrl::fromEncoded(QByteArray("ws://127.0.0.1:") + QByteArray::number(relay_->port()) +
                              QByteArray::fromStdString(url.target),
                          QUrl::StrictMode);
    QNetworkRequest request(relayUrl);
    for (const HttpField& field : options_.extraHeaders) {
        request.setRawHeader(QByteArray::fromStdString(field.name),
                             QByteArray::fromStdString(field.value));
    }
    QWebSocketHandshakeOptions handshake;
    QStringList protocols;
    for (const std::string& p : options_.subprotocols) {
        protocols.append(QString::fromStdString(p));
    }
    handshake.setSubprotocols(protocols);
    socket_->open(request, handshake);
    return true;
}

bool QtClientSession::isConnected() const {
    return socket_ && connected_ && socket_->state() == QAbstractSocket::ConnectedState;
}

QString QtClientSession::subprotocol() const {
    return socket_ ? socket_->subprotocol() : QString();
}

void QtClientSession::setFrameSize(qsizetype size, int fragments) {
    const quint64 most = QWebSocket::maxOutgoingFrameSize();
    // One fragment asked: Qt's own frame size, so its natural splitting shows.
    quint64 frame = defaultFrameSize_;
    if (fragments > 1 && size > 0) {
        const auto n = static_cast<quint64>(fragments);
        frame = std::max<quint64>(1, (static_cast<quint64>(size) + n - 1) / n);
    }
    socket_->setOutgoingFrameSize(std::min(frame, most));
}

bool QtClientSession::sendText(const QString& text, int fragments) {
    if (!isConnected()) {
        return false;
    }
    setFrameSize(text.toUtf8().size(), fragments);
    socket_->sendTextMessage(text);
    return true;
}

bool QtClientSession::sendBinary(const QByteArray& data, int fragments) {
    if (!isConnected()) {
        return false;
    }
    setFrameSize(data.size(), fragments);
    socket_->sendBinaryMessage(data);
    return true;
}

bool QtClientSession::ping(const QByteArray& payload) {
    if (!isConnected()) {
        return false;
    }
    socket_->ping(payload);
    return true;
}

void QtClientSession::close(std::uint16_t code, const QString& reason) {
    if (socket_) {
        socket_->close(static_cast<QWebSocketProtocol::CloseCode>(code), reason);
    }
}

void QtClientSession::abort() {
    if (socket_) {
        socket_->abort();
    }
}

}  // namespace sockscope::session
