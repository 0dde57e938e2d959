#pragma once
// The conformance tab's counts: one row per group of the run, then one for
// the whole run, with pass / non-strict / fail / unsupported and how many of
// the group's cases have run; updated as each case finishes.

#include <QTableWidget>

#include <vector>

#include "session/conformance_report.h"

namespace sockscope::ui {

class ConformanceTallyTable : public QTableWidget {
    Q_OBJECT

public:
    enum Column { GroupName, Pass, NonStrict, Fail, Unsupported, Done, ColumnCount };

    explicit ConformanceTallyTable(QWidget* parent = nullptr);

    // A row per group of `cases` (catalogue order) and the overall row, all counts 0.
    void plan(const std::vector<const session::conformance::Case*>& cases);
    void setSummary(const session::conformance::Summary& summary);
    // The row of a group ("framing") or of "overall"; -1 when there is none.
    int rowOf(const QString& group) const;
    // The text shown in a cell, for tests ("" when there is no such cell).
    QString cell(const QString& group, Column column) const;

    QSize sizeHint() const override;

private:
    void setCount(int row, int column, int count, const QColor& colour);

    std::vector<QString> groups_;  // row order, "overall" last
    std::vector<int> planned_;     // cases per row
};

}  // namespace sockscope::ui
