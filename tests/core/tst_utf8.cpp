// Incremental UTF-8 validation (RFC 3629 §4, RFC 6455 §8.1): exact first
// invalid byte, any split of the input, every SIMD level this CPU has. The
// expectations come from the table below and from an independent oracle
// (validPrefixEnd) that decodes code points arithmetically instead of using
// byte ranges like the validator does.
#include <sockscope/core/simd_level.h>
#include <sockscope/core/utf8.h>

#include <QTest>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

using namespace sockscope;

namespace {

std::span<const std::uint8_t> bytesOf(const QByteArray& a, qsizetype from = 0, qsizetype n = -1) {
    if (n < 0) {
        n = a.size() - from;
    }
    return {reinterpret_cast<const std::uint8_t*>(a.constData()) + from, std::size_t(n)};
}

void appendUtf8(QByteArray& out, char32_t cp) {
    if (cp < 0x80) {
        out.append(char(cp));
    } else if (cp < 0x800) {
        out.append(char(0xC0 | (cp >> 6)));
        out.append(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.append(char(0xE0 | (cp >> 12)));
        out.append(char(0x80 | ((cp >> 6) & 0x3F)));
        out.append(char(0x80 | (cp & 0x3F)));
    } else {
        out.append(char(0xF0 | (cp >> 18)));
        out.append(char(0x80 | ((cp >> 12) & 0x3F)));
        out.append(char(0x80 | ((cp >> 6) & 0x3F)));
        out.append(char(0x80 | (cp & 0x3F)));
    }
}

// What a correct validator must say about a whole input.
struct Expected {
    qsizetype errorIndex;  // -1: no invalid byte
    bool complete;         // no error and no character left open
};

// Whether a code point in [first, last] can still be a valid scalar value of
// an encoding whose length allows [lo, hi] (shorter forms would be overlong).
bool reachesScalarValue(std::uint32_t first, std::uint32_t last, std::uint32_t lo,
                        std::uint32_t hi) {
    const std::uint32_t a = std::max(first, lo);
    const std::uint32_t b = std::min(last, hi);
    return a <= b && !(a >= 0xD800 && b <= 0xDFFF);
}

// The oracle: the first byte after which no completion could be valid UTF-8.
Expected oracle(const QByteArray& s) {
    const qsizetype n = s.size();
    qsizetype i = 0;
    while (i < n) {
        const auto lead = std::uint8_t(s[i]);
        if (lead < 0x80) {
            ++i;
            continue;
        }
        const int len = (lead & 0xE0) == 0xC0   ? 2
                        : (lead & 0xF0) == 0xE0 ? 3
                        : (lead & 0xF8) == 0xF0 ? 4
                                                : 0;
        if (len == 0) {
            return {i, false};
        }
        const std::uint32_t lo = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
        const std::uint32_t hi = len == 2 ? 0x7FF : len == 3 ? 0xFFFF : 0x10FFFF;
        std::uint32_t cp = lead & (0xFFu >> (len + 1));
        for (int k = 1; k <= len; ++k) {
            if (k > 1) {
                if (i + k - 1 >= n) {
                    return {-1, false};
                }
                const auto c = std::uint8_t(s[i + k - 1]);
                if ((c & 0xC0) != 0x80) {
                    return {i + k - 1, false};
                }
                cp = (cp << 6) | (c & 0x3F);
            }
            const int rest = 6 * (len - k);
            const std::uint32_t first = cp << rest;
            if (!reachesScalarValue(first, first | ((1u << rest) - 1), lo, hi)) {
                return {i + k - 1, false};
            }
        }
        i += len;
    }
    return {-1, true};
}

// What the validator said after the input was fed in pieces cut at `cuts`.
struct Verdict {
    qsizetype errorOffset = -1;
    bool complete = false;
    bool consistent = true;  // return values, failed(), errorIndex() agree with errorOffset()
};

Verdict feedPieces(const QByteArray& input, std::vector<qsizetype> cuts) {
    Utf8Validator v;
    Verdict verdict;
    cuts.push_back(input.size());
    qsizetype from = 0;
    for (const qsizetype to : cuts) {
        // Each piece in its own exactly sized heap block, so a sanitizer build
        // catches any read past the span.
        const auto span = bytesOf(input, from, to - from);
        const std::vector<std::uint8_t> piece(span.begin(), span.end());
        const bool ok = v.feed(piece);
        if (!ok) {
            verdict.errorOffset = qsizetype(v.errorOffset());
            verdict.consistent = v.failed() && !v.complete() &&
                                 qsizetype(v.errorIndex()) == verdict.errorOffset - from &&
                                 verdict.errorOffset < to && verdict.errorOffset >= from;
            // Once failed, later input is refused without moving the error.
            verdict.consistent &= !v.feed(std::string_view("ok")) &&
                                  qsizetype(v.errorOffset()) == verdict.errorOffset;
            return verdict;
        }
        verdict.consistent &= !v.failed();
        from = to;
    }
    verdict.complete = v.complete();
    return verdict;
}

QString describe(const char* how, const Verdict& v) {
    return QStringLiteral("%1: errorOffset %2 complete %3 consistent %4")
        .arg(QLatin1String(how))
        .arg(v.errorOffset)
        .arg(v.complete)
        .arg(v.consistent);
}

bool matches(const Verdict& v, const Expected& e) {
    return v.consistent && v.errorOffset == e.errorIndex && v.complete == e.complete;
}

// The ways every table row is fed: whole, byte by byte, each two-way split.
QString checkAllSplits(const QByteArray& input, const Expected& e) {
    const Verdict whole = feedPieces(input, {});
    if (!matches(whole, e)) {
        return describe("whole", whole);
    }
    std::vector<qsizetype> everyByte;
    for (qsizetype i = 1; i < input.size(); ++i) {
        everyByte.push_back(i);
    }
    const Verdict bytewise = feedPieces(input, everyByte);
    if (!matches(bytewise, e)) {
        return describe("byte by byte", bytewise);
    }
    for (qsizetype cut = 0; cut <= input.size(); ++cut) {
        const Verdict split = feedPieces(input, {cut});
        if (!matches(split, e)) {
            return describe("split", split) + QStringLiteral(" at %1").arg(cut);
        }
    }
    return {};
}

// Valid mixed text (1-, 2-, 3- and 4-byte characters), long enough that the
// vector kernel sees whole blocks.
QByteArray mixedText(int minBytes) {
    static const char32_t sample[] = {
        U'G',          U'r',      U'\u00F6',     U'\u00DF', U'e',      U' ',      U'\u2264',
        U'1',          U'0',      U'\u20AC',     U' ',      U'\u03BA', U'\u1F79', U'\u03C3',
        U'\u03BC',     U'\u03B5', U' ',          U'\u65E5', U'\u672C', U'\u8A9E', U' ',
        U'\U0001F600', U' ',      U'\U0010FFFF', U'\uFFFD'};
    QByteArray out;
    for (std::size_t i = 0; out.size() < minBytes; ++i) {
        appendUtf8(out, sample[i % std::size(sample)]);
    }
    return out;
}

QByteArray randomValidText(std::mt19937& rng, int characters) {
    QByteArray out;
    for (int i = 0; i < characters; ++i) {
        char32_t cp = 0;
        switch (rng() % 5) {
            case 0:
            case 1:
                cp = 0x20 + rng() % 0x5F;
                break;
            case 2:
                cp = 0x80 + rng() % (0x800 - 0x80);
                break;
            case 3:
                do {
                    cp = 0x800 + rng() % (0x10000 - 0x800);
                } while (cp >= 0xD800 && cp <= 0xDFFF);
                break;
            default:
                cp = 0x10000 + rng() % (0x110000 - 0x10000);
                break;
        }
        appendUtf8(out, cp);
    }
    return out;
}

std::vector<qsizetype> randomCuts(std::mt19937& rng, qsizetype size) {
    std::vector<qsizetype> cuts;
    for (qsizetype at = 0; cuts.size() < 64;) {
        at += 1 + qsizetype(rng() % 300);
        if (at >= size) {
            break;
        }
        cuts.push_back(at);
    }
    return cuts;
}

}  // namespace

class TestUtf8 : public QObject {
    Q_OBJECT

