#pragma once
// One conformance case over one TCP connection: the tester plays the other
// role against the peer under test (a client against a server, a server
// against a client), writes the case's bytes with its write sizes and
// pauses, watches what comes back, and ends with a verdict. Every wait is
// bounded by the case's timeout: a peer that hangs costs that long, no more.

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "session/conformance_case.h"
#include "session/conformance_script_writer.h"
#include "session/conformance_verdict.h"
#include "sockscope/core/http_message.h"
#include "sockscope/core/message_reader.h"

class QTcpSocket;

namespace sockscope::session::conformance {

class PeerReader;

struct SessionSettings {
    int timeoutMs = 5000;  // per case, times the case's timeoutFactor
    // Testing a server: the request target and Host field ("" : host:port).
    std::string target = "/";
    std::string hostHeader;
};

struct CaseResult {
    const Case* testCase = nullptr;
    Verdict verdict = Verdict::Fail;
    std::string reason;
    qint64 milliseconds = 0;
};

class CaseSession final : public QObject {
    Q_OBJECT
public:
    // Tests the server at host:port: the tester connects as a client.
    CaseSession(const Case& testCase, const QString& host, quint16 port, SessionSettings settings,
                QObject* parent = nullptr);
    // Tests a client: `socket` was accepted and its upgrade request read
    // (`leftover`: bytes that followed the request). Takes the socket.
    CaseSession(const Case& testCase, QTcpSocket* socket, HttpRequest request, QByteArray leftover,
                SessionSettings settings, QObject* parent = nullptr);
    ~CaseSession() override;

    void start();
    QTcpSocket* socket() const { return socket_; }
    Role testerRole() const { return tester_; }
    // Testing a client: its upgrade request, which the runner read before
    // this session began (so it is not among the wireBytes()).
    const HttpRequest& request() const { return request_; }
    const Observation& observation() const { return seen_; }
    bool isFinished() const { return finished_; }

signals:
    // TCP is up, before any byte goes either way (a recorder starts here).
    void opened();
    void wireBytes(bool outgoing, const QByteArray& bytes);
    // Once, from the event loop, after the connection is gone.
    void finished(const sockscope::session::conformance::CaseResult& result);

private:
    void connectSocket();
    void onConnected();
    void onReadyRead();
    void onDisconnected();
    void onPauseOver();
    void onDeadline();

    void readHead(std::span<const std::uint8_t> bytes);
    void answerClient();
    void open(std::optional<DeflateParams> deflate, QByteArray leftover);
    void feedPeer(std::span<std::uint8_t> bytes);
    void collect();
    void onPeerClose();

    void advance();
    void advanceOnce();
    Bytes takeLeadingBytes(bool* endsMidFrame = nullptr);
    void writeChunked(const Bytes& bytes, std::size_t chop);
    void sendFrameNow(std::uint8_t opcode, std::span<const std::uint8_t> payload);
    void sendClose(std::optional<std::uint16_t> code);
    void stepsDone();
    void checkProgress();
    void extendDeadline(int atLeastMs);
    void closeTcp();
    void finish();

    const Case& case_;
    Script script_;
    SessionSettings settings_;
    Role tester_;
    QString host_;
    quint16 port_ = 0;
    QTcpSocket* socket_ = nullptr;
    HttpRequest request_;
    QByteArray leftover_;
    std::string key_;

    enum class Phase : std::uint8_t { Connecting, Handshake, Open, Done };
    Phase phase_ = Phase::Connecting;
    std::vector<std::uint8_t> head_;
    std::vector<std::uint8_t> readBuffer_;
    std::unique_ptr<PeerReader> reader_;
    std::unique_ptr<ScriptWriter> writer_;
    std::size_t chop_ = 0;

    std::deque<WireAction> actions_;
    std::vector<Bytes> pendingPongs_;

    bool advancing_ = false;
    bool again_ = false;
    bool waiting_ = false;
    std::size_t awaitTarget_ = 0;
    bool midFrame_ = false;
    bool stepsDone_ = false;
    bool sendingStopped_ = false;
    bool closeSent_ = false;
    bool weClosedTcp_ = false;
    bool finished_ = false;
    std::size_t peerReplies_ = 0;
    std::size_t expectedPeerReplies_ = 0;
    std::string pauseMarker_;

    Observation seen_;
    CaseResult result_;
    QTimer deadline_;
    QTimer pauseTimer_;
    QTimer lingerTimer_;
    QElapsedTimer clock_;
};

}  // namespace sockscope::session::conformance
