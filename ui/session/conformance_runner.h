#pragma once
// Runs conformance cases one after another, one connection each. ServerRunner
// tests a server at ws://HOST:PORT/ (the tester connects as a client);
// ClientRunner tests a client: it listens, asks for the client under test to
// be started for each case (clientWanted with ws://HOST:PORT/case/ID), and
// plays the server for the connection that arrives on that path.

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <functional>
#include <vector>

#include "session/conformance_session.h"

class QTcpServer;
class QTcpSocket;

namespace sockscope::session::conformance {

class ServerRunner final : public QObject {
    Q_OBJECT
public:
    ServerRunner(QString host, quint16 port, std::vector<const Case*> cases,
                 SessionSettings settings, QObject* parent = nullptr);
    void start();
    // Stops after the running case (its result is still reported).
    void stop();
    const std::vector<CaseResult>& results() const { return results_; }

signals:
    // Before the session starts: connect to its opened()/wireBytes() to record it.
    void caseStarted(sockscope::session::conformance::CaseSession* session);
    void caseFinished(const sockscope::session::conformance::CaseResult& result);
    void finished();

private:
    void next();

    QString host_;
    quint16 port_;
    std::vector<const Case*> cases_;
    SessionSettings settings_;
    std::size_t index_ = 0;
    bool stopping_ = false;
    std::vector<CaseResult> results_;
};

class ClientRunner final : public QObject {
    Q_OBJECT
public:
    ClientRunner(std::vector<const Case*> cases, SessionSettings settings,
                 QObject* parent = nullptr);
    ~ClientRunner() override;
    // Port 0 picks a free one. false: errorString() says why.
    bool listen(const QHostAddress& address = QHostAddress::LocalHost, quint16 port = 0);
    QString errorString() const;
    quint16 port() const;
    // ws://HOST:PORT/case/ID
    QString caseUrl(const Case& testCase) const;
    // Called after each case, before the next client is wanted (the CLI
    // reaps its client process here, a test deletes its client).
    void setCleanup(std::function<void()> cleanup) { cleanup_ = std::move(cleanup); }
    void start();
    void stop();
    const std::vector<CaseResult>& results() const { return results_; }

signals:
    // Start the client under test now, pointed at `url`.
    void clientWanted(const QString& url, const sockscope::session::conformance::Case* testCase);
    void caseStarted(sockscope::session::conformance::CaseSession* session);
    void caseFinished(const sockscope::session::conformance::CaseResult& result);
    void finished();

private:
    void next();
    void onNewConnection();
    void onHeadBytes(QTcpSocket* socket);
    void refuse(QTcpSocket* socket, int status, const std::string& why);
    void noClient();
    void caseDone(const CaseResult& result);

    std::vector<const Case*> cases_;
    SessionSettings settings_;
    QTcpServer* server_;
    QHostAddress address_;
    std::function<void()> cleanup_;
    std::size_t index_ = 0;
    bool stopping_ = false;
    bool sessionRunning_ = false;
    QTimer connectTimer_;
    QPointer<QTcpSocket> pending_;  // the current case's connection while its head arrives
    std::vector<CaseResult> results_;
};

}  // namespace sockscope::session::conformance