    void addLevelRows() {
        QTest::addColumn<SimdLevel>("level");
        QTest::newRow("scalar") << SimdLevel::Scalar;
        QTest::newRow("sse2") << SimdLevel::Sse2;
        QTest::newRow("avx2") << SimdLevel::Avx2;
    }
    QList<SimdLevel> levels() const {
        QList<SimdLevel> out{SimdLevel::Scalar};
        for (SimdLevel l : {SimdLevel::Sse2, SimdLevel::Avx2}) {
            if (std::uint8_t(l) <= std::uint8_t(detectedSimdLevel())) {
                out << l;
            }
        }
        return out;
    }

private slots:
    void cleanup() { setSimdLevel(detectedSimdLevel()); }

    void judgesEachSequenceAtAnySplit_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("errorIndex");  // -1: valid so far
        QTest::addColumn<bool>("complete");
        const auto valid = [](const char* name, const char* hex) {
            QTest::newRow(name) << QByteArray::fromHex(hex) << -1 << true;
        };
        const auto open = [](const char* name, const char* hex) {
            QTest::newRow(name) << QByteArray::fromHex(hex) << -1 << false;
        };
        const auto invalid = [](const char* name, const char* hex, int at) {
            QTest::newRow(name) << QByteArray::fromHex(hex) << at << false;
        };
        valid("empty", "");
        valid("ascii", "48656c6c6f2c20776f726c6421");
        valid("nul and del", "007f");
        valid("U+0080 first two-byte", "c280");
        valid("U+07FF last two-byte", "dfbf");
        valid("U+0800 first three-byte", "e0a080");
        valid("U+D7FF before surrogates", "ed9fbf");
        valid("U+E000 after surrogates", "ee8080");
        valid("U+FFFD replacement character", "efbfbd");
        valid("U+FFFF last three-byte", "efbfbf");
        valid("U+10000 first four-byte", "f0908080");
        valid("U+10FFFF last code point", "f48fbfbf");
        valid("kosme", "cebae1bdb9cf83cebcceb5");
        valid("autobahn 6.2.1 kosme and more", "cebae1bdb9cf83cebcceb5f0909080");
        valid("autobahn 6.19 noncharacter U+FFFE", "efbfbe");
        valid("autobahn 6.20 noncharacter U+10FFFE", "f48fbfbe");

