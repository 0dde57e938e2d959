#pragma once
// Where one direction's reassembled stream lies in the capture file: the
// runs of stream bytes and the packet (and byte within it) each came from.
// A busy capture has a run per data packet, so the runs are kept
// delta-encoded: a run of a full-sized packet that follows its neighbour is
// one or two bytes instead of a 16-byte record (see stream_map.cpp for the
// format). Every kCheckpointEvery-th run has a decoder checkpoint, so a
// lookup decodes at most that many runs. Qt-free.

#include <cstdint>
#include <vector>

namespace sockscope::ui {

struct StreamRun {
    std::uint64_t streamOffset = 0;
    std::uint64_t length = 0;
    std::uint64_t packet = 0;        // numbered from 1
    std::uint64_t packetOffset = 0;  // of the run's first byte in the packet's captured bytes

    std::uint64_t end() const { return streamOffset + length; }
    friend bool operator==(const StreamRun&, const StreamRun&) = default;
};

class StreamMap {
public:
    static constexpr std::uint64_t kCheckpointEvery = 128;

    // Runs arrive in stream order (the reassembler releases them so). Bytes
    // at or before the end of an earlier run are dropped from `run`: the
    // first copy of a stream byte is the one the dissector decoded.
    void append(StreamRun run);

    std::uint64_t runCount() const { return runs_; }
    // Heap bytes held (for the benchmark's accounting).
    std::uint64_t memoryBytes() const;
    // Releases spare capacity once nothing more will be appended.
    void compact();

    // Walks runs in stream order from the one that holds `offset` (or the
    // first one after it).
    class Cursor {
    public:
        // The next run; false at the end.
        bool next(StreamRun& run);

    private:
        friend class StreamMap;
        struct State {
            std::uint64_t end = 0;  // stream offset after the previous run
            std::uint64_t packet = 0;
            std::uint64_t length = 0;
            std::uint64_t packetOffset = 0;
        };
        const StreamMap* map_ = nullptr;
        std::uint64_t position_ = 0;  // in the encoded bytes
        std::uint64_t left_ = 0;      // runs not yet decoded
        State state_;
    };
    Cursor from(std::uint64_t offset) const;

private:
    struct Checkpoint {
        Cursor::State state;  // before the run
        std::uint64_t position = 0;
    };
    void putVarint(std::uint64_t value);

    std::vector<std::uint8_t> bytes_;
    std::vector<Checkpoint> checkpoints_;
    Cursor::State last_;  // after the last run appended
    std::uint64_t runs_ = 0;
};

}  // namespace sockscope::ui
