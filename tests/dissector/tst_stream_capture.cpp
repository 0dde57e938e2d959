// LiveCapture::openStream: a pcapng stream from a pipe read like a live
// capture. Packets come as they are written (also when a block arrives in
// pieces), the writer closing its end is a normal end (ended(), poll() 0, no
// error), and a broken stream is an error that names the stream: not pcapng,
// EOF before the interface block, EOF inside a block.
#include <fcntl.h>
#include <unistd.h>

#include <sockscope/dissector/conversation_writer.h>
#include <sockscope/dissector/live_capture.h>
#include <sockscope/dissector/pcapng_writer.h>

#include <QTest>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

using namespace sockscope::dissector;

namespace {

struct Pipe {
    int read = -1;
    int write = -1;
    Pipe() {
        std::array<int, 2> ends{};
        if (::pipe2(ends.data(), O_CLOEXEC) == 0) {
            read = ends[0];
            write = ends[1];
        }
    }
    ~Pipe() {
        if (write >= 0)
            ::close(write);
    }
    void closeWrite() {
        ::close(write);
        write = -1;
    }
};

// The bytes a PcapngWriter writes for `packets` Ethernet packets of `size` bytes each.
std::vector<std::uint8_t> pcapng(int packets, std::size_t size) {
    char* data = nullptr;
    std::size_t length = 0;
    std::FILE* memory = ::open_memstream(&data, &length);
    std::string error;
    {
        auto writer = PcapngWriter::wrap(memory, error);
        writer->addInterface({1, 65535, "test", {}});
        std::vector<std::uint8_t> bytes(size, 0xAB);
        for (int i = 0; i < packets; ++i) {
            RawPacket packet;
            packet.ts = {1700000000 + i, 5};
            packet.linkType = 1;
            packet.capturedLength = packet.originalLength = std::uint32_t(size);
            bytes[0] = std::uint8_t(i);
            packet.data = bytes;
            writer->write(packet);
        }
    }
    std::fclose(memory);
    std::vector<std::uint8_t> out(data, data + length);
    std::free(data);
    return out;
}

bool writeAll(int fd, const std::uint8_t* data, std::size_t size) {
    return ::write(fd, data, size) == ssize_t(size);
}

// Polls until `want` packets came or the stream ended or failed (bounded).
struct Collected {
    std::vector<RawPacket> packets;
    std::vector<std::vector<std::uint8_t>> data;
    int lastResult = 0;
};
Collected collect(LiveCapture& capture, std::size_t want, int rounds = 100) {
    Collected c;
    for (int i = 0; i < rounds && c.packets.size() < want; ++i) {
        c.lastResult = capture.poll(20, [&](const RawPacket& p) {
            c.packets.push_back(p);
            c.data.emplace_back(p.data.begin(), p.data.end());
        });
        if (c.lastResult < 0 || capture.ended())
            break;
    }
    return c;
}

}  // namespace

class TestStreamCapture : public QObject {
    Q_OBJECT

private slots:
    void packetsThenANormalEnd() {
        Pipe pipe;
        const std::vector<std::uint8_t> bytes = pcapng(3, 100);
        // The section and interface blocks first: openStream waits for them.
        const std::size_t block =
            std::size_t(bytes[bytes.size() - 4]) | std::size_t(bytes[bytes.size() - 3]) << 8;
        const std::size_t header = bytes.size() - 3 * block;
        QVERIFY(writeAll(pipe.write, bytes.data(), header));
        std::string error;
        auto capture = LiveCapture::openStream(pipe.read, "session", error);
        QVERIFY2(capture, error.c_str());
        QCOMPARE(capture->linkType(), 1);
        QCOMPARE(capture->snaplen(), 65535u);
        QCOMPARE(QString::fromStdString(capture->interfaceName()), QStringLiteral("session"));
        QVERIFY(!capture->stats());
        QVERIFY(!capture->viaHelper());

        // Nothing yet: the timeout, not the end.
        QCOMPARE(capture->poll(10, [](const RawPacket&) {}), 0);
        QVERIFY(!capture->ended());

        // The first packet in two pieces, then the rest.
        const std::size_t first = header + block;
        QVERIFY(writeAll(pipe.write, bytes.data() + header, 40));
        QCOMPARE(capture->poll(10, [](const RawPacket&) {}), 0);
        QVERIFY(writeAll(pipe.write, bytes.data() + header + 40, first - header - 40));
        Collected one = collect(*capture, 1);
        QCOMPARE(one.packets.size(), std::size_t(1));
        QCOMPARE(one.packets[0].number, 1u);
        QCOMPARE(one.packets[0].ts, (Timestamp{1700000000, 5}));
        QCOMPARE(one.data[0].size(), std::size_t(100));
        QCOMPARE(one.data[0][0], std::uint8_t(0));

        QVERIFY(writeAll(pipe.write, bytes.data() + first, bytes.size() - first));
        pipe.closeWrite();
        Collected rest = collect(*capture, 3);
        QCOMPARE(rest.packets.size(), std::size_t(2));
        QCOMPARE(rest.packets[1].number, 3u);
        QCOMPARE(rest.data[1][0], std::uint8_t(2));
        // Every packet was delivered before the end is reported; then it stays ended.
        Collected after = collect(*capture, 1);
        QCOMPARE(after.packets.size(), std::size_t(0));
        QCOMPARE(after.lastResult, 0);
        QVERIFY(capture->ended());
        QCOMPARE(capture->poll(10, [](const RawPacket&) {}), 0);
        QCOMPARE(QString::fromStdString(capture->error()), QString());
    }

