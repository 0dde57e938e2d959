#include "session/replay_runner.h"

#include <algorithm>
#include <span>
#include <string_view>

#include "sockscope/core/close_code.h"
#include "sockscope/core/extension_header.h"
#include "sockscope/core/opcode.h"

namespace sockscope::session {

namespace {

constexpr std::uint8_t kText = std::uint8_t(Opcode::Text);
constexpr std::uint8_t kBinary = std::uint8_t(Opcode::Binary);
constexpr std::uint8_t kClose = std::uint8_t(Opcode::Close);
constexpr std::uint8_t kPing = std::uint8_t(Opcode::Ping);
constexpr std::uint8_t kPong = std::uint8_t(Opcode::Pong);
// RFC 6455 §5.5: a control frame's payload (a close: code and reason) is at most 125 bytes.
constexpr qsizetype kMaxControlPayload = 125;

std::span<const std::uint8_t> bytesOf(const QByteArray& bytes) {
    return {reinterpret_cast<const std::uint8_t*>(bytes.constData()), std::size_t(bytes.size())};
}

QByteArray toQByteArray(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())};
}

QString stepName(std::size_t index) {
    return QStringLiteral("step %1").arg(index + 1);
}

std::chrono::milliseconds recordedGap(const ReplayStep& before, const ReplayStep& step,
                                      const ReplayOptions& options) {
    const double speed = options.speed > 0 ? options.speed : 1.0;
    const double gapMs = double(step.offsetNs - before.offsetNs) / 1e6 / speed;
    const double capped = std::clamp(gapMs, 0.0, double(options.maxGap.count()));
    return std::chrono::milliseconds(qint64(capped));
}

// 8..15 (RFC 7692 §7.1.2), else nullopt.
std::optional<int> windowBits(const std::optional<std::string>& value) {
    bool ok = false;
    const int bits = value ? QString::fromStdString(*value).toInt(&ok) : 0;
    return ok && bits >= 8 && bits <= 15 ? std::optional<int>(bits) : std::nullopt;
}

bool sameToken(const std::string& a, const char* b) {
    return QString::fromStdString(a).compare(QLatin1String(b), Qt::CaseInsensitive) == 0;
}

// Sends a text/binary message frame by frame with the recorded payload lengths.
bool sendByFrames(WebSocketConnection& connection, const ReplayStep& step) {
    const std::span<const std::uint8_t> payload = bytesOf(step.payload);
    std::size_t at = 0;
    for (std::size_t i = 0; i < step.frameSizes.size(); ++i) {
        const std::size_t size = std::size_t(step.frameSizes[i]);
        const bool last = i + 1 == step.frameSizes.size();
        const std::uint8_t opcode = i == 0 ? step.opcode : std::uint8_t(Opcode::Continuation);
        if (!connection.sendFrame(opcode, payload.subspan(at, size), last)) {
            return false;
        }
        at += size;
    }
    return true;
}

}  // namespace

QString frameSizesProblem(const ReplayStep& step) {
    if (step.frameSizes.empty()) {
        return {};
    }
    if (step.opcode != kText && step.opcode != kBinary) {
        return QStringLiteral("only a text or binary message has frame sizes (opcode is %1)")
            .arg(replayOpcodeName(step.opcode));
    }
    if (step.frameSizes.size() > kMaxReplayFrameSizes) {
        return QStringLiteral("%1 frame sizes, at most %2")
            .arg(step.frameSizes.size())
            .arg(kMaxReplayFrameSizes);
    }
    if (std::size_t(step.fragments) != step.frameSizes.size()) {
        return QStringLiteral("%1 frame sizes for %2 fragments")
            .arg(step.frameSizes.size())
            .arg(step.fragments);
    }
    // Each size is checked against what is left: the sum cannot overflow.
    std::uint64_t left = std::uint64_t(step.payload.size());
    std::uint64_t sum = 0;
    bool over = false;
    for (const std::uint64_t size : step.frameSizes) {
        if (size > left) {
            over = true;
            break;
        }
        left -= size;
        sum += size;
    }
    if (over || sum != std::uint64_t(step.payload.size())) {
        return over ? QStringLiteral("the frame sizes add up to more than the payload's %1 bytes")
                          .arg(step.payload.size())
                    : QStringLiteral("the frame sizes add up to %1 bytes, the payload has %2")
                          .arg(sum)
                          .arg(step.payload.size());
    }
    return {};
}

