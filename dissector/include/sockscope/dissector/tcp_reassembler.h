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
    std::size_t maxOutOfOrderBytes = 8u << 20;  // per direction
};

class TcpReassembler {
public:
    TcpReassembler(TcpStreamSink& sink, TcpReassemblerLimits limits = {});

    // Feeds one segment of this direction.
    void segment(const TcpSegment& segment, const StreamOrigin& origin);
    // End of capture: whatever is buffered beyond a hole is released after a
    // gap report, so no data is silently lost.
    void flush(const StreamOrigin& origin);

    std::uint64_t deliveredBytes() const { return next_; }
    std::size_t bufferedBytes() const { return buffered_; }

private:
    struct Pending {
        std::vector<std::uint8_t> bytes;
        StreamOrigin origin;
    };
    TcpStreamSink& sink_;
    TcpReassemblerLimits limits_;
    bool started_ = false;
    std::uint32_t isn_ = 0;                     // sequence number of stream offset 0 (minus SYN)
    std::uint64_t next_ = 0;                    // next stream offset to deliver
    std::uint64_t lastAbsolute_ = 0;            // for unwrapping
    std::map<std::uint64_t, Pending> pending_;  // out-of-order segments by stream offset
    std::size_t buffered_ = 0;
    bool finSeen_ = false;
    std::uint64_t finOffset_ = 0;
    bool ended_ = false;
    // Recently delivered bytes kept to compare retransmissions with the first copy.
    std::vector<std::uint8_t> recent_;
    std::uint64_t recentStart_ = 0;
};

}  // namespace sockscope::dissector
