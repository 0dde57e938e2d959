#include "inspector/capture_index.h"

#include <algorithm>

namespace sockscope::ui {

void CaptureIndex::append(CaptureBatch&& batch) {
    // Rows continue where the previous batch ended; a batch that does not
    // (a loader bug) must not corrupt the links, so its rows are dropped.
    packetCount_ += batch.packets;
    packetCheckpoints_.insert(packetCheckpoints_.end(), batch.packetCheckpoints.begin(),
                              batch.packetCheckpoints.end());
    if (!batch.frames.empty() && batch.firstFrame == frames_.size()) {
        if (frames_.empty() && firstNs_ == 0)
            firstNs_ = batch.frames.front().tsNs;
        frames_.insert(frames_.end(), batch.frames.begin(), batch.frames.end());
    }
    if (!batch.messages.empty() && batch.firstMessage == messages_.size())
        messages_.insert(messages_.end(), batch.messages.begin(), batch.messages.end());
    for (auto& a : batch.anomalies)
        anomalies_.push_back(std::move(a));
    for (auto& c : batch.connections) {
        if (firstNs_ == 0 || (c.firstNs != 0 && c.firstNs < firstNs_))
            firstNs_ = c.firstNs;
        connections_[c.conn] = std::move(c);
    }
    for (const SegmentEntry& s : batch.segments)
        segments_[{s.conn, s.dir == dissector::Direction::Server}].push_back(s.segment);
    for (const auto& [frame, message] : batch.frameMessages)
        if (frame < frames_.size())
            frames_[frame].message = message;
    for (const auto& [frame, flags] : batch.frameFlags)
        if (frame < frames_.size())
            frames_[frame].flags |= flags;
}

void CaptureIndex::compact() {
    // Vectors grown by doubling keep up to half their size unused. (The
    // deques waste at most a block each, and shrinking one copies it whole.)
    for (auto& [key, runs] : segments_)
        runs.shrink_to_fit();
}

CaptureIndex::PacketWalk CaptureIndex::packetWalk(std::uint64_t number) const {
    // Checkpoint j is the end of packet (j + 1) * kPacketCheckpointEvery.
    const std::uint64_t before = number - 1;  // packets ahead of it
    const std::uint64_t blocks =
        std::min<std::uint64_t>(before / kPacketCheckpointEvery, packetCheckpoints_.size());
    if (blocks == 0)
        return {0, before};
    return {packetCheckpoints_[blocks - 1], before - blocks * kPacketCheckpointEvery};
}

const ConnectionRecord* CaptureIndex::connection(std::uint32_t conn) const {
    const auto it = connections_.find(conn);
    return it == connections_.end() ? nullptr : &it->second;
}

std::span<const SegmentRecord> CaptureIndex::segments(std::uint32_t conn,
                                                      dissector::Direction dir) const {
    const auto it = segments_.find({conn, dir == dissector::Direction::Server});
    if (it == segments_.end())
        return {};
    return it->second;
}

std::vector<RowId> CaptureIndex::framesOf(RowId message) const {
    std::vector<RowId> rows;
    if (message >= messages_.size())
        return rows;
    const MessageRecord& m = messages_[message];
    for (RowId row = m.firstFrame; row < frames_.size() && rows.size() < m.frames; ++row)
        if (frames_[row].message == message)
            rows.push_back(row);
    return rows;
}

}  // namespace sockscope::ui
