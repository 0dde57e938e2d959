#pragma once
// Runs a replay script's steps as a new client connection (WebSocketClient):
// connects, sends every step in order, paced as recorded, as fast as
// possible, or each after the answers recorded before it, then waits (bounded)
// for the server's remaining answers and the close, and collects what the
// server sent with time offsets, ready for AnswerComparison.
//
// The connection is handed out by connectionStarted() before any byte moves,
// so a SessionRecorder can record it from its first byte.

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <chrono>
#include <optional>
#include <vector>

#include "session/replay_step.h"
#include "session/websocket_client.h"
#include "session/websocket_url.h"

namespace sockscope::session {

enum class ReplayPacing : std::uint8_t {
    AsRecorded,        // the recorded gaps, divided by `speed`, each at most `maxGap`
    AsFastAsPossible,  // one step per event loop turn
    AnswerPaced,       // a step waits for the answers recorded before it (at most `answerWait`)
};

struct ReplayOptions {
    ReplayPacing pacing = ReplayPacing::AsRecorded;
    double speed = 1.0;  // AsRecorded: 2 replays twice as fast; <= 0 counts as 1
    std::chrono::milliseconds maxGap{10'000};
    std::chrono::milliseconds answerWait{5'000};
    // After the last step: the longest wait for the answers still expected
    // (and, when the last step was a close, for the connection to end).
    std::chrono::milliseconds finalWait{5'000};
    // Once every expected answer is in: how long more to listen for extra ones.
    std::chrono::milliseconds settle{250};
};

// Why a step's frameSizes do not fit it (empty sizes always fit; else: text
// or binary, as many as `fragments`, at most kMaxReplayFrameSizes, adding up
// to the payload), without the step's name; empty when they fit.
QString frameSizesProblem(const ReplayStep& step);

// Why a script cannot be run as it is (which step, what is wrong); empty when it can.
QString replayStepsProblem(const std::vector<ReplayStep>& steps);

// The first permessage-deflate offer of a recorded Sec-WebSocket-Extensions
// value, with its parameters; nullopt when there is none (or the value does not parse).
std::optional<DeflateClientOffer> recordedDeflateOffer(const QString& extensions);

// `base` with the recorded handshake's offers: subprotocols, the extra headers,
// and permessage-deflate with the recorded parameters when it was offered
// (other extensions cannot be spoken).
// Automatic pongs are off when the script has pong steps (they are replayed as recorded).
ClientOptions replayClientOptions(const ReplayScript& script, ClientOptions base = {});
// "ws://" + the recorded Host + target; empty when no Host was recorded.
QString replayDefaultUrl(const ReplayScript& script);

class ReplayRunner final : public QObject {
    Q_OBJECT
public:
    explicit ReplayRunner(ClientOptions client, ReplayOptions options = {},
                          QObject* parent = nullptr);
    ~ReplayRunner() override;

    // Starts connecting; the rest is reported by the signals, finished() last.
    // `expectedAnswers`: how many server messages the recording holds (the
    // final wait ends early once this many have arrived). false + why when
    // the steps cannot be run (replayStepsProblem) or the connection cannot
    // start; a runner runs once.
    bool start(const WebSocketUrl& url, std::vector<ReplayStep> steps, int expectedAnswers,
               QString* error = nullptr);
    // Aborts the connection; finished() follows with "stopped".
    void stop();

    // nullptr before start().
    WebSocketConnection* connection() const;
    bool running() const { return running_; }
    const std::vector<ReplayStep>& steps() const { return steps_; }
    int stepsSent() const { return int(sent_); }
    // The server's messages so far, in order; offsets from when the first
    // step was sent (from the handshake until then).
    const std::vector<ReplayStep>& answers() const { return answers_; }
    // After finished(): empty when every step was sent and the run ended as planned.
    QString error() const { return error_; }

signals:
    // Before any byte of the connection moves: record it here.
    void connectionStarted(sockscope::session::WebSocketConnection* connection);
    void connected();
    void stepSent(int index);
    void answerReceived(int index);
    // Once, last; `error` as error().
    void finished(const QString& error);

private:
    void onHandshakeDone();
    void onClosed(const sockscope::event::Closed& info);
    void addAnswer(std::uint8_t opcode, QByteArray payload, int fragments,
                   std::optional<std::uint16_t> closeCode = std::nullopt);
    void scheduleNext();
    void sendNext();
    void afterLastStep();
    void checkDrained();
    void closeOurselves();
    void fail(const QString& why);
    void finish();
    qint64 nowNs() const;

    ClientOptions clientOptions_;
    ReplayOptions options_;
    WebSocketClient* client_ = nullptr;
    WebSocketConnection* connection_ = nullptr;
    std::vector<ReplayStep> steps_;
    std::vector<ReplayStep> answers_;
    int expectedAnswers_ = 0;
    std::size_t sent_ = 0;
    QTimer stepTimer_;
    QTimer
        waitTimer_;  // AnswerPaced: the wait for a step's answers; after the steps: the final wait
    QTimer settleTimer_;
    QElapsedTimer clock_;                // from the handshake
    std::optional<qint64> firstSentNs_;  // on clock_
    bool started_ = false;
    bool running_ = false;
    bool open_ = false;
    bool draining_ = false;
    bool closingOurselves_ = false;  // a close not in the script: its reply is no answer
    bool finished_ = false;
    QString error_;
};

}  // namespace sockscope::session
