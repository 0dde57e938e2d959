#include "console/message_composer.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QVBoxLayout>

#include <sockscope/core/close_code.h>

#include "console/close_code_picker.h"
#include "console/console_settings.h"
#include "console/payload_text.h"
#include "inspector/json_outline.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {

namespace {

constexpr qsizetype kMaxControlPayload = 125;  // RFC 6455 §5.5
constexpr qsizetype kMaxCloseReason = 123;     // 125 minus the 2-byte code

bool isData(MessageComposer::Kind kind) {
    return kind == MessageComposer::Kind::Text || kind == MessageComposer::Kind::Json ||
           kind == MessageComposer::Kind::Binary;
}

bool hasFormat(MessageComposer::Kind kind) {
    return kind == MessageComposer::Kind::Binary || kind == MessageComposer::Kind::Ping ||
           kind == MessageComposer::Kind::Pong;
}

// "line 2, column 7" for a character offset into `text`.
QString position(const QString& text, qsizetype offset) {
    offset = std::clamp<qsizetype>(offset, 0, text.size());
    const QStringView before = QStringView(text).left(offset);
    const qsizetype line = before.count(u'\n') + 1;
    const qsizetype column = offset - (before.lastIndexOf(u'\n') + 1) + 1;
    return QObject::tr("line %1, column %2").arg(line).arg(column);
}

// QJsonParseError::offset counts UTF-8 bytes; the editor counts UTF-16 units.
qsizetype utf16Offset(const QByteArray& utf8, int byteOffset) {
    return QString::fromUtf8(utf8.left(std::clamp<qsizetype>(byteOffset, 0, utf8.size()))).size();
}

}  // namespace

MessageComposer::MessageComposer(QWidget* parent) : QWidget(parent) {
    buildLayout();
    reloadSaved();
    updateFields();
}

MessageComposer::~MessageComposer() = default;

