// qt_echo_server: a QWebSocketServer echo server, the comparison point for
// bench_echo. Every binary message goes back with sendBinaryMessage, every
// text message with sendTextMessage. One thread, Qt's default settings.

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHostAddress>
#include <QTextStream>
#include <QWebSocket>
#include <QWebSocketServer>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qt_echo_server"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("QWebSocketServer echo server (benchmark peer)"));
    parser.addHelpOption();
    const QCommandLineOption portOption(QStringList{QStringLiteral("p"), QStringLiteral("port")},
                                        QStringLiteral("TCP port to listen on (0: any free port)."),
                                        QStringLiteral("port"), QStringLiteral("0"));
    const QCommandLineOption hostOption(QStringLiteral("host"),
                                        QStringLiteral("Address to listen on."),
                                        QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    parser.addOption(portOption);
    parser.addOption(hostOption);
    parser.process(app);

    bool portOk = false;
    const uint port = parser.value(portOption).toUInt(&portOk);
    const QHostAddress host(parser.value(hostOption));
    QTextStream err(stderr);
    if (!portOk || port > 65535 || host.isNull()) {
        err << "qt_echo_server: bad --port or --host\n";
        return 2;
    }

    QWebSocketServer server(QStringLiteral("qt_echo_server"), QWebSocketServer::NonSecureMode);
    QObject::connect(&server, &QWebSocketServer::newConnection, &server, [&server] {
        // Bounded by the pending queue (maxPendingConnections).
        while (QWebSocket* socket = server.nextPendingConnection()) {
            QObject::connect(
                socket, &QWebSocket::binaryMessageReceived, socket,
                [socket](const QByteArray& message) { socket->sendBinaryMessage(message); });
            QObject::connect(
                socket, &QWebSocket::textMessageReceived, socket,
                [socket](const QString& message) { socket->sendTextMessage(message); });
            QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
    if (!server.listen(host, static_cast<quint16>(port))) {
        err << "qt_echo_server: cannot listen: " << server.errorString() << '\n';
        return 1;
    }
    QTextStream(stdout) << "listening on " << server.serverAddress().toString() << ':'
                        << server.serverPort() << Qt::endl;
    return app.exec();
}
