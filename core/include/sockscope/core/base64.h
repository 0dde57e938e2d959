#pragma once
// RFC 4648 §4 base64. Encoding is on the hot path of `read --format jsonl`
// (every message payload is printed as base64), so it has its own AVX2 and
// AVX-512 VBMI paths that run several times faster than OpenSSL's table loop;
// decoding only reads handshake keys and stays on OpenSSL.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sockscope {

// Characters base64 needs for `bytes` bytes, padding included.
constexpr std::size_t base64EncodedSize(std::size_t bytes) {
    return (bytes + 2) / 3 * 4;
}

// Writes exactly base64EncodedSize(bytes.size()) characters to `out` (no NUL).
void base64EncodeTo(std::span<const std::uint8_t> bytes, char* out) noexcept;
// Appends the encoding of `bytes` to `out`.
void base64Append(std::string& out, std::span<const std::uint8_t> bytes);
std::string base64Encode(std::span<const std::uint8_t> bytes);

// Strict: length a multiple of 4, only the alphabet, padding only at the end.
std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text);

}  // namespace sockscope
