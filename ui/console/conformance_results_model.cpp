#include "console/conformance_results_model.h"

#include <QColor>
#include <QFont>
#include <QLocale>

#include "session/conformance_catalogue.h"
#include "session/qt_text.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {
namespace {

namespace conformance = session::conformance;

// Ids sort in catalogue order ("1.1.10" after "1.1.9"): a case's position.
qlonglong cataloguePosition(const conformance::Case* testCase) {
    const std::vector<conformance::Case>& all = conformance::catalogue();
    if (!testCase || all.empty() || testCase < all.data() || testCase >= all.data() + all.size())
        return -1;
    return qlonglong(testCase - all.data());
}

}  // namespace

QColor verdictColour(conformance::Verdict verdict) {
    switch (verdict) {
        case conformance::Verdict::Pass:
            return QColor(0x2e, 0x9d, 0x3a);
        case conformance::Verdict::NonStrict:
            return QColor(0xd0, 0x8a, 0x00);
        case conformance::Verdict::Fail:
            return QColor(0xd3, 0x2f, 0x2f);
        case conformance::Verdict::Unsupported:
            return QColor(0x80, 0x80, 0x80);
    }
    return {};
}

ConformanceResultsModel::ConformanceResultsModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConformanceResultsModel::clear() {
    beginResetModel();
    rows_.clear();
    endResetModel();
}

void ConformanceResultsModel::append(const conformance::CaseResult& result,
                                     std::shared_ptr<const CaseRecording> recording) {
    const int at = int(rows_.size());
    beginInsertRows({}, at, at);
    rows_.push_back({result, std::move(recording)});
    endInsertRows();
}

std::vector<conformance::CaseResult> ConformanceResultsModel::results() const {
    std::vector<conformance::CaseResult> out;
    out.reserve(rows_.size());
    for (const Row& row : rows_)
        out.push_back(row.result);
    return out;
}

int ConformanceResultsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

int ConformanceResultsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConformanceResultsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(rows_.size()))
        return {};
    const conformance::CaseResult& result = rows_[std::size_t(index.row())].result;
    const conformance::Case* testCase = result.testCase;
    const int column = index.column();
    switch (role) {
        case VerdictRole:
            return fromStd(conformance::verdictName(result.verdict));
        case SortRole:
            switch (column) {
                case Id:
                case Group:
                    return cataloguePosition(testCase);
                case Verdict:
                    return int(result.verdict);
                case Duration:
                    return qlonglong(result.milliseconds);
                default:
                    return data(index, Qt::DisplayRole);
            }
        case Qt::ForegroundRole:
            return column == Verdict ? QVariant(verdictColour(result.verdict)) : QVariant();
        case Qt::FontRole:
            if (column == Verdict) {
                QFont bold;
                bold.setBold(true);
                return bold;
            }
            return {};
        case Qt::TextAlignmentRole:
            return column == Duration ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
        case Qt::ToolTipRole:
            return column == Reason || column == Description ? data(index, Qt::DisplayRole)
                                                             : QVariant();
        case Qt::DisplayRole:
            break;
        default:
            return {};
    }
    switch (column) {
        case Id:
            return testCase ? fromStd(testCase->id) : u"?"_s;
        case Group:
            return testCase ? fromStd(testCase->group()) : QString();
        case Rfc:
            return testCase ? fromStd(testCase->rfc) : QString();
        case Description:
            return testCase ? fromStd(testCase->description) : QString();
        case Verdict:
            return fromStd(conformance::verdictName(result.verdict));
        case Reason:
            return fromStd(result.reason);
        case Duration:
            return tr("%L1 ms").arg(result.milliseconds);
        default:
            return {};
    }
}

QVariant ConformanceResultsModel::headerData(int section, Qt::Orientation orientation,
                                             int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
        case Id:
            return tr("Case");
        case Group:
            return tr("Group");
        case Rfc:
            return tr("RFC");
        case Description:
            return tr("Description");
        case Verdict:
            return tr("Verdict");
        case Reason:
            return tr("Reason");
        case Duration:
            return tr("Duration");
        default:
            return {};
    }
}

}  // namespace sockscope::ui
