#pragma once
// Which instruction set the masking, UTF-8 and base64 fast paths use. The level is
// picked once at run time from the CPU (the build never uses -march=native, so
// one binary runs everywhere). Tests and benchmarks may pin a lower level to
// check or time every path against the reference byte loops.

#include <cstdint>

namespace sockscope {

enum class SimdLevel : std::uint8_t {
    Scalar,  // portable C++ (word-at-a-time); the only level off x86-64
    Sse2,    // x86-64 baseline, always present there
    Avx2,    // chosen when the CPU and OS support it
    // AVX2, and AVX-512 VBMI where it pays: base64 encoding (the JSON Lines
    // payloads). Masking and UTF-8 use their AVX2 paths at this level.
    Avx512Vbmi,
};

// The best level this CPU supports.
SimdLevel detectedSimdLevel() noexcept;
// The level the fast paths use now.
SimdLevel simdLevel() noexcept;
// Pins the level (clamped to detectedSimdLevel()) and returns the level now in
// effect. A test/benchmark hook: call it while no other thread masks or validates.
SimdLevel setSimdLevel(SimdLevel level) noexcept;

}  // namespace sockscope
