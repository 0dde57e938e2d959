// RFC 6455 §5.3 masking: the fast paths (every SIMD level this CPU has) must be
// bit-identical to the byte loop for any length, alignment and key offset.
#include <sockscope/core/mask.h>
#include <sockscope/core/simd_level.h>

#include <QTest>

#include <cstdint>
#include <random>
#include <vector>

using namespace sockscope;

namespace {

constexpr MaskKey kKey{0x37, 0xFA, 0x21, 0x3D};  // the key of RFC 6455 §5.7
constexpr std::uint8_t kCanary = 0xA5;
constexpr std::size_t kGuard = 64;  // canary bytes each side of the span

std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) {
        b = static_cast<std::uint8_t>(rng());
    }
    return v;
}

// One buffer with canaries around a span at the given misalignment.
struct Guarded {
    std::vector<std::uint8_t> storage;
    std::size_t start;
    std::size_t size;

    Guarded(const std::vector<std::uint8_t>& content, std::size_t misalign)
        : storage(kGuard + misalign + content.size() + kGuard, kCanary),
          start(kGuard + misalign),
          size(content.size()) {
        std::copy(content.begin(), content.end(), storage.begin() + std::ptrdiff_t(start));
    }
    std::span<std::uint8_t> span() { return {storage.data() + start, size}; }
    std::vector<std::uint8_t> bytes() const {
        return {storage.begin() + std::ptrdiff_t(start),
                storage.begin() + std::ptrdiff_t(start + size)};
    }
    bool canariesIntact() const {
        for (std::size_t i = 0; i < storage.size(); ++i) {
            if ((i < start || i >= start + size) && storage[i] != kCanary) {
                return false;
            }
        }
        return true;
    }
};

}  // namespace

class TestMask : public QObject {
    Q_OBJECT

    void addLevelRows() {
        QTest::addColumn<SimdLevel>("level");
        QTest::newRow("scalar") << SimdLevel::Scalar;
        QTest::newRow("sse2") << SimdLevel::Sse2;
        QTest::newRow("avx2") << SimdLevel::Avx2;
    }
    // Pins the row's level, or skips the row if this CPU lacks it.
    bool pinLevel(SimdLevel level) { return setSimdLevel(level) == level; }

private slots:
    void cleanup() { setSimdLevel(detectedSimdLevel()); }

    void referenceMatchesRfcExample() {
        // RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d.
        std::vector<std::uint8_t> hello{'H', 'e', 'l', 'l', 'o'};
        applyMaskBytewise(hello, kKey);
        QCOMPARE(hello, (std::vector<std::uint8_t>{0x7F, 0x9F, 0x4D, 0x51, 0x58}));
        std::vector<std::uint8_t> fast{'H', 'e', 'l', 'l', 'o'};
        applyMask(fast, kKey);
        QCOMPARE(fast, hello);
    }

    void matchesBytewiseAtEveryLengthOffsetAndAlignment_data() { addLevelRows(); }
    void matchesBytewiseAtEveryLengthOffsetAndAlignment() {
        QFETCH(SimdLevel, level);
        if (!pinLevel(level)) {
            QSKIP("this CPU or build lacks the level");
        }
        for (std::size_t length = 0; length <= 300; ++length) {
            const auto input = pattern(length, std::uint32_t(length));
            for (std::size_t keyOffset = 0; keyOffset < 4; ++keyOffset) {
                auto expected = input;
                applyMaskBytewise(expected, kKey, keyOffset);
                for (std::size_t misalign : {0, 1, 2, 3, 5, 7, 13, 31}) {
                    Guarded buf(input, misalign);
                    applyMask(buf.span(), kKey, keyOffset);
                    QVERIFY2(buf.bytes() == expected,
                             qPrintable(QStringLiteral("length %1 offset %2 misalign %3")
                                            .arg(length)
                                            .arg(keyOffset)
                                            .arg(misalign)));
                    QVERIFY(buf.canariesIntact());
                }
            }
        }
    }

