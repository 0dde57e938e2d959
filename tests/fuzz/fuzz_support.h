#pragma once
// Shared by the fuzz targets: split points drawn from the input (so a finding
// reproduces exactly from its file) and a check that names the broken
// property before libFuzzer saves the input.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace fuzz {

[[noreturn]] inline void checkFailed(const char* what, const char* file, int line) {
    std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
    std::abort();
}

// Prints two event logs (one line per event) from a little before their
// first difference: what a failed "same events" check shows.
inline void printDifference(const char* nameA, const std::vector<std::string>& a, const char* nameB,
                            const std::vector<std::string>& b) {
    std::size_t first = 0;
    while (first < a.size() && first < b.size() && a[first] == b[first])
        ++first;
    for (const auto* log : {&a, &b}) {
        std::fprintf(stderr, "%s:\n", log == &a ? nameA : nameB);
        const std::size_t from = first > 3 ? first - 3 : 0;
        for (std::size_t i = from; i < log->size() && i < first + 4; ++i)
            std::fprintf(stderr, "  %s%s\n", i == first ? "> " : "  ", (*log)[i].c_str());
    }
}

// Piece sizes for feeding one input in different splits. Seeded by one input
// byte: its low two bits pick the largest piece (1, 7, 100 or 5000 bytes),
// so byte-at-a-time delivery is one of the cases the fuzzer can choose.
class ChunkSizes {
public:
    explicit ChunkSizes(std::uint8_t seed)
        : state_(0x9e3779b97f4a7c15ull ^ (std::uint64_t{seed} * 0x100000001b3ull)),
          largest_(kLargest[seed & 3]) {}

    std::size_t next() {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 7;
        state_ ^= state_ << 17;
        return 1 + static_cast<std::size_t>(state_ % largest_);
    }

private:
    static constexpr std::size_t kLargest[] = {1, 7, 100, 5000};
    std::uint64_t state_;
    std::size_t largest_;
};

// Reads the input front to back; running out yields zeros and empty spans.
class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}

    std::uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : 0; }
    std::uint16_t u16() {
        const std::uint16_t high = byte();
        return static_cast<std::uint16_t>((high << 8) | byte());
    }
    // Up to n bytes (fewer at the end of the input).
    std::span<const std::uint8_t> bytes(std::size_t n) {
        const std::size_t take = n < data_.size() - pos_ ? n : data_.size() - pos_;
        const auto out = data_.subspan(pos_, take);
        pos_ += take;
        return out;
    }
    std::span<const std::uint8_t> rest() { return bytes(data_.size() - pos_); }
    bool empty() const { return pos_ >= data_.size(); }

private:
    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
};

}  // namespace fuzz

#define FUZZ_CHECK(condition) \
    ((condition) ? static_cast<void>(0) : ::fuzz::checkFailed(#condition, __FILE__, __LINE__))
