#pragma once
// Everything a viewer knows about a capture, as compact records appended
// batch by batch (CaptureBatch) on the GUI thread. Storage is std::deque: it
// grows without moving what is there (no reallocation peak at millions of
// rows) and indexes in constant time. Qt-free.

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <vector>

#include "inspector/capture_batch.h"

namespace sockscope::ui {

class CaptureIndex {
public:
    void append(CaptureBatch&& batch);
    // Releases spare capacity once nothing more will be appended.
    void compact();

    RowId packetCount() const { return packetCount_; }
    // Where to start walking the file's records to reach packet `number`
    // (numbered from 1), and how many packets to step over on the way.
    struct PacketWalk {
        std::uint64_t from = 0;  // a record end, or 0: the file's start
        std::uint64_t skip = 0;
    };
    PacketWalk packetWalk(std::uint64_t number) const;

    RowId frameCount() const { return frames_.size(); }
    const FrameRecord& frame(RowId row) const { return frames_[row]; }
    RowId messageCount() const { return messages_.size(); }
    const MessageRecord& message(RowId row) const { return messages_[row]; }
    RowId anomalyCount() const { return anomalies_.size(); }
    const AnomalyRecord& anomaly(RowId row) const { return anomalies_[row]; }

    // Connections by id (ids start at 1 and are dense in dissection order).
    const std::map<std::uint32_t, ConnectionRecord>& connections() const { return connections_; }
    const ConnectionRecord* connection(std::uint32_t conn) const;

    // One direction's stream runs, in stream order.
    std::span<const SegmentRecord> segments(std::uint32_t conn, dissector::Direction dir) const;

    // The frames of a message, in order (found from its first frame onwards).
    std::vector<RowId> framesOf(RowId message) const;

    // Time of the first packet that carried WebSocket traffic (for relative times).
    std::int64_t firstNs() const { return firstNs_; }

private:
    RowId packetCount_ = 0;
    std::vector<std::uint64_t> packetCheckpoints_;  // see kPacketCheckpointEvery
    std::deque<FrameRecord> frames_;
    std::deque<MessageRecord> messages_;
    std::deque<AnomalyRecord> anomalies_;
    std::map<std::uint32_t, ConnectionRecord> connections_;
    std::map<std::pair<std::uint32_t, bool>, std::vector<SegmentRecord>> segments_;
    std::int64_t firstNs_ = 0;
};

}  // namespace sockscope::ui
