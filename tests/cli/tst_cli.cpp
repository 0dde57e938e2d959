// sockscope-cli end to end: the built binary against independent peers
// (python3-websockets, Qt WebSockets) and against hand-written misbehaving
// servers. Loopback only, ports picked free at run time, bounded waits.

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>
#include <functional>

#include "cli_process.h"
#include "qt_echo_server.h"
#include "sockscope/core/handshake.h"
#include "sockscope/core/http_message.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

// QTRY_* waits up to three times this on failure.
constexpr int kTimeoutMs = 20000;

// Answers one HTTP upgrade request the way a test wants (a 404, a broken 101, ...).
class RawHttpServer : public QObject {
public:
    using Answer = std::function<void(QTcpSocket*, const HttpRequest&)>;
    explicit RawHttpServer(Answer answer) : answer_(std::move(answer)) {
        connect(&server_, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = server_.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
                    const bool complete = buffer->contains("\r\n\r\n");
                    *buffer += socket->readAll();
                    if (complete || !buffer->contains("\r\n\r\n")) {
                        return;  // answered already, or the head is not complete yet
                    }
                    requestHead = *buffer;
                    const auto parse = parseHttpRequest(
                        std::span(reinterpret_cast<const std::uint8_t*>(buffer->constData()),
                                  static_cast<std::size_t>(buffer->size())));
                    answer_(socket, parse.message);
                });
            }
        });
    }
    quint16 listen() {
        return server_.listen(QHostAddress::LocalHost, 0) ? server_.serverPort() : 0;
    }
    QString url() const {
        return u"ws://127.0.0.1:"_s + QString::number(server_.serverPort()) + u'/';
    }

    QByteArray requestHead;

private:
    QTcpServer server_;
    Answer answer_;
};

QByteArray switchingProtocols(const HttpRequest& request) {
    const std::string accept =
        computeWebSocketAccept(request.fields.get("Sec-WebSocket-Key").value_or(""));
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: " +
           QByteArray::fromStdString(accept) + "\r\n\r\n";
}

QString pythonMissing() {
    static const QString missing = pythonWebsocketsMissing();
    return missing;
}

#define SKIP_WITHOUT_PYTHON()                   \
    do {                                        \
        if (!pythonMissing().isEmpty()) {       \
            QSKIP(qPrintable(pythonMissing())); \
        }                                       \
    } while (false)

}  // namespace

