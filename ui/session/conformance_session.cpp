#include "session/conformance_session.h"

#include <QMetaObject>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <algorithm>
#include <array>

#include "session/conformance_builders.h"
#include "session/conformance_handshake.h"
#include "session/conformance_peer_reader.h"
#include "sockscope/core/base64.h"
#include "sockscope/core/close_code.h"

namespace sockscope::session::conformance {
namespace {

// Qt may hold this much unwritten output before the tester waits for bytesWritten.
constexpr qint64 kHighWater = 4 << 20;
// A coalesced write stops growing here.
constexpr std::size_t kMaxCoalesced = 32u << 20;
constexpr std::size_t kMaxHead = 64 << 10;
constexpr qint64 kReadChunk = 256 << 10;
// After the close handshake a server has this long to close TCP.
constexpr int kCloseGraceMs = 2000;

QByteArray toQByteArray(std::span<const std::uint8_t> bytes) {
    return QByteArray(reinterpret_cast<const char*>(bytes.data()),
                      static_cast<qsizetype>(bytes.size()));
}

}  // namespace

CaseSession::CaseSession(const Case& testCase, const QString& host, quint16 port,
                         SessionSettings settings, QObject* parent)
    : QObject(parent),
      case_(testCase),
      settings_(settings),
      tester_(Role::Client),
      host_(host),
      port_(port),
      socket_(new QTcpSocket(this)) {}

CaseSession::CaseSession(const Case& testCase, QTcpSocket* socket, HttpRequest request,
                         QByteArray leftover, SessionSettings settings, QObject* parent)
    : QObject(parent),
      case_(testCase),
      settings_(settings),
      tester_(Role::Server),
      socket_(socket),
      request_(std::move(request)),
      leftover_(std::move(leftover)) {
    socket_->setParent(this);
}

CaseSession::~CaseSession() {
    QObject::disconnect(socket_, nullptr, this, nullptr);
    socket_->abort();
}

void CaseSession::start() {
    clock_.start();
    script_ = case_.script();
    writer_ = std::make_unique<ScriptWriter>(script_.steps, tester_);
    for (const Reply& reply : script_.expect.replies) {
        expectedPeerReplies_ += reply.kind == Reply::Kind::Marker ? 0 : 1;
    }
    const int timeout = settings_.timeoutMs * std::max(1, case_.timeoutFactor);
    seen_.timeoutMs = timeout;
    for (QTimer* timer : {&deadline_, &pauseTimer_, &lingerTimer_}) {
        timer->setSingleShot(true);
    }
    connect(&deadline_, &QTimer::timeout, this, &CaseSession::onDeadline);
    connect(&pauseTimer_, &QTimer::timeout, this, &CaseSession::onPauseOver);
    connect(&lingerTimer_, &QTimer::timeout, this, [this] {
        seen_.tcpLingered = true;
        closeTcp();
        finish();
    });
    deadline_.start(timeout);
    connectSocket();
    if (tester_ == Role::Client) {
        socket_->connectToHost(host_, port_);
    } else {
        onConnected();
    }
}

void CaseSession::connectSocket() {
    connect(socket_, &QTcpSocket::connected, this, &CaseSession::onConnected);
    connect(socket_, &QIODevice::readyRead, this, &CaseSession::onReadyRead);
    connect(socket_, &QIODevice::bytesWritten, this, [this] { advance(); });
    connect(socket_, &QAbstractSocket::disconnected, this, &CaseSession::onDisconnected);
    connect(socket_, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        if (phase_ == Phase::Connecting && seen_.handshakeError.empty()) {
            seen_.handshakeError = "cannot connect: " + socket_->errorString().toStdString();
        }
        if (socket_->state() == QAbstractSocket::UnconnectedState) {
            QMetaObject::invokeMethod(this, &CaseSession::onDisconnected, Qt::QueuedConnection);
        }
    });
}

void CaseSession::onConnected() {
    socket_->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    emit opened();
    phase_ = Phase::Handshake;
    if (tester_ == Role::Server) {
        answerClient();
        return;
    }
    std::array<std::uint8_t, 16> nonce{};
    for (auto& byte : nonce) {
        byte = static_cast<std::uint8_t>(QRandomGenerator::global()->bounded(256));
    }
    key_ = base64Encode(nonce);
    const std::string host = settings_.hostHeader.empty()
                                 ? host_.toStdString() + ":" + std::to_string(port_)
                                 : settings_.hostHeader;
    const std::string head = buildRequest(script_, host, settings_.target, key_);
    writeChunked(Bytes(head.begin(), head.end()), script_.handshake.chop);
}

