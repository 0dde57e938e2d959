#pragma once
// A line chart over categories drawn with QPainter (one polyline per series,
// a dot per point when there are few), with title, legend and labelled axes.
// Takes plain data; suits values over time buckets.

#include <QWidget>

#include "widgets/chart_frame.h"

namespace sockscope::ui {

class LineChart : public QWidget {
    Q_OBJECT

public:
    explicit LineChart(QWidget* parent = nullptr);

    void setAxes(ChartAxes axes);
    void setSeries(std::vector<ChartSeries> series);
    const ChartAxes& axes() const { return axes_; }
    const std::vector<ChartSeries>& series() const { return series_; }

    QSize sizeHint() const override { return {480, 240}; }
    QSize minimumSizeHint() const override { return {240, 160}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    ChartAxes axes_;
    std::vector<ChartSeries> series_;
};

}  // namespace sockscope::ui
