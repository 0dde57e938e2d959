#include "session/session_recorder.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QAbstractSocket>
#include <QPointer>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "session/websocket_connection.h"

namespace sockscope::session {
namespace {

// A large buffer lets a burst (a 1 MiB message is ~720 packets) go out while
// the loader is still busy with the previous one; the kernel caps it.
constexpr int kSocketBuffer = 1 << 20;
// stdio's buffer for the write end: a message's segments go out in few sends.
constexpr std::size_t kStreamBuffer = 64 << 10;

}  // namespace

// The write end as a stdio stream for the ConversationWriter.
struct SessionRecorder::WriteEnd {
    int fd = -1;
    int error = 0;  // errno of the write that failed

    // The whole size or -1: a short count would leave half a block in the stream.
    static ssize_t write(void* cookie, const char* data, size_t size) {
        auto* end = static_cast<WriteEnd*>(cookie);
        if (end->error != 0)
            return -1;  // stdio's flush at fclose() must not wait for a stalled reader again
        size_t done = 0;
        while (done < size) {
            const ssize_t n = ::send(end->fd, data + done, size - done, MSG_NOSIGNAL);
            if (n > 0) {
                done += static_cast<size_t>(n);
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (!end->waitWritable())
                    return -1;
            } else {
                end->error = n == 0 ? EPIPE : errno;
                return -1;
            }
        }
        return static_cast<ssize_t>(size);
    }

    // The reader is behind: wait while it makes progress, never for one that stopped.
    bool waitWritable() {
        pollfd writable{fd, POLLOUT, 0};
        int ready = 0;
        do {
            ready = ::poll(&writable, 1, kStallTimeoutMs);
        } while (ready < 0 && errno == EINTR);
        if (ready <= 0)
            error = ready == 0 ? ETIMEDOUT : errno;
        return ready > 0;
    }

    static int close(void* cookie) {
        auto* end = static_cast<WriteEnd*>(cookie);
        const int result = ::close(end->fd);
        delete end;
        return result;
    }
};

namespace {

dissector::SocketAddress mapped(const dissector::SocketAddress& v4) {
    dissector::SocketAddress v6 = v4;
    v6.v6 = true;
    v6.ip.fill(0);
    v6.ip[10] = v6.ip[11] = 0xff;
    std::copy_n(v4.ip.begin(), 4, v6.ip.begin() + 12);
    return v6;
}

QString describeErrno(int error) {
    if (error == ETIMEDOUT)
        return QStringLiteral("the session view stopped reading (nothing taken for %1 ms)")
            .arg(SessionRecorder::kStallTimeoutMs);
    if (error == EPIPE || error == ECONNRESET)
        return QStringLiteral("the session view is gone");
    return QString::fromLocal8Bit(std::strerror(error));
}

}  // namespace

std::optional<dissector::SocketAddress> toSocketAddress(const QHostAddress& address, quint16 port) {
    dissector::SocketAddress out;
    out.port = port;
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);  // IPv4-mapped IPv6 too
    if (isV4) {
        out.ip[0] = static_cast<std::uint8_t>(v4 >> 24);
        out.ip[1] = static_cast<std::uint8_t>(v4 >> 16);
        out.ip[2] = static_cast<std::uint8_t>(v4 >> 8);
        out.ip[3] = static_cast<std::uint8_t>(v4);
        return out;
    }
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return std::nullopt;
    const Q_IPV6ADDR v6 = address.toIPv6Address();
    out.v6 = true;
    std::copy_n(v6.c, 16, out.ip.begin());
    return out;
}

struct SessionRecorder::Tracked {
    std::optional<std::uint32_t> id;
    bool localIsClient = true;
    bool peerClosed = false;  // the peer's FIN arrived
    bool ended = false;

    dissector::Direction local() const {
        return localIsClient ? dissector::Direction::Client : dissector::Direction::Server;
    }
    dissector::Direction peer() const {
        return localIsClient ? dissector::Direction::Server : dissector::Direction::Client;
    }
};

SessionRecorder::SessionRecorder(QObject* parent) : QObject(parent) {}

