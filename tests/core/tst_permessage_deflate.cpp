// permessage-deflate (RFC 7692) compression: the §7.2.3 examples, round trips,
// output and ratio caps, corrupt input. Negotiation is in
// tst_permessage_deflate_negotiation.cpp.

#include "sockscope/core/permessage_deflate.h"

#include <zlib.h>

#include <QByteArray>
#include <QString>
#include <QTest>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace sockscope;

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kNoCap = std::uint64_t{1} << 40;

Bytes bytes(const QByteArray& a) {
    return Bytes(a.begin(), a.end());
}
Bytes bytes(const char* text) {
    return bytes(QByteArray(text));
}
Bytes hex(const char* digits) {
    return bytes(QByteArray::fromHex(digits));
}
QByteArray qbytes(const Bytes& b) {
    return QByteArray(reinterpret_cast<const char*>(b.data()), static_cast<qsizetype>(b.size()));
}

Bytes compressOne(MessageDeflater& deflater, const Bytes& message) {
    Bytes out;
    deflater.compress(message, out);
    return out;
}

struct Inflated {
    InflateStatus status = InflateStatus::Ok;
    Bytes out;
};

// Feeds one message as the given frames; the last one carries fin.
Inflated inflateFrames(MessageInflater& inflater, const std::vector<Bytes>& frames) {
    Inflated result;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        result.status = inflater.inflate(frames[i], i + 1 == frames.size(), result.out);
        if (result.status != InflateStatus::Ok && i + 1 < frames.size()) {
            // The rest of a failed message must keep failing without output.
            const std::size_t before = result.out.size();
            for (std::size_t j = i + 1; j < frames.size(); ++j) {
                const InflateStatus again =
                    inflater.inflate(frames[j], j + 1 == frames.size(), result.out);
                if (again != result.status || result.out.size() != before) {
                    result.status = InflateStatus::Ok;  // make the caller's check fail
                    return result;
                }
            }
            break;
        }
    }
    return result;
}

Inflated inflateWhole(MessageInflater& inflater, const Bytes& message) {
    return inflateFrames(inflater, {message});
}

// Splits `data` into random frames, sized so a message needs tens of calls
// at most; sometimes the last frame is empty (a bare fin frame).
std::vector<Bytes> randomFrames(const Bytes& data, std::mt19937& rng) {
    const std::size_t largest = data.size() <= 2048 ? 7 : data.size() / 20 + 1;
    std::uniform_int_distribution<std::size_t> length(1, largest);
    std::vector<Bytes> frames;
    for (std::size_t at = 0; at < data.size();) {
        const std::size_t n = std::min(length(rng), data.size() - at);
        frames.emplace_back(data.begin() + static_cast<std::ptrdiff_t>(at),
                            data.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
    }
    if (frames.empty() || rng() % 4 == 0) {
        frames.emplace_back();
    }
    return frames;
}

enum class Kind { Random, Text, Zeros };

Bytes makeMessage(Kind kind, std::size_t size, std::mt19937& rng) {
    Bytes m;
    m.reserve(size);
    if (kind == Kind::Zeros) {
        m.resize(size);
    } else if (kind == Kind::Random) {
        while (m.size() < size) {
            m.push_back(static_cast<std::uint8_t>(rng()));
        }
    } else {
        static const char* const words[] = {"frame ", "opcode ", "masked ",   "payload ",
                                            "close ", "ping ",   "{\"id\": ", "text ",
                                            "1009 ",  "binary ", "fin ",      "\n"};
        while (m.size() < size) {
            const std::string word = words[rng() % std::size(words)];
            const std::string number = std::to_string(rng() % 1000) + " ";
            for (const std::string& part : {word, number}) {
                for (const char c : part) {
                    if (m.size() < size) {
                        m.push_back(static_cast<std::uint8_t>(c));
                    }
                }
            }
        }
    }
    return m;
}

// Raw zlib inflate with a true 256-byte window, one output byte per call: zlib
// only accepts a distance beyond its window when the bytes are in the current
// call's output, so this checks every distance against 256 bytes.
std::optional<std::string> inflateIn256ByteWindow(const std::vector<Bytes>& messages) {
    z_stream strm{};
    if (inflateInit2(&strm, -8) != Z_OK) {
        return "inflateInit2(-8) failed";
    }
    std::optional<std::string> failure;
    for (const Bytes& message : messages) {
        Bytes data = message;
        data.insert(data.end(), {0x00, 0x00, 0xff, 0xff});
        strm.next_in = data.data();
        strm.avail_in = static_cast<uInt>(data.size());
        for (int guard = 0; strm.avail_in > 0 && guard < 10'000'000 && !failure; ++guard) {
            Bytef byte = 0;
            strm.next_out = &byte;
            strm.avail_out = 1;
            const int rc = inflate(&strm, Z_SYNC_FLUSH);
            if (rc != Z_OK && rc != Z_BUF_ERROR) {
                failure = strm.msg != nullptr ? strm.msg : "inflate failed";
            }
        }
        if (failure) {
            break;
        }
    }
    inflateEnd(&strm);
    return failure;
}

}  // namespace

