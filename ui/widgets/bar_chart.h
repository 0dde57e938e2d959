#pragma once
// A grouped bar chart drawn with QPainter: one group of bars per category,
// one bar per series, with title, legend and labelled axes. Takes plain data.

#include <QWidget>

#include "widgets/chart_frame.h"

namespace sockscope::ui {

class BarChart : public QWidget {
    Q_OBJECT

public:
    explicit BarChart(QWidget* parent = nullptr);

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
