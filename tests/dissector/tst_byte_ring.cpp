// ByteRing, the TCP reassembler's memory of delivered bytes: it grows up to
// its capacity, wraps, forgets the oldest bytes and everything before a gap,
// and hands out exactly the known bytes of a range in order.
#include <sockscope/dissector/byte_ring.h>

#include <QTest>

#include <cstdint>
#include <vector>

using sockscope::dissector::ByteRing;

namespace {

std::vector<std::uint8_t> streamBytes(std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint8_t> v;
    for (std::uint64_t o = from; o < to; ++o)
        v.push_back(std::uint8_t(o * 7 + (o >> 8)));
    return v;
}

// The known bytes of [from, to), checked to come in order and without holes.
std::vector<std::uint8_t> read(const ByteRing& ring, std::uint64_t from, std::uint64_t to,
                               bool& ordered) {
    std::vector<std::uint8_t> out;
    std::uint64_t expected = std::max(from, ring.begin());
    ordered = true;
    ring.forEach(from, to, [&](std::uint64_t offset, const std::uint8_t* p, std::size_t n) {
        ordered = ordered && offset == expected && n > 0;
        expected = offset + n;
        out.insert(out.end(), p, p + n);
    });
    return out;
}

}  // namespace

class TestByteRing : public QObject {
    Q_OBJECT

private slots:
    void keepsTheLastCapacityBytesAcrossGrowthAndWrap() {
        const std::size_t capacity = 10000;
        ByteRing ring(capacity);
        std::uint64_t end = 0;
        // Uneven appends: growth from 4 KiB to the capacity, then many wraps.
        for (std::size_t n : {1u, 100u, 3000u, 1500u, 4096u, 9999u, 10000u, 12345u, 7u, 5000u}) {
            const auto bytes = streamBytes(end, end + n);
            ring.append(bytes);
            end += n;
            QCOMPARE(ring.end(), end);
            QCOMPARE(ring.begin(), end > capacity ? end - capacity : 0);
            QVERIFY(ring.allocated() <= capacity);
            bool ordered = false;
            QVERIFY(read(ring, 0, end, ordered) == streamBytes(ring.begin(), end));
            QVERIFY(ordered);
            // A range inside the window (across the wrap point once it wraps).
            if (end >= 50) {
                QVERIFY(read(ring, end - 50, end - 10, ordered) ==
                        streamBytes(end - 50, end - 10));
                QVERIFY(ordered);
            }
        }
        QCOMPARE(ring.allocated(), capacity);
    }

    void staysSmallForShortStreams() {
        ByteRing ring(64 << 10);
        ring.append(streamBytes(0, 300));
        QCOMPARE(ring.allocated(), std::size_t(4096));
    }

    void forgetsEverythingBeforeAGap() {
        ByteRing ring(1000);
        ring.append(streamBytes(0, 500));
        ring.skip(200);
        QCOMPARE(ring.begin(), std::uint64_t(700));
        QCOMPARE(ring.end(), std::uint64_t(700));
        bool ordered = false;
        QVERIFY(read(ring, 0, 700, ordered).empty());
        ring.append(streamBytes(700, 800));
        QVERIFY(read(ring, 0, 800, ordered) == streamBytes(700, 800));
    }

    void zeroCapacityKeepsNothing() {
        ByteRing ring(0);
        ring.append(streamBytes(0, 100));
        QCOMPARE(ring.begin(), std::uint64_t(100));
        QCOMPARE(ring.allocated(), std::size_t(0));
        bool ordered = false;
        QVERIFY(read(ring, 0, 100, ordered).empty());
    }
};

QTEST_APPLESS_MAIN(TestByteRing)
#include "tst_byte_ring.moc"
