#pragma once
// Character classes of the HTTP grammar (RFC 9110 §5.6), shared by the head
// parser and the Sec-WebSocket-Extensions parser. Internal to sockscope_core.

#include <cstdint>
#include <string>
#include <string_view>

namespace sockscope::detail {

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
//         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA   (RFC 9110 §5.6.2)
constexpr bool isTchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    constexpr std::string_view kPunctuation = "!#$%&'*+-.^_`|~";
    return kPunctuation.find(char(c)) != std::string_view::npos;
}

constexpr bool isToken(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (!isTchar(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

constexpr bool isVchar(unsigned char c) {
    return c >= 0x21 && c <= 0x7e;
}
constexpr bool isObsText(unsigned char c) {
    return c >= 0x80;
}
// OWS = *( SP / HTAB )
constexpr bool isOws(unsigned char c) {
    return c == ' ' || c == '\t';
}

constexpr char asciiLower(char c) {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

constexpr std::string_view trimOws(std::string_view text) {
    while (!text.empty() && isOws(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && isOws(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

// A byte for an error detail: printable as 'c', anything else as 0xNN.
inline std::string describeByte(unsigned char c) {
    static constexpr char kHex[] = "0123456789abcdef";
    if (isVchar(c)) {
        return std::string{'\'', char(c), '\''};
    }
    if (c == ' ') {
        return "SP";
    }
    return std::string{'0', 'x', kHex[c >> 4], kHex[c & 0xf]};
}

}  // namespace sockscope::detail
