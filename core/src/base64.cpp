// RFC 4648 §4 base64 encoding: a scalar loop for short inputs and tails, and
// an AVX2 path for the bulk (24 input bytes become 32 characters per step),
// after Muła and Lemire, "Faster Base64 Encoding and Decoding Using AVX2
// Instructions" (2018): regroup the bytes so each 32-bit lane holds one
// 3-byte group, cut out the four 6-bit indices with two multiplies, and map
// indices to ASCII with a 16-entry offset table. With AVX-512 VBMI (the same
// authors' later idea) one byte permute regroups, one multishift cuts all four
// indices, and one byte permute looks the 64 characters up: 48 bytes a step.

#include "sockscope/core/base64.h"

#include <openssl/evp.h>

#include <array>
#include <climits>

#include "simd_dispatch.h"

#if SOCKSCOPE_X86_64_SIMD
#include <immintrin.h>
#endif

namespace sockscope {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool isBase64Char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

void encodeScalar(const std::uint8_t* in, std::size_t n, char* out) noexcept {
    for (; n >= 3; in += 3, n -= 3, out += 4) {
        const std::uint32_t group =
            (std::uint32_t{in[0]} << 16) | (std::uint32_t{in[1]} << 8) | in[2];
        out[0] = kAlphabet[group >> 18];
        out[1] = kAlphabet[(group >> 12) & 63];
        out[2] = kAlphabet[(group >> 6) & 63];
        out[3] = kAlphabet[group & 63];
    }
    if (n == 0) {
        return;
    }
    const std::uint32_t group =
        (std::uint32_t{in[0]} << 16) | (n == 2 ? std::uint32_t{in[1]} << 8 : 0);
    out[0] = kAlphabet[group >> 18];
    out[1] = kAlphabet[(group >> 12) & 63];
    out[2] = n == 2 ? kAlphabet[(group >> 6) & 63] : '=';
    out[3] = '=';
}

#if SOCKSCOPE_X86_64_SIMD

// 24 bytes at `in` (reading 28: the caller leaves at least 4 more) as one
// 32-character block. Each 128-bit lane works on 12 bytes: lane 0 on
// in[0..11], lane 1 on in[12..23].
[[gnu::target("avx2"), gnu::always_inline]] inline __m256i encodeBlock(
    const std::uint8_t* in) noexcept {
    const __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    const __m128i high = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 12));
    const __m256i bytes = _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
    // Group g (bytes s0 s1 s2 at 3g) becomes the 32-bit lane s1 s0 s2 s1
    // (memory order): its low 16 bits read s0:s1 and its high 16 bits s1:s2
    // as numbers, which puts every 6-bit field at a fixed shift.
    const __m256i regroup = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,  //
                                             1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    const __m256i groups = _mm256_shuffle_epi8(bytes, regroup);
    // Fields a (bits 15..10 of the low half) and c (bits 11..6 of the high
    // half) move down to bits 0..5 of their halves: a multiply-high by 2^6
    // and 2^10 shifts right by 10 and 6.
    const __m256i ac = _mm256_mulhi_epu16(_mm256_and_si256(groups, _mm256_set1_epi32(0x0FC0FC00)),
                                          _mm256_set1_epi32(0x04000040));
    // Fields b (bits 9..4 of the low half) and d (bits 5..0 of the high half)
    // move up to bits 8..13: a multiply-low by 2^4 and 2^8.
    const __m256i bd = _mm256_mullo_epi16(_mm256_and_si256(groups, _mm256_set1_epi32(0x003F03F0)),
                                          _mm256_set1_epi32(0x01000010));
    const __m256i indices = _mm256_or_si256(ac, bd);  // one 6-bit index per byte: a b c d
    // ASCII = index + an offset that depends on the index's range. Ranges:
    // 0..25 'A'.., 26..51 'a'.., 52..61 '0'.., 62 '+', 63 '/'. The saturating
    // subtract gives 0 for 0..51 and 1..12 for 52..63; indices below 26 are
    // then moved to slot 13.
    __m256i slot = _mm256_subs_epu8(indices, _mm256_set1_epi8(51));
    const __m256i upper = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), indices);
    slot = _mm256_or_si256(slot, _mm256_and_si256(upper, _mm256_set1_epi8(13)));
    const __m256i offsets =
        _mm256_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                         '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0,  //
                         'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                         '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
    return _mm256_add_epi8(indices, _mm256_shuffle_epi8(offsets, slot));
}

[[gnu::target("avx2")]] void encodeAvx2(const std::uint8_t* in, std::size_t n, char* out) noexcept {
    // Each step reads 28 bytes and consumes 24.
    for (; n >= 28; in += 24, n -= 24, out += 32) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), encodeBlock(in));
    }
    encodeScalar(in, n, out);
}

