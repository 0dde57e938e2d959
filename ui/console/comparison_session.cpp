#include "console/comparison_session.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "console/message_composer.h"
#include "console/session_pane.h"
#include "console/tls_options_box.h"
#include "inspector/capture_document.h"
#include "session/qt_client_session.h"
#include "session/session_recorder.h"
#include "session/websocket_client.h"
#include "session/websocket_url.h"
#include "widgets/capture_view.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {

namespace {

constexpr int kRefreshDelayMs = 150;

std::span<const std::uint8_t> bytesOf(const QByteArray& data) {
    return {reinterpret_cast<const std::uint8_t*>(data.constData()),
            static_cast<std::size_t>(data.size())};
}

// The newest connection of a document (0: none yet).
std::uint32_t latestConnection(const CaptureDocument& document) {
    const auto& connections = document.index().connections();
    return connections.empty() ? 0 : connections.rbegin()->first;
}

}  // namespace

ComparisonSession::ComparisonSession(QWidget* parent) : QWidget(parent) {
    ours_ = new SessionPane(tr("Sockscope"), this);
    qt_ = new SessionPane(tr("Qt WebSockets"), this);
    composer_ = new MessageComposer(this);
    refreshTimer_ = new QTimer(this);
    refreshTimer_->setSingleShot(true);
    refreshTimer_->setInterval(kRefreshDelayMs);
    connect(refreshTimer_, &QTimer::timeout, this, &ComparisonSession::refreshDifferences);
    for (SessionPane* pane : {ours_, qt_}) {
        CaptureDocument& document = pane->view().document();
        connect(&document, &CaptureDocument::appended, this, &ComparisonSession::scheduleRefresh);
        connect(&document, &CaptureDocument::finished, this, &ComparisonSession::scheduleRefresh);
    }
    connect(composer_, &MessageComposer::sendRequested, this, &ComparisonSession::send);
    buildLayout();
    updateButtons();
}

ComparisonSession::~ComparisonSession() {
    // The clients go before the panes whose recorders they write to.
    delete qtClient_;
    delete client_;
}

void ComparisonSession::buildLayout() {
    url_ = new QLineEdit(this);
    url_->setPlaceholderText(u"ws://127.0.0.1:8765/"_s);
    headers_ = new QPlainTextEdit(this);
    headers_->setPlaceholderText(tr("One header per line, Name: value"));
    headers_->setMaximumHeight(headers_->fontMetrics().lineSpacing() * 4);
    subprotocols_ = new QLineEdit(this);
    subprotocols_->setPlaceholderText(tr("chat, superchat"));
    origin_ = new QLineEdit(this);
    tls_ = new TlsOptionsBox(this);
    tls_->setToolTip(tr("Used by both clients (Qt WebSockets' through the relay)"));
    deflate_ = new QCheckBox(tr("Offer permessage-deflate (Sockscope only)"), this);
    connect_ = new QPushButton(tr("Connect both"), this);
    disconnect_ = new QPushButton(tr("Disconnect both"), this);
    connect(connect_, &QPushButton::clicked, this, [this] {
        QString why;
        if (!connectBoth(&why)) {
            setStatus(why);
        }
    });
    connect(disconnect_, &QPushButton::clicked, this, [this] { disconnectBoth(); });

    auto* form = new QFormLayout;
    form->addRow(tr("URL"), url_);
    form->addRow(tr("Headers"), headers_);
    form->addRow(tr("Subprotocols"), subprotocols_);
    form->addRow(tr("Origin"), origin_);
    form->addRow(tr("TLS"), tls_);
    auto* options = new QHBoxLayout;
    options->addWidget(deflate_);
    options->addStretch(1);
    options->addWidget(connect_);
    options->addWidget(disconnect_);
    form->addRow(options);

    // What Qt WebSockets cannot do, greyed out so the asymmetry is visible.
    auto* qtLimits = new QHBoxLayout;
    qtLimits->addWidget(new QLabel(tr("Qt WebSockets side:"), this));
    const std::pair<QString, QString> missing[] = {
        {tr("permessage-deflate"), tr("Qt WebSockets offers no extensions")},
        {tr("raw frames"), tr("Qt WebSockets only sends well-formed frames")},
        {tr("exact fragment count"),
         tr("Qt WebSockets splits by a maximum frame size only (512 KiB by default)")},
        {tr("unsolicited pong"), tr("Qt WebSockets has no API to send a pong")}};
    for (const auto& [label, why] : missing) {
        auto* box = new QCheckBox(label, this);
        box->setEnabled(false);
        box->setToolTip(why);
        qtLimits->addWidget(box);
    }
    qtLimits->addStretch(1);
    form->addRow(qtLimits);

    status_ = new QLabel(this);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* panes = new QSplitter(Qt::Horizontal, this);
    for (SessionPane* pane : {ours_, qt_}) {
        auto* side = new QWidget(panes);
        auto* sideLayout = new QVBoxLayout(side);
        sideLayout->setContentsMargins(0, 0, 0, 0);
        auto* title = new QLabel(u"<b>%1</b>"_s.arg(pane->name().toHtmlEscaped()), side);
        sideLayout->addWidget(title);
        sideLayout->addWidget(pane, 1);
        panes->addWidget(side);
    }

    diffList_ = new QTreeWidget(this);
    diffList_->setRootIsDecorated(false);
    diffList_->setUniformRowHeights(true);
    diffList_->setHeaderLabels(
        {tr("Difference"), tr("Where"), tr("Sockscope"), tr("Qt WebSockets")});
    diffList_->header()->setSectionResizeMode(QHeaderView::Interactive);

    auto* bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(composer_);
    bottom->addWidget(diffList_);
    bottom->setStretchFactor(1, 1);

    auto* vertical = new QSplitter(Qt::Vertical, this);
    vertical->addWidget(panes);
    vertical->addWidget(bottom);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(status_);
    layout->addWidget(vertical, 1);
}

