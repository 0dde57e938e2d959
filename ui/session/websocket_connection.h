#pragma once
// One WebSocket connection over a Qt socket: the glue between a QAbstractSocket
// (QTcpSocket, or QSslSocket for wss://) and the sans-I/O sockscope::Endpoint.
//
// Socket bytes go to Endpoint::receive, the endpoint's events come out as Qt
// signals carrying core's plain value types, and Endpoint::pendingOutput is
// written to the socket with a bounded write buffer. Core has no clock, so the
// timeouts live here: the opening handshake and the close handshake are both
// bounded, so a silent peer cannot keep a connection open forever.

#include <QAbstractSocket>
#include <QObject>
#include <QString>
#include <QTimer>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sockscope/core/endpoint.h"

namespace sockscope::session {

struct ConnectionTimeouts {
    // From construction (TCP connect included) to the end of the opening handshake.
    std::chrono::milliseconds handshake{10'000};
    // From the first close frame (or a failure) until the TCP connection is gone.
    std::chrono::milliseconds closing{5'000};
    // A client waits this long for the server to close TCP first (RFC 6455 §7.1.1).
    std::chrono::milliseconds clientTcpCloseGrace{1'000};
};

class WebSocketConnection final : public QObject {
    Q_OBJECT
public:
    // Takes ownership of `socket`. A server passes an accepted, connected
    // socket; a client passes a fresh one and then connects it (see
    // WebSocketClient). Output waits until the transport is ready.
    WebSocketConnection(QAbstractSocket* socket, EndpointConfig config,
                        ConnectionTimeouts timeouts = {}, QObject* parent = nullptr);
    ~WebSocketConnection() override;

    // Sending; each returns false when the endpoint is not open (see Endpoint).
    bool sendText(std::string_view text);
    bool sendBinary(std::span<const std::uint8_t> data);
    bool sendMessage(std::uint8_t opcode, std::span<const std::uint8_t> data,
                     std::size_t fragments = 1);
    bool sendFrame(std::uint8_t opcode, std::span<const std::uint8_t> payload, bool fin);
    bool ping(std::span<const std::uint8_t> payload = {});
    bool pong(std::span<const std::uint8_t> payload = {});
    // Raw mode: queues `bytes` exactly as they are (deliberately invalid frames
    // included, see buildRawFrame). False once the connection is finished.
    bool sendRaw(std::span<const std::uint8_t> bytes);
    // Starts the close handshake; the transport follows when it completes or times out.
    bool close(std::optional<std::uint16_t> code = close_code::Normal,
               std::string_view reason = {});
    // Drops the TCP connection at once (no close frame).
    void abort();

    const Endpoint& endpoint() const { return endpoint_; }
    EndpointState state() const { return endpoint_.state(); }
    QAbstractSocket* socket() const { return socket_; }
    // "127.0.0.1:53422", "[::1]:8765"; empty before the transport connected.
    QString peerName() const { return peerName_; }
    // True once closed() has been emitted.
    bool isFinished() const { return finished_; }
    // TCP is connected (and TLS encrypted, for an SSL socket). A server's
    // accepted connection is ready at construction, before transportReady()
    // could reach a slot: a recorder checks this first.
    bool isTransportReady() const;

    // Slots connected to these signals may send, close or abort, but must not
    // delete the connection synchronously (use deleteLater).
signals:
    void handshakeDone(const sockscope::event::HandshakeDone& info);
    void handshakeFailed(const sockscope::event::HandshakeFailed& info);
    void frameReceived(const sockscope::event::FrameReceived& frame);
    void frameSent(const sockscope::event::FrameSent& frame);
    void messageReceived(const sockscope::event::Message& message);
    void pingReceived(const sockscope::event::Ping& ping);
    void pongReceived(const sockscope::event::Pong& pong);
    void closeReceived(const sockscope::event::CloseReceived& close);
    // We failed the connection for a peer violation (a close frame was sent).
    void protocolFailed(const sockscope::event::ProtocolFailed& failure);
    // A transport-level problem: refused, reset, timed out. Human-readable.
    void errorOccurred(const QString& message);
    // The TCP connection is gone. Emitted exactly once, always last. `info`
    // is the endpoint's view (1006 and clean=false when it never closed).
    void closed(const sockscope::event::Closed& info);
    // Once, when the transport (TCP, or TLS after its handshake) is ready: before any wireBytes.
    void transportReady();
    // Every byte exactly as it went to or came from the socket (plaintext under TLS),
    // in order; `outgoing` true for what we wrote.
    void wireBytes(bool outgoing, const QByteArray& bytes);

private:
    void onTransportReady();
    void onReadyRead();
    void onSocketError(QAbstractSocket::SocketError error);
    void onSocketStateChanged(QAbstractSocket::SocketState state);
    void onHandshakeTimeout();
    void onCloseTimeout();

    void readAvailable();
    // Runs after every input and every send: events → signals, output → socket,
    // then the close lifecycle. Re-entrant calls from slots are folded in.
    void pump();
    void drainEvents();
    void dispatch(event::HandshakeDone& e);
    void dispatch(event::HandshakeFailed& e);
    void dispatch(event::FrameReceived& e);
    void dispatch(event::FrameSent& e);
    void dispatch(event::Message& e);
    void dispatch(event::Ping& e);
    void dispatch(event::Pong& e);
    void dispatch(event::CloseReceived& e);
    void dispatch(event::ProtocolFailed& e);
    void dispatch(event::Closed& e);
    void flushOutput();
    void updateLifecycle();
    void closeTransport();
    // Ends our side of TCP without losing what the peer has not read yet.
    void startTcpClose();
    void halfCloseWhenFlushed();
    void failTransport(const QString& message);
    void finishTransport();

    QAbstractSocket* socket_;
    Endpoint endpoint_;
    ConnectionTimeouts timeouts_;
    QTimer handshakeTimer_;
    QTimer closeTimer_;
    QTimer graceTimer_;
    std::vector<std::uint8_t> readBuffer_;
    QString peerName_;
    std::optional<event::Closed> closeInfo_;
    QString abortReason_;
    bool transportReadyEmitted_ = false;
    bool pumping_ = false;
    bool pumpAgain_ = false;
    bool transportClosing_ = false;
    bool halfCloseWanted_ = false;
    bool halfClosed_ = false;
    bool finishQueued_ = false;
    bool finished_ = false;
};

}  // namespace sockscope::session
