#include "widgets/handshake_view.h"
#include "session/qt_text.h"

#include <QEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace sockscope::ui {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

QLabel* wrappingLabel(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QTableWidget* headerTable(QWidget* parent) {
    auto* table = new QTableWidget(0, 2, parent);
    table->setHorizontalHeaderLabels({HandshakeView::tr("Name"), HandshakeView::tr("Value")});
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setWordWrap(false);
    return table;
}

void fillHeaders(QTableWidget* table, const Headers& headers) {
    table->setRowCount(int(headers.size()));
    for (int row = 0; row < int(headers.size()); ++row) {
        const auto& [name, value] = headers[std::size_t(row)];
        table->setItem(row, 0, new QTableWidgetItem(fromStd(name)));
        auto* item = new QTableWidgetItem(fromStd(value));
        item->setToolTip(fromStd(value));
        table->setItem(row, 1, item);
    }
    table->resizeColumnToContents(0);
}

void addExtensions(QTreeWidgetItem* parent, const std::vector<ExtensionReport>& extensions) {
    for (const ExtensionReport& e : extensions) {
        auto* item = new QTreeWidgetItem(parent, {e.name, QString(), e.summary});
        for (const ExtensionParamReport& p : e.params)
            new QTreeWidgetItem(item, {p.name, p.value.value_or(QString()), p.explanation});
    }
    if (extensions.empty())
        new QTreeWidgetItem(parent, {HandshakeView::tr("none")});
}

}  // namespace

HandshakeView::HandshakeView(QWidget* parent) : QWidget(parent) {
    stack_ = new QStackedWidget(this);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(stack_);

    empty_ = new QLabel(tr("Select a connection to see its handshake."), stack_);
    empty_->setAlignment(Qt::AlignCenter);
    empty_->setEnabled(false);
    stack_->addWidget(empty_);

    auto* scroll = new QScrollArea(stack_);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* page = new QWidget(scroll);
    auto* layout = new QVBoxLayout(page);

    summary_ = wrappingLabel(page);
    QFont bold = summary_->font();
    bold.setBold(true);
    summary_->setFont(bold);
    layout->addWidget(summary_);

    tlsBox_ = new QGroupBox(tr("TLS"), page);
    tlsBox_->setObjectName(QStringLiteral("tls"));
    tlsForm_ = new QFormLayout(tlsBox_);
    layout->addWidget(tlsBox_);

    accept_ = wrappingLabel(page);
    QFont big = accept_->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.15);
    accept_->setFont(big);
    accept_->setMargin(8);
    layout->addWidget(accept_);
    acceptDetail_ = wrappingLabel(page);
    layout->addWidget(acceptDetail_);
    notes_ = wrappingLabel(page);
    layout->addWidget(notes_);

    auto* form = new QFormLayout;
    subprotocol_ = wrappingLabel(page);
    form->addRow(tr("Subprotocol:"), subprotocol_);
    compression_ = wrappingLabel(page);
    form->addRow(tr("Compression:"), compression_);
    layout->addLayout(form);

    extensions_ = new QTreeWidget(page);
    extensions_->setColumnCount(3);
    extensions_->setHeaderLabels({tr("Extension / parameter"), tr("Value"), tr("Meaning")});
    extensions_->setWordWrap(true);
    extensions_->setMinimumHeight(120);
    layout->addWidget(extensions_);

    auto* requestBox = new QGroupBox(tr("Request headers"), page);
    request_ = headerTable(requestBox);
    (new QVBoxLayout(requestBox))->addWidget(request_);
    layout->addWidget(requestBox);
    auto* responseBox = new QGroupBox(tr("Response headers"), page);
    response_ = headerTable(responseBox);
    (new QVBoxLayout(responseBox))->addWidget(response_);
    layout->addWidget(responseBox);

    scroll->setWidget(page);
    stack_->addWidget(scroll);
    showConnection(nullptr);
}

void HandshakeView::showConnection(const ConnectionRecord* connection, const QString& detection,
                                   const TlsReport& tls) {
    if (!connection) {
        report_ = {};
        tls_ = {};
        stack_->setCurrentWidget(empty_);
        return;
    }
    report_ = reportFor(*connection, detection);
    tls_ = tls;
    showReport(*connection);
    showTls();
    stack_->setCurrentIndex(1);
}