        invalid("overlong C0 AF", "c0af", 0);
        invalid("overlong C1 BF", "c1bf", 0);
        invalid("overlong E0 80 AF", "e080af", 1);
        invalid("overlong E0 9F BF", "e09fbf", 1);
        invalid("overlong F0 80 80 AF", "f08080af", 1);
        invalid("overlong F0 8F BF BF", "f08fbfbf", 1);
        invalid("surrogate ED A0 80", "eda080", 1);
        invalid("surrogate ED BF BF", "edbfbf", 1);
        invalid("paired surrogates ED A0 80 ED B0 80", "eda080edb080", 1);
        invalid("above U+10FFFF F4 90 80 80", "f4908080", 1);
        invalid("lead F5 with continuations", "f5808080", 0);
        invalid("lead F7 with continuations", "f7bfbfbf", 0);
        invalid("lead F8 five-byte form", "f888808080", 0);
        invalid("lead FC six-byte form", "fc8480808080", 0);
        for (int lead = 0xF5; lead <= 0xFF; ++lead) {  // no lead byte above F4 exists
            const QByteArray name = "lead " + QByteArray::number(lead, 16).toUpper() + " alone";
            QTest::newRow(name.constData()) << QByteArray(1, char(lead)) << 0 << false;
        }
        invalid("lone continuation 80", "80", 0);
        invalid("lone continuation BF", "bf", 0);
        invalid("continuation after ascii", "4180", 1);
        invalid("continuation after a complete character", "c28080", 2);
        invalid("four continuations after F0", "f09f988080", 4);
        invalid("ascii where a continuation is due", "e28241", 2);
        invalid("lead where a continuation is due", "c2c280", 1);
        invalid("lead where a fourth byte is due", "f09f98f0", 3);
        invalid("autobahn 6.3.1 kosme with surrogate", "cebae1bdb9cf83cebcceb5eda080656469746564",
                12);
        invalid("autobahn 6.4.1 fail fast above max", "cebae1bdb9cf83cebcceb5f4908080656469746564",
                12);
        invalid("autobahn 6.4.3 lone F4 then bad byte", "cebae1bdb9cf83cebcceb5f490", 12);
        invalid("autobahn 6.13 lonely start C0 space", "c020", 0);
        invalid("autobahn 6.13 lonely start E0 space", "e020", 1);
        invalid("autobahn 6.13 lonely start F0 space", "f020", 1);
        invalid("autobahn 6.14 last byte missing C0", "c0", 0);
        invalid("autobahn 6.14 last byte missing E0 80", "e080", 1);
        invalid("autobahn 6.17 concatenated incomplete", "c0e080f08080df", 0);
        invalid("autobahn 6.21 surrogate pair DB7F DC00", "edadbfedb080", 1);

