#include "console/conformance_tally_table.h"

#include <QHeaderView>

#include "console/conformance_results_model.h"
#include "session/qt_text.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {
namespace {

namespace conformance = session::conformance;

const QString kOverall = u"overall"_s;

// "6 utf8": the names the CLI's report uses, with the ids' number.
QString labelOf(const QString& name) {
    for (const conformance::Group& group : conformance::groups()) {
        if (fromStd(group.name) == name)
            return fromStd(group.number) + u' ' + name;
    }
    return name;
}

QString titleOf(const QString& name) {
    for (const conformance::Group& group : conformance::groups()) {
        if (fromStd(group.name) == name)
            return fromStd(group.title);
    }
    return name;
}

}  // namespace

ConformanceTallyTable::ConformanceTallyTable(QWidget* parent) : QTableWidget(parent) {
    setColumnCount(ColumnCount);
    setHorizontalHeaderLabels(
        {tr("Group"), tr("Pass"), tr("Non-strict"), tr("Fail"), tr("Unsupported"), tr("Done")});
    verticalHeader()->hide();
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionMode(QAbstractItemView::NoSelection);
    setFocusPolicy(Qt::NoFocus);
    horizontalHeader()->setSectionResizeMode(GroupName, QHeaderView::Stretch);
    for (int column = Pass; column < ColumnCount; ++column)
        horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
}

void ConformanceTallyTable::plan(const std::vector<const conformance::Case*>& cases) {
    groups_.clear();
    planned_.clear();
    for (const conformance::Group& group : conformance::groups()) {
        int count = 0;
        for (const conformance::Case* testCase : cases)
            count += testCase->group() == group.name ? 1 : 0;
        if (count > 0) {
            groups_.push_back(fromStd(group.name));
            planned_.push_back(count);
        }
    }
    groups_.push_back(kOverall);
    planned_.push_back(int(cases.size()));
    setRowCount(int(groups_.size()));
    for (int row = 0; row < rowCount(); ++row) {
        const QString& group = groups_[std::size_t(row)];
        const bool overall = group == kOverall;
        auto* name = new QTableWidgetItem(overall ? tr("Overall") : labelOf(group));
        name->setToolTip(overall ? tr("Every case of the run") : titleOf(group));
        if (overall) {
            QFont bold = font();
            bold.setBold(true);
            name->setFont(bold);
        }
        setItem(row, GroupName, name);
    }
    setSummary({});
}

void ConformanceTallyTable::setSummary(const conformance::Summary& summary) {
    for (int row = 0; row < rowCount(); ++row) {
        const QString& name = groups_[std::size_t(row)];
        conformance::Tally tally;
        if (name == kOverall) {
            tally = summary.overall;
        } else {
            for (const conformance::GroupTally& group : summary.groups) {
                if (fromStd(group.name) == name)
                    tally = group.tally;
            }
        }
        setCount(row, Pass, tally.pass, verdictColour(conformance::Verdict::Pass));
        setCount(row, NonStrict, tally.nonStrict, verdictColour(conformance::Verdict::NonStrict));
        setCount(row, Fail, tally.fail, verdictColour(conformance::Verdict::Fail));
        setCount(row, Unsupported, tally.unsupported,
                 verdictColour(conformance::Verdict::Unsupported));
        auto* done = new QTableWidgetItem(
            tr("%L1 / %L2").arg(tally.total()).arg(planned_[std::size_t(row)]));
        done->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        setItem(row, Done, done);
    }
}

void ConformanceTallyTable::setCount(int row, int column, int count, const QColor& colour) {
    auto* item = new QTableWidgetItem(QString::number(count));
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    // Colour only where it says something: a zero stays plain.
    if (count > 0)
        item->setForeground(colour);
    setItem(row, column, item);
}

int ConformanceTallyTable::rowOf(const QString& group) const {
    for (std::size_t row = 0; row < groups_.size(); ++row) {
        if (groups_[row] == group)
            return int(row);
    }
    return -1;
}

QString ConformanceTallyTable::cell(const QString& group, Column column) const {
    const int row = rowOf(group);
    const QTableWidgetItem* it = row < 0 ? nullptr : item(row, column);
    return it ? it->text() : QString();
}

QSize ConformanceTallyTable::sizeHint() const {
    // Tall enough for every group of a full run without a scroll bar.
    const int rows = std::max(rowCount(), 4);
    return {QTableWidget::sizeHint().width(), horizontalHeader()->sizeHint().height() +
                                                  rows * verticalHeader()->defaultSectionSize() +
                                                  2 * frameWidth()};
}

}  // namespace sockscope::ui