SessionRecorder::~SessionRecorder() {
    finish();
    if (readFd_ >= 0)
        ::close(readFd_);
}

bool SessionRecorder::start(QString* error) {
    const auto refuse = [&](const QString& why) {
        error_ = why;
        if (error != nullptr)
            *error = why;
        return false;
    };
    if (started_)
        return refuse(QStringLiteral("the recorder was started already"));
    started_ = true;
    int ends[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, ends) != 0)
        return refuse(QStringLiteral("cannot create the session stream: %1")
                          .arg(QString::fromLocal8Bit(std::strerror(errno))));
    // Only we write: the loader's end needs no send buffer, ours no receive buffer.
    ::shutdown(ends[0], SHUT_WR);
    ::shutdown(ends[1], SHUT_RD);
    for (const int fd : ends) {
        // Best effort: the kernel clamps it (net.core.wmem_max) and may refuse.
        ::setsockopt(fd, SOL_SOCKET, fd == ends[1] ? SO_SNDBUF : SO_RCVBUF, &kSocketBuffer,
                     sizeof kSocketBuffer);
    }
    cookie_io_functions_t functions{};
    functions.write = &WriteEnd::write;
    functions.close = &WriteEnd::close;
    writeEnd_ = new WriteEnd{ends[1]};
    stream_ = ::fopencookie(writeEnd_, "w", functions);
    if (stream_ != nullptr)
        std::setvbuf(stream_, nullptr, _IOFBF, kStreamBuffer);
    if (stream_ == nullptr) {
        delete std::exchange(writeEnd_, nullptr);
        ::close(ends[0]);
        ::close(ends[1]);
        return refuse(QStringLiteral("cannot create the session stream: %1")
                          .arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
    std::string why;
    dissector::ConversationWriterOptions options;
    options.interfaceName = "sockscope-session";
    options.interfaceDescription = "Sockscope console session (the sockets' own bytes)";
    writer_ = dissector::ConversationWriter::wrap(stream_, why, std::move(options));
    if (!writer_) {
        std::fclose(stream_);
        stream_ = nullptr;
        writeEnd_ = nullptr;
        ::close(ends[0]);
        return refuse(
            QStringLiteral("cannot write the session stream: %1").arg(QString::fromStdString(why)));
    }
    readFd_ = ends[0];
    if (!check(true))
        return refuse(error_);
    return true;
}

int SessionRecorder::takeReadFd() {
    return std::exchange(readFd_, -1);
}

dissector::Timestamp SessionRecorder::now() {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    dissector::Timestamp ts{ns / 1'000'000'000, static_cast<std::uint32_t>(ns % 1'000'000'000)};
    // A clock set back must not make the capture go back in time.
    if (ts.seconds < last_.seconds ||
        (ts.seconds == last_.seconds && ts.nanoseconds < last_.nanoseconds))
        ts = last_;
    last_ = ts;
    return ts;
}

bool SessionRecorder::check(bool ok) {
    // The writer leaves whole blocks in stdio's buffer (it flushes only at
    // its end): they go out now, so the view shows them as they happen.
    if (ok && std::fflush(stream_) != 0)
        ok = false;
    if (ok || !error_.isEmpty())
        return ok;
    const int cause = writeEnd_ != nullptr ? writeEnd_->error : 0;
    error_ = QStringLiteral("recording stopped: %1")
                 .arg(cause != 0 ? describeErrno(cause) : QString::fromStdString(writer_->error()));
    emit failed(error_);
    return false;
}

std::optional<std::uint32_t> SessionRecorder::openConversation(
    const dissector::SocketAddress& client, const dissector::SocketAddress& server) {
    if (!isRecording())
        return std::nullopt;
    // One family per connection: a mixed pair (a relay) maps its IPv4 side.
    const dissector::SocketAddress c = client.v6 || !server.v6 ? client : mapped(client);
    const dissector::SocketAddress s = server.v6 || !client.v6 ? server : mapped(server);
    const std::optional<std::uint32_t> id = writer_->open(c, s, now());
    if (check(id.has_value()))
        open_.push_back(true);
    return id;
}

