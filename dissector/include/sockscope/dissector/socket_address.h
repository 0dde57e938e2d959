#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <string>

namespace sockscope::dissector {

struct SocketAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes
    std::uint16_t port = 0;

    // "127.0.0.1:53422" or "[::1]:8765" (DESIGN.md JSON Lines contract).
    std::string toString() const;
    auto operator<=>(const SocketAddress&) const = default;
};

}  // namespace sockscope::dissector
