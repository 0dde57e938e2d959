#include "console/client_session.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSplitter>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "console/client_options_form.h"
#include "console/console_settings.h"
#include "console/raw_frame_panel.h"
#include "console/session_pane.h"
#include "console/tls_options_box.h"
#include "session/frame_format.h"
#include "session/keepalive.h"
#include "session/qt_text.h"
#include "session/reconnecting_client.h"
#include "session/session_recorder.h"
#include "session/websocket_connection.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {

namespace {

std::span<const std::uint8_t> bytesOf(const QByteArray& data) {
    return {reinterpret_cast<const std::uint8_t*>(data.constData()), std::size_t(data.size())};
}

}  // namespace

ClientSession::ClientSession(QWidget* parent) : QWidget(parent) {
    buildLayout();
    // A new tab starts where the user starts: typing the URL.
    setFocusProxy(form_->urlEdit());
    reloadProfiles();
    setOpen(false);
    setStatus(tr("Not connected"));
}

ClientSession::~ClientSession() {
    // Connections go first (recorded as reset while the recorder still runs).
    delete client_;
    client_ = nullptr;
}

void ClientSession::buildLayout() {
    profiles_ = new QComboBox(this);
    profiles_->setAccessibleName(tr("Connection profile"));
    profiles_->setPlaceholderText(tr("(no profile)"));
    profiles_->setMinimumContentsLength(16);
    auto* saveProfile = new QPushButton(tr("Save..."), this);
    saveProfile->setToolTip(tr("Save every field below as a profile"));
    auto* deleteProfile = new QPushButton(tr("Delete"), this);
    auto* profileLabel = new QLabel(tr("&Profile:"), this);
    profileLabel->setBuddy(profiles_);
    auto* profileRow = new QHBoxLayout;
    profileRow->addWidget(profileLabel);
    profileRow->addWidget(profiles_, 1);
    profileRow->addWidget(saveProfile);
    profileRow->addWidget(deleteProfile);

    form_ = new ClientOptionsForm(this);

    connect_ = new QPushButton(tr("&Connect"), this);
    disconnect_ = new QPushButton(tr("&Disconnect"), this);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_->setAccessibleName(tr("Connection status"));
    rtt_ = new QLabel(this);
    rtt_->setToolTip(tr("Round-trip time of the last keepalive ping"));
    auto* connectRow = new QHBoxLayout;
    connectRow->addWidget(connect_);
    connectRow->addWidget(disconnect_);
    connectRow->addWidget(status_, 1);
    connectRow->addWidget(rtt_);

    certWarning_ = createCertificateWarning(this);
    // Which errors the last TLS handshake ignored, in Qt's words.
    ignoredErrors_ = new QLabel(this);
    ignoredErrors_->setWordWrap(true);
    ignoredErrors_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    ignoredErrors_->setAccessibleName(tr("Ignored certificate errors"));
    ignoredErrors_->setStyleSheet(u"QLabel { color: #c62828; }"_s);
    ignoredErrors_->setVisible(false);

    composer_ = new MessageComposer(this);
    raw_ = new RawFramePanel(this);
    raw_->setSender(Role::Client);
    sendTabs_ = new QTabWidget(this);
    sendTabs_->addTab(composer_, tr("Message"));
    sendTabs_->addTab(raw_, tr("Raw Frame"));

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 4, 0);
    leftLayout->addLayout(profileRow);
    leftLayout->addWidget(form_);
    leftLayout->addLayout(connectRow);
    leftLayout->addWidget(certWarning_);
    leftLayout->addWidget(ignoredErrors_);
    leftLayout->addWidget(sendTabs_, 1);

    pane_ = new SessionPane(tr("client"), this);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(pane_);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(connect_, &QPushButton::clicked, this, &ClientSession::connectToServer);
    connect(disconnect_, &QPushButton::clicked, this, &ClientSession::disconnectFromServer);
    connect(form_->urlEdit(), &QLineEdit::returnPressed, this, [this] {
        if (connect_->isEnabled())
            connectToServer();
    });
    connect(form_, &ClientOptionsForm::ignoreCertificateErrorsChanged, certWarning_,
            &QWidget::setVisible);
    connect(composer_, &MessageComposer::sendRequested, this, &ClientSession::sendComposed);
    connect(raw_, &RawFramePanel::sendRequested, this, &ClientSession::sendRaw);
    connect(profiles_, &QComboBox::activated, this,
            [this](int index) { loadProfile(profiles_->itemText(index)); });
    connect(saveProfile, &QPushButton::clicked, this, &ClientSession::promptSaveProfile);
    connect(deleteProfile, &QPushButton::clicked, this, [this] {
        if (profiles_->currentIndex() >= 0)
            this->deleteProfile(profiles_->currentText());
    });
}

