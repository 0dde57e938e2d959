#include "widgets/line_chart.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace sockscope::ui {

void LineChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Base));
    const ChartGeometry g = drawChartFrame(painter, rect(), palette(), axes_, series_);
    if (g.plot.isEmpty() || g.categories == 0)
        return;
    painter.setRenderHint(QPainter::Antialiasing);
    const bool dots = g.slotWidth() >= 8;
    for (const ChartSeries& s : series_) {
        QPainterPath path;
        for (int c = 0; c < g.categories; ++c) {
            double v = std::size_t(c) < s.values.size() ? s.values[std::size_t(c)] : 0;
            if (!std::isfinite(v) || v < 0)
                v = 0;
            const QPointF p(g.slotLeft(c) + g.slotWidth() / 2, std::max(g.plot.top(), g.y(v)));
            if (c == 0)
                path.moveTo(p);
            else
                path.lineTo(p);
            if (dots) {
                painter.setPen(Qt::NoPen);
                painter.setBrush(s.color);
                painter.drawEllipse(p, 2.5, 2.5);
            }
        }
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(s.color, 2));
        painter.drawPath(path);
    }
}

}  // namespace sockscope::ui
