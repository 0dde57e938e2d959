// Protocol rules over frames (RFC 6455 §5.1-§5.5, §8.1; RFC 7692 §6): each
// rule with a valid and an invalid case, the violation id and close code; and
// lenient mode, which notes a violation and keeps going while framing holds.
#include <sockscope/core/message_reader.h>

#include <QTest>

#include "trace_sink.h"
#include "wire.h"

using namespace sockscope;
using namespace sockscope::test;

Q_DECLARE_METATYPE(std::string)

namespace {

WireFrame c(int opcode, Bytes payload, bool fin = true, int rsv = 0) {  // client frame: masked
    WireFrame f;
    f.opcode = opcode;
    f.payload = std::move(payload);
    f.fin = fin;
    f.rsv = rsv;
    f.masked = true;
    return f;
}

QByteArray hexOf(std::initializer_list<WireFrame> frames) {
    Bytes all;
    for (const auto& f : frames) {
        const Bytes b = encode(f);
        all.insert(all.end(), b.begin(), b.end());
    }
    return QByteArray::fromStdString(toHex(all));
}

struct Run {
    TraceSink sink;
    std::size_t consumed = 0;
    bool failed = false;
};

void run(Run& r, const Bytes& input, Role sender, bool strict, bool deflate, Limits limits = {}) {
    MessageReaderConfig config;
    config.sender = sender;
    config.strict = strict;
    config.limits = limits;
    if (deflate)
        config.deflate = DeflateParams{};
    MessageReader reader(config, r.sink);
    Bytes copy = input;
    r.consumed = reader.feed(copy);
    r.failed = reader.failed();
}

}  // namespace

