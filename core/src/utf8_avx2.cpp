// AVX2 UTF-8 validation by nibble lookup, after the idea in Keiser & Lemire,
// "Validating UTF-8 In Less Than One Instruction Per Byte" (2021).
//
// Every error in a byte pair (previous byte a, current byte b) is a product
// of three sets: high nibble of a, low nibble of a, high nibble of b. Each
// error class gets one bit; three 16-entry tables map a nibble to the classes
// it can take part in, and AND-ing the three lookups leaves a bit set exactly
// when the pair is in that class. The one class a pair cannot see is "a third
// or fourth byte is missing / superfluous": two continuations in a row are
// flagged (TWO_CONTS) and must coincide with "the byte 2 or 3 back was a
// 3- or 4-byte lead".
//
// Pair classes (a = prev1, b = current):
//   TOO_SHORT   lead C0..FF, then b not a continuation
//   TOO_LONG    ASCII, then a continuation
//   OVERLONG_3  E0, then 80..9F
//   TOO_LARGE   F4..FF, then 90..BF
//   SURROGATE   ED, then A0..BF
//   OVERLONG_2  C0 or C1, then a continuation
//   LEAD_F_80   F0 (overlong) or F5..FF (too large), then 80..8F
//   TWO_CONTS   continuation, then continuation

#include "utf8_simd.h"

#if SOCKSCOPE_X86_64_SIMD

#include <immintrin.h>

