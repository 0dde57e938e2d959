#include "inspector/record_store.h"

#include <algorithm>

namespace sockscope::ui {

namespace {

constexpr std::uint8_t kEscaped = 1 << 7;  // the whole record is in the side table
constexpr std::uint64_t kMask24 = (1u << 24) - 1;
constexpr std::uint64_t kMask40 = (std::uint64_t(1) << 40) - 1;
constexpr std::uint64_t kNoMessage24 = kMask24;              // message offset: no message
constexpr std::int64_t kFrameReach = std::int64_t(1) << 23;  // first frame offset: ±8 M rows

// A time as an offset from a base, when it is in reach.
bool timeOffset(std::int64_t ts, std::int64_t base, std::int32_t& out) {
    if ((ts < base && base - ts > -std::int64_t(INT32_MIN)) ||
        (ts >= base && ts - base > INT32_MAX))
        return false;
    out = std::int32_t(ts - base);
    return true;
}

}  // namespace

void SparseColumn::set(RowId row, std::uint64_t value) {
    if (entries_.empty() || entries_.back().first < row) {
        entries_.emplace_back(row, value);
        return;
    }
    auto it = std::lower_bound(entries_.begin(), entries_.end(), Entry{row, 0},
                               [](const Entry& a, const Entry& b) { return a.first < b.first; });
    if (it != entries_.end() && it->first == row)
        it->second = value;
    else
        entries_.insert(it, {row, value});
}

const std::uint64_t* SparseColumn::find(RowId row) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), Entry{row, 0},
                               [](const Entry& a, const Entry& b) { return a.first < b.first; });
    return it != entries_.end() && it->first == row ? &it->second : nullptr;
}

std::int64_t TimeBases::at(std::uint32_t row) const {
    if (bases_.size() == 1)
        return bases_.front().base;
    auto it = std::upper_bound(bases_.begin(), bases_.end(), row,
                               [](std::uint32_t r, const Base& b) { return r < b.from; });
    return it == bases_.begin() ? bases_.front().base : std::prev(it)->base;
}

// ---- frames

bool FrameStore::pack(const FrameRecord& f, const Chunk& chunk, std::int64_t tsBase,
                      Packed& out) const {
    std::int32_t time = 0;
    if (f.streamOffset > kMask40 || f.payloadLength > kMask24 || f.conn > kMask24 ||
        f.headerLength > 15 || f.opcode > 15 || (f.flags & kEscaped) ||
        !timeOffset(f.tsNs, tsBase, time))
        return false;
    std::uint64_t message = kNoMessage24;
    if (f.message != kNoRow) {
        if (f.message < chunk.messageBase || f.message - chunk.messageBase >= kNoMessage24)
            return false;
        message = f.message - chunk.messageBase;
    }
    out.a = f.streamOffset | f.payloadLength << 40;
    out.b = std::uint64_t(f.conn) | message << 24 | std::uint64_t(f.headerLength) << 48 |
            std::uint64_t(f.opcode) << 52 | std::uint64_t(f.flags) << 56;
    out.time = time;
    return true;
}

void FrameStore::escape(RowId row, const FrameRecord& whole) {
    escaped_[row] = whole;
    packed(row).b |= std::uint64_t(kEscaped) << 56;
}

void FrameStore::append(const FrameRecord& frame, RowId messagesSoFar) {
    if (size_ % kChunk == 0) {
        Chunk chunk;
        // make_unique_for_overwrite: the pages are touched only as rows arrive.
        chunk.records = std::make_unique_for_overwrite<Packed[]>(kChunk);
        chunk.times.start(0, frame.tsNs);
        chunk.messageBase = messagesSoFar;
        chunks_.push_back(std::move(chunk));
    }
    const RowId row = size_++;
    Packed& p = packed(row);
    Chunk& chunk = chunks_.back();
    std::int32_t unused = 0;
    if (!timeOffset(frame.tsNs, chunk.times.last(), unused))
        chunk.times.start(std::uint32_t(row % kChunk), frame.tsNs);
    if (!pack(frame, chunk, chunk.times.last(), p)) {
        p = {0, 0, 0};
        escape(row, frame);
    }
}

FrameRecord FrameStore::get(RowId row) const {
    const Packed& p = packed(row);
    const auto flags = std::uint8_t(p.b >> 56);
    if (flags & kEscaped)
        return escaped_.at(row);
    const Chunk& chunk = chunks_[row / kChunk];
    FrameRecord f;
    f.streamOffset = p.a & kMask40;
    f.payloadLength = p.a >> 40;
    f.conn = std::uint32_t(p.b & kMask24);
    const std::uint64_t message = (p.b >> 24) & kMask24;
    f.message = message == kNoMessage24 ? kNoRow : chunk.messageBase + message;
    f.headerLength = std::uint8_t((p.b >> 48) & 0xf);
    f.opcode = std::uint8_t((p.b >> 52) & 0xf);
    f.flags = flags;
    f.tsNs = chunk.times.at(std::uint32_t(row % kChunk)) + p.time;
    return f;
}

void FrameStore::setMessage(RowId row, RowId message) {
    FrameRecord f = get(row);
    f.message = message;
    if (packed(row).b >> 56 & kEscaped) {
        escaped_[row] = f;
        return;
    }
    const Chunk& chunk = chunks_[row / kChunk];
    if (!pack(f, chunk, chunk.times.at(std::uint32_t(row % kChunk)), packed(row)))
        escape(row, f);
}