class TestMessageReader : public QObject {
    Q_OBJECT
private slots:
    void appliesRule_data() {
        QTest::addColumn<int>("sender");
        QTest::addColumn<bool>("deflate");
        QTest::addColumn<QByteArray>("streamHex");
        QTest::addColumn<QString>("violation");  // empty: valid
        QTest::addColumn<int>("closeCode");
        const int C = int(Role::Client), S = int(Role::Server);
        WireFrame plainServer{true, 0, 1, bytesOf("hi"), false};
        WireFrame unmaskedClient{true, 0, 1, bytesOf("hi"), false};
        WireFrame maskedServer{true, 0, 1, bytesOf("hi"), true};

        // §5.1 masking direction
        QTest::newRow("accepts masked client frame")
            << C << false << hexOf({c(1, bytesOf("hi"))}) << "" << 0;
        QTest::newRow("rejects unmasked client frame")
            << C << false << hexOf({unmaskedClient}) << "unmasked-client-frame" << 1002;
        QTest::newRow("accepts unmasked server frame")
            << S << false << hexOf({plainServer}) << "" << 0;
        QTest::newRow("rejects masked server frame")
            << S << false << hexOf({maskedServer}) << "masked-server-frame" << 1002;
        // §5.2 reserved bits and opcodes
        QTest::newRow("rejects RSV1 without extension")
            << C << false << hexOf({c(1, bytesOf("x"), true, 4)}) << "reserved-bit-set" << 1002;
        QTest::newRow("rejects RSV2")
            << C << false << hexOf({c(1, bytesOf("x"), true, 2)}) << "reserved-bit-set" << 1002;
        QTest::newRow("rejects RSV3")
            << C << false << hexOf({c(1, bytesOf("x"), true, 1)}) << "reserved-bit-set" << 1002;
        QTest::newRow("rejects RSV2 even with deflate")
            << C << true << hexOf({c(1, bytesOf("x"), true, 2)}) << "reserved-bit-set" << 1002;
        for (int op : {3, 4, 5, 6, 7})
            QTest::newRow(qPrintable(QStringLiteral("rejects reserved data opcode %1").arg(op)))
                << C << false << hexOf({c(op, bytesOf("x"))}) << "reserved-opcode" << 1002;
        for (int op : {11, 12, 13, 14, 15})
            QTest::newRow(qPrintable(QStringLiteral("rejects reserved control opcode %1").arg(op)))
                << C << false << hexOf({c(op, bytesOf("x"))}) << "reserved-opcode" << 1002;
        // §5.5 control frames
        QTest::newRow("accepts 125-byte ping")
            << C << false << hexOf({c(9, Bytes(125, 'p'))}) << "" << 0;
        QTest::newRow("rejects 126-byte ping")
            << C << false << hexOf({c(9, Bytes(126, 'p'))}) << "control-frame-too-long" << 1002;
        QTest::newRow("rejects fragmented ping") << C << false << hexOf({c(9, bytesOf("p"), false)})
                                                 << "fragmented-control-frame" << 1002;
        QTest::newRow("rejects fragmented close")
            << C << false << hexOf({c(8, fromHex("03e8"), false)}) << "fragmented-control-frame"
            << 1002;
        // §5.4 fragmentation
        QTest::newRow("accepts ping between fragments")
            << C << false
            << hexOf({c(1, bytesOf("Hel"), false), c(9, bytesOf("p")), c(0, bytesOf("lo"))}) << ""
            << 0;
        QTest::newRow("accepts close between fragments")
            << C << false << hexOf({c(1, bytesOf("Hel"), false), c(8, fromHex("03e8"))}) << "" << 0;
        QTest::newRow("accepts empty fragments")
            << C << false << hexOf({c(2, {}, false), c(0, {}, false), c(0, {})}) << "" << 0;
        QTest::newRow("rejects continuation without message")
            << C << false << hexOf({c(0, bytesOf("x"))}) << "unexpected-continuation" << 1002;
        QTest::newRow("rejects continuation after finished message")
            << C << false << hexOf({c(1, bytesOf("a")), c(0, bytesOf("b"))})
            << "unexpected-continuation" << 1002;
        QTest::newRow("rejects text inside fragmented message")
            << C << false << hexOf({c(1, bytesOf("a"), false), c(1, bytesOf("b"))})
            << "expected-continuation" << 1002;
        QTest::newRow("rejects binary inside fragmented message")
            << C << false << hexOf({c(2, bytesOf("a"), false), c(2, bytesOf("b"))})
            << "expected-continuation" << 1002;
        // §8.1 UTF-8
        QTest::newRow("accepts utf-8 split across fragments")
            << C << false << hexOf({c(1, fromHex("cebae1"), false), c(0, fromHex("bdb9cf81ceb5"))})
            << "" << 0;
        QTest::newRow("rejects invalid utf-8 text")
            << C << false << hexOf({c(1, fromHex("cebae1bdb9cf81ceb5eda080"))}) << "invalid-utf8"
            << 1007;
        QTest::newRow("rejects text cut inside a sequence at FIN")
            << C << false << hexOf({c(1, fromHex("61ce"))}) << "invalid-utf8" << 1007;
        QTest::newRow("accepts invalid utf-8 in binary")
            << C << false << hexOf({c(2, fromHex("ff"))}) << "" << 0;
        // §5.5.1 close bodies
        QTest::newRow("accepts empty close") << C << false << hexOf({c(8, {})}) << "" << 0;
        QTest::newRow("rejects 1-byte close")
            << C << false << hexOf({c(8, fromHex("03"))}) << "close-payload-too-short" << 1002;
        QTest::newRow("rejects close code 1005")
            << C << false << hexOf({c(8, fromHex("03ed"))}) << "invalid-close-code" << 1002;
        QTest::newRow("rejects close reason not utf-8")
            << C << false << hexOf({c(8, fromHex("03e8ff"))}) << "invalid-close-reason" << 1007;
        QTest::newRow("rejects data after close")
            << C << false << hexOf({c(8, fromHex("03e8")), c(1, bytesOf("x"))})
            << "data-after-close" << 1002;
        // RFC 7692 §6.1
        QTest::newRow("rejects RSV1 on ping with deflate")
            << C << true << hexOf({c(9, {}, true, 4)}) << "compressed-control-frame" << 1002;
        QTest::newRow("rejects RSV1 on continuation")
            << C << true
            << hexOf({c(1, fromHex("f248cd"), false, 4), c(0, fromHex("c9c90700"), true, 4)})
            << "compressed-continuation" << 1002;
        QTest::newRow("accepts compressed Hello in two fragments")
            << C << true << hexOf({c(1, fromHex("f248cd"), false, 4), c(0, fromHex("c9c90700"))})
            << "" << 0;
        QTest::newRow("rejects corrupt deflate data")
            << C << true << hexOf({c(2, fromHex("ffffffff"), true, 4)}) << "inflate-failed" << 1007;
        // §5.2 length encodings
        WireFrame nonMinimal = c(2, bytesOf("x"));
        nonMinimal.forceLengthBits = 16;
        QTest::newRow("rejects non-minimal length")
            << C << false << hexOf({nonMinimal}) << "non-minimal-length" << 1002;
    }
    void appliesRule() {
        QFETCH(int, sender);
        QFETCH(bool, deflate);
        QFETCH(QByteArray, streamHex);
        QFETCH(QString, violation);
        QFETCH(int, closeCode);
        Run r;
        run(r, fromHex(streamHex.toStdString()), Role(sender), true, deflate);
        const std::string trace = r.sink.joined();
        if (violation.isEmpty()) {
            QVERIFY2(trace.find("violation") == std::string::npos, trace.c_str());
            QVERIFY2(!r.failed, trace.c_str());
            QVERIFY2(trace.find("message") != std::string::npos ||
                         trace.find("control") != std::string::npos,
                     trace.c_str());
        } else {
            const std::string expected = "violation " + violation.toStdString();
            QVERIFY2(trace.find(expected) != std::string::npos, trace.c_str());
            QVERIFY2(trace.find("close=" + std::to_string(closeCode)) != std::string::npos,
                     trace.c_str());
            QVERIFY(r.failed);
            // Strict: exactly one violation, and it is the last event.
            QCOMPARE(
                std::count_if(r.sink.lines.begin(), r.sink.lines.end(),
                              [](const std::string& l) { return l.rfind("violation", 0) == 0; }),
                std::ptrdiff_t(1));
            QVERIFY(r.sink.lines.back().rfind("violation", 0) == 0);
        }
    }