class TestPermessageDeflate : public QObject {
    Q_OBJECT

private slots:
    // ------------------------------------------------ RFC 7692 §7.2.3 examples
    void compressesHelloAsInRfcExample() {
        // §7.2.3.1: "Hello" in one compressed frame is 0xc1 0x07 f2 48 cd c9 c9 07 00.
        MessageDeflater deflater(15, false);
        QCOMPARE(qbytes(compressOne(deflater, bytes("Hello"))),
                 QByteArray::fromHex("f248cdc9c90700"));
    }

    void inflatesRfcExamples_data() {
        QTest::addColumn<QByteArray>("frames");  // hex, frames separated by '|'
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("7.2.3.1 one compressed block")
            << QByteArray("f248cdc9c90700") << QByteArray("Hello");
        QTest::newRow("7.2.3.1 two fragments")
            << QByteArray("f248cd|c9c90700") << QByteArray("Hello");
        QTest::newRow("7.2.3.3 block with no compression")
            << QByteArray("000500faff48656c6c6f00") << QByteArray("Hello");
        QTest::newRow("7.2.3.4 block with BFINAL=1")
            << QByteArray("f348cdc9c9070000") << QByteArray("Hello");
        QTest::newRow("7.2.3.4 BFINAL=1 without the padding byte")
            << QByteArray("f348cdc9c90700") << QByteArray("Hello");
        QTest::newRow("7.2.3.5 two blocks in one message")
            << QByteArray("f24805000000ffffcac9c90700") << QByteArray("Hello");
        QTest::newRow("7.2.3.6 empty message") << QByteArray("00") << QByteArray();
        QTest::newRow("empty fin frame after the data")
            << QByteArray("f248cdc9c90700|") << QByteArray("Hello");
    }

    void inflatesRfcExamples() {
        QFETCH(QByteArray, frames);
        QFETCH(QByteArray, expected);
        std::vector<Bytes> given;
        for (const QByteArray& frame : frames.split('|')) {
            given.push_back(hex(frame.constData()));
        }
        {
            MessageInflater inflater(15, false, kNoCap);
            const Inflated got = inflateFrames(inflater, given);
            QCOMPARE(got.status, InflateStatus::Ok);
            QCOMPARE(qbytes(got.out), expected);
            QCOMPARE(inflater.messageOutput(), std::uint64_t(expected.size()));
        }
        // Split invariance: every two-way split and one byte at a time give the same.
        Bytes whole;
        for (const Bytes& b : given) {
            whole.insert(whole.end(), b.begin(), b.end());
        }
        for (std::size_t cut = 0; cut <= whole.size(); ++cut) {
            MessageInflater inflater(15, true, kNoCap);
            const Inflated got =
                inflateFrames(inflater, {Bytes(whole.begin(), whole.begin() + std::ptrdiff_t(cut)),
                                         Bytes(whole.begin() + std::ptrdiff_t(cut), whole.end())});
            QCOMPARE(got.status, InflateStatus::Ok);
            QCOMPARE(qbytes(got.out), expected);
        }
        std::vector<Bytes> single;
        for (const std::uint8_t b : whole) {
            single.push_back({b});
        }
        single.emplace_back();
        MessageInflater inflater(15, false, kNoCap);
        const Inflated got = inflateFrames(inflater, single);
        QCOMPARE(got.status, InflateStatus::Ok);
        QCOMPARE(qbytes(got.out), expected);
    }