bool ClientSession::connectToServer() {
    QString error;
    const std::optional<ClientSettings> settings = form_->settings(&error);
    if (!settings) {
        setStatus(error, true);
        return false;
    }
    // A new Connect ends whatever the previous one left (a scheduled reconnect).
    delete client_;
    client_ = new session::ReconnectingClient(settings->options, settings->reconnect, this);
    keepAliveInterval_ =
        settings->keepAlive.enabled ? settings->keepAlive.interval : std::chrono::milliseconds(0);
    keepAliveTimeout_ = settings->keepAlive.timeout;
    rtt_->clear();
    connect(client_, &session::ReconnectingClient::connectionStarted, this,
            &ClientSession::onConnectionStarted);
    connect(client_, &session::ReconnectingClient::reconnectScheduled, this,
            [this](std::chrono::milliseconds delay, int attempt) {
                // After the closed() handling of the connection that ended (same event).
                QTimer::singleShot(0, this, [this, delay, attempt] {
                    setStatus(closedText_ + tr(" - reconnecting in %1 s (attempt %2)")
                                                .arg(double(delay.count()) / 1000.0, 0, 'f', 1)
                                                .arg(attempt),
                              true);
                    updateButtons();
                });
            });
    connect(client_, &session::ReconnectingClient::certificateErrorsIgnored, this,
            [this](const QStringList& errors) {
                ignoredErrors_->setText(tr("Ignored: %1").arg(errors.join(u"; "_s)));
                ignoredErrors_->setVisible(true);
            });
    connect(client_, &session::ReconnectingClient::gaveUp, this, [this](const QString& why) {
        setStatus(tr("Gave up reconnecting: %1").arg(why), true);
        updateButtons();
    });
    const QString target = fromStd(settings->url.hostHeader);
    if (!client_->open(settings->url, &error)) {
        setStatus(tr("Cannot connect: %1").arg(error), true);
        delete client_;
        client_ = nullptr;
        updateButtons();
        return false;
    }
    if (!open_)
        setStatus(tr("Connecting to %1...").arg(target));
    updateButtons();
    return true;
}

void ClientSession::disconnectFromServer() {
    if (!client_)
        return;
    client_->close(close_code::Normal);
    if (!client_->connection())
        setStatus(tr("Disconnected"));
    updateButtons();
}

session::WebSocketConnection* ClientSession::connection() const {
    return client_ ? client_->connection() : nullptr;
}

void ClientSession::onConnectionStarted(session::WebSocketConnection* connection) {
    pane_->recorder().record(connection);
    ++connections_;
    problem_.clear();
    // Each attempt's TLS handshake reports its own.
    ignoredErrors_->clear();
    ignoredErrors_->setVisible(false);
    connect(connection, &session::WebSocketConnection::handshakeDone, this,
            &ClientSession::onHandshakeDone);
    connect(connection, &session::WebSocketConnection::handshakeFailed, this,
            [this](const event::HandshakeFailed& info) {
                const QString why = fromStd(session::formatProtocolError(info.error));
                reportProblem(info.status != 0 && info.status != 101
                                  ? tr("Handshake refused: HTTP %1 (%2)").arg(info.status).arg(why)
                                  : tr("Handshake failed: %1").arg(why));
            });
    connect(connection, &session::WebSocketConnection::protocolFailed, this,
            [this](const event::ProtocolFailed& info) {
                reportProblem(tr("The server broke the protocol, we closed with %1: %2")
                                  .arg(info.error.closeCode())
                                  .arg(fromStd(session::formatProtocolError(info.error))));
            });
    connect(connection, &session::WebSocketConnection::errorOccurred, this,
            [this](const QString& message) { reportProblem(tr("Error: %1").arg(message)); });
    connect(connection, &session::WebSocketConnection::closeReceived, this,
            [this](const event::CloseReceived& close) {
                QString text =
                    tr("Close received: %1").arg(fromStd(session::formatCloseCode(close.code)));
                if (!close.reason.empty())
                    text += u" \u201c"_s + fromStd(close.reason) + u"\u201d"_s;
                setStatus(text);
            });
    connect(connection, &session::WebSocketConnection::closed, this,
            [this, connection](const event::Closed& info) { onClosed(connection, info); });
    if (keepAliveInterval_.count() > 0) {
        auto* keepAlive =
            new session::KeepAlive(connection, keepAliveInterval_, keepAliveTimeout_, connection);
        connect(keepAlive, &session::KeepAlive::roundTrip, this,
                [this](std::chrono::microseconds rtt) {
                    rtt_->setText(tr("RTT %1 ms").arg(double(rtt.count()) / 1000.0, 0, 'f', 2));
                });
        connect(keepAlive, &session::KeepAlive::timedOut, this, [this] {
            reportProblem(tr("Keepalive: no pong within %1 s, connection aborted")
                              .arg(double(keepAliveTimeout_.count()) / 1000.0));
        });
    }
    if (connections_ > 1)
        setStatus(tr("Reconnecting..."));
    updateButtons();
}

