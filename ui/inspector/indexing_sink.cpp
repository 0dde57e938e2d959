#include "inspector/indexing_sink.h"

#include <sockscope/core/opcode.h>

namespace sockscope::ui {

using dissector::Direction;

void IndexingSink::packet(const dissector::RawPacket& packet) {
    ++batch_.packets;
    batch_.lastRecordEnd = packet.recordEnd;
    if (packet.number % kPacketCheckpointEvery == 0)
        batch_.packetCheckpoints.push_back(packet.recordEnd);
}

CaptureBatch IndexingSink::takeBatch() {
    for (std::uint32_t conn : changed_)
        batch_.connections.push_back(connections_.at(conn));
    changed_.clear();
    CaptureBatch out = std::move(batch_);
    framePackets_.clear();
    batch_ = CaptureBatch{};
    batch_.firstFrame = nextFrame_;
    batch_.firstMessage = nextMessage_;
    return out;
}

ConnectionRecord& IndexingSink::connection(std::uint32_t conn) {
    changed_.insert(conn);
    ConnectionRecord& c = connections_[conn];
    c.conn = conn;
    return c;
}

void IndexingSink::linkFrame(RowId frame, RowId message) {
    if (frame >= batch_.firstFrame)
        batch_.frames[frame - batch_.firstFrame].message = message;
    else
        batch_.frameMessages.emplace_back(frame, message);
}

void IndexingSink::flagFrame(RowId frame, std::uint8_t flags) {
    if (frame >= batch_.firstFrame)
        batch_.frames[frame - batch_.firstFrame].flags |= flags;
    else
        batch_.frameFlags.emplace_back(frame, flags);
}

std::optional<std::uint64_t> IndexingSink::spill(std::span<const std::uint8_t> bytes) {
    if (!spill_ || spillFailed_)
        return std::nullopt;
    if (std::fwrite(bytes.data(), 1, bytes.size(), spill_) != bytes.size()) {
        spillFailed_ = true;
        return std::nullopt;
    }
    const std::uint64_t at = spillSize_;
    spillSize_ += bytes.size();
    return at;
}

void IndexingSink::onConnection(const dissector::ConnectionEvent& e) {
    ConnectionRecord& c = connection(e.conn);
    c.client = e.client;
    c.server = e.server;
    if (e.tls)
        c.tls = std::make_shared<const dissector::TlsConnectionInfo>(*e.tls);
    c.firstNs = c.lastNs = toNanoseconds(e.ts);
}

void IndexingSink::onHandshake(const dissector::HandshakeEvent& e) {
    ConnectionRecord& c = connection(e.conn);
    c.handshake.emplace(e);
    c.lastNs = toNanoseconds(e.ts);
}

void IndexingSink::onSegment(const dissector::SegmentEvent& e) {
    const auto known = connections_.find(e.conn);
    if (known == connections_.end() || !known->second.tls) {
        batch_.segments.push_back(
            {e.conn, e.dir, {e.streamOffset, e.length, e.at.packet, e.at.offset}});
        return;
    }
    // Decrypted bytes are in no packet: the run names the packet that
    // completed their record, and where they are in the spill file. Bytes
    // that cannot be kept get no run, so they read as missing.
    if (e.decrypted.size() != e.length)
        return;
    const std::optional<std::uint64_t> at = spill(e.decrypted);
    if (!at)
        return;
    batch_.segments.push_back({e.conn, e.dir, {e.streamOffset, e.length, e.at.packet, *at}});
    // The connection was announced before its keys were in the key log (a
    // live capture follows it): that they were found shows here.
    const dissector::TlsConnectionInfo& tls = *known->second.tls;
    if (tls.keys == "missing" || tls.keys == "pending") {
        auto found = std::make_shared<dissector::TlsConnectionInfo>(tls);
        found->keys = "found";
        known->second.tls = std::move(found);
        changed_.insert(e.conn);
    }
}

void IndexingSink::onFrame(const dissector::FrameEvent& e) {
    FrameRecord f;
    f.tsNs = toNanoseconds(e.ts);
    f.streamOffset = e.streamOffsets.header;
    f.payloadLength = e.header.payloadLength;
    f.conn = e.conn;
    f.headerLength = static_cast<std::uint8_t>(e.streamOffsets.payload - e.streamOffsets.header);
    f.opcode = e.header.opcode;
    const FrameHeader& h = e.header;
    f.flags = std::uint8_t((e.dir == Direction::Server ? frame_flag::Server : 0) |
                           (h.fin ? frame_flag::Fin : 0) | (h.rsv1 ? frame_flag::Rsv1 : 0) |
                           (h.rsv2 ? frame_flag::Rsv2 : 0) | (h.rsv3 ? frame_flag::Rsv3 : 0) |
                           (h.masked ? frame_flag::Masked : 0));
    const RowId row = nextFrame_++;
    batch_.frames.push_back(f);
    framePackets_.push_back(e.packet);
    DirectionState& d = direction(e.conn, e.dir);
    d.lastFrame = row;
    if (!isControlOpcode(h.opcode))
        d.dataFrames.push_back(row);
    ConnectionRecord& c = connection(e.conn);
    c.totals(e.dir).frames += 1;
    c.totals(e.dir).wireBytes += h.payloadLength;
    c.lastNs = f.tsNs;
}

void IndexingSink::onMessage(const dissector::MessageEvent& e) {
    MessageRecord m;
    m.tsNs = toNanoseconds(e.ts);
    m.length = e.length;
    m.wireLength = e.wireLength;
    m.conn = e.conn;
    m.frames = e.frames;
    m.opcode = e.opcode;
    m.flags = std::uint8_t((e.dir == Direction::Server ? message_flag::Server : 0) |
                           (e.compressed ? message_flag::Compressed : 0) |
                           (e.valid ? 0 : message_flag::Invalid) |
                           (e.payloadTruncated ? message_flag::Truncated : 0) |
                           (e.closeCode ? message_flag::HasCloseCode : 0));
    m.closeCode = e.closeCode.value_or(0);
    if (e.compressed)
        m.spillOffset = spill(e.payload).value_or(kNoRow);
    const RowId row = nextMessage_++;
    DirectionState& d = direction(e.conn, e.dir);
    if (isControlOpcode(e.opcode)) {
        m.firstFrame = d.lastFrame;
        if (d.lastFrame != kNoRow)
            linkFrame(d.lastFrame, row);
    } else {
        // The message's frames are the last e.frames data frames: frames before
        // them that made no message (reserved opcodes, stray continuations)
        // stay unlinked.
        const std::size_t count = std::min<std::size_t>(e.frames, d.dataFrames.size());
        const auto first = d.dataFrames.end() - std::ptrdiff_t(count);
        m.firstFrame = count ? *first : kNoRow;
        for (auto it = first; it != d.dataFrames.end(); ++it)
            linkFrame(*it, row);
        d.dataFrames.clear();
    }
    batch_.messages.push_back(m);
    ConnectionRecord& c = connection(e.conn);
    c.totals(e.dir).messages += 1;
    c.totals(e.dir).payloadBytes += e.length;
    c.lastNs = m.tsNs;
    if (e.opcode == static_cast<std::uint8_t>(Opcode::Close) && !c.closedFirstBy) {
        c.closedFirstBy = e.dir;
        c.closeCode = e.closeCode;
    }
}

void IndexingSink::onAnomaly(const dissector::AnomalyEvent& e) {
    AnomalyRecord a;
    a.tsNs = toNanoseconds(e.ts);
    a.packet = e.packet;
    a.conn = e.conn;
    a.dir = e.dir;
    a.kind = e.kind;
    a.rfc = e.rfc;
    a.detail = e.detail;
    if (e.conn != 0) {
        connection(e.conn).anomalies += 1;
        // A frame's anomalies are reported while it is decoded, so before the next frame.
        if (e.dir)
            a.frame = direction(e.conn, *e.dir).lastFrame;
        // The flag marks rows in the table: only when the anomaly lies in the
        // frame's own packet (a TCP gap later in the stream is not the frame's).
        if (a.frame != kNoRow && a.frame >= batch_.firstFrame &&
            framePackets_[a.frame - batch_.firstFrame] == e.packet)
            flagFrame(a.frame, frame_flag::Anomaly);
    }
    batch_.anomalies.push_back(std::move(a));
}

void IndexingSink::onEnd(const dissector::EndEvent& e) {
    ConnectionRecord& c = connection(e.conn);
    c.end = e.how;
    c.lastNs = std::max(c.lastNs, toNanoseconds(e.ts));
}

}  // namespace sockscope::ui