    void deliversValidMessageBeforeFailingOnNextFrame() {
        Run r;
        run(r, fromHex(hexOf({c(1, bytesOf("good")), c(0, bytesOf("bad"))}).toStdString()),
            Role::Client, true, false);
        QCOMPARE(r.sink.lines[1], std::string("begin text"));
        QVERIFY(r.sink.lines[2].find("message frames=1 len=4 valid=1 data=good") == 0);
        QVERIFY(r.sink.lines.back().find("violation unexpected-continuation") == 0);
    }

    void failsFastOnInvalidUtf8BeforeTheFrameEnds() {
        // A 1000-byte text frame whose 3rd byte is invalid: fed only its first 20 bytes.
        Bytes payload(1000, 'a');
        payload[2] = 0xFF;
        Bytes wire = encode(c(1, payload));
        TraceSink sink;
        MessageReader reader({Role::Client, true, {}, {}}, sink);
        Bytes head(wire.begin(), wire.begin() + 20);
        reader.feed(head);
        QVERIFY(reader.failed());
        QVERIFY2(sink.joined().find("violation invalid-utf8 at=10 close=1007") != std::string::npos,
                 sink.joined().c_str());
    }

    void failsFastOnOversizeMessageFromItsHeader() {
        Limits limits;
        limits.maxMessageSize = 1000;
        Run r;
        // Only the header of a 2000-byte frame arrives.
        Bytes wire = encode(c(2, Bytes(2000, 1)));
        wire.resize(8);
        run(r, wire, Role::Client, true, false, limits);
        QVERIFY2(
            r.sink.joined().find("violation message-too-big at=0 close=1009") != std::string::npos,
            r.sink.joined().c_str());
    }

