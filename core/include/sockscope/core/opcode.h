#pragma once
#include <cstdint>
#include <string_view>

namespace sockscope {

// RFC 6455 §5.2 / §11.8. The numeric value is what travels on the wire; values
// 3-7 and 11-15 are reserved and may appear in hostile input.
enum class Opcode : std::uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

constexpr bool isControlOpcode(std::uint8_t op) {
    return (op & 0x8) != 0;
}
constexpr bool isReservedOpcode(std::uint8_t op) {
    return (op >= 0x3 && op <= 0x7) || op >= 0xB;
}
// "text", "binary", "close", "ping", "pong", "continuation", or "reserved-N" style names.
std::string_view opcodeName(std::uint8_t op);

}  // namespace sockscope
