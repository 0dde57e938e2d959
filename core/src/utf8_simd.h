#pragma once
// Internal: the vectorised UTF-8 kernel behind Utf8Validator (utf8.cpp).

#include <cstddef>
#include <cstdint>

#include "simd_dispatch.h"

namespace sockscope::detail {

#if SOCKSCOPE_X86_64_SIMD
// `p` must start at a character boundary. Returns r <= n such that p[0, r) is
// valid UTF-8 ending on a character boundary, as far as the vector checks
// could prove; the caller's scalar state machine takes over at r with an empty
// state. On an invalid block r lies at most a few bytes before the error, so
// the scalar checker finds the exact first invalid byte at once.
std::size_t utf8ValidPrefixAvx2(const std::uint8_t* p, std::size_t n) noexcept;
#endif

// Moves `q` back to a character boundary. Precondition: p[0, q) starts on a
// boundary and has no invalid byte except perhaps a lone bad lead byte at q-1.
inline std::size_t backToBoundary(const std::uint8_t* p, std::size_t q) noexcept {
    std::size_t r = q;
    const std::size_t stop = q > 3 ? q - 3 : 0;  // a character has at most 3 continuations
    while (r > stop && (p[r - 1] & 0xC0) == 0x80) {
        --r;
    }
    if (r > 0 && p[r - 1] >= 0xC0) {  // the lead byte of the (possibly open) last character
        --r;
    }
    return r;
}

}  // namespace sockscope::detail
