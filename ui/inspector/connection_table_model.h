#pragma once
// The connection list: one row per WebSocket connection of the capture (and
// per TLS connection, decrypted or not), with endpoints, TLS version and
// cipher suite, handshake target, subprotocol and extensions, per-direction
// message and byte counts, duration, how it ended and its anomaly count.

#include <QAbstractTableModel>

#include <vector>

#include "inspector/capture_document.h"

namespace sockscope::ui {

class ConnectionTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        Id,
        Client,
        Server,
        Tls,
        Target,
        Subprotocol,
        Extensions,
        MessagesOut,
        MessagesIn,
        BytesOut,
        BytesIn,
        Duration,
        End,
        Anomalies,
        ColumnCount
    };
    static constexpr int ConnectionIdRole = Qt::UserRole + 1;

    explicit ConnectionTableModel(const CaptureDocument& document, QObject* parent = nullptr);

    std::uint32_t connectionAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // "close 1000 (Normal Closure) by client", "FIN", "RST", "capture end", "open".
    static QString endText(const ConnectionRecord& c);

private:
    void refresh();

    const CaptureDocument& document_;
    std::vector<std::uint32_t> ids_;  // rows, in connection order
};

}  // namespace sockscope::ui