        open("truncated two-byte", "c2");
        open("truncated three-byte", "e282");
        open("truncated four-byte", "f09f98");
        open("truncated after ascii", "616263f0");
        open("autobahn 6.6.2 kosme cut", "cebae1bdb9cf83cebcceb5e1bd");
    }
    void judgesEachSequenceAtAnySplit() {
        QFETCH(QByteArray, input);
        QFETCH(int, errorIndex);
        QFETCH(bool, complete);
        const Expected expected{errorIndex, complete};
        // The oracle agrees with the hand-written row, so it can be trusted below.
        const Expected fromOracle = oracle(input);
        QCOMPARE(fromOracle.errorIndex, expected.errorIndex);
        QCOMPARE(fromOracle.complete, expected.complete);
        for (const SimdLevel level : levels()) {
            setSimdLevel(level);
            const QString where = QStringLiteral(" (level %1)").arg(int(level));
            const QString failure = checkAllSplits(input, expected);
            QVERIFY2(failure.isEmpty(), qPrintable(failure + where));
            // The same sequence inside long text, where the vector kernel runs
            // (its mixed-text and its pure-ASCII loops): valid text after an
            // error must not move or hide it.
            for (const QByteArray& prefix : {mixedText(150), QByteArray(100, 'x')}) {
                QByteArray padded = prefix + input;
                Expected shifted = expected;
                if (expected.errorIndex >= 0) {
                    shifted.errorIndex += prefix.size();
                }
                if (expected.errorIndex >= 0 || expected.complete) {
                    padded += prefix.left(90);
                }
                const Verdict inText = feedPieces(padded, {});
                QVERIFY2(matches(inText, shifted), qPrintable(describe("padded", inText) + where));
                const Verdict cutBefore = feedPieces(padded, {prefix.size()});
                QVERIFY2(matches(cutBefore, shifted),
                         qPrintable(describe("padded, cut before", cutBefore) + where));
            }
        }
    }

    void reportsIndexWithinTheFailingSpan() {
        Utf8Validator v;
        QVERIFY(v.feed(std::string_view("abc")));
        QVERIFY(v.feed(std::string_view("\xC3")));
        QVERIFY(!v.complete());
        QVERIFY(!v.feed(std::string_view("\xA9x\xFF")));  // é, x, then FF
        QCOMPARE(v.errorIndex(), std::size_t(2));
        QCOMPARE(v.errorOffset(), std::uint64_t(6));
        QVERIFY(v.failed());
        QVERIFY(!v.feed(std::string_view("fine")));  // stays failed
        QCOMPARE(v.errorOffset(), std::uint64_t(6));
        v.reset();
        QVERIFY(!v.failed());
        QVERIFY(v.feed(std::string_view("fine")));
        QVERIFY(v.complete());
    }

    void completeIsFalseWhileACharacterIsOpen() {
        Utf8Validator v;
        QVERIFY(v.complete());
        QVERIFY(v.feed(std::string_view("\xF0\x9F")));
        QVERIFY(!v.complete());
        QVERIFY(v.feed(std::string_view("\x98")));
        QVERIFY(!v.complete());
        QVERIFY(v.feed(std::string_view("\x80")));
        QVERIFY(v.complete());
        QVERIFY(v.feed(std::span<const std::uint8_t>{}));  // an empty feed changes nothing
        QVERIFY(v.complete());
    }

