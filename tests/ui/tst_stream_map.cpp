// The delta-encoded map from stream offsets to packets: every run appended
// comes back exactly (gaps, packets released out of order, sizes past any
// fixed-width field), a lookup from any offset starts at the run that holds
// it, overlaps keep the first copy, and the common case costs about a byte.
#include <QTest>

#include <random>
#include <vector>

#include "inspector/stream_map.h"

using namespace sockscope::ui;

namespace {

std::vector<StreamRun> decodeAll(const StreamMap& map, std::uint64_t from) {
    std::vector<StreamRun> out;
    StreamMap::Cursor cursor = map.from(from);
    for (StreamRun run; cursor.next(run) && out.size() < 1000000;)
        out.push_back(run);
    return out;
}

// What a lookup must give: the runs from the first one that ends after `offset`.
std::vector<StreamRun> expectedFrom(const std::vector<StreamRun>& runs, std::uint64_t offset) {
    auto it = runs.begin();
    while (it != runs.end() && it->end() <= offset)
        ++it;
    return {it, runs.end()};
}

}  // namespace

class TestStreamMap : public QObject {
    Q_OBJECT

private slots:
    void emptyMapHasNoRuns() {
        StreamMap map;
        QCOMPARE(map.runCount(), std::uint64_t(0));
        QVERIFY(decodeAll(map, 0).empty());
        QVERIFY(decodeAll(map, 12345).empty());
    }

    void randomRunsRoundTripAndLookUp() {
        std::mt19937_64 rng(20261121);
        std::vector<StreamRun> runs;
        StreamMap map;
        StreamRun run{std::uint64_t(1) << 20, 1448, 7, 66};
        for (int i = 0; i < 20000; ++i) {
            switch (rng() % 16) {
                case 0:  // a gap: packets lost
                    run.streamOffset += rng() % 100000 + 1;
                    break;
                case 1:  // a segment released after the one that filled the hole before it
                    run.packet -= std::min<std::uint64_t>(run.packet - 1, rng() % 40 + 1);
                    break;
                case 2:  // other connections' packets in between
                    run.packet += rng() % 5000;
                    break;
                case 3:
                    run.length = rng() % 65536 + 1;
                    break;
                case 4:
                    run.packetOffset = rng() % 200;
                    break;
                case 5:  // segmentation offload and huge positions
                    run.length = (std::uint64_t(1) << 33) + rng() % 1000;
                    break;
                default:
                    break;
            }
            run.packet += 1;
            map.append(run);
            runs.push_back(run);
            run.streamOffset = run.end();
        }
        QCOMPARE(map.runCount(), std::uint64_t(runs.size()));
        QCOMPARE(decodeAll(map, 0), runs);
        // Lookups at run starts, ends, inside runs, inside gaps and past the end.
        for (int k = 0; k < 2000; ++k) {
            const StreamRun& r = runs[rng() % runs.size()];
            const std::uint64_t offsets[] = {r.streamOffset, r.end() - 1, r.end(),
                                             r.streamOffset + rng() % r.length, r.streamOffset - 1};
            for (std::uint64_t offset : offsets) {
                const std::vector<StreamRun> want = expectedFrom(runs, offset);
                StreamMap::Cursor cursor = map.from(offset);
                StreamRun got;
                QCOMPARE(cursor.next(got), !want.empty());
                if (!want.empty())
                    QCOMPARE(got, want.front());
            }
        }
        // A lookup's cursor walks on to the very last run.
        QCOMPARE(decodeAll(map, runs[runs.size() / 3].streamOffset),
                 expectedFrom(runs, runs[runs.size() / 3].streamOffset));
        QVERIFY(decodeAll(map, runs.back().end()).empty());
        QVERIFY(decodeAll(map, ~std::uint64_t(0)).empty());
    }

    void overlapsKeepTheFirstCopy() {
        StreamMap map;
        map.append({0, 100, 1, 54});
        map.append({50, 100, 2, 54});  // bytes 50..99 again, then 100..149
        map.append({120, 10, 3, 54});  // wholly seen before: dropped
        map.append({150, 0, 4, 54});   // empty: dropped
        map.append({150, 10, 5, 54});
        const std::vector<StreamRun> want = {{0, 100, 1, 54}, {100, 50, 2, 104}, {150, 10, 5, 54}};
        QCOMPARE(decodeAll(map, 0), want);
        QCOMPARE(decodeAll(map, 120).front(), (StreamRun{100, 50, 2, 104}));
    }

    // With a hundred other connections' packets between two of a stream's,
    // a run costs two bytes.
    void interleavedSegmentsCostTwoBytes() {
        StreamMap map;
        std::uint64_t offset = 0;
        std::uint64_t packet = 1;
        for (std::uint64_t i = 0; i < 100000; ++i) {
            packet += 100 + i % 80;
            map.append({offset, 1448, packet, 66});
            offset += 1448;
        }
        map.compact();
        const double perRun = double(map.memoryBytes()) / 100000.0;
        QVERIFY2(perRun < 2.4, qPrintable(QString::number(perRun)));
        QCOMPARE(decodeAll(map, 1448 * 99999).front(), (StreamRun{1448 * 99999, 1448, packet, 66}));
    }

    // Full-sized segments one after another (the bulk of a busy capture)
    // cost about a byte each, checkpoints included.
    void fullSizedSegmentsCostAboutAByte() {
        StreamMap map;
        std::uint64_t offset = 0;
        for (std::uint64_t i = 0; i < 100000; ++i) {
            map.append({offset, 1448, 3 * i + 1, 66});
            offset += 1448;
        }
        map.compact();
        const double perRun = double(map.memoryBytes()) / 100000.0;
        QVERIFY2(perRun < 1.4, qPrintable(QString::number(perRun)));
        QCOMPARE(decodeAll(map, 1448 * 77777 + 5).front(),
                 (StreamRun{1448 * 77777, 1448, 3 * 77777 + 1, 66}));
    }
};

QTEST_APPLESS_MAIN(TestStreamMap)
#include "tst_stream_map.moc"
