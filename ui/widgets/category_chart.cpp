#include "widgets/category_chart.h"

namespace sockscope::ui {

CategoryChart::CategoryChart(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void CategoryChart::setAxes(ChartAxes axes) {
    axes_ = std::move(axes);
    update();
}

void CategoryChart::setSeries(std::vector<ChartSeries> series) {
    series_ = std::move(series);
    update();
}

}  // namespace sockscope::ui
