#pragma once
// The wss:// peers and key logs of tst_tls_real_peers: tests/dissector/tls_peer.py
// (Debian's python3-websockets over Python's ssl) as server or client, the
// OPENSSL_CONF file that forces its TLS 1.3 cipher suite, an RSA test
// certificate for the ECDHE-RSA suites, key log edits (a line removed, a
// byte flipped), and `sockscope-cli read --format jsonl` output turned into
// the same message lines the in-process checks use. Every wait is bounded.

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <optional>

#include "../session/peer_process.h"
#include "../session/tls_python_server.h"
#include "message_lines.h"

namespace sockscope::test {

// Python's ssl module has no setter for TLS 1.3 cipher suites; OpenSSL reads
// them from its configuration, which OPENSSL_CONF points the peer at. Empty
// `suite`: the system's configuration (every suite).
inline QProcessEnvironment pythonTlsEnvironment(const QString& confPath, const QString& suite) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (suite.isEmpty()) {
        return env;
    }
    QFile conf(confPath);
    if (conf.open(QIODevice::WriteOnly)) {
        conf.write(
            "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n"
            "[ssl_sect]\nsystem_default = system_default_sect\n"
            "[system_default_sect]\nCiphersuites = " +
            suite.toLatin1() + "\n");
    }
    env.insert(QStringLiteral("OPENSSL_CONF"), confPath);
    return env;
}

// An RSA-2048 self-signed certificate (the ECDHE-RSA suites need one;
// test_certificate.h makes EC keys). Empty on success, otherwise why.
inline QString makeRsaCertificate(const QString& certFile, const QString& keyFile,
                                  const QString& commonName, const QString& subjectAltName) {
    QProcess openssl;
    openssl.start(
        QStringLiteral("openssl"),
        {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
         QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
         QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=") + commonName,
         QStringLiteral("-addext"), QStringLiteral("subjectAltName=") + subjectAltName,
         QStringLiteral("-keyout"), keyFile, QStringLiteral("-out"), certFile});
    if (!openssl.waitForFinished(30000) || openssl.exitStatus() != QProcess::NormalExit ||
        openssl.exitCode() != 0) {
        openssl.kill();
        openssl.waitForFinished(2000);
        return QStringLiteral("openssl could not make an RSA certificate: ") +
               QString::fromLocal8Bit(openssl.readAllStandardError());
    }
    return {};
}

// Runs tls_peer.py client to its end (at most `timeoutMs`, spinning the
// event loop so in-process peers keep working). Its stdout, or nullopt and
// `error` (its output and stderr) when it failed.
inline std::optional<QByteArray> runTlsPythonClient(const QStringList& arguments,
                                                    const QProcessEnvironment& env, int timeoutMs,
                                                    QString& error) {
    QProcess python;
    ProcessGuard guard(python);
    python.setProcessEnvironment(env);
    python.start(systemPython(),
                 QStringList{tlsPeerScript(), QStringLiteral("client")} + arguments);
    if (!spinUntilFinished(python, timeoutMs)) {
        error =
            QStringLiteral("the python client did not finish within %1 s").arg(timeoutMs / 1000);
        return std::nullopt;
    }
    const QByteArray out = python.readAllStandardOutput();
    if (python.exitStatus() != QProcess::NormalExit || python.exitCode() != 0) {
        error = QString::fromUtf8(out + python.readAllStandardError());
        return std::nullopt;
    }
    return out;
}

// A key log without the lines of `label`.
inline QByteArray withoutLabel(const QByteArray& keyLog, const QByteArray& label) {
    QByteArray out;
    for (const QByteArray& line : keyLog.split('\n')) {
        if (!line.isEmpty() && !line.startsWith(QByteArray(label + ' '))) {
            out += line + '\n';
        }
    }
    return out;
}

// A key log whose `label` secrets have their last hex digit changed: still
// well-formed, but the keys are wrong.
inline QByteArray withFlippedSecret(const QByteArray& keyLog, const QByteArray& label) {
    QByteArray out;
    for (QByteArray line : keyLog.split('\n')) {
        if (line.isEmpty()) {
            continue;
        }
        if (line.startsWith(QByteArray(label + ' '))) {
            char& last = line[line.size() - 1];
            last = last == '0' ? '1' : '0';
        }
        out += line + '\n';
    }
    return out;
}

inline bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

inline QByteArray readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// What `sockscope-cli read --format jsonl` printed, sorted out.
struct JsonlCapture {
    QList<QJsonObject> connections;
    QStringList client;  // messageLine() of each message, per sender
    QStringList server;
    QStringList anomalies;  // "kind dir"
    QStringList ends;       // "how"
    QString error;          // a line that is not a JSON object
};

inline JsonlCapture parseJsonl(const QByteArray& output) {
    static const QMap<QString, int> opcodes{{QStringLiteral("text"), 0x1},
                                            {QStringLiteral("binary"), 0x2},
                                            {QStringLiteral("close"), 0x8},
                                            {QStringLiteral("ping"), 0x9},
                                            {QStringLiteral("pong"), 0xA}};
    JsonlCapture out;
    for (const QByteArray& line : output.split('\n')) {
        if (line.isEmpty()) {
            continue;
        }
        const QJsonDocument document = QJsonDocument::fromJson(line);
        if (!document.isObject()) {
            out.error = QStringLiteral("not a JSON object: ") + QString::fromUtf8(line.left(200));
            return out;
        }
        const QJsonObject e = document.object();
        const QString event = e.value(QStringLiteral("event")).toString();
        const QString dir = e.value(QStringLiteral("dir")).toString();
        if (event == QStringLiteral("connection")) {
            out.connections << e;
        } else if (event == QStringLiteral("message")) {
            const QJsonValue code = e.value(QStringLiteral("close_code"));
            (dir == QStringLiteral("server") ? out.server : out.client)
                << messageLine(dir == QStringLiteral("server"),
                               opcodes.value(e.value(QStringLiteral("opcode")).toString(), -1),
                               QByteArray::fromBase64(
                                   e.value(QStringLiteral("payload_b64")).toString().toLatin1()),
                               code.isDouble() ? std::optional<int>(code.toInt()) : std::nullopt,
                               e.value(QStringLiteral("close_reason")).toString().toUtf8());
        } else if (event == QStringLiteral("anomaly")) {
            out.anomalies << e.value(QStringLiteral("kind")).toString() + u' ' + dir;
        } else if (event == QStringLiteral("end")) {
            out.ends << e.value(QStringLiteral("how")).toString();
        }
    }
    return out;
}

// The "tls" object a connection event must carry.
inline QJsonObject tlsObject(const QString& version, const QString& suite, const QString& sni,
                             const QString& alpn, const QStringList& offered, const QString& keys) {
    const auto orNull = [](const QString& s) { return s.isEmpty() ? QJsonValue() : QJsonValue(s); };
    return QJsonObject{{QStringLiteral("version"), orNull(version)},
                       {QStringLiteral("cipher_suite"), orNull(suite)},
                       {QStringLiteral("sni"), orNull(sni)},
                       {QStringLiteral("alpn"), orNull(alpn)},
                       {QStringLiteral("alpn_offered"), QJsonArray::fromStringList(offered)},
                       {QStringLiteral("keys"), keys}};
}

}  // namespace sockscope::test
