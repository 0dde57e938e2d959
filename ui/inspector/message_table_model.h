#pragma once
// The message/frame table of the selected connections: a table model over
// the CaptureIndex's records (no object per row), in message or frame mode,
// with filters (connections, direction, opcodes, anomalies only) kept as a
// vector of 64-bit row ids (none when nothing is filtered). Rows appended
// while a capture loads show up at once; previews are read from the file
// only for the rows a view asks for.

#include <QAbstractTableModel>

#include <optional>
#include <set>
#include <vector>

#include "inspector/capture_document.h"

namespace sockscope::ui {

enum class TimeDisplay { Absolute, Relative, Delta };

struct RowFilter {
    std::set<std::uint32_t> connections;  // empty: all
    std::optional<dissector::Direction> direction;
    std::set<std::uint8_t> opcodes;  // empty: all
    bool anomaliesOnly = false;
    bool active() const {
        return !connections.empty() || direction || !opcodes.empty() || anomaliesOnly;
    }
};

class MessageTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        Number,
        Time,
        Connection,
        Direction,
        Opcode,
        Length,
        WireLength,
        Fin,
        Masked,
        Compressed,
        Preview,
        ColumnCount
    };
    enum class Mode { Messages, Frames };
    static constexpr int RowIdRole = Qt::UserRole + 1;  // the record's RowId (qulonglong)

    explicit MessageTableModel(const CaptureDocument& document, QObject* parent = nullptr);

    void setMode(Mode mode);
    Mode mode() const { return mode_; }
    void setFilter(RowFilter filter);
    const RowFilter& filter() const { return filter_; }
    void setTimeDisplay(TimeDisplay display);
    // The record behind a row.
    RowId rowId(int row) const;
    // The row showing a record, or -1 (filtered out).
    int rowOf(RowId id) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void onAppended(RowId framesBefore, RowId messagesBefore);
    bool accepts(RowId id) const;
    RowId recordCount() const;
    void rebuild();
    QString timeText(RowId id, std::int64_t ns) const;
    QString previewText(RowId id) const;

    const CaptureDocument& document_;
    Mode mode_ = Mode::Messages;
    RowFilter filter_;
    TimeDisplay time_ = TimeDisplay::Relative;
    std::vector<RowId> rows_;  // used when the filter is active
    RowId shown_ = 0;          // rows shown (rows_.size() or all records)
};

}  // namespace sockscope::ui
