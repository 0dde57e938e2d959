#include "sink_format.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>

namespace sockscope::dissector {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

void appendHexByte(std::string& out, std::uint8_t byte) {
    out += kHexDigits[byte >> 4];
    out += kHexDigits[byte & 0x0F];
}

// Bytes that may go into a JSON string literal unchanged.
constexpr bool isPlainJsonByte(std::uint8_t c) {
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

}  // namespace

namespace detail {

void appendUnsigned(std::string& out, std::uint64_t value, int minDigits) {
    // std::to_chars (two digits per step) into a local buffer, then one append.
    std::array<char, 24> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    const auto length = static_cast<int>(end - digits.data());
    if (length < minDigits) {
        out.append(static_cast<std::size_t>(minDigits - length), '0');
    }
    out.append(digits.data(), static_cast<std::size_t>(length));
}

std::size_t validUtf8SequenceLength(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) {
        return 0;
    }
    const std::uint8_t lead = bytes[0];
    std::size_t length = 0;
    std::uint8_t lower = 0x80;  // allowed range of the first continuation byte
    std::uint8_t upper = 0xBF;
    if (lead < 0x80) {
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        lower = lead == 0xE0 ? 0xA0 : 0x80;  // no overlongs
        upper = lead == 0xED ? 0x9F : 0xBF;  // no UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        lower = lead == 0xF0 ? 0x90 : 0x80;  // no overlongs
        upper = lead == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    } else {
        return 0;  // a continuation byte, C0, C1 or F5..FF
    }
    if (bytes.size() < length || bytes[1] < lower || bytes[1] > upper) {
        return 0;
    }
    for (std::size_t i = 2; i < length; ++i) {
        if ((bytes[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return length;
}

// The escapes JSON strings and text previews share: quote, backslash, \n \r \t.
static bool appendShortEscape(std::string& out, std::uint8_t c) {
    switch (c) {
        case '"':
            out += "\\\"";
            return true;
        case '\\':
            out += "\\\\";
            return true;
        case '\n':
            out += "\\n";
            return true;
        case '\r':
            out += "\\r";
            return true;
        case '\t':
            out += "\\t";
            return true;
        default:
            return false;
    }
}

bool appendJsonString(std::string& out, std::string_view text) {
    const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    bool valid = true;
    out += '"';
    std::size_t i = 0;
    while (i < bytes.size()) {
        // Copy the run of plain ASCII in one go.
        std::size_t run = i;
        while (run < bytes.size() && isPlainJsonByte(bytes[run])) {
            ++run;
        }
        out.append(text.data() + i, run - i);
        i = run;
        if (i == bytes.size()) {
            break;
        }
        const std::uint8_t c = bytes[i];
        if (c >= 0x80) {
            const std::size_t length = validUtf8SequenceLength(bytes.subspan(i));
            if (length == 0) {
                out += "\\ufffd";
                valid = false;
                ++i;
            } else {
                out.append(text.data() + i, length);
                i += length;
            }
            continue;
        }
        if (!appendShortEscape(out, c)) {
            switch (c) {
                case '\b':
                    out += "\\b";
                    break;
                case '\f':
                    out += "\\f";
                    break;
                default:
                    out += "\\u00";
                    appendHexByte(out, c);
                    break;
            }
        }
        ++i;
    }
    out += '"';
    return valid;
}

// `value` (below 10^6) as six digits, zero-padded, two at a time.
static char* putSixDigits(char* p, std::uint32_t value) {
    const std::uint32_t pairs[3] = {value / 10000, value / 100 % 100, value % 100};
    for (const std::uint32_t pair : pairs) {
        std::memcpy(p, &kDigitPairs[pair * 2], 2);
        p += 2;
    }
    return p;
}

// Every number on a line goes through here (millions of lines): values
// below 2^32, nearly all of them, take 32-bit arithmetic and two digits per step.
char* putUnsigned(char* p, std::uint64_t value) {
    if (value > 0xFFFFFFFFu) {
        return std::to_chars(p, p + kMaxUnsignedChars, value).ptr;
    }
    auto v = static_cast<std::uint32_t>(value);
    static constexpr std::uint32_t kPowers[] = {
        1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u};
    // floor(log10) from the bit width (1233/4096 ~ log10(2)), then one correction.
    const auto estimate = static_cast<std::size_t>(std::bit_width(v | 1u) * 1233 >> 12);
    const std::size_t digits = estimate + ((v | 1u) >= kPowers[estimate] ? 1 : 0);
    char* const end = p + digits;
    char* q = end;
    while (v >= 100) {
        const std::uint32_t pair = v % 100;
        v /= 100;
        q -= 2;
        std::memcpy(q, &kDigitPairs[pair * 2], 2);
    }
    if (v >= 10) {
        std::memcpy(q - 2, &kDigitPairs[v * 2], 2);
    } else {
        q[-1] = static_cast<char>('0' + v);
    }
    return end;
}

char* putSeconds(char* p, Timestamp ts) {
    const std::int64_t seconds = ts.seconds;
    const std::uint32_t nanoseconds = std::min<std::uint32_t>(ts.nanoseconds, 999999999);
    std::uint64_t whole = 0;
    std::uint32_t micros = 0;
    if (seconds < 0 && nanoseconds > 0) {
        // -1 s + 0.25 s is -0.75 s: print the magnitude with a sign.
        *p++ = '-';
        whole = static_cast<std::uint64_t>(-(seconds + 1));
        micros = (1000000000u - nanoseconds) / 1000;
    } else {
        if (seconds < 0) {
            *p++ = '-';
        }
        whole = seconds < 0 ? 0 - static_cast<std::uint64_t>(seconds)
                            : static_cast<std::uint64_t>(seconds);
        micros = nanoseconds / 1000;
    }
    p = putUnsigned(p, whole);
    *p++ = '.';
    return putSixDigits(p, micros);
}

char* putMicros(char* p, std::uint32_t nanoseconds) {
    return putSixDigits(p, std::min<std::uint32_t>(nanoseconds, 999999999) / 1000);
}

void appendSeconds(std::string& out, Timestamp ts) {
    char text[kMaxSecondsChars];
    out.append(text, static_cast<std::size_t>(putSeconds(text, ts) - text));
}

void appendSeconds(std::string& out, std::int64_t nanoseconds) {
    const bool negative = nanoseconds < 0;
    const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(nanoseconds)
                                             : static_cast<std::uint64_t>(nanoseconds);
    if (negative) {
        out += '-';
    }
    appendUnsigned(out, magnitude / 1000000000u, 1);
    out += '.';
    appendUnsigned(out, magnitude % 1000000000u / 1000, 6);
}

}  // namespace detail

using detail::appendShortEscape;
using detail::validUtf8SequenceLength;

void appendHex(std::string& out, std::span<const std::uint8_t> bytes, std::size_t maxBytes) {
    const std::size_t shown = std::min(bytes.size(), maxBytes);
    for (std::size_t i = 0; i < shown; ++i) {
        appendHexByte(out, bytes[i]);
    }
    if (shown < bytes.size()) {
        out += kEllipsis;
    }
}

void appendTextPreview(std::string& out, std::span<const std::uint8_t> bytes,
                       std::size_t maxBytes) {
    out += '"';
    std::size_t i = 0;
    while (i < bytes.size()) {
        const std::uint8_t c = bytes[i];
        const std::size_t length = c < 0x80 ? 1 : validUtf8SequenceLength(bytes.subspan(i));
        if (i + std::max<std::size_t>(length, 1) > maxBytes) {
            break;  // never split a character
        }
        if (length > 1) {
            out.append(reinterpret_cast<const char*>(bytes.data() + i), length);
            i += length;
            continue;
        }
        if (!appendShortEscape(out, c)) {
            if (c < 0x20 || c >= 0x7F) {
                out += "\\x";
                appendHexByte(out, c);
            } else {
                out += static_cast<char>(c);
            }
        }
        ++i;
    }
    out += '"';
    if (i < bytes.size()) {
        out += kEllipsis;
    }
}

}  // namespace sockscope::dissector
