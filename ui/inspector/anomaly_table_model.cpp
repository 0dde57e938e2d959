#include "inspector/anomaly_table_model.h"
#include "session/qt_text.h"

#include <QBrush>
#include <QColor>

#include <algorithm>
#include <climits>

namespace sockscope::ui {
namespace {

// A view counts rows in int.
int clampRows(RowId rows) {
    return int(std::min(rows, RowId(INT_MAX)));
}

}  // namespace

AnomalyTableModel::AnomalyTableModel(const CaptureDocument& document, QObject* parent)
    : QAbstractTableModel(parent), document_(document) {
    connect(&document, &CaptureDocument::appended, this,
            [this](RowId, RowId, RowId anomalies) { onAppended(anomalies); });
    shown_ = document.index().anomalyCount();
}

bool AnomalyTableModel::accepts(RowId id) const {
    return !filtered() || connections_.count(document_.index().anomaly(id).conn);
}

void AnomalyTableModel::setTimeDisplay(TimeDisplay display) {
    time_ = display;
    if (rowCount() > 0)
        emit dataChanged(index(0, Time), index(rowCount() - 1, Time));
}

void AnomalyTableModel::setConnections(std::set<std::uint32_t> connections) {
    beginResetModel();
    connections_ = std::move(connections);
    rows_.clear();
    const RowId count = document_.index().anomalyCount();
    if (filtered()) {
        for (RowId id = 0; id < count; ++id)
            if (accepts(id))
                rows_.push_back(id);
        shown_ = rows_.size();
    } else {
        rows_.shrink_to_fit();
        shown_ = count;
    }
    endResetModel();
}

void AnomalyTableModel::onAppended(RowId anomaliesBefore) {
    const RowId count = document_.index().anomalyCount();
    std::vector<RowId> added;
    if (filtered()) {
        for (RowId id = anomaliesBefore; id < count; ++id)
            if (accepts(id))
                added.push_back(id);
    }
    const RowId newShown = filtered() ? shown_ + added.size() : count;
    const int first = clampRows(shown_);
    const int last = clampRows(newShown) - 1;
    const bool visible = last >= first;
    if (visible)
        beginInsertRows({}, first, last);
    rows_.insert(rows_.end(), added.begin(), added.end());
    shown_ = newShown;
    if (visible)
        endInsertRows();
}

RowId AnomalyTableModel::anomalyAt(int row) const {
    if (row < 0 || RowId(row) >= shown_)
        return kNoRow;
    return filtered() ? rows_[std::size_t(row)] : RowId(row);
}

int AnomalyTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : clampRows(shown_);
}

int AnomalyTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AnomalyTableModel::data(const QModelIndex& index, int role) const {
    const RowId id = anomalyAt(index.row());
    if (id == kNoRow)
        return {};
    const AnomalyRecord& a = document_.index().anomaly(id);
    if (role == FrameRole)
        return QVariant::fromValue(qulonglong(a.frame));
    if (role == Qt::ToolTipRole) {
        // The detail can be long (a byte position, values): the full text lives here.
        QString tip = fromStd(a.kind);
        if (!a.rfc.empty())
            tip += QStringLiteral(" (%1)").arg(fromStd(a.rfc));
        return QString(tip + u'\n' + fromStd(a.detail));
    }
    if (role == Qt::ForegroundRole && index.column() == Direction && a.dir)
        return QBrush(*a.dir == dissector::Direction::Server ? QColor(0x1f, 0x77, 0xb4)
                                                             : QColor(0xd6, 0x5f, 0x00));
    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
            case Number:
            case Time:
            case Connection:
            case Packet:
                return int(Qt::AlignRight | Qt::AlignVCenter);
            case Direction:
                return int(Qt::AlignCenter);
            default:
                return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
        case Number:
            return QString::number(id + 1);
        case Time: {
            std::optional<std::int64_t> before;
            if (time_ == TimeDisplay::Delta && index.row() > 0)
                before = document_.index().anomaly(anomalyAt(index.row() - 1)).tsNs;
            return formatTime(time_, a.tsNs, document_.index().firstNs(), before);
        }
        case Connection:
            return a.conn ? QString::number(a.conn) : QString();
        case Direction:
            if (!a.dir)
                return QString();
            return *a.dir == dissector::Direction::Server ? QStringLiteral("← server")
                                                          : QStringLiteral("client →");
        case Kind:
            return fromStd(a.kind);
        case Rfc:
            return fromStd(a.rfc);
        case Detail: {
            // One line in the table; the tooltip has the whole text.
            QString line = fromStd(a.detail);
            line.replace(u'\n', u' ');
            return line;
        }
        case Packet:
            return a.packet ? QString::number(a.packet) : QString();
        default:
            return {};
    }
}

QVariant AnomalyTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
        case Number:
            return tr("#");
        case Time:
            return tr("Time");
        case Connection:
            return tr("Conn");
        case Direction:
            return tr("Direction");
        case Kind:
            return tr("Kind");
        case Rfc:
            return tr("RFC");
        case Detail:
            return tr("Detail");
        case Packet:
            return tr("Packet");
        default:
            return {};
    }
}

}  // namespace sockscope::ui