    void sharesWindowAcrossMessagesWithContextTakeover() {
        // §7.2.3.2: the second "Hello" refers back into the first message.
        MessageDeflater deflater(15, false);
        QCOMPARE(qbytes(compressOne(deflater, bytes("Hello"))),
                 QByteArray::fromHex("f248cdc9c90700"));
        QCOMPARE(qbytes(compressOne(deflater, bytes("Hello"))), QByteArray::fromHex("f200110000"));

        MessageInflater inflater(15, false, kNoCap);
        QCOMPARE(qbytes(inflateWhole(inflater, hex("f248cdc9c90700")).out), QByteArray("Hello"));
        const Inflated second = inflateWhole(inflater, hex("f200110000"));
        QCOMPARE(second.status, InflateStatus::Ok);
        QCOMPARE(qbytes(second.out), QByteArray("Hello"));
    }

    void rejectsBackReferenceWithoutContextTakeover() {
        MessageInflater inflater(15, true, kNoCap);
        QCOMPARE(inflateWhole(inflater, hex("f248cdc9c90700")).status, InflateStatus::Ok);
        QCOMPARE(inflateWhole(inflater, hex("f200110000")).status, InflateStatus::Error);
        QCOMPARE(inflater.lastError(), std::string("invalid distance too far back"));
    }

    void resetsDeflaterWithoutContextTakeover() {
        MessageDeflater deflater(15, true);
        QCOMPARE(qbytes(compressOne(deflater, bytes("Hello"))),
                 QByteArray::fromHex("f248cdc9c90700"));
        QCOMPARE(qbytes(compressOne(deflater, bytes("Hello"))),
                 QByteArray::fromHex("f248cdc9c90700"));
    }

    void compressesEmptyMessageToOneZeroByte_data() {
        QTest::addColumn<bool>("noContextTakeover");
        QTest::addColumn<QByteArray>("before");
        QTest::newRow("first message") << false << QByteArray();
        QTest::newRow("after a message, context takeover") << false << QByteArray("Hello");
        QTest::newRow("after a message, no context takeover") << true << QByteArray("Hello");
        QTest::newRow("after an empty message") << false << QByteArray("");
    }

    void compressesEmptyMessageToOneZeroByte() {
        // §7.2.3.6: an empty message is the single byte 0x00.
        QFETCH(bool, noContextTakeover);
        QFETCH(QByteArray, before);
        MessageDeflater deflater(15, noContextTakeover);
        MessageInflater inflater(15, noContextTakeover, kNoCap);
        if (!before.isNull()) {
            const Bytes first = compressOne(deflater, bytes(before));
            QCOMPARE(qbytes(inflateWhole(inflater, first).out), before);
        }
        const Bytes empty = compressOne(deflater, {});
        QCOMPARE(qbytes(empty), QByteArray::fromHex("00"));
        const Inflated got = inflateWhole(inflater, empty);
        QCOMPARE(got.status, InflateStatus::Ok);
        QVERIFY(got.out.empty());
        // The stream stays usable afterwards.
        const Inflated next = inflateWhole(inflater, compressOne(deflater, bytes("after")));
        QCOMPARE(next.status, InflateStatus::Ok);
        QCOMPARE(qbytes(next.out), QByteArray("after"));
    }

