#pragma once
// Message payload buffers above a direction's kept size, passed from one
// large message to the next across all directions. A dissector completes
// messages one after another, so a few buffers serve every connection: no
// allocation and release per large message, and the next message is written
// into memory the last one just used (still in the cache) instead of fresh.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sockscope::dissector::detail {

class PayloadBuffers {
public:
    // An empty buffer with room for at least `bytes`: the smallest held one
    // that fits, or a new one of exactly that size.
    std::vector<std::uint8_t> take(std::size_t bytes) {
        auto best = held_.end();
        for (auto it = held_.begin(); it != held_.end(); ++it)
            if (it->capacity() >= bytes &&
                (best == held_.end() || it->capacity() < best->capacity()))
                best = it;
        std::vector<std::uint8_t> buffer;
        if (best != held_.end()) {
            buffer = std::move(*best);
            held_.erase(best);
        } else {
            buffer.reserve(bytes);
        }
        return buffer;
    }

    // Keeps `buffer` for a later take() unless it is huge or smaller than
    // every one held (at most kHeld are).
    void give(std::vector<std::uint8_t> buffer) {
        if (buffer.capacity() > kMaxHeldBytes)
            return;
        buffer.clear();
        if (held_.size() < kHeld) {
            held_.push_back(std::move(buffer));
            return;
        }
        auto smallest = std::min_element(
            held_.begin(), held_.end(),
            [](const auto& a, const auto& b) { return a.capacity() < b.capacity(); });
        if (smallest->capacity() < buffer.capacity())
            *smallest = std::move(buffer);
    }

private:
    static constexpr std::size_t kHeld = 4;
    static constexpr std::size_t kMaxHeldBytes = std::size_t{1} << 20;
    std::vector<std::vector<std::uint8_t>> held_;
};

}  // namespace sockscope::dissector::detail
