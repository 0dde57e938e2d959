#include "widgets/live_capture_dialog.h"

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QFuture>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPromise>
#include <QPushButton>
#include <QRegularExpression>
#include <QStringList>
#include <QThreadPool>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "inspector/capture_loader.h"
#include "inspector/port_list.h"

namespace sockscope::ui {
namespace {

enum Column { Name, Description, Addresses, State, ColumnCount };

// Filters are checked for Ethernet: protocol filters ("tcp port 80", "host
// ::1") compile alike for every link type; the rest is caught when opening.
constexpr int kLinkTypeEthernet = 1;

struct FilterCheck {
    bool valid = false;
    QString error;
};

// One thread for filter checks, so a slow name lookup never occupies the
// global pool; it lives as long as the application.
QThreadPool& filterPool() {
    static QThreadPool* pool = [] {
        auto* p = new QThreadPool(QCoreApplication::instance());
        p->setMaxThreadCount(1);
        return p;
    }();
    return *pool;
}

QString flagsText(const dissector::CaptureInterfaceInfo& info) {
    QStringList flags;
    if (info.loopback)
        flags << LiveCaptureDialog::tr("loopback");
    if (info.up)
        flags << LiveCaptureDialog::tr("up");
    if (info.running)
        flags << LiveCaptureDialog::tr("running");
    return flags.join(QStringLiteral(", "));
}

QString shellQuoted(const QString& path) {
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./+-]+$"));
    if (plain.match(path).hasMatch())
        return path;
    QString quoted = path;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

// capturePermissionMessage() ends with a short how-to (capturePermissionAdvice());
// permissionHelp() gives the long one, so the short one is cut from a detail
// that carries it.
QString withoutShortHowTo(const QString& detail) {
    const std::string interface = "?";
    const QString bare = QString::fromStdString("no permission to capture on " + interface);
    const QString full = QString::fromStdString(dissector::capturePermissionMessage(interface, {}));
    if (!full.startsWith(bare) || full.size() == bare.size())
        return detail;
    const QString howTo = full.mid(bare.size());
    return detail.endsWith(howTo) ? detail.chopped(howTo.size()) : detail;
}

}  // namespace

LiveCaptureDialog::LiveCaptureDialog(QWidget* parent)
    : QDialog(parent),
      interfaces_(new QTreeWidget(this)),
      permission_(new QLabel(this)),
      filter_(new QLineEdit(this)),
      filterHint_(new QLabel(this)),
      ports_(new QLineEdit(this)),
      portsHint_(new QLabel(this)),
      keyLog_(new QLabel(this)),
      keyLogHelpButton_(new QPushButton(this)),
      keyLogHelp_(new QLabel(this)),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Cancel, this)),
      filterGeneration_(std::make_shared<std::atomic<int>>(0)) {
    setWindowTitle(tr("Live Capture"));
    interfaces_->setObjectName(QStringLiteral("interfaces"));
    interfaces_->setColumnCount(ColumnCount);
    interfaces_->setHeaderLabels(
        {tr("Interface"), tr("Description"), tr("Addresses"), tr("State")});
    interfaces_->setRootIsDecorated(false);
    interfaces_->setAllColumnsShowFocus(true);
    interfaces_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    permission_->setObjectName(QStringLiteral("permissionHelp"));
    permission_->setWordWrap(true);
    permission_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    permission_->setTextFormat(Qt::PlainText);
    permission_->hide();

    filter_->setObjectName(QStringLiteral("filter"));
    filter_->setPlaceholderText(tr("e.g. tcp port 8765 (empty: all traffic)"));
    filter_->setClearButtonEnabled(true);
    filterHint_->setObjectName(QStringLiteral("filterHint"));
    filterHint_->setWordWrap(true);
    filterHint_->setTextFormat(Qt::PlainText);
    ports_->setObjectName(QStringLiteral("ports"));
    ports_->setPlaceholderText(tr("e.g. 8080, 9001 (streams without a handshake)"));
    portsHint_->setObjectName(QStringLiteral("portsHint"));
    portsHint_->setTextFormat(Qt::PlainText);
    portsHint_->hide();

    keyLog_->setObjectName(QStringLiteral("keyLog"));
    keyLog_->setWordWrap(true);
    keyLog_->setTextFormat(Qt::PlainText);
    keyLog_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // The help stays folded: most captures need none of it.
    keyLogHelpButton_->setObjectName(QStringLiteral("keyLogHelpButton"));
    keyLogHelpButton_->setText(tr("How to &write a key log…"));
    keyLogHelpButton_->setCheckable(true);
    keyLogHelpButton_->setFlat(true);
    keyLogHelp_->setObjectName(QStringLiteral("keyLogHelp"));
    keyLogHelp_->setWordWrap(true);
    keyLogHelp_->setTextFormat(Qt::PlainText);
    keyLogHelp_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    keyLogHelp_->setFont(QFontDatabase::systemFont(QFontDatabase::SmallestReadableFont));
    keyLogHelp_->hide();
    connect(keyLogHelpButton_, &QPushButton::toggled, keyLogHelp_, &QWidget::setVisible);
    setKeyLogFile({});

    start_ = buttons_->addButton(tr("&Start"), QDialogButtonBox::AcceptRole);
    start_->setObjectName(QStringLiteral("start"));
    start_->setDefault(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Capture &filter:"), filter_);
    form->addRow(QString(), filterHint_);
    form->addRow(tr("Decode &port(s) as WebSocket:"), ports_);
    form->addRow(QString(), portsHint_);
    auto* keyLogRow = new QHBoxLayout;
    keyLogRow->addWidget(keyLog_, 1);
    keyLogRow->addWidget(keyLogHelpButton_);
    form->addRow(tr("TLS key log:"), keyLogRow);
    form->addRow(QString(), keyLogHelp_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Capture on:"), this));
    layout->addWidget(interfaces_, 1);
    layout->addWidget(permission_, 1);
    layout->addLayout(form);
    layout->addWidget(buttons_);

    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(interfaces_, &QTreeWidget::currentItemChanged, this, &LiveCaptureDialog::updateStart);
    connect(interfaces_, &QTreeWidget::itemDoubleClicked, this, [this] {
        if (start_->isEnabled())
            accept();
    });
    connect(filter_, &QLineEdit::textChanged, this, &LiveCaptureDialog::checkFilter);
    connect(ports_, &QLineEdit::textChanged, this, &LiveCaptureDialog::checkPorts);

    std::string error;
    auto list = dissector::listCaptureInterfaces(error);
    setInterfaces(list, QString::fromStdString(error));
    checkFilter();
    resize(720, 420);
}

LiveCaptureDialog::~LiveCaptureDialog() {
    ++*filterGeneration_;  // checks still queued need not run
}

void LiveCaptureDialog::setInterfaces(
    const std::optional<std::vector<dissector::CaptureInterfaceInfo>>& interfaces,
    const QString& listError) {
    interfaces_->clear();
    if (!interfaces || interfaces->empty()) {
        const QString why =
            interfaces ? tr("No interface to capture on was found: the system lists only the "
                            "ones this program may open.")
                       : listError;
        permission_->setText(permissionHelp(why));
        permission_->show();
        interfaces_->hide();
        updateStart();
        return;
    }
    permission_->hide();
    interfaces_->show();
    QTreeWidgetItem* preferred = nullptr;
    for (const dissector::CaptureInterfaceInfo& info : *interfaces) {
        QStringList addresses;
        for (const std::string& address : info.addresses)
            addresses << QString::fromStdString(address);
        auto* item = new QTreeWidgetItem(
            interfaces_,
            {QString::fromStdString(info.name), QString::fromStdString(info.description),
             addresses.join(QStringLiteral(", ")), flagsText(info)});
        item->setData(Name, Qt::UserRole, QString::fromStdString(info.name));
        if (!preferred && info.loopback)
            preferred = item;
    }
    interfaces_->setCurrentItem(preferred ? preferred : interfaces_->topLevelItem(0));
    updateStart();
}

void LiveCaptureDialog::setInterface(const QString& name) {
    for (int i = 0; i < interfaces_->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = interfaces_->topLevelItem(i);
        if (item->data(Name, Qt::UserRole).toString() == name) {
            interfaces_->setCurrentItem(item);
            return;
        }
    }
}

void LiveCaptureDialog::setFilter(const QString& filter) {
    filter_->setText(filter);
}

void LiveCaptureDialog::setWsPorts(const std::set<std::uint16_t>& ports) {
    ports_->setText(formatPortList(ports));
}

void LiveCaptureDialog::setKeyLogFile(const QString& path) {
    keyLogFile_ = path;
    keyLog_->setText(path.isEmpty() ? tr("none (set one in Edit > Preferences): wss:// traffic "
                                         "is shown as TLS connections without messages")
                                    : tr("%1, followed as it grows").arg(path));
    keyLogHelp_->setText(keyLogHelp(path));
}

QString LiveCaptureDialog::keyLogText() const {
    return keyLog_->text();
}

QString LiveCaptureDialog::keyLogHelp(const QString& path) {
    const QString file = shellQuoted(path.isEmpty() ? QStringLiteral("/tmp/keys.log") : path);
    return tr("Start the client with the key log file named, then capture its traffic:") +
           QStringLiteral(
               "\n  Chrome, Chromium, Firefox, curl:  SSLKEYLOGFILE=%1 chromium\n"
               "  Python (ssl):  context.keylog_filename = \"%2\"\n"
               "  Node.js:  node --tls-keylog=%1 app.js\n")
               .arg(file, path.isEmpty() ? QStringLiteral("/tmp/keys.log") : path) +
           tr("The file must be the one set in Edit > Preferences > Capture > TLS decryption. "
              "Keys written after a connection ended still decrypt it (for %1 seconds of "
              "capture).")
               .arg(CaptureLoader::kLiveKeyWaitSeconds);
}

dissector::LiveCaptureOptions LiveCaptureDialog::captureOptions() const {
    dissector::LiveCaptureOptions options;
    if (const QTreeWidgetItem* item = interfaces_->currentItem())
        options.interface = item->data(Name, Qt::UserRole).toString().toStdString();
    options.filter = filter_->text().trimmed().toStdString();
    return options;
}

std::set<std::uint16_t> LiveCaptureDialog::wsPorts() const {
    QString error;
    return parsePortList(ports_->text(), error).value_or(std::set<std::uint16_t>{});
}

QString LiveCaptureDialog::permissionHelp(const QString& detail) {
    QString text;
    const QString what = withoutShortHowTo(detail.trimmed());
    if (!what.isEmpty())
        text = what + QStringLiteral("\n\n");
    // The same advice as capturePermissionAdvice(), in more words.
    if (const std::optional<std::string> helper = dissector::findCaptureHelper())
        return text +
               tr("Capturing packets needs the capabilities CAP_NET_RAW and CAP_NET_ADMIN. "
                  "Sockscope's capture helper (%1) holds them for the members of group "
                  "sockscope: add yourself to the group, then log out and in again:")
                   .arg(QString::fromStdString(*helper)) +
               QStringLiteral("\n\n    sudo usermod -aG sockscope $USER");
    return text +
           tr("Capturing packets needs the capabilities CAP_NET_RAW and CAP_NET_ADMIN. Run "
              "Sockscope as root, or grant them to this program once and start it again:") +
           QStringLiteral("\n\n    sudo setcap cap_net_raw,cap_net_admin=eip ") +
           shellQuoted(QCoreApplication::applicationFilePath());
}

void LiveCaptureDialog::checkFilter() {
    const int generation = ++*filterGeneration_;
    filterState_ = FilterState::Checking;
    updateStart();  // the hint keeps the last answer until this one comes (no flicker)
    QPromise<FilterCheck> promise;
    auto* watcher = new QFutureWatcher<FilterCheck>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != *filterGeneration_ || watcher->future().resultCount() == 0)
            return;
        const FilterCheck check = watcher->result();
        filterChecked(check.valid, check.error);
    });
    watcher->setFuture(promise.future());
    filterPool().start([promise = std::make_shared<QPromise<FilterCheck>>(std::move(promise)),
                        latest = filterGeneration_, generation,
                        filter = filter_->text().trimmed().toStdString()] {
        promise->start();
        if (generation == *latest) {
            FilterCheck check;
            std::string error;
            check.valid = dissector::validateCaptureFilter(filter, kLinkTypeEthernet, error);
            check.error = QString::fromStdString(error);
            promise->addResult(check);
        }
        promise->finish();
    });
}