    void continuesAfterFinalBlockWithTheSameWindow() {
        // §7.2.3.4 lets blocks follow a BFINAL=1 block: "Hello" closed with
        // BFINAL, then blocks that refer back to it, in one message.
        Bytes message;
        {
            z_stream s{};
            QCOMPARE(deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
            Bytes hello = bytes("Hello");
            Bytes out(64);
            s.next_in = hello.data();
            s.avail_in = 5;
            s.next_out = out.data();
            s.avail_out = 64;
            QCOMPARE(deflate(&s, Z_FINISH), Z_STREAM_END);
            out.resize(64 - s.avail_out);
            QCOMPARE(qbytes(out), QByteArray::fromHex("f348cdc9c90700"));
            message = out;
            deflateEnd(&s);
        }
        {
            z_stream s{};
            QCOMPARE(deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
            const Bytes dictionary = bytes("Hello");
            QCOMPARE(deflateSetDictionary(&s, dictionary.data(), 5), Z_OK);
            Bytes again = bytes("HelloHello");
            Bytes out(64);
            s.next_in = again.data();
            s.avail_in = 10;
            s.next_out = out.data();
            s.avail_out = 64;
            QCOMPARE(deflate(&s, Z_SYNC_FLUSH), Z_OK);
            out.resize(64 - s.avail_out - 4);  // without 00 00 ff ff
            QVERIFY(out.size() < 10);          // it did refer back
            message.insert(message.end(), out.begin(), out.end());
            deflateEnd(&s);
        }
        for (const bool noContextTakeover : {false, true}) {
            MessageInflater inflater(15, noContextTakeover, kNoCap);
            const Inflated got = inflateWhole(inflater, message);
            QCOMPARE(got.status, InflateStatus::Ok);
            QCOMPARE(qbytes(got.out), QByteArray("HelloHelloHello"));
        }
    }

    void keepsWindowAfterFinalBlockAcrossMessages() {
        MessageInflater inflater(15, false, kNoCap);
        QCOMPARE(qbytes(inflateWhole(inflater, hex("f348cdc9c90700")).out), QByteArray("Hello"));
        const Inflated second = inflateWhole(inflater, hex("f200110000"));
        QCOMPARE(second.status, InflateStatus::Ok);
        QCOMPARE(qbytes(second.out), QByteArray("Hello"));
    }

    // -------------------------------------------------------------- round trips
    void roundTripsMessages_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("size");
        QTest::addColumn<bool>("noContextTakeover");
        const std::pair<Kind, const char*> kinds[] = {
            {Kind::Random, "random"}, {Kind::Text, "text"}, {Kind::Zeros, "zeros"}};
        for (const auto& [kind, kindName] : kinds) {
            for (const int size : {0, 1, 5, 1000, 65535, 65537, 1 << 20}) {
                for (const bool nct : {false, true}) {
                    QTest::addRow("%s %d B %s", kindName, size,
                                  nct ? "no context takeover" : "context takeover")
                        << int(kind) << size << nct;
                }
            }
        }
    }

    void roundTripsMessages() {
        QFETCH(int, kind);
        QFETCH(int, size);
        QFETCH(bool, noContextTakeover);
        std::mt19937 rng(static_cast<unsigned>(size * 7 + kind * 3 + int(noContextTakeover)));
        for (int bits = 8; bits <= 15; ++bits) {
            MessageDeflater deflater(bits, noContextTakeover);
            MessageInflater inflater(bits, noContextTakeover, 2u << 20, 2000);
            for (int n = 0; n < 3; ++n) {
                const Bytes message = makeMessage(Kind(kind), std::size_t(size), rng);
                const Bytes compressed = compressOne(deflater, message);
                QVERIFY(!compressed.empty());
                if (Kind(kind) != Kind::Random && size >= 1000) {
                    QVERIFY2(compressed.size() < message.size() / 2, "did not compress");
                }
                const Inflated got = inflateFrames(inflater, randomFrames(compressed, rng));
                QVERIFY2(got.status == InflateStatus::Ok, inflater.lastError().c_str());
                QVERIFY2(got.out == message,
                         qPrintable(QStringLiteral("window bits %1, message %2").arg(bits).arg(n)));
                QCOMPARE(inflater.messageOutput(), std::uint64_t(message.size()));
            }
        }
    }

    void contextTakeoverShrinksRepeatedMessage() {
        std::mt19937 rng(1);
        const Bytes message = makeMessage(Kind::Text, 2000, rng);
        MessageDeflater takeover(15, false);
        const Bytes first = compressOne(takeover, message);
        QVERIFY(compressOne(takeover, message).size() * 4 < first.size());
        MessageDeflater reset(15, true);
        QCOMPARE(compressOne(reset, message), first);
        QCOMPARE(compressOne(reset, message), first);
    }

    void windowEightOutputFitsA256ByteWindow() {
        // zlib has no raw 256-byte deflate window; we compress with 512 bytes,
        // whose matches reach back at most 250 bytes. A strict 256-byte
        // inflater must accept everything we send for window bits 8.
        std::mt19937 rng(8);
        std::vector<Bytes> messages;
        for (int i = 0; i < 8; ++i) {
            messages.push_back(makeMessage(Kind::Text, 4000, rng));
        }
        MessageDeflater deflater(8, false);
        std::vector<Bytes> ours;
        std::size_t total = 0;
        for (const Bytes& m : messages) {
            ours.push_back(compressOne(deflater, m));
            total += ours.back().size();
        }
        QVERIFY(total < 8 * 4000 / 2);  // it does compress
        const std::optional<std::string> failure = inflateIn256ByteWindow(ours);
        QVERIFY2(!failure, failure ? failure->c_str() : "");

        // Control: a 1 KiB window reaches further, and the checker notices.
        z_stream s{};
        QCOMPARE(deflateInit2(&s, 6, Z_DEFLATED, -10, 8, Z_DEFAULT_STRATEGY), Z_OK);
        std::vector<Bytes> wide;
        for (Bytes& m : messages) {
            Bytes out(8192);
            s.next_in = m.data();
            s.avail_in = static_cast<uInt>(m.size());
            s.next_out = out.data();
            s.avail_out = static_cast<uInt>(out.size());
            QCOMPARE(deflate(&s, Z_SYNC_FLUSH), Z_OK);
            out.resize(out.size() - s.avail_out - 4);
            wide.push_back(out);
        }
        deflateEnd(&s);
        const std::optional<std::string> control = inflateIn256ByteWindow(wide);
        QVERIFY(control.has_value());
        QCOMPARE(*control, std::string("invalid distance too far back"));
    }

    void movedCodecsKeepTheirContext() {
        MessageDeflater deflater(15, false);
        MessageInflater inflater(15, false, kNoCap);
        const Bytes first = compressOne(deflater, bytes("Hello"));
        QCOMPARE(qbytes(inflateWhole(inflater, first).out), QByteArray("Hello"));

        MessageDeflater movedDeflater(std::move(deflater));
        MessageInflater movedInflater(std::move(inflater));
        const Bytes second = compressOne(movedDeflater, bytes("Hello"));
        QCOMPARE(qbytes(second), QByteArray::fromHex("f200110000"));  // still shares the window
        QCOMPARE(qbytes(inflateWhole(movedInflater, second).out), QByteArray("Hello"));

        MessageDeflater assignedDeflater(9, true);
        MessageInflater assignedInflater(9, true, 1);
        assignedDeflater = std::move(movedDeflater);
        assignedInflater = std::move(movedInflater);
        const Bytes third = compressOne(assignedDeflater, bytes("Hello"));
        QVERIFY(third.size() < 7);  // a back-reference, not the literals of a fresh window
        QCOMPARE(qbytes(inflateWhole(assignedInflater, third).out), QByteArray("Hello"));
    }

    // --------------------------------------------------------------------- caps
    void rejectsBombBeyondMaxOutput_data() {
        QTest::addColumn<int>("frameSize");
        QTest::newRow("one frame") << 0;
        QTest::newRow("100-byte frames") << 100;
        QTest::newRow("one byte per frame") << 1;
    }

    void rejectsBombBeyondMaxOutput() {
        QFETCH(int, frameSize);
        MessageDeflater deflater(15, true, 9);
        const Bytes bomb = compressOne(deflater, Bytes(1 << 20, 0));
        QVERIFY(bomb.size() < 2048);
        std::vector<Bytes> frames;
        if (frameSize == 0) {
            frames.push_back(bomb);
        } else {
            for (std::size_t at = 0; at < bomb.size(); at += std::size_t(frameSize)) {
                frames.emplace_back(bomb.begin() + std::ptrdiff_t(at),
                                    bomb.begin() + std::ptrdiff_t(std::min(
                                                       bomb.size(), at + std::size_t(frameSize))));
            }
        }
        constexpr std::uint64_t cap = 64 * 1024;
        MessageInflater inflater(15, true, cap);
        Bytes out;
        InflateStatus status = InflateStatus::Ok;
        for (std::size_t i = 0; i < frames.size(); ++i) {
            status = inflater.inflate(frames[i], i + 1 == frames.size(), out);
            QVERIFY(out.size() <= cap);
            QVERIFY(out.capacity() <= cap);  // never allocated beyond the cap
            if (status != InflateStatus::Ok) {
                break;
            }
        }
        QCOMPARE(status, InflateStatus::TooBig);
        QCOMPARE(out.size(), std::size_t(cap));  // everything up to the cap was delivered
        QVERIFY(inflater.messageOutput() <= cap);
        QVERIFY(!inflater.lastError().empty());
    }

    void capsOutputExactly_data() {
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("cap");
        QTest::addColumn<bool>("fits");
        QTest::newRow("64 KiB under a 64 KiB cap") << 65536 << 65536 << true;
        QTest::newRow("64 KiB + 1 under a 64 KiB cap") << 65537 << 65536 << false;
        QTest::newRow("5 B under a 4 B cap") << 5 << 4 << false;
        QTest::newRow("empty under a 0 B cap") << 0 << 0 << true;
        QTest::newRow("1 B under a 0 B cap") << 1 << 0 << false;
    }

    void capsOutputExactly() {
        QFETCH(int, size);
        QFETCH(int, cap);
        QFETCH(bool, fits);
        std::mt19937 rng{static_cast<std::uint32_t>(size)};
        const Bytes message = makeMessage(Kind::Text, std::size_t(size), rng);
        for (const int frameSize : {1, 1000, 1 << 30}) {
            MessageDeflater deflater(15, true);
            const Bytes compressed = compressOne(deflater, message);
            std::vector<Bytes> frames;
            for (std::size_t at = 0; at < compressed.size(); at += std::size_t(frameSize)) {
                frames.emplace_back(
                    compressed.begin() + std::ptrdiff_t(at),
                    compressed.begin() +
                        std::ptrdiff_t(std::min(compressed.size(), at + std::size_t(frameSize))));
            }
            MessageInflater inflater(15, true, std::uint64_t(cap));
            const Inflated got = inflateFrames(inflater, frames);
            QCOMPARE(got.status, fits ? InflateStatus::Ok : InflateStatus::TooBig);
            QVERIFY(got.out.size() <= std::size_t(cap));
            if (fits) {
                QVERIFY(got.out == message);
            }
        }
    }

    void rejectsRatioAboveCap() {
        MessageDeflater deflater(15, true, 9);
        const Bytes bomb = compressOne(deflater, Bytes(1 << 20, 0));
        MessageInflater inflater(15, true, 64u << 20, 100);
        const Inflated got = inflateWhole(inflater, bomb);
        QCOMPARE(got.status, InflateStatus::TooBig);
        QVERIFY2(got.out.size() < (512u << 10), "stopped long before the end");
        QVERIFY(QByteArray::fromStdString(inflater.lastError()).contains("ratio"));
    }

    void appliesRatioCapOnlyAbove64KiB() {
        MessageDeflater deflater(15, true, 9);
        const Bytes zeros(60 * 1024, 0);
        MessageInflater inflater(15, true, kNoCap, 10);
        const Inflated got = inflateWhole(inflater, compressOne(deflater, zeros));
        QCOMPARE(got.status, InflateStatus::Ok);
        QVERIFY(got.out == zeros);
    }

    void acceptsOrdinaryRatioUnderCap() {
        std::mt19937 rng(3);
        const Bytes message = makeMessage(Kind::Text, 1 << 20, rng);
        MessageDeflater deflater(15, true);
        MessageInflater inflater(15, true, kNoCap, 20);
        const Inflated got = inflateWhole(inflater, compressOne(deflater, message));
        QCOMPARE(got.status, InflateStatus::Ok);
        QVERIFY(got.out == message);
    }

    // ------------------------------------------------------------ corrupt input
    void rejectsCorruptData_data() {
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QByteArray>("error");
        QTest::newRow("reserved block type 11")
            << QByteArray("06") << QByteArray("invalid block type");
        QTest::newRow("stored block with wrong NLEN")
            << QByteArray("0005000000") << QByteArray("invalid stored block lengths");
        QTest::newRow("distance before the first byte")
            << QByteArray("f200110000") << QByteArray("invalid distance too far back");
        QTest::newRow("message cut inside a stored block")
            << QByteArray("000a00f5ff4865")
            << QByteArray("does not end on a DEFLATE block boundary");
        QTest::newRow("message cut inside a compressed block")
            << QByteArray("f248cd") << QByteArray();
        QTest::newRow("nothing at all")
            << QByteArray("") << QByteArray("does not end on a DEFLATE block boundary");
    }

    void rejectsCorruptData() {
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, error);
        MessageInflater inflater(15, true, kNoCap);
        const Inflated got = inflateWhole(inflater, hex(data.constData()));
        QCOMPARE(got.status, InflateStatus::Error);
        QVERIFY(!inflater.lastError().empty());
        QVERIFY2(QByteArray::fromStdString(inflater.lastError()).contains(error),
                 inflater.lastError().c_str());
    }

