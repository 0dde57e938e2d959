#pragma once
// The message/frame table of the selected connections: a table model over
// the CaptureIndex's records (no object per row), in message or frame mode,
// with filters (connections, direction, opcodes, anomalies only, the records
// a payload search found) kept as a vector of 64-bit row ids (none when
// nothing is filtered). Rows appended while a capture loads show up at once;
// previews are read from the file only for the rows a view asks for.

#include <QAbstractTableModel>

#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "inspector/capture_document.h"
#include "inspector/time_format.h"

namespace sockscope::ui {

enum class TextEncoding;  // preferences.h

struct RowFilter {
    std::set<std::uint32_t> connections;  // empty: all
    std::optional<dissector::Direction> direction;
    std::set<std::uint8_t> opcodes;  // empty: all
    bool anomaliesOnly = false;
    // Sorted record ids (of the model's mode) a payload search found; nullptr: no search.
    std::shared_ptr<const std::vector<RowId>> matches;
    // With `matches`: records [0, searchedUpTo) were searched. Later records are
    // hidden until a search covers them (extendMatches), so a row appended while
    // a capture loads never shows as a match before it was searched.
    RowId searchedUpTo = 0;
    bool active() const {
        return !connections.empty() || direction || !opcodes.empty() || anomaliesOnly ||
               matches != nullptr;
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

    // Search matches are record ids of one mode: switching drops them to "nothing
    // searched yet" (no rows) until the caller searches the new mode.
    void setMode(Mode mode);
    Mode mode() const { return mode_; }
    void setFilter(RowFilter filter);
    const RowFilter& filter() const { return filter_; }
    // A search went on past filter().searchedUpTo: `matches` keeps the current
    // matches below the old searchedUpTo and adds those up to `searchedUpTo`.
    // The new rows are appended (no reset: the view keeps selection and
    // scrolling). Without a search in the filter it is setFilter.
    void extendMatches(std::shared_ptr<const std::vector<RowId>> matches, RowId searchedUpTo);
    void setTimeDisplay(TimeDisplay display);
    // How the Preview column reads text payloads (the Content view's choice too).
    void setTextEncoding(TextEncoding encoding);
    // The record behind a row.
    RowId rowId(int row) const;
    // The row showing a record, or -1 (filtered out).
    int rowOf(RowId id) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    // The filter in the form the row loop tests cheaply (no tree lookups).
    struct Compiled {
        std::vector<std::uint8_t> connections;  // by connection id; empty: all
        bool connectionsPastTable = false;      // ids too large for the table: ask the set
        std::uint16_t opcodes = 0xFFFF;         // bit per opcode
        std::uint8_t serverMask = 0;            // the direction bit tested, and its wanted value
        std::uint8_t serverWanted = 0;
        bool anomaliesOnly = false;
    };
    void onAppended(RowId framesBefore, RowId messagesBefore);
    void compile();
    // Appends the accepted records of [begin, end) to `out`.
    void collect(RowId begin, RowId end, std::vector<RowId>& out) const;
    // Shows `added` (records after every row shown) as new rows at the end.
    void appendRows(const std::vector<RowId>& added, RowId newShown);
    RowId recordCount() const;
    void rebuild();
    QString timeText(RowId id, std::int64_t ns) const;
    QString previewText(RowId id) const;

    const CaptureDocument& document_;
    Mode mode_ = Mode::Messages;
    RowFilter filter_;
    Compiled compiled_;
    TimeDisplay time_ = TimeDisplay::Relative;
    TextEncoding encoding_;    // UTF-8 until set (the constructor)
    std::vector<RowId> rows_;  // used when the filter is active
    RowId shown_ = 0;          // rows shown (rows_.size() or all records)
};

}  // namespace sockscope::ui
