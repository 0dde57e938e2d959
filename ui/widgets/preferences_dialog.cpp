#include "widgets/preferences_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include "inspector/port_list.h"

namespace sockscope::ui {
namespace {

// Sizes are shown in KiB: a spin box holds an int, and nobody sets a limit to the byte.
int shownValue(const LimitSpec& spec, std::uint64_t value) {
    return int(spec.bytes ? (value + 1023) / 1024 : value);
}

QString describe(const LimitSpec& spec, std::uint64_t value) {
    if (value == 0)
        return PreferencesDialog::tr("no limit");
    return spec.bytes ? QLocale().formattedDataSize(qint64(value), 0, QLocale::DataSizeIecFormat)
                      : QLocale().toString(qulonglong(value));
}

QSpinBox* limitBox(const LimitSpec& spec) {
    auto* box = new QSpinBox;
    box->setObjectName(QStringLiteral("limit.") + QLatin1String(spec.key));
    box->setRange(shownValue(spec, spec.min), shownValue(spec, spec.max));
    box->setGroupSeparatorShown(true);
    box->setAccelerated(true);
    if (spec.bytes)
        box->setSuffix(PreferencesDialog::tr(" KiB"));
    if (spec.min == 0)
        box->setSpecialValueText(PreferencesDialog::tr("no limit"));
    box->setToolTip(PreferencesDialog::tr("%1.\nDefault: %2. From %3 to %4.")
                        .arg(QCoreApplication::translate("Preferences", spec.help),
                             describe(spec, spec.defaultValue), describe(spec, spec.min),
                             describe(spec, spec.max)));
    return box;
}

QSpinBox* fontSizeBox(const QString& name) {
    auto* box = new QSpinBox;
    box->setObjectName(name);
    box->setRange(6, 48);
    box->setSuffix(PreferencesDialog::tr(" pt"));
    return box;
}

// A label for a row that holds a layout: the mnemonic goes to its first widget.
QLabel* buddyLabel(const QString& text, QWidget* buddy) {
    auto* label = new QLabel(text);
    label->setBuddy(buddy);
    return label;
}

int pointSizeOf(const QFont& font) {
    return font.pointSize() > 0 ? font.pointSize() : 10;
}

void selectData(QComboBox* box, int value) {
    const int index = box->findData(value);
    if (index >= 0)
        box->setCurrentIndex(index);
}

// The chosen family and size on top of the font they replace (weight, style stay).
QFont chosenFont(QFont font, const QFontComboBox* family, const QSpinBox* size) {
    font.setFamily(family->currentFont().family());
    font.setPointSize(size->value());
    return font;
}

}  // namespace

PreferencesDialog::PreferencesDialog(const Preferences& preferences, QWidget* parent)
    : QDialog(parent) {
    setWindowTitle(tr("Preferences"));
    auto* tabs = new QTabWidget;
    tabs->addTab(buildCapturePage(), tr("&Capture"));
    tabs->addTab(buildDisplayPage(), tr("&Display"));

    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel |
                                    QDialogButtonBox::Apply | QDialogButtonBox::RestoreDefaults);
    connect(buttons_->button(QDialogButtonBox::Ok), &QPushButton::clicked, this, [this] {
        if (!valid())
            return;
        apply();
        accept();
    });
    connect(buttons_->button(QDialogButtonBox::Apply), &QPushButton::clicked, this,
            &PreferencesDialog::apply);
    connect(buttons_->button(QDialogButtonBox::Cancel), &QPushButton::clicked, this,
            &QDialog::reject);
    connect(buttons_->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            [this] { setPreferences(Preferences{}); });

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(buttons_);
    setPreferences(preferences);
}

QWidget* PreferencesDialog::buildCapturePage() {
    ports_ = new QLineEdit;
    ports_->setObjectName(QStringLiteral("wsPorts"));
    ports_->setPlaceholderText(tr("for example 8080, 9001"));
    ports_->setToolTip(
        tr("TCP ports whose traffic is WebSocket even without a handshake in the capture "
           "(for captures that start after the connection was set up)"));
    portsError_ = new QLabel;
    portsError_->setObjectName(QStringLiteral("wsPortsError"));
    portsError_->setWordWrap(true);
    portsError_->hide();
    connect(ports_, &QLineEdit::textChanged, this, &PreferencesDialog::checkPorts);
    detect_ = new QCheckBox(tr("Recognise WebSocket streams that start without a handshake"));
    detect_->setObjectName(QStringLiteral("detectWithoutHandshake"));

    auto* decode = new QGroupBox(tr("Decode as WebSocket"));
    auto* decodeForm = new QFormLayout(decode);
    decodeForm->addRow(tr("&Ports:"), ports_);
    decodeForm->addRow(QString(), portsError_);
    decodeForm->addRow(QString(), detect_);

    auto* limits = new QGroupBox(tr("Limits"));
    auto* limitsForm = new QFormLayout(limits);
    for (const LimitSpec& spec : limitSpecs()) {
        QSpinBox* box = limitBox(spec);
        limits_[spec.limit] = box;
        auto* label = new QLabel(QCoreApplication::translate("Preferences", spec.label) + u':');
        label->setBuddy(box);
        label->setToolTip(box->toolTip());
        limitsForm->addRow(label, box);
    }

    auto* note = new QLabel(
        tr("Ports, the key log and limits apply to the next capture opened (you may reopen the "
           "current one) and to the next live capture started."));
    note->setWordWrap(true);

    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(decode);
    layout->addWidget(buildTlsBox());
    layout->addWidget(limits);
    layout->addWidget(note);
    layout->addStretch(1);
    return page;
}

