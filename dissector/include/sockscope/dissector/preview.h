#pragma once
// One-line renderings of captured bytes for humans: the text sink's lines and
// the console's -v output share these, so a payload reads the same in both.
// They append to a caller's buffer (no allocation per event on a hot path).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace sockscope::dissector {

// Quoted one-line preview: valid UTF-8 kept; quote and backslash escaped;
// \n, \r, \t by name; other control characters, DEL and bytes that are not
// valid UTF-8 as \xNN (lowercase). Cut after `maxBytes` bytes at a character
// boundary, with "…" after the closing quote.
void appendTextPreview(std::string& out, std::span<const std::uint8_t> bytes, std::size_t maxBytes);

// Lowercase hex of at most `maxBytes` bytes, "…" appended when cut.
void appendHex(std::string& out, std::span<const std::uint8_t> bytes, std::size_t maxBytes);

}  // namespace sockscope::dissector
