#include "session/server_client_list.h"

#include <algorithm>

#include "session/qt_text.h"
#include "session/websocket_connection.h"
#include "session/websocket_server.h"
#include "sockscope/core/opcode.h"

using namespace Qt::StringLiterals;

namespace sockscope::session {
namespace {

constexpr std::chrono::milliseconds kCounterFlush{100};

bool endsDataMessage(const FrameHeader& header) {
    const auto opcode = static_cast<Opcode>(header.opcode);
    return header.fin &&
           (opcode == Opcode::Text || opcode == Opcode::Binary || opcode == Opcode::Continuation);
}

// "closed 1000 (by client)", "closed 1006 (no close handshake)".
QString closedState(const event::Closed& info) {
    QString text = u"closed"_s;
    if (info.code) {
        text += u' ' + QString::number(*info.code);
    }
    if (!info.clean) {
        return text + u" (no close handshake)";
    }
    return text + (info.closedByUs ? u" (by server)"_s : u" (by client)"_s);
}

}  // namespace

ServerClientList::ServerClientList(WebSocketServer* server, QObject* parent)
    : QAbstractTableModel(parent), server_(server) {
    flushTimer_.setSingleShot(true);
    flushTimer_.setInterval(kCounterFlush);
    connect(&flushTimer_, &QTimer::timeout, this, &ServerClientList::flushCounters);
    connect(server, &WebSocketServer::newConnection, this, &ServerClientList::onNewConnection);
    connect(server, &WebSocketServer::handshakeRefused, this, &ServerClientList::onRefused);
    connect(server, &WebSocketServer::connectionFinished, this, &ServerClientList::onClosed);
}

ServerClientList::~ServerClientList() = default;

int ServerClientList::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(clients_.size());
}

int ServerClientList::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ServerClientList::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) {
        return {};
    }
    const Client& client = clients_[static_cast<std::size_t>(index.row())];
    const auto column = static_cast<Column>(index.column());
    if (role == Qt::ToolTipRole) {
        if (column == State && !client.detail.isEmpty()) {
            return client.detail;
        }
        if (column == ConnectedSince) {
            return client.since.toString(Qt::ISODateWithMs);
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        const bool number = column == Id || (column >= MessagesIn && column <= BytesOut);
        return number ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    }
    if (role != Qt::DisplayRole && role != ValueRole) {
        return {};
    }
    switch (column) {
        case Id:
            return role == ValueRole ? QVariant::fromValue(client.id)
                                     : QVariant(QString::number(client.id));
        case Peer:
            return client.peer;
        case Target:
            return client.target;
        case Subprotocol:
            return client.subprotocol;
        case Extensions:
            return client.extensions;
        case Origin:
            return client.origin;
        case State:
            return client.state;
        case MessagesIn:
        case MessagesOut:
        case BytesIn:
        case BytesOut: {
            const quint64 value = column == MessagesIn    ? client.messagesIn
                                  : column == MessagesOut ? client.messagesOut
                                  : column == BytesIn     ? client.bytesIn
                                                          : client.bytesOut;
            return role == ValueRole ? QVariant::fromValue(value)
                                     : QVariant(QString::number(value));
        }
        case ConnectedSince:
            return role == ValueRole ? QVariant(client.since)
                                     : QVariant(client.since.toString(u"HH:mm:ss"_s));
        case ColumnCount:
            break;
    }
    return {};
}

QVariant ServerClientList::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (static_cast<Column>(section)) {
        case Id:
            return u"#"_s;
        case Peer:
            return u"Peer"_s;
        case Target:
            return u"Target"_s;
        case Subprotocol:
            return u"Subprotocol"_s;
        case Extensions:
            return u"Extensions"_s;
        case Origin:
            return u"Origin"_s;
        case State:
            return u"State"_s;
        case MessagesIn:
            return u"Msgs in"_s;
        case MessagesOut:
            return u"Msgs out"_s;
        case BytesIn:
            return u"Bytes in"_s;
        case BytesOut:
            return u"Bytes out"_s;
        case ConnectedSince:
            return u"Since"_s;
        case ColumnCount:
            break;
    }
    return {};
}

quint64 ServerClientList::connectionId(int row) const {
    return row >= 0 && row < rowCount() ? clients_[static_cast<std::size_t>(row)].id : 0;
}

int ServerClientList::rowOf(quint64 id) const {
    return rows_.value(id, -1);
}

std::optional<event::HandshakeDone> ServerClientList::handshake(int row) const {
    if (row < 0 || row >= rowCount()) {
        return std::nullopt;
    }
    return clients_[static_cast<std::size_t>(row)].handshake;
}

QString ServerClientList::detail(int row) const {
    return row >= 0 && row < rowCount() ? clients_[static_cast<std::size_t>(row)].detail
                                        : QString();
}

bool ServerClientList::isActive(int row) const {
    return row >= 0 && row < rowCount() && clients_[static_cast<std::size_t>(row)].active;
}

