// Issue 6 §3: wss:// captures made in the test from real TLS peers, recorded
// live on `lo` (root or CAP_NET_RAW; CI runs as root), then decrypted with the
// key log a peer wrote and dissected, in-process and by `sockscope-cli read
// --keylog`; every message is asserted exactly (direction, opcode, payload
// hash, close code and reason) and so is the connection's TLS description.
// - Debian's python3-websockets client and server (tls_peer.py), the client
//   writing the key log, with each cipher suite forced in turn: TLS 1.3
//   AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 and TLS 1.2 ECDHE-RSA with
//   the same three; permessage-deflate off and on; text and binary up to
//   1 MiB (records and TCP segments split frames), a ping, the close.
// - Sockscope's own client (session::WebSocketClient) against python's
//   server, and `sockscope-cli serve --tls-cert` against python's client.
//   Qt's TLS (QSslSocket) cannot write a key log, so the python side does.
// - Headless Chromium (--ssl-key-log-file) against python's server, when
//   /usr/bin/chromium is installed.
// - Missing, partial and wrong keys on those captures.
// - A live `sockscope-cli capture --keylog` while python writes the key log.
#include <QFile>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <map>

#include "chromium_page.h"
#include "dissection_recorder.h"
#include "loopback_recorder.h"
#include "message_lines.h"
#include "test_certificate.h"
#include "tls_peers.h"
#include "tls_session_checks.h"

#ifdef SOCKSCOPE_WITH_SESSION
#include <QSslCertificate>
#include <QSslSocket>

#include "../session/connection_recorder.h"
#include "session/websocket_client.h"
#endif

using namespace sockscope;
using namespace sockscope::dissector;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kPeerTimeoutMs = 30000;
constexpr int kChromiumTimeoutMs = 60000;
const QString kSizes = u"0,1,126,65536,1048576"_s;
const QString kServerName = u"sockscope.test"_s;
const QStringList kAlpnOffer{u"x-sockscope"_s, u"http/1.1"_s};

// A capture and the key log that decrypts it, kept for the key tests.
struct Recorded {
    QString path;
    QString keyLog;
    Expected expected;
};

// tls_peer.py client's arguments for the usual session: the payloads of
// `sizes`, a ping, the close with 4001 "bye now"; SNI kServerName.
QStringList pythonClient(const QString& url, const QString& caFile, const QString& keyLog,
                         const QString& sizes, bool deflate) {
    QStringList arguments;
    arguments << url << u"--cafile"_s << caFile << u"--server-name"_s << kServerName
              << u"--keylog"_s << keyLog << u"--compression"_s
              << (deflate ? u"deflate"_s : u"none"_s) << u"--sizes"_s << sizes << u"--ping"_s
              << u"00ff"_s << u"--close-code"_s << u"4001"_s << u"--close-reason"_s << u"bye now"_s;
    return arguments;
}

}  // namespace

