#pragma once
// The handshake pane: a TLS connection's facts first (version, cipher suite,
// SNI, ALPN, key status and the anomalies that explain missing keys), then
// the Sec-WebSocket-Accept check (green or red, in the palette's light or
// dark flavour), then the request line and
// status, subprotocol, the extensions offered and accepted with their
// parameters explained, and the request and response headers as tables.

#include <QWidget>

#include "inspector/handshake_report.h"
#include "inspector/tls_report.h"

class QFormLayout;
class QGroupBox;
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
    // handshake was recognised (see detectionText()); `tls` what its TLS was
    // (tlsReportFor(); a cleartext connection's hides the TLS section).
    void showConnection(const ConnectionRecord* connection, const QString& detection = {},
                        const TlsReport& tls = {});

    bool isEmptyState() const;
    const HandshakeReport& report() const { return report_; }
    QString summaryText() const;
    QString acceptText() const;
    QString subprotocolText() const;
    QString compressionText() const;
    QString notesText() const;
    // The TLS section as "Label: value" lines (empty when it is hidden).
    QString tlsText() const;
    const TlsReport& tlsReport() const { return tls_; }
    const QTableWidget* requestHeaderTable() const { return request_; }
    const QTableWidget* responseHeaderTable() const { return response_; }
    // Top level: "Offered by the client", "Accepted by the server"; below them
    // the extensions, below those their parameters (columns: name, value, meaning).
    const QTreeWidget* extensionTree() const { return extensions_; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void showReport(const ConnectionRecord& connection);
    void showTls();
    void styleAccept();

    HandshakeReport report_;
    TlsReport tls_;
    QGroupBox* tlsBox_;
    QFormLayout* tlsForm_;
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
