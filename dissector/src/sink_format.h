#pragma once
// Formatting primitives the text and JSON Lines sinks share. They append to a
// caller's buffer so a sink can reuse one string for every line (no
// allocation per event on the hot path of `read --format jsonl`).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sockscope/dissector/packet.h"
#include "sockscope/dissector/preview.h"

namespace sockscope::dissector::detail {

// A JSON string literal, quotes included. Valid UTF-8 sequences are copied
// as they are; quote, backslash and control characters (and DEL) are escaped
// (\n, \t, ... or \u00XX). Each byte that does not belong to a valid UTF-8
// sequence (RFC 3629: no overlongs, surrogates or code points above
// U+10FFFF) becomes \ufffd, so the output is always valid JSON and valid UTF-8
// whatever the capture held. Returns whether the input was valid UTF-8.
bool appendJsonString(std::string& out, std::string_view bytes);

// Decimal digits, zero-padded to at least `minDigits`.
void appendUnsigned(std::string& out, std::uint64_t value, int minDigits = 1);

// "1700000000.123456": seconds with exactly 6 decimals (microseconds, truncated).
void appendSeconds(std::string& out, Timestamp ts);
// The same written at `p` (at most kMaxSecondsChars characters); returns the end.
inline constexpr std::size_t kMaxSecondsChars = 28;  // '-', 20 digits, '.', 6 digits
char* putSeconds(char* p, Timestamp ts);
// The six decimals of putSeconds() for `nanoseconds` (at most 999999999).
char* putMicros(char* p, std::uint32_t nanoseconds);

// Decimal digits written at `p` (at most kMaxUnsignedChars); returns the end.
inline constexpr std::size_t kMaxUnsignedChars = 20;
char* putUnsigned(char* p, std::uint64_t value);
// The same for a signed nanosecond difference ("0.000123", "-1.500000").
void appendSeconds(std::string& out, std::int64_t nanoseconds);

// Hex and quoted text previews: public (sockscope/dissector/preview.h), as
// the console's -v output uses the same rule.
using dissector::appendHex;
using dissector::appendTextPreview;

// Length of the valid UTF-8 sequence starting at bytes[0], or 0 when the
// byte does not start one (bytes[0] >= 0x80 expected).
std::size_t validUtf8SequenceLength(std::span<const std::uint8_t> bytes);

}  // namespace sockscope::dissector::detail
