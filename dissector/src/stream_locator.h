#pragma once
// Maps offsets in one direction's reassembled TCP stream back to the packet
// (and byte within it) they came from, for frames whose raw bytes a viewer
// shows. Keeps only the recent runs that a pending frame can still refer to.

#include <cstdint>
#include <deque>

#include "sockscope/dissector/events.h"
#include "sockscope/dissector/tcp_reassembler.h"

namespace sockscope::dissector::detail {

class StreamLocator {
public:
    void add(std::uint64_t streamOffset, std::uint64_t length, const StreamOrigin& origin) {
        runs_.push_back({streamOffset, length, origin});
    }
    // Location of a stream byte; {0, 0} when it is not (or no longer) known.
    PacketLocation locate(std::uint64_t streamOffset) const {
        const Run* run = find(streamOffset);
        if (!run)
            return {};
        return {run->origin.packet,
                run->origin.packetOffset + std::uint32_t(streamOffset - run->offset)};
    }
    // The packet (number and time) a stream byte came in; null when not known.
    const StreamOrigin* arrival(std::uint64_t streamOffset) const {
        const Run* run = find(streamOffset);
        return run ? &run->origin : nullptr;
    }
    // Forgets runs that end before `streamOffset`.
    void dropBefore(std::uint64_t streamOffset) {
        while (!runs_.empty() && runs_.front().offset + runs_.front().length <= streamOffset)
            runs_.pop_front();
    }

private:
    struct Run {
        std::uint64_t offset;
        std::uint64_t length;
        StreamOrigin origin;
    };
    const Run* find(std::uint64_t streamOffset) const {
        for (auto it = runs_.rbegin(); it != runs_.rend(); ++it) {
            if (streamOffset >= it->offset && streamOffset < it->offset + it->length)
                return &*it;
        }
        return nullptr;
    }
    std::deque<Run> runs_;
};

}  // namespace sockscope::dissector::detail
