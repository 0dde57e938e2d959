#include "session/keepalive.h"

#include <algorithm>

namespace sockscope::session {

KeepAlive::KeepAlive(WebSocketConnection* connection, std::chrono::milliseconds interval,
                     std::chrono::milliseconds timeout, QObject* parent)
    : QObject(parent), connection_(connection), interval_(interval), timeout_(timeout) {
    intervalTimer_.setSingleShot(false);
    timeoutTimer_.setSingleShot(true);
    connect(&intervalTimer_, &QTimer::timeout, this, &KeepAlive::sendPing);
    connect(&timeoutTimer_, &QTimer::timeout, this, &KeepAlive::onTimeout);
    if (!connection_) {
        stopped_ = true;
        return;
    }
    connect(connection_, &WebSocketConnection::pongReceived, this, &KeepAlive::onPong);
    connect(connection_, &WebSocketConnection::closed, this, &KeepAlive::stop);
    connect(connection_, &QObject::destroyed, this, &KeepAlive::stop);
    if (connection_->isFinished()) {
        stop();
    } else if (connection_->state() == EndpointState::Open) {
        start();
    } else {
        connect(connection_, &WebSocketConnection::handshakeDone, this, &KeepAlive::start);
    }
}

void KeepAlive::start() {
    if (running_ || stopped_) {
        return;
    }
    running_ = true;
    intervalTimer_.start(interval_);
}

void KeepAlive::stop() {
    stopped_ = true;
    running_ = false;
    intervalTimer_.stop();
    timeoutTimer_.stop();
    outstanding_.reset();
}

void KeepAlive::sendPing() {
    if (!connection_ || outstanding_) {
        return;  // the outstanding ping's timeout decides
    }
    std::array<std::uint8_t, 8> payload{};
    const std::uint64_t number = counter_ + 1;
    for (std::size_t i = 0; i < payload.size(); ++i) {
        payload[i] = static_cast<std::uint8_t>(number >> (56 - 8 * i));
    }
    if (!connection_->ping(payload)) {
        stop();  // closing: no more pings
        return;
    }
    counter_ = number;
    outstanding_ = payload;
    sinceSent_.start();
    timeoutTimer_.start(timeout_);
}

void KeepAlive::onPong(const event::Pong& pong) {
    if (!outstanding_ || !std::equal(pong.payload.begin(), pong.payload.end(),
                                     outstanding_->begin(), outstanding_->end())) {
        return;
    }
    const auto rtt = std::chrono::microseconds(sinceSent_.nsecsElapsed() / 1000);
    outstanding_.reset();
    timeoutTimer_.stop();
    emit roundTrip(rtt);
}

void KeepAlive::onTimeout() {
    if (!outstanding_) {
        return;
    }
    QPointer<WebSocketConnection> connection = connection_;
    stop();
    emit timedOut();
    if (connection) {
        connection->abort();
    }
}

}  // namespace sockscope::session
