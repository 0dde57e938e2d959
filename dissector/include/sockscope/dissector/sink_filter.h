#pragma once
// Which events a sink writes: the CLI's `--only messages,frames,anomalies`
// and `--conn N`. Shared by the text and JSON Lines sinks.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sockscope::dissector {

// Bits of SinkFilter::kinds.
enum class EventKind : std::uint32_t {
    Connection = 1u << 0,
    Handshake = 1u << 1,
    Frame = 1u << 2,
    Message = 1u << 3,
    Anomaly = 1u << 4,
    End = 1u << 5,
};

inline constexpr std::uint32_t kAllEventKinds = 0x3F;

struct SinkFilter {
    std::uint32_t kinds = kAllEventKinds;
    std::optional<std::uint32_t> conn;  // only this connection (drops conn-0 anomalies too)

    bool accepts(EventKind kind, std::uint32_t eventConn) const {
        return (kinds & static_cast<std::uint32_t>(kind)) != 0 && (!conn || *conn == eventConn);
    }
};

// Parses a comma-separated list of "connections", "handshakes", "frames",
// "messages", "anomalies", "ends" into EventKind bits. Returns nullopt and a
// one-line reason ("unknown event kind 'foo' (...)") for anything else.
std::optional<std::uint32_t> parseEventKinds(std::string_view list, std::string& error);

}  // namespace sockscope::dissector
