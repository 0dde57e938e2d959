#pragma once
// The handshake pane: the Sec-WebSocket-Accept check at the top (green or
// red, in the palette's light or dark flavour), then the request line and
// status, subprotocol, the extensions offered and accepted with their
// parameters explained, and the request and response headers as tables.

#include <QWidget>

#include "inspector/handshake_report.h"

class QLabel;
class QStackedWidget;
class QTableWidget;
class QTreeWidget;

namespace sockscope::ui {

class HandshakeView : public QWidget {
    Q_OBJECT

public:
    explicit HandshakeView(QWidget* parent = nullptr);

    // nullptr: the empty state. `detection` says how a connection without a
    // handshake was recognised (see detectionText()).
    void showConnection(const ConnectionRecord* connection, const QString& detection = {});

    bool isEmptyState() const;
    const HandshakeReport& report() const { return report_; }
    QString summaryText() const;
    QString acceptText() const;
    QString subprotocolText() const;
    QString compressionText() const;
    QString notesText() const;
    const QTableWidget* requestHeaderTable() const { return request_; }
    const QTableWidget* responseHeaderTable() const { return response_; }
    // Top level: "Offered by the client", "Accepted by the server"; below them
    // the extensions, below those their parameters (columns: name, value, meaning).
    const QTreeWidget* extensionTree() const { return extensions_; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void showReport(const ConnectionRecord& connection);
    void styleAccept();

    HandshakeReport report_;
    QStackedWidget* stack_;
    QLabel* empty_;
    QLabel* summary_;
    QLabel* accept_;
    QLabel* acceptDetail_;
    QLabel* notes_;
    QLabel* subprotocol_;
    QLabel* compression_;
    QTreeWidget* extensions_;
    QTableWidget* request_;
    QTableWidget* response_;
};

}  // namespace sockscope::ui