void MessageComposer::buildLayout() {
    kind_ = new QComboBox(this);
    kind_->addItem(tr("Text"), int(Kind::Text));
    kind_->addItem(tr("JSON"), int(Kind::Json));
    kind_->addItem(tr("Binary"), int(Kind::Binary));
    kind_->addItem(tr("Ping"), int(Kind::Ping));
    kind_->addItem(tr("Pong"), int(Kind::Pong));
    kind_->addItem(tr("Close"), int(Kind::Close));
    kind_->setAccessibleName(tr("Message kind"));

    formatLabel_ = new QLabel(tr("Payload:"), this);
    format_ = new QComboBox(this);
    format_->addItem(tr("Text (UTF-8)"), int(PayloadFormat::Text));
    format_->addItem(tr("Hex"), int(PayloadFormat::Hex));
    format_->addItem(tr("Base64"), int(PayloadFormat::Base64));
    format_->addItem(tr("From file..."), int(PayloadFormat::File));
    format_->setCurrentIndex(1);
    formatLabel_->setBuddy(format_);
    filePath_ = new QLineEdit(this);
    filePath_->setPlaceholderText(tr("File to send"));
    browse_ = new QPushButton(tr("Browse..."), this);

    fragmentsLabel_ = new QLabel(tr("Fragments:"), this);
    fragments_ = new QSpinBox(this);
    fragments_->setRange(1, 65536);
    fragments_->setToolTip(tr("Split the message into this many frames (continuation frames)"));
    fragmentsLabel_->setBuddy(fragments_);

    body_ = new QPlainTextEdit(this);
    body_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    body_->setTabChangesFocus(true);
    body_->setPlaceholderText(tr("Message (Ctrl+Enter sends)"));
    body_->setAccessibleName(tr("Message body"));

    closeRow_ = new QWidget(this);
    closePicker_ = new ClosePicker(closeRow_);
    closeReason_ = new QLineEdit(closeRow_);
    closeReason_->setPlaceholderText(tr("Reason (at most 123 bytes UTF-8)"));
    auto* closeLayout = new QHBoxLayout(closeRow_);
    closeLayout->setContentsMargins(0, 0, 0, 0);
    auto* codeLabel = new QLabel(tr("Code:"), closeRow_);
    codeLabel->setBuddy(closePicker_->combo());
    closeLayout->addWidget(codeLabel);
    closeLayout->addWidget(closePicker_, 2);
    auto* reasonLabel = new QLabel(tr("Reason:"), closeRow_);
    reasonLabel->setBuddy(closeReason_);
    closeLayout->addWidget(reasonLabel);
    closeLayout->addWidget(closeReason_, 3);

    error_ = new QLabel(this);
    error_->setWordWrap(true);
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_->setStyleSheet(u"color: #c62828;"_s);
    size_ = new QLabel(this);
    size_->setStyleSheet(u"color: palette(placeholder-text);"_s);
    pretty_ = new QPushButton(tr("Pretty-print"), this);
    pretty_->setToolTip(tr("Indent the JSON (member order is kept); it is sent as shown"));
    send_ = new QPushButton(tr("Send"), this);
    send_->setToolTip(tr("Send (Ctrl+Enter)"));
    send_->setDefault(true);

    auto* top = new QHBoxLayout;
    auto* kindLabel = new QLabel(tr("Kind:"), this);
    kindLabel->setBuddy(kind_);
    top->addWidget(kindLabel);
    top->addWidget(kind_);
    top->addSpacing(8);
    top->addWidget(formatLabel_);
    top->addWidget(format_);
    top->addWidget(filePath_, 1);
    top->addWidget(browse_);
    top->addStretch();
    top->addWidget(fragmentsLabel_);
    top->addWidget(fragments_);

    auto* bottom = new QHBoxLayout;
    bottom->addWidget(error_, 1);
    bottom->addWidget(size_);
    bottom->addWidget(pretty_);
    bottom->addWidget(send_);

    // Saved messages: a short list beside the editor, so both stay visible.
    auto* saved = new QGroupBox(tr("Saved messages"), this);
    savedList_ = new QListWidget(saved);
    savedList_->setAccessibleName(tr("Saved messages"));
    auto* saveButton = new QPushButton(tr("Save..."), saved);
    auto* loadButton = new QPushButton(tr("Load"), saved);
    auto* renameButton = new QPushButton(tr("Rename..."), saved);
    auto* deleteButton = new QPushButton(tr("Delete"), saved);
    auto* savedButtons = new QGridLayout;
    savedButtons->addWidget(saveButton, 0, 0);
    savedButtons->addWidget(loadButton, 0, 1);
    savedButtons->addWidget(renameButton, 1, 0);
    savedButtons->addWidget(deleteButton, 1, 1);
    auto* savedLayout = new QVBoxLayout(saved);
    savedLayout->addWidget(savedList_, 1);
    savedLayout->addLayout(savedButtons);

    auto* editor = new QVBoxLayout;
    editor->addLayout(top);
    editor->addWidget(body_, 1);
    editor->addWidget(closeRow_);
    editor->addLayout(bottom);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(editor, 3);
    layout->addWidget(saved, 1);

    connect(kind_, &QComboBox::currentIndexChanged, this, &MessageComposer::updateFields);
    connect(format_, &QComboBox::currentIndexChanged, this, &MessageComposer::updateFields);
    connect(body_, &QPlainTextEdit::textChanged, this, &MessageComposer::validate);
    connect(filePath_, &QLineEdit::textChanged, this, &MessageComposer::validate);
    connect(closeReason_, &QLineEdit::textChanged, this, &MessageComposer::validate);
    connect(closePicker_, &ClosePicker::changed, this, &MessageComposer::validate);
    connect(fragments_, &QSpinBox::valueChanged, this, &MessageComposer::validate);
    connect(browse_, &QPushButton::clicked, this, &MessageComposer::chooseFile);
    connect(pretty_, &QPushButton::clicked, this, &MessageComposer::prettyPrint);
    connect(send_, &QPushButton::clicked, this, &MessageComposer::send);
    connect(saveButton, &QPushButton::clicked, this, &MessageComposer::promptSave);
    connect(loadButton, &QPushButton::clicked, this, [this] {
        if (QListWidgetItem* item = savedList_->currentItem())
            loadSaved(item->text());
    });
    connect(savedList_, &QListWidget::itemDoubleClicked, this,
            [this](QListWidgetItem* item) { loadSaved(item->text()); });
    connect(renameButton, &QPushButton::clicked, this, &MessageComposer::promptRename);
    connect(deleteButton, &QPushButton::clicked, this, [this] {
        if (QListWidgetItem* item = savedList_->currentItem())
            deleteSaved(item->text());
    });

    for (const QKeySequence& keys :
         {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
        auto* shortcut = new QShortcut(keys, this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, &MessageComposer::send);
    }
}

MessageComposer::Kind MessageComposer::kind() const {
    return Kind(kind_->currentData().toInt());
}

void MessageComposer::setKind(Kind kind) {
    kind_->setCurrentIndex(kind_->findData(int(kind)));
}

QString MessageComposer::text() const {
    return body_->toPlainText();
}

void MessageComposer::setText(const QString& text) {
    body_->setPlainText(text);
}

MessageComposer::PayloadFormat MessageComposer::payloadFormat() const {
    return PayloadFormat(format_->currentData().toInt());
}

void MessageComposer::setPayloadFormat(PayloadFormat format) {
    format_->setCurrentIndex(format_->findData(int(format)));
}

void MessageComposer::setFragments(int fragments) {
    fragments_->setValue(fragments);
}

void MessageComposer::setFilePath(const QString& path) {
    filePath_->setText(path);
}

void MessageComposer::setCloseCode(std::optional<std::uint16_t> code) {
    closePicker_->setCode(code);
}

void MessageComposer::setCloseReason(const QString& reason) {
    closeReason_->setText(reason);
}

void MessageComposer::setSendEnabled(bool enabled) {
    sendEnabled_ = enabled;
    validate();
}

QString MessageComposer::errorText() const {
    return error_->text();
}

void MessageComposer::updateFields() {
    const Kind k = kind();
    const bool format = hasFormat(k);
    const bool file = format && payloadFormat() == PayloadFormat::File;
    formatLabel_->setVisible(format);
    format_->setVisible(format);
    filePath_->setVisible(file);
    browse_->setVisible(file);
    body_->setVisible(k != Kind::Close && !file);
    closeRow_->setVisible(k == Kind::Close);
    fragmentsLabel_->setVisible(isData(k));
    fragments_->setVisible(isData(k));
    pretty_->setVisible(k == Kind::Json);
    validate();
}

void MessageComposer::validate() {
    QString error;
    qsizetype bytes = 0;
    const std::optional<ComposedMessage> composed = compose(&error, false, &bytes);
    if (composed) {
        const Kind k = kind();
        size_->setText(k == Kind::Close ? tr("reason: %1").arg(byteCount(bytes))
                                        : byteCount(bytes));
    } else {
        size_->clear();
    }
    error_->setText(error);
    send_->setEnabled(sendEnabled_ && composed.has_value());
}

std::optional<ComposedMessage> MessageComposer::message(QString* error) const {
    return compose(error, true, nullptr);
}

std::optional<ComposedMessage> MessageComposer::compose(QString* error, bool readFile,
                                                        qsizetype* size) const {
    qsizetype fileSize = -1;  // a file not read: its size
    auto fail = [error](const QString& why) -> std::optional<ComposedMessage> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    ComposedMessage result;
    const Kind k = kind();
    const QString body = body_->toPlainText();
    switch (k) {
        case Kind::Text:
            result.opcode = 0x1;
            result.payload = body.toUtf8();
            break;
        case Kind::Json: {
            result.opcode = 0x1;
            // Sent exactly as typed (compact or indented): the text is what a peer should see.
            result.payload = body.toUtf8();
            QJsonParseError parse;
            QJsonDocument::fromJson(result.payload, &parse);
            if (parse.error != QJsonParseError::NoError) {
                if (body.trimmed().isEmpty())
                    return fail(tr("JSON: empty"));
                return fail(tr("JSON error at %1: %2")
                                .arg(position(body, utf16Offset(result.payload, parse.offset)),
                                     parse.errorString()));
            }
            break;
        }
        case Kind::Binary:
        case Kind::Ping:
        case Kind::Pong: {
            result.opcode = k == Kind::Binary ? 0x2 : k == Kind::Ping ? 0x9 : 0xA;
            switch (payloadFormat()) {
                case PayloadFormat::Text:
                    result.payload = body.toUtf8();
                    break;
                case PayloadFormat::Hex:
                case PayloadFormat::Base64: {
                    const bool hex = payloadFormat() == PayloadFormat::Hex;
                    const ParsedBytes parsed = hex ? parseHexText(body) : parseBase64Text(body);
                    if (!parsed.bytes)
                        return fail((hex ? tr("Hex: %1") : tr("Base64: %1")).arg(parsed.error));
                    result.payload = *parsed.bytes;
                    break;
                }
                case PayloadFormat::File: {
                    const QString path = filePath_->text();
                    if (path.isEmpty())
                        return fail(tr("Choose a file to send"));
                    QFile file(path);
                    const QString shown = QFileInfo(path).fileName();
                    if (!file.open(QIODevice::ReadOnly))
                        return fail(tr("%1: %2").arg(shown, file.errorString()));
                    if (file.size() > kMaxFileBytes)
                        return fail(tr("%1 is %2, over the %3 limit")
                                        .arg(shown, QLocale().formattedDataSize(file.size()),
                                             QLocale().formattedDataSize(kMaxFileBytes)));
                    // Checking as the user types reads no file; sending reads it.
                    if (!readFile) {
                        fileSize = file.size();
                        break;
                    }
                    result.payload = file.read(kMaxFileBytes + 1);
                    if (result.payload.size() > kMaxFileBytes)
                        return fail(tr("%1 grew over the %2 limit while reading")
                                        .arg(shown, QLocale().formattedDataSize(kMaxFileBytes)));
                    break;
                }
            }
            const qsizetype payloadSize = fileSize >= 0 ? fileSize : result.payload.size();
            if (k != Kind::Binary && payloadSize > kMaxControlPayload)
                return fail(tr("A %1 payload is at most 125 bytes (RFC 6455 §5.5); this one is %2")
                                .arg(k == Kind::Ping ? tr("ping") : tr("pong"))
                                .arg(payloadSize));
            break;
        }
        case Kind::Close: {
            result.opcode = 0x8;
            result.closeCode = closePicker_->code();
            result.payload = closeReason_->text().toUtf8();
            if (result.payload.size() > kMaxCloseReason)
                return fail(tr("A close reason is at most 123 bytes of UTF-8; this one is %1")
                                .arg(result.payload.size()));
            if (!result.closeCode && !result.payload.isEmpty())
                return fail(tr("A reason needs a code: with \"no code\" the close body is empty"));
            break;
        }
    }
    if (isData(k))
        result.fragments = fragments_->value();
    if (error)
        error->clear();
    if (size)
        *size = fileSize >= 0 ? fileSize : result.payload.size();
    return result;
}

bool MessageComposer::send() {
    QString error;
    const std::optional<ComposedMessage> composed = message(&error);
    if (!composed) {
        error_->setText(error);
        return false;
    }
    if (!sendEnabled_) {
        error_->setText(tr("Not connected"));
        return false;
    }
    emit sendRequested(*composed);
    return true;
}

bool MessageComposer::prettyPrint() {
    const QString body = body_->toPlainText();
    QJsonParseError parse;
    QJsonDocument::fromJson(body.toUtf8(), &parse);
    if (parse.error != QJsonParseError::NoError) {
        validate();
        return false;
    }
    body_->setPlainText(indentJson(body, 2));
    return true;
}

void MessageComposer::chooseFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("File to Send"), filePath_->text());
    if (!path.isEmpty())
        filePath_->setText(path);
}

