#pragma once
// Internal: the per-call dispatch read by mask.cpp and utf8.cpp. One relaxed
// atomic load per call keeps the 1 KiB-frame path cheap; the level starts
// "unresolved" (constant-initialised, so even calls from other static
// initialisers are safe) and is detected on first use.

#include <atomic>
#include <cstdint>

#include "sockscope/core/simd_level.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define SOCKSCOPE_X86_64_SIMD 1
#else
#define SOCKSCOPE_X86_64_SIMD 0
#endif

namespace sockscope::detail {

inline constexpr std::uint8_t kSimdUnresolved = 0xFF;
extern std::atomic<std::uint8_t> simdLevelInUse;

SimdLevel resolveSimdLevel() noexcept;

inline SimdLevel currentSimdLevel() noexcept {
    const std::uint8_t level = simdLevelInUse.load(std::memory_order_relaxed);
    if (level == kSimdUnresolved) [[unlikely]] {
        return resolveSimdLevel();
    }
    return static_cast<SimdLevel>(level);
}

}  // namespace sockscope::detail
