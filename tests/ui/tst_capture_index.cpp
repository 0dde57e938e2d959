// The viewer's compact index and reading payloads back: a hand-built capture
// (frames split across packets, a fragmented message with a ping inside it,
// a compressed message, a protocol violation, a close) goes through the
// CaptureReader with record ends, the Dissector and the IndexingSink into a
// CaptureIndex; every frame's raw and unmasked bytes and every message's
// payload then come back from the file bytes alone (and the spill file for
// the decompressed one).
#include <sockscope/core/permessage_deflate.h>
#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/dissector.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

#include "inspector/capture_index.h"
#include "inspector/indexing_sink.h"
#include "inspector/payload_reader.h"
#include "websocket_conversation.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::ui;

namespace {

std::string text(const std::vector<std::uint8_t>& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

struct Indexed {
    CaptureIndex index;
    Bytes file;
    std::vector<std::uint8_t> spill;
    std::size_t batches = 0;
};

// Dissects `path` into an index, handing batches over every `batchEvery` packets.
bool indexFile(const std::string& path, Indexed& out, std::size_t batchEvery) {
    std::string error;
    auto reader = dissector::CaptureReader::open(path, error, {.recordEnds = true});
    if (!reader)
        return false;
    std::FILE* spill = std::tmpfile();
    IndexingSink sink(spill);
    dissector::Dissector dissector({}, sink);
    std::size_t n = 0;
    while (const auto packet = reader->next()) {
        sink.packet(*packet);
        dissector.packet(*packet);
        if (++n % batchEvery == 0) {
            out.index.append(sink.takeBatch());
            ++out.batches;
        }
    }
    dissector.finish();
    out.index.append(sink.takeBatch());
    ++out.batches;
    std::fflush(spill);
    const long size = std::ftell(spill);
    out.spill.resize(std::size_t(size));
    std::rewind(spill);
    const bool spillRead =
        std::fread(out.spill.data(), 1, out.spill.size(), spill) == out.spill.size();
    std::fclose(spill);
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray all = f.readAll();
    out.file.assign(all.begin(), all.end());
    return spillRead && !sink.spillFailed();
}

}  // namespace

class TestCaptureIndex : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::string path_;
    Bytes deflated_;

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request("Sec-WebSocket-Extensions: permessage-deflate\r\n")));
        c.server(bytesOf(response("Sec-WebSocket-Extensions: permessage-deflate\r\n")));
        // 1: a masked text frame whose header ends one packet.
        const Bytes hello = clientFrame(1, bytesOf("Hello, index"));
        c.client(Bytes(hello.begin(), hello.begin() + 6));
        c.client(Bytes(hello.begin() + 6, hello.end()));
        // 2: a fragmented message with a ping between its fragments.
        c.client(concat({clientFrame(1, bytesOf("frag-"), false), clientFrame(9, bytesOf("p")),
                         clientFrame(0, bytesOf("mented"), true)}));
        // 3: the server answers compressed.
        MessageDeflater deflater(15, false);
        deflater.compress(bytesOf("compressed answer, compressed answer"), deflated_);
        c.server(serverFrame(1, deflated_, true, 4));
        // 4: a violation: a reserved opcode from the client.
        c.client(clientFrame(3, bytesOf("?")));
        // 5: the close handshake.
        c.client(clientFrame(8, concat({fromHex("03e8"), bytesOf("bye")})));
        c.server(serverFrame(8, fromHex("03e8")));
        c.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        path_ = dir_.filePath(QStringLiteral("index.pcap")).toStdString();
        QVERIFY(b.save(path_));
    }

    void indexesFramesMessagesAndConnections_data() {
        QTest::addColumn<int>("batchEvery");
        QTest::newRow("one batch") << 1000;
        QTest::newRow("a batch per packet") << 1;
        QTest::newRow("a batch every 3 packets") << 3;
    }
    void indexesFramesMessagesAndConnections() {
        QFETCH(int, batchEvery);
        Indexed x;
        QVERIFY(indexFile(path_, x, std::size_t(batchEvery)));
        const CaptureIndex& index = x.index;
        QCOMPARE(index.connections().size(), std::size_t(1));
        const ConnectionRecord& c = *index.connection(1);
        QVERIFY(c.handshake);
        QVERIFY(c.handshake->info().deflate);
        // Hello, the ping, the fragmented message, the close: the reserved
        // opcode frame makes no message.
        QCOMPARE(c.client_.messages, std::uint64_t(4));
        QCOMPARE(c.server_.messages, std::uint64_t(2));
        QCOMPARE(c.closedFirstBy, std::optional(dissector::Direction::Client));
        QCOMPARE(c.closeCode, std::optional<std::uint16_t>(1000));
        QVERIFY(c.end);
        QCOMPARE(dissector::endHowName(*c.end), std::string_view("close-handshake"));
        QVERIFY(c.anomalies >= 1);

        QCOMPARE(index.frameCount(), RowId(8));
        QCOMPARE(index.messageCount(), RowId(6));
        // Every frame but the reserved one belongs to a message; the
        // fragmented one has its two data frames and the ping is a message of its own.
        for (RowId f = 0; f < index.frameCount(); ++f)
            QVERIFY2((index.frame(f).message == kNoRow) == (index.frame(f).opcode == 3),
                     qPrintable(QString::number(f)));
        const RowId fragmented = index.frame(1).message;
        QCOMPARE(index.framesOf(fragmented), (std::vector<RowId>{1, 3}));
        QCOMPARE(index.message(fragmented).frames, 2u);
        QCOMPARE(index.message(index.frame(2).message).opcode, std::uint8_t(9));
        // The reserved-opcode frame is flagged in the table.
        bool flagged = false;
        for (RowId f = 0; f < index.frameCount(); ++f)
            if (index.frame(f).opcode == 3)
                flagged = index.frame(f).flags & frame_flag::Anomaly;
        QVERIFY(flagged);
        QVERIFY(index.anomalyCount() >= 1);
        QVERIFY(index.anomaly(0).frame != kNoRow);
        QCOMPARE(index.packetCount(), RowId(14));
    }

    void readsEveryByteBackFromTheFile() {
        Indexed x;
        QVERIFY(indexFile(path_, x, 2));
        PayloadReader reader(x.index, x.file, dissector::CaptureFormat::Pcap);
        reader.setSpill(x.spill);
        // Frame 0: header in one packet, payload in the next; the raw bytes are
        // exactly what was sent, masked, and the payload comes out unmasked.
        const FrameBytes hello = reader.frame(0, 1 << 20);
        QVERIFY(hello.complete);
        QCOMPARE(hello.raw.size(), std::size_t(6 + 12));
        QCOMPARE(text(hello.payload), std::string("Hello, index"));
        QVERIFY(hello.raw[1] & 0x80);  // masked on the wire
        QVERIFY(text({hello.raw.begin() + 6, hello.raw.end()}) != "Hello, index");
        // A payload shown in part.
        const FrameBytes part = reader.frame(0, 5);
        QVERIFY(!part.complete);
        QCOMPARE(text(part.payload), std::string("Hello"));

        std::vector<std::string> payloads;
        for (RowId m = 0; m < x.index.messageCount(); ++m) {
            const MessageBytes b = reader.message(m, 1 << 20);
            QVERIFY2(b.complete, qPrintable(QString::number(m)));
            payloads.push_back(text(b.payload));
        }
        QCOMPARE(payloads, (std::vector<std::string>{"Hello, index", "p", "frag-mented",
                                                     "compressed answer, compressed answer",
                                                     std::string("\x03\xe8"
                                                                 "bye"),
                                                     std::string("\x03\xe8")}));
        // The compressed message's wire bytes are the deflated ones.
        const RowId answer = 3;
        QVERIFY(x.index.message(answer).flags & message_flag::Compressed);
        const FrameBytes wire = reader.frame(x.index.message(answer).firstFrame, 1 << 20);
        QVERIFY(wire.payload == deflated_);
    }

    // The index keeps the file offset of every 64th packet only: frames in
    // any packet, read in any order, with other traffic in between, in pcap
    // and pcapng, come back whole.
    void readsFramesFromEveryPacketOfALongCapture_data() {
        QTest::addColumn<bool>("pcapng");
        QTest::newRow("pcap") << false;
        QTest::newRow("pcapng") << true;
    }
    void readsFramesFromEveryPacketOfALongCapture() {
        QFETCH(bool, pcapng);
        Conversation c;
        Conversation other(40000, 9999);  // not WebSocket: packets the index steps over
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        other.handshakeTcp();
        constexpr int kMessages = 300;
        for (int i = 0; i < kMessages; ++i) {
            c.client(clientFrame(2, Bytes(std::size_t(i % 50 + 1), std::uint8_t(i))));
            other.client(bytesOf("noise " + std::to_string(i)));
        }
        PcapBuilder b;
        // Interleaved one for one, so the frames sit in every other packet.
        for (std::size_t i = 0; i < std::max(c.packets.size(), other.packets.size()); ++i) {
            if (i < c.packets.size())
                b.add(c.packets[i], 1700000000 + std::uint32_t(i), 0);
            if (i < other.packets.size())
                b.add(other.packets[i], 1700000000 + std::uint32_t(i), 1);
        }
        const std::string path =
            dir_.filePath(pcapng ? QStringLiteral("long.pcapng") : QStringLiteral("long.pcap"))
                .toStdString();
        QVERIFY(pcapng ? b.savePcapng(path) : b.save(path));
        Indexed x;
        QVERIFY(indexFile(path, x, 50));
        QVERIFY(x.index.packetCount() > 4 * kPacketCheckpointEvery);
        QCOMPARE(x.index.frameCount(), RowId(kMessages));
        PayloadReader reader(
            x.index, x.file,
            pcapng ? dissector::CaptureFormat::Pcapng : dissector::CaptureFormat::Pcap);
        // Backwards, then forwards: the reader's "last packet" shortcut is not the only path.
        for (int pass = 0; pass < 2; ++pass) {
            for (int k = 0; k < kMessages; ++k) {
                const int i = pass == 0 ? kMessages - 1 - k : k;
                const FrameBytes f = reader.frame(RowId(i), 1 << 20);
                QVERIFY2(f.complete, qPrintable(QString::number(i)));
                QCOMPARE(f.payload, Bytes(std::size_t(i % 50 + 1), std::uint8_t(i)));
            }
        }
    }

    // Runs of any size and position reach the index as they are (the stream
    // map's varints have no field limits to split or drop them at).
    void segmentRunsReachTheIndexWhole() {
        IndexingSink sink;
        dissector::SegmentEvent e;
        e.conn = 1;
        e.dir = dissector::Direction::Server;
        e.streamOffset = 10;
        e.length = 200000;  // a segmentation-offload packet
        e.at = {5, 54};
        sink.onSegment(e);
        e.streamOffset = (std::uint64_t(1) << 50) + 7;  // past any fixed-width field
        e.length = 100;
        e.at = {(std::uint64_t(1) << 41) + 3, 70000};
        sink.onSegment(e);
        CaptureBatch batch = sink.takeBatch();
        QCOMPARE(batch.segments.size(), std::size_t(2));
        QCOMPARE(batch.segments[0].run, (StreamRun{10, 200000, 5, 54}));
        QCOMPARE(batch.segments[1].run, (StreamRun{(std::uint64_t(1) << 50) + 7, 100,
                                                   (std::uint64_t(1) << 41) + 3, 70000}));
        CaptureIndex index;
        index.append(std::move(batch));
        QVERIFY(!index.stream(1, dissector::Direction::Client));
        const StreamMap* stream = index.stream(1, dissector::Direction::Server);
        QVERIFY(stream);
        QCOMPARE(stream->runCount(), std::uint64_t(2));
        StreamMap::Cursor cursor = stream->from(std::uint64_t(1) << 49);
        StreamRun run;
        QVERIFY(cursor.next(run));
        QCOMPARE(run, (StreamRun{(std::uint64_t(1) << 50) + 7, 100, (std::uint64_t(1) << 41) + 3,
                                 70000}));
        QVERIFY(!cursor.next(run));
    }

    // The index packs header lists into one string: every line comes back in
    // order, with empty values, repeated names and bytes past ASCII.
    void storedHandshakeGivesBackEveryHeader() {
        dissector::HandshakeEvent e;
        e.conn = 7;
        e.target = "/chat?room=1";
        e.status = 101;
        e.requestHeaders = {
            {"Host", "example.com:8080"},
            {"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"},
            {"X-Empty", ""},
            {"Cookie", "a=1"},
            {"Cookie", "b=\xc3\xa9"}};
        e.responseHeaders = {{"Upgrade", "websocket"},
                             {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}};
        const StoredHandshake stored(e);
        QVERIFY(stored.info().requestHeaders.empty());
        QCOMPARE(stored.info().target, e.target);
        const dissector::HandshakeEvent back = stored.event();
        QCOMPARE(back.requestHeaders, e.requestHeaders);
        QCOMPARE(back.responseHeaders, e.responseHeaders);
        QCOMPARE(back.conn, 7u);
        QCOMPARE(back.status, 101);
        QVERIFY(StoredHandshake(dissector::HandshakeEvent{}).event().requestHeaders.empty());
    }

    void missingBytesAreNotInvented() {
        Indexed x;
        QVERIFY(indexFile(path_, x, 1000));
        // Another file's bytes (here: none) give nothing, never garbage.
        PayloadReader empty(x.index, {}, dissector::CaptureFormat::Pcap);
        QVERIFY(empty.frame(0, 100).raw.empty());
        QVERIFY(!empty.message(0, 100).complete);
        // Without the spill file, the decompressed payload is unknown.
        PayloadReader noSpill(x.index, x.file, dissector::CaptureFormat::Pcap);
        QVERIFY(!noSpill.message(3, 100).complete);
        QVERIFY(noSpill.frame(999, 100).raw.empty());
    }
};

QTEST_APPLESS_MAIN(TestCaptureIndex)
#include "tst_capture_index.moc"