// Byte 4g..4g+3 of a 64-byte block takes input bytes s2 s1 s0 s0 of group g
// (s0 at 3g): the 32-bit lane then reads s0:s1:s2 as a number from bit 23
// down, whatever else its top byte holds.
constexpr std::array<std::uint8_t, 64> kVbmiRegroup = [] {
    std::array<std::uint8_t, 64> index{};
    for (std::uint8_t g = 0; g < 16; ++g) {
        index[4 * g] = std::uint8_t(3 * g + 2);
        index[4 * g + 1] = std::uint8_t(3 * g + 1);
        index[4 * g + 2] = std::uint8_t(3 * g);
        index[4 * g + 3] = std::uint8_t(3 * g);
    }
    return index;
}();

// Up to 16 whole groups (48 bytes, at most `groups` of them) as 4 characters
// each; masked loads and stores touch no byte outside the groups.
[[gnu::target("avx512f,avx512bw,avx512vbmi"), gnu::always_inline]] inline void encodeVbmiGroups(
    const std::uint8_t* in, std::size_t groups, char* out, __m512i regroup,
    __m512i alphabet) noexcept {
    // Output byte k of a group is the 6-bit field at bits 18, 12, 6, 0 of its
    // 32-bit lane (+32 in a 64-bit word's upper lane); the lookup ignores
    // the two bits above each field.
    const __m512i shifts = _mm512_set1_epi64(0x20262c3200060c12);
    const __mmask64 load = groups >= 16 ? 0x0000FFFFFFFFFFFFull : (1ull << (3 * groups)) - 1;
    const __mmask64 store = groups >= 16 ? ~0ull : (1ull << (4 * groups)) - 1;
    // The zero-masking forms: GCC 12 flags the plain ones' undefined source
    // operand as maybe-uninitialized.
    constexpr __mmask64 kAll = ~0ull;
    const __m512i bytes = _mm512_maskz_loadu_epi8(load, in);
    const __m512i groupsAt = _mm512_maskz_permutexvar_epi8(kAll, regroup, bytes);
    const __m512i indices = _mm512_maskz_multishift_epi64_epi8(kAll, shifts, groupsAt);
    _mm512_mask_storeu_epi8(out, store, _mm512_maskz_permutexvar_epi8(kAll, indices, alphabet));
}

[[gnu::target("avx512f,avx512bw,avx512vbmi")]] void encodeVbmi(const std::uint8_t* in,
                                                               std::size_t n, char* out) noexcept {
    const __m512i regroup = _mm512_loadu_si512(kVbmiRegroup.data());
    const __m512i alphabet = _mm512_loadu_si512(kAlphabet);
    for (; n >= 48; in += 48, n -= 48, out += 64) {
        encodeVbmiGroups(in, 16, out, regroup, alphabet);
    }
    const std::size_t groups = n / 3;
    if (groups > 0) {
        encodeVbmiGroups(in, groups, out, regroup, alphabet);
    }
    encodeScalar(in + 3 * groups, n - 3 * groups, out + 4 * groups);  // 0-2 bytes and padding
}

#endif

}  // namespace

void base64EncodeTo(std::span<const std::uint8_t> bytes, char* out) noexcept {
#if SOCKSCOPE_X86_64_SIMD
    switch (detail::currentSimdLevel()) {
        case SimdLevel::Avx512Vbmi:
            encodeVbmi(bytes.data(), bytes.size(), out);
            return;
        case SimdLevel::Avx2:
            encodeAvx2(bytes.data(), bytes.size(), out);
            return;
        case SimdLevel::Sse2:
        case SimdLevel::Scalar:
            break;
    }
#endif
    encodeScalar(bytes.data(), bytes.size(), out);
}

void base64Append(std::string& out, std::span<const std::uint8_t> bytes) {
    const std::size_t at = out.size();
    out.resize(at + base64EncodedSize(bytes.size()));
    base64EncodeTo(bytes, out.data() + at);
}

std::string base64Encode(std::span<const std::uint8_t> bytes) {
    std::string out;
    base64Append(out, bytes);
    return out;
}

std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text) {
    // EVP_DecodeBlock skips whitespace and counts padding as zero bytes, so
    // the strict RFC 4648 form is checked here first.
    if (text.size() % 4 != 0 || text.size() > std::size_t(INT_MAX / 2)) {
        return std::nullopt;
    }
    std::size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
        ++padding;
    }
    for (std::size_t i = 0; i < text.size() - padding; ++i) {
        if (!isBase64Char(text[i])) {
            return std::nullopt;
        }
    }
    std::vector<std::uint8_t> out(text.size() / 4 * 3);
    if (text.empty()) {
        return out;
    }
    const int written =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                        static_cast<int>(text.size()));
    if (written < 0 || static_cast<std::size_t>(written) != out.size()) {
        return std::nullopt;
    }
    out.resize(out.size() - padding);
    return out;
}

}  // namespace sockscope
