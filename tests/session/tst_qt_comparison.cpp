// The comparison client: Qt WebSockets' QWebSocket through the RecordingRelay,
// against our echo server, python3-websockets (skipped when missing) and a
// wss:// QWebSocketServer. The recorded stream, dissected, must hold Qt's
// exact messages in masked frames, the Host line the server saw must be the
// target's, close codes must pass through both ways, and an oversized
// request head is refused.

#include <QFile>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/dissector.h>

#include "dissection_recorder.h"
#include "payloads.h"
#include "peer_process.h"
#include "session/qt_client_session.h"
#include "session/recording_relay.h"
#include "session/session_recorder.h"
#include "session/websocket_server.h"
#include "test_certificate.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

// QTRY_* waits up to three times this on failure.
constexpr int kTimeoutMs = 20000;

// A SessionRecorder whose stream a thread drains into memory (the recorder
// gives up on a reader that takes nothing), then dissects.
class StreamCapture {
public:
    StreamCapture() {
        started_ = recorder.start(&error);
        fd_ = recorder.takeReadFd();
        if (fd_ >= 0) {
            ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
            reader_ = std::thread([this] {
                char buffer[65536];
                for (;;) {
                    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
                    if (n <= 0) {
                        break;
                    }
                    bytes_.append(buffer, n);
                }
            });
        }
    }
    ~StreamCapture() { stop(); }
    StreamCapture(const StreamCapture&) = delete;
    StreamCapture& operator=(const StreamCapture&) = delete;

    bool started() const { return started_ && fd_ >= 0; }

    // Ends the stream and dissects everything recorded; false + why.
    bool dissect(DissectionRecorder& sink, QString& why) {
        stop();
        if (!dir_.isValid()) {
            why = u"no temporary directory"_s;
            return false;
        }
        const QString path = dir_.filePath(u"session.pcapng"_s);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes_) != bytes_.size()) {
            why = u"cannot write "_s + path;
            return false;
        }
        file.close();
        std::string error;
        const auto reader = dissector::CaptureReader::open(path.toStdString(), error);
        if (!reader) {
            why = QString::fromStdString(error);
            return false;
        }
        dissector::Dissector dissector({}, sink);
        while (const auto packet = reader->next()) {
            dissector.packet(*packet);
        }
        dissector.finish();
        return true;
    }

    SessionRecorder recorder;
    QString error;

private:
    void stop() {
        recorder.finish();
        if (reader_.joinable()) {
            reader_.join();
        }
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    bool started_ = false;
    int fd_ = -1;
    std::thread reader_;
    QByteArray bytes_;
    QTemporaryDir dir_;
};

// Everything one QtClientSession reports.
struct QtEvents {
    explicit QtEvents(QtClientSession& session) {
        QObject::connect(&session, &QtClientSession::connected, &context, [this] { ++connected; });
        QObject::connect(&session, &QtClientSession::textMessage, &context,
                         [this](const QString& m) { texts.append(m); });
        QObject::connect(&session, &QtClientSession::binaryMessage, &context,
                         [this](const QByteArray& m) { binaries.append(m); });
        QObject::connect(&session, &QtClientSession::pong, &context,
                         [this](quint64, const QByteArray& p) { pongs.append(p); });
        QObject::connect(
            &session, &QtClientSession::closed, &context,
            [this](quint16 code, const QString& reason) { closed = std::make_pair(code, reason); });
        QObject::connect(&session, &QtClientSession::error, &context,
                         [this](const QString& e) { errors.append(e); });
    }
    int connected = 0;
    QStringList texts;
    QList<QByteArray> binaries;
    QList<QByteArray> pongs;
    std::optional<std::pair<quint16, QString>> closed;
    QStringList errors;
    QObject context;
};

WebSocketUrl urlFor(const QString& text) {
    return *parseWebSocketUrl(text).url;
}

std::string headerValue(const dissector::HandshakeEvent& h, std::string_view name) {
    for (const auto& [n, v] : h.requestHeaders) {
        if (equalsIgnoreCase(n, name)) {
            return v;
        }
    }
    return "(absent)";
}

