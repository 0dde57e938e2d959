// ws:// and wss:// URL parsing (RFC 6455 §3): host, default ports, request
// target, Host header form, and the URLs a client must refuse.

#include <QTest>

#include "session/websocket_url.h"

using namespace sockscope::session;
using namespace Qt::StringLiterals;

class WebSocketUrlTest : public QObject {
    Q_OBJECT

private slots:
    void parsesValidUrl_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("secure");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("hostHeader");
        QTest::newRow("ws defaults to port 80 and /")
            << u"ws://example.com"_s << false << u"example.com"_s << 80 << QByteArray("/")
            << QByteArray("example.com");
        QTest::newRow("wss defaults to port 443")
            << u"wss://example.com/chat"_s << true << u"example.com"_s << 443 << QByteArray("/chat")
            << QByteArray("example.com");
        QTest::newRow("explicit port goes into Host")
            << u"ws://127.0.0.1:8765/"_s << false << u"127.0.0.1"_s << 8765 << QByteArray("/")
            << QByteArray("127.0.0.1:8765");
        QTest::newRow("default port written out stays out of Host")
            << u"ws://example.com:80/x"_s << false << u"example.com"_s << 80 << QByteArray("/x")
            << QByteArray("example.com");
        QTest::newRow("query is part of the target")
            << u"ws://h/path/to?room=1&x=%20y"_s << false << u"h"_s << 80
            << QByteArray("/path/to?room=1&x=%20y") << QByteArray("h");
        QTest::newRow("IPv6 literal keeps brackets in Host")
            << u"ws://[::1]:9000/"_s << false << u"::1"_s << 9000 << QByteArray("/")
            << QByteArray("[::1]:9000");
        QTest::newRow("scheme is case-insensitive")
            << u"WS://Example.com/"_s << false << u"example.com"_s << 80 << QByteArray("/")
            << QByteArray("example.com");
    }
    void parsesValidUrl() {
        QFETCH(QString, text);
        QFETCH(bool, secure);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, hostHeader);
        const WebSocketUrlParse parse = parseWebSocketUrl(text);
        QVERIFY2(parse.url.has_value(), qPrintable(parse.error));
        QCOMPARE(parse.url->secure, secure);
        QCOMPARE(parse.url->host, host);
        QCOMPARE(int(parse.url->port), port);
        QCOMPARE(QByteArray::fromStdString(parse.url->target), target);
        QCOMPARE(QByteArray::fromStdString(parse.url->hostHeader), hostHeader);
    }

    void rejectsUnusableUrl_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("why");
        QTest::newRow("empty") << QString() << u"empty"_s;
        QTest::newRow("http scheme") << u"http://example.com/"_s << u"ws:// or wss://"_s;
        QTest::newRow("no scheme") << u"example.com"_s << u"ws:// or wss://"_s;
        QTest::newRow("no host") << u"ws:///path"_s << u"host"_s;
        QTest::newRow("fragment (RFC 6455 §3)") << u"ws://h/#part"_s << u"fragment"_s;
        QTest::newRow("user info") << u"ws://user:pw@h/"_s << u"user info"_s;
        QTest::newRow("port out of range") << u"ws://h:70000/"_s << QString();
    }
    void rejectsUnusableUrl() {
        QFETCH(QString, text);
        QFETCH(QString, why);
        const WebSocketUrlParse parse = parseWebSocketUrl(text);
        QVERIFY(!parse.url.has_value());
        QVERIFY(!parse.error.isEmpty());
        QVERIFY2(parse.error.contains(why), qPrintable(parse.error));
    }
};

QTEST_APPLESS_MAIN(WebSocketUrlTest)
#include "tst_websocket_url.moc"
