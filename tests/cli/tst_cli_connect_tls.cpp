// `sockscope-cli connect wss://...` and its TLS options against an independent
// peer (tests/dissector/tls_peer.py: python3-websockets over Python's ssl):
// --tls-ca trusts a private CA, --tls-insecure accepts any certificate and
// says each error it ignored, --tls-cert/--tls-key present a client
// certificate the server checks; a refused certificate is one line with a hint.

#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include "../session/tls_python_server.h"
#include "cli_process.h"
#include "test_certificate.h"

using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 20000;

}  // namespace

class TestCliConnectTls : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString serverCert_, serverKey_, clientCert_, clientKey_;

    QString path(const QString& name) const { return dir_.filePath(name); }

    // Sends one line through a running `connect` and expects it back, then a clean close.
    static void echoesOneLine(CliProcess& cli) {
        cli.write("over tls\n");
        QVERIFY2(cli.waitForStdout("over tls\n", kTimeoutMs), cli.err().constData());
        cli.closeStdin();
        QVERIFY2(cli.waitForExit(kTimeoutMs), "connect did not finish");
        QCOMPARE(cli.exitCode(), 0);
        QCOMPARE(cli.out(), QByteArray("over tls\n"));
    }

private slots:
    void initTestCase() {
        QVERIFY2(QFile::exists(cliPath()), qPrintable(cliPath()));
        QVERIFY(dir_.isValid());
        if (const QString missing = pythonWebsocketsMissing(); !missing.isEmpty())
            QSKIP(qPrintable(missing));
        serverCert_ = path(u"server.pem"_s);
        serverKey_ = path(u"server-key.pem"_s);
        clientCert_ = path(u"client.pem"_s);
        clientKey_ = path(u"client-key.pem"_s);
        bool missing = false;
        QString why = makeSelfSignedCertificate(serverCert_, serverKey_, &missing);
        if (missing)
            QSKIP(qPrintable(why));
        QVERIFY2(why.isEmpty(), qPrintable(why));
        why = makeSelfSignedCertificate(clientCert_, clientKey_, nullptr,
                                        u"sockscope test client"_s, {});
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void trustsTheCaGivenWithTlsCa() {
        TlsPythonServer server({u"--cert"_s, serverCert_, u"--key"_s, serverKey_},
                               QProcessEnvironment::systemEnvironment());
        QVERIFY2(server.port() != 0, server.errors().constData());
        CliProcess cli({u"connect"_s, server.url(), u"--tls-ca"_s, serverCert_});
        echoesOneLine(cli);
        QVERIFY2(cli.err().isEmpty(), cli.err().constData());
        QTRY_VERIFY_WITH_TIMEOUT(server.output().contains("CLOSED 1000"), kTimeoutMs);
    }

    // Without the CA the certificate does not verify; with it, a name the
    // certificate was not made for does not either. One line each, with a hint.
    void refusesAServerItCannotVerify() {
        TlsPythonServer server({u"--cert"_s, serverCert_, u"--key"_s, serverKey_},
                               QProcessEnvironment::systemEnvironment());
        QVERIFY2(server.port() != 0, server.errors().constData());
        const QString port = QString::number(server.port());
        const QString hint =
            u" \\(--tls-ca adds a trusted CA; --tls-insecure accepts any "
            u"certificate\\)"_s;

        CliProcess untrusted({u"connect"_s, server.url()});
        QVERIFY(untrusted.waitForExit(kTimeoutMs));
        QCOMPARE(untrusted.exitCode(), 1);
        QCOMPARE(untrusted.errLines().size(), 1);
        QVERIFY2(untrusted.errHasLineMatching(
                     u"sockscope-cli: cannot connect to 127\\.0\\.0\\.1:"_s + port +
                     u": The certificate is self-signed, and "
                     u"untrusted"_s +
                     hint),
                 untrusted.err().constData());

        CliProcess otherName(
            {u"connect"_s, u"wss://localhost:"_s + port + u'/', u"--tls-ca"_s, serverCert_});
        QVERIFY(otherName.waitForExit(kTimeoutMs));
        QCOMPARE(otherName.exitCode(), 1);
        QCOMPARE(otherName.errLines().size(), 1);
        QVERIFY2(
            otherName.errHasLineMatching(u"sockscope-cli: cannot connect to localhost:"_s + port +
                                         u": The host name did not match any of the "
                                         u"valid hosts for this certificate"_s +
                                         hint),
            otherName.err().constData());
    }

    void acceptsAnyCertificateWithTlsInsecureAndSaysWhatItIgnored() {
        TlsPythonServer server({u"--cert"_s, serverCert_, u"--key"_s, serverKey_},
                               QProcessEnvironment::systemEnvironment());
        QVERIFY2(server.port() != 0, server.errors().constData());
        CliProcess cli({u"connect"_s, u"wss://localhost:"_s + QString::number(server.port()) + u'/',
                        u"--tls-insecure"_s});
        echoesOneLine(cli);
        const QString warning =
            u"sockscope-cli: warning: certificate error ignored "
            u"\\(--tls-insecure\\): "_s;
        QVERIFY2(
            cli.errHasLineMatching(warning + u"The certificate is self-signed, and untrusted"_s),
            cli.err().constData());
        QVERIFY2(cli.errHasLineMatching(warning + u"The host name did not match any of the valid "
                                                  u"hosts for this certificate"_s),
                 cli.err().constData());
        QCOMPARE(cli.errLines().size(), 2);
    }

    // The server asks for a certificate from the client's CA: it gets one
    // with --tls-cert/--tls-key and refuses the connection without.
    void presentsAClientCertificate() {
        TlsPythonServer server(
            {u"--cert"_s, serverCert_, u"--key"_s, serverKey_, u"--client-ca"_s, clientCert_},
            QProcessEnvironment::systemEnvironment());
        QVERIFY2(server.port() != 0, server.errors().constData());
        CliProcess cli({u"connect"_s, server.url(), u"--tls-ca"_s, serverCert_, u"--tls-cert"_s,
                        clientCert_, u"--tls-key"_s, clientKey_});
        echoesOneLine(cli);
        QVERIFY2(cli.err().isEmpty(), cli.err().constData());
        QTRY_VERIFY_WITH_TIMEOUT(server.output().contains("CLIENT sockscope test client\n"),
                                 kTimeoutMs);

        CliProcess anonymous({u"connect"_s, server.url(), u"--tls-ca"_s, serverCert_});
        anonymous.write("never sent\n");
        QVERIFY(anonymous.waitForExit(kTimeoutMs));
        QCOMPARE(anonymous.exitCode(), 1);
        QCOMPARE(anonymous.errLines().size(), 1);
        QVERIFY2(anonymous.errHasLineMatching(
                     u"sockscope-cli: handshake failed: handshake-malformed \\(RFC 6455 "
                     u"§4\\.2\\.1\\): connection closed during the opening handshake \\(a TLS "
                     u"server that requires a client certificate refuses like this: see "
                     u"--tls-cert\\)"_s),
                 anonymous.err().constData());
        QVERIFY(anonymous.out().isEmpty());
    }

    void rejectsBadTlsArguments_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("error");
        const QString url = u"wss://127.0.0.1:9/"_s;
        QTest::newRow("certificate without key")
            << QStringList{u"connect"_s, url, u"--tls-cert"_s, u"client.pem"_s} << 2
            << u"sockscope-cli: connect: --tls-cert and --tls-key go together (see --help)"_s;
        QTest::newRow("key without certificate")
            << QStringList{u"connect"_s, url, u"--tls-key"_s, u"client-key.pem"_s} << 2
            << u"sockscope-cli: connect: --tls-cert and --tls-key go together (see --help)"_s;
        QTest::newRow("tls option on ws://")
            << QStringList{u"connect"_s, u"ws://127.0.0.1:9/"_s, u"--tls-insecure"_s} << 2
            << u"sockscope-cli: connect: the --tls-* options apply to wss:// URLs only (see "
               u"--help)"_s;
        QTest::newRow("missing CA file")
            << QStringList{u"connect"_s, url, u"--tls-ca"_s, u"no-such.pem"_s} << 1
            << u"sockscope-cli: CA file no-such.pem: No such file or directory"_s;
        QTest::newRow("CA file without a certificate")
            << QStringList{u"connect"_s, url, u"--tls-ca"_s, u"client-key.pem"_s} << 1
            << u"sockscope-cli: CA file client-key.pem: no PEM certificate in it"_s;
        QTest::newRow("key that is not a key")
            << QStringList{u"connect"_s,   url, u"--tls-cert"_s, u"client.pem"_s, u"--tls-key"_s,
                           u"client.pem"_s}
            << 1
            << u"sockscope-cli: client key \"client.pem\": no unencrypted RSA, EC or DSA private "
               u"key in PEM form"_s;
    }
    void rejectsBadTlsArguments() {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, error);
        QProcess process;
        process.setWorkingDirectory(dir_.path());  // the file names are relative to it
        process.start(cliPath(), arguments);
        QVERIFY(process.waitForFinished(kTimeoutMs));
        QCOMPARE(process.exitCode(), exitCode);
        QCOMPARE(QString::fromUtf8(process.readAllStandardError()).trimmed(), error);
        QVERIFY(process.readAllStandardOutput().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCliConnectTls)
#include "tst_cli_connect_tls.moc"
