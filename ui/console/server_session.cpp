#include "console/server_session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "console/session_pane.h"
#include "inspector/preferences.h"
#include "session/qt_text.h"
#include "session/server_client_list.h"
#include "session/session_recorder.h"
#include "session/socket_address.h"
#include "session/websocket_connection.h"
#include "sockscope/core/http_message.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {

namespace {

// The client window bits spin box's minimum: not one of RFC 7692's 8..15.
constexpr int kNotRequested = 7;

std::span<const std::uint8_t> bytesOf(const QByteArray& data) {
    return {reinterpret_cast<const std::uint8_t*>(data.constData()), std::size_t(data.size())};
}

// A close frame's body: the code big-endian, then the reason; empty without a code.
QByteArray closeBody(const ComposedMessage& message) {
    if (!message.closeCode)
        return {};
    QByteArray body;
    body.append(char(*message.closeCode >> 8));
    body.append(char(*message.closeCode & 0xFF));
    return body + message.payload;
}

}  // namespace

ServerSession::ServerSession(QWidget* parent) : QWidget(parent) {
    buildLayout();
    updateControls();
    setStatus(tr("Not listening"));
}

ServerSession::~ServerSession() {
    // Connections go before the pane's recorder (recorded as reset while it still runs).
    delete server_;
}

void ServerSession::buildLayout() {
    auto* settingsScroll = new QScrollArea(this);
    settingsScroll->setWidgetResizable(true);
    settingsScroll->setFrameShape(QFrame::NoFrame);
    settingsScroll->setWidget(buildSettings());

    start_ = new QPushButton(tr("&Start"), this);
    stop_ = new QPushButton(tr("S&top"), this);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_->setAccessibleName(tr("Server status"));
    // Beside Start/Stop, not in the scrolled settings: the mode may change
    // while listening; the rest needs a restart.
    mode_ = new QComboBox(this);
    mode_->addItem(tr("Echo: send each message back"), int(session::ServerMode::Echo));
    mode_->addItem(tr("Manual: send from the composer"), int(session::ServerMode::Manual));
    mode_->addItem(tr("Broadcast: send each message to every other client"),
                   int(session::ServerMode::Broadcast));
    auto* modeLabel = new QLabel(tr("&Mode:"), this);
    modeLabel->setBuddy(mode_);
    connect(mode_, &QComboBox::currentIndexChanged, this, [this] {
        if (server_)
            server_->setMode(session::ServerMode(mode_->currentData().toInt()));
    });
    auto* startRow = new QHBoxLayout;
    startRow->addWidget(start_);
    startRow->addWidget(stop_);
    startRow->addWidget(modeLabel);
    startRow->addWidget(mode_);
    startRow->addWidget(status_, 1);

    remoteWarning_ = new QLabel(this);
    remoteWarning_->setWordWrap(true);
    remoteWarning_->setStyleSheet(
        u"QLabel { color: white; background: #c62828; padding: 4px; font-weight: bold; }"_s);
    remoteWarning_->setVisible(false);

    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(settingsScroll, 1);
    topLayout->addLayout(startRow);
    topLayout->addWidget(remoteWarning_);

    auto* left = new QSplitter(Qt::Vertical, this);
    left->addWidget(top);
    left->addWidget(buildClients());
    left->addWidget(buildSending());
    left->setChildrenCollapsible(false);
    left->setSizes({360, 180, 360});

    pane_ = new SessionPane(tr("server"), this);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(pane_);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(start_, &QPushButton::clicked, this, &ServerSession::start);
    connect(stop_, &QPushButton::clicked, this, &ServerSession::stop);
}

