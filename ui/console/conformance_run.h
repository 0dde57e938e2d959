#pragma once
// One run of the conformance suite for the console's conformance tab: the
// same ServerRunner / ClientRunner as `sockscope-cli conform`, the same case
// selection (a group and the CLI's --cases patterns), and the same way of
// starting a client under test per case (QProcess with an argument list, the
// case's URL appended and in $SOCKSCOPE_CONFORM_URL, never a shell). Each
// case's bytes are recorded (CaseRecording) for the drill-down.
//
// Unlike the CLI it never blocks the event loop: a client process gets its
// time to exit in the background, and Stop abandons the running case at
// once instead of waiting for it (a 16 MiB case may take many seconds).

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

#include "console/conformance_recording.h"
#include "session/conformance_runner.h"

class QProcess;

namespace sockscope::ui {

struct ConformancePlan {
    enum class Target : std::uint8_t { Server, Client };
    Target target = Target::Server;
    QString url;  // Server: ws://HOST:PORT/PATH
    // Client: where the tester listens (loopback unless allowRemote), 0: any free port.
    QHostAddress host = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 0;
    bool allowRemote = false;
    // Client: the program under test and its arguments, started per case; empty: none
    // (the client is started by hand, or by whoever listens to clientWanted()).
    QStringList command;
    QString group;  // a group's name ("framing"); empty: every group
    QString cases;  // the CLI's --cases: "1.*,6.4.*,7.3.2"; empty: all
    int timeoutMs = 5000;
};

class ConformanceRun : public QObject {
    Q_OBJECT

public:
    explicit ConformanceRun(ConformancePlan plan, QObject* parent = nullptr);
    ~ConformanceRun() override;

    // The cases `plan` selects (as the peer it tests), or empty with `error` set.
    static std::vector<const session::conformance::Case*> select(const ConformancePlan& plan,
                                                                 QString* error);

    // Checks the plan, selects, listens (testing a client) and starts. false: error() says why.
    bool start();
    // Ends the run now: the running case is abandoned (not reported), finished() follows.
    void stop();
    bool isRunning() const { return running_; }
    bool wasStopped() const { return stopped_; }

    const ConformancePlan& plan() const { return plan_; }
    const std::vector<const session::conformance::Case*>& cases() const { return cases_; }
    const std::vector<session::conformance::CaseResult>& results() const { return results_; }
    // The running case, or nullptr.
    const session::conformance::Case* currentCase() const;
    // Testing a client: "ws://127.0.0.1:PORT/case/ID" and the running case's URL.
    QString urlPattern() const;
    QString currentUrl() const { return currentUrl_; }
    QString error() const { return error_; }

signals:
    // A case begins (`index` counts from 0); testing a client, `url` is where it must connect.
    void caseStarted(const sockscope::session::conformance::Case* testCase, int index,
                     const QString& url);
    void caseFinished(const sockscope::session::conformance::CaseResult& result,
                      std::shared_ptr<const sockscope::ui::CaseRecording> recording);
    // Something the user must know that is no case's verdict: the server cannot be
    // reached, the client command cannot start. error() has the latest.
    void problem(const QString& message);
    void finished();

private:
    bool fail(const QString& message);
    void onSessionStarted(session::conformance::CaseSession* session);
    void onCaseFinished(const session::conformance::CaseResult& result);
    void onRunnerFinished();
    void launchClient(const QString& url);
    void reapClient();
    void report(const QString& message);

    ConformancePlan plan_;
    std::vector<const session::conformance::Case*> cases_;
    std::vector<session::conformance::CaseResult> results_;
    QPointer<session::conformance::ServerRunner> serverRunner_;
    QPointer<session::conformance::ClientRunner> clientRunner_;
    QPointer<session::conformance::CaseSession> session_;
    std::shared_ptr<CaseRecording> recording_;
    QPointer<QProcess> child_;
    QString currentUrl_;
    quint16 listenPort_ = 0;  // testing a client
    QString error_;
    bool running_ = false;
    bool stopped_ = false;
    bool connectedOnce_ = false;
    bool childFailed_ = false;
    bool clientConnected_ = false;  // the running case's client has connected
};

}  // namespace sockscope::ui
