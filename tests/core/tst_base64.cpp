// RFC 4648 §4 base64 encoding on every SIMD level this CPU has, checked
// against Qt's independent encoder for every length up to a few blocks, every
// byte value and every 6-bit index, and at every buffer misalignment. The RFC
// 4648 §10 vectors and decoding are in tst_handshake.
#include <sockscope/core/base64.h>
#include <sockscope/core/simd_level.h>

#include <QByteArray>
#include <QTest>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

using namespace sockscope;

namespace {

std::vector<std::uint8_t> randomBytes(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) {
        b = static_cast<std::uint8_t>(rng());
    }
    return v;
}

QByteArray qtBase64(std::span<const std::uint8_t> bytes) {
    return QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()))
        .toBase64();
}

QByteArray ours(std::span<const std::uint8_t> bytes) {
    return QByteArray::fromStdString(base64Encode(bytes));
}

}  // namespace

class Base64 : public QObject {
    Q_OBJECT

private slots:
    void cleanup() { setSimdLevel(detectedSimdLevel()); }

    void matchesQtForEveryLength_data() {
        QTest::addColumn<SimdLevel>("level");
        QTest::newRow("scalar") << SimdLevel::Scalar;
        QTest::newRow("sse2") << SimdLevel::Sse2;
        QTest::newRow("avx2") << SimdLevel::Avx2;
        QTest::newRow("avx512vbmi") << SimdLevel::Avx512Vbmi;
    }
    void matchesQtForEveryLength() {
        QFETCH(SimdLevel, level);
        if (setSimdLevel(level) != level) {
            QSKIP("this CPU does not have this SIMD level");
        }
        const std::vector<std::uint8_t> data = randomBytes(1024, 7);
        for (std::size_t n = 0; n <= 700; ++n) {
            for (std::size_t misalign : {0u, 1u, 3u}) {
                const std::span<const std::uint8_t> in(data.data() + misalign, n);
                const QByteArray expected = qtBase64(in);
                QCOMPARE(std::size_t(expected.size()), base64EncodedSize(n));
                QVERIFY2(
                    ours(in) == expected,
                    qPrintable(QStringLiteral("length %1, misalignment %2").arg(n).arg(misalign)));
            }
        }
    }

    // Each 6-bit index at each of the four positions of a group: a 3-byte
    // pattern per index value, repeated across many AVX2 blocks.
    void everyIndexAtEveryPosition() {
        std::vector<std::uint8_t> data;
        for (int index = 0; index < 64; ++index) {
            const std::uint32_t group = std::uint32_t(index) * 0x041041u;  // index in all 4 fields
            data.push_back(std::uint8_t(group >> 16));
            data.push_back(std::uint8_t(group >> 8));
            data.push_back(std::uint8_t(group));
        }
        for (int value = 0; value < 256; ++value) {
            data.push_back(std::uint8_t(value));
        }
        QCOMPARE(ours(data), qtBase64(data));
    }

    void appendsAfterExistingText() {
        std::string out = "prefix:";
        const std::vector<std::uint8_t> data = randomBytes(100, 3);
        base64Append(out, data);
        QCOMPARE(QByteArray::fromStdString(out), QByteArray("prefix:") + qtBase64(data));
    }

    void largeBuffer() {
        const std::vector<std::uint8_t> data = randomBytes(1 << 20, 11);
        QCOMPARE(ours(data), qtBase64(data));
    }
};

QTEST_APPLESS_MAIN(Base64)
#include "tst_base64.moc"
