// Base64 as the JSON Lines sink writes payloads with it: on every SIMD level
// this CPU has (scalar, SSE2, AVX2, AVX-512 VBMI), against a plain reference
// encoder written here from RFC 4648 §4, for every length 0..200 at every
// misalignment, lengths around the 24-byte (AVX2) and 48-byte (VBMI) blocks,
// random buffers of random sizes, and the RFC 4648 §10 vectors.
#include <sockscope/core/base64.h>
#include <sockscope/core/simd_level.h>

#include <QTest>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

using namespace sockscope;

namespace {

// RFC 4648 §4, one 6-bit group at a time: slow and obviously right.
std::string reference(std::span<const std::uint8_t> bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (const std::uint8_t byte : bytes) {
        bits = (bits << 8) | byte;
        count += 8;
        while (count >= 6) {
            count -= 6;
            out += kAlphabet[(bits >> count) & 63];
        }
    }
    if (count > 0) {
        out += kAlphabet[(bits << (6 - count)) & 63];
    }
    while (out.size() % 4 != 0) {
        out += '=';
    }
    return out;
}

std::vector<std::uint8_t> randomBytes(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) {
        b = static_cast<std::uint8_t>(rng());
    }
    return v;
}

// Encodes into a buffer with guard bytes around it: the encoder must write
// exactly base64EncodedSize() characters, none before or after.
std::string encodeGuarded(std::span<const std::uint8_t> bytes) {
    const std::size_t size = base64EncodedSize(bytes.size());
    std::vector<char> buffer(size + 128, '#');
    base64EncodeTo(bytes, buffer.data() + 64);
    for (std::size_t i = 0; i < 64; ++i) {
        if (buffer[i] != '#' || buffer[64 + size + i] != '#') {
            return "wrote outside its " + std::to_string(size) + " characters";
        }
    }
    return std::string(buffer.data() + 64, size);
}

void addLevels() {
    QTest::addColumn<SimdLevel>("level");
    QTest::newRow("scalar") << SimdLevel::Scalar;
    QTest::newRow("sse2") << SimdLevel::Sse2;
    QTest::newRow("avx2") << SimdLevel::Avx2;
    QTest::newRow("avx512-vbmi") << SimdLevel::Avx512Vbmi;
}

}  // namespace

class TestBase64Levels : public QObject {
    Q_OBJECT

private slots:
    void cleanup() { setSimdLevel(detectedSimdLevel()); }

    void referenceMatchesRfc4648Vectors() {
        const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                          {"f", "Zg=="},
                                                                          {"fo", "Zm8="},
                                                                          {"foo", "Zm9v"},
                                                                          {"foob", "Zm9vYg=="},
                                                                          {"fooba", "Zm9vYmE="},
                                                                          {"foobar", "Zm9vYmFy"}};
        for (const auto& [text, expected] : vectors) {
            const auto bytes =
                std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
            QCOMPARE(QString::fromStdString(reference(bytes)), QString::fromStdString(expected));
            QCOMPARE(QString::fromStdString(base64Encode(bytes)), QString::fromStdString(expected));
        }
    }

    void everyLengthAtEveryMisalignment_data() { addLevels(); }
    void everyLengthAtEveryMisalignment() {
        QFETCH(SimdLevel, level);
        if (setSimdLevel(level) != level) {
            QSKIP("this CPU does not have this SIMD level");
        }
        const std::vector<std::uint8_t> data = randomBytes(300, 5);
        for (std::size_t n = 0; n <= 200; ++n) {
            for (std::size_t misalign = 0; misalign < 4; ++misalign) {
                const std::span<const std::uint8_t> in(data.data() + misalign, n);
                QVERIFY2(
                    encodeGuarded(in) == reference(in),
                    qPrintable(QStringLiteral("length %1, misalignment %2").arg(n).arg(misalign)));
            }
        }
    }

    // Each block size, one byte less and one more, several blocks deep,
    // with every byte value and every 6-bit index at every output position.
    void blockBoundaries_data() { addLevels(); }
    void blockBoundaries() {
        QFETCH(SimdLevel, level);
        if (setSimdLevel(level) != level) {
            QSKIP("this CPU does not have this SIMD level");
        }
        std::vector<std::uint8_t> data;
        for (int copy = 0; copy < 2; ++copy) {
            for (int index = 0; index < 64; ++index) {
                const std::uint32_t group = std::uint32_t(index) * 0x041041u;  // in all 4 fields
                data.push_back(std::uint8_t(group >> 16));
                data.push_back(std::uint8_t(group >> 8));
                data.push_back(std::uint8_t(group));
            }
            for (int value = 0; value < 256; ++value) {
                data.push_back(std::uint8_t(value));
            }
        }
        for (std::size_t block : {std::size_t(24), std::size_t(28), std::size_t(48)}) {
            for (std::size_t blocks = 1; blocks * block + 2 <= data.size(); ++blocks) {
                for (std::size_t n :
                     {block * blocks - 1, block * blocks, block * blocks + 1, block * blocks + 2}) {
                    const std::span<const std::uint8_t> in(data.data(), n);
                    QVERIFY2(encodeGuarded(in) == reference(in),
                             qPrintable(QStringLiteral("length %1").arg(n)));
                }
            }
        }
    }

    void randomBuffers_data() { addLevels(); }
    void randomBuffers() {
        QFETCH(SimdLevel, level);
        if (setSimdLevel(level) != level) {
            QSKIP("this CPU does not have this SIMD level");
        }
        std::mt19937 rng(42);
        for (int round = 0; round < 200; ++round) {
            const std::size_t n = rng() % 70000;
            const std::vector<std::uint8_t> in = randomBytes(n, rng());
            QVERIFY2(encodeGuarded(in) == reference(in),
                     qPrintable(QStringLiteral("round %1, length %2").arg(round).arg(n)));
        }
    }

    // base64Append is what the sink's line() uses: it keeps what came before.
    void appendKeepsThePrefix_data() { addLevels(); }
    void appendKeepsThePrefix() {
        QFETCH(SimdLevel, level);
        if (setSimdLevel(level) != level) {
            QSKIP("this CPU does not have this SIMD level");
        }
        const std::vector<std::uint8_t> data = randomBytes(1000, 9);
        std::string out = "prefix:";
        base64Append(out, data);
        QCOMPARE(QString::fromStdString(out), QString::fromStdString("prefix:" + reference(data)));
    }
};

QTEST_APPLESS_MAIN(TestBase64Levels)
#include "tst_base64_levels.moc"