class Cli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(QFile::exists(cliPath()), qPrintable(cliPath())); }

    void printsVersionAndHelp_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("--version") << QStringList{u"--version"_s} << QByteArray("sockscope-cli 0.");
        QTest::newRow("--help") << QStringList{u"--help"_s} << QByteArray("connect URL");
        QTest::newRow("serve --help")
            << QStringList{u"serve"_s, u"--help"_s} << QByteArray("--port <port>");
        QTest::newRow("connect --help")
            << QStringList{u"connect"_s, u"--help"_s} << QByteArray("--header <header>");
    }
    void printsVersionAndHelp() {
        QFETCH(QStringList, arguments);
        QFETCH(QByteArray, expected);
        CliProcess cli(arguments);
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 0);
        QVERIFY2(cli.out().contains(expected), cli.out().constData());
        QVERIFY(cli.err().isEmpty());
    }

    void rejectsBadArgumentsWithOneLine_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("no command") << QStringList{} << QByteArray("no command given");
        QTest::newRow("unknown command")
            << QStringList{u"frobnicate"_s} << QByteArray("unknown command 'frobnicate'");
        QTest::newRow("connect without URL")
            << QStringList{u"connect"_s} << QByteArray("a URL is required");
        QTest::newRow("http URL") << QStringList{u"connect"_s, u"http://127.0.0.1:1/"_s}
                                  << QByteArray("invalid URL 'http://127.0.0.1:1/'");
        QTest::newRow("URL with fragment")
            << QStringList{u"connect"_s, u"ws://127.0.0.1:1/#x"_s} << QByteArray("#fragment");
        QTest::newRow("URL without host")
            << QStringList{u"connect"_s, u"ws:///path"_s} << QByteArray("invalid URL");
        QTest::newRow("header without colon")
            << QStringList{u"connect"_s, u"ws://127.0.0.1:1/"_s, u"--header"_s, u"NoColon"_s}
            << QByteArray("expected 'Name: value'");
        QTest::newRow("header owned by the handshake")
            << QStringList{u"connect"_s, u"ws://127.0.0.1:1/"_s, u"--header"_s,
                           u"Sec-WebSocket-Key: x"_s}
            << QByteArray("set by the handshake");
        QTest::newRow("unknown option")
            << QStringList{u"connect"_s, u"ws://127.0.0.1:1/"_s, u"--bogus"_s}
            << QByteArray("bogus");
        QTest::newRow("serve without --port")
            << QStringList{u"serve"_s} << QByteArray("--port is required");
        QTest::newRow("serve with a bad port")
            << QStringList{u"serve"_s, u"--port"_s, u"70000"_s} << QByteArray("not a port number");
        QTest::newRow("serve with a host name")
            << QStringList{u"serve"_s, u"--port"_s, u"0"_s, u"--host"_s, u"example.com"_s}
            << QByteArray("not an IP address");
    }
    void rejectsBadArgumentsWithOneLine() {
        QFETCH(QStringList, arguments);
        QFETCH(QByteArray, expected);
        CliProcess cli(arguments);
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 2);
        QCOMPARE(cli.errLines().size(), 1);
        QVERIFY2(cli.err().contains(expected), cli.err().constData());
        QVERIFY(cli.out().isEmpty());
    }

    void serveEchoesPythonClient_data() {
        QTest::addColumn<bool>("deflate");
        QTest::newRow("plain") << false;
        QTest::newRow("deflate") << true;
    }
    void serveEchoesPythonClient() {
        SKIP_WITHOUT_PYTHON();
        QFETCH(bool, deflate);
        ServeProcess serve(deflate ? QStringList{u"--echo"_s, u"--deflate"_s}
                                   : QStringList{u"--echo"_s});
        QVERIFY2(serve.port() != 0, serve.err().constData());

        QProcess python;
        ProcessGuard guard(python);
        python.start(systemPython(), {peerScript(u"echo_client.py"_s), serve.url() + u"echo"_s,
                                      u"--compression"_s, deflate ? u"deflate"_s : u"none"_s,
                                      u"--sizes"_s, u"0,1,125,126,65535,65536,1048576"_s});
        QVERIFY(spinUntilFinished(python, 60000));
        const QByteArray out = python.readAllStandardOutput();
        QVERIFY2(python.exitCode() == 0,
                 QByteArray(out + python.readAllStandardError()).constData());
        QCOMPARE(out.count("\nOK "), 14);
        QVERIFY(out.contains(deflate ? "EXTENSIONS permessage-deflate" : "EXTENSIONS -"));
        QVERIFY(out.contains("CLOSED 1000"));

        QVERIFY(serve.waitForStderr("[1] closed", kTimeoutMs));
        QVERIFY(serve.errHasLineMatching(
            uR"(\[1\] open 127\.0\.0\.1:\d+ GET /echo subprotocol=- extensions=)"_s +
            (deflate ? u"permessage-deflate.*"_s : u"-"_s)));
        QVERIFY(serve.errHasLineMatching(
            uR"(\[1\] closed 1000 \(Normal Closure\) clean, closed by peer)"_s));
        QVERIFY(serve.out().isEmpty());  // echo mode prints no messages
    }

    void servePrintsReceivedMessages() {
        ServeProcess serve({});
        QVERIFY(serve.port() != 0);
        QWebSocket client;
        client.open(QUrl(serve.url()));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, kTimeoutMs);
        client.sendTextMessage(u"hello w\u00f6rld"_s);
        client.sendBinaryMessage(QByteArray("\x01\x02\x03", 3));
        QVERIFY(serve.waitForStdout("<binary", kTimeoutMs));
        QVERIFY(serve.waitForStdout("\n", 1000));
        QCOMPARE(serve.out(), QByteArray("hello w\xC3\xB6rld\n<binary 3 bytes: 010203>\n"));
        client.close();
        QVERIFY(serve.waitForStderr("[1] closed 1000", kTimeoutMs));
    }

    void serveVerbosePrintsFramesAndMessages() {
        ServeProcess serve({u"--echo"_s, u"-v"_s});
        QWebSocket client;
        QStringList echoes;
        connect(&client, &QWebSocket::textMessageReceived, this,
                [&](const QString& m) { echoes.append(m); });
        client.open(QUrl(serve.url()));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, kTimeoutMs);
        client.sendTextMessage(u"hi"_s);
        QTRY_COMPARE_WITH_TIMEOUT(echoes, QStringList{u"hi"_s}, kTimeoutMs);
        QVERIFY(serve.waitForStderr("op=text mask=0", kTimeoutMs));
        QVERIFY2(
            serve.errHasLineMatching(
                uR"(\[1\] in  fin=1 rsv1=0 rsv2=0 rsv3=0 op=text mask=1 key=[0-9a-f]{8} len=2)"_s),
            serve.err().constData());
        QVERIFY(serve.errHasLineMatching(
            uR"(\[1\] out fin=1 rsv1=0 rsv2=0 rsv3=0 op=text mask=0 key=- len=2)"_s));
        QVERIFY(serve.errHasLineMatching(
            u"\\[1\\] in  message text 2 bytes frames=1 compressed=0 \"hi\""_s));
    }

    void serveNegotiatesSubprotocol() {
        SKIP_WITHOUT_PYTHON();
        ServeProcess serve(
            {u"--echo"_s, u"--subprotocol"_s, u"chat"_s, u"--subprotocol"_s, u"superchat"_s});
        QProcess python;
        ProcessGuard guard(python);
        python.start(systemPython(), {peerScript(u"echo_client.py"_s), serve.url(),
                                      u"--subprotocol"_s, u"superchat"_s, u"--sizes"_s, u"5"_s});
        QVERIFY(spinUntilFinished(python, kTimeoutMs));
        const QByteArray out = python.readAllStandardOutput();
        QVERIFY2(python.exitCode() == 0, out.constData());
        QVERIFY(out.contains("SUBPROTOCOL superchat"));
        QVERIFY(serve.waitForStderr("subprotocol=superchat", kTimeoutMs));
    }

    void serveRejectsPlainHttpRequest() {
        ServeProcess serve({});
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, serve.port());
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::ConnectedState, kTimeoutMs);
        socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QByteArray answer;
        QVERIFY(spinUntil(
            [&] {
                answer += socket.readAll();
                return answer.contains("\r\n\r\n");
            },
            kTimeoutMs));
        QVERIFY2(answer.startsWith("HTTP/1.1 4"), answer.constData());
        QVERIFY(serve.waitForStderr("[1] closed", kTimeoutMs));
        QVERIFY2(serve.errHasLineMatching(
                     uR"(\[1\] rejected 127\.0\.0\.1:\d+ with HTTP 4\d\d: handshake-.*)"_s),
                 serve.err().constData());
    }

    void serveWarnsWhenNotOnLoopback() {
        ServeProcess serve({u"--host"_s, u"0.0.0.0"_s});
        QVERIFY(serve.port() != 0);
        QVERIFY2(serve.err().contains("warning: listening on 0.0.0.0, not only on loopback"),
                 serve.err().constData());
    }

    void serveClosesConnectionsWithGoingAwayOnSigterm() {
        ServeProcess serve({u"--echo"_s});
        QWebSocket client;
        client.open(QUrl(serve.url()));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, kTimeoutMs);
        QVERIFY(serve.waitForStderr("[1] open", kTimeoutMs));
        serve.process().terminate();  // SIGTERM
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
        QCOMPARE(client.closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
        QCOMPARE(client.closeReason(), u"server shutting down"_s);
        QVERIFY(serve.waitForExit(kTimeoutMs));
        QCOMPARE(serve.exitCode(), 0);
        QVERIFY(serve.err().contains("shutting down: closing 1 connection(s) with 1001"));
        QVERIFY(serve.err().contains("[1] closed 1001 (Going Away) clean, closed by us"));
    }

    void connectClosesWithGoingAwayOnSigterm() {
        QWebSocketServer server(u"qt"_s, QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        int closeCode = 0;
        connect(&server, &QWebSocketServer::newConnection, this, [&] {
            QWebSocket* peer = server.nextPendingConnection();
            peer->setParent(&server);
            connect(peer, &QWebSocket::textMessageReceived, peer,
                    [peer](const QString& m) { peer->sendTextMessage(m); });
            connect(peer, &QWebSocket::disconnected, this,
                    [&closeCode, peer] { closeCode = peer->closeCode(); });
        });
        CliProcess cli(
            {u"connect"_s, u"ws://127.0.0.1:"_s + QString::number(server.serverPort()) + u'/'});
        cli.write("ready?\n");
        QVERIFY(cli.waitForStdout("ready?\n", kTimeoutMs));  // open, stdin still open
        cli.process().terminate();
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(closeCode, int(QWebSocketProtocol::CloseCodeGoingAway),
                                  kTimeoutMs);
        QVERIFY2(cli.err().isEmpty(), cli.err().constData());
    }

    void connectEchoesLinesWithPythonServer_data() {
        QTest::addColumn<bool>("deflate");
        QTest::newRow("plain") << false;
        QTest::newRow("deflate") << true;
    }
    void connectEchoesLinesWithPythonServer() {
        SKIP_WITHOUT_PYTHON();
        QFETCH(bool, deflate);
        PythonEchoServer python(deflate ? QStringList{u"--compression"_s, u"deflate"_s}
                                        : QStringList{});
        QVERIFY(python.port() != 0);
        QStringList arguments{u"connect"_s, python.url(), u"-v"_s};
        if (deflate) {
            arguments << u"--deflate"_s;
        }
        CliProcess cli(arguments);
        cli.write("hello\n");
        QVERIFY2(cli.waitForStdout("hello\n", kTimeoutMs), cli.err().constData());
        cli.write("w\xC3\xB6rld \xE2\x9C\x93\r\n");  // CRLF line ending, UTF-8 text
        QVERIFY(cli.waitForStdout("\xE2\x9C\x93\n", kTimeoutMs));
        cli.closeStdin();
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 0);
        QCOMPARE(cli.out(), QByteArray("hello\nw\xC3\xB6rld \xE2\x9C\x93\n"));

        const QString extensions = deflate ? u"permessage-deflate; server_max_window_bits=12; "
                                             u"client_max_window_bits=12"_s
                                           : u"-"_s;
        QVERIFY2(cli.errHasLineMatching(u"open HTTP 101 subprotocol=- extensions="_s +
                                        QRegularExpression::escape(extensions)),
                 cli.err().constData());
        const QString rsv1 = deflate ? u"1"_s : u"0"_s;
        QVERIFY(
            cli.errHasLineMatching(u"out fin=1 rsv1="_s + rsv1 +
                                   uR"( rsv2=0 rsv3=0 op=text mask=1 key=[0-9a-f]{8} len=\d+)"_s));
        QVERIFY(cli.errHasLineMatching(u"in  fin=1 rsv1="_s + rsv1 +
                                       uR"( rsv2=0 rsv3=0 op=text mask=0 key=- len=\d+)"_s));
        QVERIFY(cli.errHasLineMatching(
            uR"(out fin=1 rsv1=0 rsv2=0 rsv3=0 op=close mask=1 key=[0-9a-f]{8} len=2)"_s));
        QVERIFY(cli.errHasLineMatching(u"close received: 1000 \\(Normal Closure\\)"_s));
        QVERIFY(cli.errHasLineMatching(u"closed 1000 \\(Normal Closure\\) clean"_s));
    }

    void connectEchoesLinesWithQtServer() {
        QtEchoServer qt;
        const quint16 port = qt.listen();
        QVERIFY(port != 0);
        CliProcess cli({u"connect"_s, u"ws://127.0.0.1:"_s + QString::number(port) + u"/qt"_s});
        cli.write("first line\n");
        QVERIFY2(cli.waitForStdout("first line\n", kTimeoutMs), cli.err().constData());
        cli.write("second line\n");
        QVERIFY(cli.waitForStdout("second line\n", kTimeoutMs));
        cli.closeStdin();
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 0);
        QCOMPARE(cli.out(), QByteArray("first line\nsecond line\n"));
        QVERIFY2(cli.err().isEmpty(), cli.err().constData());
    }

    void connectEchoModeSendsMessagesBack() {
        QWebSocketServer server(u"qt"_s, QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QWebSocket* peer = nullptr;
        QStringList texts;
        QByteArrayList binaries;
        connect(&server, &QWebSocketServer::newConnection, this, [&] {
            peer = server.nextPendingConnection();
            connect(peer, &QWebSocket::textMessageReceived, this,
                    [&](const QString& m) { texts.append(m); });
            connect(peer, &QWebSocket::binaryMessageReceived, this,
                    [&](const QByteArray& m) { binaries.append(m); });
            peer->sendTextMessage(u"one"_s);
            peer->sendBinaryMessage(QByteArray("\x00\xff", 2));
            peer->sendTextMessage(u"two"_s);
        });
        CliProcess cli({u"connect"_s,
                        u"ws://127.0.0.1:"_s + QString::number(server.serverPort()) + u'/',
                        u"--echo"_s});
        QTRY_COMPARE_WITH_TIMEOUT(texts, (QStringList{u"one"_s, u"two"_s}), kTimeoutMs);
        QCOMPARE(binaries, QByteArrayList{QByteArray("\x00\xff", 2)});
        peer->close(QWebSocketProtocol::CloseCodeNormal);
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 0);
        QVERIFY(cli.out().isEmpty());
        QVERIFY2(cli.err().isEmpty(), cli.err().constData());
        delete peer;
    }

    void connectSendsHeadersAndSubprotocol() {
        SKIP_WITHOUT_PYTHON();
        PythonEchoServer python({u"--print-headers"_s, u"--subprotocol"_s, u"chat"_s});
        CliProcess cli({u"connect"_s, python.url() + u"path?q=1"_s, u"--header"_s, u"X-Test: 42"_s,
                        u"--header"_s, u"Origin: http://example.test"_s, u"--subprotocol"_s,
                        u"chat"_s, u"-v"_s});
        cli.closeStdin();  // nothing to send: open, then close at once
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 0);
        QVERIFY2(cli.err().contains("subprotocol=chat"), cli.err().constData());
        QByteArray headers;
        QVERIFY(spinUntil(
            [&] {
                headers += python.process().readAllStandardOutput();
                return headers.contains("HEADER Origin") && headers.contains("HEADER X-Test");
            },
            kTimeoutMs));
        QVERIFY2(headers.contains("HEADER X-Test: 42\n"), headers.constData());
        QVERIFY(headers.contains("HEADER Origin: http://example.test\n"));
        QVERIFY(headers.contains("HEADER Sec-WebSocket-Protocol: chat\n"));
    }

    void connectRefusedIsOneLine() {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close();  // nothing listens there now
        CliProcess cli({u"connect"_s, u"ws://127.0.0.1:"_s + QString::number(port) + u'/'});
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 1);
        QCOMPARE(cli.errLines().size(), 1);
        QCOMPARE(cli.errLines()[0], "sockscope-cli: cannot connect to 127.0.0.1:" +
                                        QByteArray::number(port) + ": Connection refused");
    }

    void connectReportsRejectedHandshake_data() {
        QTest::addColumn<QByteArray>("response");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("404 Not Found")
            << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            << QByteArray("sockscope-cli: handshake rejected: HTTP 404 (handshake-bad-status");
        QTest::newRow("200 OK from a plain web server")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
            << QByteArray("sockscope-cli: handshake rejected: HTTP 200 (handshake-bad-status");
        QTest::newRow("101 with a wrong accept")
            << QByteArray(
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                   "AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
            << QByteArray("sockscope-cli: handshake failed: handshake-bad-accept (RFC 6455 §4.1)");
    }
    void connectReportsRejectedHandshake() {
        QFETCH(QByteArray, response);
        QFETCH(QByteArray, expected);
        RawHttpServer server([&](QTcpSocket* socket, const HttpRequest&) {
            socket->write(response);
            socket->disconnectFromHost();
        });
        QVERIFY(server.listen() != 0);
        CliProcess cli({u"connect"_s, server.url(), u"--header"_s, u"X-Probe: yes"_s});
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 1);
        QCOMPARE(cli.errLines().size(), 1);
        QVERIFY2(cli.errLines()[0].startsWith(expected), cli.err().constData());
        QVERIFY(server.requestHead.contains("\r\nX-Probe: yes\r\n"));
    }

    void connectReportsPythonRejection() {
        SKIP_WITHOUT_PYTHON();
        PythonEchoServer python({u"--reject"_s, u"403"_s});
        CliProcess cli({u"connect"_s, python.url()});
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 1);
        QCOMPARE(cli.errLines().size(), 1);
        QVERIFY2(cli.err().startsWith("sockscope-cli: handshake rejected: HTTP 403"),
                 cli.err().constData());
    }

    void connectReportsProtocolErrorWithIdAndSection() {
        RawHttpServer server([](QTcpSocket* socket, const HttpRequest& request) {
            // A masked frame from a server is a protocol violation (§5.1).
            const char frame[] = {'\x81',
                                  '\x82',
                                  '\x01',
                                  '\x02',
                                  '\x03',
                                  '\x04',
                                  static_cast<char>('h' ^ 1),
                                  static_cast<char>('i' ^ 2)};
            socket->write(switchingProtocols(request) + QByteArray(frame, sizeof frame));
        });
        QVERIFY(server.listen() != 0);
        CliProcess cli({u"connect"_s, server.url()});
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 1);
        QCOMPARE(cli.errLines().size(), 1);
        QVERIFY2(cli.err().startsWith(
                     "sockscope-cli: protocol error: masked-server-frame (RFC 6455 \xC2\xA7"
                     "5.1)"),
                 cli.err().constData());
    }

    void connectReportsAbnormalClose() {
        RawHttpServer server([](QTcpSocket* socket, const HttpRequest& request) {
            socket->write(switchingProtocols(request));
            socket->disconnectFromHost();  // no close frame
        });
        QVERIFY(server.listen() != 0);
        CliProcess cli({u"connect"_s, server.url()});
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 1);
        QCOMPARE(cli.errLines().size(), 1);
        QVERIFY2(cli.err().startsWith("sockscope-cli: connection closed abnormally (1006"),
                 cli.err().constData());
    }

    void connectReportsUnusualCloseCode() {
        SKIP_WITHOUT_PYTHON();
        PythonEchoServer python;
        CliProcess cli({u"connect"_s, python.url()});
        cli.write("CLOSE 4000 maintenance\n");  // the peer closes with 4000
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 1);
        QCOMPARE(cli.errLines().size(), 1);
        QVERIFY2(cli.err().contains("closed the connection with 4000") &&
                     cli.err().contains("maintenance"),
                 cli.err().constData());
    }
};

QTEST_GUILESS_MAIN(Cli)
#include "tst_cli.moc"