// One direction's message lines (the two directions interleave as timing has it).
std::vector<std::string> linesFrom(const DissectionRecorder& d, const std::string& side,
                                   bool withControl = false) {
    std::vector<std::string> out;
    for (const std::string& line : d.messageLines(withControl)) {
        if (line.starts_with("conn=1 " + side + " ")) {
            out.push_back(line.substr(7 + side.size() + 1));
        }
    }
    return out;
}

// For failure messages: the lines, each cut to 60 bytes.
QByteArray shown(const std::vector<std::string>& lines) {
    QByteArray out;
    for (const std::string& line : lines) {
        out += QByteArray::fromStdString(line.substr(0, 60)) + " | ";
    }
    return out;
}

bool sameLines(const std::vector<std::string>& actual, const std::vector<std::string>& expected) {
    if (actual == expected) {
        return true;
    }
    qWarning("got:      %s\nexpected: %s", shown(actual).constData(), shown(expected).constData());
    return false;
}

}  // namespace

class QtComparison : public QObject {
    Q_OBJECT

private slots:
    void rewritesOnlyTheHostLine_data() {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("host") << QByteArray("GET / HTTP/1.1\r\nHost: 127.0.0.1:1\r\nX: y\r\n\r\n")
                              << QByteArray(
                                     "GET / HTTP/1.1\r\nHost: example.org:8080\r\nX: y\r\n\r\n");
        QTest::newRow("lower case, not first")
            << QByteArray("GET /a HTTP/1.1\r\nUpgrade: websocket\r\nhost:x\r\n\r\n")
            << QByteArray(
                   "GET /a HTTP/1.1\r\nUpgrade: websocket\r\nHost: example.org:8080\r\n\r\n");
        QTest::newRow("only the first")
            << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
            << QByteArray("GET / HTTP/1.1\r\nHost: example.org:8080\r\nHost: b\r\n\r\n");
        QTest::newRow("X-Host is not Host") << QByteArray("GET / HTTP/1.1\r\nX-Host: a\r\n\r\n")
                                            << QByteArray("GET / HTTP/1.1\r\nX-Host: a\r\n\r\n");
        QTest::newRow("no host") << QByteArray("GET / HTTP/1.1\r\n\r\n")
                                 << QByteArray("GET / HTTP/1.1\r\n\r\n");
    }
    void rewritesOnlyTheHostLine() {
        QFETCH(QByteArray, head);
        QFETCH(QByteArray, expected);
        QCOMPARE(rewriteHostHeader(head, "example.org:8080"), expected);
    }

