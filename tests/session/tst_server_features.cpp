// The test server's features: echo, broadcast and manual modes; wss:// with a
// PEM chain (python3-websockets and QWebSocket clients trusting only the test
// root); unusable certificate and key files; the Origin allow-list with the
// refusal reasons; subprotocol choice and the permessage-deflate policy as
// they reach the response; and the live client list model. Certificates are
// made for the run with the openssl command (TLS tests skip without it).

#include <QFile>
#include <QNetworkRequest>
#include <QProcess>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>
#include <memory>

#include "payloads.h"
#include "peer_process.h"
#include "session/server_client_list.h"
#include "session/websocket_server.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

// QTRY_* waits up to this; every wait is bounded.
constexpr int kTimeoutMs = 20000;

// A QWebSocket client that records what it receives.
struct QtClient {
    explicit QtClient(const QString& origin = {}) : socket(origin) {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket,
                         [this](const QString& m) { texts.append(m); });
        QObject::connect(&socket, &QWebSocket::binaryMessageReceived, &socket,
                         [this](const QByteArray& m) { binaries.append(m); });
        QObject::connect(&socket, &QWebSocket::pong, &socket,
                         [this](quint64, const QByteArray& payload) { pongs.append(payload); });
        QObject::connect(&socket, &QWebSocket::disconnected, &socket,
                         [this] { disconnected = true; });
    }
    bool open(const QUrl& url) {
        socket.open(url);
        return spinUntil([this] { return socket.state() == QAbstractSocket::ConnectedState; },
                         kTimeoutMs);
    }
    // A ping answered proves the server has handled everything sent before it
    // (and written whatever it wrote in answer, which arrives before the pong).
    bool roundTrip(const QByteArray& payload) {
        socket.ping(payload);
        return spinUntil([&] { return pongs.contains(payload); }, kTimeoutMs);
    }
    QWebSocket socket;
    QStringList texts;
    QList<QByteArray> binaries;
    QList<QByteArray> pongs;
    bool disconnected = false;
};

QUrl wsUrl(const WebSocketServer& server, const QString& path = u"/"_s) {
    return QUrl(u"ws://127.0.0.1:"_s + QString::number(server.serverPort()) + path);
}

// An upgrade request as bytes, with `extra` header lines ("Name: value\r\n").
QByteArray upgradeRequest(const QByteArray& extra, const QByteArray& method = "GET",
                          const QByteArray& version = "13") {
    return method +
           " /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: " +
           version + "\r\n" + extra + "\r\n";
}

// Sends `request` on a fresh TCP connection and returns the response head
// (status line and fields, up to the blank line); empty when none came.
QByteArray rawExchange(quint16 port, const QByteArray& request) {
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!spinUntil([&] { return socket.state() == QAbstractSocket::ConnectedState; }, kTimeoutMs)) {
        return {};
    }
    socket.write(request);
    QByteArray received;
    spinUntil(
        [&] {
            received += socket.readAll();
            return received.contains("\r\n\r\n") ||
                   socket.state() == QAbstractSocket::UnconnectedState;
        },
        kTimeoutMs);
    received += socket.readAll();
    const qsizetype end = received.indexOf("\r\n\r\n");
    return end < 0 ? received : received.left(end);
}

// The value of `name` in a response head; empty when absent.
QByteArray headerValue(const QByteArray& head, const QByteArray& name) {
    for (const QByteArray& line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0) {
            return line.mid(colon + 1).trimmed();
        }
    }
    return {};
}

struct Refusal {
    quint64 id;
    QString peer;
    int status;
    QString reason;
};

// Collects handshakeRefused for one server.
struct RefusalRecorder {
    explicit RefusalRecorder(WebSocketServer& server) {
        QObject::connect(
            &server, &WebSocketServer::handshakeRefused, &context,
            [this](quint64 id, const QString& peer, int status, const QString& reason) {
                refusals.push_back({id, peer, status, reason});
            });
    }
    std::vector<Refusal> refusals;
    QObject context;
};

// The python probe client's output once it has finished; empty on a timeout.
struct ProbeResult {
    bool finished = false;
    int exitCode = -1;
    QList<QByteArray> lines;
    QByteArray errors;
};

ProbeResult runProbe(const QStringList& arguments) {
    QProcess process;
    ProcessGuard guard(process);
    process.start(systemPython(), QStringList{peerScript(u"probe_client.py"_s)} + arguments);
    ProbeResult result;
    // Spins the event loop: the server under test runs in this thread.
    result.finished = spinUntilFinished(process, kTimeoutMs * 2);
    if (result.finished) {
        result.exitCode = process.exitCode();
        result.lines = process.readAllStandardOutput().trimmed().split('\n');
        result.errors = process.readAllStandardError();
    }
    return result;
}

QString describe(const ProbeResult& result) {
    QString text;
    for (const QByteArray& line : result.lines) {
        text += QString::fromUtf8(line) + u" | ";
    }
    return text + QString::fromUtf8(result.errors);
}

bool runOpenssl(const QStringList& arguments, QString& error) {
    QProcess openssl;
    openssl.start(u"openssl"_s, arguments);
    if (!openssl.waitForStarted(10000)) {
        error = u"the openssl command is not installed"_s;
        return false;
    }
    if (!openssl.waitForFinished(60000) || openssl.exitCode() != 0) {
        error = u"openssl "_s + arguments.join(u' ') + u": "_s +
                QString::fromUtf8(openssl.readAllStandardError());
        return false;
    }
    return true;
}

