#pragma once
// Independent peers for interop tests: Debian's python3-websockets scripts in
// tests/session/peers, always run with /usr/bin/python3 (the python3 first on
// PATH may be another interpreter without the module). Every wait is bounded.

#include <QByteArray>
#include <QDeadlineTimer>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTest>
#include <optional>

namespace sockscope::test {

inline QString systemPython() {
    return QStringLiteral("/usr/bin/python3");
}

inline QString peerScript(const QString& name) {
    return QStringLiteral(SOCKSCOPE_SOURCE_DIR "/tests/session/peers/") + name;
}

// Empty when /usr/bin/python3 can import websockets; otherwise why not.
inline QString pythonWebsocketsMissing() {
    QProcess probe;
    probe.start(systemPython(), {QStringLiteral("-c"), QStringLiteral("import websockets")});
    if (!probe.waitForFinished(15000)) {
        probe.kill();
        probe.waitForFinished(2000);
        return QStringLiteral("/usr/bin/python3 did not answer");
    }
    if (probe.exitStatus() != QProcess::NormalExit || probe.exitCode() != 0) {
        return QStringLiteral(
            "/usr/bin/python3 cannot import websockets (install python3-websockets)");
    }
    return {};
}

// Runs the event loop (our in-process endpoints keep working) until `done()`
// is true or `timeoutMs` passed; returns done().
template <typename Predicate>
bool spinUntil(Predicate done, int timeoutMs) {
    const QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired()) {
            return false;
        }
        QTest::qWait(5);
    }
    return true;
}

inline bool spinUntilFinished(QProcess& process, int timeoutMs) {
    return spinUntil([&] { return process.state() == QProcess::NotRunning; }, timeoutMs);
}

// Kills a process still running at scope exit (a failed QVERIFY returns early).
class ProcessGuard {
public:
    explicit ProcessGuard(QProcess& process) : process_(process) {}
    ~ProcessGuard() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(3000);
        }
    }
    ProcessGuard(const ProcessGuard&) = delete;
    ProcessGuard& operator=(const ProcessGuard&) = delete;

private:
    QProcess& process_;
};

// Reads lines from a process's stdout (or stderr) until one starts with
// `prefix`, for at most `timeoutMs`; blocks (for peers in other processes).
inline std::optional<QByteArray> waitForLine(QProcess& process, const QByteArray& prefix,
                                             int timeoutMs, bool fromStderr = false) {
    process.setReadChannel(fromStderr ? QProcess::StandardError : QProcess::StandardOutput);
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        while (process.canReadLine()) {
            const QByteArray line = process.readLine().trimmed();
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        if (process.state() == QProcess::NotRunning) {
            return std::nullopt;
        }
        process.waitForReadyRead(static_cast<int>(qMax<qint64>(1, deadline.remainingTime())));
    }
    return std::nullopt;
}

// The python echo server, started by the constructor and stopped (stdin closed,
// then killed if it lingers) by the destructor.
class PythonEchoServer {
public:
    explicit PythonEchoServer(QStringList arguments = {}) {
        process_.start(systemPython(),
                       QStringList{peerScript(QStringLiteral("echo_server.py"))} + arguments);
        if (const auto line = waitForLine(process_, "PORT ", 15000)) {
            port_ = line->mid(5).toUShort();
        }
    }
    ~PythonEchoServer() {
        process_.closeWriteChannel();
        if (!process_.waitForFinished(3000)) {
            process_.kill();
            process_.waitForFinished(3000);
        }
    }
    PythonEchoServer(const PythonEchoServer&) = delete;
    PythonEchoServer& operator=(const PythonEchoServer&) = delete;

    // 0 when it did not start.
    quint16 port() const { return port_; }
    QString url() const { return u"ws://127.0.0.1:" + QString::number(port_) + u'/'; }
    QProcess& process() { return process_; }
    QByteArray errorOutput() { return process_.readAllStandardError(); }

private:
    QProcess process_;
    quint16 port_ = 0;
};

}  // namespace sockscope::test
