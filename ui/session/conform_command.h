#pragma once
// `sockscope-cli conform`: the conformance suite on the console. Against a
// server: `conform ws://HOST:PORT/`, one connection per case. Against a
// client: `conform --serve PORT -- CMD ARGS...` listens on PORT and runs CMD
// once per case, with the case's URL ws://HOST:PORT/case/ID as its last
// argument and in $SOCKSCOPE_CONFORM_URL (never through a shell); the client
// connects there and echoes every message until the tester closes. One line
// per case on stdout as it ends, then one per group and one overall.

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <memory>

#include "session/conformance_report.h"
#include "session/conformance_runner.h"
#include "session/dissection_output.h"

class QProcess;

namespace sockscope::session {

struct ConformOptions {
    QString url;  // testing a server
    bool serve = false;
    QHostAddress host = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 0;     // --serve PORT (0: any free port, printed)
    QStringList command;  // --serve: the client under test and its arguments
    QString cases;        // --cases: comma-separated ids and patterns; empty: all
    OutputFormat format = OutputFormat::Text;
    int timeoutMs = 5000;
    bool list = false;  // print the selected cases and exit
    bool verbose = false;
};

class ConformCommand final : public QObject {
    Q_OBJECT
public:
    explicit ConformCommand(ConformOptions options, QObject* parent = nullptr);
    ~ConformCommand() override;

    // Starts the run (or prints the list). false: nothing to run, exitStatus() says why.
    bool start();
    int exitStatus() const { return exitStatus_; }
    // Ctrl-C: stops after the running case and reports what ran.
    void interrupt();

signals:
    void finished(int exitStatus);

private:
    bool startServerRun(std::vector<const conformance::Case*> cases);
    bool startClientRun(std::vector<const conformance::Case*> cases);
    void onCase(const conformance::CaseResult& result);
    void onRunFinished(const std::vector<conformance::CaseResult>& results);
    void launchClient(const QString& url);
    void reapClient();

    ConformOptions options_;
    std::unique_ptr<conformance::ServerRunner> serverRunner_;
    std::unique_ptr<conformance::ClientRunner> clientRunner_;
    QPointer<QProcess> child_;
    bool interrupted_ = false;
    bool childFailed_ = false;
    int exitStatus_ = 0;
};

}  // namespace sockscope::session
