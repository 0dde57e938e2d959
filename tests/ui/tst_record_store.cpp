// The packed frame and message stores: every record comes back exactly as
// appended, also when a value does not fit its packed field (huge lengths
// and offsets, times far from their chunk's, links far away, messages
// whose first frame disagrees), across chunk boundaries, with links and
// flags set after the fact; and typical records cost what the header says.
#include <QTest>

#include <random>
#include <vector>

#include "inspector/record_store.h"

using namespace sockscope::ui;

namespace {

bool sameFrame(const FrameRecord& a, const FrameRecord& b) {
    return a.tsNs == b.tsNs && a.streamOffset == b.streamOffset &&
           a.payloadLength == b.payloadLength && a.message == b.message && a.conn == b.conn &&
           a.headerLength == b.headerLength && a.opcode == b.opcode && a.flags == b.flags;
}

bool sameMessage(const MessageRecord& a, const MessageRecord& b) {
    return a.tsNs == b.tsNs && a.firstFrame == b.firstFrame && a.length == b.length &&
           a.wireLength == b.wireLength && a.spillOffset == b.spillOffset && a.conn == b.conn &&
           a.frames == b.frames && a.closeCode == b.closeCode && a.opcode == b.opcode &&
           a.flags == b.flags;
}

constexpr std::int64_t kStart = 1'700'000'000'000'000'000;  // ns since the epoch

}  // namespace

class TestRecordStore : public QObject {
    Q_OBJECT

private slots:
    void framesAndMessagesRoundTrip() {
        std::mt19937_64 rng(42);
        FrameStore frames;
        MessageStore messages;
        std::vector<FrameRecord> wantFrames;
        std::vector<MessageRecord> wantMessages;
        std::int64_t now = kStart;
        std::vector<std::uint64_t> streamOffsets(50, 0);
        std::vector<RowId> open;  // frames waiting for their message
        for (int i = 0; i < 60000; ++i) {
            now += std::int64_t(rng() % 20000);
            if (rng() % 5000 == 0)
                now += std::int64_t(3600) * 1'000'000'000;  // an hour of silence
            FrameRecord f;
            f.tsNs = rng() % 3000 == 0 ? now - std::int64_t(7200) * 1'000'000'000 : now;
            f.conn = std::uint32_t(rng() % 50 + 1);
            f.opcode = std::uint8_t(rng() % 3);
            f.headerLength = std::uint8_t(2 + 4 * (rng() % 2) + (rng() % 3) * 2);
            f.payloadLength = rng() % 1000;
            if (rng() % 4000 == 0)
                f.payloadLength = (std::uint64_t(5) << 30) + 5;  // past 32 bits
            f.streamOffset = streamOffsets[f.conn - 1];
            if (rng() % 7000 == 0)
                f.streamOffset += std::uint64_t(1) << 50;  // past 48 bits
            streamOffsets[f.conn - 1] += f.headerLength + f.payloadLength;
            f.flags = std::uint8_t(rng() % 0x40);
            const RowId row = frames.size();
            frames.append(f, messages.size());
            wantFrames.push_back(f);
            open.push_back(row);
            if (rng() % 3 != 0)
                continue;
            // A message of the open frames (most of one frame).
            MessageRecord m;
            m.tsNs = now + std::int64_t(rng() % 1000);
            const RowId first = open.front();
            m.firstFrame = first;
            m.frames = std::uint32_t(open.size());
            m.conn = wantFrames[first].conn;
            m.opcode = wantFrames[first].opcode;
            m.flags = std::uint8_t((wantFrames[first].flags & frame_flag::Server ? 1 : 0) |
                                   (rng() % 2 ? message_flag::Compressed : 0));
            m.wireLength = 0;
            for (RowId r : open)
                m.wireLength += wantFrames[r].payloadLength;
            m.length = m.flags & message_flag::Compressed ? m.wireLength * 3 : m.wireLength;
            if (m.flags & message_flag::Compressed)
                m.spillOffset = rng() % 1000000;
            if (rng() % 50 == 0) {
                m.flags |= message_flag::HasCloseCode;
                m.closeCode = std::uint16_t(1000 + rng() % 15);
            }
            if (rng() % 500 == 0)
                m.conn += 1;  // disagrees with its first frame: kept whole
            if (rng() % 700 == 0)
                m.firstFrame = kNoRow;
            if (rng() % 900 == 0)
                m.frames = 70000;  // more than 16 bits
            const RowId messageRow = messages.size();
            messages.append(m, frames);
            wantMessages.push_back(m);
            for (RowId r : open) {
                // Now and then a link to a message far away.
                const RowId link = rng() % 800 == 0 ? messageRow + (RowId(1) << 30) : messageRow;
                frames.setMessage(r, link);
                wantFrames[r].message = link;
            }
            open.clear();
        }
        // Anomaly flags set later, on packed and on whole records alike.
        for (RowId r = 0; r < wantFrames.size(); r += 97) {
            frames.addFlags(r, frame_flag::Anomaly);
            wantFrames[r].flags |= frame_flag::Anomaly;
        }
        QCOMPARE(frames.size(), RowId(wantFrames.size()));
        QCOMPARE(messages.size(), RowId(wantMessages.size()));
        for (RowId r = 0; r < wantFrames.size(); ++r)
            QVERIFY2(sameFrame(frames.get(r), wantFrames[r]), qPrintable(QString::number(r)));
        for (RowId r = 0; r < wantMessages.size(); ++r)
            QVERIFY2(sameMessage(messages.get(r, frames), wantMessages[r]),
                     qPrintable(QString::number(r)));
        // Escapes happened, and stayed rare: a pause starts a new time base,
        // it does not send the rest of its chunk to the side table.
        QVERIFY(frames.escapedCount() > 0);
        QVERIFY(messages.escapedCount() > 0);
        QVERIFY2(frames.escapedCount() < wantFrames.size() / 100,
                 qPrintable(QString::number(frames.escapedCount())));
    }

