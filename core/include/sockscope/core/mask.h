#pragma once
// RFC 6455 §5.3 masking: payload[i] ^= key[(keyOffset + i) % 4].

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sockscope {

using MaskKey = std::array<std::uint8_t, 4>;

// XORs `data` in place with the key, starting at key byte `keyOffset % 4`.
// Word-at-a-time / SIMD (runtime dispatch), bit-identical to the byte loop for
// any length, alignment and key offset.
void applyMask(std::span<std::uint8_t> data, MaskKey key, std::size_t keyOffset = 0) noexcept;

// The same, reading `in` and writing `out` (same size; may not overlap partially).
void applyMaskCopy(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, MaskKey key,
                   std::size_t keyOffset = 0) noexcept;

// The reference byte loop; tests compare the fast path against it.
void applyMaskBytewise(std::span<std::uint8_t> data, MaskKey key,
                       std::size_t keyOffset = 0) noexcept;

}  // namespace sockscope
