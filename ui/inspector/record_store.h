#pragma once
// Frame and message records packed for captures of many millions of rows
// (issue 4 asks for at most 64 bytes per frame in all): a frame is 20 bytes,
// a message 12. Both live in fixed-size chunks that never move. What a
// packed record leaves out is found elsewhere:
//   - times are 32-bit offsets (±2.1 s) from a base the chunk keeps
//     (a new base starts where a time is out of reach: a pause in the
//     capture costs 16 bytes, not a whole record); message links and first
//     frames are offsets from a row kept per chunk;
//   - a message's connection and opcode are its first frame's, its bytes on
//     the wire are its frame's payload when it has one frame;
//   - rarer values (spill offsets of compressed messages, close codes,
//     multi-frame wire lengths) are kept in sparse columns;
//   - a record with a value that fits none of this (a frame over 16 MiB, a
//     message of over 254 frames) is kept whole in a side table.
// The accessors return the unpacked FrameRecord / MessageRecord by value.
// Qt-free.

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "inspector/capture_records.h"

namespace sockscope::ui {

// Values for some rows, appended in row order.
class SparseColumn {
public:
    void set(RowId row, std::uint64_t value);
    const std::uint64_t* find(RowId row) const;
    std::uint64_t memoryBytes() const { return entries_.capacity() * sizeof(Entry); }
    void compact() { entries_.shrink_to_fit(); }

private:
    using Entry = std::pair<RowId, std::uint64_t>;
    std::vector<Entry> entries_;
};

// The times a chunk's records are offsets from: each base from a row of the
// chunk on. Almost always one.
class TimeBases {
public:
    void start(std::uint32_t row, std::int64_t base) { bases_.push_back({row, base}); }
    std::int64_t last() const { return bases_.back().base; }
    std::int64_t at(std::uint32_t row) const;
    std::uint64_t memoryBytes() const { return bases_.capacity() * sizeof(Base); }

private:
    struct Base {
        std::uint32_t from;
        std::int64_t base;
    };
    std::vector<Base> bases_;
};

class FrameStore {
public:
    // `messagesSoFar`: the messages indexed before this frame (every message
    // it can belong to comes later, so links are kept relative to that).
    void append(const FrameRecord& frame, RowId messagesSoFar);
    RowId size() const { return size_; }
    FrameRecord get(RowId row) const;
    void setMessage(RowId row, RowId message);
    void addFlags(RowId row, std::uint8_t flags);
    std::uint64_t memoryBytes() const;
    std::uint64_t escapedCount() const { return escaped_.size(); }

private:
    struct [[gnu::packed]] Packed {
        std::uint64_t a;  // streamOffset 40 | payloadLength 24
        std::uint64_t b;  // conn 24 | message offset 24 | headerLength 4 | opcode 4 | flags 8
        std::int32_t time;
    };
    static_assert(sizeof(Packed) == 20);
    struct Chunk {
        std::unique_ptr<Packed[]> records;
        TimeBases times;
        RowId messageBase = 0;
    };
    bool pack(const FrameRecord& f, const Chunk& chunk, std::int64_t tsBase, Packed& out) const;
    Packed& packed(RowId row) { return chunks_[row / kChunk].records[row % kChunk]; }
    const Packed& packed(RowId row) const { return chunks_[row / kChunk].records[row % kChunk]; }
    void escape(RowId row, const FrameRecord& whole);

    static constexpr RowId kChunk = 8192;  // 160 KiB: whole pages, mapped and unmapped alone
    std::vector<Chunk> chunks_;
    RowId size_ = 0;
    std::unordered_map<RowId, FrameRecord> escaped_;
};

class MessageStore {
public:
    // The message's first frame must be in `frames` already.
    void append(const MessageRecord& message, const FrameStore& frames);
    RowId size() const { return size_; }
    MessageRecord get(RowId row, const FrameStore& frames) const;
    std::uint64_t memoryBytes() const;
    void compact();
    std::uint64_t escapedCount() const { return escaped_.size(); }

private:
    struct [[gnu::packed]] Packed {
        std::uint64_t a;  // time offset 32 (signed) | length 24 | flags 8
        std::uint32_t b;  // first frame offset 24 (signed) | frames 8
    };
    static_assert(sizeof(Packed) == 12);
    struct Chunk {
        std::unique_ptr<Packed[]> records;
        TimeBases times;
        RowId frameBase = 0;
    };
    bool pack(const MessageRecord& m, const Chunk& chunk, std::int64_t tsBase,
              const FrameStore& frames, Packed& out) const;

    static constexpr RowId kChunk = 16384;  // 192 KiB
    std::vector<Chunk> chunks_;
    RowId size_ = 0;
    std::unordered_map<RowId, MessageRecord> escaped_;
    SparseColumn wireLengths_;  // where not the first frame's payload length
    SparseColumn spillOffsets_;
    SparseColumn closeCodes_;
};

}  // namespace sockscope::ui
