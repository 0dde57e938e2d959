#pragma once
// `sockscope-cli serve`: a WebSocket server on the console. One stderr line per
// connection (when it opens or is rejected) and per close; received messages
// on stdout unless echoing; every frame and message on stderr with -v.

#include <QHostAddress>
#include <QObject>
#include <QTimer>
#include <string>
#include <vector>

#include "session/websocket_server.h"

namespace sockscope::session {

struct ServeOptions {
    QHostAddress host = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 0;  // 0: any free port (printed)
    bool echo = false;
    bool deflate = false;
    std::vector<std::string> subprotocols;
    bool verbose = false;
    QString certificateFile, privateKeyFile;  // both set: wss://
    std::vector<std::string> allowedOrigins;
    Limits limits;  // --max-*
};

class ServeCommand final : public QObject {
    Q_OBJECT
public:
    explicit ServeCommand(ServeOptions options, QObject* parent = nullptr);

    // Binds and prints "listening on ws://HOST:PORT/" to stderr. On failure
    // prints one error line and returns false.
    bool start();
    // Stops accepting, closes every connection with 1001 (going away) and
    // emits finished() once they are gone (or after a bounded wait).
    void shutdown();

signals:
    void finished(int exitStatus);

private:
    void onNewConnection(WebSocketConnection* connection, quint64 id);
    void onConnectionFinished(quint64 id, const event::Closed& info);

    void finishIfIdle();

    ServeOptions options_;
    WebSocketServer server_;
    QTimer shutdownTimer_;
    bool shuttingDown_ = false;
};

}  // namespace sockscope::session
