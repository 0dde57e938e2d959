#pragma once
// The clients of a WebSocketServer as a table, updated live: one row per
// accepted TCP connection, from its first byte until clearClosed() (a row
// stays after the client leaves, so a short-lived client can still be looked
// at). Qt Core only: the session library has no widgets.

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <cstdint>
#include <optional>
#include <vector>

#include "sockscope/core/endpoint.h"

namespace sockscope::session {

class WebSocketConnection;
class WebSocketServer;

class ServerClientList final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column : int {
        Id,
        Peer,
        Target,
        Subprotocol,
        Extensions,
        Origin,
        State,
        MessagesIn,
        MessagesOut,
        BytesIn,  // the WebSocket stream (after TLS), handshake included
        BytesOut,
        ConnectedSince,
        ColumnCount
    };
    // Qt::DisplayRole gives text; this role the raw value (quint64 counts and
    // id, QDateTime for ConnectedSince) for sorting and tests.
    static constexpr int ValueRole = Qt::UserRole;

    // Watches `server` from now on (connections accepted before are not listed).
    explicit ServerClientList(WebSocketServer* server, QObject* parent = nullptr);
    ~ServerClientList() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The server's id of the row's connection; 0 for a row out of range.
    quint64 connectionId(int row) const;
    // -1 when the id has no row (never seen, or cleared).
    int rowOf(quint64 id) const;
    // The accepted handshake (request and response) for the detail view;
    // nullopt before it, or when it was refused.
    std::optional<event::HandshakeDone> handshake(int row) const;
    // Why the row's connection was refused or closed, in words; empty otherwise.
    QString detail(int row) const;
    // Whether the row's connection is still there (connecting, open or closing).
    bool isActive(int row) const;
    // Drops the rows of connections that are gone.
    void clearClosed();

private:
    struct Client {
        quint64 id = 0;
        QPointer<WebSocketConnection> connection;
        QString peer, target, subprotocol, extensions, origin;
        QString state;
        QString detail;
        quint64 messagesIn = 0, messagesOut = 0, bytesIn = 0, bytesOut = 0;
        QDateTime since;
        std::optional<event::HandshakeDone> handshake;
        bool active = true;
    };

    void onNewConnection(WebSocketConnection* connection, quint64 id);
    void onRefused(quint64 id, const QString& peer, int status, const QString& reason);
    void onClosed(quint64 id, const event::Closed& info);
    Client* find(quint64 id);
    void changed(quint64 id, Column first, Column last);
    void countersChanged(quint64 id);
    void flushCounters();
    void reindex();

    QPointer<WebSocketServer> server_;
    std::vector<Client> clients_;
    QHash<quint64, int> rows_;
    // Counters change per frame: their updates go out together, a few times a second.
    QHash<quint64, bool> dirty_;
    QTimer flushTimer_;
};

}  // namespace sockscope::session