std::optional<DeflateClientOffer> recordedDeflateOffer(const QString& extensions) {
    const ExtensionListParse parsed = parseExtensionList(extensions.toStdString());
    if (parsed.error) {
        return std::nullopt;
    }
    for (const Extension& extension : parsed.extensions) {
        if (!sameToken(extension.name, "permessage-deflate")) {
            continue;
        }
        DeflateClientOffer offer;
        offer.clientMaxWindowBitsValueless = false;
        for (const ExtensionParam& param : extension.params) {
            if (sameToken(param.name, "server_no_context_takeover")) {
                offer.serverNoContextTakeover = true;
            } else if (sameToken(param.name, "client_no_context_takeover")) {
                offer.clientNoContextTakeover = true;
            } else if (sameToken(param.name, "server_max_window_bits")) {
                offer.serverMaxWindowBits = windowBits(param.value);
            } else if (sameToken(param.name, "client_max_window_bits")) {
                offer.clientMaxWindowBits = windowBits(param.value);
                offer.clientMaxWindowBitsValueless = !param.value.has_value();
            }
        }
        return offer;  // the first offer: the one a server would pick first
    }
    return std::nullopt;
}

QString replayStepsProblem(const std::vector<ReplayStep>& steps) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const ReplayStep& step = steps[i];
        if (!isReplayableOpcode(step.opcode)) {
            return QStringLiteral(
                       "%1: opcode %2 cannot be sent (text, binary, ping, pong or close)")
                .arg(stepName(i), replayOpcodeName(step.opcode));
        }
        const bool control = isControlOpcode(step.opcode);
        if (step.fragments < 1 || (control && step.fragments != 1)) {
            return control ? QStringLiteral("%1: a %2 frame cannot be fragmented (fragments %3)")
                                 .arg(stepName(i), replayOpcodeName(step.opcode))
                                 .arg(step.fragments)
                           : QStringLiteral("%1: fragments must be at least 1 (got %2)")
                                 .arg(stepName(i))
                                 .arg(step.fragments);
        }
        if (!step.frameSizes.empty()) {
            if (const QString problem = frameSizesProblem(step); !problem.isEmpty()) {
                return QStringLiteral("%1: %2").arg(stepName(i), problem);
            }
        }
        const qsizetype controlBytes =
            step.payload.size() + (step.opcode == kClose && step.closeCode ? 2 : 0);
        if (control && controlBytes > kMaxControlPayload) {
            return QStringLiteral("%1: a %2 payload is at most 125 bytes (got %3)")
                .arg(stepName(i), replayOpcodeName(step.opcode))
                .arg(controlBytes);
        }
        if (step.opcode == kClose && step.closeCode && !isValidCloseCodeOnWire(*step.closeCode)) {
            // The endpoint refuses it; said here, not as "the connection is no longer open".
            return QStringLiteral(
                       "%1: close code %2 may not be sent in a close frame (RFC 6455 "
                       "§7.4)")
                .arg(stepName(i))
                .arg(*step.closeCode);
        }
        if (step.opcode == kClose && !step.closeCode && !step.payload.isEmpty()) {
            return QStringLiteral("%1: a close with a reason needs a code").arg(stepName(i));
        }
        if (step.opcode == kClose && i + 1 != steps.size()) {
            return QStringLiteral("%1: a close must be the last step (%2 more follow)")
                .arg(stepName(i))
                .arg(steps.size() - i - 1);
        }
    }
    return {};
}

ClientOptions replayClientOptions(const ReplayScript& script, ClientOptions base) {
    base.subprotocols.clear();
    for (const QString& protocol : script.subprotocols) {
        base.subprotocols.push_back(protocol.toStdString());
    }
    base.extraHeaders.clear();
    for (const auto& [name, value] : script.headers) {
        base.extraHeaders.push_back({name.toStdString(), value.toStdString()});
    }
    const std::optional<DeflateClientOffer> offer = recordedDeflateOffer(script.extensions);
    base.deflate = offer.has_value();
    if (offer) {
        base.deflateOffer = *offer;
    }
    // The recorded pongs are steps of their own: answering pings as well would send extra ones.
    base.autoPong = std::none_of(script.steps.begin(), script.steps.end(),
                                 [](const ReplayStep& s) { return s.opcode == kPong; });
    return base;
}

QString replayDefaultUrl(const ReplayScript& script) {
    if (script.host.isEmpty()) {
        return {};
    }
    const QString target = script.target.startsWith(u'/') ? script.target : u'/' + script.target;
    return QStringLiteral("ws://") + script.host + target;
}

ReplayRunner::ReplayRunner(ClientOptions client, ReplayOptions options, QObject* parent)
    : QObject(parent), clientOptions_(std::move(client)), options_(options) {
    stepTimer_.setSingleShot(true);
    stepTimer_.setTimerType(Qt::PreciseTimer);  // recorded gaps of a few ms stay a few ms
    waitTimer_.setSingleShot(true);
    settleTimer_.setSingleShot(true);
    connect(&stepTimer_, &QTimer::timeout, this, &ReplayRunner::sendNext);
    connect(&waitTimer_, &QTimer::timeout, this, [this] {
        if (!draining_) {
            sendNext();  // the answers it waited for did not all come: send anyway
        } else if (!closingOurselves_) {
            closeOurselves();
        } else if (connection_) {
            connection_->abort();  // the close handshake did not end in time
        }
    });
    connect(&settleTimer_, &QTimer::timeout, this, &ReplayRunner::closeOurselves);
}

