#include "session/conform_command.h"

#include <QProcess>
#include <QProcessEnvironment>

#include "session/cli_common.h"
#include "session/conformance_catalogue.h"
#include "session/console_output.h"
#include "session/qt_text.h"
#include "session/websocket_url.h"

namespace sockscope::session {
namespace {

using conformance::Applies;
using conformance::CaseResult;

// How long a client process may take to exit after its case ended.
constexpr int kClientExitMs = 2000;

}  // namespace

ConformCommand::ConformCommand(ConformOptions options, QObject* parent)
    : QObject(parent), options_(std::move(options)) {}

ConformCommand::~ConformCommand() {
    reapClient();
}

bool ConformCommand::start() {
    const Applies peer = options_.serve ? Applies::ClientOnly : Applies::ServerOnly;
    conformance::Selection selection = conformance::selectCases(options_.cases.toStdString(), peer);
    if (!selection.error.empty()) {
        printError(u"conform: --cases: " + fromStd(selection.error));
        exitStatus_ = exit_status::Usage;
        return false;
    }
    if (options_.list) {
        for (const conformance::Case* testCase : selection.cases) {
            writeLine(stdout, fromStd(testCase->id).leftJustified(9) +
                                  fromStd(testCase->group()).leftJustified(21) +
                                  fromStd(testCase->rfc).leftJustified(17) +
                                  fromStd(testCase->description));
        }
        exitStatus_ = exit_status::Ok;
        return false;
    }
    return options_.serve ? startClientRun(std::move(selection.cases))
                          : startServerRun(std::move(selection.cases));
}

bool ConformCommand::startServerRun(std::vector<const conformance::Case*> cases) {
    const WebSocketUrlParse parsed = parseWebSocketUrl(options_.url);
    if (!parsed.url) {
        printError(u"conform: invalid URL '" + options_.url + u"': " + parsed.error);
        exitStatus_ = exit_status::Usage;
        return false;
    }
    if (parsed.url->secure) {
        printError(
            QStringLiteral("conform: wss:// is not supported yet; test the server over ws://"));
        exitStatus_ = exit_status::Usage;
        return false;
    }
    conformance::SessionSettings settings;
    settings.timeoutMs = options_.timeoutMs;
    settings.target = parsed.url->target;
    settings.hostHeader = parsed.url->hostHeader;
    serverRunner_ = std::make_unique<conformance::ServerRunner>(parsed.url->host, parsed.url->port,
                                                                std::move(cases), settings);
    connect(serverRunner_.get(), &conformance::ServerRunner::caseFinished, this,
            &ConformCommand::onCase);
    connect(serverRunner_.get(), &conformance::ServerRunner::finished, this,
            [this] { onRunFinished(serverRunner_->results()); });
    serverRunner_->start();
    return true;
}

bool ConformCommand::startClientRun(std::vector<const conformance::Case*> cases) {
    if (options_.command.isEmpty()) {
        printError(QStringLiteral("conform: --serve needs the client to run: -- CMD ARGS..."));
        exitStatus_ = exit_status::Usage;
        return false;
    }
    conformance::SessionSettings settings;
    settings.timeoutMs = options_.timeoutMs;
    clientRunner_ = std::make_unique<conformance::ClientRunner>(std::move(cases), settings);
    if (!clientRunner_->listen(options_.host, options_.port)) {
        printError(u"conform: cannot listen on port " + QString::number(options_.port) + u": " +
                   clientRunner_->errorString());
        exitStatus_ = exit_status::Failure;
        return false;
    }
    if (!options_.host.isLoopback()) {
        writeLine(stderr, u"sockscope-cli: warning: the conformance tester listens on " +
                              options_.host.toString() +
                              u", not only on loopback: anyone who can reach it may connect");
    }
    writeLine(stderr, u"sockscope-cli: conformance tester listening on ws://" +
                          options_.host.toString() + u':' + QString::number(clientRunner_->port()) +
                          u"/case/ID");
    clientRunner_->setCleanup([this] { reapClient(); });
    connect(clientRunner_.get(), &conformance::ClientRunner::clientWanted, this,
            [this](const QString& url) { launchClient(url); });
    connect(clientRunner_.get(), &conformance::ClientRunner::caseFinished, this,
            &ConformCommand::onCase);
    connect(clientRunner_.get(), &conformance::ClientRunner::finished, this,
            [this] { onRunFinished(clientRunner_->results()); });
    clientRunner_->start();
    return true;
}

void ConformCommand::launchClient(const QString& url) {
    if (childFailed_) {
        return;
    }
    auto* child = new QProcess(this);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SOCKSCOPE_CONFORM_URL"), url);
    child->setProcessEnvironment(environment);
    child->setStandardInputFile(QProcess::nullDevice());
    child->setStandardOutputFile(QProcess::nullDevice());
    if (!options_.verbose) {
        child->setStandardErrorFile(QProcess::nullDevice());
    } else {
        child->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    }
    connect(child, &QProcess::errorOccurred, this, [this, child](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart || childFailed_) {
            return;
        }
        childFailed_ = true;
        printError(u"conform: cannot run '" + options_.command.first() + u"': " +
                   child->errorString());
        exitStatus_ = exit_status::Failure;
        clientRunner_->stop();
        emit finished(exitStatus_);
    });
    child_ = child;
    // Arguments go to the program as they are: no shell ever sees them.
    child->start(options_.command.first(), options_.command.mid(1) + QStringList{url});
}

void ConformCommand::reapClient() {
    QProcess* child = child_.data();
    if (!child) {
        return;
    }
    child_ = nullptr;
    if (child->state() != QProcess::NotRunning && !child->waitForFinished(kClientExitMs)) {
        child->kill();
        child->waitForFinished(kClientExitMs);
    }
    child->deleteLater();
}

void ConformCommand::interrupt() {
    interrupted_ = true;
    if (serverRunner_) {
        serverRunner_->stop();
    }
    if (clientRunner_) {
        clientRunner_->stop();
    }
}

void ConformCommand::onCase(const CaseResult& result) {
    writeLine(stdout, options_.format == OutputFormat::Jsonl ? conformance::caseLineJson(result)
                                                             : conformance::caseLineText(result));
}

void ConformCommand::onRunFinished(const std::vector<CaseResult>& results) {
    if (childFailed_) {
        return;  // reported already
    }
    const conformance::Summary summary = conformance::summarize(results);
    const QStringList lines = options_.format == OutputFormat::Jsonl
                                  ? conformance::summaryLinesJson(summary)
                                  : conformance::summaryLinesText(summary);
    for (const QString& line : lines) {
        writeLine(stdout, line);
    }
    if (interrupted_) {
        exitStatus_ = exit_status::Interrupted;
    } else {
        exitStatus_ = summary.allPassed() ? exit_status::Ok : exit_status::Failure;
    }
    emit finished(exitStatus_);
}

}  // namespace sockscope::session
