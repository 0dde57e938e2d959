#include "inspector/message_table_model.h"

#include <sockscope/core/close_code.h>
#include <sockscope/core/opcode.h>

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QStringDecoder>

#include <algorithm>
#include <climits>

#include "inspector/preferences.h"

namespace sockscope::ui {
namespace {

constexpr std::size_t kPreviewBytes = 96;
// Filters name at most this many connection ids in a table; larger ids are looked up in the set.
constexpr std::uint32_t kConnectionTable = 1u << 20;
constexpr std::uint8_t kServerFlag = frame_flag::Server;
static_assert(frame_flag::Server == message_flag::Server, "one direction test for both records");

// The row loop: no allocation but the output's growth, no QString, no tree
// lookups. With search matches only the matched records are visited.
template <typename Compiled, typename Get>
void collectRecords(const Compiled& c, const RowFilter& filter, Get record, std::uint8_t anomaly,
                    RowId begin, RowId end, std::vector<RowId>& out) {
    const auto passes = [&](const auto& r) {
        if (!((c.opcodes >> (r.opcode & 15)) & 1))
            return false;
        if ((r.flags & c.serverMask) != c.serverWanted)
            return false;
        if (c.anomaliesOnly && !(r.flags & anomaly))
            return false;
        if (!c.connections.empty())
            return r.conn < c.connections.size()
                       ? c.connections[r.conn] != 0
                       : c.connectionsPastTable && filter.connections.count(r.conn) != 0;
        return true;
    };
    if (filter.matches) {
        const std::vector<RowId>& matches = *filter.matches;
        end = std::min(end, filter.searchedUpTo);
        for (auto it = std::lower_bound(matches.begin(), matches.end(), begin);
             it != matches.end() && *it < end; ++it)
            if (passes(record(*it)))
                out.push_back(*it);
        return;
    }
    for (RowId id = begin; id < end; ++id)
        if (passes(record(id)))
            out.push_back(id);
}

QString opcodeText(std::uint8_t opcode) {
    return QString::fromLatin1(opcodeName(opcode));
}

// Text in the chosen encoding; invalid bytes as U+FFFD, as in the Content view.
QString decodePreviewText(const std::vector<std::uint8_t>& bytes, TextEncoding encoding) {
    const QByteArrayView view(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
    switch (encoding) {
        case TextEncoding::Latin1:
            return QString::fromLatin1(view);
        case TextEncoding::Utf16LE:
            return QStringDecoder(QStringConverter::Utf16LE, QStringConverter::Flag::Stateless)
                .decode(view);
        case TextEncoding::Utf16BE:
            return QStringDecoder(QStringConverter::Utf16BE, QStringConverter::Flag::Stateless)
                .decode(view);
        case TextEncoding::Utf8:
            break;
    }
    return QString::fromUtf8(view);
}

// One line: text as text (control characters escaped), binary as hex.
QString preview(const std::vector<std::uint8_t>& bytes, bool isText, bool cut,
                TextEncoding encoding) {
    QString out;
    if (isText) {
        const QString s = decodePreviewText(bytes, encoding);
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
    : QAbstractTableModel(parent), document_(document), encoding_(TextEncoding::Utf8) {
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
    if (filter_.matches) {
        filter_.matches = std::make_shared<const std::vector<RowId>>();
        filter_.searchedUpTo = 0;
    }
    rebuild();
}

void MessageTableModel::setFilter(RowFilter filter) {
    filter_ = std::move(filter);
    compile();
    rebuild();
}

void MessageTableModel::extendMatches(std::shared_ptr<const std::vector<RowId>> matches,
                                      RowId searchedUpTo) {
    if (!filter_.matches || !matches || searchedUpTo < filter_.searchedUpTo) {
        RowFilter filter = filter_;
        filter.matches = std::move(matches);
        filter.searchedUpTo = searchedUpTo;
        setFilter(std::move(filter));
        return;
    }
    // Every row shown lies below the old searchedUpTo: what the search adds comes after them.
    const RowId from = filter_.searchedUpTo;
    filter_.matches = std::move(matches);
    filter_.searchedUpTo = searchedUpTo;
    std::vector<RowId> added;
    collect(from, recordCount(), added);
    appendRows(added, shown_ + added.size());
}

void MessageTableModel::setTextEncoding(TextEncoding encoding) {
    if (encoding_ == encoding)
        return;
    encoding_ = encoding;
    if (shown_ > 0)
        emit dataChanged(index(0, Preview), index(rowCount() - 1, Preview));
}

void MessageTableModel::setTimeDisplay(TimeDisplay display) {
    time_ = display;
    if (shown_ > 0)
        emit dataChanged(index(0, Time), index(rowCount() - 1, Time));
}

void MessageTableModel::compile() {
    compiled_ = {};
    if (!filter_.connections.empty()) {
        // Connection ids are dense from 1: a table by id. Ids past its cap go to the set.
        const std::uint32_t last = std::min(*filter_.connections.rbegin(), kConnectionTable - 1);
        compiled_.connections.assign(std::size_t(last) + 1, 0);
        for (const std::uint32_t conn : filter_.connections) {
            if (conn <= last)
                compiled_.connections[conn] = 1;
            else
                compiled_.connectionsPastTable = true;
        }
    }
    if (!filter_.opcodes.empty()) {
        compiled_.opcodes = 0;
        for (const std::uint8_t opcode : filter_.opcodes)
            if (opcode < 16)
                compiled_.opcodes |= std::uint16_t(1u << opcode);
    }
    if (filter_.direction) {
        compiled_.serverMask = kServerFlag;
        compiled_.serverWanted =
            *filter_.direction == dissector::Direction::Server ? kServerFlag : 0;
    }
    compiled_.anomaliesOnly = filter_.anomaliesOnly;
}

void MessageTableModel::collect(RowId begin, RowId end, std::vector<RowId>& out) const {
    const CaptureIndex& index = document_.index();
    end = std::min(end, recordCount());
    if (mode_ == Mode::Messages)
        collectRecords(
            compiled_, filter_, [&index](RowId id) -> MessageRecord { return index.message(id); },
            message_flag::Invalid, begin, end, out);
    else
        collectRecords(
            compiled_, filter_, [&index](RowId id) -> FrameRecord { return index.frame(id); },
            frame_flag::Anomaly, begin, end, out);
}

// Filtering is one pass over fixed-size records: millions per second.
void MessageTableModel::rebuild() {
    beginResetModel();
    rows_.clear();
    const RowId count = recordCount();
    if (filter_.active()) {
        collect(0, count, rows_);
        shown_ = rows_.size();
    } else {
        rows_.shrink_to_fit();
        shown_ = count;
    }
    endResetModel();
}

void MessageTableModel::appendRows(const std::vector<RowId>& added, RowId newShown) {
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
}

void MessageTableModel::onAppended(RowId framesBefore, RowId messagesBefore) {
    const RowId before = mode_ == Mode::Messages ? messagesBefore : framesBefore;
    const RowId count = recordCount();
    std::vector<RowId> added;
    if (filter_.active())
        collect(before, count, added);
    const int first = int(std::min(shown_, RowId(INT_MAX)));
    appendRows(added, filter_.active() ? shown_ + added.size() : count);
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
    std::optional<std::int64_t> before;
    if (time_ == TimeDisplay::Delta) {
        const RowId previous = rowId(rowOf(id) - 1);
        if (previous != kNoRow)
            before =
                mode_ == Mode::Messages ? index.message(previous).tsNs : index.frame(previous).tsNs;
    }
    return formatTime(time_, ns, index.firstNs(), before);
}

QString MessageTableModel::previewText(RowId id) const {
    const CaptureIndex& index = document_.index();
    if (mode_ == Mode::Messages) {
        const MessageRecord m = index.message(id);
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
        return preview(b.payload, m.opcode == 1, m.length > b.payload.size(), encoding_);
    }
    const FrameRecord f = index.frame(id);
    const FrameBytes b = document_.frameBytes(id, kPreviewBytes);
    // A continuation frame shows as text when its message is text (and not compressed).
    const std::uint8_t opcode =
        f.opcode == 0 && f.message != kNoRow ? index.message(f.message).opcode : f.opcode;
    const bool compressed =
        f.message != kNoRow && (index.message(f.message).flags & message_flag::Compressed);
    const bool text = opcode == 1 && !(f.flags & frame_flag::Rsv1) && !compressed;
    return preview(b.payload, text, f.payloadLength > b.payload.size(), encoding_);
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
        const MessageRecord m = capture.message(id);
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
                // As the first frame was sent: the console sends unmasked client frames on purpose.
                return m.firstFrame != kNoRow
                           ? yesNo(capture.frame(m.firstFrame).flags & frame_flag::Masked)
                           : yesNo(!server);
            case Compressed:
                return yesNo(m.flags & message_flag::Compressed);
            case Preview:
                return previewText(id);
            default:
                return {};
        }
    }
    const FrameRecord f = capture.frame(id);
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