    void oneShotCheckNeedsACompleteInput() {
        QVERIFY(isValidUtf8(std::string_view("")));
        QVERIFY(isValidUtf8(std::string_view("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5")));
        QVERIFY(!isValidUtf8(std::string_view("\xCE\xBA\xE1\xBD")));  // cut inside a character
        QVERIFY(!isValidUtf8(std::string_view("\xED\xA0\x80")));
        const QByteArray longText = mixedText(5000) + QByteArray::fromHex("f09f9880");
        QVERIFY(isValidUtf8(bytesOf(longText)));
        QVERIFY(!isValidUtf8(bytesOf(longText.left(longText.size() - 1))));
    }

    void acceptsRandomValidTextSplitRandomly_data() { addLevelRows(); }
    void acceptsRandomValidTextSplitRandomly() {
        QFETCH(SimdLevel, level);
        if (setSimdLevel(level) != level) {
            QSKIP("this CPU or build lacks the level");
        }
        std::mt19937 rng(42);
        for (int round = 0; round < 300; ++round) {
            const QByteArray text = randomValidText(rng, 1 + int(rng() % 2000));
            const Verdict v = feedPieces(text, randomCuts(rng, text.size()));
            QVERIFY2(matches(v, {-1, true}), qPrintable(describe("random text", v)));
            // Cutting the last character short leaves it open, never invalid.
            qsizetype lastLead = text.size() - 1;
            while ((std::uint8_t(text[lastLead]) & 0xC0) == 0x80) {
                --lastLead;
            }
            if (lastLead < text.size() - 1) {
                const QByteArray cut = text.left(text.size() - 1);
                const Verdict open = feedPieces(cut, randomCuts(rng, cut.size()));
                QVERIFY2(matches(open, {-1, false}), qPrintable(describe("cut text", open)));
            }
        }
    }

    void findsASingleCorruptByteAtEveryPosition_data() { addLevelRows(); }
    void findsASingleCorruptByteAtEveryPosition() {
        QFETCH(SimdLevel, level);
        if (setSimdLevel(level) != level) {
            QSKIP("this CPU or build lacks the level");
        }
        std::mt19937 rng(7);
        const QByteArray text = randomValidText(rng, 400);
        QVERIFY(text.size() > 600);
        for (qsizetype pos = 0; pos <= 200; ++pos) {
            // FF can never occur, so the error is exactly there; the other
            // bytes break the text in position-dependent ways the oracle knows.
            for (const std::uint8_t bad :
                 {0xFF, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0x41}) {
                QByteArray corrupt = text;
                corrupt[pos] = char(bad);
                const Expected expected = oracle(corrupt);
                if (bad == 0xFF) {
                    QCOMPARE(expected.errorIndex, pos);
                }
                const Verdict whole = feedPieces(corrupt, {});
                QVERIFY2(matches(whole, expected),
                         qPrintable(describe("whole", whole) +
                                    QStringLiteral(" byte %1 at %2, expected %3")
                                        .arg(bad, 2, 16)
                                        .arg(pos)
                                        .arg(expected.errorIndex)));
                const Verdict pieces = feedPieces(corrupt, {pos / 2, pos + 1, pos + 70});
                QVERIFY2(matches(pieces, expected), qPrintable(describe("pieces", pieces)));
            }
        }
    }

