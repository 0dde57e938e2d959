#include "sockscope/dissector/sink_filter.h"

#include <array>
#include <utility>

namespace sockscope::dissector {
namespace {

constexpr std::array<std::pair<std::string_view, EventKind>, 6> kNames = {{
    {"connections", EventKind::Connection},
    {"handshakes", EventKind::Handshake},
    {"frames", EventKind::Frame},
    {"messages", EventKind::Message},
    {"anomalies", EventKind::Anomaly},
    {"ends", EventKind::End},
}};

std::optional<EventKind> kindNamed(std::string_view name) {
    for (const auto& [text, kind] : kNames) {
        if (text == name) {
            return kind;
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::uint32_t> parseEventKinds(std::string_view list, std::string& error) {
    std::uint32_t kinds = 0;
    while (true) {
        const std::size_t comma = list.find(',');
        const std::string_view name = list.substr(0, comma);
        const std::optional<EventKind> kind = kindNamed(name);
        if (!kind) {
            error = "unknown event kind '" + std::string(name) +
                    "' (connections, handshakes, frames, messages, anomalies, ends)";
            return std::nullopt;
        }
        kinds |= static_cast<std::uint32_t>(*kind);
        if (comma == std::string_view::npos) {
            return kinds;
        }
        list.remove_prefix(comma + 1);
    }
}

}  // namespace sockscope::dissector
