#pragma once
// A loopback TCP relay between a client we do not control (Qt WebSockets'
// QWebSocket in the comparison tab) and the real target, so the bytes that
// client exchanges can be recorded like our own connections': each accepted
// connection is forwarded to the target (plain TCP, or TLS for a wss://
// target: the client speaks plain ws:// to the relay), the Host line of the
// first request head is rewritten to the target's authority, and both
// directions are reported to a SessionRecorder exactly as the target saw them
// (client address = the relay's outbound local address). Reading pauses
// while the other side's write buffer is large, so memory stays bounded.
//
// Closing: the side that closes first is recorded as closing first (FIN, or
// RST after a socket error: Qt reports a reset read as a plain end, so a
// peer's RST usually shows as FIN). When the client closes first, its FIN is
// passed on (plain TCP: shutdown of the write side) and the target is still
// read and recorded until it closes or closeGrace passes: a client that
// closes TCP right after its close frame still gets the server's answer
// recorded. The recorder writes a FIN exchange at once, so that answer shows
// before the client's FIN in the capture.

#include <QtNetwork/qtnetworkglobal.h>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <chrono>
#include <cstdint>

#if QT_CONFIG(ssl)
#include <QSslCertificate>
#endif

#include "session/websocket_url.h"

class QTcpServer;

namespace sockscope::session {

class SessionRecorder;

struct RelayOptions {
#if QT_CONFIG(ssl)
    // For a wss:// target: trusted in addition to the system CAs.
    QList<QSslCertificate> caCertificates;
    bool ignoreCertificateErrors = false;
#endif
    // The first request head may be at most this long (else the client gets a 431)...
    qint64 headLimit = 64 * 1024;
    // ... and must be complete this long after the client connected (else a 408).
    std::chrono::milliseconds headTimeout{10'000};
    // Stop reading a side while the other side has more than this to write.
    qint64 highWater = 1 << 20;
    // After the client closed, how long the target may still answer (its
    // close frame) before the relay closes it.
    std::chrono::milliseconds closeGrace{2000};
};

class RecordingRelay final : public QObject {
    Q_OBJECT
public:
    // `recorder` may be nullptr (relay only); it must outlive the relay or be
    // destroyed first (a QPointer guards it).
    RecordingRelay(WebSocketUrl target, SessionRecorder* recorder, RelayOptions options = {},
                   QObject* parent = nullptr);
    ~RecordingRelay() override;

    // Listens on 127.0.0.1 with a free port. false + why.
    bool listen(QString* error = nullptr);
    quint16 port() const;
    const WebSocketUrl& target() const { return target_; }
    // Relayed connections not yet finished.
    int activeLinks() const { return activeLinks_; }
    // Bytes the relay holds in memory for its connections: read and not yet
    // written on, plus an unfinished request head. Each side is read at most
    // 256 KiB at a time and only while the other side has less than
    // highWater to write, so per connection and direction this stays under
    // highWater + 512 KiB, however fast a peer sends.
    qint64 bufferedBytes() const;
    // Drops every relayed connection at once (both sockets aborted).
    void abortAll();

signals:
    // A relayed connection failed: the target could not be reached, TLS
    // failed, or the request head was too large or too slow. Human-readable.
    void failed(const QString& message);
    // Both sockets of a relayed connection are closed.
    void linkFinished();

private:
    void onNewConnection();

    WebSocketUrl target_;
    QPointer<SessionRecorder> recorder_;
    RelayOptions options_;
    QTcpServer* server_;
    int activeLinks_ = 0;
};

// The Host line of an HTTP request head replaced by `Host: <authority>`
// (only the first one; nothing else changes). `head` ends with the empty
// line; a head without a Host line comes back unchanged.
QByteArray rewriteHostHeader(const QByteArray& head, const QByteArray& authority);

}  // namespace sockscope::session
