#include "inspector/capture_index.h"

#include <algorithm>

namespace sockscope::ui {

namespace {
std::uint64_t streamKey(std::uint32_t conn, dissector::Direction dir) {
    return std::uint64_t(conn) << 1 | (dir == dissector::Direction::Server ? 1 : 0);
}
}  // namespace

void CaptureIndex::append(CaptureBatch&& batch) {
    // Rows continue where the previous batch ended; a batch that does not
    // (a loader bug) must not corrupt the links, so its rows are dropped.
    packetCount_ += batch.packets;
    packetCheckpoints_.insert(packetCheckpoints_.end(), batch.packetCheckpoints.begin(),
                              batch.packetCheckpoints.end());
    if (!batch.frames.empty() && batch.firstFrame == frames_.size()) {
        if (frames_.size() == 0 && firstNs_ == 0)
            firstNs_ = batch.frames.front().tsNs;
        for (const FrameRecord& f : batch.frames)
            frames_.append(f, messages_.size());
    }
    if (!batch.messages.empty() && batch.firstMessage == messages_.size())
        for (const MessageRecord& m : batch.messages)
            messages_.append(m, frames_);
    for (auto& a : batch.anomalies)
        anomalies_.push_back(std::move(a));
    for (auto& c : batch.connections) {
        if (firstNs_ == 0 || (c.firstNs != 0 && c.firstNs < firstNs_))
            firstNs_ = c.firstNs;
        // Copied, not moved: what the index keeps is allocated by this thread,
        // so the loader thread's malloc arena empties (and is trimmed) after a load.
        ConnectionRecord& kept = connections_[c.conn];
        kept = c;
        if (c.tls) {
            kept.tls = std::make_shared<const dissector::TlsConnectionInfo>(*c.tls);
            if (decrypted_.size() <= c.conn)
                decrypted_.resize(std::size_t(c.conn) + 1);
            decrypted_[c.conn] = true;
        }
    }
    for (const SegmentEntry& s : batch.segments)
        streams_[streamKey(s.conn, s.dir)].append(s.run);
    for (const auto& [frame, message] : batch.frameMessages)
        if (frame < frames_.size())
            frames_.setMessage(frame, message);
    for (const auto& [frame, flags] : batch.frameFlags)
        if (frame < frames_.size())
            frames_.addFlags(frame, flags);
}

void CaptureIndex::compact() {
    // Vectors grown by doubling keep up to half their size unused. (The
    // record stores grow by fixed chunks and waste at most one.)
    for (auto& [key, stream] : streams_)
        stream.compact();
    messages_.compact();
    packetCheckpoints_.shrink_to_fit();
    decrypted_.shrink_to_fit();
}

CaptureIndex::MemoryUse CaptureIndex::memoryUse() const {
    MemoryUse use;
    use.frames = frames_.memoryBytes();
    use.messages = messages_.memoryBytes();
    for (const auto& [key, stream] : streams_)
        use.streams += stream.memoryBytes() + sizeof(key) + sizeof(stream) + 2 * sizeof(void*);
    use.packets = packetCheckpoints_.capacity() * sizeof(std::uint64_t);
    use.escapedRecords = frames_.escapedCount() + messages_.escapedCount();
    return use;
}

std::uint64_t CaptureIndex::framePacket(RowId frame) const {
    if (frame >= frames_.size())
        return 0;
    const FrameRecord f = frames_.get(frame);
    const StreamMap* map = stream(f.conn, f.direction());
    if (!map)
        return 0;
    StreamMap::Cursor cursor = map->from(f.streamOffset);
    StreamRun run;
    return cursor.next(run) && run.streamOffset <= f.streamOffset ? run.packet : 0;
}

std::uint64_t CaptureIndex::messagePacket(RowId message) const {
    const std::vector<RowId> frames = framesOf(message);
    if (frames.empty())
        return 0;
    const FrameRecord f = frames_.get(frames.back());
    const StreamMap* map = stream(f.conn, f.direction());
    if (!map)
        return 0;
    const std::uint64_t last = f.streamOffset + f.headerLength + f.payloadLength - 1;
    StreamMap::Cursor cursor = map->from(last);
    StreamRun run;
    return cursor.next(run) && run.streamOffset <= last ? run.packet : 0;
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

const StreamMap* CaptureIndex::stream(std::uint32_t conn, dissector::Direction dir) const {
    const auto it = streams_.find(streamKey(conn, dir));
    return it == streams_.end() ? nullptr : &it->second;
}

std::vector<RowId> CaptureIndex::framesOf(RowId message) const {
    std::vector<RowId> rows;
    if (message >= messages_.size())
        return rows;
    const MessageRecord m = messages_.get(message, frames_);
    for (RowId row = m.firstFrame; row < frames_.size() && rows.size() < m.frames; ++row)
        if (frames_.get(row).message == message)
            rows.push_back(row);
    return rows;
}

}  // namespace sockscope::ui