QWidget* PreferencesDialog::buildTlsBox() {
    keyLog_ = new QLineEdit;
    keyLog_->setObjectName(QStringLiteral("keyLogFile"));
    keyLog_->setPlaceholderText(tr("none: wss:// traffic stays encrypted"));
    keyLog_->setClearButtonEnabled(true);
    keyLog_->setToolTip(
        tr("An NSS key log, as browsers, curl, Python and Node write it when asked (for example "
           "SSLKEYLOGFILE=/tmp/keys.log). TLS connections whose keys it holds are decrypted; a "
           "live capture follows the file as it grows. Keys a pcapng file carries are used "
           "without it."));
    auto* browse = new QPushButton(tr("&Browse…"));
    browse->setObjectName(QStringLiteral("keyLogBrowse"));
    connect(browse, &QPushButton::clicked, this, &PreferencesDialog::chooseKeyLog);
    auto* row = new QHBoxLayout;
    row->addWidget(keyLog_, 1);
    row->addWidget(browse);

    auto* box = new QGroupBox(tr("TLS decryption"));
    auto* form = new QFormLayout(box);
    form->addRow(buddyLabel(tr("&Key log file:"), keyLog_), row);
    return box;
}

void PreferencesDialog::chooseKeyLog() {
    const QString current = keyLog_->text().trimmed();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("TLS Key Log File"), current.isEmpty() ? QString() : QFileInfo(current).path(),
        tr("Key logs (*.log *.txt *.keys);;All files (*)"));
    if (!path.isEmpty())
        keyLog_->setText(path);
}

QWidget* PreferencesDialog::buildDisplayPage() {
    time_ = new QComboBox;
    time_->setObjectName(QStringLiteral("timeDisplay"));
    time_->addItem(tr("Absolute (time of day)"), int(TimeDisplay::Absolute));
    time_->addItem(tr("Relative to the first packet"), int(TimeDisplay::Relative));
    time_->addItem(tr("Delta from the previous row"), int(TimeDisplay::Delta));

    tableFamily_ = new QFontComboBox;
    tableFamily_->setObjectName(QStringLiteral("tableFontFamily"));
    tableSize_ = fontSizeBox(QStringLiteral("tableFontSize"));
    auto* tableFont = new QHBoxLayout;
    tableFont->addWidget(tableFamily_, 1);
    tableFont->addWidget(tableSize_);

    auto* tables = new QGroupBox(tr("Tables"));
    auto* tablesForm = new QFormLayout(tables);
    tablesForm->addRow(tr("&Time:"), time_);
    tablesForm->addRow(buddyLabel(tr("&Font:"), tableFamily_), tableFont);

    encoding_ = new QComboBox;
    encoding_->setObjectName(QStringLiteral("textEncoding"));
    encoding_->setToolTip(
        tr("How the bytes of text messages become characters. RFC 6455 requires UTF-8; "
           "choose another for servers that send something else."));
    for (TextEncoding e :
         {TextEncoding::Utf8, TextEncoding::Latin1, TextEncoding::Utf16LE, TextEncoding::Utf16BE})
        encoding_->addItem(textEncodingName(e), int(e));
    prettyJson_ = new QCheckBox(tr("&Indent JSON messages"));
    prettyJson_->setObjectName(QStringLiteral("prettyJson"));
    prettyJson_->setToolTip(tr("Off: the JSON text is shown as it was sent"));
    indent_ = new QComboBox;
    indent_->setObjectName(QStringLiteral("jsonIndent"));
    indent_->addItem(tr("2 spaces"), 2);
    indent_->addItem(tr("4 spaces"), 4);
    connect(prettyJson_, &QCheckBox::toggled, indent_, &QWidget::setEnabled);
    auto* json = new QHBoxLayout;
    json->addWidget(prettyJson_);
    json->addWidget(indent_);
    json->addStretch(1);

    fixedFamily_ = new QFontComboBox;
    fixedFamily_->setObjectName(QStringLiteral("fixedFontFamily"));
    fixedFamily_->setFontFilters(QFontComboBox::MonospacedFonts);
    fixedSize_ = fontSizeBox(QStringLiteral("fixedFontSize"));
    auto* fixedFont = new QHBoxLayout;
    fixedFont->addWidget(fixedFamily_, 1);
    fixedFont->addWidget(fixedSize_);

    auto* payloads = new QGroupBox(tr("Payloads"));
    auto* payloadsForm = new QFormLayout(payloads);
    payloadsForm->addRow(tr("Text &encoding:"), encoding_);
    payloadsForm->addRow(tr("JSON:"), json);
    payloadsForm->addRow(buddyLabel(tr("Fi&xed-width font:"), fixedFamily_), fixedFont);

    // A font the user did not touch stays the one given (which may be the
    // system's, to be followed), even where the combo box cannot show it exactly.
    connect(tableFamily_, &QFontComboBox::currentFontChanged, this,
            [this] { tableFontTouched_ = true; });
    connect(tableSize_, &QSpinBox::valueChanged, this, [this] { tableFontTouched_ = true; });
    connect(fixedFamily_, &QFontComboBox::currentFontChanged, this,
            [this] { fixedFontTouched_ = true; });
    connect(fixedSize_, &QSpinBox::valueChanged, this, [this] { fixedFontTouched_ = true; });

    theme_ = new QComboBox;
    theme_->setObjectName(QStringLiteral("theme"));
    theme_->addItem(tr("Follow the system"), int(Theme::System));
    theme_->addItem(tr("Light"), int(Theme::Light));
    theme_->addItem(tr("Dark"), int(Theme::Dark));
    auto* look = new QGroupBox(tr("Appearance"));
    auto* lookForm = new QFormLayout(look);
    lookForm->addRow(tr("T&heme:"), theme_);

    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(tables);
    layout->addWidget(payloads);
    layout->addWidget(look);
    layout->addStretch(1);
    return page;
}