    void conversationWriterStream() {
        // The SessionRecorder's path: a ConversationWriter on the pipe's write end.
        Pipe pipe;
        std::FILE* out = ::fdopen(::dup(pipe.write), "w");
        QVERIFY(out);
        std::string error;
        auto writer = ConversationWriter::wrap(out, error);
        QVERIFY(writer);
        std::fflush(out);
        auto capture = LiveCapture::openStream(pipe.read, "conversation", error);
        QVERIFY2(capture, error.c_str());
        SocketAddress client{false, {127, 0, 0, 1}, 40000};
        SocketAddress server{false, {127, 0, 0, 1}, 8765};
        const auto id = writer->open(client, server, {1700000000, 0});
        QVERIFY(id);
        const std::vector<std::uint8_t> hello = {'h', 'i'};
        QVERIFY(writer->send(*id, Direction::Client, hello, {1700000000, 1000}));
        QVERIFY(writer->close(*id, Direction::Server, {1700000000, 2000}));
        QVERIFY(writer->finish());
        std::fclose(out);
        pipe.closeWrite();
        Collected all = collect(*capture, 100);
        // SYN, SYN-ACK, ACK; data, ACK; FIN, FIN, ACK.
        QCOMPARE(all.packets.size(), std::size_t(8));
        QVERIFY(capture->ended());
        QCOMPARE(QString::fromStdString(capture->error()), QString());
    }

    void cutInsideABlock() {
        Pipe pipe;
        const std::vector<std::uint8_t> bytes = pcapng(2, 64);
        const std::size_t cut = bytes.size() - 10;
        QVERIFY(writeAll(pipe.write, bytes.data(), cut));
        pipe.closeWrite();
        std::string error;
        auto capture = LiveCapture::openStream(pipe.read, "cut", error);
        QVERIFY2(capture, error.c_str());
        Collected c = collect(*capture, 5);
        QCOMPARE(c.packets.size(), std::size_t(1));
        if (c.lastResult >= 0)
            c = collect(*capture, 1);
        QCOMPARE(c.lastResult, -1);
        QVERIFY(!capture->ended());
        // The last block's length is its last four bytes (little-endian, as written).
        const std::size_t last =
            std::size_t(bytes[bytes.size() - 4]) | std::size_t(bytes[bytes.size() - 3]) << 8;
        QCOMPARE(
            QString::fromStdString(capture->error()),
            QStringLiteral("the stream cut ended inside a block (%1 bytes of it)").arg(last - 10));
    }

    void refusedStreams() {
        std::string error;
        {
            Pipe pipe;
            const std::string junk = "not a capture at all";
            QVERIFY(writeAll(pipe.write, reinterpret_cast<const std::uint8_t*>(junk.data()),
                             junk.size()));
            QVERIFY(!LiveCapture::openStream(pipe.read, "junk", error));
            QCOMPARE(QString::fromStdString(error),
                     QStringLiteral("the stream junk is not a readable pcapng stream: the "
                                    "stream does not start with a pcapng section header"));
        }
        {
            Pipe pipe;
            pipe.closeWrite();
            QVERIFY(!LiveCapture::openStream(pipe.read, "empty", error));
            QCOMPARE(QString::fromStdString(error),
                     QStringLiteral("the stream empty ended before its interface description"));
        }
        QVERIFY(!LiveCapture::openStream(-1, "none", error));
        QCOMPARE(QString::fromStdString(error),
                 QStringLiteral("cannot read the stream none: no descriptor"));
    }
};

QTEST_GUILESS_MAIN(TestStreamCapture)
#include "tst_stream_capture.moc"