    void copyMatchesBytewiseAtEveryLengthOffsetAndAlignment_data() { addLevelRows(); }
    void copyMatchesBytewiseAtEveryLengthOffsetAndAlignment() {
        QFETCH(SimdLevel, level);
        if (!pinLevel(level)) {
            QSKIP("this CPU or build lacks the level");
        }
        for (std::size_t length = 0; length <= 300; ++length) {
            const auto input = pattern(length, std::uint32_t(1000 + length));
            for (std::size_t keyOffset = 0; keyOffset < 4; ++keyOffset) {
                auto expected = input;
                applyMaskBytewise(expected, kKey, keyOffset);
                for (std::size_t misalign : {0, 1, 3, 6, 17}) {
                    const Guarded in(input, misalign);
                    Guarded out(std::vector<std::uint8_t>(length, 0), (misalign * 5) % 32);
                    applyMaskCopy({in.storage.data() + in.start, length}, out.span(), kKey,
                                  keyOffset);
                    QVERIFY2(out.bytes() == expected,
                             qPrintable(QStringLiteral("length %1 offset %2 misalign %3")
                                            .arg(length)
                                            .arg(keyOffset)
                                            .arg(misalign)));
                    QVERIFY(out.canariesIntact());
                    QCOMPARE(in.bytes(), input);  // the source is only read
                }
            }
        }
    }

    void copyOntoItselfMasksInPlace_data() { addLevelRows(); }
    void copyOntoItselfMasksInPlace() {
        QFETCH(SimdLevel, level);
        if (!pinLevel(level)) {
            QSKIP("this CPU or build lacks the level");
        }
        for (std::size_t length : {0, 1, 3, 4, 15, 16, 33, 127, 128, 129, 1000}) {
            const auto input = pattern(length, 7);
            auto expected = input;
            applyMaskBytewise(expected, kKey, 2);
            Guarded buf(input, 1);
            applyMaskCopy(buf.span(), buf.span(), kKey, 2);
            QCOMPARE(buf.bytes(), expected);
        }
    }

    void maskingTwiceRestoresThePayload_data() { addLevelRows(); }
    void maskingTwiceRestoresThePayload() {
        QFETCH(SimdLevel, level);
        if (!pinLevel(level)) {
            QSKIP("this CPU or build lacks the level");
        }
        for (std::size_t length : {1, 7, 64, 125, 126, 1024, 65536 + 3}) {
            const auto input = pattern(length, std::uint32_t(length));
            for (std::size_t keyOffset = 0; keyOffset < 4; ++keyOffset) {
                auto data = input;
                applyMask(data, kKey, keyOffset);
                QVERIFY(length < 8 || data != input);  // it did change something
                applyMask(data, kKey, keyOffset);
                QCOMPARE(data, input);
            }
        }
    }

    void keyOffsetContinuesAcrossChunks_data() { addLevelRows(); }
    void keyOffsetContinuesAcrossChunks() {
        // A payload unmasked piece by piece (as it arrives) with keyOffset =
        // bytes so far must equal unmasking it in one go.
        QFETCH(SimdLevel, level);
        if (!pinLevel(level)) {
            QSKIP("this CPU or build lacks the level");
        }
        const auto input = pattern(1000, 3);
        auto whole = input;
        applyMaskBytewise(whole, kKey);
        std::mt19937 rng(11);
        for (int round = 0; round < 200; ++round) {
            auto pieces = input;
            std::size_t done = 0;
            while (done < pieces.size()) {
                const std::size_t n = std::min<std::size_t>(rng() % 70, pieces.size() - done);
                applyMask(std::span(pieces).subspan(done, n), kKey, done);
                done += n;
            }
            QCOMPARE(pieces, whole);
        }
    }

    void matchesBytewiseOnOneMebibyte_data() { addLevelRows(); }
    void matchesBytewiseOnOneMebibyte() {
        QFETCH(SimdLevel, level);
        if (!pinLevel(level)) {
            QSKIP("this CPU or build lacks the level");
        }
        std::mt19937 rng(2024);
        for (int round = 0; round < 4; ++round) {
            const MaskKey key{std::uint8_t(rng()), std::uint8_t(rng()), std::uint8_t(rng()),
                              std::uint8_t(rng())};
            const std::size_t keyOffset = rng() % 4;
            const auto input = pattern((1u << 20) + std::size_t(round), rng());
            auto expected = input;
            applyMaskBytewise(expected, key, keyOffset);
            Guarded buf(input, std::size_t(round) * 3);
            applyMask(buf.span(), key, keyOffset);
            QVERIFY(buf.bytes() == expected);
            QVERIFY(buf.canariesIntact());
            std::vector<std::uint8_t> out(input.size());
            applyMaskCopy(input, out, key, keyOffset);
            QVERIFY(out == expected);
        }
    }
};

QTEST_APPLESS_MAIN(TestMask)
#include "tst_mask.moc"
