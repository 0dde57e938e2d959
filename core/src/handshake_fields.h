#pragma once
// Field names and the comma-list splitter shared by the client and server
// halves of the opening handshake. Internal to sockscope_core.

#include <string_view>
#include <vector>

#include "http_syntax.h"

namespace sockscope::handshake {

inline constexpr std::string_view kKey = "Sec-WebSocket-Key";
inline constexpr std::string_view kAccept = "Sec-WebSocket-Accept";
inline constexpr std::string_view kVersion = "Sec-WebSocket-Version";
inline constexpr std::string_view kProtocol = "Sec-WebSocket-Protocol";
inline constexpr std::string_view kExtensions = "Sec-WebSocket-Extensions";

// The non-empty elements of a #list value, OWS trimmed (RFC 9110 §5.6.1).
inline std::vector<std::string_view> splitList(std::string_view value) {
    std::vector<std::string_view> out;
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        const std::string_view element = detail::trimOws(value.substr(0, comma));
        if (!element.empty()) {
            out.push_back(element);
        }
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    }
    return out;
}

}  // namespace sockscope::handshake