void FrameStore::addFlags(RowId row, std::uint8_t flags) {
    flags &= std::uint8_t(~kEscaped);
    Packed& p = packed(row);
    if (p.b >> 56 & kEscaped)
        escaped_[row].flags |= flags;
    else
        p.b |= std::uint64_t(flags) << 56;
}

std::uint64_t FrameStore::memoryBytes() const {
    // An unordered_map node holds the pair and a next pointer; the bucket array a pointer each.
    std::uint64_t bytes =
        chunks_.capacity() * sizeof(Chunk) +
        escaped_.size() * (sizeof(std::pair<RowId, FrameRecord>) + sizeof(void*)) +
        escaped_.bucket_count() * sizeof(void*);
    for (const Chunk& chunk : chunks_)
        bytes += kChunk * sizeof(Packed) + chunk.times.memoryBytes();
    return bytes;
}

// ---- messages

bool MessageStore::pack(const MessageRecord& m, const Chunk& chunk, std::int64_t tsBase,
                        const FrameStore& frames, Packed& out) const {
    std::int32_t time = 0;
    if (m.frames >= 0xff || m.length > kMask24 || (m.flags & kEscaped) ||
        !timeOffset(m.tsNs, tsBase, time))
        return false;
    // Connection and opcode come from the first frame, which must say the same.
    if (m.firstFrame == kNoRow || m.firstFrame >= frames.size())
        return false;
    const FrameRecord first = frames.get(m.firstFrame);
    if (first.conn != m.conn || first.opcode != m.opcode || first.fromServer() != m.fromServer())
        return false;
    const std::int64_t frameOffset = std::int64_t(m.firstFrame) - std::int64_t(chunk.frameBase);
    if (frameOffset < -kFrameReach || frameOffset >= kFrameReach)
        return false;
    out.a = std::uint64_t(std::uint32_t(time)) | m.length << 32 | std::uint64_t(m.flags) << 56;
    out.b = (std::uint32_t(frameOffset) & kMask24) | m.frames << 24;
    return true;
}

void MessageStore::append(const MessageRecord& message, const FrameStore& frames) {
    if (size_ % kChunk == 0) {
        Chunk chunk;
        chunk.records = std::make_unique_for_overwrite<Packed[]>(kChunk);
        chunk.times.start(0, message.tsNs);
        chunk.frameBase = frames.size();
        chunks_.push_back(std::move(chunk));
    }
    const RowId row = size_++;
    Chunk& chunk = chunks_.back();
    Packed& p = chunk.records[row % kChunk];
    std::int32_t unused = 0;
    if (!timeOffset(message.tsNs, chunk.times.last(), unused))
        chunk.times.start(std::uint32_t(row % kChunk), message.tsNs);
    if (!pack(message, chunk, chunk.times.last(), frames, p)) {
        p = {std::uint64_t(kEscaped) << 56, 0};
        escaped_[row] = message;
        return;
    }
    const std::uint64_t firstPayload = frames.get(message.firstFrame).payloadLength;
    if (message.wireLength != firstPayload)
        wireLengths_.set(row, message.wireLength);
    if (message.spillOffset != kNoRow)
        spillOffsets_.set(row, message.spillOffset);
    if (message.closeCode != 0)
        closeCodes_.set(row, message.closeCode);
}

MessageRecord MessageStore::get(RowId row, const FrameStore& frames) const {
    const Chunk& chunk = chunks_[row / kChunk];
    const Packed& p = chunk.records[row % kChunk];
    const auto flags = std::uint8_t(p.a >> 56);
    if (flags & kEscaped)
        return escaped_.at(row);
    MessageRecord m;
    m.tsNs = chunk.times.at(std::uint32_t(row % kChunk)) + std::int32_t(std::uint32_t(p.a));
    m.length = (p.a >> 32) & kMask24;
    m.flags = flags;
    // Sign-extends the 24-bit offset.
    const std::int64_t frameOffset = std::int32_t(p.b << 8) >> 8;
    m.firstFrame = RowId(std::int64_t(chunk.frameBase) + frameOffset);
    m.frames = p.b >> 24;
    const FrameRecord first = frames.get(m.firstFrame);
    m.conn = first.conn;
    m.opcode = first.opcode;
    const std::uint64_t* wire = wireLengths_.find(row);
    m.wireLength = wire ? *wire : first.payloadLength;
    const std::uint64_t* spill = spillOffsets_.find(row);
    m.spillOffset = spill ? *spill : kNoRow;
    const std::uint64_t* close = closeCodes_.find(row);
    m.closeCode = close ? std::uint16_t(*close) : 0;
    return m;
}

std::uint64_t MessageStore::memoryBytes() const {
    std::uint64_t bytes =
        chunks_.capacity() * sizeof(Chunk) +
        escaped_.size() * (sizeof(std::pair<RowId, MessageRecord>) + sizeof(void*)) +
        escaped_.bucket_count() * sizeof(void*) + wireLengths_.memoryBytes() +
        spillOffsets_.memoryBytes() + closeCodes_.memoryBytes();
    for (const Chunk& chunk : chunks_)
        bytes += kChunk * sizeof(Packed) + chunk.times.memoryBytes();
    return bytes;
}

void MessageStore::compact() {
    wireLengths_.compact();
    spillOffsets_.compact();
    closeCodes_.compact();
}

}  // namespace sockscope::ui
