#include "inspector/connection_table_model.h"

#include <sockscope/core/close_code.h>

#include <QLocale>

#include "inspector/tls_report.h"
#include "session/qt_text.h"

namespace sockscope::ui {

ConnectionTableModel::ConnectionTableModel(const CaptureDocument& document, QObject* parent)
    : QAbstractTableModel(parent), document_(document) {
    connect(&document, &CaptureDocument::appended, this, &ConnectionTableModel::refresh);
    connect(&document, &CaptureDocument::finished, this, &ConnectionTableModel::refresh);
    refresh();
}

// New connections are appended; the counts of the others changed in place.
void ConnectionTableModel::refresh() {
    const auto& all = document_.index().connections();
    if (all.size() > ids_.size()) {
        beginInsertRows({}, int(ids_.size()), int(all.size()) - 1);
        ids_.clear();
        for (const auto& [id, record] : all)
            ids_.push_back(id);
        endInsertRows();
    }
    if (!ids_.empty())
        emit dataChanged(index(0, 0), index(int(ids_.size()) - 1, ColumnCount - 1));
}

std::uint32_t ConnectionTableModel::connectionAt(int row) const {
    return row >= 0 && std::size_t(row) < ids_.size() ? ids_[std::size_t(row)] : 0;
}

int ConnectionTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(ids_.size());
}

int ConnectionTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString ConnectionTableModel::endText(const ConnectionRecord& c) {
    if (!c.end)
        return tr("open");
    switch (*c.end) {
        case dissector::EndHow::CloseHandshake: {
            QString text = tr("close");
            if (c.closeCode)
                text += QStringLiteral(" %1 (%2)")
                            .arg(*c.closeCode)
                            .arg(fromStd(closeCodeInfo(*c.closeCode).name));
            if (c.closedFirstBy)
                text += *c.closedFirstBy == dissector::Direction::Client ? tr(" by client")
                                                                         : tr(" by server");
            return text;
        }
        case dissector::EndHow::Fin:
            return tr("FIN");
        case dissector::EndHow::Rst:
            return tr("RST");
        case dissector::EndHow::CaptureEnd:
            return tr("capture end");
    }
    return {};
}

QVariant ConnectionTableModel::data(const QModelIndex& index, int role) const {
    const ConnectionRecord* c = document_.index().connection(connectionAt(index.row()));
    if (!c)
        return {};
    if (role == ConnectionIdRole)
        return c->conn;
    if (role == Qt::TextAlignmentRole && index.column() >= MessagesOut &&
        index.column() <= Anomalies && index.column() != End)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    const QLocale locale;
    const dissector::HandshakeEvent* h = c->handshake ? &c->handshake->info() : nullptr;
    switch (index.column()) {
        case Id:
            return c->conn;
        case Client:
            return fromStd(c->client.toString());
        case Server:
            return fromStd(c->server.toString());
        case Tls:
            return tlsColumnText(*c);
        case Target:
            if (!h && c->tls)
                return tr("(encrypted)");
            if (!h)
                return tr("(no handshake)");
            return h->detectedWithoutHandshake ? tr("(detected: %1)").arg(fromStd(h->detection))
                                               : fromStd(h->target);
        case Subprotocol:
            return h && h->subprotocol ? fromStd(*h->subprotocol) : QString();
        case Extensions:
            return h ? fromStd(h->extensions) : QString();
        case MessagesOut:
            return locale.toString(qulonglong(c->client_.messages));
        case MessagesIn:
            return locale.toString(qulonglong(c->server_.messages));
        case BytesOut:
            return locale.formattedDataSize(qint64(c->client_.payloadBytes));
        case BytesIn:
            return locale.formattedDataSize(qint64(c->server_.payloadBytes));
        case Duration:
            return QString(QString::number(double(c->lastNs - c->firstNs) / 1e9, 'f', 3) + u" s");
        case End:
            return endText(*c);
        case Anomalies:
            return locale.toString(qulonglong(c->anomalies));
        default:
            return {};
    }
}

QVariant ConnectionTableModel::headerData(int section, Qt::Orientation orientation,
                                          int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
        case Id:
            return tr("Conn");
        case Client:
            return tr("Client");
        case Server:
            return tr("Server");
        case Tls:
            return tr("TLS");
        case Target:
            return tr("Target");
        case Subprotocol:
            return tr("Subprotocol");
        case Extensions:
            return tr("Extensions");
        case MessagesOut:
            return tr("Msgs →");
        case MessagesIn:
            return tr("Msgs ←");
        case BytesOut:
            return tr("Bytes →");
        case BytesIn:
            return tr("Bytes ←");
        case Duration:
            return tr("Duration");
        case End:
            return tr("Ended");
        case Anomalies:
            return tr("Anomalies");
        default:
            return {};
    }
}

}  // namespace sockscope::ui