    void enforcesFrameAndFragmentLimits() {
        Limits limits;
        limits.maxFrameSize = 10;
        Run big;
        run(big, encode(c(2, Bytes(11, 1))), Role::Client, true, false, limits);
        QVERIFY(big.sink.joined().find("violation frame-too-big") != std::string::npos);

        Limits fragments;
        fragments.maxFragments = 3;
        Run many;
        run(many,
            fromHex(hexOf({c(2, {1}, false), c(0, {2}, false), c(0, {3}, false), c(0, {4})})
                        .toStdString()),
            Role::Client, true, false, fragments);
        QVERIFY(many.sink.joined().find("violation too-many-fragments") != std::string::npos);
        Run three;
        run(three, fromHex(hexOf({c(2, {1}, false), c(0, {2}, false), c(0, {3})}).toStdString()),
            Role::Client, true, false, fragments);
        QVERIFY(three.sink.joined().find("violation") == std::string::npos);
    }

    void capsDecompressedSize() {
        // A 1 MiB run of zeros, compressed, against a 64 KiB limit.
        MessageDeflater deflater(15, false);
        Bytes zeros(1 << 20, 0), compressed;
        deflater.compress(zeros, compressed);
        Limits limits;
        limits.maxMessageSize = 64 * 1024;
        Run r;
        run(r, encode(c(2, compressed, true, 4)), Role::Client, true, true, limits);
        const std::string trace = r.sink.joined();
        QVERIFY2(trace.find("close=1009") != std::string::npos, trace.c_str());
    }

    void lenientModeReportsAnOversizeCompressedMessageOnce_data() {
        QTest::addColumn<bool>("deflate");
        QTest::newRow("inflated") << true;
        // RSV1 without a handshake the reader saw: the payload is kept as sent.
        QTest::newRow("rsv1 unknown") << false;
    }

    void lenientModeReportsAnOversizeCompressedMessageOnce() {
        // Found by fuzz_frame_reader: fed in pieces, a lenient reader
        // reported the size once per piece past the limit.
        QFETCH(bool, deflate);
        MessageDeflater deflater(15, false);
        Bytes text(300000, 'a'), compressed;
        deflater.compress(text, compressed);
        Bytes wire = encode(c(1, compressed, true, 4));
        const Bytes after = encode(c(1, bytesOf("after")));
        wire.insert(wire.end(), after.begin(), after.end());
        MessageReaderConfig config;
        config.sender = Role::Client;
        config.strict = false;
        config.limits.maxMessageSize = deflate ? 1000 : 100;
        config.limits.maxDecompressionRatio = 0;
        if (deflate)
            config.deflate = DeflateParams{};
        config.rsv1Unknown = !deflate;
        for (std::size_t piece : {wire.size(), std::size_t(1), std::size_t(7)}) {
            TraceSink sink;
            MessageReader reader(config, sink);
            for (std::size_t at = 0; at < wire.size(); at += piece) {
                Bytes chunk(wire.begin() + static_cast<std::ptrdiff_t>(at),
                            wire.begin() + static_cast<std::ptrdiff_t>(
                                               std::min(wire.size(), at + piece)));
                reader.feed(chunk);
            }
            const std::string trace = sink.joined();
            std::size_t reports = 0;
            for (std::size_t at = trace.find("too-big"); at != std::string::npos;
                 at = trace.find("too-big", at + 1))
                ++reports;
            QVERIFY2(reports == 1, trace.c_str());
            QVERIFY2(trace.find("message frames=1 len=5 valid=1 data=after") != std::string::npos,
                     trace.c_str());
        }
    }

