#pragma once
// TCP reassembly for one direction of one connection: bytes come out in
// sequence order exactly once, whatever order, duplication or overlap the
// segments arrived in. Stream offsets are 64-bit (sequence numbers unwrap past
// 2^32). Memory for out-of-order data is bounded.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "sockscope/dissector/anomaly.h"
#include "sockscope/dissector/byte_ring.h"
#include "sockscope/dissector/packet.h"
#include "sockscope/dissector/packet_decoder.h"

namespace sockscope::dissector {

// Where a run of stream bytes came from.
struct StreamOrigin {
    std::uint64_t packet = 0;        // packet number
    std::uint32_t packetOffset = 0;  // offset of the first byte in that packet's data
    Timestamp ts;
};

class TcpStreamSink {
public:
    virtual ~TcpStreamSink() = default;
    // In-order bytes at `streamOffset` (0 = first byte after the SYN, or the
    // first byte seen for a flow without SYN). Valid during the call.
    virtual void onStreamData(std::span<const std::uint8_t> bytes, std::uint64_t streamOffset,
                              const StreamOrigin& origin) = 0;
    // `missing` bytes at `streamOffset` were never captured; the stream goes on after them.
    virtual void onStreamGap(std::uint64_t streamOffset, std::uint64_t missing,
                             const StreamOrigin& origin) = 0;
    virtual void onStreamAnomaly(CaptureAnomaly kind, std::string detail,
                                 const StreamOrigin& origin) = 0;
    // FIN (all bytes before it delivered) or RST.
    virtual void onStreamEnd(bool reset, const StreamOrigin& origin) = 0;
};

struct TcpReassemblerLimits {
    std::size_t maxOutOfOrderBytes = 8u << 20;      // per direction
    std::size_t maxOutOfOrderSegments = 16u << 10;  // per direction (bounds 1-byte floods)
    std::size_t retransmissionWindow = 16u << 10;   // delivered bytes kept to compare resends
};

// Reports through a TcpStreamSink: in-order data straight from the segment
// (zero copy) or from the buffered first copy, each run with the origin of the
// packet that carried it; gaps with the origin of the bytes after them (the
// flush's origin for bytes missing before a FIN); anomalies with the origin of
// the segment that caused them.
class TcpReassembler {
public:
    TcpReassembler(TcpStreamSink& sink, TcpReassemblerLimits limits = {});

    // Feeds one segment of this direction.
    void segment(const TcpSegment& segment, const StreamOrigin& origin);
    // End of capture: whatever is buffered beyond a hole is released after a
    // gap report, so no data is silently lost.
    void flush(const StreamOrigin& origin);
    // For a bound over all flows: gives up the first hole as lost (an
    // out-of-order-limit anomaly and a gap) and releases the bytes after it up
    // to the next hole. Returns the buffered bytes freed (0 if none were held).
    std::size_t giveUpFirstHole(const StreamOrigin& origin);

    // Stream offset of the next byte to deliver (delivered bytes plus gaps).
    std::uint64_t deliveredBytes() const { return next_; }
    // Out-of-order payload bytes held (copies) waiting for a hole to fill.
    std::size_t bufferedBytes() const { return buffered_; }

private:
    // Held beyond a hole: captured bytes, or (bytes empty) `gap` bytes that the
    // snaplen cut from a segment and that will be reported as missing.
    struct Pending {
        std::vector<std::uint8_t> bytes;
        std::uint64_t gap = 0;
        StreamOrigin origin;
        std::uint64_t length() const { return bytes.empty() ? gap : bytes.size(); }
    };
    using PendingMap = std::map<std::uint64_t, Pending>;
    // Stream range [begin, end) from one segment: bytes at `data`, or missing
    // bytes when `data` is null. `origin` describes `begin`.
    struct Run {
        std::uint64_t begin = 0;
        std::uint64_t end = 0;
        const std::uint8_t* data = nullptr;
        StreamOrigin origin;
        Run sub(std::uint64_t from, std::uint64_t to) const;
    };
    // Bytes of one segment that differ from a first copy (delivered or buffered).
    struct Mismatch {
        std::uint64_t first = 0;
        std::uint64_t last = 0;
        std::uint64_t count = 0;
        void compare(const std::uint8_t* kept, const std::uint8_t* resent, std::uint64_t length,
                     std::uint64_t streamOffset);
    };

    bool start(const TcpSegment& segment);
    std::int64_t unwrap(std::uint32_t seq) const;
    void accept(std::int64_t begin, std::int64_t end, const std::uint8_t* data,
                const StreamOrigin& origin, Mismatch& mismatch);
    void compareDelivered(const Run& run, std::uint64_t to, Mismatch& mismatch) const;
    void deliverInOrder(const Run& run, Mismatch& mismatch);
    void insertPending(const Run& run, Mismatch& mismatch);
    void addPending(const Run& run);
    void carveGaps(std::uint64_t begin, std::uint64_t end);
    void trimPendingFrom(std::uint64_t offset);
    void deliverRun(const Run& run);
    void releasePending(PendingMap::iterator it);
    void drain();
    void skipHole();
    void releaseAll();
    void enforceLimit(const StreamOrigin& origin);
    void giveUp(const StreamOrigin& origin, const std::string& why);
    void maybeEnd(const StreamOrigin& origin);

    TcpStreamSink& sink_;
    TcpReassemblerLimits limits_;
    bool started_ = false;
    bool ended_ = false;
    std::uint32_t isn_ = 0;   // sequence number of stream offset 0 (the SYN's plus one)
    std::uint64_t next_ = 0;  // next stream offset to deliver
    PendingMap pending_;      // non-overlapping, all beyond next_
    std::size_t buffered_ = 0;
    bool finSeen_ = false;
    std::uint64_t finOffset_ = 0;
    ByteRing recent_;  // delivered bytes up to next_: retransmissions are compared with them
};

}  // namespace sockscope::dissector
