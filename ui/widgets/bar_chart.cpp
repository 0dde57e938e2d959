#include "widgets/bar_chart.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace sockscope::ui {

void BarChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Base));
    const ChartGeometry g = drawChartFrame(painter, rect(), palette(), axes_, series_);
    if (g.plot.isEmpty() || g.categories == 0 || series_.empty())
        return;
    // 80 % of a slot for the group; at least a hairline per bar.
    const double group = g.slotWidth() * 0.8;
    const double bar = std::max(1.0, group / double(series_.size()));
    for (int c = 0; c < g.categories; ++c) {
        double x = g.slotLeft(c) + (g.slotWidth() - group) / 2;
        for (const ChartSeries& s : series_) {
            const double v = std::size_t(c) < s.values.size() ? s.values[std::size_t(c)] : 0;
            if (std::isfinite(v) && v > 0) {
                const double top = std::max(g.plot.top(), g.y(v));
                painter.fillRect(QRectF(x, top, bar, g.plot.bottom() - top), s.color);
            }
            x += bar;
        }
    }
}

}  // namespace sockscope::ui
