#pragma once
// Keepalive pings on one WebSocketConnection: a ping with an 8-byte counter
// every interval once the connection is open; the pong that echoes the
// outstanding ping's payload gives its round-trip time, and no such pong
// within the timeout aborts the connection. Other pongs (unsolicited, or for
// someone else's ping) are ignored.

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include "session/websocket_connection.h"

namespace sockscope::session {

class KeepAlive final : public QObject {
    Q_OBJECT
public:
    // Starts with the connection's handshake (at once when it is already
    // open); stops for good when the connection closes or goes away. `timeout`
    // counts from each ping; while one is outstanding no other is sent.
    KeepAlive(WebSocketConnection* connection, std::chrono::milliseconds interval,
              std::chrono::milliseconds timeout, QObject* parent = nullptr);

    void stop();
    bool isRunning() const { return running_; }
    std::uint64_t pingsSent() const { return counter_; }

signals:
    void roundTrip(std::chrono::microseconds rtt);  // a pong matched our ping's payload
    void timedOut();  // no pong within timeout: the connection is aborted

private:
    void start();
    void sendPing();
    void onPong(const event::Pong& pong);
    void onTimeout();

    QPointer<WebSocketConnection> connection_;
    std::chrono::milliseconds interval_;
    std::chrono::milliseconds timeout_;
    QTimer intervalTimer_;
    QTimer timeoutTimer_;
    QElapsedTimer sinceSent_;
    std::optional<std::array<std::uint8_t, 8>> outstanding_;
    std::uint64_t counter_ = 0;
    bool running_ = false;
    bool stopped_ = false;
};

}  // namespace sockscope::session