void CaseSession::answerClient() {
    const ResponsePlan plan = planResponse(request_, script_);
    Bytes head(plan.head.begin(), plan.head.end());
    if (!plan.clientError.empty()) {
        seen_.handshakeError = "the client's upgrade request is invalid: " + plan.clientError;
        writeChunked(head, 0);
        closeTcp();
        finish();
        return;
    }
    if (!plan.unsupported.empty()) {
        seen_.unsupported = plan.unsupported;
        writeChunked(head, 0);
        open(std::nullopt, {});
        sendClose(close_code::Normal);
        closeTcp();
        finish();
        return;
    }
    seen_.upgraded = script_.expect.outcome != Outcome::Reject;
    open(plan.deflate, std::exchange(leftover_, {}));
    if (script_.handshake.firstStepsWithHead) {
        const Bytes first = takeLeadingBytes();
        head.insert(head.end(), first.begin(), first.end());
    }
    writeChunked(head, script_.handshake.chop);
    advance();
}

void CaseSession::open(std::optional<DeflateParams> deflate, QByteArray leftover) {
    phase_ = Phase::Open;
    chop_ = script_.chop;
    const Role peer = tester_ == Role::Client ? Role::Server : Role::Client;
    reader_ = std::make_unique<PeerReader>(peer, deflate);
    if (deflate) {
        const bool client = tester_ == Role::Client;
        writer_->useDeflate(
            client ? deflate->clientMaxWindowBits : deflate->serverMaxWindowBits,
            client ? deflate->clientNoContextTakeover : deflate->serverNoContextTakeover);
    }
    if (!leftover.isEmpty()) {
        feedPeer(std::span(reinterpret_cast<std::uint8_t*>(leftover.data()),
                           static_cast<std::size_t>(leftover.size())));
        collect();
    }
}

void CaseSession::onReadyRead() {
    std::vector<std::uint8_t>& buffer = readBuffer_;
    buffer.resize(static_cast<std::size_t>(kReadChunk));
    while (!finished_ && socket_->bytesAvailable() > 0) {
        const qint64 n = socket_->read(reinterpret_cast<char*>(buffer.data()),
                                       static_cast<qint64>(buffer.size()));
        if (n <= 0) {
            break;
        }
        const std::span<std::uint8_t> bytes(buffer.data(), static_cast<std::size_t>(n));
        emit wireBytes(false, toQByteArray(bytes));
        if (phase_ == Phase::Handshake && tester_ == Role::Client) {
            readHead(bytes);
        } else if (phase_ == Phase::Open) {
            feedPeer(bytes);
        }
    }
    if (phase_ == Phase::Open && !finished_) {
        collect();
    }
}

void CaseSession::readHead(std::span<const std::uint8_t> bytes) {
    head_.insert(head_.end(), bytes.begin(), bytes.end());
    const HttpParse<HttpResponse> parse = parseHttpResponse(head_, kMaxHead);
    if (parse.status == ParseStatus::NeedMore) {
        return;
    }
    if (parse.status == ParseStatus::Error) {
        seen_.handshakeError = "the answer is not an HTTP response: " + parse.error->detail;
        finish();
        return;
    }
    seen_.response = parse.message;
    if (script_.expect.outcome == Outcome::Reject) {
        if (parse.message.status == 101) {
            seen_.upgraded = true;
            open(std::nullopt, {});
            sendClose(close_code::Normal);
        }
        finish();
        return;
    }
    const ResponseCheck check = checkResponse(parse.message, script_, key_);
    if (!check.upgraded) {
        seen_.handshakeError = parse.message.status == 101 ? check.error : std::string();
        finish();
        return;
    }
    seen_.upgraded = true;
    std::vector<std::uint8_t> rest(head_.begin() + static_cast<std::ptrdiff_t>(parse.consumed),
                                   head_.end());
    head_ = {};
    open(check.deflate, toQByteArray(rest));
    if (script_.needsDeflate && !check.deflate) {
        seen_.unsupported = "the server declined permessage-deflate";
        sendClose(close_code::Normal);
        finish();
        return;
    }
    advance();
}

void CaseSession::feedPeer(std::span<std::uint8_t> bytes) {
    reader_->feed(bytes);
}