void PreferencesDialog::setPreferences(const Preferences& preferences) {
    shown_ = preferences;
    ports_->setText(formatPortList(preferences.wsPorts));
    detect_->setChecked(preferences.detectWithoutHandshake);
    keyLog_->setText(preferences.keyLogFile);
    for (const LimitSpec& spec : limitSpecs())
        limits_.at(spec.limit)->setValue(shownValue(spec, preferences.limit(spec.limit)));
    selectData(time_, int(preferences.timeDisplay));
    selectData(encoding_, int(preferences.textEncoding));
    prettyJson_->setChecked(preferences.prettyJson);
    indent_->setEnabled(preferences.prettyJson);
    selectData(indent_, preferences.jsonIndent);
    tableFamily_->setCurrentFont(preferences.tableFont);
    tableSize_->setValue(pointSizeOf(preferences.tableFont));
    fixedFamily_->setCurrentFont(preferences.fixedFont);
    fixedSize_->setValue(pointSizeOf(preferences.fixedFont));
    selectData(theme_, int(preferences.theme));
    tableFontTouched_ = fixedFontTouched_ = false;
}

Preferences PreferencesDialog::preferences() const {
    Preferences p = shown_;
    QString ignored;
    if (const auto ports = parsePortList(ports_->text(), ignored))
        p.wsPorts = *ports;
    p.detectWithoutHandshake = detect_->isChecked();
    p.keyLogFile = keyLog_->text().trimmed();
    for (const LimitSpec& spec : limitSpecs()) {
        const int value = limits_.at(spec.limit)->value();
        // An unchanged box keeps the exact value (a size need not be whole KiB).
        if (value != shownValue(spec, shown_.limit(spec.limit)))
            p.setLimit(spec.limit, spec.bytes ? std::uint64_t(value) * 1024 : std::uint64_t(value));
    }
    p.timeDisplay = TimeDisplay(time_->currentData().toInt());
    p.textEncoding = TextEncoding(encoding_->currentData().toInt());
    p.prettyJson = prettyJson_->isChecked();
    p.jsonIndent = indent_->currentData().toInt();
    if (tableFontTouched_)
        p.tableFont = chosenFont(shown_.tableFont, tableFamily_, tableSize_);
    if (fixedFontTouched_)
        p.fixedFont = chosenFont(shown_.fixedFont, fixedFamily_, fixedSize_);
    p.theme = Theme(theme_->currentData().toInt());
    p.clamp();
    return p;
}

bool PreferencesDialog::valid() const {
    QString ignored;
    return parsePortList(ports_->text(), ignored).has_value();
}

void PreferencesDialog::checkPorts() {
    QString error;
    const bool ok = parsePortList(ports_->text(), error).has_value();
    portsError_->setText(error);
    portsError_->setVisible(!ok);
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(ok);
    buttons_->button(QDialogButtonBox::Apply)->setEnabled(ok);
}

void PreferencesDialog::apply() {
    if (!valid())
        return;
    const Preferences p = preferences();
    setPreferences(p);
    emit applied(p);
}

}  // namespace sockscope::ui
