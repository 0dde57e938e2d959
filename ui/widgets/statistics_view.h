#pragma once
// The statistics pane of one connection: a summary table per direction
// (counts per opcode, bytes, fragmentation, compression), ping round trips,
// how the connection closed, and two charts — the message-size histogram and
// the message rate over time. Statistics are computed in slices on the GUI
// thread's event loop, so a connection with millions of messages never
// freezes the window; they are computed again when more of the capture loads.

#include <QWidget>

#include <algorithm>
#include <memory>

#include "inspector/connection_statistics.h"

class QLabel;
class QStackedWidget;
class QTableWidget;
class QTimer;

namespace sockscope::ui {

class BarChart;
class LineChart;

class StatisticsView : public QWidget {
    Q_OBJECT

public:
    explicit StatisticsView(const CaptureDocument& document, QWidget* parent = nullptr);
    ~StatisticsView() override;

    // 0: the empty state.
    void showConnection(std::uint32_t conn);
    std::uint32_t connection() const { return conn_; }

    // Message records looked at per event-loop turn (small in tests, to see the slicing).
    void setSliceSize(RowId records) { slice_ = std::max<RowId>(1, records); }

    bool isEmptyState() const;
    bool computing() const { return builder_ != nullptr; }
    // The statistics shown (nullptr in the empty state and before the first result).
    const ConnectionStatistics* statistics() const { return shown_.get(); }
    // Rows: the quantities; columns: client, server.
    const QTableWidget* summaryTable() const { return summary_; }
    const QTableWidget* roundTripTable() const { return roundTrips_; }
    QString headingText() const;
    QString roundTripText() const;
    QString closeText() const;
    const BarChart* sizeChart() const { return sizes_; }
    const LineChart* rateChart() const { return rate_; }

private:
    // What the statistics were computed from: recomputed only when it changes.
    struct RecordState {
        bool known = false;
        std::int64_t lastNs = 0;
        std::uint64_t messages = 0;
        bool ended = false;
        bool operator==(const RecordState&) const = default;
    };
    RecordState stateOf(std::uint32_t conn) const;
    void start();
    void refresh();
    void step();
    void present();
    void fillSummary(const ConnectionStatistics& s);
    void fillRoundTrips(const ConnectionStatistics& s);
    void fillCharts(const ConnectionStatistics& s);

    const CaptureDocument& document_;
    std::uint32_t conn_ = 0;
    RowId slice_;
    std::unique_ptr<StatisticsBuilder> builder_;
    std::unique_ptr<ConnectionStatistics> shown_;
    RecordState computedFrom_;
    QTimer* stepTimer_;
    QTimer* refreshTimer_;  // while loading: recompute at most once a second
    QStackedWidget* stack_;
    QLabel* empty_;
    QLabel* progress_;
    QLabel* heading_;
    QTableWidget* summary_;
    QLabel* roundTripSummary_;
    QTableWidget* roundTrips_;
    QLabel* close_;
    BarChart* sizes_;
    LineChart* rate_;
};

}  // namespace sockscope::ui