void CaseSession::collect() {
    std::vector<Reply>& replies = reader_->replies();
    for (Reply& reply : replies) {
        seen_.replies.push_back(std::move(reply));
        ++peerReplies_;
    }
    replies.clear();
    for (Bytes& ping : reader_->pings()) {
        if (!closeSent_ && !seen_.peerClosed) {
            pendingPongs_.push_back(std::move(ping));
        }
    }
    reader_->pings().clear();
    if (reader_->closeReceived() && !seen_.peerClosed) {
        onPeerClose();
    }
    if (waiting_ && awaitTarget_ > 0 && peerReplies_ >= awaitTarget_) {
        waiting_ = false;
        awaitTarget_ = 0;
    }
    checkProgress();
    advance();
}

void CaseSession::onPeerClose() {
    seen_.peerClosed = true;
    seen_.peerCloseCode = reader_->closeCode();
    seen_.peerCloseReason = reader_->closeReason();
    seen_.peerClosedFirst = !closeSent_;
    sendingStopped_ = true;
    if (script_.expect.outcome == Outcome::Reject) {
        return;  // the connection never opened for the client
    }
    if (!closeSent_) {
        // Echo the peer's code (RFC 6455 §5.5.1); one it may not send is answered with 1002.
        std::optional<std::uint16_t> code = seen_.peerCloseCode;
        if (code && !isValidCloseCodeOnWire(*code)) {
            code = close_code::ProtocolError;
        }
        sendClose(code);
    }
    if (tester_ == Role::Server) {
        closeTcp();  // the server closes TCP first (§7.1.1)
    } else {
        lingerTimer_.start(std::min(kCloseGraceMs, std::max(1, deadline_.remainingTime())));
    }
}

void CaseSession::onPauseOver() {
    waiting_ = false;
    if (seen_.peerClosed || phase_ != Phase::Open ||
        socket_->state() != QAbstractSocket::ConnectedState) {
        sendingStopped_ = true;
    } else if (!pauseMarker_.empty()) {
        Reply reply;
        reply.kind = Reply::Kind::Marker;
        reply.marker = pauseMarker_;
        seen_.replies.push_back(std::move(reply));
    }
    pauseMarker_.clear();
    advance();
}

void CaseSession::onDeadline() {
    seen_.timedOut = true;
    closeTcp();
    finish();
}

void CaseSession::onDisconnected() {
    if (finished_) {
        return;
    }
    if (socket_->bytesAvailable() > 0) {
        onReadyRead();
    }
    if (!weClosedTcp_) {
        seen_.tcpClosed = true;
    }
    finish();
}

// --- writing ---------------------------------------------------------------

void CaseSession::advance() {
    if (advancing_) {
        again_ = true;
        return;
    }
    advancing_ = true;
    do {
        again_ = false;
        advanceOnce();
    } while (again_ && !finished_);
    advancing_ = false;
}

void CaseSession::advanceOnce() {
    while (!finished_ && phase_ == Phase::Open && !sendingStopped_) {
        if (!midFrame_ && !pendingPongs_.empty()) {
            for (const Bytes& payload : std::exchange(pendingPongs_, {})) {
                sendFrameNow(build::kPong, payload);
            }
        }
        if (waiting_) {
            return;
        }
        if (actions_.empty()) {
            if (!writer_->expandNext(actions_)) {
                stepsDone();
                return;
            }
            if (chop_ == build::kOneWrite && actions_.front().kind == WireAction::Kind::Bytes) {
                WireAction action;
                action.bytes = takeLeadingBytes(&action.endsMidFrame);
                actions_.push_front(std::move(action));
            }
            continue;
        }
        WireAction& action = actions_.front();
        switch (action.kind) {
            case WireAction::Kind::Bytes: {
                if (socket_->bytesToWrite() > kHighWater) {
                    return;  // bytesWritten comes back here
                }
                const WireAction taken = std::move(action);
                actions_.pop_front();
                writeChunked(taken.bytes, chop_);
                midFrame_ = taken.endsMidFrame;
                if (taken.sendsClose && !closeSent_) {
                    closeSent_ = true;
                    extendDeadline(kCloseGraceMs);
                }
                break;
            }
            case WireAction::Kind::Pause:
                if (socket_->bytesToWrite() > 0) {
                    return;  // the pause starts once the bytes are with the kernel
                }
                pauseMarker_ = action.pause.marker;
                pauseTimer_.start(action.pause.ms);
                waiting_ = true;
                actions_.pop_front();
                return;
            case WireAction::Kind::Await:
                if (peerReplies_ < action.await) {
                    awaitTarget_ = action.await;
                    waiting_ = true;
                    actions_.pop_front();
                    return;
                }
                actions_.pop_front();
                break;
        }
    }
}

