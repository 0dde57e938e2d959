#include "inspector/payload_reader.h"

#include <sockscope/core/mask.h>

#include <algorithm>

namespace sockscope::ui {

std::optional<dissector::PacketRecordSpan> PayloadReader::packetBytes(std::uint64_t number) const {
    // The segments of one frame are usually in one packet or in neighbours:
    // the walk starts at the last packet found when it is on the way.
    CaptureIndex::PacketWalk walk = index_.packetWalk(number);
    if (last_ && lastNumber_ <= number && lastNumber_ > number - 1 - walk.skip) {
        if (lastNumber_ == number)
            return last_;
        walk = {last_->recordEnd, number - lastNumber_ - 1};
    }
    std::optional<dissector::PacketRecordSpan> record;
    std::uint64_t from = walk.from;
    for (std::uint64_t i = 0; i <= walk.skip; ++i) {
        record = dissector::nextPacketRecord(file_, format_, from);
        if (!record)
            return std::nullopt;
        from = record->recordEnd;
    }
    last_ = record;
    lastNumber_ = number;
    return record;
}

bool PayloadReader::runBytes(bool decrypted, const StreamRun& s, std::uint64_t skip,
                             std::uint64_t count, std::vector<std::uint8_t>& out) const {
    const std::uint64_t n = std::min(s.length - skip, count);
    std::span<const std::uint8_t> from = spill_;
    std::uint64_t begin = s.packetOffset + skip;  // in the spill file
    if (!decrypted) {
        if (s.packet == 0 || s.packet > index_.packetCount())
            return false;
        const auto p = packetBytes(s.packet);
        if (!p)
            return false;  // not a file (standard input) or not this capture
        if (s.packetOffset > p->capturedLength || skip + n > p->capturedLength - s.packetOffset)
            return false;
        from = file_;
        begin += p->dataOffset;
    }
    if (begin > from.size() || n > from.size() - begin)
        return false;
    out.insert(out.end(), from.begin() + std::ptrdiff_t(begin),
               from.begin() + std::ptrdiff_t(begin + n));
    return true;
}

std::vector<std::uint8_t> PayloadReader::streamBytes(std::uint32_t conn, dissector::Direction dir,
                                                     std::uint64_t from,
                                                     std::uint64_t count) const {
    std::vector<std::uint8_t> out;
    const StreamMap* stream = index_.stream(conn, dir);
    if (!stream)
        return out;
    const bool decrypted = index_.decrypted(conn);
    StreamMap::Cursor cursor = stream->from(from);
    std::uint64_t at = from;
    StreamRun s;
    while (out.size() < count && cursor.next(s)) {
        if (s.streamOffset > at)
            break;  // a gap in the stream
        const std::size_t before = out.size();
        if (!runBytes(decrypted, s, at - s.streamOffset, count - out.size(), out))
            break;
        at += out.size() - before;
    }
    return out;
}

FrameBytes PayloadReader::frame(RowId row, std::size_t limit) const {
    FrameBytes out;
    if (row >= index_.frameCount())
        return out;
    const FrameRecord f = index_.frame(row);
    const std::uint64_t shown = std::min<std::uint64_t>(f.payloadLength, limit);
    out.raw = streamBytes(f.conn, f.direction(), f.streamOffset, f.headerLength + shown);
    if ((f.flags & frame_flag::Masked) && f.headerLength >= 6 && out.raw.size() >= f.headerLength) {
        out.maskKey.emplace();
        std::copy_n(out.raw.begin() + f.headerLength - 4, 4, out.maskKey->begin());
    }
    if (out.raw.size() > f.headerLength) {
        out.payload.assign(out.raw.begin() + f.headerLength, out.raw.end());
        if (out.maskKey)
            applyMask(out.payload, *out.maskKey);
    }
    out.complete = out.raw.size() == f.headerLength + f.payloadLength;
    return out;
}

MessageBytes PayloadReader::message(RowId row, std::size_t limit) const {
    MessageBytes out;
    if (row >= index_.messageCount())
        return out;
    const MessageRecord m = index_.message(row);
    if (m.flags & message_flag::Compressed) {
        if (m.spillOffset == kNoRow || m.spillOffset + m.length > spill_.size())
            return out;  // the decompressed bytes were not kept
        const std::uint64_t n = std::min<std::uint64_t>(m.length, limit);
        out.payload.assign(spill_.begin() + std::ptrdiff_t(m.spillOffset),
                           spill_.begin() + std::ptrdiff_t(m.spillOffset + n));
        out.complete = n == m.length;
        return out;
    }
    bool whole = true;
    for (RowId frame : index_.framesOf(row)) {
        if (out.payload.size() >= limit)
            break;
        const FrameBytes f = this->frame(frame, limit - out.payload.size());
        out.payload.insert(out.payload.end(), f.payload.begin(), f.payload.end());
        whole = whole && f.complete;
    }
    out.complete = whole && out.payload.size() == m.length;
    return out;
}

}  // namespace sockscope::ui