    void lenientModeNotesViolationsAndKeepsFraming() {
        WireFrame unmasked{true, 0, 1, bytesOf("plain"), false};
        Run r;
        run(r,
            fromHex(hexOf({unmasked, c(3, bytesOf("??")), c(1, fromHex("ff")), c(0, bytesOf("x")),
                           c(1, bytesOf("after"))})
                        .toStdString()),
            Role::Client, false, false);
        const std::string expected =
            "frame off=0 fin=1 rsv=000 op=text mask=0 len=5 payload@2\n"
            "violation unmasked-client-frame at=1 close=1002\n"
            "begin text\n"
            "message frames=1 len=5 valid=0 data=plain\n"
            "frame off=7 fin=1 rsv=000 op=reserved-3 mask=1 len=2 payload@13\n"
            "violation reserved-opcode at=7 close=1002\n"
            "frame off=15 fin=1 rsv=000 op=text mask=1 len=1 payload@21\n"
            "begin text\n"
            "violation invalid-utf8 at=21 close=1007\n"
            "message frames=1 len=1 valid=0 data=\\xff\n"
            "frame off=22 fin=1 rsv=000 op=continuation mask=1 len=1 payload@28\n"
            "violation unexpected-continuation at=22 close=1002\n"
            "frame off=29 fin=1 rsv=000 op=text mask=1 len=5 payload@35\n"
            "begin text\n"
            "message frames=1 len=5 valid=1 data=after\n";
        QCOMPARE(QString::fromStdString(r.sink.joined()), QString::fromStdString(expected));
        QCOMPARE(r.consumed, std::size_t(40));
    }

    void passiveReaderLeavesUnknownRsv1Alone() {
        // Without a seen handshake RSV1 is not a violation: the payload is
        // passed on as sent (compressed), and not UTF-8 checked.
        MessageReaderConfig config;
        config.sender = Role::Client;
        config.strict = false;
        config.rsv1Unknown = true;
        config.baseOffset = 5000;
        TraceSink sink;
        MessageReader reader(config, sink);
        Bytes wire = encode(c(1, fromHex("f248cdc9c90700"), true, 4));
        reader.feed(wire);
        const std::string trace = sink.joined();
        QVERIFY2(trace.find("violation") == std::string::npos, trace.c_str());
        QVERIFY2(trace.find("frame off=5000 fin=1 rsv=100") != std::string::npos, trace.c_str());
        QVERIFY2(trace.find("begin text deflate") != std::string::npos, trace.c_str());
        QVERIFY2(trace.find("len=7 valid=1") != std::string::npos, trace.c_str());
    }

    void lenientModeKeepsInflatingAfterInvalidUtf8() {
        // With context takeover the next message refers back into this one:
        // a lenient reader that stopped inflating at the bad byte would lose
        // the shared window and garble everything after it.
        MessageDeflater deflater(15, false);
        Bytes bad = bytesOf("broken \xff text, then a long tail the next message repeats");
        Bytes first, second;
        deflater.compress(bad, first);
        deflater.compress(bytesOf("the next message repeats"), second);
        const std::size_t half = first.size() / 2;
        Bytes wire = encode(c(1, Bytes(first.begin(), first.begin() + half), false, 4));
        for (const Bytes& piece : {encode(c(0, Bytes(first.begin() + half, first.end()))),
                                   encode(c(1, second, true, 4))})
            wire.insert(wire.end(), piece.begin(), piece.end());
        Run r;
        run(r, wire, Role::Client, false, true);
        const std::string trace = r.sink.joined();
        QVERIFY2(trace.find("violation invalid-utf8") != std::string::npos, trace.c_str());
        QVERIFY2(trace.find("message frames=2 len=" + std::to_string(bad.size()) + " valid=0") !=
                     std::string::npos,
                 trace.c_str());
        QVERIFY2(trace.find("message frames=1 len=24 valid=1 data=the next message repeats") !=
                     std::string::npos,
                 trace.c_str());
        QVERIFY2(trace.find("inflate") == std::string::npos, trace.c_str());
    }

    void lenientModeEndsAnInterruptedMessage() {
        Run r;
        run(r, fromHex(hexOf({c(1, bytesOf("half"), false), c(1, bytesOf("new"))}).toStdString()),
            Role::Client, false, false);
        const std::string trace = r.sink.joined();
        QVERIFY(trace.find("violation expected-continuation") != std::string::npos);
        QVERIFY(trace.find("message frames=1 len=4 valid=0 data=half") != std::string::npos);
        QVERIFY(trace.find("message frames=1 len=3 valid=1 data=new") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestMessageReader)
#include "tst_message_reader.moc"
