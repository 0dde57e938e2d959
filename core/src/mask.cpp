// RFC 6455 §5.3 masking. The key is kept as a 32-bit word rotated to the
// phase of the current position, so the loops XOR whole words and vectors.
// Steps are multiples of 4 bytes and leave the phase alone; only the AVX2
// path's alignment step rotates the word once. The last 0..3 bytes take their
// key byte straight from the word (no per-byte modulo). Any pointer alignment
// works, and in == out (in-place masking) is fine because every block is
// loaded before it is stored.

#include "sockscope/core/mask.h"

#include <bit>
#include <cstdint>
#include <cstring>

#include "simd_dispatch.h"

#if SOCKSCOPE_X86_64_SIMD
#include <immintrin.h>
#endif

namespace sockscope {

namespace {

struct Key {
    std::uint32_t word;   // the rotated key bytes as they lie in memory
    std::uint64_t dword;  // twice over
};

Key keyFromWord(std::uint32_t word) noexcept {
    return {word, (std::uint64_t{word} << 32) | word};
}

// The key as it applies `bytes` further on. Rotating it as a 32-bit word (not
// byte by byte through memory) keeps the small-frame path free of
// store-forwarding stalls.
Key advanced(Key k, std::size_t bytes) noexcept {
    const int shift = static_cast<int>(8 * (bytes & 3));
    // Memory byte i moves to byte i - bytes: toward the low end on little endian.
    return keyFromWord(std::endian::native == std::endian::little ? std::rotr(k.word, shift)
                                                                  : std::rotl(k.word, shift));
}

Key rotatedKey(MaskKey key, std::size_t keyOffset) noexcept {
    std::uint32_t word;
    std::memcpy(&word, key.data(), 4);
    return advanced(keyFromWord(word), keyOffset);
}

// The last < 16 bytes, shared by every level.
inline void maskTail(const std::uint8_t* in, std::uint8_t* out, std::size_t n, Key k) noexcept {
    if (n >= 8) {
        std::uint64_t w;
        std::memcpy(&w, in, 8);
        w ^= k.dword;
        std::memcpy(out, &w, 8);
        in += 8;
        out += 8;
        n -= 8;
    }
    if (n >= 4) {
        std::uint32_t w;
        std::memcpy(&w, in, 4);
        w ^= k.word;
        std::memcpy(out, &w, 4);
        in += 4;
        out += 4;
        n -= 4;
    }
    for (std::size_t i = 0; i < n; ++i) {  // n <= 3: key byte i, shifted out of the word
        const int shift =
            static_cast<int>(std::endian::native == std::endian::little ? 8 * i : 24 - 8 * i);
        out[i] = static_cast<std::uint8_t>(in[i] ^ (k.word >> shift));
    }
}

// Portable: two 64-bit words per step.
void maskScalar(const std::uint8_t* in, std::uint8_t* out, std::size_t n, Key k) noexcept {
    for (; n >= 16; in += 16, out += 16, n -= 16) {
        std::uint64_t a;
        std::uint64_t b;
        std::memcpy(&a, in, 8);
        std::memcpy(&b, in + 8, 8);
        a ^= k.dword;
        b ^= k.dword;
        std::memcpy(out, &a, 8);
        std::memcpy(out + 8, &b, 8);
    }
    maskTail(in, out, n, k);
}

#if SOCKSCOPE_X86_64_SIMD

// Fewer than 32 bytes (SSE2 is part of x86-64, so every level may use it).
inline void maskSmall(const std::uint8_t* in, std::uint8_t* out, std::size_t n, Key k) noexcept {
    if (n >= 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                         _mm_xor_si128(a, _mm_set1_epi32(static_cast<int>(k.word))));
        in += 16;
        out += 16;
        n -= 16;
    }
    maskTail(in, out, n, k);
}

void maskSse2(const std::uint8_t* in, std::uint8_t* out, std::size_t n, Key k) noexcept {
    const __m128i key = _mm_set1_epi32(static_cast<int>(k.word));
    for (; n >= 64; in += 64, out += 64, n -= 64) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 16));
        const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 32));
        const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 48));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_xor_si128(a, key));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_xor_si128(b, key));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 32), _mm_xor_si128(c, key));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 48), _mm_xor_si128(d, key));
    }
    for (; n >= 16; in += 16, out += 16, n -= 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_xor_si128(a, key));
    }
    maskTail(in, out, n, k);
}