Bytes CaseSession::takeLeadingBytes(bool* endsMidFrame) {
    Bytes out;
    for (;;) {
        if (actions_.empty() && !writer_->expandNext(actions_)) {
            break;
        }
        WireAction& front = actions_.front();
        if (front.kind != WireAction::Kind::Bytes || out.size() > kMaxCoalesced) {
            break;
        }
        out.insert(out.end(), front.bytes.begin(), front.bytes.end());
        if (endsMidFrame) {
            *endsMidFrame = front.endsMidFrame;
        }
        if (front.sendsClose) {
            closeSent_ = true;
            extendDeadline(kCloseGraceMs);
        }
        actions_.pop_front();
    }
    return out;
}

void CaseSession::writeChunked(const Bytes& bytes, std::size_t chop) {
    if (bytes.empty() || socket_->state() != QAbstractSocket::ConnectedState) {
        return;
    }
    emit wireBytes(true, toQByteArray(bytes));
    // flush() may report bytesWritten at once; the writer must not run
    // inside a write (it would put a frame in the middle of these bytes).
    const bool wasAdvancing = std::exchange(advancing_, true);
    const std::size_t piece = (chop == 0 || chop == build::kOneWrite) ? bytes.size() : chop;
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
        const std::size_t n = std::min(piece, bytes.size() - at);
        socket_->write(reinterpret_cast<const char*>(bytes.data() + at), static_cast<qint64>(n));
        socket_->flush();
    }
    advancing_ = wasAdvancing;
}

void CaseSession::sendFrameNow(std::uint8_t opcode, std::span<const std::uint8_t> payload) {
    FrameStep frame;
    frame.opcode = opcode;
    Bytes out;
    writer_->appendFrame(out, frame, payload);
    writeChunked(out, 0);
}

void CaseSession::sendClose(std::optional<std::uint16_t> code) {
    if (closeSent_) {
        return;
    }
    closeSent_ = true;
    Bytes body;
    if (code) {
        body = {static_cast<std::uint8_t>(*code >> 8), static_cast<std::uint8_t>(*code & 0xFF)};
    }
    sendFrameNow(build::kClose, body);
    extendDeadline(kCloseGraceMs);
}

void CaseSession::stepsDone() {
    stepsDone_ = true;
    checkProgress();
}

void CaseSession::checkProgress() {
    if (finished_ || !stepsDone_ || closeSent_ || seen_.peerClosed) {
        return;
    }
    if (script_.expect.outcome == Outcome::Echo && peerReplies_ >= expectedPeerReplies_) {
        sendClose(close_code::Normal);
    }
    // A lenient peer echoed what a strict one fails on: nothing more will come.
    if (script_.expect.outcome == Outcome::Fail && script_.expect.toleratedEcho &&
        peerReplies_ >= script_.expect.toleratedEcho->size()) {
        sendClose(close_code::Normal);
    }
}

void CaseSession::extendDeadline(int atLeastMs) {
    if (deadline_.isActive() && deadline_.remainingTime() < atLeastMs) {
        deadline_.start(atLeastMs);
    }
}

void CaseSession::closeTcp() {
    if (socket_->state() == QAbstractSocket::UnconnectedState) {
        return;
    }
    weClosedTcp_ = true;
    socket_->disconnectFromHost();
}

void CaseSession::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    phase_ = Phase::Done;
    deadline_.stop();
    pauseTimer_.stop();
    lingerTimer_.stop();
    if (reader_) {
        seen_.violations = reader_->violations();
        seen_.peerFrames = reader_->frames();
    }
    const Judgement judgement = judge(
        script_.expect, seen_, tester_ == Role::Client ? Applies::ServerOnly : Applies::ClientOnly);
    result_.testCase = &case_;
    result_.verdict = judgement.verdict;
    result_.reason = judgement.reason;
    result_.milliseconds = clock_.elapsed();
    if (socket_->state() != QAbstractSocket::UnconnectedState) {
        weClosedTcp_ = true;
        socket_->abort();
    }
    QMetaObject::invokeMethod(
        this, [this] { emit finished(result_); }, Qt::QueuedConnection);
}

}  // namespace sockscope::session::conformance