void ComparisonSession::setUrl(const QString& url) {
    url_->setText(url);
}

void ComparisonSession::setHeaders(const QString& lines) {
    headers_->setPlainText(lines);
}

void ComparisonSession::setSubprotocols(const QString& list) {
    subprotocols_->setText(list);
}

void ComparisonSession::setOrigin(const QString& origin) {
    origin_->setText(origin);
}

void ComparisonSession::setIgnoreCertificateErrors(bool ignore) {
    tls_->setIgnoreCertificateErrors(ignore);
}

void ComparisonSession::setCaFile(const QString& path) {
    tls_->setCaFile(path);
}

bool ComparisonSession::connectBoth(QString* error) {
    const auto fail = [error](const QString& why) {
        if (error) {
            *error = why;
        }
        return false;
    };
    const session::WebSocketUrlParse parsed = session::parseWebSocketUrl(url_->text().trimmed());
    if (!parsed.url) {
        return fail(tr("URL: %1").arg(parsed.error));
    }
    std::vector<HttpField> headers;
    const QStringList lines = headers_->toPlainText().split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines[i].trimmed();
        if (line.isEmpty()) {
            continue;
        }
        const qsizetype colon = line.indexOf(u':');
        if (colon <= 0) {
            return fail(tr("Headers, line %1: \"Name: value\" expected").arg(i + 1));
        }
        headers.push_back({line.left(colon).trimmed().toStdString(),
                           line.mid(colon + 1).trimmed().toStdString()});
    }
    std::vector<std::string> subprotocols;
    for (const QString& p : subprotocols_->text().split(u',', Qt::SkipEmptyParts)) {
        if (!p.trimmed().isEmpty()) {
            subprotocols.push_back(p.trimmed().toStdString());
        }
    }
    std::optional<std::string> origin;
    if (!origin_->text().trimmed().isEmpty()) {
        origin = origin_->text().trimmed().toStdString();
    }

    QString why;
    const std::optional<TlsChoice> tls = tls_->choice(&why);
    if (!tls) {
        return fail(why);
    }

    // Earlier clients go first; their connections stay in the panes.
    delete qtClient_;
    delete client_;
    oursOpen_ = false;
    oursProblem_.clear();
    qtProblem_.clear();

    session::ClientOptions ours;
    ours.extraHeaders = headers;
    ours.subprotocols = subprotocols;
    ours.origin = origin;
    ours.deflate = deflate_->isChecked();
#if QT_CONFIG(ssl)
    ours.caCertificates = tls->caCertificates;
    ours.ignoreCertificateErrors = tls->ignoreCertificateErrors;
#endif
    client_ = new session::WebSocketClient(ours, this);
    session::WebSocketConnection* connection = client_->open(*parsed.url, &why);
    if (!connection) {
        delete client_;
        return fail(tr("Sockscope client: %1").arg(why));
    }
    connection_ = connection;
    ours_->recorder().record(connection);
    connect(connection, &session::WebSocketConnection::handshakeDone, this, [this] {
        oursOpen_ = true;
        updateButtons();
    });
    connect(connection, &session::WebSocketConnection::errorOccurred, this,
            [this](const QString& message) {
                reportProblem(oursProblem_, tr("Sockscope: %1").arg(message));
            });
    connect(connection, &session::WebSocketConnection::closed, this, [this] {
        oursOpen_ = false;
        updateButtons();
    });

    session::QtClientOptions qtOptions;
    qtOptions.extraHeaders = headers;
    qtOptions.subprotocols = subprotocols;
    qtOptions.origin = origin;
#if QT_CONFIG(ssl)
    qtOptions.relay.caCertificates = tls->caCertificates;
    qtOptions.relay.ignoreCertificateErrors = tls->ignoreCertificateErrors;