namespace sockscope::detail {

namespace {

constexpr std::uint8_t kTooShort = 0x01;
constexpr std::uint8_t kTooLong = 0x02;
constexpr std::uint8_t kOverlong3 = 0x04;
constexpr std::uint8_t kTooLarge = 0x08;
constexpr std::uint8_t kSurrogate = 0x10;
constexpr std::uint8_t kOverlong2 = 0x20;
constexpr std::uint8_t kLeadF80 = 0x40;
constexpr std::uint8_t kTwoConts = 0x80;

// Classes that do not depend on the low nibble of a.
constexpr std::uint8_t kAnyLow = kTooShort | kTooLong | kTwoConts;

[[gnu::target("avx2")]] inline __m256i table(std::uint8_t v0, std::uint8_t v1, std::uint8_t v2,
                                             std::uint8_t v3, std::uint8_t v4, std::uint8_t v5,
                                             std::uint8_t v6, std::uint8_t v7, std::uint8_t v8,
                                             std::uint8_t v9, std::uint8_t va, std::uint8_t vb,
                                             std::uint8_t vc, std::uint8_t vd, std::uint8_t ve,
                                             std::uint8_t vf) noexcept {
    const auto c = [](std::uint8_t v) { return static_cast<char>(v); };
    // vpshufb looks up within each 128-bit lane, so both lanes hold the table.
    return _mm256_broadcastsi128_si256(_mm_setr_epi8(c(v0), c(v1), c(v2), c(v3), c(v4), c(v5),
                                                     c(v6), c(v7), c(v8), c(v9), c(va), c(vb),
                                                     c(vc), c(vd), c(ve), c(vf)));
}

struct Tables {
    __m256i prevHigh;
    __m256i prevLow;
    __m256i curHigh;
    __m256i lowNibble;
    __m256i thirdLead;   // subtracting 0x60 leaves bit 7 set only for E0..FF
    __m256i fourthLead;  // subtracting 0x70 leaves bit 7 set only for F0..FF
    __m256i bit7;
    __m256i openAtEnd;  // subtracting leaves non-zero if the last 3 bytes open a character
};

[[gnu::target("avx2")]] inline Tables makeTables() noexcept {
    Tables t;
    // Indexed by the high nibble of the previous byte.
    t.prevHigh = table(kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong,
                       kTooLong,                                    // 0..7 ASCII
                       kTwoConts, kTwoConts, kTwoConts, kTwoConts,  // 8..B continuation
                       kTooShort | kOverlong2,                      // C
                       kTooShort,                                   // D
                       kTooShort | kOverlong3 | kSurrogate,         // E
                       kTooShort | kTooLarge | kLeadF80);           // F
    // Indexed by the low nibble of the previous byte.
    t.prevLow = table(kAnyLow | kOverlong2 | kOverlong3 | kLeadF80,  // C0 E0 F0
                      kAnyLow | kOverlong2,                          // C1
                      kAnyLow, kAnyLow,                              // 2, 3
                      kAnyLow | kTooLarge,                           // F4
                      kAnyLow | kTooLarge | kLeadF80, kAnyLow | kTooLarge | kLeadF80,
                      kAnyLow | kTooLarge | kLeadF80, kAnyLow | kTooLarge | kLeadF80,
                      kAnyLow | kTooLarge | kLeadF80, kAnyLow | kTooLarge | kLeadF80,
                      kAnyLow | kTooLarge | kLeadF80, kAnyLow | kTooLarge | kLeadF80,   // F5..FC
                      kAnyLow | kTooLarge | kLeadF80 | kSurrogate,                      // ED, FD
                      kAnyLow | kTooLarge | kLeadF80, kAnyLow | kTooLarge | kLeadF80);  // FE FF
    // Indexed by the high nibble of the current byte.
    constexpr std::uint8_t cont = kTooLong | kTwoConts | kOverlong2;  // any continuation
    t.curHigh = table(kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,
                      kTooShort,                                    // 0..7
                      cont | kOverlong3 | kLeadF80,                 // 80..8F
                      cont | kOverlong3 | kTooLarge,                // 90..9F
                      cont | kSurrogate | kTooLarge,                // A0..AF
                      cont | kSurrogate | kTooLarge,                // B0..BF
                      kTooShort, kTooShort, kTooShort, kTooShort);  // C..F
    t.lowNibble = _mm256_set1_epi8(0x0F);
    t.thirdLead = _mm256_set1_epi8(0x60);
    t.fourthLead = _mm256_set1_epi8(0x70);
    t.bit7 = _mm256_set1_epi8(static_cast<char>(0x80));
    const char f = static_cast<char>(0xFF);
    t.openAtEnd = _mm256_setr_epi8(f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f,
                                   f, f, f, f, f, f, f, static_cast<char>(0xEF),
                                   static_cast<char>(0xDF), static_cast<char>(0xBF));
    return t;
}

// Non-zero where `in` (preceded by `prev`) is invalid.
[[gnu::target("avx2"), gnu::always_inline]] inline __m256i checkBlock(__m256i in, __m256i prev,
                                                                      const Tables& t) noexcept {
    // [last lane of prev | first lane of in], so alignr can shift across lanes.
    const __m256i carry = _mm256_permute2x128_si256(prev, in, 0x21);
    const __m256i prev1 = _mm256_alignr_epi8(in, carry, 15);
    const __m256i prev2 = _mm256_alignr_epi8(in, carry, 14);
    const __m256i prev3 = _mm256_alignr_epi8(in, carry, 13);

    const __m256i prevHighNib = _mm256_and_si256(_mm256_srli_epi16(prev1, 4), t.lowNibble);
    const __m256i prevLowNib = _mm256_and_si256(prev1, t.lowNibble);
    const __m256i curHighNib = _mm256_and_si256(_mm256_srli_epi16(in, 4), t.lowNibble);
    const __m256i special =
        _mm256_and_si256(_mm256_and_si256(_mm256_shuffle_epi8(t.prevHigh, prevHighNib),
                                          _mm256_shuffle_epi8(t.prevLow, prevLowNib)),
                         _mm256_shuffle_epi8(t.curHigh, curHighNib));

    // Bit 7 where the current byte must be a 3rd or 4th byte.
    const __m256i must23 = _mm256_and_si256(_mm256_or_si256(_mm256_subs_epu8(prev2, t.thirdLead),
                                                            _mm256_subs_epu8(prev3, t.fourthLead)),
                                            t.bit7);
    return _mm256_xor_si256(special, must23);
}

[[gnu::target("avx2"), gnu::always_inline]] inline bool isZero(__m256i v) noexcept {
    return _mm256_testz_si256(v, v) != 0;
}

[[gnu::target("avx2"), gnu::always_inline]] inline __m256i load(const std::uint8_t* p) noexcept {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// A vector whose last three bytes are p[s-3..s-1] (zero before p[0]): all that
// checkBlock reads of its `prev`.
[[gnu::target("avx2")]] inline __m256i bytesBefore(const std::uint8_t* p, std::size_t s) noexcept {
    const auto at = [&](std::size_t back) {
        return static_cast<char>(s >= back ? p[s - back] : 0);
    };
    return _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                            0, 0, 0, 0, 0, at(3), at(2), at(1));
}

constexpr std::size_t kBlock = 64;

[[gnu::target("avx2"), gnu::always_inline]] inline bool isAscii(const std::uint8_t* p) noexcept {
    return _mm256_movemask_epi8(_mm256_or_si256(load(p), load(p + 32))) == 0;
}

// The full check from p[i] on, where i > 0 only after ASCII (a boundary).
// Kept out of line so pure ASCII input never sets up the tables.
[[gnu::target("avx2"), gnu::noinline]] std::size_t validateFrom(const std::uint8_t* p,
                                                                std::size_t n,
                                                                std::size_t i) noexcept {
    const Tables t = makeTables();
    __m256i prev = _mm256_setzero_si256();  // as if after ASCII
    __m256i open = _mm256_setzero_si256();  // prev ends inside a character
    while (i + kBlock <= n) {
        const __m256i a = load(p + i);
        const __m256i b = load(p + i + 32);
        if (_mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0) {
            // ASCII is valid unless a character was left open; then stay in
            // the cheap loop while the text stays ASCII.
            if (!isZero(open)) {
                return backToBoundary(p, i);
            }
            i += kBlock;
            while (i + kBlock <= n && isAscii(p + i)) {
                i += kBlock;
            }
            prev = _mm256_setzero_si256();  // ASCII acts like zero in every table
            continue;
        }
        const __m256i error = _mm256_or_si256(checkBlock(a, prev, t), checkBlock(b, a, t));
        if (!isZero(error)) {
            return backToBoundary(p, i);
        }
        open = _mm256_subs_epu8(b, t.openAtEnd);
        prev = b;
        i += kBlock;
    }
    const std::size_t s = n - kBlock;
    const __m256i a = load(p + s);
    const __m256i b = load(p + s + 32);
    if (i < n) {
        // The last partial block: re-check the final 64 bytes instead (the
        // overlap was valid already), so no tail is left to the scalar loop.
        const __m256i error =
            _mm256_or_si256(checkBlock(a, bytesBefore(p, s), t), checkBlock(b, a, t));
        if (!isZero(error)) {
            return backToBoundary(p, i);
        }
    }
    // Usually the input ends on a boundary. If a character is left open (or
    // the last byte is a lone bad lead), the scalar loop takes the tail over.
    if (isZero(_mm256_subs_epu8(b, t.openAtEnd))) {
        return n;
    }
    return backToBoundary(p, n);
}

}  // namespace

[[gnu::target("avx2")]] std::size_t utf8ValidPrefixAvx2(const std::uint8_t* p,
                                                        std::size_t n) noexcept {
    if (n < kBlock) {
        return 0;
    }
    // Pure ASCII (most text protocols) first, 128 bytes per step.
    std::size_t i = 0;
    for (; i + 2 * kBlock <= n; i += 2 * kBlock) {
        const __m256i any = _mm256_or_si256(_mm256_or_si256(load(p + i), load(p + i + 32)),
                                            _mm256_or_si256(load(p + i + 64), load(p + i + 96)));
        if (_mm256_movemask_epi8(any) != 0) {
            break;
        }
    }
    if (i + kBlock <= n && isAscii(p + i)) {
        i += kBlock;
    }
    if (i + kBlock > n && isAscii(p + n - kBlock)) {
        return n;  // all ASCII, the last partial block included
    }
    return validateFrom(p, n, i);
}

}  // namespace sockscope::detail

#endif
