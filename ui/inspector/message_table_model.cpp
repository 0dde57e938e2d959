#include "inspector/message_table_model.h"

#include <sockscope/core/close_code.h>
#include <sockscope/core/opcode.h>

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFont>

#include <algorithm>
#include <climits>

namespace sockscope::ui {
namespace {

constexpr std::size_t kPreviewBytes = 96;

QString opcodeText(std::uint8_t opcode) {
    return QString::fromLatin1(opcodeName(opcode));
}

// One line: text as text (control characters escaped), binary as hex.
QString preview(const std::vector<std::uint8_t>& bytes, bool isText, bool cut) {
    QString out;
    if (isText) {
        const QString s =
            QString::fromUtf8(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
        for (const QChar c : s) {
            if (c == u'\n')
                out += u"\\n";
            else if (c == u'\r')
                out += u"\\r";
            else if (c == u'\t')
                out += u"\\t";
            else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
                out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
            else
                out += c;
        }
    } else {
        out = QString::fromLatin1(
            QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()))
                .toHex(' '));
    }
    if (cut)
        out += QChar(0x2026);  // …
    return out;
}

}  // namespace

MessageTableModel::MessageTableModel(const CaptureDocument& document, QObject* parent)
    : QAbstractTableModel(parent), document_(document) {
    connect(&document, &CaptureDocument::appended, this,
            [this](RowId frames, RowId messages, RowId) { onAppended(frames, messages); });
    shown_ = recordCount();
}

RowId MessageTableModel::recordCount() const {
    return mode_ == Mode::Messages ? document_.index().messageCount()
                                   : document_.index().frameCount();
}

void MessageTableModel::setMode(Mode mode) {
    if (mode == mode_)
        return;
    mode_ = mode;
    rebuild();
}

void MessageTableModel::setFilter(RowFilter filter) {
    filter_ = std::move(filter);
    rebuild();
}

void MessageTableModel::setTimeDisplay(TimeDisplay display) {
    time_ = display;
    if (shown_ > 0)
        emit dataChanged(index(0, Time), index(rowCount() - 1, Time));
}

bool MessageTableModel::accepts(RowId id) const {
    const CaptureIndex& index = document_.index();
    std::uint32_t conn;
    bool server;
    std::uint8_t opcode;
    bool anomaly;
    if (mode_ == Mode::Messages) {
        const MessageRecord& m = index.message(id);
        conn = m.conn;
        server = m.fromServer();
        opcode = m.opcode;
        anomaly = m.flags & message_flag::Invalid;
    } else {
        const FrameRecord& f = index.frame(id);
        conn = f.conn;
        server = f.fromServer();
        opcode = f.opcode;
        anomaly = f.flags & frame_flag::Anomaly;
    }
    if (!filter_.connections.empty() && !filter_.connections.count(conn))
        return false;
    if (filter_.direction && server != (*filter_.direction == dissector::Direction::Server))
        return false;
    if (!filter_.opcodes.empty() && !filter_.opcodes.count(opcode))
        return false;
    return !filter_.anomaliesOnly || anomaly;
}