    void findsErrorsNearTheEndOfEveryLength_data() { addLevelRows(); }
    void findsErrorsNearTheEndOfEveryLength() {
        // The vector kernel handles a last partial block by re-checking the
        // final 64 bytes; errors right after the last whole block, and inputs
        // ending inside a character, must come out exactly as elsewhere.
        QFETCH(SimdLevel, level);
        if (setSimdLevel(level) != level) {
            QSKIP("this CPU or build lacks the level");
        }
        // Runs of 2-, 3- and 4-byte characters at every phase put lead bytes
        // at every distance from the block edges; random text mixes them.
        QList<QByteArray> texts;
        for (const char32_t cp : {U'\u00E9', U'\u65E5', U'\U0001F600'}) {
            for (int phase = 0; phase < 4; ++phase) {
                QByteArray t(phase, 'a');
                while (t.size() < 200) {
                    appendUtf8(t, cp);
                }
                texts << t;
            }
        }
        std::mt19937 rng(5);
        texts << randomValidText(rng, 200) << randomValidText(rng, 200) << QByteArray(200, 'a');
        for (const QByteArray& text : texts) {
            for (qsizetype length = 60; length <= 200; ++length) {
                for (qsizetype pos = std::max<qsizetype>(0, length - 72); pos < length; ++pos) {
                    for (const std::uint8_t bad : {0x41, 0x80, 0xFF}) {
                        QByteArray corrupt = text.left(length);
                        corrupt[pos] = char(bad);
                        const Expected expected = oracle(corrupt);
                        const Verdict v = feedPieces(corrupt, {});
                        if (!matches(v, expected)) {
                            QFAIL(qPrintable(describe("whole", v) +
                                             QStringLiteral(" byte %1 at %2 of %3, expected %4")
                                                 .arg(bad, 2, 16)
                                                 .arg(pos)
                                                 .arg(length)
                                                 .arg(expected.errorIndex)));
                        }
                    }
                }
            }
        }
    }

    void agreesWithTheOracleOnEveryBytePairAtBlockEdges_data() { addLevelRows(); }
    void agreesWithTheOracleOnEveryBytePairAtBlockEdges() {
        // Pairs straddling a 16-byte lane, a 32-byte vector and a 64-byte block
        // edge, followed by plain text or by two continuation bytes.
        QFETCH(SimdLevel, level);
        if (setSimdLevel(level) != level) {
            QSKIP("this CPU or build lacks the level");
        }
        for (const qsizetype at : {15, 31, 63, 95}) {
            for (const char* tail : {"", "\x80\x80", "\x80\x80\x80"}) {
                QByteArray buf(160, 'x');
                buf.replace(at + 2, qsizetype(std::strlen(tail)), tail);
                for (int a = 0; a < 256; ++a) {
                    for (int b = 0; b < 256; ++b) {
                        buf[at] = char(a);
                        buf[at + 1] = char(b);
                        const Expected expected = oracle(buf);
                        const Verdict v = feedPieces(buf, {});
                        if (!matches(v, expected)) {
                            QFAIL(qPrintable(describe("pair", v) +
                                             QStringLiteral(" %1 %2 at %3, expected %4")
                                                 .arg(a, 2, 16)
                                                 .arg(b, 2, 16)
                                                 .arg(at)
                                                 .arg(expected.errorIndex)));
                        }
                    }
                }
            }
        }
    }

    void agreesWithTheOracleOnRandomBytes_data() { addLevelRows(); }
    void agreesWithTheOracleOnRandomBytes() {
        // Mostly valid text with a few random bytes spliced in: errors land in
        // every block position and the vector kernel must still defer to the
        // scalar machine for the exact index.
        QFETCH(SimdLevel, level);
        if (setSimdLevel(level) != level) {
            QSKIP("this CPU or build lacks the level");
        }
        std::mt19937 rng(99);
        for (int round = 0; round < 20000; ++round) {
            QByteArray buf = randomValidText(rng, 1 + int(rng() % 120));
            const int noise = int(rng() % 3);
            for (int k = 0; k < noise; ++k) {
                buf[qsizetype(rng() % std::uint32_t(buf.size()))] = char(rng());
            }
            const Expected expected = oracle(buf);
            const Verdict whole = feedPieces(buf, {});
            const Verdict split = feedPieces(buf, randomCuts(rng, buf.size()));
            if (!matches(whole, expected) || !matches(split, expected)) {
                QFAIL(qPrintable(describe("whole", whole) + QLatin1String("; ") +
                                 describe("split", split) +
                                 QStringLiteral("; expected %1 for %2")
                                     .arg(expected.errorIndex)
                                     .arg(QString::fromLatin1(buf.toHex()))));
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestUtf8)
#include "tst_utf8.moc"