    void startsCleanAfterFailureWithoutContextTakeover() {
        MessageInflater inflater(15, true, 4);
        QCOMPARE(inflateFrames(inflater, {hex("06"), hex("f248")}).status, InflateStatus::Error);
        const Inflated ok = inflateWhole(inflater, hex("f248cdc9c90700"));
        QCOMPARE(ok.status, InflateStatus::TooBig);  // 5 bytes > 4: a fresh message, judged afresh
        QCOMPARE(qbytes(ok.out), QByteArray("Hell"));
        const Inflated next = inflateWhole(inflater, hex("00"));
        QCOMPARE(next.status, InflateStatus::Ok);
    }

    void staysFailedAfterFailureWithContextTakeover() {
        MessageInflater inflater(15, false, kNoCap);
        QCOMPARE(inflateWhole(inflater, hex("06")).status, InflateStatus::Error);
        // The shared window is unknown now: every later message fails.
        for (int i = 0; i < 2; ++i) {
            const Inflated next = inflateWhole(inflater, hex("f248cdc9c90700"));
            QCOMPARE(next.status, InflateStatus::Error);
            QVERIFY(next.out.empty());
            QVERIFY(QByteArray::fromStdString(inflater.lastError()).contains("window"));
        }
    }
};

QTEST_APPLESS_MAIN(TestPermessageDeflate)
#include "tst_permessage_deflate.moc"