QWidget* ServerSession::buildSettings() {
    settingsPanel_ = new QWidget(this);
    auto* form = new QFormLayout(settingsPanel_);

    host_ = new QLineEdit(u"127.0.0.1"_s, settingsPanel_);
    host_->setToolTip(
        tr("The address to listen on: 127.0.0.1 or ::1 for this machine only, "
           "0.0.0.0 or :: for every interface"));
    allowRemote_ = new QCheckBox(tr("Let other machines connect (listen on all interfaces / "
                                    "this address)"),
                                 settingsPanel_);
    allowRemote_->setToolTip(tr("Needed for any address that is not loopback"));
    port_ = new QSpinBox(settingsPanel_);
    port_->setRange(0, 65535);
    port_->setValue(8765);
    port_->setSpecialValueText(tr("any free port"));
    form->addRow(tr("&Host:"), host_);
    form->addRow(QString(), allowRemote_);
    form->addRow(tr("&Port:"), port_);

    const auto fileRow = [this, form](const QString& label, QLineEdit*& edit,
                                      const QString& placeholder, const QString& title) {
        edit = new QLineEdit(settingsPanel_);
        edit->setPlaceholderText(placeholder);
        auto* browse = new QPushButton(tr("Browse..."), settingsPanel_);
        connect(browse, &QPushButton::clicked, this,
                [this, edit, title] { chooseFile(edit, title); });
        auto* row = new QHBoxLayout;
        row->addWidget(edit, 1);
        row->addWidget(browse);
        auto* buddy = new QLabel(label, settingsPanel_);
        buddy->setBuddy(edit);
        form->addRow(buddy, row);
    };
    fileRow(tr("TLS &certificate:"), certificate_, tr("PEM, leaf first (empty: ws://)"),
            tr("TLS certificate (PEM)"));
    fileRow(tr("TLS &key:"), key_, tr("PEM, RSA or EC, unencrypted"), tr("TLS private key (PEM)"));

    origins_ = new QPlainTextEdit(settingsPanel_);
    origins_->setPlaceholderText(
        tr("Empty: any Origin. One scheme://host[:port] per line; requests from other origins "
           "and without Origin get 403."));
    origins_->setMaximumHeight(origins_->fontMetrics().lineSpacing() * 4 + 12);
    origins_->setTabChangesFocus(true);
    form->addRow(tr("Allowed &origins:"), origins_);

    subprotocols_ = new QLineEdit(settingsPanel_);
    subprotocols_->setPlaceholderText(tr("In preference order, comma-separated"));
    form->addRow(tr("S&ubprotocols:"), subprotocols_);

    deflate_ = new QGroupBox(tr("Accept permessage-&deflate"), settingsPanel_);
    deflate_->setCheckable(true);
    deflate_->setChecked(false);
    serverNoContext_ = new QCheckBox(tr("server_no_context_takeover"), deflate_);
    clientNoContext_ = new QCheckBox(tr("client_no_context_takeover"), deflate_);
    serverWindow_ = new QSpinBox(deflate_);
    serverWindow_->setRange(8, 15);
    serverWindow_->setValue(15);
    serverWindow_->setToolTip(tr("The largest window this server compresses with"));
    clientWindow_ = new QSpinBox(deflate_);
    clientWindow_->setRange(kNotRequested, 15);
    clientWindow_->setValue(kNotRequested);
    clientWindow_->setSpecialValueText(tr("not requested"));
    clientWindow_->setToolTip(
        tr("Ask the client to compress with at most this window (only when its offer allows)"));
    auto* deflateForm = new QFormLayout(deflate_);
    deflateForm->addRow(serverNoContext_);
    deflateForm->addRow(clientNoContext_);
    deflateForm->addRow(tr("server_max_window_bits:"), serverWindow_);
    deflateForm->addRow(tr("client_max_window_bits:"), clientWindow_);
    form->addRow(deflate_);

    return settingsPanel_;
}

QWidget* ServerSession::buildClients() {
    auto* box = new QWidget(this);
    table_ = new QTableView(box);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->setWordWrap(false);  // one line per client; long targets elide
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setAccessibleName(tr("Clients"));
    clearClosed_ = new QPushButton(tr("C&lear closed"), box);
    connect(clearClosed_, &QPushButton::clicked, this, [this] {
        if (clients_)
            clients_->clearClosed();
    });
    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(tr("Clients"), box), 1);
    header->addWidget(clearClosed_);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(header);
    layout->addWidget(table_, 1);
    return box;
}

