#pragma once
#include <cstddef>
#include <cstdint>

namespace sockscope {

inline constexpr std::size_t kDefaultMaxHandshakeBytes = 16 * 1024;
// Apache's LimitRequestFields default; browsers send about 15.
inline constexpr std::size_t kDefaultMaxHeaderFields = 100;

// Local policy bounds; exceeding a frame or message bound is a violation with
// close code 1009, a handshake bound a refusal (431 from a server). The
// defaults admit 16 MiB messages in up to 131 072 fragments (the conformance
// suite's group 9) while keeping memory proportional to the payload actually
// received, not to the number of fragments.
struct Limits {
    std::uint64_t maxFrameSize = 64ull << 20;
    std::uint64_t maxMessageSize = 64ull << 20;  // after decompression
    std::uint32_t maxFragments = 1u << 17;
    double maxDecompressionRatio = 0;  // 0 = only maxMessageSize bounds inflation
    // The opening handshake's HTTP head: bytes up to its empty line, and fields.
    std::size_t maxHandshakeBytes = kDefaultMaxHandshakeBytes;
    std::size_t maxHeaderFields = kDefaultMaxHeaderFields;
};

}  // namespace sockscope