void SessionRecorder::recordBytes(std::uint32_t conversation, dissector::Direction from,
                                  std::span<const std::uint8_t> bytes) {
    // An unknown or closed id is the caller's slip: the writer would fail the whole stream.
    if (isOpen(conversation) && !bytes.empty())
        check(writer_->send(conversation, from, bytes, now()));
}

void SessionRecorder::closeConversation(std::uint32_t conversation, dissector::Direction by,
                                        bool reset) {
    if (isOpen(conversation)) {
        open_[conversation] = false;
        check(writer_->close(conversation, by, now(), reset));
    }
}

bool SessionRecorder::isOpen(std::uint32_t conversation) const {
    return isRecording() && conversation < open_.size() && open_[conversation];
}

void SessionRecorder::record(WebSocketConnection* connection) {
    if (connection == nullptr || connection->isFinished() || !isRecording() ||
        recorded_.contains(connection))
        return;
    recorded_.insert(connection);
    auto tracked = std::make_shared<Tracked>();
    tracked->localIsClient = connection->endpoint().role() == Role::Client;
    const QPointer<WebSocketConnection> guard(connection);
    connect(connection, &WebSocketConnection::transportReady, this, [this, tracked, guard] {
        if (guard)
            openTracked(tracked, guard);
    });
    connect(connection, &WebSocketConnection::wireBytes, this,
            [this, tracked](bool outgoing, const QByteArray& bytes) {
                if (!tracked->id || tracked->ended)
                    return;
                recordBytes(*tracked->id, outgoing ? tracked->local() : tracked->peer(),
                            std::span(reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                                      static_cast<std::size_t>(bytes.size())));
            });
    connect(connection->socket(), &QAbstractSocket::errorOccurred, this,
            [tracked](QAbstractSocket::SocketError error) {
                if (error == QAbstractSocket::RemoteHostClosedError)
                    tracked->peerClosed = true;
            });
    connect(connection, &WebSocketConnection::closed, this,
            [this, tracked](const event::Closed& info) { endTracked(tracked, info.clean); });
    // Deleted without closed() (its owner went first): the socket was dropped.
    connect(connection, &QObject::destroyed, this, [this, tracked, connection] {
        recorded_.remove(connection);
        endTracked(tracked, false);
    });
    if (connection->isTransportReady())
        openTracked(tracked, connection);
}

void SessionRecorder::openTracked(const std::shared_ptr<Tracked>& tracked,
                                  WebSocketConnection* connection) {
    if (tracked->id || tracked->ended)
        return;
    const QAbstractSocket* socket = connection->socket();
    auto local = toSocketAddress(socket->localAddress(), socket->localPort());
    auto peer = toSocketAddress(socket->peerAddress(), socket->peerPort());
    if (!local || !peer) {
        // Not IP (a test's socket pair, say): still recorded, between made-up loopback ends.
        local = peer = toSocketAddress(QHostAddress(QHostAddress::LocalHost), 0);
        local->port = 1;
        peer->port = 2;
    }
    tracked->id =
        tracked->localIsClient ? openConversation(*local, *peer) : openConversation(*peer, *local);
}

void SessionRecorder::endTracked(const std::shared_ptr<Tracked>& tracked, bool clean) {
    if (tracked->ended)
        return;
    tracked->ended = true;
    if (!tracked->id)
        return;
    if (tracked->peerClosed) {
        closeConversation(*tracked->id, tracked->peer(), false);  // the peer's FIN came first
    } else if (clean) {
        closeConversation(*tracked->id, tracked->local(), false);
    } else {
        closeConversation(*tracked->id, tracked->local(), true);
    }
}

void SessionRecorder::finish() {
    if (writer_) {
        writer_->finish();  // a failed stream's error is known already
        writer_.reset();
    }
    if (stream_ != nullptr) {
        std::fclose(stream_);  // closes the write end: the reader sees EOF
        stream_ = nullptr;
        writeEnd_ = nullptr;
    }
}

}  // namespace sockscope::session
