// Frame header parse/serialize and the streaming decoder: RFC 6455 §5.7
// examples byte-exact, length encodings, offsets, split invariance, round trips.
#include <sockscope/core/frame_decoder.h>
#include <sockscope/core/message_reader.h>

#include <QTest>

#include <random>

#include "trace_sink.h"
#include "wire.h"

using namespace sockscope;
using namespace sockscope::test;

namespace {

// Decodes a stream (server sender = unmasked, client sender = masked) in the
// given chunk sizes and returns the trace. `readOnly` takes the read-only
// path (unmasking into a scratch buffer), which must leave the bytes alone.
std::string traceOf(Bytes stream, Role sender, const std::vector<std::size_t>& cuts,
                    bool readOnly = false) {
    TraceSink sink;
    MessageReaderConfig config;
    config.sender = sender;
    config.strict = false;
    MessageReader reader(config, sink);
    const Bytes original = stream;
    std::vector<std::uint8_t> scratch;
    auto feed = [&](std::span<std::uint8_t> bytes) {
        if (readOnly)
            reader.feed(std::span<const std::uint8_t>(bytes), scratch);
        else
            reader.feed(bytes);
    };
    std::size_t pos = 0;
    for (std::size_t cut : cuts) {
        feed(std::span(stream).subspan(pos, cut - pos));
        pos = cut;
    }
    feed(std::span(stream).subspan(pos));
    if (readOnly && stream != original)
        return "the read-only feed wrote to its input";
    return sink.joined();
}

FrameHeader header(bool fin, Opcode op, bool masked = false) {
    FrameHeader h;
    h.fin = fin;
    h.opcode = static_cast<std::uint8_t>(op);
    h.masked = masked;
    if (masked)
        h.maskKey = {0x37, 0xfa, 0x21, 0x3d};
    return h;
}

}  // namespace

class TestFrame : public QObject {
    Q_OBJECT
private slots:
    void serializesRfcExamples_data() {
        QTest::addColumn<bool>("fin");
        QTest::addColumn<int>("opcode");
        QTest::addColumn<bool>("masked");
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QByteArray>("wireHex");
        const QByteArray hello("Hello");
        QTest::newRow("5.7 unmasked text")
            << true << 1 << false << hello << QByteArray("810548656c6c6f");
        QTest::newRow("5.7 masked text")
            << true << 1 << true << hello << QByteArray("818537fa213d7f9f4d5158");
        QTest::newRow("5.7 first fragment")
            << false << 1 << false << QByteArray("Hel") << QByteArray("010348656c");
        QTest::newRow("5.7 last fragment")
            << true << 0 << false << QByteArray("lo") << QByteArray("80026c6f");
        QTest::newRow("5.7 unmasked ping")
            << true << 9 << false << hello << QByteArray("890548656c6c6f");
        QTest::newRow("5.7 masked pong")
            << true << 10 << true << hello << QByteArray("8a8537fa213d7f9f4d5158");
        QTest::newRow("5.7 256 bytes binary")
            << true << 2 << false << QByteArray(256, 'x')
            << (QByteArray("827e0100") + QByteArray(256, 'x').toHex());
        QTest::newRow("5.7 64 KiB binary")
            << true << 2 << false << QByteArray(65536, 'y')
            << (QByteArray("827f0000000000010000") + QByteArray(65536, 'y').toHex());
    }
    void serializesRfcExamples() {
        QFETCH(bool, fin);
        QFETCH(int, opcode);
        QFETCH(bool, masked);
        QFETCH(QByteArray, payload);
        QFETCH(QByteArray, wireHex);
        FrameHeader h = header(fin, static_cast<Opcode>(opcode), masked);
        const Bytes wire =
            buildFrame(h, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                    std::size_t(payload.size())));
        QCOMPARE(QByteArray::fromStdString(toHex(wire)), wireHex);

