// Run-time CPU dispatch for the SIMD fast paths (see simd_level.h).

#include "sockscope/core/simd_level.h"

#include "simd_dispatch.h"

namespace sockscope {

namespace detail {

std::atomic<std::uint8_t> simdLevelInUse{kSimdUnresolved};

SimdLevel resolveSimdLevel() noexcept {
    const SimdLevel level = detectedSimdLevel();
    simdLevelInUse.store(static_cast<std::uint8_t>(level), std::memory_order_relaxed);
    return level;
}

}  // namespace detail

SimdLevel detectedSimdLevel() noexcept {
#if SOCKSCOPE_X86_64_SIMD
    // __builtin_cpu_supports also checks that the OS saves the YMM state (XGETBV).
    // cpu_init is needed when this runs from a static initialiser before libgcc's own.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        // libgcc reports AVX-512 features only when the OS saves the ZMM state.
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vbmi")) {
            return SimdLevel::Avx512Vbmi;
        }
        return SimdLevel::Avx2;
    }
    return SimdLevel::Sse2;
#else
    return SimdLevel::Scalar;
#endif
}

SimdLevel simdLevel() noexcept {
    return detail::currentSimdLevel();
}

SimdLevel setSimdLevel(SimdLevel level) noexcept {
    const SimdLevel best = detectedSimdLevel();
    if (static_cast<std::uint8_t>(level) > static_cast<std::uint8_t>(best)) {
        level = best;
    }
    detail::simdLevelInUse.store(static_cast<std::uint8_t>(level), std::memory_order_relaxed);
    return level;
}

}  // namespace sockscope
