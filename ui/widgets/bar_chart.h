#pragma once
// A grouped bar chart drawn with QPainter: one group of bars per category,
// one bar per series, with title, legend and labelled axes. Takes plain data.

#include "widgets/category_chart.h"

namespace sockscope::ui {

class BarChart : public CategoryChart {
    Q_OBJECT

public:
    using CategoryChart::CategoryChart;

protected:
    void paintEvent(QPaintEvent* event) override;
};

}  // namespace sockscope::ui
