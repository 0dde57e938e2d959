#include "widgets/chart_frame.h"

#include <QFontMetrics>
#include <QPainter>
#include <QPalette>

#include <algorithm>
#include <cmath>

namespace sockscope::ui {
namespace {

constexpr int kTicks = 5;
constexpr int kGap = 6;
constexpr int kSwatch = 10;

QString tickText(double value, double step) {
    if (step >= 1 && value < 1e15)
        return QString::number(qint64(std::llround(value)));
    return QString::number(value, 'g', 4);
}

// Width of the legend drawn in one row.
int legendWidth(const QFontMetrics& fm, const std::vector<ChartSeries>& series) {
    int width = 0;
    for (const ChartSeries& s : series)
        width += kSwatch + 4 + fm.horizontalAdvance(s.name) + 2 * kGap;
    return width;
}

}  // namespace

double chartMaxValue(const std::vector<ChartSeries>& series) {
    double max = 0;
    for (const ChartSeries& s : series)
        for (double v : s.values)
            if (std::isfinite(v))
                max = std::max(max, v);
    return max;
}

double niceAxisMax(double maxValue, int ticks, double& step) {
    ticks = std::max(1, ticks);
    if (!std::isfinite(maxValue) || maxValue <= 0) {
        step = 1.0 / ticks;
        return 1;
    }
    const double raw = maxValue / ticks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double residual = raw / magnitude;
    const double factor = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10;
    step = factor * magnitude;
    return std::ceil(maxValue / step - 1e-9) * step;
}

ChartGeometry drawChartFrame(QPainter& painter, const QRect& area, const QPalette& palette,
                             const ChartAxes& axes, const std::vector<ChartSeries>& series) {
    ChartGeometry g;
    g.categories = int(axes.categories.size());
    const QFontMetrics fm = painter.fontMetrics();
    const QColor text = palette.color(QPalette::WindowText);
    QColor grid = palette.color(QPalette::Mid);
    grid.setAlpha(110);

    double step = 1;
    const double maxValue = chartMaxValue(series);
    g.yMax = niceAxisMax(maxValue, kTicks, step);
    if (axes.integerValues && step < 1) {
        step = 1;
        g.yMax = std::max(1.0, std::ceil(maxValue));
    }
    int tickWidth = 0;
    for (int i = 0; i <= kTicks; ++i)
        tickWidth = std::max(tickWidth, fm.horizontalAdvance(tickText(step * i, step)));

    const int line = fm.height();
    const bool legendBeside =
        fm.horizontalAdvance(axes.title) + legendWidth(fm, series) + 2 * kGap < area.width();
    const int top = area.top() + kGap + (axes.title.isEmpty() ? 0 : line) +
                    (legendBeside || series.empty() ? 0 : line + kGap) + kGap;
    const int left =
        area.left() + kGap + (axes.yTitle.isEmpty() ? 0 : line + kGap) + tickWidth + kGap;
    const int bottom =
        area.bottom() - kGap - (axes.xTitle.isEmpty() ? 0 : line + kGap) - line - kGap;
    const int right = area.right() - kGap - fm.horizontalAdvance(QStringLiteral("00")) / 2;
    if (right - left < 20 || bottom - top < 20)
        return g;
    g.plot = QRectF(QPointF(left, top), QPointF(right, bottom));

    painter.save();
    painter.setPen(text);
    // Title on the left, legend on the right (or under the title when narrow).
    painter.drawText(QRect(area.left() + kGap, area.top() + kGap, area.width(), line),
                     Qt::AlignLeft | Qt::AlignVCenter, axes.title);
    int x = legendBeside ? area.right() - kGap - legendWidth(fm, series) : area.left() + kGap;
    const int legendY = area.top() + kGap + (legendBeside ? 0 : line + kGap);
    for (const ChartSeries& s : series) {
        painter.fillRect(QRect(x, legendY + (line - kSwatch) / 2, kSwatch, kSwatch), s.color);
        x += kSwatch + 4;
        painter.drawText(QRect(x, legendY, fm.horizontalAdvance(s.name) + 1, line),
                         Qt::AlignLeft | Qt::AlignVCenter, s.name);
        x += fm.horizontalAdvance(s.name) + 2 * kGap;
    }

    // Y grid and tick labels.
    const int ticks = int(std::lround(g.yMax / step));
    for (int i = 0; i <= ticks; ++i) {
        const double y = g.y(step * i);
        painter.setPen(grid);
        painter.drawLine(QPointF(g.plot.left(), y), QPointF(g.plot.right(), y));
        painter.setPen(text);
        painter.drawText(QRectF(g.plot.left() - kGap - tickWidth, y - line / 2.0, tickWidth, line),
                         Qt::AlignRight | Qt::AlignVCenter, tickText(step * i, step));
    }
    painter.drawLine(g.plot.bottomLeft(), g.plot.bottomRight());
    painter.drawLine(g.plot.bottomLeft(), g.plot.topLeft());

    // Category labels, every n-th one when they would overlap.
    int widest = 1;
    for (const QString& c : axes.categories)
        widest = std::max(widest, fm.horizontalAdvance(c));
    const int every = std::max(1, int(std::ceil((widest + kGap) / std::max(1.0, g.slotWidth()))));
    for (int i = 0; i < g.categories; i += every) {
        const double center = g.slotLeft(i) + g.slotWidth() / 2;
        painter.drawText(QRectF(center - widest, g.plot.bottom() + kGap / 2.0, 2.0 * widest, line),
                         Qt::AlignHCenter | Qt::AlignTop, axes.categories[i]);
    }

    // Axis titles.
    if (!axes.xTitle.isEmpty())
        painter.drawText(
            QRectF(g.plot.left(), g.plot.bottom() + kGap + line + kGap, g.plot.width(), line),
            Qt::AlignHCenter | Qt::AlignVCenter, axes.xTitle);
    if (!axes.yTitle.isEmpty()) {
        painter.translate(area.left() + kGap, g.plot.center().y());
        painter.rotate(-90);
        painter.drawText(QRectF(-g.plot.height() / 2, 0, g.plot.height(), line),
                         Qt::AlignHCenter | Qt::AlignVCenter, axes.yTitle);
    }
    painter.restore();
    return g;
}

}  // namespace sockscope::ui
