#pragma once
// What the indexing sink hands from the loader's thread to the GUI thread:
// the records made since the previous batch, plus links and flags for
// records that already crossed in earlier batches. Qt-free.

#include <cstdint>
#include <utility>
#include <vector>

#include "inspector/capture_records.h"
#include "inspector/stream_map.h"

namespace sockscope::ui {

struct SegmentEntry {
    std::uint32_t conn = 0;
    dissector::Direction dir = dissector::Direction::Client;
    StreamRun run;
};

struct CaptureBatch {
    std::uint64_t packets = 0;  // read since the previous batch (numbered from 1 in all)
    // Record ends of packets kPacketCheckpointEvery, 2 * kPacketCheckpointEvery, ...
    std::vector<std::uint64_t> packetCheckpoints;
    std::uint64_t lastRecordEnd = 0;  // of the batch's last packet (0: none or unknown)
    RowId firstFrame = 0;
    std::vector<FrameRecord> frames;
    RowId firstMessage = 0;
    std::vector<MessageRecord> messages;
    std::vector<SegmentEntry> segments;
    std::vector<AnomalyRecord> anomalies;
    // The current state of every connection that changed since the last batch.
    std::vector<ConnectionRecord> connections;
    // Frames of earlier batches that now belong to a message / gained flags.
    std::vector<std::pair<RowId, RowId>> frameMessages;
    std::vector<std::pair<RowId, std::uint8_t>> frameFlags;

    bool empty() const {
        return packets == 0 && frames.empty() && messages.empty() && segments.empty() &&
               anomalies.empty() && connections.empty() && frameMessages.empty() &&
               frameFlags.empty();
    }
};

}  // namespace sockscope::ui