// Saved messages ------------------------------------------------------------

void MessageComposer::saveCurrent(const QString& name) {
    QVariantMap fields;
    fields.insert(u"kind"_s, int(kind()));
    fields.insert(u"format"_s, int(payloadFormat()));
    fields.insert(u"body"_s, body_->toPlainText());
    fields.insert(u"file"_s, filePath_->text());
    fields.insert(u"fragments"_s, fragments_->value());
    const std::optional<std::uint16_t> code = closePicker_->code();
    fields.insert(u"closeCode"_s, code ? int(*code) : -1);
    fields.insert(u"closeReason"_s, closeReason_->text());
    console_settings::store(console_settings::kMessages, name, fields);
    reloadSaved();
}

bool MessageComposer::loadSaved(const QString& name) {
    const std::optional<QVariantMap> fields =
        console_settings::load(console_settings::kMessages, name);
    if (!fields)
        return false;
    // Stored values come back from a settings file anyone can edit: fall back when odd.
    const int k = fields->value(u"kind"_s).toInt();
    setKind(k >= 0 && k <= int(Kind::Close) ? Kind(k) : Kind::Text);
    const int f = fields->value(u"format"_s).toInt();
    setPayloadFormat(f >= 0 && f <= int(PayloadFormat::File) ? PayloadFormat(f)
                                                             : PayloadFormat::Hex);
    body_->setPlainText(fields->value(u"body"_s).toString());
    filePath_->setText(fields->value(u"file"_s).toString());
    fragments_->setValue(fields->value(u"fragments"_s, 1).toInt());
    const int code = fields->value(u"closeCode"_s, -1).toInt();
    closePicker_->setCode(code >= 0 && code <= 65535 ? std::optional<std::uint16_t>(code)
                                                     : std::nullopt);
    closeReason_->setText(fields->value(u"closeReason"_s).toString());
    updateFields();
    return true;
}

