#include "inspector/time_format.h"

#include <QDateTime>

namespace sockscope::ui {

QString formatTime(TimeDisplay display, std::int64_t ns, std::int64_t firstNs,
                   std::optional<std::int64_t> previousNs) {
    switch (display) {
        case TimeDisplay::Absolute:
            // Local time of day to the millisecond, then the microseconds.
            return QDateTime::fromMSecsSinceEpoch(ns / 1000000)
                       .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")) +
                   QStringLiteral("%1").arg(ns % 1000000 / 1000, 3, 10, QLatin1Char('0'));
        case TimeDisplay::Relative:
            return QString::number(double(ns - firstNs) / 1e9, 'f', 6);
        case TimeDisplay::Delta:
            return QString::number(previousNs ? double(ns - *previousNs) / 1e9 : 0.0, 'f', 6);
    }
    return {};
}

}  // namespace sockscope::ui
