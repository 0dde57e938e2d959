#pragma once
// Records console sessions as a pcapng stream, so the inspector shows them
// with the same loader, models and views as a capture (console_arch: "How a
// console session is shown"). The bytes each WebSocketConnection really read
// and wrote (wireBytes(), plaintext under TLS) go through a
// dissector::ConversationWriter (synthesized Ethernet/IP/TCP with the
// sockets' real addresses) into one end of a socket pair; the other end is
// for CaptureDocument::openStream, whose loader reads it on its own thread.
//
// Why a socket pair and not a pipe: send(MSG_NOSIGNAL) turns a reader that
// went away into EPIPE instead of a process-killing SIGPIPE, without touching
// the process's (or the thread's) signal state, which a library must not own.
// The write end is non-blocking: a full buffer is waited out while the reader
// makes progress, and a reader that makes none for a few seconds fails the
// recording (failed(), once) instead of freezing the GUI thread.

#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QString>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "sockscope/dissector/conversation_writer.h"
#include "sockscope/dissector/events.h"
#include "sockscope/dissector/packet.h"
#include "sockscope/dissector/socket_address.h"

namespace sockscope::session {

class WebSocketConnection;

// A socket address for the ConversationWriter; IPv4-mapped IPv6 (a dual-stack
// listener's peers) becomes plain IPv4. nullopt for a null or non-IP address.
std::optional<dissector::SocketAddress> toSocketAddress(const QHostAddress& address, quint16 port);

class SessionRecorder final : public QObject {
    Q_OBJECT
public:
    // How long a write may wait for a reader that takes nothing at all.
    static constexpr int kStallTimeoutMs = 3000;

    explicit SessionRecorder(QObject* parent = nullptr);
    ~SessionRecorder() override;  // finishes the stream (closes the write end)

    // Creates the socket pair and writes the pcapng section + interface
    // blocks. false + why (also in error()); a second call fails.
    bool start(QString* error = nullptr);
    // The read end (non-blocking, close-on-exec) for CaptureDocument::openStream;
    // ownership passes to the caller. -1 before start() or when taken already.
    int takeReadFd();

    // Records `connection` from transportReady() (at once when it is ready
    // already: a server's accepted socket) to closed(): a TCP open with the
    // socket's real local/peer addresses (client = whoever is the WebSocket
    // client), every wireBytes(), then how it ended: FIN after a clean close
    // or when the peer closed TCP, RST from our side when we aborted or
    // failed it (or it was deleted while open). Several connections may be
    // recorded at once; each is one connection of the capture. A connection
    // given twice is recorded once; nothing is recorded before start().
    void record(WebSocketConnection* connection);

    // Lower level, for bytes seen elsewhere (the Qt-client relay). The
    // addresses may be of different families (the IPv4 one is then mapped).
    // nullopt once finished or failed.
    std::optional<std::uint32_t> openConversation(const dissector::SocketAddress& client,
                                                  const dissector::SocketAddress& server);
    void recordBytes(std::uint32_t conversation, dissector::Direction from,
                     std::span<const std::uint8_t> bytes);
    void closeConversation(std::uint32_t conversation, dissector::Direction by, bool reset);

    // Ends the stream: the reader sees EOF and the document finishes.
    // Connections still open stay open in the capture. Idempotent.
    void finish();
    // Started and neither finished nor failed.
    bool isRecording() const { return writer_ != nullptr && error_.isEmpty(); }
    // Why the stream failed; empty while it works.
    QString error() const { return error_; }

signals:
    // A write to the stream failed (the reader went away or stalled); emitted once.
    void failed(const QString& error);

private:
    struct Tracked;
    struct WriteEnd;
    void openTracked(const std::shared_ptr<Tracked>& tracked, WebSocketConnection* connection);
    void endTracked(const std::shared_ptr<Tracked>& tracked, bool clean);
    // Wall clock (Unix epoch, as captures), never earlier than the last packet.
    dissector::Timestamp now();
    bool check(bool ok);
    bool isOpen(std::uint32_t conversation) const;

    std::unique_ptr<dissector::ConversationWriter> writer_;
    std::FILE* stream_ = nullptr;
    WriteEnd* writeEnd_ = nullptr;  // owned by stream_ (freed by fclose)
    std::vector<bool> open_;        // per conversation id
    QSet<const WebSocketConnection*> recorded_;
    int readFd_ = -1;
    bool started_ = false;
    dissector::Timestamp last_;
    QString error_;
};

}  // namespace sockscope::session