// Filtering is one pass over fixed-size records: millions per second.
void MessageTableModel::rebuild() {
    beginResetModel();
    rows_.clear();
    const RowId count = recordCount();
    if (filter_.active()) {
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

void MessageTableModel::onAppended(RowId framesBefore, RowId messagesBefore) {
    const RowId before = mode_ == Mode::Messages ? messagesBefore : framesBefore;
    const RowId count = recordCount();
    std::vector<RowId> added;
    if (filter_.active()) {
        for (RowId id = before; id < count; ++id)
            if (accepts(id))
                added.push_back(id);
    }
    const RowId newShown = filter_.active() ? shown_ + added.size() : count;
    const RowId cap = RowId(INT_MAX);  // a view counts rows in int
    const int first = int(std::min(shown_, cap));
    const int last = int(std::min(newShown, cap)) - 1;
    if (last >= first) {
        beginInsertRows({}, first, last);
        rows_.insert(rows_.end(), added.begin(), added.end());
        shown_ = newShown;
        endInsertRows();
    } else {
        rows_.insert(rows_.end(), added.begin(), added.end());
        shown_ = newShown;
    }
    // Frames of earlier batches may have joined messages or gained flags.
    if (mode_ == Mode::Frames && first > 0)
        emit dataChanged(index(0, 0), index(first - 1, ColumnCount - 1));
}

RowId MessageTableModel::rowId(int row) const {
    if (row < 0 || RowId(row) >= shown_)
        return kNoRow;
    return filter_.active() ? rows_[std::size_t(row)] : RowId(row);
}

int MessageTableModel::rowOf(RowId id) const {
    if (!filter_.active())
        return id < shown_ && id <= RowId(INT_MAX) ? int(id) : -1;
    const auto it = std::lower_bound(rows_.begin(), rows_.end(), id);
    return it != rows_.end() && *it == id ? int(it - rows_.begin()) : -1;
}

int MessageTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(std::min(shown_, RowId(INT_MAX)));
}

int MessageTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString MessageTableModel::timeText(RowId id, std::int64_t ns) const {
    const CaptureIndex& index = document_.index();
    switch (time_) {
        case TimeDisplay::Absolute:
            return QDateTime::fromMSecsSinceEpoch(ns / 1000000)
                       .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")) +
                   QStringLiteral("%1").arg(ns % 1000000 / 1000, 3, 10, QLatin1Char('0'));
        case TimeDisplay::Relative:
            return QString::number(double(ns - index.firstNs()) / 1e9, 'f', 6);
        case TimeDisplay::Delta: {
            const int row = rowOf(id);
            const RowId previous = rowId(row - 1);
            if (previous == kNoRow)
                return QStringLiteral("0.000000");
            const std::int64_t before =
                mode_ == Mode::Messages ? index.message(previous).tsNs : index.frame(previous).tsNs;
            return QString::number(double(ns - before) / 1e9, 'f', 6);
        }
    }
    return {};
}

QString MessageTableModel::previewText(RowId id) const {
    const CaptureIndex& index = document_.index();
    if (mode_ == Mode::Messages) {
        const MessageRecord& m = index.message(id);
        if (m.opcode == static_cast<std::uint8_t>(sockscope::Opcode::Close)) {
            const MessageBytes b = document_.messageBytes(id, 125);
            QString text =
                (m.flags & message_flag::HasCloseCode)
                    ? QString::number(m.closeCode) + u' ' +
                          QString::fromUtf8(closeCodeInfo(m.closeCode).name.data(),
                                            qsizetype(closeCodeInfo(m.closeCode).name.size()))
                    : tr("no code");
            if (b.payload.size() > 2)
                text += QStringLiteral(" \"%1\"").arg(
                    QString::fromUtf8(reinterpret_cast<const char*>(b.payload.data()) + 2,
                                      qsizetype(b.payload.size() - 2)));
            return text;
        }
        const MessageBytes b = document_.messageBytes(id, kPreviewBytes);
        if (!b.complete && b.payload.size() < std::min<std::uint64_t>(m.length, kPreviewBytes))
            return tr("(payload not in the capture)");
        return preview(b.payload, m.opcode == 1, m.length > b.payload.size());
    }
    const FrameRecord& f = index.frame(id);
    const FrameBytes b = document_.frameBytes(id, kPreviewBytes);
    // A continuation frame shows as text when its message is text (and not compressed).
    const std::uint8_t opcode =
        f.opcode == 0 && f.message != kNoRow ? index.message(f.message).opcode : f.opcode;
    const bool compressed =
        f.message != kNoRow && (index.message(f.message).flags & message_flag::Compressed);
    const bool text = opcode == 1 && !(f.flags & frame_flag::Rsv1) && !compressed;
    return preview(b.payload, text, f.payloadLength > b.payload.size());
}

QVariant MessageTableModel::data(const QModelIndex& index, int role) const {
    const RowId id = rowId(index.row());
    if (id == kNoRow)
        return {};
    const CaptureIndex& capture = document_.index();
    const bool messages = mode_ == Mode::Messages;
    const bool server =
        messages ? capture.message(id).fromServer() : capture.frame(id).fromServer();
    if (role == RowIdRole)
        return QVariant::fromValue(qulonglong(id));
    if (role == Qt::ForegroundRole && index.column() == Direction)
        return QBrush(server ? QColor(0x1f, 0x77, 0xb4) : QColor(0xd6, 0x5f, 0x00));
    if (role == Qt::ForegroundRole) {
        const bool anomaly = messages ? (capture.message(id).flags & message_flag::Invalid)
                                      : (capture.frame(id).flags & frame_flag::Anomaly);
        if (anomaly)
            return QBrush(QColor(0xc0, 0x1c, 0x28));
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
            case Number:
            case Length:
            case WireLength:
            case Time:
                return int(Qt::AlignRight | Qt::AlignVCenter);
            case Direction:
            case Fin:
            case Masked:
            case Compressed:
                return int(Qt::AlignCenter);
            default:
                return {};
        }
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    const auto yesNo = [](bool b) { return b ? QStringLiteral("✓") : QString(); };
    if (messages) {
        const MessageRecord& m = capture.message(id);
        switch (index.column()) {
            case Number:
                return QString::number(id + 1);
            case Time:
                return timeText(id, m.tsNs);
            case Connection:
                return QString::number(m.conn);
            case Direction:
                return server ? QStringLiteral("← server") : QStringLiteral("client →");
            case Opcode:
                return opcodeText(m.opcode);
            case Length:
                return QString::number(m.length);
            case WireLength:
                return QString::number(m.wireLength);
            case Fin:
                return QString::number(m.frames);
            case Masked:
                return yesNo(!server);
            case Compressed:
                return yesNo(m.flags & message_flag::Compressed);
            case Preview:
                return previewText(id);
            default:
                return {};
        }
    }
    const FrameRecord& f = capture.frame(id);
    switch (index.column()) {
        case Number:
            return QString::number(id + 1);
        case Time:
            return timeText(id, f.tsNs);
        case Connection:
            return QString::number(f.conn);
        case Direction:
            return server ? QStringLiteral("← server") : QStringLiteral("client →");
        case Opcode:
            return opcodeText(f.opcode);
        case Length:
            return QString::number(f.payloadLength);
        case WireLength:
            return QString::number(f.headerLength + f.payloadLength);
        case Fin:
            return yesNo(f.flags & frame_flag::Fin);
        case Masked:
            return yesNo(f.flags & frame_flag::Masked);
        case Compressed:
            return yesNo(f.flags & frame_flag::Rsv1);
        case Preview:
            return previewText(id);
        default:
            return {};
    }
}

QVariant MessageTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    const bool messages = mode_ == Mode::Messages;
    switch (section) {
        case Number:
            return tr("No.");
        case Time:
            return tr("Time");
        case Connection:
            return tr("Conn");
        case Direction:
            return tr("Direction");
        case Opcode:
            return tr("Opcode");
        case Length:
            return messages ? tr("Length") : tr("Payload");
        case WireLength:
            return messages ? tr("On the wire") : tr("Frame bytes");
        case Fin:
            return messages ? tr("Frames") : tr("FIN");
        case Masked:
            return tr("Masked");
        case Compressed:
            return messages ? tr("Compressed") : tr("RSV1");
        case Preview:
            return tr("Preview");
        default:
            return {};
    }
}

}  // namespace sockscope::ui
