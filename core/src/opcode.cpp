#include "sockscope/core/opcode.h"

#include <array>

namespace sockscope {

std::string_view opcodeName(std::uint8_t op) {
    static constexpr std::array<std::string_view, 16> kNames = {
        "continuation", "text",       "binary",     "reserved-3", "reserved-4", "reserved-5",
        "reserved-6",   "reserved-7", "close",      "ping",       "pong",       "reserved-b",
        "reserved-c",   "reserved-d", "reserved-e", "reserved-f"};
    return kNames[op & 0xF];
}

}  // namespace sockscope