ReplayRunner::~ReplayRunner() {
    // The connection is our client's child: its last signals must not reach a half-destroyed
    // runner.
    if (connection_) {
        disconnect(connection_, nullptr, this, nullptr);
    }
}

WebSocketConnection* ReplayRunner::connection() const {
    return connection_;
}

bool ReplayRunner::start(const WebSocketUrl& url, std::vector<ReplayStep> steps,
                         int expectedAnswers, QString* error) {
    const auto refuse = [error](const QString& why) {
        if (error) {
            *error = why;
        }
        return false;
    };
    if (started_) {
        return refuse(QStringLiteral("this replay has already run"));
    }
    if (const QString problem = replayStepsProblem(steps); !problem.isEmpty()) {
        return refuse(problem);
    }
    steps_ = std::move(steps);
    expectedAnswers_ = std::max(0, expectedAnswers);
    client_ = new WebSocketClient(clientOptions_, this);
    QString why;
    connection_ = client_->open(url, &why);
    if (!connection_) {
        return refuse(why);
    }
    started_ = true;
    running_ = true;
    WebSocketConnection* c = connection_;
    connect(c, &WebSocketConnection::handshakeDone, this, &ReplayRunner::onHandshakeDone);
    connect(c, &WebSocketConnection::handshakeFailed, this,
            [this](const event::HandshakeFailed& failed) {
                fail(QStringLiteral("the handshake failed (HTTP %1): %2")
                         .arg(failed.status)
                         .arg(QString::fromStdString(failed.error.detail)));
            });
    connect(c, &WebSocketConnection::errorOccurred, this, &ReplayRunner::fail);
    connect(c, &WebSocketConnection::protocolFailed, this,
            [this](const event::ProtocolFailed& failed) {
                fail(QStringLiteral("the server broke the protocol: %1")
                         .arg(QString::fromStdString(failed.error.detail)));
            });
    connect(c, &WebSocketConnection::messageReceived, this, [this](const event::Message& m) {
        addAnswer(m.opcode, toQByteArray(m.payload), int(m.frames));
    });
    connect(c, &WebSocketConnection::pingReceived, this,
            [this](const event::Ping& p) { addAnswer(kPing, toQByteArray(p.payload), 1); });
    connect(c, &WebSocketConnection::pongReceived, this,
            [this](const event::Pong& p) { addAnswer(kPong, toQByteArray(p.payload), 1); });
    connect(c, &WebSocketConnection::closeReceived, this, [this](const event::CloseReceived& cr) {
        if (closingOurselves_) {
            return;
        }
        addAnswer(kClose, QByteArray::fromStdString(cr.reason), 1, cr.code);
        if (!draining_ && sent_ < steps_.size()) {
            fail(QStringLiteral("the server closed the connection (close code %1) before step %2 "
                                "of %3 was sent")
                     .arg(cr.code ? QString::number(*cr.code) : QStringLiteral("none"))
                     .arg(sent_ + 1)
                     .arg(steps_.size()));
        }
    });
    connect(c, &WebSocketConnection::closed, this, &ReplayRunner::onClosed);
    emit connectionStarted(c);
    return true;
}

void ReplayRunner::stop() {
    if (!running_) {
        return;
    }
    if (error_.isEmpty()) {
        error_ = QStringLiteral("stopped");
    }
    stepTimer_.stop();
    waitTimer_.stop();
    settleTimer_.stop();
    if (connection_ && !connection_->isFinished()) {
        connection_->abort();  // closed() follows and finishes the run
    } else {
        finish();
    }
}

qint64 ReplayRunner::nowNs() const {
    return clock_.isValid() ? clock_.nsecsElapsed() : 0;
}

void ReplayRunner::onHandshakeDone() {
    clock_.start();
    open_ = true;
    emit connected();
    scheduleNext();
}

void ReplayRunner::addAnswer(std::uint8_t opcode, QByteArray payload, int fragments,
                             std::optional<std::uint16_t> closeCode) {
    ReplayStep answer;
    answer.opcode = opcode;
    answer.payload = std::move(payload);
    answer.fragments = fragments;
    answer.closeCode = closeCode;
    answer.offsetNs = nowNs() - firstSentNs_.value_or(0);
    answer.answersBefore = int(answers_.size());
    answers_.push_back(std::move(answer));
    emit answerReceived(int(answers_.size()) - 1);
    if (!draining_ && options_.pacing == ReplayPacing::AnswerPaced && waitTimer_.isActive() &&
        sent_ < steps_.size() && int(answers_.size()) >= steps_[sent_].answersBefore) {
        waitTimer_.stop();
        stepTimer_.start(0);
    }
    if (draining_) {
        checkDrained();
    }
}

