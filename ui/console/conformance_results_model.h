#pragma once
// The conformance tab's results table: one row per finished case (id,
// group, RFC section, description, verdict, reason, duration), appended as
// cases end, each with its recording for the drill-down. The verdict is text
// and colour both. A QSortFilterProxyModel sorts on SortRole (ids in
// catalogue order, durations as numbers) and filters on VerdictRole.

#include <QAbstractTableModel>

#include <memory>
#include <vector>

#include "console/conformance_recording.h"
#include "session/conformance_session.h"

namespace sockscope::ui {

class ConformanceResultsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Id, Group, Rfc, Description, Verdict, Reason, Duration, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1,
        VerdictRole,  // "pass", "non-strict", "fail", "unsupported"
    };

    explicit ConformanceResultsModel(QObject* parent = nullptr);

    void clear();
    // `recording` may be nullptr (a client that never connected).
    void append(const session::conformance::CaseResult& result,
                std::shared_ptr<const CaseRecording> recording);
    const session::conformance::CaseResult& result(int row) const {
        return rows_.at(std::size_t(row)).result;
    }
    std::shared_ptr<const CaseRecording> recording(int row) const {
        return rows_.at(std::size_t(row)).recording;
    }
    // The results in the order the cases ran.
    std::vector<session::conformance::CaseResult> results() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row {
        session::conformance::CaseResult result;
        std::shared_ptr<const CaseRecording> recording;
    };
    std::vector<Row> rows_;
};

// The colour a verdict is shown in (readable on light and dark bases).
QColor verdictColour(session::conformance::Verdict verdict);

}  // namespace sockscope::ui
