// Incremental UTF-8 validation (RFC 3629 §4 byte ranges, RFC 6455 §8.1).
//
// The scalar state machine below is the reference and the portable path: it
// knows how many continuation bytes are still due and the allowed range of
// the next one (narrowed after E0, ED, F0, F4), so it stops at the first byte
// that cannot occur in valid UTF-8. ASCII runs are skipped a word or a vector
// at a time. With AVX2 the vector kernel (utf8_avx2.cpp) validates whole
// blocks and hands the scalar machine a character boundary just before any
// bad block, so the reported error index is always the scalar one.

#include "sockscope/core/utf8.h"

#include <bit>
#include <cstring>

#include "simd_dispatch.h"
#include "utf8_simd.h"

#if SOCKSCOPE_X86_64_SIMD
#include <emmintrin.h>
#endif

namespace sockscope {

namespace {

struct State {
    std::uint32_t needed;
    std::uint8_t lower;
    std::uint8_t upper;
};

// Advances the state by one byte; false if the byte is invalid here.
inline bool step(State& s, std::uint8_t c) noexcept {
    if (s.needed != 0) {
        if (c < s.lower || c > s.upper) {
            return false;
        }
        --s.needed;
        s.lower = 0x80;
        s.upper = 0xBF;
        return true;
    }
    if (c < 0x80) {
        return true;
    }
    if (c < 0xC2) {  // 80..BF: continuation without a lead; C0, C1: overlong 2-byte forms
        return false;
    }
    if (c < 0xE0) {
        s.needed = 1;
        return true;
    }
    if (c < 0xF0) {
        s.needed = 2;
        if (c == 0xE0) {
            s.lower = 0xA0;  // E0 80..9F would be an overlong form
        } else if (c == 0xED) {
            s.upper = 0x9F;  // ED A0..BF would encode a UTF-16 surrogate
        }
        return true;
    }
    if (c < 0xF5) {
        s.needed = 3;
        if (c == 0xF0) {
            s.lower = 0x90;  // F0 80..8F would be an overlong form
        } else if (c == 0xF4) {
            s.upper = 0x8F;  // F4 90.. would be above U+10FFFF
        }
        return true;
    }
    return false;  // F5..FF: above U+10FFFF or not UTF-8 at all
}

// Index of the first set bit 7 in a word loaded from memory (bytes in memory order).
inline std::size_t firstHighByte(std::uint64_t highBits) noexcept {
    return static_cast<std::size_t>(std::endian::native == std::endian::little
                                        ? std::countr_zero(highBits)
                                        : std::countl_zero(highBits)) /
           8;
}

// Length of the ASCII run at p: exact when a non-ASCII byte is found, else
// a multiple of the step size (the byte loop finishes the last few bytes).
struct WordAscii {
    static std::size_t run(const std::uint8_t* p, std::size_t n) noexcept {
        std::size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            std::uint64_t w;
            std::memcpy(&w, p + i, 8);
            if (const std::uint64_t high = w & 0x8080808080808080ULL; high != 0) {
                return i + firstHighByte(high);
            }
        }
        return i;
    }
};

#if SOCKSCOPE_X86_64_SIMD
struct Sse2Ascii {  // SSE2 is part of x86-64, so no target attribute is needed
    static __m128i load(const std::uint8_t* p) noexcept {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    }
    // Index of the first non-ASCII byte among p[0, 16), or 16.
    static std::size_t firstHigh(const std::uint8_t* p) noexcept {
        return static_cast<std::size_t>(
            std::countr_zero(static_cast<unsigned>(_mm_movemask_epi8(load(p))) | 0x10000u));
    }
    static std::size_t run(const std::uint8_t* p, std::size_t n) noexcept {
        if (n < 16) {
            return WordAscii::run(p, n);
        }
        // Short runs (text mixing scripts) end in the first vector.
        if (const std::size_t k = firstHigh(p); k < 16) {
            return k;
        }
        std::size_t i = 16;
        for (; i + 64 <= n; i += 64) {  // long runs: 64 bytes per step
            const __m128i any = _mm_or_si128(_mm_or_si128(load(p + i), load(p + i + 16)),
                                             _mm_or_si128(load(p + i + 32), load(p + i + 48)));
            if (_mm_movemask_epi8(any) != 0) {
                break;
            }
        }
        for (; i + 16 <= n; i += 16) {
            if (const std::size_t k = firstHigh(p + i); k < 16) {
                return i + k;
            }
        }
        return i + WordAscii::run(p + i, n - i);
    }
};
#endif

// Validates p[i, n) from state s. Returns the index of the first invalid byte,
// or n.
// The state is passed by reference but everything is inlined into feed(), so
// it stays in registers: a byte-wise store followed by a wider reload through
// memory would stall store forwarding (measurable on 1 KiB messages).
template <class Ascii>
[[gnu::always_inline]] inline std::size_t scan(const std::uint8_t* p, std::size_t i, std::size_t n,
                                               State& s) noexcept {
    State st = s;  // a local copy stays in registers (the input bytes could alias members)
    while (i < n) {
        const std::uint8_t c = p[i];
        if (st.needed == 0 && c < 0x80) {
            ++i;
            i += Ascii::run(p + i, n - i);
            continue;
        }
        if (!step(st, c)) {
            break;
        }
        ++i;
    }
    s = st;
    return i;
}

#if SOCKSCOPE_X86_64_SIMD
[[gnu::always_inline]] inline std::size_t scanWithAvx2(const std::uint8_t* p, std::size_t n,
                                                       State& s) noexcept {
    // Close a character left open by the previous call, so the kernel starts
    // on a boundary.
    std::size_t i = 0;
    while (i < n && s.needed != 0 && step(s, p[i])) {
        ++i;
    }
    if (s.needed != 0) {
        return i;  // p[i] broke the open character, or the input ended inside it
    }
    i += detail::utf8ValidPrefixAvx2(p + i, n - i);
    return scan<Sse2Ascii>(p, i, n, s);
}
#endif

// Validates p[0, n) from state s with the best path in use. Returns the index
// of the first invalid byte, or n.
[[gnu::always_inline]] inline std::size_t validate(const std::uint8_t* p, std::size_t n,
                                                   State& s) noexcept {
#if SOCKSCOPE_X86_64_SIMD
    switch (detail::currentSimdLevel()) {
        case SimdLevel::Avx512Vbmi:
        case SimdLevel::Avx2:
            return scanWithAvx2(p, n, s);
        case SimdLevel::Sse2:
            return scan<Sse2Ascii>(p, 0, n, s);
        case SimdLevel::Scalar:
            break;
    }
#endif
    return scan<WordAscii>(p, 0, n, s);
}

}  // namespace

bool Utf8Validator::feed(std::span<const std::uint8_t> bytes) noexcept {
    if (failed_) {
        return false;
    }
    State s{needed_, lower_, upper_};
    const std::size_t end = validate(bytes.data(), bytes.size(), s);
    needed_ = s.needed;
    lower_ = s.lower;
    upper_ = s.upper;
    if (end < bytes.size()) {
        failed_ = true;
        errorIndex_ = end;
        errorOffset_ = fedBefore_ + end;
        return false;
    }
    fedBefore_ += bytes.size();
    return true;
}

bool isValidUtf8(std::span<const std::uint8_t> bytes) noexcept {
    Utf8Validator v;
    return v.feed(bytes) && v.complete();
}

}  // namespace sockscope
