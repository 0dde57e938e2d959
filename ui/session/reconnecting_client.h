#pragma once
// A client that reconnects: a fresh WebSocketClient per attempt, and after a
// connection ends that we did not end (refused, reset, 1006, the server's
// close, a failed handshake) the next attempt after an exponential back-off.
// A completed handshake resets the back-off; close() stops everything.

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <chrono>
#include <cstdint>
#include <functional>

#include "session/websocket_client.h"

namespace sockscope::session {

struct ReconnectPolicy {
    bool enabled = false;
    std::chrono::milliseconds initial{500};
    std::chrono::milliseconds maximum{30'000};
    double factor = 2.0;  // values below 1 count as 1
    int maxAttempts = 0;  // reconnect attempts in a row before giving up; 0: unlimited
    double jitter = 0.1;  // each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
};

// The delay before reconnect attempt `attempt` (1: the first after a drop):
// min(initial * factor^(attempt - 1), maximum) times (1 + jitter * spread)
// with spread in [-1, 1], then clamped to [1 ms, maximum] (1 ms: a refusing
// peer cannot make us spin).
std::chrono::milliseconds reconnectDelay(const ReconnectPolicy& policy, int attempt,
                                         double spread = 0.0);

class ReconnectingClient final : public QObject {
    Q_OBJECT
public:
    ReconnectingClient(ClientOptions options, ReconnectPolicy policy, QObject* parent = nullptr);
    ~ReconnectingClient() override;

    // Starts the first attempt (ending any current one silently). False and
    // `error` when it cannot start at all (see WebSocketClient::open): not retried.
    bool open(const WebSocketUrl& url, QString* error = nullptr);
    // The user's disconnect: closes the current connection (or drops a TCP
    // connect in progress) and cancels any scheduled attempt. No reconnect.
    void close(std::uint16_t code = close_code::Normal, const QString& reason = {});
    // The current attempt's connection, or nullptr (between attempts, after the end).
    WebSocketConnection* connection() const;
    // A connection is current or an attempt is scheduled.
    bool isActive() const;
    // Reconnect attempts made since the last completed handshake.
    int attempts() const { return failures_; }
    // Where the jitter's spread in [-1, 1] comes from (default: QRandomGenerator).
    void setSpreadSource(std::function<double()> source) { spread_ = std::move(source); }

signals:
    void connectionStarted(sockscope::session::WebSocketConnection* connection);  // record it here
    void reconnectScheduled(std::chrono::milliseconds delay, int attempt);
    void gaveUp(const QString& why);
    // The current attempt's WebSocketClient::certificateErrorsIgnored: the
    // options ignore certificate errors and the server's certificate had these.
    void certificateErrorsIgnored(const QStringList& errors);

private:
    void attempt();  // a scheduled reconnect
    bool start(QString* error);
    void onClosed(const event::Closed& info);
    void dropClient();

    ClientOptions options_;
    ReconnectPolicy policy_;
    WebSocketUrl url_;
    WebSocketClient* client_ = nullptr;
    QTimer retryTimer_;
    std::function<double()> spread_;
    QString lastError_;
    int failures_ = 0;
    bool handshakeFailed_ = false;
    bool userClosed_ = false;
};

}  // namespace sockscope::session
