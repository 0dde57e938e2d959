// The one-line text of -v output and error lines: frame headers, previews,
// close codes and violations.

#include <QTest>

#include "session/frame_format.h"

using namespace sockscope;
using namespace sockscope::session;

namespace {

FrameHeader header(std::uint8_t opcode, std::uint64_t length) {
    FrameHeader h;
    h.opcode = opcode;
    h.payloadLength = length;
    return h;
}

QByteArray qbytes(const std::string& s) {
    return QByteArray::fromStdString(s);
}

std::vector<std::uint8_t> bytes(std::initializer_list<int> values) {
    std::vector<std::uint8_t> out;
    for (const int v : values) {
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

}  // namespace

class FrameFormatTest : public QObject {
    Q_OBJECT

private slots:
    void formatsUnmaskedFrame() {
        QCOMPARE(qbytes(formatFrameLine(Direction::Out, header(0x1, 5))),
                 QByteArray("out fin=1 rsv1=0 rsv2=0 rsv3=0 op=text mask=0 key=- len=5"));
    }

    void formatsMaskedFrameWithEveryBit() {
        FrameHeader h = header(0x0, 70000);
        h.fin = false;
        h.rsv1 = true;
        h.rsv3 = true;
        h.masked = true;
        h.maskKey = {0x37, 0xfa, 0x21, 0x3d};
        QCOMPARE(qbytes(formatFrameLine(Direction::In, h)),
                 QByteArray("in  fin=0 rsv1=1 rsv2=0 rsv3=1 op=continuation mask=1 key=37fa213d "
                            "len=70000"));
    }

    void namesReservedOpcodeFromCore() {
        const std::string line = formatFrameLine(Direction::In, header(0xB, 0));
        QVERIFY(line.find(std::string("op=") + std::string(opcodeName(0xB))) != std::string::npos);
    }

    void binaryPreview_data() {
        QTest::addColumn<int>("size");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("empty") << 0 << QByteArray("<binary 0 bytes>");
        QTest::newRow("short") << 3 << QByteArray("<binary 3 bytes: 000102>");
        QTest::newRow("exactly the limit") << 4 << QByteArray("<binary 4 bytes: 00010203>");
        QTest::newRow("cut after the limit")
            << 300 << QByteArray("<binary 300 bytes: 00010203\xE2\x80\xA6>");
    }
    void binaryPreview() {
        QFETCH(int, size);
        QFETCH(QByteArray, expected);
        std::vector<std::uint8_t> payload(static_cast<std::size_t>(size));
        for (std::size_t i = 0; i < payload.size(); ++i) {
            payload[i] = static_cast<std::uint8_t>(i);
        }
        QCOMPARE(qbytes(formatBinaryPreview(payload, 4)), expected);
    }

    void hexIsLowercase() {
        QCOMPARE(qbytes(formatHex(bytes({0xAB, 0x0F, 0xFF}), 8)), QByteArray("ab0fff"));
    }

    void textPreview_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("limit");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("plain") << QByteArray("hello") << 80 << QByteArray("\"hello\"");
        QTest::newRow("controls escaped")
            << QByteArray("a\nb\tc\x01\"\\") << 80 << QByteArray("\"a\\nb\\tc\\x01\\\"\\\\\"");
        QTest::newRow("cut with ellipsis")
            << QByteArray("abcdef") << 3 << QByteArray("\"abc\"\xE2\x80\xA6");
        // "é" is C3 A9: a cut at 2 bytes would split it, so it backs up to 1.
        QTest::newRow("never splits a character")
            << QByteArray("a\xC3\xA9z") << 2 << QByteArray("\"a\"\xE2\x80\xA6");
        QTest::newRow("multibyte kept whole")
            << QByteArray("\xE2\x9C\x93!") << 80 << QByteArray("\"\xE2\x9C\x93!\"");
        QTest::newRow("DEL escaped") << QByteArray("a\x7F") << 80 << QByteArray("\"a\\x7f\"");
        // The dissector's rule (read's text output): bytes that are not valid
        // UTF-8 are escaped too, so a line stays printable UTF-8.
        QTest::newRow("invalid UTF-8 escaped") << QByteArray("a\xFF\xC3(\xED\xA0\x80") << 80
                                               << QByteArray("\"a\\xff\\xc3(\\xed\\xa0\\x80\"");
    }
    void textPreview() {
        QFETCH(QByteArray, text);
        QFETCH(int, limit);
        QFETCH(QByteArray, expected);
        QCOMPARE(qbytes(formatTextPreview(text.toStdString(), static_cast<std::size_t>(limit))),
                 expected);
    }

    void messageLine() {
        event::Message message;
        message.opcode = static_cast<std::uint8_t>(Opcode::Text);
        const std::string text = "RESULT ok";
        message.payload.assign(text.begin(), text.end());
        message.frames = 2;
        message.compressed = true;
        QCOMPARE(qbytes(formatMessageLine(Direction::In, message)),
                 QByteArray("in  message text 9 bytes frames=2 compressed=1 \"RESULT ok\""));
        message.opcode = static_cast<std::uint8_t>(Opcode::Binary);
        message.payload = bytes({1, 2});
        message.frames = 1;
        message.compressed = false;
        QCOMPARE(
            qbytes(formatMessageLine(Direction::Out, message)),
            QByteArray("out message binary 2 bytes frames=1 compressed=0 <binary 2 bytes: 0102>"));
    }

    void closeCode() {
        QCOMPARE(qbytes(formatCloseCode(std::nullopt)), QByteArray("none"));
        QCOMPARE(qbytes(formatCloseCode(1000)), QByteArray("1000 (Normal Closure)"));
        // Codes without a registered name still show their number first.
        QVERIFY(formatCloseCode(4321).starts_with("4321"));
    }

    void protocolError() {
        const ProtocolError withDetail{ViolationKind::UnmaskedClientFrame, 17, "frame at 17"};
        QCOMPARE(qbytes(formatProtocolError(withDetail)),
                 QByteArray("unmasked-client-frame (RFC 6455 \xC2\xA7"
                            "5.1): frame at 17"));
        const ProtocolError bare{ViolationKind::UnmaskedClientFrame, 0, {}};
        QCOMPARE(qbytes(formatProtocolError(bare)),
                 QByteArray("unmasked-client-frame (RFC 6455 \xC2\xA7"
                            "5.1)"));
    }
};

QTEST_APPLESS_MAIN(FrameFormatTest)
#include "tst_frame_format.moc"