[[gnu::target("avx2"), gnu::always_inline]] inline __m256i load32(const std::uint8_t* p) noexcept {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
[[gnu::target("avx2"), gnu::always_inline]] inline void store32(std::uint8_t* p,
                                                                __m256i v) noexcept {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}
[[gnu::target("avx2"), gnu::always_inline]] inline __m256i splat(Key k) noexcept {
    return _mm256_set1_epi32(static_cast<int>(k.word));
}

// Every block is computed from bytes not yet written (so in == out works),
// which lets the first and the last block overlap their neighbours: the
// overlapping stores write the same values. No byte-sized head or tail.
[[gnu::target("avx2")]] void maskAvx2(const std::uint8_t* in, std::uint8_t* out, std::size_t n,
                                      Key k) noexcept {
    if (n < 32) {
        maskSmall(in, out, n, k);
        return;
    }
    const __m256i last = _mm256_xor_si256(load32(in + n - 32), splat(advanced(k, n - 32)));
    std::uint8_t* const lastOut = out + n - 32;
    if (n >= 64) {
        // A store that straddles two cache lines costs two: after one
        // unaligned block, every store is aligned.
        const std::size_t head = (32 - (reinterpret_cast<std::uintptr_t>(out) & 31)) & 31;
        if (head != 0) {
            const __m256i first = _mm256_xor_si256(load32(in), splat(k));
            k = advanced(k, head);
            const __m256i second = _mm256_xor_si256(load32(in + head), splat(k));
            store32(out, first);
            store32(out + head, second);
            in += head + 32;
            out += head + 32;
            n -= head + 32;
        }
    }
    const __m256i key = splat(k);
    // Four independent 32-byte blocks per step keep both load ports and the
    // store port busy; loads come before stores so in == out stays correct.
    for (; n >= 128; in += 128, out += 128, n -= 128) {
        const __m256i a = load32(in);
        const __m256i b = load32(in + 32);
        const __m256i c = load32(in + 64);
        const __m256i d = load32(in + 96);
        store32(out, _mm256_xor_si256(a, key));
        store32(out + 32, _mm256_xor_si256(b, key));
        store32(out + 64, _mm256_xor_si256(c, key));
        store32(out + 96, _mm256_xor_si256(d, key));
    }
    for (; n >= 32; in += 32, out += 32, n -= 32) {
        store32(out, _mm256_xor_si256(load32(in), key));
    }
    store32(lastOut, last);  // the last n < 32 bytes, and a few again
}

#endif

void maskDispatch(const std::uint8_t* in, std::uint8_t* out, std::size_t n, MaskKey key,
                  std::size_t keyOffset) noexcept {
    const Key k = rotatedKey(key, keyOffset);
#if SOCKSCOPE_X86_64_SIMD
    switch (detail::currentSimdLevel()) {
        case SimdLevel::Avx512Vbmi:
        case SimdLevel::Avx2:
            maskAvx2(in, out, n, k);
            return;
        case SimdLevel::Sse2:
            maskSse2(in, out, n, k);
            return;
        case SimdLevel::Scalar:
            break;
    }
#endif
    maskScalar(in, out, n, k);
}

}  // namespace

void applyMask(std::span<std::uint8_t> data, MaskKey key, std::size_t keyOffset) noexcept {
    maskDispatch(data.data(), data.data(), data.size(), key, keyOffset);
}

void applyMaskCopy(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, MaskKey key,
                   std::size_t keyOffset) noexcept {
    // The contract says equal sizes; masking only the common prefix keeps a
    // caller's mistake from writing out of bounds.
    const std::size_t n = in.size() < out.size() ? in.size() : out.size();
    maskDispatch(in.data(), out.data(), n, key, keyOffset);
}

void applyMaskBytewise(std::span<std::uint8_t> data, MaskKey key, std::size_t keyOffset) noexcept {
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<std::uint8_t>(data[i] ^ key[(keyOffset + i) % 4]);
    }
}

}  // namespace sockscope
