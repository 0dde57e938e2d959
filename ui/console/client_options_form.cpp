#include "console/client_options_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "console/tls_options_box.h"
#include "inspector/preferences.h"
#include "session/connect_command.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {

namespace {

// client_max_window_bits: not offered, offered without a value, or with one.
constexpr int kBitsNotSent = 0;
constexpr int kBitsValueless = 1;
constexpr int kBitsValue = 2;

// RFC 7230 §3.2.6 tchar: what a subprotocol name (a token, RFC 6455 §4.1) may contain.
bool isToken(const QString& text) {
    if (text.isEmpty())
        return false;
    static const QString extra = u"!#$%&'*+-.^_`|~"_s;
    for (const QChar c : text) {
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                        (c >= u'0' && c <= u'9') || extra.contains(c);
        if (!ok)
            return false;
    }
    return true;
}

}  // namespace

ClientOptionsForm::ClientOptionsForm(QWidget* parent) : QWidget(parent) {
    url_ = new QLineEdit(this);
    url_->setPlaceholderText(u"ws://localhost:8765/ or wss://example.com/socket"_s);
    url_->setAccessibleName(tr("URL"));
    auto* urlLabel = new QLabel(tr("&URL:"), this);
    urlLabel->setBuddy(url_);
    auto* urlRow = new QHBoxLayout;
    urlRow->addWidget(urlLabel);
    urlRow->addWidget(url_, 1);

    tabs_ = new QTabWidget(this);
    tabs_->addTab(buildHandshakeTab(), tr("Handshake"));
    tabs_->addTab(buildDeflateTab(), tr("Compression"));
    tabs_->addTab(buildTlsTab(), tr("TLS"));
    tabs_->addTab(buildConnectionTab(), tr("Reconnect && Keepalive"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(urlRow);
    layout->addWidget(tabs_);
    updateEnabled();
}

ClientOptionsForm::~ClientOptionsForm() = default;

QWidget* ClientOptionsForm::buildHandshakeTab() {
    auto* tab = new QWidget(this);
    subprotocols_ = new QLineEdit(tab);
    subprotocols_->setPlaceholderText(tr("chat, superchat (comma-separated, in preference order)"));
    origin_ = new QLineEdit(tab);
    origin_->setPlaceholderText(tr("none (e.g. https://example.com)"));

    headers_ = new QTableWidget(0, 2, tab);
    headers_->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    headers_->horizontalHeader()->setStretchLastSection(true);
    headers_->verticalHeader()->hide();
    headers_->setAccessibleName(tr("Extra headers"));
    // A few rows: the composer below needs the height more.
    headers_->setMinimumHeight(72);
    headers_->setMaximumHeight(110);
    auto* add = new QPushButton(tr("Add"), tab);
    auto* remove = new QPushButton(tr("Remove"), tab);
    connect(add, &QPushButton::clicked, this, [this] {
        addHeader({}, {});
        headers_->editItem(headers_->item(headers_->rowCount() - 1, 0));
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        const int row = headers_->currentRow();
        if (row >= 0)
            headers_->removeRow(row);
    });
    auto* buttons = new QVBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch();
    auto* headerRow = new QHBoxLayout;
    headerRow->addWidget(headers_, 1);
    headerRow->addLayout(buttons);

    auto* form = new QFormLayout(tab);
    form->addRow(tr("Subprotocols:"), subprotocols_);
    form->addRow(tr("Origin:"), origin_);
    form->addRow(tr("Extra headers:"), headerRow);
    return tab;
}

QWidget* ClientOptionsForm::buildDeflateTab() {
    auto* tab = new QWidget(this);
    deflate_ = new QCheckBox(tr("Offer permessage-deflate (RFC 7692)"), tab);
    serverNoContext_ = new QCheckBox(u"server_no_context_takeover"_s, tab);
    clientNoContext_ = new QCheckBox(u"client_no_context_takeover"_s, tab);
    serverBitsSet_ = new QCheckBox(u"server_max_window_bits"_s, tab);
    serverBits_ = new QSpinBox(tab);
    serverBits_->setRange(8, 15);
    serverBits_->setValue(15);
    clientBitsMode_ = new QComboBox(tab);
    clientBitsMode_->addItem(tr("not offered"), kBitsNotSent);
    clientBitsMode_->addItem(tr("offered without a value"), kBitsValueless);
    clientBitsMode_->addItem(tr("offered with a value"), kBitsValue);
    clientBitsMode_->setCurrentIndex(kBitsValueless);
    clientBits_ = new QSpinBox(tab);
    clientBits_->setRange(8, 15);
    clientBits_->setValue(15);

    auto* serverBitsRow = new QHBoxLayout;
    serverBitsRow->addWidget(serverBitsSet_);
    serverBitsRow->addWidget(serverBits_);
    serverBitsRow->addStretch();
    auto* clientBitsRow = new QHBoxLayout;
    clientBitsLabel_ = new QLabel(u"client_max_window_bits"_s, tab);
    clientBitsRow->addWidget(clientBitsLabel_);
    clientBitsRow->addWidget(clientBitsMode_);
    clientBitsRow->addWidget(clientBits_);
    clientBitsRow->addStretch();

    auto* layout = new QVBoxLayout(tab);
    layout->addWidget(deflate_);
    auto* params = new QGridLayout;
    params->setContentsMargins(20, 0, 0, 0);
    params->addWidget(serverNoContext_, 0, 0);
    params->addWidget(clientNoContext_, 0, 1);
    params->addLayout(serverBitsRow, 1, 0);
    params->addLayout(clientBitsRow, 1, 1);
    layout->addLayout(params);
    layout->addStretch();

    for (QCheckBox* box : {deflate_, serverBitsSet_})
        connect(box, &QCheckBox::toggled, this, &ClientOptionsForm::updateEnabled);
    connect(clientBitsMode_, &QComboBox::currentIndexChanged, this,
            &ClientOptionsForm::updateEnabled);
    return tab;
}

QWidget* ClientOptionsForm::buildTlsTab() {
    auto* tab = new QWidget(this);
    caFile_ = new QLineEdit(tab);
    caFile_->setPlaceholderText(tr("system CAs only"));
    certFile_ = new QLineEdit(tab);
    certFile_->setPlaceholderText(tr("none"));
    keyFile_ = new QLineEdit(tab);
    keyFile_->setPlaceholderText(tr("none"));
    ignoreCertErrors_ = new QCheckBox(tr("Ignore certificate errors"), tab);
    ignoreCertErrors_->setToolTip(
        tr("Accept any server certificate: untrusted, expired or for another host"));
    const QString pem = tr("PEM files (*.pem *.crt *.cer *.key);;All files (*)");
    auto* form = new QFormLayout(tab);
    form->addRow(tr("Extra CA certificates:"),
                 fileChooserRow(caFile_, tr("CA Certificates"), pem, tab));
    form->addRow(tr("Client certificate:"),
                 fileChooserRow(certFile_, tr("Client Certificate"), pem, tab));
    form->addRow(tr("Client key:"), fileChooserRow(keyFile_, tr("Client Key"), pem, tab));
    form->addRow(ignoreCertErrors_);
#if !QT_CONFIG(ssl)
    tab->setEnabled(false);
    tab->setToolTip(tr("This build has no TLS support"));
#endif
    connect(ignoreCertErrors_, &QCheckBox::toggled, this,
            &ClientOptionsForm::ignoreCertificateErrorsChanged);
    return tab;
}

QWidget* ClientOptionsForm::buildConnectionTab() {
    auto* tab = new QWidget(this);
    reconnect_ = new QCheckBox(tr("Reconnect automatically"), tab);
    reconnectInitialMs_ = new QSpinBox(tab);
    reconnectInitialMs_->setRange(10, 600'000);
    reconnectInitialMs_->setValue(500);
    reconnectInitialMs_->setSuffix(tr(" ms"));
    reconnectMaxS_ = new QSpinBox(tab);
    reconnectMaxS_->setRange(1, 3600);
    reconnectMaxS_->setValue(30);
    reconnectMaxS_->setSuffix(tr(" s"));
    reconnectFactor_ = new QDoubleSpinBox(tab);
    reconnectFactor_->setRange(1.0, 10.0);
    reconnectFactor_->setSingleStep(0.5);
    reconnectFactor_->setValue(2.0);
    reconnectFactor_->setPrefix(u"\u00d7"_s);
    reconnectAttempts_ = new QSpinBox(tab);
    reconnectAttempts_->setRange(0, 1'000'000);
    reconnectAttempts_->setSpecialValueText(tr("unlimited"));
    keepAlive_ = new QCheckBox(tr("Keepalive pings"), tab);
    keepAliveInterval_ = new QSpinBox(tab);
    keepAliveInterval_->setRange(1, 3600);
    keepAliveInterval_->setValue(30);
    keepAliveInterval_->setSuffix(tr(" s"));
    keepAliveTimeout_ = new QSpinBox(tab);
    keepAliveTimeout_->setRange(1, 3600);
    keepAliveTimeout_->setValue(10);
    keepAliveTimeout_->setSuffix(tr(" s"));
    autoPong_ = new QCheckBox(tr("Answer pings automatically (pong)"), tab);
    autoPong_->setChecked(true);
    autoPong_->setToolTip(tr("Off: pings are only shown, to test how a server handles silence"));

    auto* grid = new QGridLayout(tab);
    grid->addWidget(reconnect_, 0, 0);
    grid->addWidget(new QLabel(tr("first delay"), tab), 0, 1, Qt::AlignRight);
    grid->addWidget(reconnectInitialMs_, 0, 2);
    grid->addWidget(new QLabel(tr("factor"), tab), 0, 3, Qt::AlignRight);
    grid->addWidget(reconnectFactor_, 0, 4);
    grid->addWidget(new QLabel(tr("at most"), tab), 1, 1, Qt::AlignRight);
    grid->addWidget(reconnectMaxS_, 1, 2);
    grid->addWidget(new QLabel(tr("attempts"), tab), 1, 3, Qt::AlignRight);
    grid->addWidget(reconnectAttempts_, 1, 4);
    grid->addWidget(keepAlive_, 2, 0);
    grid->addWidget(new QLabel(tr("every"), tab), 2, 1, Qt::AlignRight);
    grid->addWidget(keepAliveInterval_, 2, 2);
    grid->addWidget(new QLabel(tr("timeout"), tab), 2, 3, Qt::AlignRight);
    grid->addWidget(keepAliveTimeout_, 2, 4);
    grid->addWidget(autoPong_, 3, 0, 1, 5);
    grid->setColumnStretch(5, 1);
    grid->setRowStretch(4, 1);

    for (QCheckBox* box : {reconnect_, keepAlive_})
        connect(box, &QCheckBox::toggled, this, &ClientOptionsForm::updateEnabled);
    return tab;
}

void ClientOptionsForm::updateEnabled() {
    const bool deflate = deflate_->isChecked();
    for (QWidget* w : std::initializer_list<QWidget*>{
             serverNoContext_, clientNoContext_, serverBitsSet_, clientBitsLabel_, clientBitsMode_})
        w->setEnabled(deflate);
    serverBits_->setEnabled(deflate && serverBitsSet_->isChecked());
    clientBits_->setEnabled(deflate && clientBitsMode_->currentData().toInt() == kBitsValue);
    const bool reconnect = reconnect_->isChecked();
    for (QWidget* w : std::initializer_list<QWidget*>{reconnectInitialMs_, reconnectMaxS_,
                                                      reconnectFactor_, reconnectAttempts_})
        w->setEnabled(reconnect);
    keepAliveInterval_->setEnabled(keepAlive_->isChecked());
    keepAliveTimeout_->setEnabled(keepAlive_->isChecked());
}

std::optional<ClientSettings> ClientOptionsForm::settings(QString* error) const {
    auto fail = [error](const QString& why) -> std::optional<ClientSettings> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    ClientSettings result;
    const QString urlText = url_->text().trimmed();
    if (urlText.isEmpty())
        return fail(tr("Enter a ws:// or wss:// URL"));
    session::WebSocketUrlParse parsed = session::parseWebSocketUrl(urlText);
    if (!parsed.url)
        return fail(tr("URL: %1").arg(parsed.error));
    result.url = *parsed.url;

    session::ClientOptions& options = result.options;
    options.limits = Preferences::savedLimits();
    for (int row = 0; row < headers_->rowCount(); ++row) {
        const QTableWidgetItem* name = headers_->item(row, 0);
        const QTableWidgetItem* value = headers_->item(row, 1);
        const QString nameText = name ? name->text().trimmed() : QString();
        const QString valueText = value ? value->text() : QString();
        if (nameText.isEmpty() && valueText.trimmed().isEmpty())
            continue;  // an empty row left from "Add"
        const session::HeaderArgument header =
            session::parseHeaderArgument(nameText + u": "_s + valueText);
        if (!header.field)
            return fail(tr("Header row %1: %2").arg(row + 1).arg(header.error));
        options.extraHeaders.push_back(*header.field);
    }
    const QStringList protocols = subprotocols_->text().split(u',', Qt::SkipEmptyParts);
    for (qsizetype i = 0; i < protocols.size(); ++i) {
        const QString protocol = protocols[i].trimmed();
        if (protocol.isEmpty())
            continue;
        if (!isToken(protocol))
            return fail(tr("Subprotocol %1 (\"%2\") is not a token: no spaces or separators")
                            .arg(i + 1)
                            .arg(protocol));
        options.subprotocols.push_back(protocol.toStdString());
    }
    const QString origin = origin_->text().trimmed();
    if (!origin.isEmpty()) {
        if (origin.contains(u'\r') || origin.contains(u'\n') || origin.contains(QChar(0)))
            return fail(tr("Origin: line breaks are not allowed"));
        options.origin = origin.toStdString();
    }

    options.deflate = deflate_->isChecked();
    DeflateClientOffer& offer = options.deflateOffer;
    offer.serverNoContextTakeover = serverNoContext_->isChecked();
    offer.clientNoContextTakeover = clientNoContext_->isChecked();
    if (serverBitsSet_->isChecked())
        offer.serverMaxWindowBits = serverBits_->value();
    const int clientBitsMode = clientBitsMode_->currentData().toInt();
    offer.clientMaxWindowBitsValueless = clientBitsMode == kBitsValueless;
    if (clientBitsMode == kBitsValue)
        offer.clientMaxWindowBits = clientBits_->value();
    options.autoPong = autoPong_->isChecked();

    const QString ca = caFile_->text().trimmed();
    const QString cert = certFile_->text().trimmed();
    const QString key = keyFile_->text().trimmed();
#if QT_CONFIG(ssl)
    if (!ca.isEmpty()) {
        QString why;
        auto certificates = session::loadCaFile(ca, &why);
        if (!certificates)
            return fail(why);
        options.caCertificates = std::move(*certificates);
    }
    if (cert.isEmpty() != key.isEmpty())
        return fail(tr("TLS: a client certificate needs its key, and a key its certificate"));
    options.clientCertificateFile = cert;
    options.clientKeyFile = key;
    options.ignoreCertificateErrors = ignoreCertErrors_->isChecked();
#else
    if (!ca.isEmpty() || !cert.isEmpty() || !key.isEmpty() || ignoreCertErrors_->isChecked())
        return fail(tr("TLS options need a build with TLS support"));
#endif

    result.reconnect.enabled = reconnect_->isChecked();
    result.reconnect.initial = std::chrono::milliseconds(reconnectInitialMs_->value());
    result.reconnect.maximum = std::chrono::seconds(reconnectMaxS_->value());
    result.reconnect.factor = reconnectFactor_->value();
    result.reconnect.maxAttempts = reconnectAttempts_->value();
    result.keepAlive.enabled = keepAlive_->isChecked();
    result.keepAlive.interval = std::chrono::seconds(keepAliveInterval_->value());
    result.keepAlive.timeout = std::chrono::seconds(keepAliveTimeout_->value());
    if (error)
        error->clear();
    return result;
}

QVariantMap ClientOptionsForm::toProfile() const {
    QVariantMap p;
    p.insert(u"url"_s, url_->text());
    QVariantList headers;
    for (int row = 0; row < headers_->rowCount(); ++row) {
        const QTableWidgetItem* name = headers_->item(row, 0);
        const QTableWidgetItem* value = headers_->item(row, 1);
        headers.append(
            QStringList{name ? name->text() : QString(), value ? value->text() : QString()});
    }
    p.insert(u"headers"_s, headers);
    p.insert(u"subprotocols"_s, subprotocols_->text());
    p.insert(u"origin"_s, origin_->text());
    p.insert(u"deflate"_s, deflate_->isChecked());
    p.insert(u"serverNoContextTakeover"_s, serverNoContext_->isChecked());
    p.insert(u"clientNoContextTakeover"_s, clientNoContext_->isChecked());
    p.insert(u"serverMaxWindowBits"_s, serverBitsSet_->isChecked() ? serverBits_->value() : 0);
    p.insert(u"clientMaxWindowBitsMode"_s, clientBitsMode_->currentData().toInt());
    p.insert(u"clientMaxWindowBits"_s, clientBits_->value());
    p.insert(u"caFile"_s, caFile_->text());
    p.insert(u"certificateFile"_s, certFile_->text());
    p.insert(u"keyFile"_s, keyFile_->text());
    p.insert(u"ignoreCertificateErrors"_s, ignoreCertErrors_->isChecked());
    p.insert(u"reconnect"_s, reconnect_->isChecked());
    p.insert(u"reconnectInitialMs"_s, reconnectInitialMs_->value());
    p.insert(u"reconnectMaxSeconds"_s, reconnectMaxS_->value());
    p.insert(u"reconnectFactor"_s, reconnectFactor_->value());
    p.insert(u"reconnectAttempts"_s, reconnectAttempts_->value());
    p.insert(u"keepAlive"_s, keepAlive_->isChecked());
    p.insert(u"keepAliveIntervalSeconds"_s, keepAliveInterval_->value());
    p.insert(u"keepAliveTimeoutSeconds"_s, keepAliveTimeout_->value());
    p.insert(u"autoPong"_s, autoPong_->isChecked());
    return p;
}

void ClientOptionsForm::fromProfile(const QVariantMap& p) {
    // Spin boxes clamp what they are given, so an odd stored number cannot escape its range.
    url_->setText(p.value(u"url"_s).toString());
    headers_->setRowCount(0);
    const QVariantList headers = p.value(u"headers"_s).toList();
    for (const QVariant& header : headers) {
        const QStringList pair = header.toStringList();
        addHeader(pair.value(0), pair.value(1));
    }
    subprotocols_->setText(p.value(u"subprotocols"_s).toString());
    origin_->setText(p.value(u"origin"_s).toString());
    deflate_->setChecked(p.value(u"deflate"_s).toBool());
    serverNoContext_->setChecked(p.value(u"serverNoContextTakeover"_s).toBool());
    clientNoContext_->setChecked(p.value(u"clientNoContextTakeover"_s).toBool());
    const int serverBits = p.value(u"serverMaxWindowBits"_s).toInt();
    serverBitsSet_->setChecked(serverBits != 0);
    if (serverBits != 0)
        serverBits_->setValue(serverBits);
    const int mode = p.value(u"clientMaxWindowBitsMode"_s, kBitsValueless).toInt();
    clientBitsMode_->setCurrentIndex(std::clamp(mode, kBitsNotSent, kBitsValue));
    clientBits_->setValue(p.value(u"clientMaxWindowBits"_s, 15).toInt());
    caFile_->setText(p.value(u"caFile"_s).toString());
    certFile_->setText(p.value(u"certificateFile"_s).toString());
    keyFile_->setText(p.value(u"keyFile"_s).toString());
    ignoreCertErrors_->setChecked(p.value(u"ignoreCertificateErrors"_s).toBool());
    reconnect_->setChecked(p.value(u"reconnect"_s).toBool());
    reconnectInitialMs_->setValue(p.value(u"reconnectInitialMs"_s, 500).toInt());
    reconnectMaxS_->setValue(p.value(u"reconnectMaxSeconds"_s, 30).toInt());
    reconnectFactor_->setValue(p.value(u"reconnectFactor"_s, 2.0).toDouble());
    reconnectAttempts_->setValue(p.value(u"reconnectAttempts"_s, 0).toInt());
    keepAlive_->setChecked(p.value(u"keepAlive"_s).toBool());
    keepAliveInterval_->setValue(p.value(u"keepAliveIntervalSeconds"_s, 30).toInt());
    keepAliveTimeout_->setValue(p.value(u"keepAliveTimeoutSeconds"_s, 10).toInt());
    autoPong_->setChecked(p.value(u"autoPong"_s, true).toBool());
    updateEnabled();
}

QString ClientOptionsForm::url() const {
    return url_->text();
}

void ClientOptionsForm::setUrl(const QString& url) {
    url_->setText(url);
}

void ClientOptionsForm::addHeader(const QString& name, const QString& value) {
    const int row = headers_->rowCount();
    headers_->insertRow(row);
    headers_->setItem(row, 0, new QTableWidgetItem(name));
    headers_->setItem(row, 1, new QTableWidgetItem(value));
}

void ClientOptionsForm::setSubprotocols(const QString& commaSeparated) {
    subprotocols_->setText(commaSeparated);
}

void ClientOptionsForm::setOrigin(const QString& origin) {
    origin_->setText(origin);
}

void ClientOptionsForm::setDeflate(bool offer) {
    deflate_->setChecked(offer);
}

void ClientOptionsForm::setIgnoreCertificateErrors(bool ignore) {
    ignoreCertErrors_->setChecked(ignore);
}

bool ClientOptionsForm::ignoreCertificateErrors() const {
    return ignoreCertErrors_->isChecked();
}

void ClientOptionsForm::setAutoReconnect(bool enabled) {
    reconnect_->setChecked(enabled);
}

void ClientOptionsForm::setKeepAlive(bool enabled, int intervalSeconds, int timeoutSeconds) {
    keepAlive_->setChecked(enabled);
    keepAliveInterval_->setValue(intervalSeconds);
    keepAliveTimeout_->setValue(timeoutSeconds);
}

void ClientOptionsForm::setAutoPong(bool enabled) {
    autoPong_->setChecked(enabled);
}

}  // namespace sockscope::ui
