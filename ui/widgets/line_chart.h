#pragma once
// A line chart over categories drawn with QPainter (one polyline per series,
// a dot per point when there are few), with title, legend and labelled axes.
// Takes plain data; suits values over time buckets.

#include "widgets/category_chart.h"

namespace sockscope::ui {

class LineChart : public CategoryChart {
    Q_OBJECT

public:
    using CategoryChart::CategoryChart;

protected:
    void paintEvent(QPaintEvent* event) override;
};

}  // namespace sockscope::ui
