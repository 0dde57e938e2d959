#pragma once
// Statistics of one connection, computed on demand from the CaptureIndex:
// per direction and opcode counts, a message-size histogram, the message rate
// over time, fragmentation, compression, ping round trips (pong payloads
// matched to pings read back from the capture) and how the connection ended.
// One linear pass over the message records, which the builder can take in
// slices so a large capture never blocks the event loop for long. Widget-free.

#include <QString>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "inspector/capture_document.h"

namespace sockscope::ui {

// Log2 buckets of message sizes: bucket 0 holds empty messages, bucket k > 0
// sizes 2^(k-1) .. 2^k - 1 (1, 2-3, 4-7, …).
inline constexpr int kSizeBuckets = 65;
int sizeBucket(std::uint64_t size);
QString sizeBucketLabel(int bucket);  // "0", "1", "2–3", …, "1K–2K", "1M–2M"

struct OpcodeTotals {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;      // after decompression
    std::uint64_t wireBytes = 0;  // payload bytes on the wire
};

struct DirectionStatistics {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    std::uint64_t wireBytes = 0;
    std::uint64_t frames = 0;           // from the connection record (frames of no message too)
    std::uint64_t invalidMessages = 0;  // broke a rule
    std::array<OpcodeTotals, 16> opcodes{};
    std::array<std::uint64_t, kSizeBuckets> sizes{};  // data messages (text, binary) only
    std::vector<std::uint64_t> rate;                  // messages per time bucket
    std::uint64_t fragmentedMessages = 0;             // data messages of more than one frame
    std::uint64_t fragmentedFrames = 0;               // frames of those messages
    std::uint64_t compressedMessages = 0;
    std::uint64_t compressedWireBytes = 0;
    std::uint64_t compressedBytes = 0;       // the same messages decompressed
    std::optional<std::uint16_t> closeCode;  // of this side's first close frame (if it had one)
    bool sentClose = false;

    double framesPerFragmentedMessage() const {
        return fragmentedMessages ? double(fragmentedFrames) / double(fragmentedMessages) : 0;
    }
    // Decompressed bytes per wire byte of the compressed messages (3.0: a third of the size).
    double compressionRatio() const {
        return compressedWireBytes ? double(compressedBytes) / double(compressedWireBytes) : 0;
    }
};

struct PingRoundTrip {
    RowId ping = kNoRow;
    RowId pong = kNoRow;
    dissector::Direction pingFrom = dissector::Direction::Client;
    std::int64_t rttNs = 0;
};

struct ConnectionStatistics {
    std::uint32_t conn = 0;
    bool known = false;  // the connection exists in the capture
    std::int64_t firstNs = 0;
    std::int64_t lastNs = 0;
    // Width of one rate bucket: a round number, with at most the builder's
    // `rateBuckets` buckets across the connection (fewer when a round width covers it sooner).
    std::int64_t rateBucketNs = 1;
    DirectionStatistics client;
    DirectionStatistics server;

    // Each pong matched to the earliest unanswered ping of the other side with
    // the same payload. The list keeps the first kMaxRoundTrips; the summary covers all.
    static constexpr std::size_t kMaxRoundTrips = 100000;
    std::vector<PingRoundTrip> roundTrips;
    std::uint64_t roundTripCount = 0;
    std::int64_t minRttNs = 0;
    std::int64_t maxRttNs = 0;
    double averageRttNs = 0;
    std::uint64_t unansweredPings = 0;
    std::uint64_t unsolicitedPongs = 0;  // no ping to match (a heartbeat is allowed to do this)

    std::optional<dissector::EndHow> end;
    std::optional<dissector::Direction> closedFirstBy;
    // Both sides sent a close frame.
    bool closeHandshakeComplete() const { return client.sentClose && server.sentClose; }
    // The close handshake completed and the TCP connection was not reset.
    bool cleanClose() const { return closeHandshakeComplete() && end != dissector::EndHow::Rst; }

    const DirectionStatistics& of(dissector::Direction d) const {
        return d == dissector::Direction::Server ? server : client;
    }
    DirectionStatistics& of(dissector::Direction d) {
        return d == dissector::Direction::Server ? server : client;
    }
    // Buckets of the size histogram worth showing (up to the last non-empty one, at least 1).
    int usedSizeBuckets() const;
};

// Computes the statistics of one connection in slices: each step() looks at
// up to `budget` more message records. Keeps a reference to the document,
// which must outlive it; the records appended after construction are not
// included (start again to include them).
class StatisticsBuilder {
public:
    StatisticsBuilder(const CaptureDocument& document, std::uint32_t conn, int rateBuckets = 60);

    // True once every record has been seen (then result() is final).
    bool step(RowId budget);
    bool done() const { return next_ >= end_; }
    double progress() const { return end_ ? double(next_) / double(end_) : 1.0; }
    const ConnectionStatistics& result() const { return stats_; }

private:
    struct PendingPing {
        RowId row;
        std::int64_t tsNs;
    };
    using PingQueue = std::map<std::vector<std::uint8_t>, std::deque<PendingPing>>;
    static constexpr std::size_t kMaxPendingPings = 4096;  // per direction

    void add(RowId row, const MessageRecord& m);
    void matchPing(RowId row, const MessageRecord& m);
    void finish();

    const CaptureDocument& document_;
    ConnectionStatistics stats_;
    RowId next_ = 0;
    RowId end_ = 0;
    int rateBuckets_;
    PingQueue pending_[2];  // unanswered pings by sender: client, server
    std::size_t pendingCount_[2] = {0, 0};
    std::uint64_t droppedPings_ = 0;
    double rttSum_ = 0;
};

ConnectionStatistics computeConnectionStatistics(const CaptureDocument& document,
                                                 std::uint32_t conn, int rateBuckets = 60);

// "The client closed first (1000 Normal Closure), the server answered (1000
// Normal Closure): a clean close." and the other endings, in one sentence.
QString closeSummary(const ConnectionStatistics& stats);

}  // namespace sockscope::ui
