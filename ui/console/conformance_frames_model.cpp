#include "console/conformance_frames_model.h"

#include <QFontDatabase>
#include <QLocale>

#include <algorithm>

#include "console/payload_text.h"
#include "session/frame_format.h"
#include "session/qt_text.h"
#include "sockscope/core/opcode.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {
namespace {

// Payload bytes a preview shows: one line in a table cell.
constexpr std::size_t kPreviewBytes = 48;

QString headLine(std::span<const std::uint8_t> bytes) {
    const auto end = std::find_if(bytes.begin(), bytes.end(),
                                  [](std::uint8_t c) { return c == '\r' || c == '\n'; });
    const std::size_t length = std::min<std::size_t>(std::size_t(end - bytes.begin()), 200);
    return fromStd(session::formatTextPreview(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), length), 200));
}

QString framePreview(const CaseRecording& recording, const WireRow& row) {
    if (row.length == 0)
        return QObject::tr("(empty)");
    // A few bytes more than shown: a cut preview gets its "…", and a character
    // that straddles the cut is still read whole.
    const std::vector<std::uint8_t> bytes = recording.payload(row, kPreviewBytes + 4);
    if (bytes.empty())
        return QObject::tr("(payload not kept)");
    const std::uint8_t opcode = row.header.opcode;
    QString text;
    if (opcode == 0x8) {
        if (row.length == 1)
            return QObject::tr("1-byte body %1 (no room for a code)")
                .arg(fromStd(session::formatHex(bytes, 1)));
        if (bytes.size() < 2)
            return QObject::tr("(payload not kept)");
        const auto code = std::uint16_t(bytes[0] << 8 | bytes[1]);
        text = fromStd(session::formatCloseCode(code));
        if (row.length > 2) {
            const std::string_view reason(reinterpret_cast<const char*>(bytes.data()) + 2,
                                          bytes.size() - 2);
            text += u' ' + fromStd(session::formatTextPreview(reason, kPreviewBytes - 2));
        }
    } else if (row.dataOpcode == 0x1 && !row.compressed) {
        text = fromStd(session::formatTextPreview(
            std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
            kPreviewBytes));
    } else {
        text = fromStd(session::formatHex(bytes, kPreviewBytes));
        if (row.compressed)
            text.prepend(QObject::tr("compressed: "));
    }
    const std::uint64_t shown = std::min<std::uint64_t>(row.length, kPreviewBytes + 4);
    if (bytes.size() < shown)
        text += QObject::tr(" (the rest not kept)");
    return text;
}

QString rsvText(const FrameHeader& header) {
    QString bits;
    bits += header.rsv1 ? u'1' : u'0';
    bits += header.rsv2 ? u'1' : u'0';
    bits += header.rsv3 ? u'1' : u'0';
    return bits;
}

}  // namespace

QString wireDirectionText(const CaseRecording& recording, bool outgoing) {
    const bool testerIsClient = recording.testerRole() == Role::Client;
    if (testerIsClient)
        return outgoing ? QObject::tr("tester → server") : QObject::tr("server → tester");
    return outgoing ? QObject::tr("tester → client") : QObject::tr("client → tester");
}

QString wireRowPreview(const CaseRecording& recording, const WireRow& row) {
    switch (row.kind) {
        case WireRow::Kind::Head: {
            QString line = headLine(recording.rowBytes(row));
            if (row.detached)
                line += QObject::tr(" (as parsed)");
            if (!row.complete)
                line += QObject::tr(" (incomplete)");
            return line;
        }
        case WireRow::Kind::Other:
            return QObject::tr("%1 that are not WebSocket frames")
                .arg(byteCount(qsizetype(row.length)));
        case WireRow::Kind::Frame:
            break;
    }
    return framePreview(recording, row);
}

ConformanceFramesModel::ConformanceFramesModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConformanceFramesModel::setRecording(std::shared_ptr<const CaseRecording> recording) {
    beginResetModel();
    recording_ = std::move(recording);
    endResetModel();
}

const WireRow* ConformanceFramesModel::row(int row) const {
    if (!recording_ || row < 0 || std::size_t(row) >= recording_->rows().size())
        return nullptr;
    return &recording_->rows()[std::size_t(row)];
}

int ConformanceFramesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !recording_ ? 0 : int(recording_->rows().size());
}

int ConformanceFramesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConformanceFramesModel::data(const QModelIndex& index, int role) const {
    const WireRow* r = row(index.row());
    if (!r)
        return {};
    const bool frame = r->kind == WireRow::Kind::Frame;
    switch (role) {
        case KindRole:
            return int(r->kind);
        case OutgoingRole:
            return r->outgoing;
        case OpcodeRole:
            return frame ? int(r->header.opcode) : -1;
        case LengthRole:
            return qulonglong(r->length);
        case Qt::TextAlignmentRole:
            return index.column() == Length || index.column() == Number
                       ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                       : QVariant();
        case Qt::FontRole:
            if (index.column() == Payload || index.column() == Mask)
                return QFontDatabase::systemFont(QFontDatabase::FixedFont);
            return {};
        case Qt::DisplayRole:
            break;
        default:
            return {};
    }
    switch (index.column()) {
        case Number:
            return index.row() + 1;
        case Direction:
            return wireDirectionText(*recording_, r->outgoing);
        case Opcode:
            if (r->kind == WireRow::Kind::Head)
                return u"HTTP"_s;
            if (!frame)
                return u"—"_s;
            return u"%1 (%2)"_s.arg(QString::fromLatin1(opcodeName(r->header.opcode)))
                .arg(r->header.opcode);
        case Fin:
            return frame ? QVariant(r->header.fin ? 1 : 0) : QVariant();
        case Rsv:
            return frame ? QVariant(rsvText(r->header)) : QVariant();
        case Mask:
            if (!frame)
                return {};
            return r->header.masked
                       ? fromStd(session::formatHex(r->header.maskKey, r->header.maskKey.size()))
                       : tr("none");
        case Length:
            return QLocale().toString(qulonglong(r->length));
        case Payload:
            return wireRowPreview(*recording_, *r);
        default:
            return {};
    }
}

QVariant ConformanceFramesModel::headerData(int section, Qt::Orientation orientation,
                                            int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
        case Number:
            return u"#"_s;
        case Direction:
            return tr("Direction");
        case Opcode:
            return tr("Opcode");
        case Fin:
            return tr("FIN");
        case Rsv:
            return tr("RSV");
        case Mask:
            return tr("Mask");
        case Length:
            return tr("Length");
        case Payload:
            return tr("Payload");
        default:
            return {};
    }
}

}  // namespace sockscope::ui
