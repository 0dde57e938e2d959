#pragma once
// What BarChart and LineChart share as widgets: their plain data (axes and
// series), size hints, and a repaint when the data changes. Each draws its
// own marks in paintEvent over drawChartFrame's frame.

#include <QWidget>

#include <vector>

#include "widgets/chart_frame.h"

namespace sockscope::ui {

class CategoryChart : public QWidget {
    Q_OBJECT

public:
    explicit CategoryChart(QWidget* parent = nullptr);

    void setAxes(ChartAxes axes);
    void setSeries(std::vector<ChartSeries> series);
    const ChartAxes& axes() const { return axes_; }
    const std::vector<ChartSeries>& series() const { return series_; }

    QSize sizeHint() const override { return {480, 240}; }
    QSize minimumSizeHint() const override { return {240, 160}; }

protected:
    ChartAxes axes_;
    std::vector<ChartSeries> series_;
};

}  // namespace sockscope::ui
