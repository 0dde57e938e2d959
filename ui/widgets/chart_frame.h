#pragma once
// What the category charts (BarChart, LineChart) share: plain-data series and
// the frame around the plot — title, legend, labelled axes, a y grid with
// round tick values and category labels thinned to fit. Colours for text and
// grid come from the palette, so the charts follow light and dark themes.

#include <QColor>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <vector>

class QPainter;
class QPalette;

namespace sockscope::ui {

struct ChartSeries {
    QString name;
    QColor color;
    std::vector<double> values;  // one per category; missing ones count as 0
};

struct ChartAxes {
    QString title;
    QString xTitle;
    QString yTitle;
    QStringList categories;
    bool integerValues = false;  // counts: no tick between 0 and 1
};

struct ChartGeometry {
    QRectF plot;      // where the data goes
    double yMax = 1;  // value at the plot's top edge
    int categories = 0;

    double slotWidth() const { return categories > 0 ? plot.width() / categories : plot.width(); }
    double slotLeft(int category) const { return plot.left() + category * slotWidth(); }
    double y(double value) const { return plot.bottom() - value / yMax * plot.height(); }
};

// The top of a y axis showing `maxValue` with about `ticks` round steps; `step` receives the step.
double niceAxisMax(double maxValue, int ticks, double& step);

// Draws the frame into `area` and returns where the plot goes (empty when the area is too small).
ChartGeometry drawChartFrame(QPainter& painter, const QRect& area, const QPalette& palette,
                             const ChartAxes& axes, const std::vector<ChartSeries>& series);

// The largest value of all series (0 when there is none).
double chartMaxValue(const std::vector<ChartSeries>& series);

}  // namespace sockscope::ui
