// wss:// through QSslSocket against a QWebSocketServer in SecureMode. The
// server's certificate is made for this run with the openssl command (skipped
// when it or Qt's TLS backend is missing) and trusted through
// ClientOptions::caCertificates; without that trust the handshake must fail.

#include <QFile>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include "connection_recorder.h"
#include "payloads.h"
#include "session/websocket_client.h"
#include "test_certificate.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

// QTRY_* waits up to three times this on failure.
constexpr int kTimeoutMs = 20000;

}  // namespace

class TlsInterop : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (!QSslSocket::supportsSsl()) {
            QSKIP("Qt has no TLS backend here");
        }
        QVERIFY(dir_.isValid());
        bool missing = false;
        const QString why = makeSelfSignedCertificate(dir_.filePath(u"cert.pem"_s),
                                                      dir_.filePath(u"key.pem"_s), &missing);
        if (missing) {
            QSKIP(qPrintable(why));
        }
        QVERIFY2(why.isEmpty(), qPrintable(why));

        QFile certFile(dir_.filePath(u"cert.pem"_s));
        QFile keyFile(dir_.filePath(u"key.pem"_s));
        QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
        certificate_ = QSslCertificate(certFile.readAll(), QSsl::Pem);
        const QSslKey key(keyFile.readAll(), QSsl::Ec, QSsl::Pem);
        QVERIFY(!certificate_.isNull() && !key.isNull());

        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(certificate_);
        tls.setPrivateKey(key);
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);  // no client certificates
        server_.setSslConfiguration(tls);
        connect(&server_, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket* socket = server_.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QWebSocket::textMessageReceived, socket,
                        [socket](const QString& m) { socket->sendTextMessage(m); });
                connect(socket, &QWebSocket::binaryMessageReceived, socket,
                        [socket](const QByteArray& m) { socket->sendBinaryMessage(m); });
            }
        });
        QVERIFY(server_.listen(QHostAddress::LocalHost, 0));
    }

    void echoesOverWssWithTrustedCertificate() {
        ClientOptions options;
        options.caCertificates = {certificate_};
        WebSocketClient client(options);
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(url());
        QVERIFY(connection);
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.handshake.has_value(), kTimeoutMs);
        QVERIFY(qobject_cast<QSslSocket*>(connection->socket())->isEncrypted());

        const QByteArray payload = makeBinaryPayload(1 << 20);
        QVERIFY(connection->sendBinary(bytesOf(payload)));
        QVERIFY(connection->sendText("over TLS"));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.messages.size(), std::size_t(2), kTimeoutMs);
        QVERIFY(toByteArray(recorder.messages[0].payload) == payload);
        QCOMPARE(recorder.messages[1].text(), std::string_view("over TLS"));

        QVERIFY(connection->close(close_code::Normal));
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(recorder.closed->clean);
        QVERIFY2(recorder.errors.isEmpty(), qPrintable(recorder.errors.join(u"; ")));
    }

    void refusesUntrustedCertificate() {
        WebSocketClient client(ClientOptions{});
        ConnectionRecorder recorder;
        WebSocketConnection* connection = client.open(url());
        QVERIFY(connection);
        recorder.attach(connection);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.closed.has_value(), kTimeoutMs);
        QVERIFY(!recorder.handshake.has_value());
        QVERIFY(!recorder.closed->clean);
        QCOMPARE(recorder.errors.size(), 1);  // the TLS failure, in Qt's words
    }

private:
    WebSocketUrl url() const {
        return *parseWebSocketUrl(u"wss://127.0.0.1:"_s + QString::number(server_.serverPort()) +
                                  u"/secure"_s)
                    .url;
    }

    QTemporaryDir dir_;
    QSslCertificate certificate_;
    QWebSocketServer server_{u"tls-echo"_s, QWebSocketServer::SecureMode};
};

QTEST_GUILESS_MAIN(TlsInterop)
#include "tst_tls_interop.moc"
