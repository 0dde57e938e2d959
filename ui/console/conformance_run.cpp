#include "console/conformance_run.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QTcpSocket>
#include <QTimer>

#include "session/conformance_catalogue.h"
#include "session/qt_text.h"
#include "session/websocket_url.h"
#include "sockscope/core/http_message.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {
namespace {

namespace conformance = session::conformance;

// How long a client process may take to exit after its case ended (as the CLI gives it).
constexpr int kClientExitMs = 2000;

}  // namespace

ConformanceRun::ConformanceRun(ConformancePlan plan, QObject* parent)
    : QObject(parent), plan_(std::move(plan)) {}

ConformanceRun::~ConformanceRun() {
    // The runners go first, quietly: their sessions must not report into a half-destroyed run.
    for (QObject* runner : {static_cast<QObject*>(serverRunner_.data()),
                            static_cast<QObject*>(clientRunner_.data())}) {
        if (runner) {
            QObject::disconnect(runner, nullptr, this, nullptr);
            delete runner;
        }
    }
}

std::vector<const conformance::Case*> ConformanceRun::select(const ConformancePlan& plan,
                                                             QString* error) {
    const conformance::Applies peer = plan.target == ConformancePlan::Target::Client
                                          ? conformance::Applies::ClientOnly
                                          : conformance::Applies::ServerOnly;
    const QString patterns = plan.cases.trimmed();
    conformance::Selection selection = conformance::selectCases(patterns.toStdString(), peer);
    if (!selection.error.empty()) {
        if (error)
            *error = tr("Cases: %1").arg(fromStd(selection.error));
        return {};
    }
    if (plan.group.isEmpty())
        return std::move(selection.cases);
    const std::string group = plan.group.toStdString();
    std::vector<const conformance::Case*> cases;
    for (const conformance::Case* testCase : selection.cases) {
        if (testCase->group() == group)
            cases.push_back(testCase);
    }
    if (cases.empty() && error) {
        const QString peerName =
            peer == conformance::Applies::ClientOnly ? tr("a client") : tr("a server");
        *error = patterns.isEmpty()
                     ? tr("The group '%1' has no case for %2").arg(plan.group, peerName)
                     : tr("No case of the group '%1' matches '%2'").arg(plan.group, patterns);
    }
    return cases;
}

bool ConformanceRun::fail(const QString& message) {
    error_ = message;
    return false;
}

bool ConformanceRun::start() {
    if (running_ || serverRunner_ || clientRunner_)
        return fail(tr("This run has started already"));
    QString why;
    cases_ = select(plan_, &why);
    if (cases_.empty())
        return fail(why);
    conformance::SessionSettings settings;
    settings.timeoutMs = plan_.timeoutMs;

    if (plan_.target == ConformancePlan::Target::Server) {
        const session::WebSocketUrlParse parsed = session::parseWebSocketUrl(plan_.url.trimmed());
        if (!parsed.url)
            return fail(tr("Invalid URL '%1': %2").arg(plan_.url, parsed.error));
        if (parsed.url->secure) {
            return fail(
                tr("wss:// is not supported by the conformance tester yet: test the server "
                   "over ws://"));
        }
        settings.target = parsed.url->target;
        settings.hostHeader = parsed.url->hostHeader;
        auto* runner = new conformance::ServerRunner(parsed.url->host, parsed.url->port, cases_,
                                                     settings, this);
        serverRunner_ = runner;
        connect(runner, &conformance::ServerRunner::caseStarted, this,
                &ConformanceRun::onSessionStarted);
        connect(runner, &conformance::ServerRunner::caseFinished, this,
                &ConformanceRun::onCaseFinished);
        connect(runner, &conformance::ServerRunner::finished, this,
                &ConformanceRun::onRunnerFinished);
        running_ = true;
        runner->start();
        return true;
    }

    if (!plan_.host.isLoopback() && !plan_.allowRemote) {
        return fail(tr("%1 is not a loopback address: allow other machines to connect to "
                       "listen there")
                        .arg(plan_.host.toString()));
    }
    auto* runner = new conformance::ClientRunner(cases_, settings, this);
    if (!runner->listen(plan_.host, plan_.port)) {
        const QString message = tr("Cannot listen on %1 port %2: %3")
                                    .arg(plan_.host.toString())
                                    .arg(plan_.port)
                                    .arg(runner->errorString());
        delete runner;
        return fail(message);
    }
    clientRunner_ = runner;
    // Kept: the runner stops listening when the run ends, the URLs stay in the report.
    listenPort_ = runner->port();
    runner->setCleanup([this] { reapClient(); });
    connect(runner, &conformance::ClientRunner::clientWanted, this,
            [this](const QString& url, const conformance::Case* testCase) {
                currentUrl_ = url;
                emit caseStarted(testCase, int(results_.size()), url);
                if (!plan_.command.isEmpty())
                    launchClient(url);
            });
    connect(runner, &conformance::ClientRunner::caseStarted, this,
            &ConformanceRun::onSessionStarted);
    connect(runner, &conformance::ClientRunner::caseFinished, this,
            &ConformanceRun::onCaseFinished);
    connect(runner, &conformance::ClientRunner::finished, this, &ConformanceRun::onRunnerFinished);
    running_ = true;
    runner->start();
    return true;
}

