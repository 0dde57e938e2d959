#include "session/websocket_connection.h"

#include <QMetaMethod>
#include <QMetaObject>
#include <algorithm>
#include <utility>
#include <variant>

#if QT_CONFIG(ssl)
#include <QSslSocket>
#endif

#include <sys/socket.h>

#include "session/socket_address.h"

namespace sockscope::session {
namespace {

// Reads go through one reusable buffer that the endpoint unmasks in place.
constexpr std::size_t kReadChunk = 256 * 1024;
// Output moves from the endpoint to Qt's write buffer in chunks, and only while
// Qt holds less than this: a slow reader leaves the bytes in the endpoint
// instead of growing a second unbounded copy.
constexpr qint64 kWriteHighWater = 4 * 1024 * 1024;
constexpr std::size_t kWriteChunk = 1024 * 1024;

// The wire tap copies every chunk: only when someone listens (a recorder).
const QMetaMethod& wireBytesSignal() {
    static const QMetaMethod method = QMetaMethod::fromSignal(&WebSocketConnection::wireBytes);
    return method;
}

QString millisecondsText(std::chrono::milliseconds ms) {
    return QString::number(ms.count()) + u" ms";
}

}  // namespace

WebSocketConnection::WebSocketConnection(QAbstractSocket* socket, EndpointConfig config,
                                         ConnectionTimeouts timeouts, QObject* parent)
    : QObject(parent), socket_(socket), endpoint_(std::move(config)), timeouts_(timeouts) {
    socket_->setParent(this);
    readBuffer_.resize(kReadChunk);

    for (QTimer* timer : {&handshakeTimer_, &closeTimer_, &graceTimer_}) {
        timer->setSingleShot(true);
    }
    connect(&handshakeTimer_, &QTimer::timeout, this, &WebSocketConnection::onHandshakeTimeout);
    connect(&closeTimer_, &QTimer::timeout, this, &WebSocketConnection::onCloseTimeout);
    connect(&graceTimer_, &QTimer::timeout, this, &WebSocketConnection::startTcpClose);

    bool encryptedTransport = false;
#if QT_CONFIG(ssl)
    if (auto* ssl = qobject_cast<QSslSocket*>(socket_)) {
        encryptedTransport = true;
        connect(ssl, &QSslSocket::encrypted, this, &WebSocketConnection::onTransportReady);
    }
#endif
    if (!encryptedTransport) {
        connect(socket_, &QAbstractSocket::connected, this, &WebSocketConnection::onTransportReady);
    }
    connect(socket_, &QIODevice::readyRead, this, &WebSocketConnection::onReadyRead);
    connect(socket_, &QIODevice::bytesWritten, this, [this] {
        pump();
        halfCloseWhenFlushed();
    });
    connect(socket_, &QAbstractSocket::errorOccurred, this, &WebSocketConnection::onSocketError);
    connect(socket_, &QAbstractSocket::stateChanged, this,
            &WebSocketConnection::onSocketStateChanged);

    handshakeTimer_.start(timeouts_.handshake);
    if (isTransportReady()) {
        onTransportReady();
    }
}

WebSocketConnection::~WebSocketConnection() {
    // The socket is our child and outlives this body; keep it from calling back.
    QObject::disconnect(socket_, nullptr, this, nullptr);
    socket_->abort();
}

bool WebSocketConnection::sendText(std::string_view text) {
    const bool sent = endpoint_.sendText(text);
    pump();
    return sent;
}

bool WebSocketConnection::sendBinary(std::span<const std::uint8_t> data) {
    const bool sent = endpoint_.sendBinary(data);
    pump();
    return sent;
}

bool WebSocketConnection::sendMessage(std::uint8_t opcode, std::span<const std::uint8_t> data,
                                      std::size_t fragments) {
    const bool sent = endpoint_.sendMessage(opcode, data, fragments);
    pump();
    return sent;
}

bool WebSocketConnection::sendFrame(std::uint8_t opcode, std::span<const std::uint8_t> payload,
                                    bool fin) {
    const bool sent = endpoint_.sendFrame(opcode, payload, fin);
    pump();
    return sent;
}

bool WebSocketConnection::ping(std::span<const std::uint8_t> payload) {
    const bool sent = endpoint_.ping(payload);
    pump();
    return sent;
}

bool WebSocketConnection::pong(std::span<const std::uint8_t> payload) {
    const bool sent = endpoint_.pong(payload);
    pump();
    return sent;
}

bool WebSocketConnection::sendRaw(std::span<const std::uint8_t> bytes) {
    if (finished_ || transportClosing_) {
        return false;
    }
    endpoint_.sendRaw(bytes);
    pump();
    return true;
}

bool WebSocketConnection::close(std::optional<std::uint16_t> code, std::string_view reason) {
    const bool sent = endpoint_.close(code, reason);
    pump();
    return sent;
}

void WebSocketConnection::abort() {
    if (finished_) {
        return;
    }
    abortReason_ = QStringLiteral("aborted locally");
    socket_->abort();
    // No state change follows when the socket never got past Unconnected.
    onSocketStateChanged(QAbstractSocket::UnconnectedState);
}

void WebSocketConnection::onTransportReady() {
    // Small frames (pings, closes, interactive messages) go out at once.
    socket_->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    peerName_ = formatSocketAddress(socket_->peerAddress(), socket_->peerPort());
    if (!transportReadyEmitted_) {
        transportReadyEmitted_ = true;
        emit transportReady();
    }
    pump();
}

void WebSocketConnection::onReadyRead() {
    if (!finished_) {
        readAvailable();
    }
}

void WebSocketConnection::readAvailable() {
    while (socket_->bytesAvailable() > 0) {
        const qint64 n = socket_->read(reinterpret_cast<char*>(readBuffer_.data()),
                                       static_cast<qint64>(readBuffer_.size()));
        if (n <= 0) {
            return;
        }
        // Before receive(): the endpoint unmasks the buffer in place.
        if (isSignalConnected(wireBytesSignal())) {
            emit wireBytes(false, QByteArray(reinterpret_cast<const char*>(readBuffer_.data()),
                                             static_cast<qsizetype>(n)));
        }
        endpoint_.receive(std::span<std::uint8_t>(readBuffer_.data(), static_cast<std::size_t>(n)));
        // Per chunk, so events and echoed output never pile up for a whole burst.
        pump();
    }
}

void WebSocketConnection::onSocketError(QAbstractSocket::SocketError error) {
    if (error == QAbstractSocket::RemoteHostClosedError) {
        return;  // end of stream, not an error: the state change reports it
    }
    // A reset after our FIN only ends a connection that was closing anyway.
    const bool expected =
        !abortReason_.isEmpty() || (closeInfo_ && closeInfo_->clean) || halfClosed_;
    if (!expected && !finished_) {
        emit errorOccurred(socket_->errorString());
    }
    if (socket_->state() == QAbstractSocket::UnconnectedState) {
        onSocketStateChanged(QAbstractSocket::UnconnectedState);
    }
}

void WebSocketConnection::onSocketStateChanged(QAbstractSocket::SocketState state) {
    if (state != QAbstractSocket::UnconnectedState || finishQueued_ || finished_) {
        return;
    }
    // Queued: Qt reports the state change before the error that caused it.
    finishQueued_ = true;
    QMetaObject::invokeMethod(this, &WebSocketConnection::finishTransport, Qt::QueuedConnection);
}

void WebSocketConnection::onHandshakeTimeout() {
    failTransport(u"opening handshake timed out after " + millisecondsText(timeouts_.handshake));
}

void WebSocketConnection::onCloseTimeout() {
    if (closeInfo_ && closeInfo_->clean) {
        // The close handshake is complete; only the TCP teardown stalled.
        abortReason_ = QStringLiteral("TCP close timed out");
        socket_->abort();
        return;
    }
    failTransport(u"close handshake timed out after " + millisecondsText(timeouts_.closing));
}

bool WebSocketConnection::isTransportReady() const {
    if (socket_->state() != QAbstractSocket::ConnectedState) {
        return false;
    }
#if QT_CONFIG(ssl)
    if (auto* ssl = qobject_cast<QSslSocket*>(socket_)) {
        return ssl->isEncrypted();
    }
#endif
    return true;
}

void WebSocketConnection::pump() {
    if (pumping_) {
        pumpAgain_ = true;
        return;
    }
    pumping_ = true;
    do {
        pumpAgain_ = false;
        drainEvents();
        flushOutput();
        updateLifecycle();
    } while (pumpAgain_ || endpoint_.hasEvents());
    pumping_ = false;
}

void WebSocketConnection::drainEvents() {
    // Slots must not delete the connection synchronously (use deleteLater).
    while (auto next = endpoint_.nextEvent()) {
        std::visit([this](auto& e) { dispatch(e); }, *next);
    }
}

void WebSocketConnection::dispatch(event::HandshakeDone& e) {
    handshakeTimer_.stop();
    emit handshakeDone(e);
}

void WebSocketConnection::dispatch(event::HandshakeFailed& e) {
    handshakeTimer_.stop();
    emit handshakeFailed(e);
}

void WebSocketConnection::dispatch(event::FrameReceived& e) {
    emit frameReceived(e);
}
void WebSocketConnection::dispatch(event::FrameSent& e) {
    emit frameSent(e);
}
void WebSocketConnection::dispatch(event::Message& e) {
    emit messageReceived(e);
}
void WebSocketConnection::dispatch(event::Ping& e) {
    emit pingReceived(e);
}
void WebSocketConnection::dispatch(event::Pong& e) {
    emit pongReceived(e);
}
void WebSocketConnection::dispatch(event::CloseReceived& e) {
    // The endpoint has answered already (unless autoCloseReply is off),
    // after every earlier message was handled.
    emit closeReceived(e);
}
void WebSocketConnection::dispatch(event::ProtocolFailed& e) {
    emit protocolFailed(e);
}

void WebSocketConnection::dispatch(event::Closed& e) {
    // Reported with closed() once the transport is gone too.
    closeInfo_ = std::move(e);
}

void WebSocketConnection::flushOutput() {
    // Not before transportReady() went out: a recorder sees the open before any byte.
    if (!transportReadyEmitted_ || !isTransportReady()) {
        return;
    }
    for (;;) {
        const std::span<const std::uint8_t> out = endpoint_.pendingOutput();
        const qint64 room = kWriteHighWater - socket_->bytesToWrite();
        if (out.empty() || room <= 0) {
            return;  // bytesWritten calls pump() again
        }
        const std::size_t n = std::min({out.size(), static_cast<std::size_t>(room), kWriteChunk});
        const qint64 written =
            socket_->write(reinterpret_cast<const char*>(out.data()), static_cast<qint64>(n));
        if (written <= 0) {
            return;  // errorOccurred reports it
        }
        if (isSignalConnected(wireBytesSignal())) {
            emit wireBytes(true, QByteArray(reinterpret_cast<const char*>(out.data()),
                                            static_cast<qsizetype>(written)));
        }
        endpoint_.consumeOutput(static_cast<std::size_t>(written));
    }
}

void WebSocketConnection::updateLifecycle() {
    if (finished_ || transportClosing_) {
        return;
    }
    if (endpoint_.state() == EndpointState::Closing && !closeTimer_.isActive()) {
        closeTimer_.start(timeouts_.closing);
    }
    const bool done =
        endpoint_.shouldCloseTransport() || endpoint_.state() == EndpointState::Closed;
    if (done && endpoint_.pendingOutput().empty()) {
        closeTransport();
    }
}

void WebSocketConnection::closeTransport() {
    transportClosing_ = true;
    handshakeTimer_.stop();
    if (!closeTimer_.isActive()) {
        closeTimer_.start(timeouts_.closing);
    }
    if (socket_->state() != QAbstractSocket::ConnectedState) {
        socket_->abort();
        return;
    }
    // After a clean close a client lets the server close TCP first (§7.1.1),
    // so the server, not the client, holds TIME_WAIT.
    const bool waitForServer = endpoint_.role() == Role::Client && closeInfo_ && closeInfo_->clean;
    if (waitForServer) {
        graceTimer_.start(timeouts_.clientTcpCloseGrace);
    } else {
        startTcpClose();
    }
}

void WebSocketConnection::startTcpClose() {
    if (socket_->state() != QAbstractSocket::ConnectedState || halfCloseWanted_) {
        return;
    }
#if QT_CONFIG(ssl)
    if (qobject_cast<QSslSocket*>(socket_) != nullptr) {
        // TLS has its own close (close_notify), which only QSslSocket can send.
        socket_->disconnectFromHost();
        return;
    }
#endif
    // Closing a socket whose peer is still sending makes the kernel answer with
    // RST, and the RST can destroy our close frame before the peer reads it. So
    // send FIN once everything is written and read (the endpoint discards) until
    // the peer's FIN; the closing timer bounds the wait. Under TLS the same loss
    // is possible, but a FIN without close_notify would look like truncation.
    halfCloseWanted_ = true;
    halfCloseWhenFlushed();
}

void WebSocketConnection::halfCloseWhenFlushed() {
    if (!halfCloseWanted_ || halfClosed_ || socket_->state() != QAbstractSocket::ConnectedState) {
        return;
    }
    // Now, not at the next bytesWritten: a FIN that came with the peer's close
    // makes Qt drop the socket, and with it whatever it still holds for writing.
    socket_->flush();
    if (socket_->bytesToWrite() > 0) {
        return;  // bytesWritten calls again
    }
    halfClosed_ = true;
    if (::shutdown(static_cast<int>(socket_->socketDescriptor()), SHUT_WR) != 0) {
        socket_->disconnectFromHost();  // no half-close here: close as before
    }
}

void WebSocketConnection::failTransport(const QString& message) {
    if (finished_) {
        return;
    }
    abortReason_ = message;
    emit errorOccurred(message);
    socket_->abort();
    onSocketStateChanged(QAbstractSocket::UnconnectedState);
}

void WebSocketConnection::finishTransport() {
    if (finished_) {
        return;
    }
    readAvailable();  // bytes that arrived together with the peer's FIN
    if (!closeInfo_) {
        endpoint_.receiveEof();
        pump();
    }
    finished_ = true;
    handshakeTimer_.stop();
    closeTimer_.stop();
    graceTimer_.stop();

    event::Closed info;
    if (closeInfo_) {
        info = *closeInfo_;
    } else {
        info.code = close_code::Abnormal;
        info.clean = false;
    }
    if (!info.clean && info.reason.empty() && !abortReason_.isEmpty()) {
        info.reason = abortReason_.toStdString();
    }
    emit closed(info);
}

}  // namespace sockscope::session
