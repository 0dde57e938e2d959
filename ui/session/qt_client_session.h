#pragma once
// The comparison client: Qt WebSockets' QWebSocket, the other implementation
// a user can hold ours against (issue 5 §4). It connects through a
// RecordingRelay (ws://127.0.0.1:<relay>/<target>) so its bytes are recorded
// the way ours are, with the same URL target, extra headers, subprotocols
// and Origin as our client; the relay speaks TLS to a wss:// target.
//
// What Qt WebSockets 6.4 cannot do that our client can (the comparison tab
// greys these out for the Qt side):
// - no extensions: it never offers permessage-deflate (or anything else);
// - no raw frames: every frame is well-formed, masked with its own keys, and
//   no RSV bits, reserved opcodes or non-minimal lengths can be sent;
// - no exact fragment count: it only splits messages by a maximum frame size
//   (setOutgoingFrameSize; 512 KiB by default, so larger messages go out in
//   several frames), which sendText/sendBinary use to approximate N fragments
//   (an empty message is always one frame);
// - no unsolicited pong, and it always answers pings itself;
// - close codes go through QWebSocketProtocol::CloseCode, an enum that only
//   names the RFC codes; other codes (3000-4999) are passed by casting.
// Seen in the tests: its close() closes TCP right after its close frame,
// without waiting for the server's answer (RFC 6455 §7.1.1 has the server
// close TCP first); the relay still records that answer.
// Its handshake is its own: header order and spelling, and User-Agent or
// other fields it adds, are part of what the comparison shows.

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "session/recording_relay.h"
#include "session/websocket_url.h"
#include "sockscope/core/close_code.h"
#include "sockscope/core/http_message.h"

class QWebSocket;

namespace sockscope::session {

class SessionRecorder;

struct QtClientOptions {
    std::vector<HttpField> extraHeaders;  // added as QNetworkRequest raw headers
    std::vector<std::string> subprotocols;
    std::optional<std::string> origin;
    RelayOptions relay;  // TLS to a wss:// target
};

class QtClientSession final : public QObject {
    Q_OBJECT
public:
    // `recorder` may be nullptr (nothing recorded).
    QtClientSession(QtClientOptions options, SessionRecorder* recorder, QObject* parent = nullptr);
    ~QtClientSession() override;

    // Starts the relay and opens the QWebSocket through it. false + why when
    // the relay cannot listen; everything later comes as signals.
    bool open(const WebSocketUrl& url, QString* why = nullptr);
    // The handshake is done and the socket not closed.
    bool isConnected() const;
    // What the server chose (empty: none).
    QString subprotocol() const;

    // Sending; false when not connected. `fragments` > 1 sets Qt's outgoing
    // frame size to ceil(size / fragments) for this message.
    bool sendText(const QString& text, int fragments = 1);
    bool sendBinary(const QByteArray& data, int fragments = 1);
    bool ping(const QByteArray& payload = {});
    void close(std::uint16_t code = close_code::Normal, const QString& reason = {});
    void abort();

    QWebSocket* socket() const { return socket_; }
    RecordingRelay* relay() const { return relay_; }

signals:
    void connected();
    void textMessage(const QString& message);
    void binaryMessage(const QByteArray& message);
    void pong(quint64 elapsedMs, const QByteArray& payload);
    // The socket is closed: the close code and reason Qt reports (the peer's
    // when it sent a close frame; 1006 when the connection just dropped).
    void closed(quint16 code, const QString& reason);
    // A transport, TLS or relay problem, human-readable.
    void error(const QString& message);

private:
    void setFrameSize(qsizetype size, int fragments);

    QtClientOptions options_;
    QPointer<SessionRecorder> recorder_;
    RecordingRelay* relay_ = nullptr;
    QWebSocket* socket_ = nullptr;
    quint64 defaultFrameSize_ = 0;
    bool connected_ = false;
    bool closedEmitted_ = false;
};

}  // namespace sockscope::session
