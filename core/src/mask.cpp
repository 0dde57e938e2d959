// RFC 6455 §5.3 masking. The key is rotated once so that every fast loop starts
// at key byte 0; each step is a multiple of 4 bytes, so the phase never changes
// and the last 0..3 bytes index the rotated key directly (no per-byte modulo).
// Loads and stores are unaligned: any pointer alignment works, and in == out
// (in-place masking) is fine because each block is loaded before it is stored.

#include "sockscope/core/mask.h"

#include <bit>
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

// Rotating the key as a 32-bit word (not byte by byte through memory) keeps
// the small-frame path free of store-forwarding stalls.
Key rotatedKey(MaskKey key, std::size_t keyOffset) noexcept {
    std::uint32_t word;
    std::memcpy(&word, key.data(), 4);
    const int shift = static_cast<int>(8 * (keyOffset & 3));
    // Memory byte i moves to byte i - offset: toward the low end on little endian.
    word = std::endian::native == std::endian::little ? std::rotr(word, shift)
                                                      : std::rotl(word, shift);
    return {word, (std::uint64_t{word} << 32) | word};
}

// The last < 16 bytes, shared by every level.
inline void maskTail(const std::uint8_t* in, std::uint8_t* out, std::size_t n,
                     const Key& k) noexcept {
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
    std::uint8_t bytes[4];
    std::memcpy(bytes, &k.word, 4);
    for (std::size_t i = 0; i < n; ++i) {  // n <= 3
        out[i] = static_cast<std::uint8_t>(in[i] ^ bytes[i]);
    }
}

// Portable: two 64-bit words per step.
void maskScalar(const std::uint8_t* in, std::uint8_t* out, std::size_t n, const Key& k) noexcept {
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

void maskSse2(const std::uint8_t* in, std::uint8_t* out, std::size_t n, const Key& k) noexcept {
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

[[gnu::target("avx2")]] void maskAvx2(const std::uint8_t* in, std::uint8_t* out, std::size_t n,
                                      const Key& k) noexcept {
    const __m256i key = _mm256_set1_epi32(static_cast<int>(k.word));
    // Four independent 32-byte blocks per step keep both load ports and the
    // store port busy; loads come before stores so in == out stays correct.
    for (; n >= 128; in += 128, out += 128, n -= 128) {
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 32));
        const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 64));
        const __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 96));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_xor_si256(a, key));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32), _mm256_xor_si256(b, key));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 64), _mm256_xor_si256(c, key));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 96), _mm256_xor_si256(d, key));
    }
    for (; n >= 32; in += 32, out += 32, n -= 32) {
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_xor_si256(a, key));
    }
    if (n >= 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                         _mm_xor_si128(a, _mm256_castsi256_si128(key)));
        in += 16;
        out += 16;
        n -= 16;
    }
    maskTail(in, out, n, k);
}

#endif

void maskDispatch(const std::uint8_t* in, std::uint8_t* out, std::size_t n, MaskKey key,
                  std::size_t keyOffset) noexcept {
    const Key k = rotatedKey(key, keyOffset);
#if SOCKSCOPE_X86_64_SIMD
    switch (detail::currentSimdLevel()) {
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
