#pragma once
// The most recent bytes of a stream, by stream offset: what the TCP
// reassembler keeps to compare retransmissions with the first copy. The ring
// grows (by doubling) up to its capacity, so the many short flows of a
// capture never pay for the whole window.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace sockscope::dissector {

class ByteRing {
public:
    explicit ByteRing(std::size_t capacity) : capacity_(capacity) {}

    // Known bytes are the stream offsets [begin(), end()).
    std::uint64_t begin() const { return begin_; }
    std::uint64_t end() const { return end_; }
    std::size_t allocated() const { return size_; }

    // The bytes at end(), which moves past them; the oldest fall out once
    // more than the capacity is known.
    void append(std::span<const std::uint8_t> bytes) {
        const std::uint64_t newEnd = end_ + bytes.size();
        if (capacity_ == 0) {
            begin_ = end_ = newEnd;
            return;
        }
        const std::uint64_t wanted = std::min<std::uint64_t>(capacity_, newEnd - begin_);
        if (size_ < wanted)
            grow(static_cast<std::size_t>(std::min<std::uint64_t>(
                capacity_, std::max<std::uint64_t>({wanted, 2 * size_, kFirstSize}))));
        const std::size_t keep = std::min(size_, bytes.size());
        write(newEnd - keep, bytes.data() + (bytes.size() - keep), keep);
        end_ = newEnd;
        begin_ = std::max(begin_, newEnd - std::min<std::uint64_t>(newEnd, size_));
    }

    // `count` bytes that are not known (a gap): everything before is forgotten.
    void skip(std::uint64_t count) { begin_ = end_ = end_ + count; }

    // Calls visit(offset, pointer, length) for the known bytes in [from, to),
    // in order, one call per contiguous piece of the ring.
    template <typename Visit>
    void forEach(std::uint64_t from, std::uint64_t to, Visit&& visit) const {
        from = std::max(from, begin_);
        to = std::min(to, end_);
        while (from < to) {
            const std::size_t at = static_cast<std::size_t>(from % size_);
            const std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(to - from, size_ - at));
            visit(from, ring_.get() + at, n);
            from += n;
        }
    }

private:
    static constexpr std::uint64_t kFirstSize = 4096;

    void write(std::uint64_t offset, const std::uint8_t* from, std::size_t n) {
        while (n > 0) {
            const std::size_t at = static_cast<std::size_t>(offset % size_);
            const std::size_t piece = std::min(n, size_ - at);
            std::memcpy(ring_.get() + at, from, piece);
            from += piece;
            offset += piece;
            n -= piece;
        }
    }

    void grow(std::size_t size) {
        ByteRing grown(capacity_);
        grown.ring_ = std::make_unique_for_overwrite<std::uint8_t[]>(size);  // no zero fill
        grown.size_ = size;
        forEach(begin_, end_, [&](std::uint64_t offset, const std::uint8_t* p, std::size_t n) {
            grown.write(offset, p, n);
        });
        ring_ = std::move(grown.ring_);
        size_ = size;
    }

    std::size_t capacity_;
    std::unique_ptr<std::uint8_t[]> ring_;  // stream offset o at ring_[o % size_]
    std::size_t size_ = 0;
    std::uint64_t begin_ = 0;
    std::uint64_t end_ = 0;
};

}  // namespace sockscope::dissector