void ConformanceRun::stop() {
    if (!running_)
        return;
    stopped_ = true;
    running_ = false;
    for (QObject* runner : {static_cast<QObject*>(serverRunner_.data()),
                            static_cast<QObject*>(clientRunner_.data())}) {
        if (runner) {
            QObject::disconnect(runner, nullptr, this, nullptr);
            // Later: stop() may be called from inside one of its signals.
            runner->deleteLater();
        }
    }
    session_ = nullptr;
    recording_.reset();
    currentUrl_.clear();
    reapClient();
    emit finished();
}

const conformance::Case* ConformanceRun::currentCase() const {
    if (!running_ || results_.size() >= cases_.size())
        return nullptr;
    return cases_[results_.size()];
}

QString ConformanceRun::urlPattern() const {
    if (listenPort_ == 0)
        return {};
    QString host = plan_.host.toString();
    if (plan_.host.protocol() == QAbstractSocket::IPv6Protocol)
        host = u'[' + host + u']';
    return u"ws://"_s + host + u':' + QString::number(listenPort_) + u"/case/ID"_s;
}

void ConformanceRun::onSessionStarted(conformance::CaseSession* session) {
    session_ = session;
    clientConnected_ = true;
    recording_ = std::make_shared<CaseRecording>(session->testerRole());
    if (session->testerRole() == Role::Server) {
        const std::string head = serializeRequest(session->request());
        recording_->setPeerHead(QByteArray::fromStdString(head));
    }
    connect(session, &conformance::CaseSession::wireBytes, session,
            [recording = recording_](bool outgoing, const QByteArray& bytes) {
                recording->add(outgoing,
                               std::span(reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                                         std::size_t(bytes.size())));
            });
    if (serverRunner_)
        emit caseStarted(currentCase(), int(results_.size()), QString());
}

void ConformanceRun::onCaseFinished(const conformance::CaseResult& result) {
    std::shared_ptr<const CaseRecording> recording = std::exchange(recording_, nullptr);
    QString unreachable;
    if (session_) {
        if (session_->observation().handshakeError.rfind("cannot connect", 0) == 0) {
            unreachable = tr("Cannot connect to %1: %2")
                              .arg(plan_.url.trimmed(), session_->socket()->errorString());
        } else {
            connectedOnce_ = true;
        }
    }
    session_ = nullptr;
    results_.push_back(result);
    emit caseFinished(result, std::move(recording));
    if (unreachable.isEmpty())
        return;
    // Nothing was ever reached: every other case would fail the same way (or wait out its timeout).
    if (!connectedOnce_) {
        report(unreachable + u"; "_s + tr("the run stopped."));
        stop();
    } else {
        report(unreachable);
    }
}

void ConformanceRun::onRunnerFinished() {
    running_ = false;
    currentUrl_.clear();
    reapClient();
    emit finished();
}

void ConformanceRun::launchClient(const QString& url) {
    if (childFailed_)
        return;
    clientConnected_ = false;
    auto* child = new QProcess(this);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"SOCKSCOPE_CONFORM_URL"_s, url);
    child->setProcessEnvironment(environment);
    child->setStandardInputFile(QProcess::nullDevice());
    child->setStandardOutputFile(QProcess::nullDevice());
    child->setStandardErrorFile(QProcess::nullDevice());
    const QString program = plan_.command.first();
    connect(child, &QProcess::errorOccurred, this,
            [this, child, program](QProcess::ProcessError e) {
                if (e != QProcess::FailedToStart || childFailed_)
                    return;
                childFailed_ = true;
                report(tr("Cannot run '%1': %2").arg(program, child->errorString()));
                stop();
            });
    // An exit after connecting is the client's business (many cases make it fail);
    // one before is worth saying: a wrong argument, a client that cannot connect.
    connect(child, &QProcess::finished, this,
            [this, program, url](int code, QProcess::ExitStatus status) {
                if (clientConnected_)
                    return;
                if (status == QProcess::CrashExit)
                    report(tr("'%1' crashed before connecting to %2").arg(program, url));
                else
                    report(tr("'%1' exited with status %2 before connecting to %3")
                               .arg(program)
                               .arg(code)
                               .arg(url));
            });
    child_ = child;
    // Arguments go to the program as they are: no shell ever sees them.
    child->start(program, plan_.command.mid(1) + QStringList{url});
}

void ConformanceRun::reapClient() {
    QProcess* child = child_.data();
    child_ = nullptr;
    if (!child)
        return;
    // What it does from now on (exit, or be killed) is no news.
    QObject::disconnect(child, nullptr, this, nullptr);
    if (child->state() == QProcess::NotRunning) {
        child->deleteLater();
        return;
    }
    connect(child, &QProcess::finished, child, &QObject::deleteLater);
    QTimer::singleShot(kClientExitMs, child, [child] { child->kill(); });
}

void ConformanceRun::report(const QString& message) {
    error_ = message;
    emit problem(message);
}

}  // namespace sockscope::ui