class TlsRealPeers : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString ecCert_, ecKey_, rsaCert_, rsaKey_;
    QString skipAll_;  // python3-websockets or openssl missing
    std::map<QString, Recorded> recorded_;

    QString path(const QString& name) const { return dir_.filePath(name); }
    QString tag() const { return QString::fromLatin1(QTest::currentDataTag()); }

    // Starts the live capture of `port` into `file`; empty when it runs,
    // otherwise why not (`skip` says whether that is a missing privilege).
    std::unique_ptr<LoopbackRecorder> startCapture(quint16 port, const QString& file, bool& skip,
                                                   QString& why) {
        auto recorder = std::make_unique<LoopbackRecorder>(port, file.toStdString());
        skip = recorder->permissionDenied();
        why = recorder->ok() ? QString() : fromStd(recorder->error());
        return recorder;
    }

    // Decrypts, checks in-process and with the CLI, keeps the capture.
    void checkCapture(const QString& capture, const QString& keyLog, quint16 port, bool deflate,
                      const QJsonObject& tls, const Expected& expected) {
        const QByteArray keys = readFile(keyLog);
        QVERIFY2(!keys.isEmpty(), qPrintable(keyLog + u" is empty or missing"_s));
        DissectionRecorder events;
        QString error;
        QVERIFY2(dissectWithKeys(capture, &keys, events, error), qPrintable(error));
        checkSession(events, port, deflate, tls, expected);
        if (QTest::currentTestFailed()) {
            return;
        }
        checkCli(capture, keyLog, tls, expected);
        recorded_[tag()] = {capture, keyLog, expected};
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        // SOCKSCOPE_KEEP_CAPTURES=1 keeps the captures and key logs for Wireshark.
        if (qEnvironmentVariableIsSet("SOCKSCOPE_KEEP_CAPTURES")) {
            dir_.setAutoRemove(false);
            qInfo("captures are kept in %s", qPrintable(dir_.path()));
        }
        skipAll_ = pythonWebsocketsMissing();
        if (!skipAll_.isEmpty()) {
            return;
        }
        const QString san = u"DNS:"_s + kServerName + u",IP:127.0.0.1"_s;
        ecCert_ = path(u"ec-cert.pem"_s);
        ecKey_ = path(u"ec-key.pem"_s);
        bool missing = false;
        const QString ecError =
            makeSelfSignedCertificate(ecCert_, ecKey_, &missing, kServerName, san);
        if (missing) {
            skipAll_ = ecError;
            return;
        }
        QVERIFY2(ecError.isEmpty(), qPrintable(ecError));
        rsaCert_ = path(u"rsa-cert.pem"_s);
        rsaKey_ = path(u"rsa-key.pem"_s);
        const QString rsaError = makeRsaCertificate(rsaCert_, rsaKey_, kServerName, san);
        QVERIFY2(rsaError.isEmpty(), qPrintable(rsaError));
    }

    // python3-websockets on both ends; the client writes the key log.
    void pythonPeers_data() {
        QTest::addColumn<QString>("version");  // "1.2", "1.3"
        QTest::addColumn<QString>("suite");    // IANA name (TLS 1.3: forced by OPENSSL_CONF)
        QTest::addColumn<QString>("cipher");   // TLS 1.2: OpenSSL's name for set_ciphers
        QTest::addColumn<bool>("deflate");
        const struct {
            const char* name;
            const char* version;
            const char* suite;
            const char* cipher;
        } suites[] = {
            {"tls13-aes128gcm", "1.3", "TLS_AES_128_GCM_SHA256", ""},
            {"tls13-aes256gcm", "1.3", "TLS_AES_256_GCM_SHA384", ""},
            {"tls13-chacha20", "1.3", "TLS_CHACHA20_POLY1305_SHA256", ""},
            {"tls12-rsa-aes128gcm", "1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
             "ECDHE-RSA-AES128-GCM-SHA256"},
            {"tls12-rsa-aes256gcm", "1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
             "ECDHE-RSA-AES256-GCM-SHA384"},
            {"tls12-rsa-chacha20", "1.2", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
             "ECDHE-RSA-CHACHA20-POLY1305"},
        };
        for (const auto& s : suites) {
            for (const bool deflate : {false, true}) {
                QTest::newRow(qPrintable(u"python-"_s + QLatin1String(s.name) +
                                         (deflate ? u"-deflate"_s : u"-plain"_s)))
                    << QString::fromLatin1(s.version) << QString::fromLatin1(s.suite)
                    << QString::fromLatin1(s.cipher) << deflate;
            }
        }
    }
    void pythonPeers() {
        QFETCH(QString, version);
        QFETCH(QString, suite);
        QFETCH(QString, cipher);
        QFETCH(bool, deflate);
        if (!skipAll_.isEmpty()) {
            QSKIP(qPrintable(skipAll_));
        }
        QString error;
        const auto payloads = pythonPeerPayloads(u"text,binary"_s, kSizes, error);
        QVERIFY2(payloads, qPrintable(error));
        const bool tls12 = version == u"1.2"_s;
        const QProcessEnvironment env =
            pythonTlsEnvironment(path(tag() + u".cnf"_s), tls12 ? QString() : suite);
        const QString compression = deflate ? u"deflate"_s : u"none"_s;
        TlsPythonServer server(
            {u"--cert"_s, tls12 ? rsaCert_ : ecCert_, u"--key"_s, tls12 ? rsaKey_ : ecKey_,
             u"--alpn"_s, u"http/1.1"_s, u"--compression"_s, compression},
            env);
        QVERIFY2(server.port() != 0, server.errors().constData());
        const QString capture = path(tag() + u".pcapng"_s);
        const QString keyLog = path(tag() + u".keys"_s);
        bool skip = false;
        auto recorder = startCapture(server.port(), capture, skip, error);
        if (skip) {
            QSKIP(qPrintable(error));
        }
        QVERIFY2(error.isEmpty(), qPrintable(error));

        QStringList client = pythonClient(server.url(u"/python"_s), tls12 ? rsaCert_ : ecCert_,
                                          keyLog, kSizes, deflate);
        client << u"--tls"_s << version;
        for (const QString& protocol : kAlpnOffer) {
            client << u"--alpn"_s << protocol;
        }
        if (tls12) {
            client << u"--cipher"_s << cipher;
        }
        const auto out = runTlsPythonClient(client, env, kPeerTimeoutMs, error);
        QVERIFY2(out, qPrintable(error));
        // What python itself negotiated (TLS 1.2 names are OpenSSL's).
        const QByteArray negotiated =
            "TLS TLSv" + version.toLatin1() + ' ' + (tls12 ? cipher : suite).toLatin1() + '\n';
        QVERIFY2(out->startsWith(negotiated), out->left(200).constData());
        QVERIFY(out->endsWith("CLOSED 4001\n"));
        QVERIFY(spinUntil([&] { return server.output().contains("CLOSED 4001 bye now"); },
                          kPeerTimeoutMs));
        QVERIFY2(recorder->stop(), recorder->error().c_str());

        const QJsonObject tls = tlsObject(u"TLS "_s + version, suite, kServerName, u"http/1.1"_s,
                                          kAlpnOffer, u"found"_s);
        checkCapture(capture, keyLog, server.port(), deflate, tls,
                     echoSession(*payloads, 4001, "bye now", "bye now"));
    }

    // Sockscope's client (in-process) against python's server, which writes
    // the key log: Qt's TLS backend has no key log callback, so the
    // QSslSocket side cannot.
    void sockscopeClientToPython_data() {
        QTest::addColumn<QString>("version");
        QTest::addColumn<QString>("suite");
        QTest::addColumn<QString>("cipher");
        QTest::addColumn<bool>("deflate");
        QTest::newRow("sockscope-client-tls13-aes256gcm-deflate")
            << u"1.3"_s << u"TLS_AES_256_GCM_SHA384"_s << QString() << true;
        QTest::newRow("sockscope-client-tls12-rsa-chacha20-plain")
            << u"1.2"_s << u"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"_s
            << u"ECDHE-RSA-CHACHA20-POLY1305"_s << false;
    }
    void sockscopeClientToPython() {
#ifndef SOCKSCOPE_WITH_SESSION
        QSKIP("sockscope_session is not built");
#else
        QFETCH(QString, version);
        QFETCH(QString, suite);
        QFETCH(QString, cipher);
        QFETCH(bool, deflate);
        if (!skipAll_.isEmpty()) {
            QSKIP(qPrintable(skipAll_));
        }
        if (!QSslSocket::supportsSsl()) {
            QSKIP("Qt has no TLS backend here");
        }
        QString error;
        const auto payloads = pythonPeerPayloads(u"text,binary"_s, kSizes, error);
        QVERIFY2(payloads, qPrintable(error));
        const bool tls12 = version == u"1.2"_s;
        const QString keyLog = path(tag() + u".keys"_s);
        QStringList arguments{u"--cert"_s,        tls12 ? rsaCert_ : ecCert_,
                              u"--key"_s,         tls12 ? rsaKey_ : ecKey_,
                              u"--keylog"_s,      keyLog,
                              u"--tls"_s,         version,
                              u"--compression"_s, deflate ? u"deflate"_s : u"none"_s};
        if (tls12) {
            arguments << u"--cipher"_s << cipher;
        }
        TlsPythonServer server(
            arguments, pythonTlsEnvironment(path(tag() + u".cnf"_s), tls12 ? QString() : suite));
        QVERIFY2(server.port() != 0, server.errors().constData());
        const QString capture = path(tag() + u".pcapng"_s);
        bool skip = false;
        auto recorder = startCapture(server.port(), capture, skip, error);
        if (skip) {
            QSKIP(qPrintable(error));
        }
        QVERIFY2(error.isEmpty(), qPrintable(error));

        session::ClientOptions options;
        options.caCertificates = QSslCertificate::fromPath(tls12 ? rsaCert_ : ecCert_);
        QCOMPARE(options.caCertificates.size(), 1);
        options.deflate = deflate;
        session::WebSocketClient client(options);
        const auto url = session::parseWebSocketUrl(server.url(u"/sockscope"_s));
        QVERIFY(url.url);
        session::WebSocketConnection* connection = client.open(*url.url, &error);
        QVERIFY2(connection, qPrintable(error));
        ConnectionRecorder peer;
        peer.attach(connection);
        QVERIFY2(
            spinUntil([&] { return peer.handshake.has_value() || peer.closed; }, kPeerTimeoutMs),
            "no handshake");
        QVERIFY2(peer.handshake, qPrintable(peer.errors.join(u"; "_s)));
        for (qsizetype i = 0; i < payloads->size(); ++i) {
            const QByteArray& p = payloads->at(i);
            const std::span bytes(reinterpret_cast<const std::uint8_t*>(p.constData()),
                                  std::size_t(p.size()));
            QVERIFY(i < payloads->size() / 2
                        ? connection->sendText(std::string_view(p.constData(), bytes.size()))
                        : connection->sendBinary(bytes));
            // One at a time: the capture then shows them in the same order both ways.
            QVERIFY2(spinUntil([&] { return peer.messages.size() == std::size_t(i + 1); },
                               kPeerTimeoutMs),
                     qPrintable(u"no echo of message %1"_s.arg(i)));
        }
        const std::uint8_t ping[] = {0x00, 0xff};
        QVERIFY(connection->ping(ping));
        QVERIFY(spinUntil([&] { return !peer.pongs.empty(); }, kPeerTimeoutMs));
        QVERIFY(connection->close(4002, "client done"));
        QVERIFY(spinUntil([&] { return peer.closed.has_value(); }, kPeerTimeoutMs));
        QVERIFY(spinUntil([&] { return server.output().contains("CLOSED 4002 client done"); },
                          kPeerTimeoutMs));
        QVERIFY2(recorder->stop(), recorder->error().c_str());
        for (qsizetype i = 0; i < payloads->size(); ++i) {
            QVERIFY(peer.messages[std::size_t(i)].payload ==
                    std::vector<std::uint8_t>(payloads->at(i).begin(), payloads->at(i).end()));
        }

        // Qt sends no SNI for an IP address and offers no ALPN.
        const QJsonObject tls =
            tlsObject(u"TLS "_s + version, suite, QString(), QString(), {}, u"found"_s);
        checkCapture(capture, keyLog, server.port(), deflate, tls,
                     echoSession(*payloads, 4002, "client done", "client done"));
#endif
    }

    // `sockscope-cli serve --tls-cert` against python's client (key log).
    void pythonClientToServe_data() {
        QTest::addColumn<QString>("version");
        QTest::addColumn<QString>("suite");
        QTest::addColumn<QString>("cipher");
        QTest::addColumn<bool>("deflate");
        QTest::newRow("serve-tls13-chacha20-plain")
            << u"1.3"_s << u"TLS_CHACHA20_POLY1305_SHA256"_s << QString() << false;
        QTest::newRow("serve-tls12-ecdsa-aes256gcm-deflate")
            << u"1.2"_s << u"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"_s
            << u"ECDHE-ECDSA-AES256-GCM-SHA384"_s << true;
    }
    void pythonClientToServe() {
#ifndef SOCKSCOPE_CLI_PATH
        QSKIP("sockscope-cli is not built");
#else
        QFETCH(QString, version);
        QFETCH(QString, suite);
        QFETCH(QString, cipher);
        QFETCH(bool, deflate);
        if (!skipAll_.isEmpty()) {
            QSKIP(qPrintable(skipAll_));
        }
        QString error;
        const auto payloads = pythonPeerPayloads(u"text,binary"_s, kSizes, error);
        QVERIFY2(payloads, qPrintable(error));
        QStringList serveArguments{u"serve"_s, u"--port"_s,    u"0"_s, u"--tls-cert"_s,
                                   ecCert_,    u"--tls-key"_s, ecKey_, u"--echo"_s};
        if (deflate) {
            serveArguments << u"--deflate"_s;
        }
        CliProcess serve(serveArguments);
        QVERIFY2(serve.waitForStderr("/\n", 15000), serve.err().constData());
        static const QRegularExpression listening(u"listening on wss://[^ ]*:(\\d+)/"_s);
        const auto match = listening.match(QString::fromUtf8(serve.err()));
        QVERIFY2(match.hasMatch(), serve.err().constData());
        const quint16 port = match.captured(1).toUShort();
        const QString capture = path(tag() + u".pcapng"_s);
        const QString keyLog = path(tag() + u".keys"_s);
        bool skip = false;
        auto recorder = startCapture(port, capture, skip, error);
        if (skip) {
            QSKIP(qPrintable(error));
        }
        QVERIFY2(error.isEmpty(), qPrintable(error));

        const bool tls12 = version == u"1.2"_s;
        QStringList client =
            pythonClient(u"wss://127.0.0.1:%1/serve"_s.arg(port), ecCert_, keyLog, kSizes, deflate);
        client << u"--tls"_s << version;
        if (tls12) {
            client << u"--cipher"_s << cipher;
        }
        const auto out = runTlsPythonClient(
            client, pythonTlsEnvironment(path(tag() + u".cnf"_s), tls12 ? QString() : suite),
            kPeerTimeoutMs, error);
        QVERIFY2(out, qPrintable(error));
        QVERIFY(out->endsWith("CLOSED 4001\n"));
        QVERIFY(serve.waitForStderr("[1] closed", kPeerTimeoutMs));
        QVERIFY2(recorder->stop(), recorder->error().c_str());

        // serve answers a close with its code and no reason; its QSslServer
        // selects no ALPN protocol.
        const QJsonObject tls =
            tlsObject(u"TLS "_s + version, suite, kServerName, QString(), {}, u"found"_s);
        checkCapture(capture, keyLog, port, deflate, tls,
                     echoSession(*payloads, 4001, "bye now", {}));
#endif
    }

    // Headless Chromium on tests/cli/chromium_echo.html over wss://, writing
    // its key log (--ssl-key-log-file), against python's server.
    void chromium() {
        if (!QFile::exists(chromiumPath())) {
            QSKIP("chromium is not installed (/usr/bin/chromium; Debian package chromium)");
        }
        if (!skipAll_.isEmpty()) {
            QSKIP(qPrintable(skipAll_));
        }
        TlsPythonServer server(
            {u"--cert"_s, ecCert_, u"--key"_s, ecKey_, u"--alpn"_s, u"http/1.1"_s,
             u"--compression"_s, u"deflate"_s},
            pythonTlsEnvironment(path(u"chromium.cnf"_s), u"TLS_AES_128_GCM_SHA256"_s));
        QVERIFY2(server.port() != 0, server.errors().constData());
        QFile source(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/tests/cli/chromium_echo.html"));
        QVERIFY(source.open(QIODevice::ReadOnly));
        QByteArray html = source.readAll();
        QVERIFY(html.contains("\"ws://127.0.0.1:@PORT@/chromium\""));
        html.replace(
            "\"ws://127.0.0.1:@PORT@/chromium\"",
            QByteArray("\"wss://127.0.0.1:" + QByteArray::number(server.port()) + "/chromium\""));
        const QString page = path(u"chromium-echo.html"_s);
        QVERIFY(writeFile(page, html));
        const QString capture = path(u"chromium.pcapng"_s);
        const QString keyLog = path(u"chromium.keys"_s);
        QString error;
        bool skip = false;
        auto recorder = startCapture(server.port(), capture, skip, error);
        if (skip) {
            QSKIP(qPrintable(error));
        }
        QVERIFY2(error.isEmpty(), qPrintable(error));

        QProcess chromium;
        chromium.setProcessChannelMode(QProcess::MergedChannels);
        chromium.start(
            chromiumPath(),
            {u"--headless"_s, u"--no-sandbox"_s, u"--disable-gpu"_s, u"--disable-quic"_s,
             u"--no-first-run"_s, u"--disable-background-networking"_s,
             u"--disable-component-update"_s, u"--disable-sync"_s, u"--ignore-certificate-errors"_s,
             u"--ssl-key-log-file="_s + keyLog, u"--user-data-dir="_s + path(u"chromium-profile"_s),
             QUrl::fromLocalFile(page).toString()});
        const bool ended = spinUntil(
            [&] {
                return server.output().contains("CLOSED") ||
                       server.output().contains("RESULT fail") ||
                       chromium.state() == QProcess::NotRunning;
            },
            kChromiumTimeoutMs);
        chromium.terminate();
        if (!chromium.waitForFinished(5000)) {
            chromium.kill();
            chromium.waitForFinished(3000);
        }
        const QByteArray why = "python said:\n" + server.output() + "\nchromium said:\n" +
                               chromium.readAll().right(2000);
        QVERIFY2(ended, QByteArray("the page did not finish within 60 s; " + why).constData());
        QVERIFY2(server.output().contains("CLOSED 1000 done"), why.constData());
        QVERIFY2(recorder->stop(), recorder->error().c_str());

        // The page's messages (chromium_page.h regenerates them), its verdict
        // as python received it, and the close; python echoes all but the verdict.
        const QByteArray output = server.output();
        const qsizetype resultAt = output.indexOf("RESULT ok");
        QVERIFY2(resultAt >= 0, output.constData());
        const QByteArray result = output.mid(resultAt, output.indexOf('\n', resultAt) - resultAt);
        Expected expected;
        for (const int n : chromiumEchoSizes()) {
            for (const int opcode : {0x1, 0x2}) {
                const QByteArray payload =
                    opcode == 0x1 ? chromiumEchoText(n) : chromiumEchoBinary(n);
                expected.client << messageLine(false, opcode, payload);
                expected.server << messageLine(true, opcode, payload);
            }
        }
        expected.client << messageLine(false, 0x1, result)
                        << messageLine(false, 0x8, {}, 1000, "done");
        expected.server << messageLine(true, 0x8, {}, 1000, "done");
        // Chromium sends no SNI for an IP address and offers only HTTP/1.1
        // for a WebSocket.
        const QJsonObject tls = tlsObject(u"TLS 1.3"_s, u"TLS_AES_128_GCM_SHA256"_s, QString(),
                                          u"http/1.1"_s, {u"http/1.1"_s}, u"found"_s);
        checkCapture(capture, keyLog, server.port(), true, tls, expected);
    }

    // The broken key logs, on captures made above.
    void keyProblems_data() {
        QTest::addColumn<QString>("source");   // the recorded capture
        QTest::addColumn<QString>("problem");  // missing, partial, wrong
        QTest::newRow("tls13-missing") << u"python-tls13-aes128gcm-plain"_s << u"missing"_s;
        QTest::newRow("tls13-partial") << u"python-tls13-aes128gcm-plain"_s << u"partial"_s;
        QTest::newRow("tls13-wrong") << u"python-tls13-chacha20-deflate"_s << u"wrong"_s;
        QTest::newRow("tls12-missing") << u"python-tls12-rsa-aes256gcm-plain"_s << u"missing"_s;
        QTest::newRow("tls12-wrong") << u"python-tls12-rsa-chacha20-deflate"_s << u"wrong"_s;
    }
    void keyProblems() {
        QFETCH(QString, source);
        QFETCH(QString, problem);
        const auto found = recorded_.find(source);
        if (found == recorded_.end()) {
            QSKIP(qPrintable(source + u" was not recorded (see why that test skipped)"_s));
        }
        const Recorded& recorded = found->second;
        const QByteArray keys = readFile(recorded.keyLog);
        const bool tls12 = keys.contains("CLIENT_RANDOM ");
        QByteArray edited;
        if (problem == u"partial"_s) {
            edited = withoutLabel(keys, "CLIENT_TRAFFIC_SECRET_0");
        } else if (problem == u"wrong"_s) {
            edited = withFlippedSecret(keys, tls12 ? "CLIENT_RANDOM" : "SERVER_TRAFFIC_SECRET_0");
        }
        QVERIFY(problem == u"missing"_s || edited != keys);
        DissectionRecorder events;
        QString error;
        QVERIFY2(dissectWithKeys(recorded.path, problem == u"missing"_s ? nullptr : &edited, events,
                                 error),
                 qPrintable(error));
        QCOMPARE(events.connections.size(), 1u);
        QVERIFY(events.connections[0].tls.has_value());
        const TlsConnectionInfo& tls = *events.connections[0].tls;
        QCOMPARE(tls.version, std::string(tls12 ? "TLS 1.2" : "TLS 1.3"));
        const QStringList anomalies = anomalyKinds(events);

        if (problem == u"missing"_s) {
            // Shown as TLS, with SNI, one anomaly, nothing decrypted.
            QCOMPARE(tls.keys, std::string("missing"));
            QCOMPARE(fromStd(tls.serverName), kServerName);
            QCOMPARE(anomalies, QStringList{u"tls-no-key server"_s});
            QVERIFY(events.handshakes.empty());
            QVERIFY(events.messages.empty());
#ifdef SOCKSCOPE_CLI_PATH
            // The same without --keylog on the command line.
            CliProcess cli({u"read"_s, recorded.path, u"--format"_s, u"jsonl"_s});
            QVERIFY(cli.waitForExit(kPeerTimeoutMs));
            QCOMPARE(cli.exitCode(), 0);
            const JsonlCapture out = parseJsonl(cli.out());
            QCOMPARE(out.connections.size(), 1);
            QCOMPARE(out.connections[0].value(u"tls"_s).toObject(), tlsObjectOf(tls));
            QCOMPARE(out.anomalies, QStringList{u"tls-no-key server"_s});
            QCOMPARE(out.client + out.server, QStringList());
#endif
        } else if (problem == u"partial"_s) {
            // The server's traffic decrypts; the client's has no key.
            QCOMPARE(tls.keys, std::string("partial"));
            QCOMPARE(anomalies, QStringList{u"tls-no-key client"_s});
            // Only the response was seen, which the handshake event says.
            QCOMPARE(events.handshakes.size(), 1u);
            QVERIFY(events.handshakes[0].detectedWithoutHandshake);
            QCOMPARE(events.handshakes[0].status, 101);
            QVERIFY(events.handshakes[0].requestHeaders.empty());
            QCOMPARE(messageLines(events.messages, Direction::Client), QStringList());
            QCOMPARE(messageLines(events.messages, Direction::Server), recorded.expected.server);
        } else {
            // A wrong key is named as such, and nothing undecryptable is
            // passed off as WebSocket traffic.
            QVERIFY2(
                anomalies.contains(tls12 ? u"tls-wrong-key client"_s : u"tls-wrong-key server"_s),
                qPrintable(anomalies.join(u", "_s)));
            QCOMPARE(messageLines(events.messages, Direction::Server), QStringList());
            if (tls12) {
                QVERIFY(anomalies.contains(u"tls-wrong-key server"_s));
                QVERIFY(events.messages.empty());
            }
            for (const MessageEvent& m : events.messages) {
                QVERIFY(m.valid);
            }
        }
    }

    // A live capture whose key log python writes while it runs: the
    // messages appear in the live output.
    void liveCapture() {
#ifndef SOCKSCOPE_CLI_PATH
        QSKIP("sockscope-cli is not built");
#else
        if (!skipAll_.isEmpty()) {
            QSKIP(qPrintable(skipAll_));
        }
        QString error;
        const QString sizes = u"1,126,65536"_s;
        const auto payloads = pythonPeerPayloads(u"text,binary"_s, sizes, error);
        QVERIFY2(payloads, qPrintable(error));
        const QProcessEnvironment env =
            pythonTlsEnvironment(path(u"live.cnf"_s), u"TLS_AES_128_GCM_SHA256"_s);
        TlsPythonServer server(
            {u"--cert"_s, ecCert_, u"--key"_s, ecKey_, u"--alpn"_s, u"http/1.1"_s}, env);
        QVERIFY2(server.port() != 0, server.errors().constData());
        // The key log does not exist yet: python creates it in the handshake.
        const QString keyLog = path(u"live.keys"_s);
        CliProcess capture({u"capture"_s, u"-i"_s, u"lo"_s, u"-f"_s,
                            u"tcp port %1"_s.arg(server.port()), u"--keylog"_s, keyLog,
                            u"--format"_s, u"jsonl"_s});
        QVERIFY2(spinUntil(
                     [&] {
                         return capture.err().contains("capturing on") ||
                                capture.process().state() == QProcess::NotRunning;
                     },
                     15000),
                 capture.err().constData());
        if (capture.process().state() == QProcess::NotRunning &&
            (capture.err().contains("ermission") || capture.err().contains("not permitted"))) {
            QSKIP(qPrintable(u"no permission to capture on lo: "_s +
                             QString::fromUtf8(capture.err().trimmed())));
        }
        QVERIFY2(capture.err().contains("capturing on lo"), capture.err().constData());
        QVERIFY2(capture.err().contains("does not exist yet"), capture.err().constData());

        QStringList client = pythonClient(server.url(u"/live"_s), ecCert_, keyLog, sizes, false);
        for (const QString& protocol : kAlpnOffer) {
            client << u"--alpn"_s << protocol;
        }
        const auto out = runTlsPythonClient(client, env, kPeerTimeoutMs, error);
        QVERIFY2(out, qPrintable(error));
        // Live: the end comes as the capture sees it, before the capture stops.
        QVERIFY2(capture.waitForStdout("\"event\":\"end\"", kPeerTimeoutMs),
                 QByteArray(capture.out().right(2000) + capture.err()).constData());
        const JsonlCapture live = parseJsonl(capture.out());
        capture.process().terminate();
        QVERIFY(capture.waitForExit(10000));
        QCOMPARE(capture.exitCode(), 0);

        QVERIFY2(live.error.isEmpty(), qPrintable(live.error));
        const Expected expected = echoSession(*payloads, 4001, "bye now", "bye now");
        QCOMPARE(live.connections.size(), 1);
        QCOMPARE(live.connections[0].value(u"tls"_s).toObject(),
                 tlsObject(u"TLS 1.3"_s, u"TLS_AES_128_GCM_SHA256"_s, kServerName, u"http/1.1"_s,
                           kAlpnOffer, u"found"_s));
        QCOMPARE(live.anomalies, QStringList());
        QCOMPARE(live.client, expected.client);
        QCOMPARE(live.server, expected.server);
        QCOMPARE(live.ends, QStringList{u"close-handshake"_s});
#endif
    }
};

QTEST_GUILESS_MAIN(TlsRealPeers)
#include "tst_tls_real_peers.moc"