    void qtClientAgainstOurEchoServer() {
        ServerOptions serverOptions;
        serverOptions.echo = true;
        serverOptions.subprotocols = {"chat"};
        WebSocketServer server(serverOptions);
        QVERIFY(server.listen());
        std::optional<event::HandshakeDone> seen;
        QString serverPeer;
        std::optional<event::Closed> serverClosed;
        connect(&server, &WebSocketServer::newConnection, this,
                [&](WebSocketConnection* c, quint64) {
                    connect(c, &WebSocketConnection::handshakeDone, this,
                            [&, c](const event::HandshakeDone& h) {
                                seen = h;
                                serverPeer = c->peerName();
                            });
                    connect(c, &WebSocketConnection::closed, this,
                            [&](const event::Closed& e) { serverClosed = e; });
                });

        StreamCapture capture;
        QVERIFY2(capture.started(), qPrintable(capture.error));
        QtClientOptions options;
        options.extraHeaders = {{"X-Comparison", "qt side"}};
        options.subprotocols = {"chat", "other"};
        options.origin = "http://origin.test";
        QtClientSession qt(options, &capture.recorder);
        QtEvents events(qt);
        const QString target =
            u"ws://127.0.0.1:"_s + QString::number(server.serverPort()) + u"/room?id=7"_s;
        QString why;
        QVERIFY2(qt.open(urlFor(target), &why), qPrintable(why));
        QTRY_COMPARE_WITH_TIMEOUT(events.connected, 1, kTimeoutMs);
        QCOMPARE(qt.subprotocol(), u"chat"_s);
        QVERIFY(qt.relay()->port() != server.serverPort());

        // What the server saw: the target's Host, the path, our headers.
        QVERIFY(seen.has_value());
        const std::string authority = "127.0.0.1:" + std::to_string(server.serverPort());
        QCOMPARE(std::string(*seen->request.fields.get("Host")), authority);
        QCOMPARE(seen->request.target, std::string("/room?id=7"));
        QCOMPARE(std::string(*seen->request.fields.get("X-Comparison")), std::string("qt side"));
        QCOMPARE(std::string(*seen->request.fields.get("Origin")),
                 std::string("http://origin.test"));

        const QByteArray big = makeBinaryPayload(1 << 20);
        QVERIFY(qt.sendText(u"hello \u00e9"_s));
        QVERIFY(qt.sendBinary(big));
        QVERIFY(qt.sendText(u"three fragments"_s, 3));
        QVERIFY(qt.ping("p1"));
        QTRY_COMPARE_WITH_TIMEOUT(events.texts.size(), 2, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(events.binaries.size(), 1, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(events.pongs.size(), 1, kTimeoutMs);
        QCOMPARE(events.texts, QStringList({u"hello \u00e9"_s, u"three fragments"_s}));
        QVERIFY(events.binaries[0] == big);
        QCOMPARE(events.pongs[0], QByteArray("p1"));

        qt.close(3001, u"done"_s);
        QTRY_VERIFY_WITH_TIMEOUT(events.closed.has_value(), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(serverClosed.has_value(), kTimeoutMs);
        QCOMPARE(serverClosed->code, std::optional<std::uint16_t>(3001));
        QTRY_COMPARE_WITH_TIMEOUT(qt.relay()->activeLinks(), 0, kTimeoutMs);
        QVERIFY2(events.errors.isEmpty(), qPrintable(events.errors.join(u"; ")));

        DissectionRecorder dissected;
        QVERIFY2(capture.dissect(dissected, why), qPrintable(why));
        QCOMPARE(dissected.connections.size(), std::size_t(1));
        // The client is the relay's outbound socket, as the server saw it.
        QCOMPARE(QString::fromStdString(dissected.connections[0].client.toString()), serverPeer);
        QCOMPARE(dissected.connections[0].server.toString(), authority);
        QCOMPARE(dissected.handshakes.size(), std::size_t(1));
        const dissector::HandshakeEvent& h = dissected.handshakes[0];
        QCOMPARE(headerValue(h, "Host"), authority);
        QCOMPARE(h.target, std::string("/room?id=7"));
        QCOMPARE(h.subprotocol, std::optional<std::string>("chat"));
        QCOMPARE(headerValue(h, "Sec-WebSocket-Protocol"), std::string("chat, other"));
        QCOMPARE(headerValue(h, "Sec-WebSocket-Extensions"), std::string("(absent)"));

        const std::vector<std::string> sent = {"text hello \xc3\xa9", "binary " + big.toStdString(),
                                               "text three fragments", "ping p1",
                                               "close 3001 done"};
        // The pong may overtake the echoes: checked apart. Our server's close
        // answer repeats the code, not the reason.
        const std::vector<std::string> answered = {"text hello \xc3\xa9",
                                                   "binary " + big.toStdString(),
                                                   "text three fragments", "close 3001"};
        QVERIFY(sameLines(linesFrom(dissected, "client", true), sent));
        QVERIFY(sameLines(linesFrom(dissected, "server"), answered));
        const auto serverControl = linesFrom(dissected, "server", true);
        QCOMPARE(std::count(serverControl.begin(), serverControl.end(), "pong p1"), 1);
        // Qt's own framing: 512 KiB frames by default, our fragment count by frame size.
        std::vector<std::uint32_t> framesPerMessage;
        for (const auto& m : dissected.messages) {
            if (m.dir == dissector::Direction::Client) {
                framesPerMessage.push_back(m.frames);
            }
        }
        QCOMPARE(framesPerMessage, (std::vector<std::uint32_t>{1, 2, 3, 1, 1}));
        int clientFrames = 0;
        for (const auto& f : dissected.frames) {
            const bool fromClient = f.dir == dissector::Direction::Client;
            QCOMPARE(f.header.masked, fromClient);
            clientFrames += fromClient ? 1 : 0;
        }
        QCOMPARE(clientFrames, 1 + 2 + 3 + 1 + 1);
        QVERIFY2(dissected.anomalies.empty(),
                 dissected.anomalies.empty() ? "" : dissected.anomalies[0].kind.c_str());
        QCOMPARE(dissected.ends.size(), std::size_t(1));
        QCOMPARE(dissected.ends[0].how, dissector::EndHow::CloseHandshake);
    }

    void serverCloseCodeReachesQt() {
        const QString missing = pythonWebsocketsMissing();
        if (!missing.isEmpty()) {
            QSKIP(qPrintable(missing));
        }
        PythonEchoServer python({u"--print-headers"_s});
        QVERIFY2(python.port() != 0, python.errorOutput().constData());

        StreamCapture capture;
        QVERIFY2(capture.started(), qPrintable(capture.error));
        QtClientSession qt(QtClientOptions{}, &capture.recorder);
        QtEvents events(qt);
        QVERIFY(qt.open(urlFor(python.url())));
        QTRY_COMPARE_WITH_TIMEOUT(events.connected, 1, kTimeoutMs);
        const auto host = waitForLine(python.process(), "HEADER Host:", kTimeoutMs);
        QVERIFY(host.has_value());
        QCOMPARE(*host, "HEADER Host: 127.0.0.1:" + QByteArray::number(python.port()));

        QVERIFY(qt.sendText(u"echo me"_s));
        QTRY_COMPARE_WITH_TIMEOUT(events.texts.size(), 1, kTimeoutMs);
        QVERIFY(qt.sendText(u"CLOSE 4002 bye"_s));
        QTRY_VERIFY_WITH_TIMEOUT(events.closed.has_value(), kTimeoutMs);
        QCOMPARE(events.closed->first, quint16(4002));
        QCOMPARE(events.closed->second, u"bye"_s);
        QTRY_COMPARE_WITH_TIMEOUT(qt.relay()->activeLinks(), 0, kTimeoutMs);

        DissectionRecorder dissected;
        QString why;
        QVERIFY2(capture.dissect(dissected, why), qPrintable(why));
        QVERIFY(
            linesFrom(dissected, "client") ==
            (std::vector<std::string>{"text echo me", "text CLOSE 4002 bye", "close 4002 bye"}));
        QVERIFY(sameLines(linesFrom(dissected, "server"), {"text echo me", "close 4002 bye"}));
        QCOMPARE(dissected.ends.size(), std::size_t(1));
        QCOMPARE(dissected.ends[0].how, dissector::EndHow::CloseHandshake);
    }

    void wssTargetThroughTheRelay() {
        if (!QSslSocket::supportsSsl()) {
            QSKIP("Qt has no TLS backend here");
        }
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        bool missing = false;
        const QString made = makeSelfSignedCertificate(dir.filePath(u"cert.pem"_s),
                                                       dir.filePath(u"key.pem"_s), &missing);
        if (missing) {
            QSKIP(qPrintable(made));
        }
        QVERIFY2(made.isEmpty(), qPrintable(made));
        QFile certFile(dir.filePath(u"cert.pem"_s));
        QFile keyFile(dir.filePath(u"key.pem"_s));
        QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
        const QSslCertificate certificate(certFile.readAll(), QSsl::Pem);
        const QSslKey key(keyFile.readAll(), QSsl::Ec, QSsl::Pem);
        QVERIFY(!certificate.isNull() && !key.isNull());

        QWebSocketServer server(u"tls-echo"_s, QWebSocketServer::SecureMode);
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(certificate);
        tls.setPrivateKey(key);
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        server.setSslConfiguration(tls);
        QByteArray hostSeen;
        connect(&server, &QWebSocketServer::newConnection, this, [&] {
            while (QWebSocket* socket = server.nextPendingConnection()) {
                socket->setParent(&server);
                hostSeen = socket->request().url().authority().toUtf8();
                connect(socket, &QWebSocket::textMessageReceived, socket,
                        [socket](const QString& m) { socket->sendTextMessage(m); });
            }
        });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        const QString url =
            u"wss://127.0.0.1:"_s + QString::number(server.serverPort()) + u"/tls"_s;

        {  // Untrusted: the relay refuses the target, Qt's handshake never completes.
            QtClientSession qt(QtClientOptions{}, nullptr);
            QtEvents events(qt);
            QVERIFY(qt.open(urlFor(url)));
            QTRY_VERIFY_WITH_TIMEOUT(events.closed.has_value(), kTimeoutMs);
            QCOMPARE(events.connected, 0);
            QVERIFY(events.errors.join(u'\n').contains(u"relay: cannot reach the target"_s));
        }

        {  // Untrusted but ignored on request: the relay goes on.
            QtClientOptions ignoring;
            ignoring.relay.ignoreCertificateErrors = true;
            QtClientSession qt(ignoring, nullptr);
            QtEvents events(qt);
            QVERIFY(qt.open(urlFor(url)));
            QTRY_COMPARE_WITH_TIMEOUT(events.connected, 1, kTimeoutMs);
            QVERIFY(qt.sendText(u"ignored"_s));
            QTRY_COMPARE_WITH_TIMEOUT(events.texts, QStringList{u"ignored"_s}, kTimeoutMs);
        }

        StreamCapture capture;
        QVERIFY2(capture.started(), qPrintable(capture.error));
        QtClientOptions options;
        options.relay.caCertificates = {certificate};
        QtClientSession qt(options, &capture.recorder);
        QtEvents events(qt);
        QVERIFY(qt.open(urlFor(url)));
        QTRY_COMPARE_WITH_TIMEOUT(events.connected, 1, kTimeoutMs);
        QCOMPARE(hostSeen, "127.0.0.1:" + QByteArray::number(server.serverPort()));
        QVERIFY(qt.sendText(u"over TLS"_s));
        QTRY_COMPARE_WITH_TIMEOUT(events.texts.size(), 1, kTimeoutMs);
        qt.close(1000, u"bye"_s);
        QTRY_VERIFY_WITH_TIMEOUT(events.closed.has_value(), kTimeoutMs);
        QCOMPARE(events.closed->first, quint16(1000));
        QTRY_COMPARE_WITH_TIMEOUT(qt.relay()->activeLinks(), 0, kTimeoutMs);

        DissectionRecorder dissected;
        QString why;
        QVERIFY2(capture.dissect(dissected, why), qPrintable(why));
        // The plaintext the TLS socket gave the relay, as a plain ws:// capture.
        QVERIFY(sameLines(linesFrom(dissected, "client"), {"text over TLS", "close 1000 bye"}));
        QVERIFY(sameLines(linesFrom(dissected, "server"), {"text over TLS", "close 1000 bye"}));
        QCOMPARE(dissected.handshakes.size(), std::size_t(1));
        QCOMPARE(headerValue(dissected.handshakes[0], "Host"),
                 "127.0.0.1:" + std::to_string(server.serverPort()));
    }

    void refusesAnOversizedRequestHead() {
        ServerOptions serverOptions;
        serverOptions.echo = true;
        WebSocketServer server(serverOptions);
        QVERIFY(server.listen());
        RecordingRelay relay(urlFor(u"ws://127.0.0.1:"_s + QString::number(server.serverPort())),
                             nullptr);
        QVERIFY(relay.listen());
        QStringList failures;
        connect(&relay, &RecordingRelay::failed, this,
                [&](const QString& why) { failures.append(why); });
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, relay.port());
        QVERIFY(socket.waitForConnected(kTimeoutMs));
        socket.write("GET / HTTP/1.1\r\nX-Big: " + QByteArray(70 * 1024, 'a'));
        QByteArray answer;
        QTRY_VERIFY_WITH_TIMEOUT((answer += socket.readAll()).contains("\r\n\r\n"), kTimeoutMs);
        QVERIFY(answer.startsWith("HTTP/1.1 431 "));
        QCOMPARE(failures.size(), 1);
        QCOMPARE(failures[0], u"relay: the request head is over 65536 bytes; refused"_s);
        QTRY_COMPARE_WITH_TIMEOUT(relay.activeLinks(), 0, kTimeoutMs);
    }
};

QTEST_GUILESS_MAIN(QtComparison)
#include "tst_qt_comparison.moc"
