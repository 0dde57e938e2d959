#pragma once
// Self-signed certificates for the TLS tests, made for each run with the
// openssl command, so no key material lives in the repo: an EC P-256 key and
// a certificate valid for one day.

#include <QProcess>
#include <QString>
#include <QStringList>

namespace sockscope::test {

// Writes a PEM certificate to `certFile` and its unencrypted key to `keyFile`
// for `commonName`, with `subjectAltName` ("IP:127.0.0.1"; empty: none).
// Returns an empty string on success, otherwise why; `missing` (when given)
// says whether the reason is that openssl is not installed, which a test
// skips on rather than fails.
inline QString makeSelfSignedCertificate(
    const QString& certFile, const QString& keyFile, bool* missing = nullptr,
    const QString& commonName = QStringLiteral("127.0.0.1"),
    const QString& subjectAltName = QStringLiteral("IP:127.0.0.1")) {
    QStringList arguments{QStringLiteral("req"),
                          QStringLiteral("-x509"),
                          QStringLiteral("-newkey"),
                          QStringLiteral("ec"),
                          QStringLiteral("-pkeyopt"),
                          QStringLiteral("ec_paramgen_curve:prime256v1"),
                          QStringLiteral("-nodes"),
                          QStringLiteral("-days"),
                          QStringLiteral("1"),
                          QStringLiteral("-subj"),
                          QStringLiteral("/CN=") + commonName,
                          QStringLiteral("-keyout"),
                          keyFile,
                          QStringLiteral("-out"),
                          certFile};
    if (!subjectAltName.isEmpty())
        arguments << QStringLiteral("-addext")
                  << QStringLiteral("subjectAltName=") + subjectAltName;
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"), arguments);
    const bool notInstalled = !openssl.waitForStarted(10000);
    if (missing)
        *missing = notInstalled;
    if (notInstalled)
        return QStringLiteral(
            "the openssl command is not installed (needed to make a test certificate)");
    if (!openssl.waitForFinished(30000)) {
        openssl.kill();
        openssl.waitForFinished(2000);
        return QStringLiteral("openssl did not finish within 30 s");
    }
    if (openssl.exitStatus() != QProcess::NormalExit || openssl.exitCode() != 0)
        return QStringLiteral("openssl failed: ") +
               QString::fromLocal8Bit(openssl.readAllStandardError());
    return {};
}

}  // namespace sockscope::test