QWidget* ServerSession::buildSending() {
    auto* tabs = new QTabWidget(this);

    auto* sendPage = new QWidget(tabs);
    target_ = new QComboBox(sendPage);
    target_->addItem(tr("the selected client"), int(Target::SelectedClient));
    target_->addItem(tr("all clients"), int(Target::AllClients));
    composer_ = new MessageComposer(sendPage);
    auto* targetRow = new QHBoxLayout;
    targetRow->addWidget(new QLabel(tr("Send to:"), sendPage));
    targetRow->addWidget(target_);
    targetRow->addStretch(1);
    auto* sendLayout = new QVBoxLayout(sendPage);
    sendLayout->setContentsMargins(0, 0, 0, 0);
    sendLayout->addLayout(targetRow);
    sendLayout->addWidget(composer_, 1);
    connect(composer_, &MessageComposer::sendRequested, this, &ServerSession::sendComposed);

    handshake_ = new QPlainTextEdit(tabs);
    handshake_->setReadOnly(true);
    handshake_->setLineWrapMode(QPlainTextEdit::NoWrap);
    handshake_->setPlaceholderText(tr("Select a client to see its opening handshake"));
    handshake_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    refused_ = new QPlainTextEdit(tabs);
    refused_->setReadOnly(true);
    refused_->setPlaceholderText(
        tr("Refused handshakes (Origin, version, method, malformed requests, TLS) appear here "
           "with the reason"));
    refused_->setMaximumBlockCount(10'000);

    tabs->addTab(sendPage, tr("Message"));
    tabs->addTab(handshake_, tr("Handshake"));
    tabs->addTab(refused_, tr("Refused Handshakes"));
    return tabs;
}

void ServerSession::chooseFile(QLineEdit* edit, const QString& title) {
    const QString file = QFileDialog::getOpenFileName(
        this, title, edit->text(), tr("PEM files (*.pem *.crt *.key);;All files (*)"));
    if (!file.isEmpty())
        edit->setText(file);
}

std::optional<ServerSession::Settings> ServerSession::settings(QString* error) const {
    const auto fail = [error](const QString& why) {
        if (error)
            *error = why;
        return std::nullopt;
    };
    Settings out;
    const QString hostText = host_->text().trimmed();
    out.address = hostText.compare(u"localhost"_s, Qt::CaseInsensitive) == 0
                      ? QHostAddress(QHostAddress::LocalHost)
                      : QHostAddress(hostText);
    if (out.address.isNull())
        return fail(tr("Host '%1' is not an IP address").arg(hostText));
    if (!out.address.isLoopback() && !allowRemote_->isChecked())
        return fail(tr("%1 is not loopback: other machines could connect. Tick \u201cLet other "
                       "machines connect\u201d to listen there.")
                        .arg(hostText));
    out.port = quint16(port_->value());

    session::ServerOptions& options = out.options;
    options.limits = Preferences::savedLimits();
    options.certificateFile = certificate_->text().trimmed();
    options.privateKeyFile = key_->text().trimmed();
    if (options.certificateFile.isEmpty() != options.privateKeyFile.isEmpty())
        return fail(tr("TLS needs both a certificate file and a key file"));
    for (const QString& line : origins_->toPlainText().split(u'\n')) {
        if (const QString origin = line.trimmed(); !origin.isEmpty())
            options.allowedOrigins.push_back(origin.toStdString());
    }
    static const QRegularExpression separators(u"[,\\s]+"_s);
    for (const QString& name : subprotocols_->text().split(separators, Qt::SkipEmptyParts))
        options.subprotocols.push_back(name.toStdString());
    options.deflate = deflate_->isChecked();
    options.deflatePolicy.serverNoContextTakeover = serverNoContext_->isChecked();
    options.deflatePolicy.clientNoContextTakeover = clientNoContext_->isChecked();
    options.deflatePolicy.serverMaxWindowBits = serverWindow_->value();
    if (clientWindow_->value() != kNotRequested)
        options.deflatePolicy.clientMaxWindowBits = clientWindow_->value();
    options.mode = session::ServerMode(mode_->currentData().toInt());
    return out;
}

bool ServerSession::start() {
    if (isListening())
        return true;
    QString error;
    const std::optional<Settings> wanted = settings(&error);
    if (!wanted) {
        setStatus(error, true);
        return false;
    }
    // The previous run's connections (if any linger) go with their server.
    delete clients_;
    delete server_;
    server_ = new session::WebSocketServer(wanted->options, this);
    clients_ = new session::ServerClientList(server_, this);
    table_->setModel(clients_);
    handshake_->clear();
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ServerSession::showSelectedHandshake);
    connect(clients_, &QAbstractItemModel::dataChanged, this, [this] {
        if (handshake_->toPlainText().isEmpty())
            showSelectedHandshake();
    });
    connect(clients_, &QAbstractItemModel::rowsInserted, table_,
            &QTableView::resizeColumnsToContents);
    connect(server_, &session::WebSocketServer::newConnection, this,
            &ServerSession::onNewConnection);
    connect(server_, &session::WebSocketServer::handshakeRefused, this, &ServerSession::onRefused);
    if (!server_->listen(wanted->address, wanted->port)) {
        setStatus(tr("Cannot listen on %1: %2")
                      .arg(session::formatSocketAddress(wanted->address, wanted->port),
                           server_->errorString()),
                  true);
        updateControls();
        return false;
    }
    const QString address =
        session::formatSocketAddress(server_->serverAddress(), server_->serverPort());
    const QString url = (server_->isTls() ? u"wss://"_s : u"ws://"_s) + address + u'/';
    setStatus(tr("Listening on %1").arg(url));
    if (!wanted->address.isLoopback()) {
        remoteWarning_->setText(
            tr("\u26a0 Listening on %1: other machines can connect to this server%2.")
                .arg(address, wanted->options.allowedOrigins.empty() && !server_->isTls()
                                  ? tr(", unencrypted and from any web page")
                                  : QString()));
    }
    updateControls();
    return true;
}