void ReplayRunner::scheduleNext() {
    if (!open_ || finished_) {
        return;
    }
    if (sent_ >= steps_.size()) {
        afterLastStep();
        return;
    }
    const ReplayStep& step = steps_[sent_];
    switch (options_.pacing) {
        case ReplayPacing::AsFastAsPossible:
            stepTimer_.start(0);
            break;
        case ReplayPacing::AsRecorded:
            stepTimer_.start(sent_ == 0 ? std::chrono::milliseconds(0)
                                        : recordedGap(steps_[sent_ - 1], step, options_));
            break;
        case ReplayPacing::AnswerPaced:
            if (int(answers_.size()) >= step.answersBefore) {
                stepTimer_.start(0);
            } else {
                waitTimer_.start(options_.answerWait);
            }
            break;
    }
}

void ReplayRunner::sendNext() {
    if (!open_ || finished_ || sent_ >= steps_.size() || !connection_) {
        return;
    }
    const ReplayStep& step = steps_[sent_];
    bool ok = false;
    switch (step.opcode) {
        case kText:
        case kBinary:
            ok = step.frameSizes.empty()
                     ? connection_->sendMessage(step.opcode, bytesOf(step.payload),
                                                std::size_t(step.fragments))
                     : sendByFrames(*connection_, step);
            break;
        case kPing:
            ok = connection_->ping(bytesOf(step.payload));
            break;
        case kPong:
            ok = connection_->pong(bytesOf(step.payload));
            break;
        case kClose:
            ok = connection_->close(
                step.closeCode,
                std::string_view(step.payload.constData(), std::size_t(step.payload.size())));
            break;
        default:
            break;
    }
    if (!ok) {
        // The server closed first (or the transport went): the remaining steps cannot go.
        fail(QStringLiteral("%1 of %2 could not be sent: the connection is no longer open")
                 .arg(stepName(sent_))
                 .arg(steps_.size()));
        return;
    }
    if (!firstSentNs_) {
        firstSentNs_ = nowNs();
        for (ReplayStep& answer : answers_) {
            answer.offsetNs -= *firstSentNs_;  // received before the first step
        }
    }
    ++sent_;
    emit stepSent(int(sent_) - 1);
    scheduleNext();
}

void ReplayRunner::afterLastStep() {
    if (draining_) {
        return;
    }
    draining_ = true;
    // After a close step this is only a backstop: the connection's own close timeout comes first.
    waitTimer_.start(options_.finalWait);
    checkDrained();
}

void ReplayRunner::checkDrained() {
    const bool scriptClosed = !steps_.empty() && steps_.back().opcode == kClose;
    if (scriptClosed || closingOurselves_ || settleTimer_.isActive()) {
        return;
    }
    if (int(answers_.size()) >= expectedAnswers_) {
        settleTimer_.start(options_.settle);
    }
}

void ReplayRunner::closeOurselves() {
    if (closingOurselves_ || !connection_ || connection_->isFinished()) {
        return;
    }
    closingOurselves_ = true;
    settleTimer_.stop();
    if (connection_->state() == EndpointState::Open) {
        connection_->close(close_code::Normal);
    }
    // Closing now, or already (the server closed first, or the handshake is
    // still running): the backstop aborts what does not end in time.
    waitTimer_.start(options_.finalWait);
}

void ReplayRunner::onClosed(const event::Closed& info) {
    if (sent_ < steps_.size() && error_.isEmpty()) {
        error_ =
            QStringLiteral("the connection ended after %1 of %2 steps (close code %3%4)")
                .arg(sent_)
                .arg(steps_.size())
                .arg(info.code ? QString::number(*info.code) : QStringLiteral("none"))
                .arg(info.reason.empty()
                         ? QString()
                         : QStringLiteral(", \"%1\"").arg(QString::fromStdString(info.reason)));
    }
    finish();
}

void ReplayRunner::fail(const QString& why) {
    if (error_.isEmpty()) {
        error_ = why;
    }
    if (connection_ && !connection_->isFinished()) {
        // No more steps; the connection reports closed() when it is gone, which finishes the run.
        stepTimer_.stop();
        draining_ = true;
        closeOurselves();
        return;
    }
    finish();
}

void ReplayRunner::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    running_ = false;
    stepTimer_.stop();
    waitTimer_.stop();
    settleTimer_.stop();
    emit finished(error_);
}

}  // namespace sockscope::session