        // And back: the parser gives the same fields and the unmasked payload.
        const HeaderParse parse = parseFrameHeader(wire);
        QCOMPARE(parse.status, HeaderStatus::Complete);
        QVERIFY(!parse.violation);
        QCOMPARE(parse.header.fin, fin);
        QCOMPARE(int(parse.header.opcode), opcode);
        QCOMPARE(parse.header.masked, masked);
        QCOMPARE(parse.header.payloadLength, std::uint64_t(payload.size()));
        Bytes body(wire.begin() + std::ptrdiff_t(parse.consumed), wire.end());
        if (masked)
            applyMask(body, parse.header.maskKey);
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(body.data()), qsizetype(body.size())),
                 payload);
    }

    void needsMoreUntilHeaderComplete_data() {
        QTest::addColumn<QByteArray>("hex");
        QTest::newRow("7-bit masked") << QByteArray("818537fa213d");
        QTest::newRow("16-bit unmasked") << QByteArray("827e0100");
        QTest::newRow("64-bit masked") << QByteArray("82ff000000000001000037fa213d");
    }
    void needsMoreUntilHeaderComplete() {
        QFETCH(QByteArray, hex);
        const Bytes wire = fromHex(hex.toStdString());
        for (std::size_t n = 0; n < wire.size(); ++n) {
            const HeaderParse p = parseFrameHeader(std::span(wire).first(n));
            QCOMPARE(p.status, HeaderStatus::NeedMore);
            QVERIFY(p.needed > n);
        }
        const HeaderParse p = parseFrameHeader(wire);
        QCOMPARE(p.status, HeaderStatus::Complete);
        QCOMPARE(p.consumed, wire.size());
    }

    void rejectsNonMinimalLengths_data() {
        QTest::addColumn<QByteArray>("hex");
        QTest::addColumn<QString>("violation");
        QTest::addColumn<quint64>("length");
        QTest::newRow("16-bit form for 125")
            << QByteArray("827e007d") << "non-minimal-length" << quint64(125);
        QTest::newRow("16-bit form for 0")
            << QByteArray("827e0000") << "non-minimal-length" << quint64(0);
        QTest::newRow("64-bit form for 65535")
            << QByteArray("827f000000000000ffff") << "non-minimal-length" << quint64(65535);
        QTest::newRow("64-bit form for 5")
            << QByteArray("827f0000000000000005") << "non-minimal-length" << quint64(5);
        QTest::newRow("64-bit MSB set")
            << QByteArray("827f8000000000000000") << "length-msb-set" << quint64(1);
        QTest::newRow("minimal 16-bit 126") << QByteArray("827e007e") << "" << quint64(126);
        QTest::newRow("minimal 64-bit 65536")
            << QByteArray("827f0000000000010000") << "" << quint64(65536);
        QTest::newRow("largest legal 64-bit")
            << QByteArray("827f7fffffffffffffff") << "" << quint64(0x7fffffffffffffffull);
    }
    void rejectsNonMinimalLengths() {
        QFETCH(QByteArray, hex);
        QFETCH(QString, violation);
        QFETCH(quint64, length);
        const HeaderParse p = parseFrameHeader(fromHex(hex.toStdString()));
        QCOMPARE(p.status, HeaderStatus::Complete);
        if (violation.isEmpty()) {
            QVERIFY(!p.violation);
            QCOMPARE(p.header.payloadLength, length);
        } else {
            QVERIFY(p.violation);
            QCOMPARE(QString::fromUtf8(p.violation->id()), violation);
            QCOMPARE(p.violation->closeCode(), std::uint16_t(1002));
            QCOMPARE(QString::fromUtf8(p.violation->rfc()), QStringLiteral("RFC 6455 §5.2"));
        }
    }

    void serializerHonoursForcedLongerEncoding() {
        FrameHeader h = header(true, Opcode::Text);
        h.lengthEncoding = LengthEncoding::Long64;
        const Bytes wire = buildFrame(h, bytesOf("Hi"));
        QCOMPARE(toHex(wire), std::string("817f00000000000000024869"));
        QCOMPARE(parseFrameHeader(wire).violation->kind, ViolationKind::NonMinimalLength);
    }

    void reportsOffsetsOfHeaderMaskAndPayload() {
        // Two frames back to back: the offsets are positions in the stream.
        WireFrame a;
        a.payload = bytesOf("Hello");
        a.masked = true;
        WireFrame b;
        b.opcode = 2;
        b.payload = Bytes(300, 0xAB);
        b.masked = true;
        Bytes stream = concat({encode(a), encode(b)});
        struct Recorder : FrameSink {
            std::vector<FrameOffsets> offsets;
            std::vector<std::uint64_t> chunkOffsets;
            bool onFrameHeader(const FrameHeader&, const FrameOffsets& o,
                               const ProtocolError*) override {
                offsets.push_back(o);
                return true;
            }
            bool onFramePayload(std::span<const std::uint8_t>, std::uint64_t at) override {
                chunkOffsets.push_back(at);
                return true;
            }
            bool onFrameEnd() override { return true; }
        } rec;
        FrameDecoder decoder(1000);  // a base offset, as after a handshake
        QCOMPARE(decoder.feed(stream, rec), stream.size());
        QCOMPARE(rec.offsets.size(), std::size_t(2));
        QCOMPARE(rec.offsets[0].header, std::uint64_t(1000));
        QCOMPARE(rec.offsets[0].maskKey, std::uint64_t(1002));
        QCOMPARE(rec.offsets[0].payload, std::uint64_t(1006));
        QCOMPARE(rec.offsets[1].header, std::uint64_t(1011));
        QCOMPARE(rec.offsets[1].maskKey, std::uint64_t(1015));
        QCOMPARE(rec.offsets[1].payload, std::uint64_t(1019));
        QCOMPARE(decoder.offset(), std::uint64_t(1000 + stream.size()));
        // Unmasked in place: the caller's buffer now holds the plain payload.
        QCOMPARE(std::string(stream.begin() + 6, stream.begin() + 11), std::string("Hello"));
    }

    void givesSameEventsAtEveryOneAndTwoWaySplit_data() {
        QTest::addColumn<int>("sender");
        QTest::addColumn<QByteArray>("streamHex");
        auto hexOf = [](const Bytes& b) { return QByteArray::fromStdString(toHex(b)); };
        WireFrame hel{false, 0, 1, bytesOf("Hel"), true};
        WireFrame ping{true, 0, 9, bytesOf("ping!"), true};
        WireFrame lo{true, 0, 0, bytesOf("lo"), true};
        WireFrame big{true, 0, 2, Bytes(200, 7), true};
        WireFrame close{true, 0, 8, concat({fromHex("03e8"), bytesOf("bye")}), true};
        QTest::newRow("client: fragments, ping between, 16-bit frame, close")
            << int(Role::Client)
            << hexOf(concat({encode(hel), encode(ping), encode(lo), encode(big), encode(close)}));
        WireFrame s1{true, 0, 1, bytesOf("κόσμε"), false};
        WireFrame s2{true, 0, 2, Bytes(70000, 1), false};
        WireFrame s3{true, 0, 1, Bytes(), false};
        QTest::newRow("server: utf-8 text, 64-bit frame, empty text")
            << int(Role::Server) << hexOf(concat({encode(s1), encode(s2), encode(s3)}));
        WireFrame bad{true, 0, 1, fromHex("cebae1bdb9cf81ceb5eda080"), true};
        WireFrame unmasked{true, 0, 2, bytesOf("x"), false};
        QTest::newRow("client: invalid utf-8 then unmasked frame (lenient trace)")
            << int(Role::Client) << hexOf(concat({encode(bad), encode(unmasked)}));
    }
    void givesSameEventsAtEveryOneAndTwoWaySplit() {
        QFETCH(int, sender);
        QFETCH(QByteArray, streamHex);
        const Bytes stream = fromHex(streamHex.toStdString());
        const Role role = static_cast<Role>(sender);
        const std::string whole = traceOf(stream, role, {});
        QVERIFY(whole.find("frame") != std::string::npos);
        // One byte at a time.
        std::vector<std::size_t> every;
        for (std::size_t i = 1; i < stream.size(); ++i)
            every.push_back(i);
        QCOMPARE(traceOf(stream, role, every), whole);
        QCOMPARE(traceOf(stream, role, {}, true), whole);
        QCOMPARE(traceOf(stream, role, every, true), whole);
        // Every two-way split (bounded: the 64-bit case samples every 97th position).
        const std::size_t step = stream.size() > 4096 ? 97 : 1;
        for (std::size_t cut = 1; cut < stream.size(); cut += step)
            QCOMPARE(traceOf(stream, role, {cut}), whole);
    }

    void roundTripsRandomFrames() {
        std::mt19937_64 rng(20261121);
        for (int iteration = 0; iteration < 500; ++iteration) {
            FrameHeader h;
            h.fin = rng() & 1;
            h.rsv1 = rng() & 1;
            h.rsv2 = rng() & 1;
            h.rsv3 = rng() & 1;
            h.opcode = std::uint8_t(rng() & 0xF);
            h.masked = rng() & 1;
            for (auto& k : h.maskKey)
                k = std::uint8_t(rng());
            const std::size_t sizes[] = {0, 1, 125, 126, 127, 65535, 65536, 70001};
            Bytes payload(sizes[rng() % 8] + (rng() % 3));
            for (auto& b : payload)
                b = std::uint8_t(rng());
            Bytes wire = buildFrame(h, payload);

            struct Collect : FrameSink {
                FrameHeader h;
                Bytes body;
                int ends = 0;
                bool onFrameHeader(const FrameHeader& x, const FrameOffsets&,
                                   const ProtocolError*) override {
                    h = x;
                    return true;
                }
                bool onFramePayload(std::span<const std::uint8_t> c, std::uint64_t at) override {
                    if (at != body.size())
                        return false;
                    body.insert(body.end(), c.begin(), c.end());
                    return true;
                }
                bool onFrameEnd() override {
                    ++ends;
                    return true;
                }
            } out;
            FrameDecoder decoder;
            std::size_t pos = 0;
            while (pos < wire.size()) {
                const std::size_t n = std::min<std::size_t>(wire.size() - pos, 1 + rng() % 3000);
                QCOMPARE(decoder.feed(std::span(wire).subspan(pos, n), out), n);
                pos += n;
            }
            QCOMPARE(out.ends, 1);
            QCOMPARE(out.h.fin, h.fin);
            QCOMPARE(out.h.rsv1, h.rsv1);
            QCOMPARE(out.h.rsv2, h.rsv2);
            QCOMPARE(out.h.rsv3, h.rsv3);
            QCOMPARE(out.h.opcode, h.opcode);
            QCOMPARE(out.h.masked, h.masked);
            if (h.masked)
                QVERIFY(out.h.maskKey == h.maskKey);
            QVERIFY(out.body == payload);
        }
    }

    // The read-only feed unmasks at most FrameDecoder::kScratchChunk bytes at
    // a time into the scratch, so one scratch serves every decoder; the
    // payload still arrives whole and in order.
    void readOnlyFeedSplitsLargeMaskedPayloads() {
        Bytes payload(3 * FrameDecoder::kScratchChunk + 123);
        std::mt19937 rng(5);
        for (auto& b : payload)
            b = std::uint8_t(rng());
        const Bytes wire = buildFrame(header(true, Opcode::Binary, true), payload);
        struct Collect : FrameSink {
            Bytes body;
            std::size_t largestChunk = 0;
            bool onFrameHeader(const FrameHeader&, const FrameOffsets&,
                               const ProtocolError*) override {
                return true;
            }
            bool onFramePayload(std::span<const std::uint8_t> c, std::uint64_t at) override {
                largestChunk = std::max(largestChunk, c.size());
                if (at != body.size())
                    return false;
                body.insert(body.end(), c.begin(), c.end());
                return true;
            }
            bool onFrameEnd() override { return true; }
        } out;
        FrameDecoder decoder;
        std::vector<std::uint8_t> scratch;
        QCOMPARE(decoder.feed(std::span<const std::uint8_t>(wire), out, scratch), wire.size());
        QVERIFY(out.body == payload);
        QCOMPARE(out.largestChunk, FrameDecoder::kScratchChunk);
        QCOMPARE(scratch.size(), FrameDecoder::kScratchChunk);
    }

    void stopsWhenSinkAsks() {
        WireFrame a{true, 0, 1, bytesOf("one"), false};
        WireFrame b{true, 0, 1, bytesOf("two"), false};
        Bytes stream = concat({encode(a), encode(b)});
        struct StopAfterFirst : FrameSink {
            int headers = 0;
            bool onFrameHeader(const FrameHeader&, const FrameOffsets&,
                               const ProtocolError*) override {
                ++headers;
                return true;
            }
            bool onFramePayload(std::span<const std::uint8_t>, std::uint64_t) override {
                return true;
            }
            bool onFrameEnd() override { return false; }
        } sink;
        FrameDecoder decoder;
        QCOMPARE(decoder.feed(stream, sink), std::size_t(5));
        QCOMPARE(sink.headers, 1);
    }
};

QTEST_APPLESS_MAIN(TestFrame)
#include "tst_frame.moc"