void ServerClientList::clearClosed() {
    // From the end, a run of inactive rows at a time, so views keep their selection.
    int row = rowCount() - 1;
    while (row >= 0) {
        if (clients_[static_cast<std::size_t>(row)].active) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !clients_[static_cast<std::size_t>(first - 1)].active) {
            --first;
        }
        beginRemoveRows({}, first, row);
        clients_.erase(clients_.begin() + first, clients_.begin() + row + 1);
        endRemoveRows();
        row = first - 1;
    }
    reindex();
}

void ServerClientList::reindex() {
    rows_.clear();
    for (std::size_t row = 0; row < clients_.size(); ++row) {
        rows_.insert(clients_[row].id, static_cast<int>(row));
    }
    for (auto it = dirty_.begin(); it != dirty_.end();) {
        it = rows_.contains(it.key()) ? std::next(it) : dirty_.erase(it);
    }
}

ServerClientList::Client* ServerClientList::find(quint64 id) {
    const int row = rowOf(id);
    return row < 0 ? nullptr : &clients_[static_cast<std::size_t>(row)];
}

void ServerClientList::changed(quint64 id, Column first, Column last) {
    const int row = rowOf(id);
    if (row >= 0) {
        emit dataChanged(index(row, first), index(row, last));
    }
}

void ServerClientList::countersChanged(quint64 id) {
    if (Client* client = find(id); client && client->connection) {
        client->bytesIn = client->connection->endpoint().bytesReceived();
        client->bytesOut = client->connection->endpoint().bytesQueued();
    }
    dirty_.insert(id, true);
    if (!flushTimer_.isActive()) {
        flushTimer_.start();
    }
}

void ServerClientList::flushCounters() {
    int first = -1;
    int last = -1;
    for (auto it = dirty_.cbegin(); it != dirty_.cend(); ++it) {
        const int row = rowOf(it.key());
        if (row >= 0) {
            first = first < 0 ? row : std::min(first, row);
            last = std::max(last, row);
        }
    }
    dirty_.clear();
    if (first >= 0) {
        emit dataChanged(index(first, MessagesIn), index(last, BytesOut));
    }
}

void ServerClientList::onNewConnection(WebSocketConnection* connection, quint64 id) {
    const int row = rowCount();
    beginInsertRows({}, row, row);
    Client client;
    client.id = id;
    client.connection = connection;
    client.peer = connection->peerName();
    client.state = u"connecting"_s;
    client.since = QDateTime::currentDateTime();
    clients_.push_back(std::move(client));
    rows_.insert(id, row);
    endInsertRows();

    connect(connection, &WebSocketConnection::handshakeDone, this,
            [this, id](const event::HandshakeDone& info) {
                Client* client = find(id);
                if (!client) {
                    return;
                }
                client->target = fromStd(info.request.target);
                client->subprotocol = fromStd(info.subprotocol);
                client->extensions = fromStd(info.extensions);
                client->origin = fromStd(info.request.fields.get("Origin").value_or(""));
                client->state = u"open"_s;
                client->handshake = info;
                changed(id, Target, State);
                countersChanged(id);
            });
    connect(connection, &WebSocketConnection::messageReceived, this,
            [this, id](const event::Message&) {
                if (Client* client = find(id)) {
                    ++client->messagesIn;
                    countersChanged(id);
                }
            });
    connect(connection, &WebSocketConnection::frameSent, this,
            [this, id](const event::FrameSent& frame) {
                if (Client* client = find(id)) {
                    client->messagesOut += endsDataMessage(frame.header) ? 1 : 0;
                    countersChanged(id);
                }
            });
    connect(connection, &WebSocketConnection::frameReceived, this,
            [this, id](const event::FrameReceived&) { countersChanged(id); });
    connect(connection, &WebSocketConnection::closeReceived, this,
            [this, id](const event::CloseReceived&) {
                if (Client* client = find(id); client && client->state == u"open") {
                    client->state = u"closing"_s;
                    changed(id, State, State);
                }
            });
}

void ServerClientList::onRefused(quint64 id, const QString& peer, int status,
                                 const QString& reason) {
    Client* client = find(id);
    if (!client) {
        return;  // a TLS failure (id 0), or a row already cleared
    }
    if (client->peer.isEmpty()) {
        client->peer = peer;
    }
    if (server_) {
        client->origin = server_->origin(id);
    }
    client->state = status == 0 ? u"no handshake"_s : u"refused "_s + QString::number(status);
    client->detail = reason;
    changed(id, Peer, State);
}

void ServerClientList::onClosed(quint64 id, const event::Closed& info) {
    Client* client = find(id);
    if (!client) {
        return;
    }
    if (client->connection) {
        client->bytesIn = client->connection->endpoint().bytesReceived();
        client->bytesOut = client->connection->endpoint().bytesQueued();
    }
    client->active = false;
    client->connection = nullptr;
    if (client->handshake) {
        client->state = closedState(info);
        client->detail = fromStd(info.reason);
    }
    changed(id, State, State);
    countersChanged(id);
}

}  // namespace sockscope::session
