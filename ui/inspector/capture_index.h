#pragma once
// Everything a viewer knows about a capture, as compact records appended
// batch by batch (CaptureBatch) on the GUI thread: frames and messages
// packed in chunks that never move (RecordStore), each direction's stream
// runs delta-encoded (StreamMap), a checkpoint every kPacketCheckpointEvery
// packets. Qt-free.

#include <cstdint>
#include <deque>
#include <map>
#include <unordered_map>
#include <vector>

#include "inspector/capture_batch.h"
#include "inspector/record_store.h"

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
    FrameRecord frame(RowId row) const { return frames_.get(row); }
    RowId messageCount() const { return messages_.size(); }
    MessageRecord message(RowId row) const { return messages_.get(row, frames_); }
    RowId anomalyCount() const { return anomalies_.size(); }
    const AnomalyRecord& anomaly(RowId row) const { return anomalies_[row]; }

    // Connections by id (ids start at 1 and are dense in dissection order).
    const std::map<std::uint32_t, ConnectionRecord>& connections() const { return connections_; }
    const ConnectionRecord* connection(std::uint32_t conn) const;

    // Where one direction's stream lies in the file (nullptr: no runs).
    const StreamMap* stream(std::uint32_t conn, dissector::Direction dir) const;
    // A TLS connection: its stream runs point into the spill file (the
    // decrypted bytes), not into packets.
    bool decrypted(std::uint32_t conn) const {
        return conn < decrypted_.size() && decrypted_[conn];
    }

    // The frames of a message, in order (found from its first frame onwards).
    std::vector<RowId> framesOf(RowId message) const;

    // The packet that holds a frame's first byte, and the one that holds a
    // message's last byte (0: not in the capture).
    std::uint64_t framePacket(RowId frame) const;
    std::uint64_t messagePacket(RowId message) const;

    // Heap bytes held, by kind (for the benchmark's accounting).
    struct MemoryUse {
        std::uint64_t frames = 0;
        std::uint64_t messages = 0;
        std::uint64_t streams = 0;
        std::uint64_t packets = 0;
        std::uint64_t escapedRecords = 0;  // frames and messages kept whole
    };
    MemoryUse memoryUse() const;

    // Time of the first packet that carried WebSocket traffic (for relative times).
    std::int64_t firstNs() const { return firstNs_; }

private:
    RowId packetCount_ = 0;
    std::vector<std::uint64_t> packetCheckpoints_;  // see kPacketCheckpointEvery
    FrameStore frames_;
    MessageStore messages_;
    std::deque<AnomalyRecord> anomalies_;
    std::map<std::uint32_t, ConnectionRecord> connections_;
    std::unordered_map<std::uint64_t, StreamMap> streams_;  // by streamKey()
    std::vector<bool> decrypted_;                           // by connection id
    std::int64_t firstNs_ = 0;
};

}  // namespace sockscope::ui
