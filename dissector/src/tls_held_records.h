#pragma once
// Protected records kept, in arrival order over both directions, while their
// key is missing, so they can be decrypted when it turns up (the ServerHello
// arrives, or a key log gains the key). Bounded in bytes.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sockscope/dissector/events.h"

namespace sockscope::dissector::tls {

class HeldRecords {
public:
    explicit HeldRecords(std::size_t maxBytes) : maxBytes_(maxBytes) {}

    // false (nothing kept) when it would exceed the bound.
    bool hold(Direction dir, std::span<const std::uint8_t> record, std::uint64_t start);
    std::size_t bytes() const { return bytes_.size(); }
    std::size_t count(Direction dir) const { return counts_[index(dir)]; }
    bool empty() const { return entries_.empty(); }
    void drop(Direction dir);
    void clear();

    // Hands every held record to f(dir, record, start) in order, after
    // emptying the store (so f may hold records again).
    template <typename F>
    void drain(F&& f) {
        std::vector<std::uint8_t> bytes;
        std::vector<Entry> entries;
        bytes.swap(bytes_);
        entries.swap(entries_);
        counts_[0] = counts_[1] = 0;
        for (const Entry& e : entries)
            f(e.dir, std::span<const std::uint8_t>(bytes).subspan(e.at, e.length), e.start);
    }

private:
    struct Entry {
        Direction dir;
        std::size_t at;
        std::size_t length;
        std::uint64_t start;
    };
    static std::size_t index(Direction dir) { return dir == Direction::Client ? 0 : 1; }

    std::size_t maxBytes_;
    std::vector<std::uint8_t> bytes_;
    std::vector<Entry> entries_;
    std::size_t counts_[2] = {0, 0};
};

}  // namespace sockscope::dissector::tls
