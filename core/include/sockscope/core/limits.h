#pragma once
#include <cstdint>

namespace sockscope {

// Local policy bounds; exceeding one is a violation with close code 1009.
// The defaults admit 16 MiB messages in up to 131 072 fragments (the
// conformance suite's group 9) while keeping memory proportional to the
// payload actually received, not to the number of fragments.
struct Limits {
    std::uint64_t maxFrameSize = 64ull << 20;
    std::uint64_t maxMessageSize = 64ull << 20;  // after decompression
    std::uint32_t maxFragments = 1u << 17;
    double maxDecompressionRatio = 0;  // 0 = only maxMessageSize bounds inflation
};

}  // namespace sockscope