void HandshakeView::showTls() {
    while (tlsForm_->rowCount() > 0)
        tlsForm_->removeRow(0);
    tlsBox_->setVisible(tls_.tls);
    if (!tls_.tls)
        return;
    const auto row = [this](const QString& label, const QString& value) {
        QLabel* text = wrappingLabel(tlsBox_);
        text->setText(value);
        tlsForm_->addRow(label, text);
    };
    row(tr("Version:"), tls_.version);
    row(tr("Cipher suite:"), tls_.cipherSuite);
    row(tr("Server name (SNI):"), tls_.serverName);
    row(tr("ALPN offered:"), tls_.alpnOffered);
    row(tr("ALPN selected:"), tls_.alpnSelected);
    row(tr("Keys:"), tls_.keys);
    if (!tls_.problems.isEmpty()) {
        QStringList lines = tls_.problems;
        if (tls_.moreProblems > 0)
            lines << tr("… and %L1 more TLS anomalies (see Anomalies)").arg(tls_.moreProblems);
        row(tr("Problems:"), lines.join(u'\n'));
    }
}

QString HandshakeView::tlsText() const {
    QStringList lines;
    for (int r = 0; tls_.tls && r < tlsForm_->rowCount(); ++r) {
        const QLayoutItem* labelItem = tlsForm_->itemAt(r, QFormLayout::LabelRole);
        const QLayoutItem* valueItem = tlsForm_->itemAt(r, QFormLayout::FieldRole);
        const auto* label = labelItem ? qobject_cast<QLabel*>(labelItem->widget()) : nullptr;
        const auto* value = valueItem ? qobject_cast<QLabel*>(valueItem->widget()) : nullptr;
        if (label && value)
            lines << label->text() + u' ' + value->text();
    }
    return lines.join(u'\n');
}

void HandshakeView::showReport(const ConnectionRecord& connection) {
    const HandshakeReport& r = report_;
    summary_->setText(r.summary);
    accept_->setVisible(r.seen);
    acceptDetail_->setVisible(r.seen);
    if (r.seen) {
        const QString mark = r.accept.ok() ? QStringLiteral("✓ ") : QStringLiteral("✗ ");
        accept_->setText(mark + r.accept.text);
        QStringList detail;
        if (!r.accept.key.isEmpty())
            detail << tr("Key: %1").arg(r.accept.key);
        if (!r.accept.expected.isEmpty())
            detail << tr("Expected accept: %1").arg(r.accept.expected);
        detail << tr("Received accept: %1")
                      .arg(r.accept.received.isEmpty() ? tr("(none)") : r.accept.received);
        acceptDetail_->setText(detail.join(u'\n'));
    } else {
        accept_->clear();
        acceptDetail_->clear();
    }
    styleAccept();
    notes_->setText(r.notes.join(u'\n'));
    notes_->setVisible(!r.notes.isEmpty());
    subprotocol_->setText(r.subprotocolText);
    compression_->setText(r.compression.join(u'\n'));

    extensions_->clear();
    if (r.seen) {
        auto* offered = new QTreeWidgetItem(extensions_, {tr("Offered by the client")});
        addExtensions(offered, r.offeredExtensions);
        auto* accepted = new QTreeWidgetItem(extensions_, {tr("Accepted by the server")});
        addExtensions(accepted, r.acceptedExtensions);
        extensions_->expandAll();
        extensions_->resizeColumnToContents(0);
        extensions_->resizeColumnToContents(1);
    }
    extensions_->setVisible(r.seen);

    static const Headers kNone;
    const bool headers =
        connection.handshake && !connection.handshake->info().detectedWithoutHandshake;
    const dissector::HandshakeEvent event =
        headers ? connection.handshake->event() : dissector::HandshakeEvent{};
    fillHeaders(request_, headers ? event.requestHeaders : kNone);
    fillHeaders(response_, headers ? event.responseHeaders : kNone);
    request_->parentWidget()->setVisible(headers);
    response_->parentWidget()->setVisible(headers);
}

// Light and dark variants, so the verdict reads on either palette.
void HandshakeView::styleAccept() {
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    const bool ok = report_.accept.ok();
    const QString background = ok ? (dark ? QStringLiteral("#1e4a23") : QStringLiteral("#dcf3d9"))
                                  : (dark ? QStringLiteral("#5a1d1d") : QStringLiteral("#fbe0e0"));
    const QString foreground = ok ? (dark ? QStringLiteral("#c9f5c4") : QStringLiteral("#0b5a1c"))
                                  : (dark ? QStringLiteral("#ffd6d6") : QStringLiteral("#8a1414"));
    accept_->setStyleSheet(
        QStringLiteral("QLabel { background: %1; color: %2; border-radius: 4px; }")
            .arg(background, foreground));
}

void HandshakeView::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange)
        styleAccept();
    QWidget::changeEvent(event);
}

bool HandshakeView::isEmptyState() const {
    return stack_->currentWidget() == empty_;
}

QString HandshakeView::summaryText() const {
    return summary_->text();
}

QString HandshakeView::acceptText() const {
    return accept_->text();
}

QString HandshakeView::subprotocolText() const {
    return subprotocol_->text();
}

QString HandshakeView::compressionText() const {
    return compression_->text();
}

QString HandshakeView::notesText() const {
    return notes_->text();
}

}  // namespace sockscope::ui
