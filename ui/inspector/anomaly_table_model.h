#pragma once
// The anomaly list: one row per AnomalyRecord of the capture (protocol
// violations, TCP gaps, detection notes), optionally only those of some
// connections. Rows appended while the capture loads show up at once.

#include <QAbstractTableModel>

#include <set>
#include <vector>

#include "inspector/capture_document.h"
#include "inspector/time_format.h"

namespace sockscope::ui {

class AnomalyTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Number, Time, Connection, Direction, Kind, Rfc, Detail, Packet, ColumnCount };
    // The anomaly's frame RowId (qulonglong; kNoRow when it is about no frame).
    static constexpr int FrameRole = Qt::UserRole + 1;

    explicit AnomalyTableModel(const CaptureDocument& document, QObject* parent = nullptr);

    // Only the anomalies of these connections; empty: all of them (also those of no connection).
    void setConnections(std::set<std::uint32_t> connections);
    void setTimeDisplay(TimeDisplay display);
    const std::set<std::uint32_t>& connections() const { return connections_; }
    // The AnomalyRecord behind a row, or kNoRow.
    RowId anomalyAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void onAppended(RowId anomaliesBefore);
    bool accepts(RowId id) const;
    bool filtered() const { return !connections_.empty(); }

    const CaptureDocument& document_;
    std::set<std::uint32_t> connections_;
    TimeDisplay time_ = TimeDisplay::Relative;
    std::vector<RowId> rows_;  // used when filtered
    RowId shown_ = 0;
};

}  // namespace sockscope::ui
