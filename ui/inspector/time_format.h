#pragma once
// Capture times as the tables show them: time of day, seconds since the
// capture's first WebSocket packet, or seconds since the previous row.

#include <QString>

#include <cstdint>
#include <optional>

namespace sockscope::ui {

enum class TimeDisplay { Absolute, Relative, Delta };

// `ns` and `firstNs` in nanoseconds since the epoch; `previousNs` is the
// previous row's time (Delta; none for the first row).
QString formatTime(TimeDisplay display, std::int64_t ns, std::int64_t firstNs,
                   std::optional<std::int64_t> previousNs);

}  // namespace sockscope::ui
