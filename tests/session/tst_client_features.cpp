// The console client's features end to end: permessage-deflate offers, TLS
// (client certificates, ignoring certificate errors), automatic pongs,
// keepalive pings, reconnecting with back-off. Peers: Debian's
// python3-websockets (tests/session/peers/feature_server.py), Qt WebSockets in
// this process, and a bare QTcpServer that completes the handshake and then
// ignores every frame. Certificates are made per run with the openssl command.

#include <QElapsedTimer>
#include <QFile>
#include <QPointer>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <sockscope/dissector/dissector.h>

#include "connection_recorder.h"
#include "dissection_recorder.h"
#include "payloads.h"
#include "peer_process.h"
#include "raw_packet.h"
#include "session/keepalive.h"
#include "session/reconnecting_client.h"
#include "session/websocket_client.h"
#include "sockscope/core/handshake.h"
#include "sockscope/core/raw_frame.h"
#include "websocket_conversation.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

// QTRY_* waits up to this (bounded; generous for a loaded CI machine).
constexpr int kTimeoutMs = 20000;

WebSocketUrl urlOf(const QString& text) {
    return *parseWebSocketUrl(text).url;
}

// feature_server.py, started by the constructor and stopped by the destructor.
class FeaturePeer {
public:
    explicit FeaturePeer(const QStringList& arguments) {
        process_.start(systemPython(), QStringList{peerScript(u"feature_server.py"_s)} + arguments);
        if (const auto line = waitForLine(process_, "PORT ", 15000)) {
            port_ = line->mid(5).toUShort();
        }
    }
    ~FeaturePeer() {
        process_.closeWriteChannel();
        if (!process_.waitForFinished(3000)) {
            process_.kill();
            process_.waitForFinished(3000);
        }
    }
    FeaturePeer(const FeaturePeer&) = delete;
    FeaturePeer& operator=(const FeaturePeer&) = delete;

    quint16 port() const { return port_; }
    QString url(bool tls) const {
        return (tls ? u"wss://127.0.0.1:"_s : u"ws://127.0.0.1:"_s) + QString::number(port_) +
               u"/features"_s;
    }
    // Every stdout line so far that starts with `prefix` (reads without blocking).
    QList<QByteArray> lines(const QByteArray& prefix) {
        process_.setReadChannel(QProcess::StandardOutput);
        while (process_.canReadLine()) {
            lines_.append(process_.readLine().trimmed());
        }
        QList<QByteArray> found;
        for (const QByteArray& line : lines_) {
            if (line.startsWith(prefix)) {
                found.append(line);
            }
        }
        return found;
    }
    QByteArray errorOutput() { return process_.readAllStandardError(); }

private:
    QProcess process_;
    quint16 port_ = 0;
    QList<QByteArray> lines_;
};

// A QWebSocketServer (plain or TLS) that echoes, records the pongs it gets,
// and can go away and come back on the same port.
class QtServer : public QObject {
public:
    explicit QtServer(const std::optional<QSslConfiguration>& tls = std::nullopt)
        : server_(u"qt-features"_s,
                  tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode) {
        if (tls) {
            server_.setSslConfiguration(*tls);
        }
        connect(&server_, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket* socket = server_.nextPendingConnection()) {
                socket->setParent(this);
                sockets.append(socket);
                connect(socket, &QWebSocket::textMessageReceived, socket,
                        [socket](const QString& m) { socket->sendTextMessage(m); });
                connect(socket, &QWebSocket::binaryMessageReceived, socket,
                        [socket](const QByteArray& m) { socket->sendBinaryMessage(m); });
                connect(socket, &QWebSocket::pong, this,
                        [this](quint64, const QByteArray& payload) { pongs.append(payload); });
                if (closeOnConnect) {
                    socket->close(static_cast<QWebSocketProtocol::CloseCode>(closeOnConnect->first),
                                  closeOnConnect->second);
                }
            }
        });
    }
    bool listen(quint16 port = 0) { return server_.listen(QHostAddress::LocalHost, port); }
    quint16 port() const { return server_.serverPort(); }
    QString url() const {
        return (server_.secureMode() == QWebSocketServer::SecureMode ? u"wss://127.0.0.1:"_s
                                                                     : u"ws://127.0.0.1:"_s) +
               QString::number(server_.serverPort()) + u"/qt"_s;
    }
    // Stops listening and drops every client without a close frame.
    void vanish() {
        server_.close();
        for (const QPointer<QWebSocket>& socket : sockets) {
            if (socket) {
                socket->abort();
            }
        }
        sockets.clear();
    }

    QList<QPointer<QWebSocket>> sockets;
    QList<QByteArray> pongs;
    std::optional<std::pair<int, QString>> closeOnConnect;

private:
    QWebSocketServer server_;
};

// Completes the opening handshake by hand, then never answers a frame: a peer
// whose pongs never come. Optionally sends one unsolicited pong.
class SilentServer : public QObject {
public:
    SilentServer() {
        connect(&server_, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = server_.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
            }
        });
    }
    bool listen() { return server_.listen(QHostAddress::LocalHost, 0); }
    QString url() const { return u"ws://127.0.0.1:"_s + QString::number(server_.serverPort()); }

    std::optional<QByteArray> unsolicitedPong;
    bool upgraded = false;
    QByteArray afterHandshake;  // every byte the client sent after its request