    // A busy capture's records cost what the header promises: 20 bytes a
    // frame and 12 a message, plus the sparse columns.
    void typicalRecordsArePacked() {
        FrameStore frames;
        MessageStore messages;
        std::int64_t now = kStart;
        std::uint64_t offset = 0;
        constexpr RowId kCount = 8192 * 20;
        for (RowId i = 0; i < kCount; ++i) {
            now += 5000;
            FrameRecord f;
            f.tsNs = now;
            f.conn = std::uint32_t(i % 100 + 1);
            f.opcode = 1;
            f.headerLength = 6;
            f.payloadLength = 100;
            f.streamOffset = offset;
            f.flags = frame_flag::Fin | frame_flag::Masked;
            offset += 106;
            frames.append(f, messages.size());
            MessageRecord m;
            m.tsNs = now;
            m.firstFrame = i;
            m.frames = 1;
            m.conn = f.conn;
            m.opcode = 1;
            m.length = m.wireLength = 100;
            messages.append(m, frames);
            frames.setMessage(i, i);
        }
        QCOMPARE(frames.escapedCount(), std::uint64_t(0));
        QCOMPARE(messages.escapedCount(), std::uint64_t(0));
        QCOMPARE(frames.get(kCount - 1).message, kCount - 1);
        QCOMPARE(messages.get(kCount - 1, frames).conn, std::uint32_t((kCount - 1) % 100 + 1));
        messages.compact();
        const double perFrame = double(frames.memoryBytes()) / double(kCount);
        const double perMessage = double(messages.memoryBytes()) / double(kCount);
        QVERIFY2(perFrame < 20.1, qPrintable(QString::number(perFrame)));
        QVERIFY2(perMessage < 12.1, qPrintable(QString::number(perMessage)));
    }
};

QTEST_APPLESS_MAIN(TestRecordStore)
#include "tst_record_store.moc"
