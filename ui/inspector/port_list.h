#pragma once
// TCP port lists as users type them ("8080, 9001 9002"): for "Decode ports
// as WebSocket" (the dissector's wsPorts) and its saved setting.

#include <QString>

#include <cstdint>
#include <optional>
#include <set>

namespace sockscope::ui {

// Ports separated by commas and/or spaces; an empty text is an empty set.
// nullopt and a one-line reason ("'70000' is not a port (1-65535)") otherwise.
std::optional<std::set<std::uint16_t>> parsePortList(const QString& text, QString& error);
QString formatPortList(const std::set<std::uint16_t>& ports);  // "8080, 9001"

}  // namespace sockscope::ui