void ServerSession::stop() {
    if (!isListening())
        return;
    server_->stopListening();
    const int open = server_->connectionCount();
    server_->closeAll(close_code::GoingAway, "server stopped");
    setStatus(tr("Stopped; closing %n connection(s) with 1001", nullptr, open));
    updateControls();
}

bool ServerSession::isListening() const {
    return server_ && server_->isListening();
}

void ServerSession::onNewConnection(session::WebSocketConnection* connection, quint64 /*id*/) {
    pane_->recorder().record(connection);
}

void ServerSession::onRefused(quint64 id, const QString& peer, int status, const QString& reason) {
    QString line = QDateTime::currentDateTime().toString(u"HH:mm:ss"_s);
    if (id != 0)
        line += u" ["_s + QString::number(id) + u']';
    line += u' ' + peer;
    line += status != 0 ? u" HTTP "_s + QString::number(status) + u": "_s : u": "_s;
    refused_->appendPlainText(line + reason);
}

quint64 ServerSession::selectedId() const {
    if (!clients_ || !table_->selectionModel())
        return 0;
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : clients_->connectionId(rows.first().row());
}

bool ServerSession::selectClient(quint64 id) {
    const int row = clients_ ? clients_->rowOf(id) : -1;
    if (row < 0)
        return false;
    table_->selectRow(row);
    return true;
}

void ServerSession::setTarget(Target target) {
    target_->setCurrentIndex(target_->findData(int(target)));
}

void ServerSession::showSelectedHandshake() {
    const quint64 id = selectedId();
    const std::optional<event::HandshakeDone> info =
        id != 0 ? clients_->handshake(clients_->rowOf(id)) : std::nullopt;
    if (!info) {
        handshake_->setPlainText(id != 0 ? clients_->detail(clients_->rowOf(id)) : QString());
        return;
    }
    QString text =
        fromStd(serializeRequest(info->request)) + fromStd(serializeResponse(info->response));
    handshake_->setPlainText(text.replace(u"\r\n"_s, u"\n"_s).trimmed());
}

bool ServerSession::sendComposed(const ComposedMessage& message) {
    if (!server_ || server_->connectionIds().isEmpty()) {
        setStatus(tr("Not sent: no client is connected"), true);
        return false;
    }
    const QByteArray body = message.opcode == 0x8 ? closeBody(message) : message.payload;
    const auto fragments = std::size_t(std::max(1, message.fragments));
    if (Target(target_->currentData().toInt()) == Target::AllClients) {
        const int sent = server_->sendToAll(message.opcode, bytesOf(body), fragments);
        setStatus(tr("Sent to %n client(s)", nullptr, sent), sent == 0);
        return sent > 0;
    }
    const quint64 id = selectedId();
    if (id == 0) {
        setStatus(tr("Not sent: select a client in the table (or send to all)"), true);
        return false;
    }
    if (!server_->sendTo(id, message.opcode, bytesOf(body), fragments)) {
        setStatus(tr("Not sent: client %1 is not open").arg(id), true);
        return false;
    }
    setStatus(tr("Sent to client %1").arg(id));
    return true;
}

void ServerSession::setStatus(const QString& text, bool problem) {
    status_->setText(text);
    status_->setStyleSheet(problem ? u"color: #c62828;"_s : QString());
    emit statusChanged(text);
}

QString ServerSession::statusText() const {
    return status_->text();
}

void ServerSession::updateControls() {
    const bool listening = isListening();
    start_->setEnabled(!listening);
    stop_->setEnabled(listening);
    // Everything but the mode is fixed while listening.
    for (QWidget* field : std::initializer_list<QWidget*>{
             host_, allowRemote_, port_, certificate_, key_, origins_, subprotocols_, deflate_}) {
        field->setEnabled(!listening);
    }
    for (QPushButton* browse : settingsPanel_->findChildren<QPushButton*>())
        browse->setEnabled(!listening);
    remoteWarning_->setVisible(listening && server_ && !server_->serverAddress().isLoopback());
    composer_->setSendEnabled(listening);
}

QWidget* createServerSession(QWidget* parent) {
    return new ServerSession(parent);
}

}  // namespace sockscope::ui