void MessageComposer::deleteSaved(const QString& name) {
    console_settings::remove(console_settings::kMessages, name);
    reloadSaved();
}

bool MessageComposer::renameSaved(const QString& from, const QString& to) {
    const bool renamed = console_settings::rename(console_settings::kMessages, from, to);
    reloadSaved();
    return renamed;
}

QStringList MessageComposer::savedNames() const {
    return console_settings::names(console_settings::kMessages);
}

void MessageComposer::reloadSaved() {
    const QString current =
        savedList_->currentItem() ? savedList_->currentItem()->text() : QString();
    savedList_->clear();
    savedList_->addItems(savedNames());
    const auto matches = savedList_->findItems(current, Qt::MatchExactly);
    if (!matches.isEmpty())
        savedList_->setCurrentItem(matches.first());
}

void MessageComposer::promptSave() {
    const QString suggested =
        savedList_->currentItem() ? savedList_->currentItem()->text() : QString();
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save Message"), tr("Name:"),
                                               QLineEdit::Normal, suggested, &ok)
                             .trimmed();
    if (ok && !name.isEmpty())
        saveCurrent(name);
}

void MessageComposer::promptRename() {
    QListWidgetItem* item = savedList_->currentItem();
    if (!item)
        return;
    const QString from = item->text();
    bool ok = false;
    const QString to = QInputDialog::getText(this, tr("Rename Message"), tr("New name:"),
                                             QLineEdit::Normal, from, &ok)
                           .trimmed();
    if (ok && !to.isEmpty() && to != from && !renameSaved(from, to))
        error_->setText(tr("A saved message is already called \"%1\"").arg(to));
}

}  // namespace sockscope::ui
