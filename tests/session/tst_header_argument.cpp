// `--header 'Name: value'` parsing for sockscope-cli connect: the field goes
// out verbatim, unless it is malformed or one the handshake owns.

#include <QTest>

#include "session/connect_command.h"

using namespace sockscope::session;
using namespace Qt::StringLiterals;

class HeaderArgumentTest : public QObject {
    Q_OBJECT

private slots:
    void acceptsField_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("simple") << u"X-Test: 42"_s << QByteArray("X-Test") << QByteArray("42");
        QTest::newRow("whitespace trimmed")
            << u"  Authorization :  Bearer abc  "_s << QByteArray("Authorization")
            << QByteArray("Bearer abc");
        QTest::newRow("colon in value")
            << u"Origin: http://example.test:8080"_s << QByteArray("Origin")
            << QByteArray("http://example.test:8080");
        QTest::newRow("empty value") << u"X-Empty:"_s << QByteArray("X-Empty") << QByteArray();
        QTest::newRow("UTF-8 value")
            << u"X-Name: J\u00fcrgen"_s << QByteArray("X-Name") << QByteArray("J\xC3\xBCrgen");
    }
    void acceptsField() {
        QFETCH(QString, text);
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, value);
        const HeaderArgument parsed = parseHeaderArgument(text);
        QVERIFY2(parsed.field.has_value(), qPrintable(parsed.error));
        QCOMPARE(QByteArray::fromStdString(parsed.field->name), name);
        QCOMPARE(QByteArray::fromStdString(parsed.field->value), value);
    }

    void rejectsField_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("why");
        QTest::newRow("no colon") << u"X-Test 42"_s << u"expected 'Name: value'"_s;
        QTest::newRow("empty name") << u": 42"_s << u"expected 'Name: value'"_s;
        QTest::newRow("space in name") << u"X Test: 42"_s << u"not an HTTP token"_s;
        QTest::newRow("CR LF in value") << u"X-Test: a\r\nInjected: b"_s << u"CR, LF or NUL"_s;
        QTest::newRow("Host") << u"Host: evil"_s << u"set by the handshake"_s;
        QTest::newRow("Upgrade, any case") << u"upgrade: websocket"_s << u"set by the handshake"_s;
        QTest::newRow("Connection") << u"Connection: close"_s << u"set by the handshake"_s;
        QTest::newRow("Sec-WebSocket-Protocol")
            << u"Sec-WebSocket-Protocol: chat"_s << u"set by the handshake"_s;
        QTest::newRow("Sec-WebSocket-Extensions")
            << u"sec-websocket-extensions: x"_s << u"set by the handshake"_s;
    }
    void rejectsField() {
        QFETCH(QString, text);
        QFETCH(QString, why);
        const HeaderArgument parsed = parseHeaderArgument(text);
        QVERIFY(!parsed.field.has_value());
        QVERIFY2(parsed.error.contains(why), qPrintable(parsed.error));
    }
};

QTEST_APPLESS_MAIN(HeaderArgumentTest)
#include "tst_header_argument.moc"