QByteArray readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString& path, const QByteArray& data) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

QVariant cell(const ServerClientList& list, int row, ServerClientList::Column column,
              int role = Qt::DisplayRole) {
    return list.data(list.index(row, column), role);
}

}  // namespace

class ServerFeatures : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        pythonMissing_ = pythonWebsocketsMissing();
        if (!QSslSocket::supportsSsl()) {
            tlsMissing_ = u"Qt has no TLS backend here"_s;
            return;
        }
        if (!makeCertificates(tlsMissing_) && tlsMissing_.isEmpty()) {
            tlsMissing_ = u"could not make the test certificates"_s;
        }
        // A missing openssl command skips; openssl failing is a test failure.
        if (!tlsMissing_.isEmpty() && !tlsMissing_.startsWith(u"the openssl command")) {
            QFAIL(qPrintable(tlsMissing_));
        }
    }

    void normalizesOrigins_data() {
        QTest::addColumn<QString>("origin");
        QTest::addColumn<QString>("expected");  // empty: not an origin
        QTest::newRow("plain") << u"https://app.example"_s << u"https://app.example"_s;
        QTest::newRow("case and default port")
            << u"HTTPS://App.EXAMPLE:443"_s << u"https://app.example"_s;
        QTest::newRow("http default port") << u"http://a.example:80"_s << u"http://a.example"_s;
        QTest::newRow("other port kept")
            << u"http://a.example:8080"_s << u"http://a.example:8080"_s;
        QTest::newRow("https on 80 kept") << u"https://a.example:80"_s << u"https://a.example:80"_s;
        QTest::newRow("ipv6") << u"http://[::1]:3000"_s << u"http://[::1]:3000"_s;
        QTest::newRow("null") << u"null"_s << QString();
        QTest::newRow("trailing slash") << u"https://a.example/"_s << QString();
        QTest::newRow("path") << u"https://a.example/app"_s << QString();
        QTest::newRow("user info") << u"https://user@a.example"_s << QString();
        QTest::newRow("no scheme") << u"a.example"_s << QString();
        QTest::newRow("empty") << QString() << QString();
    }
    void normalizesOrigins() {
        QFETCH(QString, origin);
        QFETCH(QString, expected);
        const std::optional<std::string> normalized = normalizeOrigin(origin.toStdString());
        if (expected.isEmpty()) {
            QVERIFY2(!normalized, normalized ? normalized->c_str() : "");
        } else {
            QVERIFY(normalized);
            QCOMPARE(QString::fromStdString(*normalized), expected);
        }
    }

    void echoes_data() {
        QTest::addColumn<bool>("viaEchoFlag");
        QTest::newRow("mode Echo") << false;
        QTest::newRow("CLI echo flag") << true;
    }
    void echoes() {
        QFETCH(bool, viaEchoFlag);
        ServerOptions options;
        if (viaEchoFlag) {
            options.echo = true;  // mode stays Manual: the flag must win
        } else {
            options.mode = ServerMode::Echo;
        }
        WebSocketServer server(options);
        QCOMPARE(server.mode(), ServerMode::Echo);
        QVERIFY(server.listen());
        QtClient client;
        QVERIFY(client.open(wsUrl(server)));
        client.socket.sendTextMessage(u"hello \u00e9"_s);
        client.socket.sendBinaryMessage(QByteArray("\x00\x01\xff", 3));
        QTRY_COMPARE_WITH_TIMEOUT(client.binaries.size(), 1, kTimeoutMs);
        QCOMPARE(client.texts, QStringList{u"hello \u00e9"_s});
        QCOMPARE(client.binaries.first(), QByteArray("\x00\x01\xff", 3));
    }

    void broadcasts() {
        ServerOptions options;
        options.mode = ServerMode::Broadcast;
        WebSocketServer server(options);
        QVERIFY(server.listen());
        QtClient a, b, c;
        QVERIFY(a.open(wsUrl(server)));
        QVERIFY(b.open(wsUrl(server)));
        QVERIFY(c.open(wsUrl(server)));
        QTRY_COMPARE_WITH_TIMEOUT(server.connectionIds().size(), 3, kTimeoutMs);

        a.socket.sendTextMessage(u"from a"_s);
        QTRY_COMPARE_WITH_TIMEOUT(b.texts, QStringList{u"from a"_s}, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(c.texts, QStringList{u"from a"_s}, kTimeoutMs);
        QVERIFY(a.roundTrip("a-done"));
        QCOMPARE(a.texts, QStringList{});  // not back to the sender

        c.socket.sendBinaryMessage("from c");
        QTRY_COMPARE_WITH_TIMEOUT(a.binaries, QList<QByteArray>{"from c"}, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(b.binaries, QList<QByteArray>{"from c"}, kTimeoutMs);
        QVERIFY(c.roundTrip("c-done"));
        QCOMPARE(c.binaries, QList<QByteArray>{});
    }

    void sendsManually() {
        WebSocketServer server(ServerOptions{});  // Manual by default
        QCOMPARE(server.mode(), ServerMode::Manual);
        QVERIFY(server.listen());
        QList<quint64> ids;
        connect(&server, &WebSocketServer::newConnection, this,
                [&ids](WebSocketConnection*, quint64 id) { ids.append(id); });
        QtClient a, b;
        QVERIFY(a.open(wsUrl(server)));
        QVERIFY(b.open(wsUrl(server)));
        QTRY_COMPARE_WITH_TIMEOUT(ids.size(), 2, kTimeoutMs);
        QCOMPARE(ids, (QList<quint64>{1, 2}));
        QCOMPARE(server.connectionIds(), (QList<quint64>{1, 2}));
        QVERIFY(server.connection(1) != nullptr);
        QVERIFY(server.connection(3) == nullptr);

        a.socket.sendTextMessage(u"nobody answers"_s);
        QVERIFY(a.roundTrip("a"));
        QVERIFY(a.texts.isEmpty());

        const QByteArray one = "to one";
        QVERIFY(server.sendTo(2, 1, bytesOf(one)));
        QTRY_COMPARE_WITH_TIMEOUT(b.texts, QStringList{u"to one"_s}, kTimeoutMs);
        QVERIFY(a.roundTrip("a2"));
        QVERIFY(a.texts.isEmpty());
        QVERIFY(!server.sendTo(7, 1, bytesOf(one)));
        QVERIFY(!server.sendTo(1, 3, bytesOf(one)));  // a reserved opcode is no message

        const QByteArray all = QByteArray("\x01\x02", 2);
        QCOMPARE(server.sendToAll(2, bytesOf(all), 2), 2);
        QTRY_COMPARE_WITH_TIMEOUT(a.binaries, QList<QByteArray>{all}, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(b.binaries, QList<QByteArray>{all}, kTimeoutMs);

        // Close with 4000 "bye": the close body is the code big-endian, then the reason.
        const QByteArray closeBody = QByteArray("\x0f\xa0", 2) + "bye";
        QVERIFY(server.sendTo(1, 8, bytesOf(closeBody)));
        QTRY_VERIFY_WITH_TIMEOUT(a.disconnected, kTimeoutMs);
        QCOMPARE(int(a.socket.closeCode()), 4000);  // as int: 4000 is outside the enum's range
        QCOMPARE(a.socket.closeReason(), u"bye"_s);
        QTRY_COMPARE_WITH_TIMEOUT(server.connectionIds(), QList<quint64>{2}, kTimeoutMs);
        QCOMPARE(server.sendToAll(1, bytesOf(one)), 1);
    }

    void switchesModeWhileRunning() {
        WebSocketServer server(ServerOptions{});
        QVERIFY(server.listen());
        QtClient client;
        QVERIFY(client.open(wsUrl(server)));
        client.socket.sendTextMessage(u"first"_s);
        QVERIFY(client.roundTrip("1"));
        QVERIFY(client.texts.isEmpty());
        server.setMode(ServerMode::Echo);
        client.socket.sendTextMessage(u"second"_s);
        QTRY_COMPARE_WITH_TIMEOUT(client.texts, QStringList{u"second"_s}, kTimeoutMs);
    }

    void tlsChainWithPythonClient() {
        skipWithoutTls();
        if (!pythonMissing_.isEmpty()) {
            QSKIP(qPrintable(pythonMissing_));
        }
        ServerOptions options;
        options.mode = ServerMode::Echo;
        // An RSA leaf issued by an EC intermediate: the client trusts only the
        // root, so the handshake works only if the chain is served.
        options.certificateFile = path(u"leaf-chain.pem"_s);
        options.privateKeyFile = path(u"leaf.key"_s);
        WebSocketServer server(options);
        QVERIFY2(server.listen(), qPrintable(server.errorString()));
        QVERIFY(server.isTls());
        const ProbeResult result =
            runProbe({u"wss://127.0.0.1:"_s + QString::number(server.serverPort()) + u"/tls"_s,
                      u"--cafile"_s, path(u"root.pem"_s), u"--send"_s, u"over tls"_s});
        QVERIFY(result.finished);
        QVERIFY2(result.exitCode == 0, qPrintable(describe(result)));
        QCOMPARE(result.lines, (QList<QByteArray>{"OPEN", "EXTENSIONS -", "SUBPROTOCOL -",
                                                  "ECHO over tls", "CLOSED 1000"}));

        // Only the leaf (no intermediate): the same client cannot verify it.
        ServerOptions leafOnly = options;
        leafOnly.certificateFile = path(u"leaf.pem"_s);
        WebSocketServer bare(leafOnly);
        QVERIFY2(bare.listen(), qPrintable(bare.errorString()));
        const ProbeResult refused =
            runProbe({u"wss://127.0.0.1:"_s + QString::number(bare.serverPort()) + u"/tls"_s,
                      u"--cafile"_s, path(u"root.pem"_s)});
        QVERIFY(refused.finished);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.lines.value(0).contains("CERTIFICATE_VERIFY_FAILED"),
                 qPrintable(describe(refused)));
    }

    void tlsWithQWebSocketClient() {
        skipWithoutTls();
        ServerOptions options;
        options.mode = ServerMode::Echo;
        options.certificateFile = path(u"ec.pem"_s);
        options.privateKeyFile = path(u"ec-sec1.key"_s);  // "BEGIN EC PRIVATE KEY"
        WebSocketServer server(options);
        QVERIFY2(server.listen(), qPrintable(server.errorString()));
        QVERIFY(server.isTls());

        QtClient client;
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates(QSslCertificate::fromPath(path(u"ec.pem"_s)));
        client.socket.setSslConfiguration(tls);
        QVERIFY(client.open(
            QUrl(u"wss://127.0.0.1:"_s + QString::number(server.serverPort()) + u"/q"_s)));
        client.socket.sendTextMessage(u"qt over tls"_s);
        QTRY_COMPARE_WITH_TIMEOUT(client.texts, QStringList{u"qt over tls"_s}, kTimeoutMs);
        auto* socket = qobject_cast<QSslSocket*>(server.connection(1)->socket());
        QVERIFY(socket && socket->isEncrypted());
    }

    void tlsRefusesPlainClient() {
        skipWithoutTls();
        ServerOptions options;
        options.certificateFile = path(u"ec.pem"_s);
        options.privateKeyFile = path(u"ec.key"_s);
        WebSocketServer server(options);
        QVERIFY2(server.listen(), qPrintable(server.errorString()));
        RefusalRecorder recorder(server);
        QTcpSocket plain;
        plain.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(spinUntil([&] { return plain.state() == QAbstractSocket::ConnectedState; },
                          kTimeoutMs));
        const quint16 localPort = plain.localPort();
        plain.write(upgradeRequest({}));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.refusals.size(), std::size_t(1), kTimeoutMs);
        const Refusal& refusal = recorder.refusals.front();
        QCOMPARE(refusal.id, quint64(0));
        QCOMPARE(refusal.status, 0);
        QCOMPARE(refusal.peer, u"127.0.0.1:"_s + QString::number(localPort));
        QCOMPARE(refusal.reason,
                 u"the client did not start a TLS handshake (its first byte is not a TLS "
                 u"handshake record: a ws:// client on this wss:// server?)"_s);
        QTRY_VERIFY_WITH_TIMEOUT(plain.state() == QAbstractSocket::UnconnectedState, kTimeoutMs);

        // A client that starts TLS but does not trust the certificate: the
        // server sees the handshake fail (the client's alert).
        QSslSocket untrusting;
        quint16 untrustingPort = 0;
        connect(&untrusting, &QAbstractSocket::connected, this,
                [&] { untrustingPort = untrusting.localPort(); });
        untrusting.connectToHostEncrypted(u"127.0.0.1"_s, server.serverPort());
        QTRY_COMPARE_WITH_TIMEOUT(recorder.refusals.size(), std::size_t(2), kTimeoutMs);
        QCOMPARE(recorder.refusals[1].reason,
                 u"TLS handshake failed: the client closed the connection (does it trust the "
                 u"certificate?)"_s);
        QCOMPARE(recorder.refusals[1].peer, u"127.0.0.1:"_s + QString::number(untrustingPort));
        QCOMPARE(server.connectionCount(), 0);
    }

    void refusesBadTlsFiles_data() {
        QTest::addColumn<QString>("certificate");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("error");  // %C: the certificate path, %K: the key path
        QTest::newRow("missing key")
            << u"ec.pem"_s << u"missing.key"_s
            << u"cannot read the private key %K: No such file or directory"_s;
        QTest::newRow("missing certificate")
            << u"missing.pem"_s << u"ec.key"_s
            << u"cannot read the certificate %C: No such file or directory"_s;
        QTest::newRow("garbage key")
            << u"ec.pem"_s << u"garbage.txt"_s
            << u"cannot read the private key %K: no PEM private key in it"_s;
        QTest::newRow("certificate as key")
            << u"ec.pem"_s << u"ec.pem"_s
            << u"cannot read the private key %K: no PEM private key in it"_s;
        QTest::newRow("encrypted key")
            << u"ec.pem"_s << u"ec-encrypted.key"_s
            << u"cannot read the private key %K: the key is encrypted; give an unencrypted PEM key"_s;
        QTest::newRow("garbage certificate")
            << u"garbage.txt"_s << u"ec.key"_s
            << u"cannot read the certificate %C: no PEM certificate (-----BEGIN CERTIFICATE-----) in it"_s;
        QTest::newRow("key of another certificate")
            << u"ec.pem"_s << u"leaf.key"_s
            << u"the key does not match the certificate: %K is not the private key of the first "
               u"certificate in %C"_s;
        QTest::newRow("chain with the intermediate's key")
            << u"leaf-chain.pem"_s << u"intermediate.key"_s
            << u"the key does not match the certificate: %K is not the private key of the first "
               u"certificate in %C"_s;
        QTest::newRow("certificate without key")
            << u"ec.pem"_s << QString()
            << u"TLS needs a private key file as well as the certificate"_s;
        QTest::newRow("key without certificate")
            << QString() << u"ec.key"_s
            << u"TLS needs a certificate file as well as the private key"_s;
    }
    void refusesBadTlsFiles() {
        skipWithoutTls();
        QFETCH(QString, certificate);
        QFETCH(QString, key);
        QFETCH(QString, error);
        ServerOptions options;
        options.certificateFile = certificate.isEmpty() ? QString() : path(certificate);
        options.privateKeyFile = key.isEmpty() ? QString() : path(key);
        WebSocketServer server(options);
        QVERIFY(!server.listen());
        QCOMPARE(server.errorString(), QString(error)
                                           .replace(u"%C"_s, options.certificateFile)
                                           .replace(u"%K"_s, options.privateKeyFile));
        QCOMPARE(server.serverPort(), quint16(0));
        // No piece of the key file's body ever shows in an error.
        const QByteArray body =
            options.privateKeyFile.isEmpty() ? QByteArray() : readFile(options.privateKeyFile);
        for (const QByteArray& line : body.split('\n')) {
            if (line.size() >= 16 && !line.startsWith("-----")) {
                QVERIFY2(!server.errorString().toUtf8().contains(line.left(16)),
                         "the error shows key material");
            }
        }
    }

    void refusesMalformedAllowListEntry() {
        ServerOptions options;
        options.allowedOrigins = {"https://ok.example", "https://bad.example/"};
        WebSocketServer server(options);
        QVERIFY(!server.listen());
        QCOMPARE(server.errorString(),
                 u"allowed origin 'https://bad.example/' is not of the form scheme://host[:port] "
                 u"(no path, no trailing slash)"_s);
    }

    void originAllowList() {
        if (!pythonMissing_.isEmpty()) {
            QSKIP(qPrintable(pythonMissing_));
        }
        ServerOptions options;
        options.mode = ServerMode::Echo;
        options.allowedOrigins = {"HTTPS://App.Example:443", "http://localhost:3000"};
        WebSocketServer server(options);
        QVERIFY2(server.listen(), qPrintable(server.errorString()));
        RefusalRecorder recorder(server);
        const QString url = wsUrl(server).toString();

        const ProbeResult allowed =
            runProbe({url, u"--origin"_s, u"https://app.example"_s, u"--send"_s, u"hi"_s});
        QVERIFY2(allowed.exitCode == 0, qPrintable(describe(allowed)));
        QCOMPARE(allowed.lines, (QList<QByteArray>{"OPEN", "EXTENSIONS -", "SUBPROTOCOL -",
                                                   "ECHO hi", "CLOSED 1000"}));
        QCOMPARE(recorder.refusals.size(), std::size_t(0));

        const ProbeResult refused = runProbe({url, u"--origin"_s, u"https://evil.example"_s});
        QVERIFY2(refused.exitCode == 0, qPrintable(describe(refused)));
        QCOMPARE(refused.lines, QList<QByteArray>{"REFUSED 403"});
        QTRY_COMPARE_WITH_TIMEOUT(recorder.refusals.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(recorder.refusals[0].id, quint64(2));
        QCOMPARE(recorder.refusals[0].status, 403);
        QCOMPARE(recorder.refusals[0].reason,
                 u"Origin 'https://evil.example' is not in the allow-list"_s);
        QVERIFY(recorder.refusals[0].peer.startsWith(u"127.0.0.1:"_s));

        // Port 3000 is part of the origin: 3001 is another site.
        const ProbeResult otherPort = runProbe({url, u"--origin"_s, u"http://localhost:3001"_s});
        QCOMPARE(otherPort.lines, QList<QByteArray>{"REFUSED 403"});

        // No Origin at all (python's client sends none unless told).
        const ProbeResult none = runProbe({url});
        QCOMPARE(none.lines, QList<QByteArray>{"REFUSED 403"});
        QTRY_COMPARE_WITH_TIMEOUT(recorder.refusals.size(), std::size_t(3), kTimeoutMs);
        QCOMPARE(recorder.refusals[2].reason,
                 u"the request has no Origin header, and an allow-list is set (every browser "
                 u"sends Origin, so this client is not a web page the list could vouch for)"_s);

        // The 403 the client reads, in full.
        const QByteArray head =
            rawExchange(server.serverPort(), upgradeRequest("Origin: null\r\n"));
        QVERIFY2(head.startsWith("HTTP/1.1 403 Forbidden\r\n"), head.constData());
        QTRY_COMPARE_WITH_TIMEOUT(recorder.refusals.size(), std::size_t(4), kTimeoutMs);
        QCOMPARE(recorder.refusals[3].reason,
                 u"Origin 'null' is not in the allow-list (it is not of the form "
                 u"scheme://host[:port])"_s);
        QCOMPARE(recorder.refusals[3].status, 403);
    }

    void originWithQWebSocket() {
        ServerOptions options;
        options.mode = ServerMode::Echo;
        options.allowedOrigins = {"https://app.example"};
        WebSocketServer server(options);
        QVERIFY(server.listen());
        RefusalRecorder recorder(server);

        QtClient allowed(u"https://APP.example"_s);
        QVERIFY(allowed.open(wsUrl(server)));
        QCOMPARE(server.origin(1), u"https://APP.example"_s);
        allowed.socket.sendTextMessage(u"ok"_s);
        QTRY_COMPARE_WITH_TIMEOUT(allowed.texts, QStringList{u"ok"_s}, kTimeoutMs);

        QtClient refused(u"https://evil.example"_s);
        refused.socket.open(wsUrl(server));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.refusals.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(recorder.refusals[0].status, 403);
        QTRY_VERIFY_WITH_TIMEOUT(refused.socket.state() == QAbstractSocket::UnconnectedState,
                                 kTimeoutMs);
        QVERIFY(refused.texts.isEmpty());
    }

    void reportsEveryRefusal_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("reason");
        QTest::newRow("version 8")
            << upgradeRequest({}, "GET", "8") << 426
            << u"handshake-bad-version (RFC 6455 §4.2.2): Sec-WebSocket-Version is '8'; this "
               u"server speaks version 13."_s;
        QTest::newRow("POST")
            << upgradeRequest({}, "POST") << 405
            << u"handshake-bad-method (RFC 6455 §4.2.1): A WebSocket upgrade must "
               u"use GET, not POST."_s;
        QTest::newRow("no key")
            << QByteArray(
                   "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: "
                   "Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")
            << 400
            << u"handshake-missing-key (RFC 6455 §4.2.1): The request has no Sec-WebSocket-Key."_s;
        QTest::newRow("not HTTP") << QByteArray("HELLO\r\n\r\n") << 400 << QString();
    }
    void reportsEveryRefusal() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, reason);
        WebSocketServer server(ServerOptions{});
        QVERIFY(server.listen());
        RefusalRecorder recorder(server);
        const QByteArray head = rawExchange(server.serverPort(), request);
        QVERIFY2(head.startsWith(QByteArray("HTTP/1.1 " + QByteArray::number(status) + ' ')),
                 head.constData());
        QTRY_COMPARE_WITH_TIMEOUT(recorder.refusals.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(recorder.refusals[0].id, quint64(1));
        QCOMPARE(recorder.refusals[0].status, status);
        if (reason.isEmpty()) {
            QVERIFY2(recorder.refusals[0].reason.startsWith(u"handshake-"_s),
                     qPrintable(recorder.refusals[0].reason));
        } else {
            QCOMPARE(recorder.refusals[0].reason, reason);
        }
    }

    void reportsClientLeavingMidRequest() {
        WebSocketServer server(ServerOptions{});
        QVERIFY(server.listen());
        RefusalRecorder recorder(server);
        {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, server.serverPort());
            QVERIFY(spinUntil([&] { return socket.state() == QAbstractSocket::ConnectedState; },
                              kTimeoutMs));
            socket.write("GET / HTTP/1.1\r\nHost: h\r\n");
            QVERIFY(spinUntil([&] { return socket.bytesToWrite() == 0; }, kTimeoutMs));
            socket.disconnectFromHost();
        }
        QTRY_COMPARE_WITH_TIMEOUT(recorder.refusals.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(recorder.refusals[0].status, 0);
        QVERIFY2(recorder.refusals[0].reason.contains(u"closed during the opening handshake"_s),
                 qPrintable(recorder.refusals[0].reason));
    }

    void reportsSilentClientTimingOut() {
        ServerOptions options;
        options.timeouts.handshake = std::chrono::milliseconds(200);
        WebSocketServer server(options);
        QVERIFY(server.listen());
        RefusalRecorder recorder(server);
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(spinUntil([&] { return socket.state() == QAbstractSocket::ConnectedState; },
                          kTimeoutMs));
        const quint16 localPort = socket.localPort();
        QTRY_COMPARE_WITH_TIMEOUT(recorder.refusals.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(recorder.refusals[0].status, 0);
        QCOMPARE(recorder.refusals[0].reason, u"opening handshake timed out after 200 ms"_s);
        QCOMPARE(recorder.refusals[0].peer, u"127.0.0.1:"_s + QString::number(localPort));
    }

    void negotiatesSubprotocolAndDeflatePolicy() {
        ServerOptions options;
        options.mode = ServerMode::Echo;
        options.subprotocols = {"v2.chat", "v1.chat"};
        options.deflate = true;
        options.deflatePolicy.serverNoContextTakeover = true;
        options.deflatePolicy.clientNoContextTakeover = true;
        options.deflatePolicy.serverMaxWindowBits = 10;
        options.deflatePolicy.clientMaxWindowBits = 9;
        WebSocketServer server(options);
        QVERIFY(server.listen());

        const QByteArray head = rawExchange(
            server.serverPort(),
            upgradeRequest(
                "Sec-WebSocket-Protocol: v1.chat, v2.chat\r\n"
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"));
        QVERIFY2(head.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), head.constData());
        QCOMPARE(headerValue(head, "Sec-WebSocket-Protocol"), QByteArray("v2.chat"));
        QCOMPARE(headerValue(head, "Sec-WebSocket-Extensions"),
                 QByteArray("permessage-deflate; server_no_context_takeover; "
                            "client_no_context_takeover; server_max_window_bits=10; "
                            "client_max_window_bits=9"));

        // Without client_max_window_bits in the offer the server may not limit the client.
        const QByteArray plainOffer =
            rawExchange(server.serverPort(),
                        upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate\r\n"));
        QCOMPARE(headerValue(plainOffer, "Sec-WebSocket-Extensions"),
                 QByteArray("permessage-deflate; server_no_context_takeover; "
                            "client_no_context_takeover; server_max_window_bits=10"));

        // Deflate off: the offer is ignored.
        WebSocketServer noDeflate(ServerOptions{});
        QVERIFY(noDeflate.listen());
        const QByteArray declined =
            rawExchange(noDeflate.serverPort(),
                        upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate\r\n"));
        QVERIFY2(declined.startsWith("HTTP/1.1 101 "), declined.constData());
        QCOMPARE(headerValue(declined, "Sec-WebSocket-Extensions"), QByteArray());

        if (pythonMissing_.isEmpty()) {
            // A real client accepts that answer and its messages survive both windows.
            const QString big = QString::fromUtf8(makeTextPayload(5000));
            const ProbeResult result = runProbe(
                {wsUrl(server).toString(), u"--deflate"_s, u"--subprotocol"_s, u"v1.chat"_s,
                 u"--subprotocol"_s, u"v2.chat"_s, u"--send"_s, big, u"--send"_s, big});
            QVERIFY2(result.exitCode == 0, qPrintable(describe(result)));
            QCOMPARE(result.lines.value(1),
                     QByteArray("EXTENSIONS permessage-deflate; server_no_context_takeover; "
                                "client_no_context_takeover; server_max_window_bits=10; "
                                "client_max_window_bits=9"));
            QCOMPARE(result.lines.value(2), QByteArray("SUBPROTOCOL v2.chat"));
            QCOMPARE(result.lines.size(), 6);
        }
    }

    void listsClients() {
        ServerOptions options;
        options.mode = ServerMode::Echo;
        options.subprotocols = {"chat"};
        options.allowedOrigins = {"https://app.example"};
        WebSocketServer server(options);
        QVERIFY(server.listen());
        ServerClientList list(&server);
        QCOMPARE(list.columnCount(), int(ServerClientList::ColumnCount));
        QCOMPARE(list.headerData(ServerClientList::State, Qt::Horizontal).toString(), u"State"_s);
        QSignalSpy inserted(&list, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&list, &QAbstractItemModel::dataChanged);

        QtClient first(u"https://app.example"_s);
        QVERIFY(first.open(wsUrl(server, u"/room?id=7"_s)));
        QTRY_COMPARE_WITH_TIMEOUT(list.rowCount(), 1, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(cell(list, 0, ServerClientList::State).toString(), u"open"_s,
                                  kTimeoutMs);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(list.connectionId(0), quint64(1));
        QCOMPARE(list.rowOf(1), 0);
        QCOMPARE(cell(list, 0, ServerClientList::Id).toString(), u"1"_s);
        QCOMPARE(cell(list, 0, ServerClientList::Peer).toString(),
                 u"127.0.0.1:"_s + QString::number(first.socket.localPort()));
        QCOMPARE(cell(list, 0, ServerClientList::Target).toString(), u"/room?id=7"_s);
        QCOMPARE(cell(list, 0, ServerClientList::Origin).toString(), u"https://app.example"_s);
        QCOMPARE(cell(list, 0, ServerClientList::Subprotocol).toString(), QString());
        QVERIFY(list.isActive(0));
        QVERIFY(cell(list, 0, ServerClientList::ConnectedSince, ServerClientList::ValueRole)
                    .toDateTime()
                    .isValid());
        const std::optional<event::HandshakeDone> handshake = list.handshake(0);
        QVERIFY(handshake);
        QCOMPARE(handshake->request.target, std::string("/room?id=7"));
        QCOMPARE(handshake->response.status, 101);
        QVERIFY(!list.handshake(5));

        // Counters: a 5-byte text is 11 bytes in (masked) and 7 out (the echo).
        const auto value = [&](ServerClientList::Column column) {
            return cell(list, 0, column, ServerClientList::ValueRole).toULongLong();
        };
        QTRY_VERIFY_WITH_TIMEOUT(value(ServerClientList::BytesIn) > 0, kTimeoutMs);
        const quint64 bytesIn = value(ServerClientList::BytesIn);
        const quint64 bytesOut = value(ServerClientList::BytesOut);
        first.socket.sendTextMessage(u"hello"_s);
        first.socket.sendTextMessage(u"again"_s);
        QTRY_COMPARE_WITH_TIMEOUT(first.texts.size(), 2, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(value(ServerClientList::MessagesIn), quint64(2), kTimeoutMs);
        QCOMPARE(value(ServerClientList::MessagesOut), quint64(2));
        QCOMPARE(value(ServerClientList::BytesIn), bytesIn + 22);
        QCOMPARE(value(ServerClientList::BytesOut), bytesOut + 14);
        QCOMPARE(cell(list, 0, ServerClientList::MessagesIn).toString(), u"2"_s);
        // The view hears about it (coalesced, a few times a second).
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(changed.cbegin(), changed.cend(),
                                             [](const QList<QVariant>& args) {
                                                 return args.at(1).toModelIndex().column() ==
                                                        ServerClientList::BytesOut;
                                             }),
                                 kTimeoutMs);

        // A refused client gets a row too, with the reason.
        const QByteArray head =
            rawExchange(server.serverPort(), upgradeRequest("Origin: https://evil.example\r\n"));
        QVERIFY(head.startsWith("HTTP/1.1 403 "));
        QTRY_COMPARE_WITH_TIMEOUT(list.rowCount(), 2, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(cell(list, 1, ServerClientList::State).toString(),
                                  u"refused 403"_s, kTimeoutMs);
        QCOMPARE(cell(list, 1, ServerClientList::Origin).toString(), u"https://evil.example"_s);
        QCOMPARE(list.detail(1), u"Origin 'https://evil.example' is not in the allow-list"_s);
        QCOMPARE(cell(list, 1, ServerClientList::State, Qt::ToolTipRole).toString(),
                 list.detail(1));
        QVERIFY(!list.handshake(1));
        QTRY_VERIFY_WITH_TIMEOUT(!list.isActive(1), kTimeoutMs);
        QCOMPARE(cell(list, 1, ServerClientList::State).toString(), u"refused 403"_s);

        // A third, with a subprotocol, stays open.
        QtClient third(u"https://app.example"_s);
        QWebSocketHandshakeOptions handshakeOptions;
        handshakeOptions.setSubprotocols({u"chat"_s});
        third.socket.open(QNetworkRequest(wsUrl(server)), handshakeOptions);
        QTRY_COMPARE_WITH_TIMEOUT(list.rowCount(), 3, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(cell(list, 2, ServerClientList::Subprotocol).toString(),
                                  u"chat"_s, kTimeoutMs);

        // The first leaves: its row stays, closed by the client.
        first.socket.close(QWebSocketProtocol::CloseCodeNormal);
        QTRY_COMPARE_WITH_TIMEOUT(cell(list, 0, ServerClientList::State).toString(),
                                  u"closed 1000 (by client)"_s, kTimeoutMs);
        QVERIFY(!list.isActive(0));
        QCOMPARE(list.rowCount(), 3);
        QCOMPARE(value(ServerClientList::MessagesIn), quint64(2));

        // The server closes the third: "by server".
        QVERIFY(server.sendTo(3, 8, bytesOf(QByteArray("\x03\xe9", 2))));
        QTRY_COMPARE_WITH_TIMEOUT(cell(list, 2, ServerClientList::State).toString(),
                                  u"closed 1001 (by server)"_s, kTimeoutMs);

        list.clearClosed();
        QCOMPARE(list.rowCount(), 0);
        QCOMPARE(list.rowOf(1), -1);

        QtClient fourth(u"https://app.example"_s);
        QVERIFY(fourth.open(wsUrl(server)));
        QTRY_COMPARE_WITH_TIMEOUT(list.rowCount(), 1, kTimeoutMs);
        QCOMPARE(list.connectionId(0), quint64(4));
        QCOMPARE(list.rowOf(4), 0);
        list.clearClosed();
        QCOMPARE(list.rowCount(), 1);  // still open: kept
    }

private:
    QString path(const QString& name) const { return dir_.filePath(name); }

    void skipWithoutTls() {
        if (!tlsMissing_.isEmpty()) {
            QSKIP(qPrintable(tlsMissing_));
        }
    }

    // root (EC) -> intermediate (EC) -> leaf (RSA, for 127.0.0.1); and a
    // self-signed EC certificate with its key as PKCS#8, SEC1 and encrypted.
    bool makeCertificates(QString& error) {
        const auto ext = [this](const QString& name, const QByteArray& text) {
            return writeFile(path(name), text);
        };
        if (!ext(u"ca.ext"_s,
                 "basicConstraints=critical,CA:TRUE\n"
                 "keyUsage=critical,keyCertSign,cRLSign\n") ||
            !ext(u"leaf.ext"_s,
                 "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\n"
                 "extendedKeyUsage=serverAuth\n") ||
            !writeFile(path(u"garbage.txt"_s), "not a PEM file at all\n")) {
            error = u"cannot write into the temporary directory"_s;
            return false;
        }
        const QStringList ec{u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                             u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s};
        const QStringList steps[] = {
            QStringList{u"req"_s, u"-x509"_s} + ec +
                QStringList{u"-days"_s, u"1"_s, u"-subj"_s, u"/CN=Sockscope Test Root"_s,
                            u"-addext"_s, u"basicConstraints=critical,CA:TRUE"_s, u"-addext"_s,
                            u"keyUsage=critical,keyCertSign,cRLSign"_s, u"-keyout"_s,
                            path(u"root.key"_s), u"-out"_s, path(u"root.pem"_s)},
            QStringList{u"req"_s} + ec +
                QStringList{u"-subj"_s, u"/CN=Sockscope Test Intermediate"_s, u"-keyout"_s,
                            path(u"intermediate.key"_s), u"-out"_s, path(u"intermediate.csr"_s)},
            {u"x509"_s, u"-req"_s, u"-in"_s, path(u"intermediate.csr"_s), u"-CA"_s,
             path(u"root.pem"_s), u"-CAkey"_s, path(u"root.key"_s), u"-CAcreateserial"_s,
             u"-days"_s, u"1"_s, u"-extfile"_s, path(u"ca.ext"_s), u"-out"_s,
             path(u"intermediate.pem"_s)},
            {u"req"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-subj"_s, u"/CN=127.0.0.1"_s,
             u"-keyout"_s, path(u"leaf.key"_s), u"-out"_s, path(u"leaf.csr"_s)},
            {u"x509"_s, u"-req"_s, u"-in"_s, path(u"leaf.csr"_s), u"-CA"_s,
             path(u"intermediate.pem"_s), u"-CAkey"_s, path(u"intermediate.key"_s),
             u"-CAcreateserial"_s, u"-days"_s, u"1"_s, u"-extfile"_s, path(u"leaf.ext"_s),
             u"-out"_s, path(u"leaf.pem"_s)},
            QStringList{u"req"_s, u"-x509"_s} + ec +
                QStringList{u"-days"_s, u"1"_s, u"-subj"_s, u"/CN=127.0.0.1"_s, u"-addext"_s,
                            u"subjectAltName=IP:127.0.0.1"_s, u"-keyout"_s, path(u"ec.key"_s),
                            u"-out"_s, path(u"ec.pem"_s)},
            {u"ec"_s, u"-in"_s, path(u"ec.key"_s), u"-out"_s, path(u"ec-sec1.key"_s)},
            {u"pkey"_s, u"-in"_s, path(u"ec.key"_s), u"-aes256"_s, u"-passout"_s, u"pass:secret"_s,
             u"-out"_s, path(u"ec-encrypted.key"_s)},
        };
        for (const QStringList& step : steps) {
            if (!runOpenssl(step, error)) {
                return false;
            }
        }
        const QByteArray chain =
            readFile(path(u"leaf.pem"_s)) + readFile(path(u"intermediate.pem"_s));
        if (!writeFile(path(u"leaf-chain.pem"_s), chain) ||
            !readFile(path(u"ec-sec1.key"_s)).contains("BEGIN EC PRIVATE KEY")) {
            error = u"the test certificates did not come out as expected"_s;
            return false;
        }
        return true;
    }

    QTemporaryDir dir_;
    QString pythonMissing_;
    QString tlsMissing_;
};

QTEST_GUILESS_MAIN(ServerFeatures)
#include "tst_server_features.moc"