private:
    void read(QTcpSocket* socket) {
        const QByteArray data = socket->readAll();
        if (upgraded) {
            afterHandshake += data;
            return;
        }
        head_ += data;
        const qsizetype end = head_.indexOf("\r\n\r\n");
        if (end < 0) {
            return;
        }
        std::string key;
        for (const QByteArray& line : head_.left(end).split('\n')) {
            const QByteArray trimmed = line.trimmed();
            if (trimmed.toLower().startsWith("sec-websocket-key:")) {
                key = trimmed.mid(18).trimmed().toStdString();
            }
        }
        socket->write(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
            QByteArray::fromStdString(computeWebSocketAccept(key)) + "\r\n\r\n");
        if (unsolicitedPong) {
            socket->write(QByteArray("\x8a", 1) + char(unsolicitedPong->size()) + *unsolicitedPong);
        }
        upgraded = true;
        afterHandshake = head_.mid(end + 4);
    }

    QTcpServer server_;
    QByteArray head_;
};

QByteArray counterPayload(std::uint64_t n) {
    QByteArray out(8, '\0');
    for (int i = 0; i < 8; ++i) {
        out[i] = static_cast<char>(n >> (56 - 8 * i));
    }
    return out;
}

}  // namespace

class ClientFeatures : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        pythonMissing_ = pythonWebsocketsMissing();
        if (!QSslSocket::supportsSsl()) {
            tlsMissing_ = u"Qt has no TLS backend here"_s;
            return;
        }
        QProcess probe;
        probe.start(u"openssl"_s, {u"version"_s});
        if (!probe.waitForStarted(10000)) {
            tlsMissing_ = u"the openssl command is not installed"_s;
            return;
        }
        QVERIFY(probe.waitForFinished(30000));
        makeCertificate(u"server"_s, u"127.0.0.1"_s, true);
        makeCertificate(u"client"_s, u"sockscope-test-client"_s, false);
        QVERIFY(
            runOpenssl({u"pkey"_s, u"-in"_s, path(u"client-key.pem"_s), u"-aes256"_s, u"-passout"_s,
                        u"pass:secret"_s, u"-out"_s, path(u"encrypted-key.pem"_s)}));
        QFile certFile(path(u"server-cert.pem"_s));
        QFile keyFile(path(u"server-key.pem"_s));
        QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
        serverCertificate_ = QSslCertificate(certFile.readAll(), QSsl::Pem);
        serverKey_ = QSslKey(keyFile.readAll(), QSsl::Ec, QSsl::Pem);
        QVERIFY(!serverCertificate_.isNull() && !serverKey_.isNull());
    }

    // --- permessage-deflate offer ----------------------------------------

    void deflateOfferReachesTheRequest() {
        ClientOptions options;
        options.deflate = true;
        options.deflateOffer.serverNoContextTakeover = true;
        options.deflateOffer.clientNoContextTakeover = true;
        options.deflateOffer.serverMaxWindowBits = 10;
        options.deflateOffer.clientMaxWindowBits = 12;
        const std::string expected =
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=10; client_max_window_bits=12";
        const WebSocketUrl url = urlOf(u"ws://127.0.0.1:1/x"_s);
        const HttpRequest request =
            buildClientRequest(makeClientConfig(url, options).client, generateWebSocketKey());
        QCOMPARE(request.fields.get("Sec-WebSocket-Extensions"),
                 std::optional<std::string_view>(expected));

        options.deflate = false;  // the offer's parameters alone offer nothing
        QVERIFY(!buildClientRequest(makeClientConfig(url, options).client, generateWebSocketKey())
                     .fields.get("Sec-WebSocket-Extensions"));

        // And on the wire, as python3-websockets reads it.
        if (!pythonMissing_.isEmpty()) {
            QSKIP(qPrintable(pythonMissing_));
        }
        options.deflate = true;
        FeaturePeer peer({u"--compression"_s, u"deflate"_s, u"--print-headers"_s});
        QVERIFY2(peer.port() != 0, peer.errorOutput().constData());
        WebSocketClient client(options);
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(urlOf(peer.url(false)));
        QVERIFY(connection);
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake || recorder.closed, kTimeoutMs);
        QVERIFY2(recorder.handshake, qPrintable(recorder.errors.join(u"; ")));
        QTRY_VERIFY_WITH_TIMEOUT(!peer.lines("HEADER Sec-WebSocket-Extensions:").isEmpty(),
                                 kTimeoutMs);
        QCOMPARE(peer.lines("HEADER Sec-WebSocket-Extensions:"),
                 QList<QByteArray>{"HEADER Sec-WebSocket-Extensions: " +
                                   QByteArray::fromStdString(expected)});
        // Python accepts it with both context takeovers off and our window sizes.
        QVERIFY(recorder.handshake->deflate.has_value());
        QVERIFY(recorder.handshake->deflate->serverNoContextTakeover);
        QVERIFY(recorder.handshake->deflate->clientNoContextTakeover);
        QCOMPARE(recorder.handshake->deflate->serverMaxWindowBits, 10);
        QVERIFY(connection->sendText("compressed both ways"));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.messages.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(recorder.messages[0].text(), std::string_view("compressed both ways"));
        QVERIFY(recorder.messages[0].compressed);
        QVERIFY(connection->close());
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
        QVERIFY(recorder.closed->clean);
    }

    // --- echo against both peers, plain / deflate / TLS ----------------------

    void echoes_data() {
        QTest::addColumn<QString>("peer");
        QTest::addColumn<bool>("tls");
        QTest::addColumn<bool>("deflate");
        QTest::addColumn<bool>("negotiated");  // Qt WebSockets has no permessage-deflate
        QTest::newRow("python ws") << u"python"_s << false << false << false;
        QTest::newRow("python ws deflate") << u"python"_s << false << true << true;
        QTest::newRow("python wss") << u"python"_s << true << false << false;
        QTest::newRow("python wss deflate") << u"python"_s << true << true << true;
        QTest::newRow("qt ws") << u"qt"_s << false << false << false;
        QTest::newRow("qt ws deflate offered") << u"qt"_s << false << true << false;
        QTest::newRow("qt wss") << u"qt"_s << true << false << false;
        QTest::newRow("qt wss deflate offered") << u"qt"_s << true << true << false;
    }
    void echoes() {
        QFETCH(QString, peer);
        QFETCH(bool, tls);
        QFETCH(bool, deflate);
        QFETCH(bool, negotiated);
        if (tls && !tlsMissing_.isEmpty()) {
            QSKIP(qPrintable(tlsMissing_));
        }
        ClientOptions options;
        options.deflate = deflate;
        if (tls) {
            options.caCertificates = {serverCertificate_};
        }
        if (peer == u"python"_s) {
            if (!pythonMissing_.isEmpty()) {
                QSKIP(qPrintable(pythonMissing_));
            }
            QStringList arguments{u"--compression"_s, deflate ? u"deflate"_s : u"none"_s};
            if (tls) {
                arguments << u"--certfile"_s << path(u"server-cert.pem"_s) << u"--keyfile"_s
                          << path(u"server-key.pem"_s);
            }
            FeaturePeer python(arguments);
            QVERIFY2(python.port() != 0, python.errorOutput().constData());
            echoSession(options, python.url(tls), negotiated, 4);
        } else {
            QtServer qt(tls ? std::optional(serverTls()) : std::nullopt);
            QVERIFY(qt.listen());
            echoSession(options, qt.url(), negotiated, 1);
        }
    }

    // --- TLS options -----------------------------------------------------------

    void clientCertificateErrors() {
        if (!tlsMissing_.isEmpty()) {
            QSKIP(qPrintable(tlsMissing_));
        }
        QFile notPem(path(u"not-pem.txt"_s));
        QVERIFY(notPem.open(QIODevice::WriteOnly));
        notPem.write("hello\n");
        notPem.close();
        const QString cert = path(u"client-cert.pem"_s);
        const QString key = path(u"client-key.pem"_s);
        const QString missing = path(u"missing.pem"_s);
        const QString text = path(u"not-pem.txt"_s);
        const QString encrypted = path(u"encrypted-key.pem"_s);
        const QString otherKey = path(u"server-key.pem"_s);
        const QList<std::tuple<QString, QString, QString>> cases = {
            {cert, {}, u"a client certificate was given without its key"_s},
            {{}, key, u"a client key was given without its certificate"_s},
            {missing, key, u"client certificate \""_s + missing + u"\": no such file"_s},
            {cert, missing, u"client key \""_s + missing + u"\": no such file"_s},
            {cert, dir_.path(), u"client key \""_s + dir_.path() + u"\": not a regular file"_s},
            {text, key,
             u"client certificate \""_s + text +
                 u"\": no PEM certificate in it (-----BEGIN CERTIFICATE-----)"_s},
            {cert, text,
             u"client key \""_s + text +
                 u"\": no unencrypted RSA, EC or DSA private key in PEM form"_s},
            {cert, encrypted,
             u"client key \""_s + encrypted +
                 u"\": the key is encrypted; use an unencrypted PEM key"_s},
            {cert, otherKey,
             u"client key \""_s + otherKey + u"\" does not belong to the certificate \""_s + cert +
                 u'"'},
        };
        for (const auto& [certificateFile, keyFile, expected] : cases) {
            ClientOptions options;
            options.clientCertificateFile = certificateFile;
            options.clientKeyFile = keyFile;
            WebSocketClient client(options);
            QString error;
            QVERIFY(!client.open(urlOf(u"wss://127.0.0.1:1/"_s), &error));
            QCOMPARE(error, expected);
            QVERIFY(!client.connection());

            ReconnectingClient reconnecting(options, ReconnectPolicy{.enabled = true});
            int started = 0;
            connect(&reconnecting, &ReconnectingClient::connectionStarted, this,
                    [&] { ++started; });
            error.clear();
            QVERIFY(!reconnecting.open(urlOf(u"wss://127.0.0.1:1/"_s), &error));
            QCOMPARE(error, expected);
            QCOMPARE(started, 0);
            QVERIFY(!reconnecting.isActive());
        }
    }

    void clientCertificateIsPresented() {
        if (!tlsMissing_.isEmpty()) {
            QSKIP(qPrintable(tlsMissing_));
        }
        if (!pythonMissing_.isEmpty()) {
            QSKIP(qPrintable(pythonMissing_));
        }
        FeaturePeer python({u"--certfile"_s, path(u"server-cert.pem"_s), u"--keyfile"_s,
                            path(u"server-key.pem"_s), u"--client-ca"_s,
                            path(u"client-cert.pem"_s)});
        QVERIFY2(python.port() != 0, python.errorOutput().constData());

        ClientOptions options;
        options.caCertificates = {serverCertificate_};
        {  // without a certificate the server ends the TLS handshake
            WebSocketClient client(options);
            ConnectionRecorder recorder;
            WebSocketConnection* connection = client.open(urlOf(python.url(true)));
            QVERIFY(connection);
            recorder.attach(connection);
            QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
            QVERIFY(!recorder.handshake);
            QVERIFY(!recorder.closed->clean);
            QVERIFY(python.lines("PEER ").isEmpty());
        }
        options.clientCertificateFile = path(u"client-cert.pem"_s);
        options.clientKeyFile = path(u"client-key.pem"_s);
        WebSocketClient client(options);
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(urlOf(python.url(true)));
        QVERIFY(connection);
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake || recorder.closed, kTimeoutMs);
        QVERIFY2(recorder.handshake, qPrintable(recorder.errors.join(u"; ")));
        QTRY_COMPARE_WITH_TIMEOUT(python.lines("PEER "),
                                  QList<QByteArray>{"PEER sockscope-test-client"}, kTimeoutMs);
        QVERIFY(connection->sendText("with a certificate"));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.messages.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(recorder.messages[0].text(), std::string_view("with a certificate"));
        QVERIFY(connection->close());
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
        QVERIFY(recorder.closed->clean);
    }

    void ignoreCertificateErrorsPerConnection() {
        if (!tlsMissing_.isEmpty()) {
            QSKIP(qPrintable(tlsMissing_));
        }
        QtServer qt(serverTls());
        QVERIFY(qt.listen());
        for (const bool ignore : {false, true, false}) {
            ClientOptions options;  // the server's certificate is not trusted
            options.ignoreCertificateErrors = ignore;
            WebSocketClient client(options);
            QStringList ignored;
            connect(&client, &WebSocketClient::certificateErrorsIgnored, this,
                    [&](const QStringList& errors) { ignored += errors; });
            ConnectionRecorder recorder;
            WebSocketConnection* connection = client.open(urlOf(qt.url()));
            QVERIFY(connection);
            recorder.attach(connection);
            QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake || recorder.closed, kTimeoutMs);
            if (!ignore) {
                QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
                QVERIFY(!recorder.handshake);
                QCOMPARE(recorder.errors.size(), 1);
                QVERIFY(ignored.isEmpty());
                continue;
            }
            QVERIFY2(recorder.handshake, qPrintable(recorder.errors.join(u"; ")));
            QVERIFY(!ignored.isEmpty());  // self-signed, in Qt's words
            QVERIFY(connection->sendText("untrusted but accepted"));
            QTRY_COMPARE_WITH_TIMEOUT(recorder.messages.size(), std::size_t(1), kTimeoutMs);
            QVERIFY(connection->close());
            QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
            QVERIFY(recorder.closed->clean);
        }
    }

    void reconnectingClientForwardsIgnoredCertificateErrors() {
        if (!tlsMissing_.isEmpty()) {
            QSKIP(qPrintable(tlsMissing_));
        }
        QtServer qt(serverTls());
        QVERIFY(qt.listen());
        for (const bool ignore : {true, false}) {
            ClientOptions options;  // the server's certificate is self-signed and not trusted
            options.ignoreCertificateErrors = ignore;
            ReconnectingClient client(options, ReconnectPolicy{});
            QList<QStringList> ignored;
            connect(&client, &ReconnectingClient::certificateErrorsIgnored, this,
                    [&](const QStringList& errors) { ignored.append(errors); });
            ConnectionRecorder recorder;
            connect(&client, &ReconnectingClient::connectionStarted, this,
                    [&](WebSocketConnection* connection) { recorder.attach(connection); });
            QString error;
            QVERIFY2(client.open(urlOf(qt.url()), &error), qPrintable(error));
            QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake || recorder.closed, kTimeoutMs);
            if (!ignore) {
                QVERIFY(!recorder.handshake);
                QCOMPARE(ignored.size(), 0);
                continue;
            }
            QVERIFY2(recorder.handshake, qPrintable(recorder.errors.join(u"; ")));
            // One report per TLS handshake, in Qt's words (the SAN matches 127.0.0.1).
            QCOMPARE(ignored.size(), 1);
            QCOMPARE(ignored.front(),
                     QStringList{u"The certificate is self-signed, and untrusted"_s});
            client.close();
            QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
            QCOMPARE(ignored.size(), 1);
        }
    }

    // --- pongs and keepalive ------------------------------------------------------

    void autoPongCanBeSwitchedOff() {
        for (const bool autoPong : {true, false}) {
            QtServer qt;
            QVERIFY(qt.listen());
            ClientOptions options;
            options.autoPong = autoPong;
            WebSocketClient client(options);
            ConnectionRecorder recorder;
            WebSocketConnection* connection = client.open(urlOf(qt.url()));
            QVERIFY(connection);
            recorder.attach(connection);
            QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake && !qt.sockets.isEmpty(), kTimeoutMs);
            qt.sockets.front()->ping("are you there?");
            QTRY_COMPARE_WITH_TIMEOUT(recorder.pings.size(), std::size_t(1), kTimeoutMs);
            QCOMPARE(toByteArray(recorder.pings[0].payload), QByteArray("are you there?"));
            if (autoPong) {
                QTRY_COMPARE_WITH_TIMEOUT(qt.pongs, QList<QByteArray>{"are you there?"},
                                          kTimeoutMs);
            } else {
                // A pong would be on its way already; give it ample time to arrive.
                QTest::qWait(500);
                QVERIFY(qt.pongs.isEmpty());
                QVERIFY(recorder.framesOut.empty());
            }
            QVERIFY(connection->close());
            QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
        }
    }

    void keepAliveReportsRoundTrips() {
        QtServer qt;
        QVERIFY(qt.listen());
        WebSocketClient client(ClientOptions{});
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(urlOf(qt.url()));
        QVERIFY(connection);
        recorder.attach(connection);
        // Made while connecting: it starts with the handshake.
        KeepAlive keepAlive(connection, 30ms, 5000ms);
        QVERIFY(!keepAlive.isRunning());
        std::vector<std::chrono::microseconds> rtts;
        int timeouts = 0;
        connect(&keepAlive, &KeepAlive::roundTrip, this,
                [&](std::chrono::microseconds rtt) { rtts.push_back(rtt); });
        connect(&keepAlive, &KeepAlive::timedOut, this, [&] { ++timeouts; });
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake, kTimeoutMs);
        QVERIFY(keepAlive.isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(rtts.size() >= 3, kTimeoutMs);
        for (std::size_t i = 0; i < 3; ++i) {
            QVERIFY(rtts[i] > 0us && rtts[i] < 5s);
            QCOMPARE(toByteArray(recorder.pongs[i].payload), counterPayload(i + 1));
        }
        QVERIFY(connection->close());
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
        QVERIFY(!keepAlive.isRunning());
        const std::uint64_t sent = keepAlive.pingsSent();
        QTest::qWait(150);
        QCOMPARE(keepAlive.pingsSent(), sent);
        QCOMPARE(timeouts, 0);
    }

    void keepAliveTimesOutAndAborts() {
        SilentServer silent;
        silent.unsolicitedPong = QByteArray("not yours");
        QVERIFY(silent.listen());
        WebSocketClient client(ClientOptions{});
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(urlOf(silent.url()));
        QVERIFY(connection);
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake, kTimeoutMs);
        QElapsedTimer sinceOpen;
        sinceOpen.start();
        KeepAlive keepAlive(connection, 50ms, 200ms);
        int rtts = 0;
        int timeouts = 0;
        qint64 timedOutAfter = 0;
        connect(&keepAlive, &KeepAlive::roundTrip, this, [&] { ++rtts; });
        connect(&keepAlive, &KeepAlive::timedOut, this, [&] {
            ++timeouts;
            timedOutAfter = sinceOpen.elapsed();
        });
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
        QCOMPARE(timeouts, 1);
        QCOMPARE(rtts, 0);
        // interval + timeout = 250 ms; coarse timers may fire up to 5% early.
        QVERIFY2(timedOutAfter >= 230 && timedOutAfter < 5000,
                 QByteArray::number(timedOutAfter).constData());
        QVERIFY(!recorder.closed->clean);
        QCOMPARE(recorder.closed->code, std::optional<std::uint16_t>(close_code::Abnormal));
        // The unsolicited pong was seen, and ignored.
        QCOMPARE(recorder.pongs.size(), std::size_t(1));
        QCOMPARE(toByteArray(recorder.pongs[0].payload), QByteArray("not yours"));
        // Exactly one ping went out (no second one while the first was outstanding):
        // FIN+ping, masked, 8 bytes, key, counter 1.
        QCOMPARE(silent.afterHandshake.size(), 14);
        QCOMPARE(silent.afterHandshake.left(2), QByteArray("\x89\x88"));
        QByteArray payload = silent.afterHandshake.mid(6);
        for (int i = 0; i < 8; ++i) {
            payload[i] = static_cast<char>(payload[i] ^ silent.afterHandshake[2 + i % 4]);
        }
        QCOMPARE(payload, counterPayload(1));
        QVERIFY(!keepAlive.isRunning());
    }

    // --- raw frames -------------------------------------------------------------

    // Every preset, sent by each role it is meant for, is flagged by our own
    // passive dissector with exactly the preset's violation id.
    void dissectorFlagsEveryRawPreset() {
        for (const RawFramePreset& preset : rawFramePresets()) {
            for (const Role sender : {Role::Client, Role::Server}) {
                if (preset.sender && *preset.sender != sender) {
                    continue;
                }
                const std::vector<std::uint8_t> frame =
                    buildRawFrame(sender, preset.spec, MaskKey{1, 2, 3, 4});
                const DissectionRecorder recorder = dissectOneFrame(sender, frame);
                const std::vector<std::string> kinds = recorder.anomalyKinds();
                const std::string what = std::string(preset.id) +
                                         (sender == Role::Client ? " from client" : " from server");
                QVERIFY2(!kinds.empty(), what.c_str());
                QCOMPARE(kinds.front(), std::string(preset.violation));
            }
        }
        // A correct spec: no anomaly, the message as sent.
        RawFrameSpec spec;
        spec.payload = {'o', 'k'};
        for (const Role sender : {Role::Client, Role::Server}) {
            const DissectionRecorder recorder =
                dissectOneFrame(sender, buildRawFrame(sender, spec, MaskKey{1, 2, 3, 4}));
            QCOMPARE(recorder.anomalyKinds(), std::vector<std::string>{});
            QCOMPARE(recorder.messageLines(),
                     std::vector<std::string>{sender == Role::Client ? "conn=1 client text ok"
                                                                     : "conn=1 server text ok"});
        }
    }

    void sendRawReachesThePeer() {
        QtServer qt;
        QVERIFY(qt.listen());
        WebSocketClient client(ClientOptions{});
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(urlOf(qt.url()));
        QVERIFY(connection);
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake, kTimeoutMs);
        QByteArray wire;
        connect(connection, &WebSocketConnection::wireBytes, this,
                [&](bool outgoing, const QByteArray& bytes) {
                    if (outgoing) {
                        wire += bytes;
                    }
                });

        // A correct frame written raw is an ordinary message to the peer.
        RawFrameSpec spec;
        spec.payload = {'r', 'a', 'w'};
        const std::vector<std::uint8_t> good = buildRawFrame(Role::Client, spec, {9, 8, 7, 6});
        QVERIFY(connection->sendRaw(good));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.messages.size(), std::size_t(1), kTimeoutMs);
        QCOMPARE(recorder.messages[0].text(), std::string_view("raw"));
        QCOMPARE(wire, toByteArray(good));

        // A reserved opcode: Qt fails the connection with 1002.
        const RawFramePreset* reserved = nullptr;
        for (const RawFramePreset& p : rawFramePresets()) {
            if (p.id == "reserved-opcode") {
                reserved = &p;
            }
        }
        QVERIFY(reserved);
        const std::vector<std::uint8_t> bad =
            buildRawFrame(Role::Client, reserved->spec, {9, 8, 7, 6});
        QVERIFY(connection->sendRaw(bad));
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
        QCOMPARE(wire.mid(qsizetype(good.size()), qsizetype(bad.size())), toByteArray(bad));
        QCOMPARE(recorder.closes.size(), std::size_t(1));
        QCOMPARE(recorder.closes[0].code, std::optional<std::uint16_t>(close_code::ProtocolError));
        QVERIFY(!connection->sendRaw(good));  // finished
    }

    // --- reconnecting ----------------------------------------------------------------

    void reconnectDelays() {
        ReconnectPolicy policy;
        policy.initial = 100ms;
        policy.maximum = 1000ms;
        policy.factor = 2.0;
        policy.jitter = 0.1;
        QCOMPARE(reconnectDelay(policy, 1), 100ms);
        QCOMPARE(reconnectDelay(policy, 2), 200ms);
        QCOMPARE(reconnectDelay(policy, 3), 400ms);
        QCOMPARE(reconnectDelay(policy, 4), 800ms);
        QCOMPARE(reconnectDelay(policy, 5), 1000ms);
        QCOMPARE(reconnectDelay(policy, 5000), 1000ms);  // no overflow
        QCOMPARE(reconnectDelay(policy, 1, -1.0), 90ms);
        QCOMPARE(reconnectDelay(policy, 1, 1.0), 110ms);
        QCOMPARE(reconnectDelay(policy, 3, 0.5), 420ms);
        QCOMPARE(reconnectDelay(policy, 5, 1.0), 1000ms);  // the cap holds with jitter
        QCOMPARE(reconnectDelay(policy, 5, -1.0), 900ms);  // jitter below the cap still spreads
        QCOMPARE(reconnectDelay(policy, 1, 7.0), 110ms);   // spread is clamped
        policy.factor = 0.5;
        QCOMPARE(reconnectDelay(policy, 4), 100ms);
        policy.initial = 0ms;
        QCOMPARE(reconnectDelay(policy, 1), 1ms);
    }

    void reconnectsWithBackoffAndResets() {
        QtServer qt;
        QVERIFY(qt.listen());
        const quint16 port = qt.port();
        ReconnectPolicy policy;
        policy.enabled = true;
        policy.initial = 40ms;
        policy.maximum = 200ms;
        policy.factor = 2.0;
        ReconnectingClient client(ClientOptions{}, policy);
        double spread = 1.0;
        client.setSpreadSource([&] {
            spread = -spread;  // -1, +1, -1, ...: the jitter's bounds, deterministically
            return spread;
        });
        std::vector<WebSocketConnection*> started;
        std::vector<std::pair<std::chrono::milliseconds, int>> scheduled;
        int handshakes = 0;
        QStringList gaveUp;
        connect(&client, &ReconnectingClient::connectionStarted, this,
                [&](WebSocketConnection* connection) {
                    started.push_back(connection);
                    connect(connection, &WebSocketConnection::handshakeDone, this,
                            [&] { ++handshakes; });
                });
        connect(&client, &ReconnectingClient::reconnectScheduled, this,
                [&](std::chrono::milliseconds delay, int attempt) {
                    scheduled.emplace_back(delay, attempt);
                });
        connect(&client, &ReconnectingClient::gaveUp, this,
                [&](const QString& why) { gaveUp.append(why); });

        QVERIFY(client.open(urlOf(qt.url())));
        QCOMPARE(started.size(), std::size_t(1));
        QCOMPARE(client.connection(), started[0]);
        QTRY_COMPARE_WITH_TIMEOUT(handshakes, 1, kTimeoutMs);

        qt.vanish();  // reset without a close: 1006, then refused attempts
        QTRY_VERIFY_WITH_TIMEOUT(scheduled.size() >= 5, kTimeoutMs);
        QVERIFY(qt.listen(port));
        QTRY_COMPARE_WITH_TIMEOUT(handshakes, 2, kTimeoutMs);
        QCOMPARE(client.attempts(), 0);
        QVERIFY(scheduled.size() >= 5);
        // 40*2^(n-1) with -10% / +10% in turn, capped at 200.
        const std::vector<std::chrono::milliseconds> expected{36ms,  88ms,  144ms, 200ms,
                                                              180ms, 200ms, 180ms, 200ms};
        for (std::size_t i = 0; i < scheduled.size(); ++i) {
            QCOMPARE(scheduled[i].second, int(i) + 1);
            QCOMPARE(scheduled[i].first,
                     i < expected.size() ? expected[i] : (i % 2 ? 200ms : 180ms));
        }
        QCOMPARE(started.size(), scheduled.size() + 1);
        QCOMPARE(client.connection(), started.back());

        // A server close is not ours either; the handshake had reset the back-off.
        const std::size_t before = scheduled.size();
        qt.sockets.front()->close(QWebSocketProtocol::CloseCodeGoingAway, u"restart"_s);
        QTRY_COMPARE_WITH_TIMEOUT(handshakes, 3, kTimeoutMs);
        QCOMPARE(scheduled.size(), before + 1);
        QCOMPARE(scheduled.back().second, 1);
        QVERIFY(scheduled.back().first == 36ms || scheduled.back().first == 44ms);

        // The user's close: a clean close and nothing after it.
        const std::size_t startedBefore = started.size();
        WebSocketConnection* last = client.connection();
        ConnectionRecorder recorder;
        recorder.attach(last);
        client.close(close_code::Normal, u"bye"_s);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
        QVERIFY(recorder.closed->clean);
        QVERIFY(recorder.closed->closedByUs);
        QTest::qWait(300);
        QCOMPARE(scheduled.size(), before + 1);
        QCOMPARE(started.size(), startedBefore);
        QVERIFY(!client.isActive());
        QVERIFY(!client.connection());
        QVERIFY(gaveUp.isEmpty());
    }

    void closeCancelsAScheduledAttempt() {
        QtServer qt;
        QVERIFY(qt.listen());
        ReconnectPolicy policy{.enabled = true, .initial = 200ms, .jitter = 0.0};
        ReconnectingClient client(ClientOptions{}, policy);
        int started = 0;
        int scheduled = 0;
        connect(&client, &ReconnectingClient::connectionStarted, this, [&] { ++started; });
        connect(&client, &ReconnectingClient::reconnectScheduled, this, [&] { ++scheduled; });
        QVERIFY(client.open(urlOf(qt.url())));
        QTRY_VERIFY_WITH_TIMEOUT(!qt.sockets.isEmpty(), kTimeoutMs);
        qt.vanish();
        QTRY_COMPARE_WITH_TIMEOUT(scheduled, 1, kTimeoutMs);
        QVERIFY(client.isActive());
        QVERIFY(!client.connection());
        client.close();
        QVERIFY(!client.isActive());
        QTest::qWait(400);
        QCOMPARE(started, 1);
        QCOMPARE(scheduled, 1);
    }

    void givesUpAfterMaxAttempts() {
        quint16 port = 0;
        {  // a port nobody listens on any more
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        ReconnectPolicy policy{
            .enabled = true, .initial = 10ms, .factor = 1.5, .maxAttempts = 3, .jitter = 0.0};
        ReconnectingClient client(ClientOptions{}, policy);
        int started = 0;
        std::vector<std::pair<std::chrono::milliseconds, int>> scheduled;
        QStringList gaveUp;
        connect(&client, &ReconnectingClient::connectionStarted, this, [&] { ++started; });
        connect(&client, &ReconnectingClient::reconnectScheduled, this,
                [&](std::chrono::milliseconds delay, int attempt) {
                    scheduled.emplace_back(delay, attempt);
                });
        connect(&client, &ReconnectingClient::gaveUp, this,
                [&](const QString& why) { gaveUp.append(why); });
        QVERIFY(client.open(urlOf(u"ws://127.0.0.1:"_s + QString::number(port))));
        QTRY_COMPARE_WITH_TIMEOUT(gaveUp.size(), 1, kTimeoutMs);
        QCOMPARE(started, 4);  // the first try and three reconnects
        const std::vector<std::pair<std::chrono::milliseconds, int>> expected{
            {10ms, 1}, {15ms, 2}, {23ms, 3}};  // 22.5 rounds up
        QCOMPARE(scheduled, expected);
        QVERIFY2(gaveUp[0].startsWith(u"gave up after 3 reconnect attempts: "_s),
                 qPrintable(gaveUp[0]));
        QVERIFY2(gaveUp[0].contains(u"refused"_s, Qt::CaseInsensitive), qPrintable(gaveUp[0]));
        QVERIFY(!client.isActive());
        QTest::qWait(200);
        QCOMPARE(started, 4);
    }

    void disabledPolicyNeverReconnects() {
        QtServer qt;
        QVERIFY(qt.listen());
        ReconnectingClient client(ClientOptions{}, ReconnectPolicy{});
        int started = 0;
        int scheduled = 0;
        connect(&client, &ReconnectingClient::connectionStarted, this, [&] { ++started; });
        connect(&client, &ReconnectingClient::reconnectScheduled, this, [&] { ++scheduled; });
        QVERIFY(client.open(urlOf(qt.url())));
        QTRY_VERIFY_WITH_TIMEOUT(!qt.sockets.isEmpty(), kTimeoutMs);
        qt.vanish();
        QTRY_VERIFY_WITH_TIMEOUT(!client.isActive(), kTimeoutMs);
        QTest::qWait(200);
        QCOMPARE(started, 1);
        QCOMPARE(scheduled, 0);
    }

private:
    QString path(const QString& name) const { return dir_.filePath(name); }

    bool runOpenssl(const QStringList& arguments) {
        QProcess openssl;
        openssl.start(u"openssl"_s, arguments);
        if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0) {
            qWarning("openssl failed: %s", openssl.readAllStandardError().constData());
            return false;
        }
        return true;
    }

    void makeCertificate(const QString& name, const QString& commonName, bool ipSan) {
        QStringList arguments{u"req"_s,
                              u"-x509"_s,
                              u"-newkey"_s,
                              u"ec"_s,
                              u"-pkeyopt"_s,
                              u"ec_paramgen_curve:prime256v1"_s,
                              u"-nodes"_s,
                              u"-days"_s,
                              u"1"_s,
                              u"-subj"_s,
                              u"/CN="_s + commonName};
        if (ipSan) {
            arguments << u"-addext"_s << u"subjectAltName=IP:127.0.0.1"_s;
        }
        arguments << u"-keyout"_s << path(name + u"-key.pem"_s) << u"-out"_s
                  << path(name + u"-cert.pem"_s);
        QVERIFY(runOpenssl(arguments));
    }

    static DissectionRecorder dissectOneFrame(Role sender, const std::vector<std::uint8_t>& frame) {
        Conversation conversation;
        conversation.handshakeTcp();
        const std::string head = request();
        const std::string answer = response();
        conversation.client(Bytes(head.begin(), head.end()));
        conversation.server(Bytes(answer.begin(), answer.end()));
        if (sender == Role::Client) {
            conversation.client(frame);
        } else {
            conversation.server(frame);
        }
        conversation.fin();
        DissectionRecorder recorder;
        dissector::Dissector dissector({}, recorder);
        for (std::size_t i = 0; i < conversation.packets.size(); ++i) {
            dissector.packet(ethernetPacket(conversation.packets[i], i));
        }
        dissector.finish();
        return recorder;
    }

    QSslConfiguration serverTls() const {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(serverCertificate_);
        tls.setPrivateKey(serverKey_);
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        return tls;
    }

    // `textFragments`: the 1 MiB text message's frames. Qt WebSockets 6.4 fails
    // a text message with 1007 when a frame boundary splits a UTF-8 sequence,
    // which RFC 6455 §5.6 allows; it gets the text in one frame.
    void echoSession(const ClientOptions& options, const QString& url, bool negotiated,
                     std::size_t textFragments) {
        WebSocketClient client(options);
        ConnectionRecorder recorder;
        QString error;
        WebSocketConnection* connection = client.open(urlOf(url), &error);
        QVERIFY2(connection, qPrintable(error));
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake || recorder.closed, kTimeoutMs);
        QVERIFY2(recorder.handshake, qPrintable(recorder.errors.join(u"; ")));
        QCOMPARE(recorder.handshake->deflate.has_value(), negotiated);
        if (url.startsWith(u"wss"_s)) {
            QVERIFY(qobject_cast<QSslSocket*>(connection->socket())->isEncrypted());
        }

        const QByteArray binary = makeBinaryPayload(1 << 20);
        const QByteArray text = makeTextPayload(1 << 20);
        QVERIFY(connection->sendText("hello"));
        QVERIFY(connection->sendMessage(0x1, bytesOf(QByteArray("in three fragments")), 3));
        QVERIFY(connection->sendBinary(bytesOf(binary)));
        QVERIFY(connection->sendMessage(0x1, bytesOf(text), textFragments));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.messages.size(), std::size_t(4), kTimeoutMs);
        QCOMPARE(recorder.messages[0].text(), std::string_view("hello"));
        QCOMPARE(recorder.messages[1].text(), std::string_view("in three fragments"));
        QCOMPARE(recorder.messages[2].opcode, std::uint8_t(0x2));
        QVERIFY(toByteArray(recorder.messages[2].payload) == binary);
        QCOMPARE(recorder.messages[3].opcode, std::uint8_t(0x1));
        QVERIFY(toByteArray(recorder.messages[3].payload) == text);
        QCOMPARE(recorder.messages[3].compressed, negotiated);
        // What we sent: "hello" in one frame, then three fragments.
        QVERIFY(recorder.framesOut.size() >= 4);
        QCOMPARE(recorder.framesOut[0].rsv1, negotiated);
        QCOMPARE(recorder.framesOut[1].fin, false);
        QCOMPARE(recorder.framesOut[2].opcode, std::uint8_t(0x0));
        QCOMPARE(recorder.framesOut[3].fin, true);

        QVERIFY(connection->close(close_code::Normal, "done"));
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed, kTimeoutMs);
        QVERIFY(recorder.closed->clean);
        QVERIFY2(recorder.errors.isEmpty(), qPrintable(recorder.errors.join(u"; ")));
        QCOMPARE(recorder.closedCount, 1);
    }

    QTemporaryDir dir_;
    QString pythonMissing_;
    QString tlsMissing_;
    QSslCertificate serverCertificate_;
    QSslKey serverKey_;
};

QTEST_GUILESS_MAIN(ClientFeatures)
#include "tst_client_features.moc"
