#pragma once
// Runs the built sockscope-cli for end-to-end tests. Output is collected while
// the event loop spins, so in-process peers (Qt servers and clients) keep
// working during every wait; every wait is bounded.

#include <QByteArray>
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>
#include <memory>

#include "../session/peer_process.h"

namespace sockscope::test {

inline QString cliPath() {
    return QStringLiteral(SOCKSCOPE_CLI_PATH);
}

class CliProcess {
public:
    explicit CliProcess(const QStringList& arguments) {
        QObject::connect(&process_, &QProcess::readyReadStandardOutput, &process_,
                         [this] { out_ += process_.readAllStandardOutput(); });
        QObject::connect(&process_, &QProcess::readyReadStandardError, &process_,
                         [this] { err_ += process_.readAllStandardError(); });
        process_.start(cliPath(), arguments);
    }
    ~CliProcess() {
        if (process_.state() != QProcess::NotRunning) {
            process_.terminate();
            if (!process_.waitForFinished(3000)) {
                process_.kill();
                process_.waitForFinished(3000);
            }
        }
    }
    CliProcess(const CliProcess&) = delete;
    CliProcess& operator=(const CliProcess&) = delete;

    void write(const QByteArray& bytes) { process_.write(bytes); }
    void closeStdin() { process_.closeWriteChannel(); }

    bool waitForStdout(const QByteArray& needle, int timeoutMs) {
        return spinUntil([&] { return out_.contains(needle); }, timeoutMs);
    }
    bool waitForStderr(const QByteArray& needle, int timeoutMs) {
        return spinUntil([&] { return err_.contains(needle); }, timeoutMs);
    }
    bool waitForExit(int timeoutMs) {
        const bool done = spinUntilFinished(process_, timeoutMs);
        out_ += process_.readAllStandardOutput();
        err_ += process_.readAllStandardError();
        return done;
    }
    // The exit status, -1 after a crash.
    int exitCode() const {
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }

    const QByteArray& out() const { return out_; }
    const QByteArray& err() const { return err_; }
    QList<QByteArray> errLines() const { return nonEmptyLines(err_); }
    QList<QByteArray> outLines() const { return nonEmptyLines(out_); }
    QProcess& process() { return process_; }

    // Whether some stderr line matches the whole pattern.
    bool errHasLineMatching(const QString& pattern) const {
        const QRegularExpression re(QRegularExpression::anchoredPattern(pattern));
        for (const QByteArray& line : errLines()) {
            if (re.match(QString::fromUtf8(line)).hasMatch()) {
                return true;
            }
        }
        return false;
    }

    static QList<QByteArray> nonEmptyLines(const QByteArray& text) {
        QList<QByteArray> lines = text.split('\n');
        lines.removeAll(QByteArray());
        return lines;
    }

private:
    QProcess process_;
    QByteArray out_;
    QByteArray err_;
};

// `sockscope-cli serve --port 0 ...`, started and waited for until it printed
// the port it listens on.
class ServeProcess : public CliProcess {
public:
    explicit ServeProcess(const QStringList& extraArguments)
        : CliProcess(
              QStringList{QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0")} +
              extraArguments) {
        static const QRegularExpression listening(
            QStringLiteral("listening on ws://[^ ]*:(\\d+)/"));
        if (waitForStderr("listening on ws://", 15000) && waitForStderr("/\n", 1000)) {
            const auto match = listening.match(QString::fromUtf8(err()));
            port_ = match.hasMatch() ? match.captured(1).toUShort() : 0;
        }
    }
    quint16 port() const { return port_; }
    QString url() const {
        return QStringLiteral("ws://127.0.0.1:") + QString::number(port_) + QStringLiteral("/");
    }

private:
    quint16 port_ = 0;
};

}  // namespace sockscope::test
