// Close codes (RFC 6455 §7.4, IANA registry) and close frame bodies (§5.5.1).
#include <sockscope/core/close_code.h>

#include <QTest>

#include "wire.h"

using namespace sockscope;
using namespace sockscope::test;

class TestCloseCode : public QObject {
    Q_OBJECT
private slots:
    void knowsWireValidity_data() {
        QTest::addColumn<int>("code");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("name");
        for (int c : {0, 1, 999})
            QTest::newRow(qPrintable(QString::number(c))) << c << false << "Invalid";
        QTest::newRow("1000") << 1000 << true << "Normal Closure";
        QTest::newRow("1001") << 1001 << true << "Going Away";
        QTest::newRow("1002") << 1002 << true << "Protocol Error";
        QTest::newRow("1003") << 1003 << true << "Unsupported Data";
        QTest::newRow("1004") << 1004 << false << "Reserved";
        QTest::newRow("1005") << 1005 << false << "No Status Received";
        QTest::newRow("1006") << 1006 << false << "Abnormal Closure";
        QTest::newRow("1007") << 1007 << true << "Invalid Frame Payload Data";
        QTest::newRow("1008") << 1008 << true << "Policy Violation";
        QTest::newRow("1009") << 1009 << true << "Message Too Big";
        QTest::newRow("1010") << 1010 << true << "Mandatory Extension";
        QTest::newRow("1011") << 1011 << true << "Internal Error";
        QTest::newRow("1012") << 1012 << true << "Service Restart";
        QTest::newRow("1013") << 1013 << true << "Try Again Later";
        QTest::newRow("1014") << 1014 << true << "Bad Gateway";
        QTest::newRow("1015") << 1015 << false << "TLS Handshake";
        QTest::newRow("1016") << 1016 << false << "Unassigned";
        QTest::newRow("2999") << 2999 << false << "Unassigned";
        QTest::newRow("3000") << 3000 << true << "Registered";
        QTest::newRow("3999") << 3999 << true << "Registered";
        QTest::newRow("4000") << 4000 << true << "Private Use";
        QTest::newRow("4999") << 4999 << true << "Private Use";
        QTest::newRow("5000") << 5000 << false << "Out of Range";
        QTest::newRow("65535") << 65535 << false << "Out of Range";
    }
    void knowsWireValidity() {
        QFETCH(int, code);
        QFETCH(bool, valid);
        QFETCH(QString, name);
        QCOMPARE(isValidCloseCodeOnWire(std::uint16_t(code)), valid);
        const CloseCodeInfo info = closeCodeInfo(std::uint16_t(code));
        QCOMPARE(QString::fromUtf8(info.name.data(), qsizetype(info.name.size())), name);
        QVERIFY(!info.meaning.empty());
    }

    void listsTheRegisteredCodes() {
        const auto codes = registeredCloseCodes();
        QCOMPARE(codes.size(), std::size_t(16));
        for (std::size_t i = 0; i < codes.size(); ++i)
            QCOMPARE(codes[i].code, std::uint16_t(1000 + i));
    }

    void parsesCloseBodies_data() {
        QTest::addColumn<QByteArray>("hex");
        QTest::addColumn<int>("code");  // -1: none
        QTest::addColumn<QByteArray>("reason");
        QTest::addColumn<QString>("error");
        QTest::addColumn<int>("errorOffset");
        QTest::newRow("empty body") << QByteArray("") << -1 << QByteArray() << "" << 0;
        QTest::newRow("code only") << QByteArray("03e8") << 1000 << QByteArray() << "" << 0;
        QTest::newRow("code and reason")
            << QByteArray("03e9627965") << 1001 << QByteArray("bye") << "" << 0;
        QTest::newRow("utf-8 reason")
            << QByteArray("0bb8cebae1bdb9cf81ceb5") << 3000
            << QByteArray::fromHex("cebae1bdb9cf81ceb5") << "" << 0;
        QTest::newRow("one byte") << QByteArray("03") << -1 << QByteArray()
                                  << "close-payload-too-short" << 0;
        QTest::newRow("code 1005 on the wire")
            << QByteArray("03ed") << 1005 << QByteArray() << "invalid-close-code" << 0;
        QTest::newRow("code 999") << QByteArray("03e7") << 999 << QByteArray()
                                  << "invalid-close-code" << 0;
        QTest::newRow("code 5000")
            << QByteArray("1388") << 5000 << QByteArray() << "invalid-close-code" << 0;
        QTest::newRow("reason not utf-8") << QByteArray("03e8616263ff64") << 1000
                                          << QByteArray(
                                                 "abc\xff"
                                                 "d")
                                          << "invalid-close-reason" << 5;
        QTest::newRow("reason cut inside a sequence")
            << QByteArray("03e861ce") << 1000 << QByteArray("a\xce") << "invalid-close-reason" << 4;
    }
    void parsesCloseBodies() {
        QFETCH(QByteArray, hex);
        QFETCH(int, code);
        QFETCH(QByteArray, reason);
        QFETCH(QString, error);
        QFETCH(int, errorOffset);
        const ClosePayloadResult r = parseClosePayload(fromHex(hex.toStdString()));
        if (error.isEmpty()) {
            QVERIFY2(!r.error, r.error ? r.error->detail.c_str() : "");
        } else {
            QVERIFY(r.error);
            QCOMPARE(QString::fromUtf8(r.error->id()), error);
            QCOMPARE(int(r.error->offset), errorOffset);
            QVERIFY(!r.error->detail.empty());
        }
        QCOMPARE(r.payload.code.has_value(), code >= 0);
        if (code >= 0)
            QCOMPARE(int(*r.payload.code), code);
        QCOMPARE(QByteArray::fromStdString(r.payload.reason), reason);
    }

    void buildsCloseBodies() {
        QCOMPARE(toHex(buildClosePayload(1000, "bye")), std::string("03e8627965"));
        QCOMPARE(toHex(buildClosePayload(4999, {})), std::string("1387"));
        QVERIFY(buildClosePayload(std::nullopt, {}).empty());
    }
};

QTEST_APPLESS_MAIN(TestCloseCode)
#include "tst_close_code.moc"