void LiveCaptureDialog::filterChecked(bool valid, const QString& error) {
    filterState_ = valid ? FilterState::Valid : FilterState::Invalid;
    if (!valid)
        showHint(filterHint_, error, false);
    else if (filter_->text().trimmed().isEmpty())
        showHint(filterHint_, tr("No filter: every packet on the interface is captured."), true);
    else
        showHint(filterHint_, tr("Valid filter."), true);
    updateStart();
}

void LiveCaptureDialog::checkPorts() {
    QString error;
    portsValid_ = parsePortList(ports_->text(), error).has_value();
    if (portsValid_)
        portsHint_->hide();
    else
        showHint(portsHint_, error, false);
    updateStart();
}

void LiveCaptureDialog::showHint(QLabel* label, const QString& text, bool good) {
    // Shades that read on both light and dark windows.
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    const QColor color = good ? (dark ? QColor(0x81, 0xc7, 0x84) : QColor(0x2e, 0x7d, 0x32))
                              : (dark ? QColor(0xef, 0x9a, 0x9a) : QColor(0xc6, 0x28, 0x28));
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText, color);
    label->setPalette(p);
    label->setText(text);
    label->show();
}

void LiveCaptureDialog::updateStart() {
    start_->setEnabled(interfaces_->currentItem() != nullptr &&
                       filterState_ == FilterState::Valid && portsValid_);
}

}  // namespace sockscope::ui
