#include "session/reconnecting_client.h"

#include <QRandomGenerator>
#include <algorithm>
#include <cmath>

namespace sockscope::session {

std::chrono::milliseconds reconnectDelay(const ReconnectPolicy& policy, int attempt,
                                         double spread) {
    const double factor = std::max(1.0, policy.factor);
    const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
    const double maximum = static_cast<double>(std::max<std::int64_t>(1, policy.maximum.count()));
    // pow() may reach infinity for a long outage; min() tames it. The jitter
    // applies to the capped value too, so clients waiting at the cap still spread out.
    double delay =
        std::min(maximum, static_cast<double>(policy.initial.count()) *
                              std::pow(factor, static_cast<double>(std::max(0, attempt - 1))));
    delay *= 1.0 + jitter * std::clamp(spread, -1.0, 1.0);
    delay = std::clamp(delay, 1.0, maximum);
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(delay)));
}

ReconnectingClient::ReconnectingClient(ClientOptions options, ReconnectPolicy policy,
                                       QObject* parent)
    : QObject(parent),
      options_(std::move(options)),
      policy_(policy),
      spread_([] { return QRandomGenerator::global()->generateDouble() * 2.0 - 1.0; }) {
    retryTimer_.setSingleShot(true);
    connect(&retryTimer_, &QTimer::timeout, this, &ReconnectingClient::attempt);
}

ReconnectingClient::~ReconnectingClient() {
    // The clients are our children; their connections must not call back into a
    // half-destroyed object.
    dropClient();
}

bool ReconnectingClient::open(const WebSocketUrl& url, QString* error) {
    retryTimer_.stop();
    dropClient();
    url_ = url;
    failures_ = 0;
    userClosed_ = false;
    return start(error);
}

void ReconnectingClient::attempt() {
    QString why;
    if (!start(&why)) {
        emit gaveUp(u"cannot connect: " + why);
    }
}

bool ReconnectingClient::start(QString* error) {
    dropClient();
    handshakeFailed_ = false;
    lastError_.clear();
    client_ = new WebSocketClient(options_, this);
    connect(client_, &WebSocketClient::certificateErrorsIgnored, this,
            &ReconnectingClient::certificateErrorsIgnored);
    WebSocketConnection* connection = client_->open(url_, error);
    if (!connection) {
        dropClient();
        return false;
    }
    connect(connection, &WebSocketConnection::handshakeDone, this, [this] {
        failures_ = 0;  // a working connection: the next drop starts from `initial`
    });
    // The first problem of an attempt is its cause (a refused connect is
    // followed by "connection closed during the opening handshake").
    connect(connection, &WebSocketConnection::handshakeFailed, this,
            [this](const event::HandshakeFailed& e) {
                handshakeFailed_ = true;
                if (lastError_.isEmpty()) {
                    lastError_ = u"handshake failed (HTTP " + QString::number(e.status) + u"): " +
                                 QString::fromStdString(e.error.detail);
                }
            });
    connect(connection, &WebSocketConnection::errorOccurred, this, [this](const QString& message) {
        if (lastError_.isEmpty()) {
            lastError_ = message;
        }
    });
    connect(connection, &WebSocketConnection::closed, this, &ReconnectingClient::onClosed);
    emit connectionStarted(connection);
    return true;
}

void ReconnectingClient::onClosed(const event::Closed& info) {
    // The client (and its connection) go at the next event loop turn; slots
    // of the closed() being emitted may still use the connection.
    if (client_) {
        client_->deleteLater();
        disconnect(client_, nullptr, this, nullptr);
        if (WebSocketConnection* connection = client_->connection()) {
            disconnect(connection, nullptr, this, nullptr);
        }
        client_ = nullptr;
    }
    const bool ours = info.closedByUs && !handshakeFailed_;
    if (userClosed_ || ours || !policy_.enabled) {
        return;
    }
    if (lastError_.isEmpty()) {
        lastError_ =
            u"connection closed (code " + QString::number(info.code.value_or(1005)) +
            (info.reason.empty() ? QString() : u", " + QString::fromStdString(info.reason)) + u')';
    }
    if (policy_.maxAttempts > 0 && failures_ >= policy_.maxAttempts) {
        emit gaveUp(u"gave up after " + QString::number(failures_) + u" reconnect attempts: " +
                    lastError_);
        return;
    }
    ++failures_;
    const std::chrono::milliseconds delay = reconnectDelay(policy_, failures_, spread_());
    retryTimer_.start(delay);
    emit reconnectScheduled(delay, failures_);
}

void ReconnectingClient::close(std::uint16_t code, const QString& reason) {
    userClosed_ = true;
    retryTimer_.stop();
    WebSocketConnection* current = connection();
    if (!current || current->isFinished()) {
        return;
    }
    if (current->state() == EndpointState::Connecting) {
        current->abort();  // nothing to close yet
    } else {
        current->close(code, reason.toStdString());  // false: a close is under way already
    }
}

WebSocketConnection* ReconnectingClient::connection() const {
    return client_ ? client_->connection() : nullptr;
}

bool ReconnectingClient::isActive() const {
    return client_ != nullptr || retryTimer_.isActive();
}

void ReconnectingClient::dropClient() {
    if (!client_) {
        return;
    }
    // An ended attempt's late TLS report would be taken for the next one's.
    disconnect(client_, nullptr, this, nullptr);
    if (WebSocketConnection* connection = client_->connection()) {
        disconnect(connection, nullptr, this, nullptr);
        connection->abort();
    }
    client_->deleteLater();
    client_ = nullptr;
}

}  // namespace sockscope::session