#endif
    qtClient_ = new session::QtClientSession(qtOptions, &qt_->recorder(), this);
    connect(qtClient_, &session::QtClientSession::connected, this,
            &ComparisonSession::updateButtons);
    connect(qtClient_, &session::QtClientSession::closed, this, &ComparisonSession::updateButtons);
    connect(qtClient_, &session::QtClientSession::error, this, [this](const QString& message) {
        // The relay is the Qt side's: say so ("Qt WebSockets relay: ...").
        reportProblem(qtProblem_, message.startsWith(u"Qt WebSockets"_s)
                                      ? message
                                      : tr("Qt WebSockets %1").arg(message));
    });
    if (!qtClient_->open(*parsed.url, &why)) {
        delete qtClient_;
        return fail(tr("Qt WebSockets client: %1").arg(why));
    }
    setStatus(QString());
    updateButtons();
    return true;
}

void ComparisonSession::disconnectBoth(std::uint16_t code, const QString& reason) {
    const QByteArray utf8 = reason.toUtf8();
    if (connection_) {
        connection_->close(code, std::string_view(utf8.constData(), std::size_t(utf8.size())));
    }
    if (qtClient_) {
        qtClient_->close(code, reason);
    }
}

void ComparisonSession::send(const ComposedMessage& message) {
    QStringList notes;
    const std::span<const std::uint8_t> payload = bytesOf(message.payload);
    const int fragments = std::max(1, message.fragments);
    if (connection_) {
        switch (message.opcode) {
            case 8:
                connection_->close(message.closeCode,
                                   std::string_view(message.payload.constData(),
                                                    std::size_t(message.payload.size())));
                break;
            case 9:
                connection_->ping(payload);
                break;
            case 10:
                connection_->pong(payload);
                break;
            default:
                connection_->sendMessage(message.opcode, payload, std::size_t(fragments));
                break;
        }
    }
    if (qtClient_) {
        switch (message.opcode) {
            case 1:
                qtClient_->sendText(QString::fromUtf8(message.payload), fragments);
                break;
            case 2:
                qtClient_->sendBinary(message.payload, fragments);
                break;
            case 8:
                if (!message.closeCode) {
                    notes.append(
                        tr("Qt WebSockets always sends a close code: 1000 instead of none."));
                }
                qtClient_->close(message.closeCode.value_or(1000),
                                 QString::fromUtf8(message.payload));
                break;
            case 9:
                qtClient_->ping(message.payload);
                break;
            case 10:
                notes.append(
                    tr("Qt WebSockets cannot send an unsolicited pong: sent on the Sockscope side "
                       "only."));
                break;
            default:
                notes.append(tr("Qt WebSockets cannot send opcode %1.").arg(message.opcode));
                break;
        }
        if (fragments > 1 && (message.opcode == 1 || message.opcode == 2)) {
            notes.append(tr("Qt WebSockets: %1 fragments approximated by a frame size of at most "
                            "%2 bytes.")
                             .arg(fragments)
                             .arg((message.payload.size() + fragments - 1) / fragments));
        }
    }
    setStatus(notes.join(u' '));
}

bool ComparisonSession::oursConnected() const {
    return connection_ && oursOpen_;
}

session::QtClientSession* ComparisonSession::qtClient() const {
    return qtClient_;
}

bool ComparisonSession::qtConnected() const {
    return qtClient_ && qtClient_->isConnected();
}

void ComparisonSession::scheduleRefresh() {
    if (!refreshTimer_->isActive()) {
        refreshTimer_->start();
    }
}

void ComparisonSession::refreshDifferences() {
    refreshTimer_->stop();
    const CaptureDocument& left = ours_->view().document();
    const CaptureDocument& right = qt_->view().document();
    const std::uint32_t leftConn = latestConnection(left);
    const std::uint32_t rightConn = latestConnection(right);
    differences_.clear();
    if (leftConn != 0 || rightConn != 0) {
        differences_ = diffSessions(left, leftConn, right, rightConn);
    }
    diffList_->clear();
    QList<QTreeWidgetItem*> items;
    for (const SessionDifference& d : differences_) {
        auto* item = new QTreeWidgetItem({diffKindName(d.kind), d.what, d.left, d.right});
        for (int column = 0; column < item->columnCount(); ++column) {
            item->setToolTip(column, item->text(column));  // values are often long
        }
        items.append(item);
    }
    diffList_->addTopLevelItems(items);
    diffList_->resizeColumnToContents(0);
    diffList_->resizeColumnToContents(1);
    emit differencesChanged();
}

void ComparisonSession::updateButtons() {
    const bool open = oursConnected() || qtConnected();
    disconnect_->setEnabled(open);
    composer_->setSendEnabled(open);
}

void ComparisonSession::reportProblem(QString& side, const QString& message) {
    // A side's first problem is the cause (a failed TLS handshake); what follows
    // is its consequence. Both sides' causes stay visible.
    if (!side.isEmpty()) {
        return;
    }
    side = message;
    QStringList lines;
    for (const QString* problem : {&oursProblem_, &qtProblem_}) {
        if (!problem->isEmpty()) {
            lines.append(*problem);
        }
    }
    setStatus(lines.join(u'\n'));
}

void ComparisonSession::setStatus(const QString& text) {
    status_->setText(text);
}

QString ComparisonSession::status() const {
    return status_->text();
}

QWidget* createComparisonSession(QWidget* parent) {
    return new ComparisonSession(parent);
}

}  // namespace sockscope::ui
