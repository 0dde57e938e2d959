#pragma once
// tests/dissector/tls_peer.py as a wss:// echo server (Debian's
// python3-websockets over Python's ssl): for the capture tests and for the
// CLI's TLS client options. Every wait is bounded.

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include "peer_process.h"

namespace sockscope::test {

inline QString tlsPeerScript() {
    return QStringLiteral(SOCKSCOPE_SOURCE_DIR "/tests/dissector/tls_peer.py");
}

// tls_peer.py server: started by the constructor (port() is 0 when it did
// not print its port within 15 s), stopped by the destructor.
class TlsPythonServer {
public:
    TlsPythonServer(const QStringList& arguments, const QProcessEnvironment& env) {
        process_.setProcessEnvironment(env);
        process_.start(systemPython(),
                       QStringList{tlsPeerScript(), QStringLiteral("server")} + arguments);
        if (const auto line = waitForLine(process_, "PORT ", 15000)) {
            port_ = line->mid(5).toUShort();
        }
    }
    ~TlsPythonServer() {
        process_.closeWriteChannel();
        if (!process_.waitForFinished(3000)) {
            process_.kill();
            process_.waitForFinished(3000);
        }
    }
    TlsPythonServer(const TlsPythonServer&) = delete;
    TlsPythonServer& operator=(const TlsPythonServer&) = delete;

    quint16 port() const { return port_; }
    QString url(const QString& path = QStringLiteral("/")) const {
        return QStringLiteral("wss://127.0.0.1:") + QString::number(port_) + path;
    }
    // Everything it printed after its port (RESULT and CLOSED lines).
    const QByteArray& output() {
        output_ += process_.readAllStandardOutput();
        return output_;
    }
    QByteArray errors() { return process_.readAllStandardError(); }

private:
    QProcess process_;
    quint16 port_ = 0;
    QByteArray output_;
};

}  // namespace sockscope::test
