#pragma once
// `sockscope-cli connect URL`: a WebSocket client on the console. Each stdin
// line goes out as a text message, every received message is printed on
// stdout, and stdin EOF starts the close handshake (1000). With echo, received
// messages are sent back instead and stdin is ignored (client-under-test mode).

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>
#include <optional>
#include <string>
#include <vector>

#include "session/stdin_lines.h"
#include "session/websocket_client.h"

namespace sockscope::session {

struct ConnectOptions {
    QString url;
    bool echo = false;
    bool deflate = false;
    std::vector<HttpField> headers;  // see parseHeaderArgument
    std::vector<std::string> subprotocols;
    bool verbose = false;
    Limits limits;  // --max-*
    // wss:// only. PEM files of CAs trusted besides the system's (--tls-ca).
    QStringList caFiles;
    // A client certificate and its key, PEM, both or neither (--tls-cert, --tls-key).
    QString clientCertificateFile, clientKeyFile;
    // Accept any server certificate (--tls-insecure); each error ignored is still said.
    bool ignoreCertificateErrors = false;
};

struct HeaderArgument {
    std::optional<HttpField> field;
    QString error;
};
// "Name: value" from --header. Rejects a name that is not an HTTP token, a
// value with CR/LF/NUL, and the fields the handshake itself owns (Host,
// Upgrade, Connection, Sec-WebSocket-*), which have their own options.
HeaderArgument parseHeaderArgument(const QString& text);

class ConnectCommand final : public QObject {
    Q_OBJECT
public:
    explicit ConnectCommand(ConnectOptions options, QObject* parent = nullptr);

    // Starts connecting. Returns false after printing one error line when it
    // cannot start; exitStatus() then says why.
    bool start();
    int exitStatus() const { return exitStatus_; }
    // Ctrl-C / SIGTERM: closes with 1001 (going away) when open, gives up on a
    // connection still being set up (exit status 130).
    void interrupt();

signals:
    // The connection is over (closed, refused, rejected); the process should exit.
    void finished(int exitStatus);

private:
    void onHandshakeDone(const event::HandshakeDone& info);
    void onLine(const QByteArray& line);
    void onStdinFinished();
    void onMessage(const event::Message& message);
    void onClosed(const event::Closed& info);
    void sendLine(const QByteArray& line);
    void fail(const QString& message);
    // --tls-*: false and why when a CA file cannot be read.
    bool applyTlsOptions(ClientOptions& client, QString& error) const;

    ConnectOptions options_;
    WebSocketUrl url_;
    WebSocketClient* client_ = nullptr;
    WebSocketConnection* connection_ = nullptr;
    StdinLineReader stdin_;
    std::vector<QByteArray> queuedLines_;  // typed before the handshake completed
    quint64 lineNumber_ = 0;
    bool open_ = false;
    bool stdinDone_ = false;
    bool failed_ = false;
    bool interrupted_ = false;
    bool certificateRejected_ = false;  // the server's certificate did not verify
    int exitStatus_ = 0;
};

}  // namespace sockscope::session