void ClientSession::onHandshakeDone(const event::HandshakeDone& info) {
    setOpen(true);
    const QString subprotocol = info.subprotocol.empty() ? tr("none") : fromStd(info.subprotocol);
    const QString extensions = info.extensions.empty() ? tr("none") : fromStd(info.extensions);
    setStatus(tr("Open - subprotocol: %1; extensions: %2").arg(subprotocol, extensions));
}

void ClientSession::onClosed(session::WebSocketConnection* connection, const event::Closed& info) {
    Q_UNUSED(connection);
    setOpen(false);
    QString text = tr("Closed: %1").arg(fromStd(session::formatCloseCode(info.code)));
    if (!info.reason.empty())
        text += u" \u201c"_s + fromStd(info.reason) + u"\u201d"_s;
    text += info.closedByUs ? tr(", by us") : tr(", by the server");
    if (!info.clean)
        text += tr(", not clean");
    if (!problem_.isEmpty())
        text = problem_ + u" - "_s + text;
    closedText_ = text;
    setStatus(text, !problem_.isEmpty() || !info.clean);
    // The client decides about a reconnect in its own closed() slot.
    QTimer::singleShot(0, this, &ClientSession::updateButtons);
}

bool ClientSession::sendComposed(const ComposedMessage& message) {
    session::WebSocketConnection* conn = connection();
    if (!conn || !open_) {
        setStatus(tr("Not sent: not connected"), true);
        return false;
    }
    const std::span<const std::uint8_t> payload = bytesOf(message.payload);
    bool sent = false;
    switch (message.opcode) {
        case 0x9:
            sent = conn->ping(payload);
            break;
        case 0xA:
            sent = conn->pong(payload);
            break;
        case 0x8:
            sent = conn->close(
                message.closeCode,
                std::string_view(message.payload.constData(), std::size_t(message.payload.size())));
            break;
        default:
            sent = conn->sendMessage(message.opcode, payload,
                                     std::size_t(std::max(1, message.fragments)));
            break;
    }
    if (!sent)
        setStatus(tr("Not sent: the connection is no longer open"), true);
    return sent;
}

bool ClientSession::sendRaw(const RawFrameSpec& spec) {
    session::WebSocketConnection* conn = connection();
    if (!conn || !open_) {
        setStatus(tr("Not sent: not connected"), true);
        return false;
    }
    MaskKey key{};
    const quint32 random = QRandomGenerator::system()->generate();
    for (std::size_t i = 0; i < key.size(); ++i)
        key[i] = std::uint8_t(random >> (8 * i));
    const std::vector<std::uint8_t> bytes = buildRawFrame(Role::Client, spec, key);
    if (!conn->sendRaw(bytes)) {
        setStatus(tr("Not sent: the connection is finished"), true);
        return false;
    }
    return true;
}

void ClientSession::reportProblem(const QString& text) {
    // The first problem is the cause; what follows (a closed handshake) is its consequence.
    if (problem_.isEmpty())
        problem_ = text;
    setStatus(problem_, true);
}

void ClientSession::setStatus(const QString& text, bool problem) {
    status_->setText(text);
    status_->setStyleSheet(problem ? u"color: #c62828;"_s : QString());
    emit statusChanged(text);
}

QString ClientSession::statusText() const {
    return status_->text();
}

QString ClientSession::roundTripText() const {
    return rtt_->text();
}

void ClientSession::setOpen(bool open) {
    open_ = open;
    composer_->setSendEnabled(open);
    raw_->setSendEnabled(open);
    updateButtons();
}

void ClientSession::updateButtons() {
    const bool active = client_ && client_->isActive();
    connect_->setEnabled(!active);
    disconnect_->setEnabled(active);
}

// Profiles ------------------------------------------------------------------

void ClientSession::saveProfile(const QString& name) {
    console_settings::store(console_settings::kProfiles, name, form_->toProfile());
    reloadProfiles();
    profiles_->setCurrentIndex(profiles_->findText(name));
}

bool ClientSession::loadProfile(const QString& name) {
    const std::optional<QVariantMap> profile =
        console_settings::load(console_settings::kProfiles, name);
    if (!profile)
        return false;
    form_->fromProfile(*profile);
    profiles_->setCurrentIndex(profiles_->findText(name));
    return true;
}

void ClientSession::deleteProfile(const QString& name) {
    console_settings::remove(console_settings::kProfiles, name);
    reloadProfiles();
}

QStringList ClientSession::profileNames() const {
    return console_settings::names(console_settings::kProfiles);
}

void ClientSession::reloadProfiles() {
    const QString current = profiles_->currentText();
    const QSignalBlocker block(profiles_);
    profiles_->clear();
    profiles_->addItems(profileNames());
    profiles_->setCurrentIndex(profiles_->findText(current));
}

void ClientSession::promptSaveProfile() {
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save Profile"), tr("Profile name:"),
                                               QLineEdit::Normal, profiles_->currentText(), &ok)
                             .trimmed();
    if (ok && !name.isEmpty())
        saveProfile(name);
}

QWidget* createClientSession(QWidget* parent) {
    return new ClientSession(parent);
}

}  // namespace sockscope::ui
