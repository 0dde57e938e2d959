#include "widgets/message_content_view.h"

#include <sockscope/core/close_code.h>
#include <sockscope/core/opcode.h>
#include <sockscope/core/utf8.h>
#include <sockscope/core/violation.h>

#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QStringDecoder>
#include <QTabWidget>
#include <QTreeView>
#include <QVBoxLayout>

#include "inspector/json_outline.h"
#include "session/qt_text.h"
#include "widgets/hex_view.h"

namespace sockscope::ui {
namespace {

QString kindName(std::uint8_t opcode) {
    switch (opcode) {
        case 1:
            return QStringLiteral("Text");
        case 2:
            return QStringLiteral("Binary");
        case 8:
            return QStringLiteral("Close");
        case 9:
            return QStringLiteral("Ping");
        case 10:
            return QStringLiteral("Pong");
        default:
            return fromStd(sockscope::opcodeName(opcode));
    }
}

QString sizeLine(const MessageRecord& m) {
    QString line = QStringLiteral("%1 from the %2 · %3 · %4")
                       .arg(kindName(m.opcode),
                            m.fromServer() ? QStringLiteral("server") : QStringLiteral("client"),
                            m.frames == 1 ? QStringLiteral("1 frame")
                                          : QStringLiteral("%1 frames").arg(m.frames),
                            m.length == 1 ? QStringLiteral("1 byte")
                                          : QStringLiteral("%1 bytes").arg(m.length));
    if (m.flags & message_flag::Compressed) {
        line += QStringLiteral(", %1 on the wire").arg(m.wireLength);
        if (m.wireLength > 0)
            line += QStringLiteral(" (compressed %1:1)")
                        .arg(double(m.length) / double(m.wireLength), 0, 'f', 2);
    }
    return line;
}

// Marks unpaired UTF-16 surrogates as U+FFFD and returns how many there
// were; a high surrogate ending a cut text is left out (its pair was cut off).
qsizetype replaceLoneSurrogates(QString& text, bool cut) {
    qsizetype lone = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate()) {
            ++i;
            continue;
        }
        if (!text[i].isSurrogate())
            continue;
        if (cut && i + 1 == text.size() && text[i].isHighSurrogate()) {
            text.chop(1);
            break;
        }
        text[i] = QChar::ReplacementCharacter;
        ++lone;
    }
    return lone;
}

// Bytes in another encoding than UTF-8 (the user's choice) to text, as
// decodeText says. A stateful decoder keeps back a byte cut off at the end
// of a partial payload; a stateless one shows it as U+FFFD. Qt's UTF-16
// decoder reports neither that byte nor unpaired surrogates as errors, so
// they are looked for here.
QString decodeOther(std::span<const std::uint8_t> bytes, bool cut, TextEncoding encoding,
                    QStringList& notes, bool* valid) {
    const QStringConverter::Encoding qt =
        encoding == TextEncoding::Latin1    ? QStringConverter::Latin1
        : encoding == TextEncoding::Utf16LE ? QStringConverter::Utf16LE
                                            : QStringConverter::Utf16BE;
    // A byte order mark is shown, as with UTF-8: the inspector shows what was sent.
    QStringDecoder decoder(
        qt, cut ? QStringConverter::Flag::ConvertInitialBom
                : QStringConverter::Flag::ConvertInitialBom | QStringConverter::Flag::Stateless);
    QString text = decoder.decode(
        QByteArrayView(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())));
    bool ok = !decoder.hasError();
    if (encoding != TextEncoding::Latin1) {
        const bool oddByte = !cut && bytes.size() % 2 != 0;
        ok = replaceLoneSurrogates(text, cut) == 0 && !oddByte && ok;
    }
    if (!ok)
        notes << QObject::tr("Not valid %1: invalid bytes are shown as U+FFFD (\uFFFD).")
                     .arg(textEncodingName(encoding));
    if (valid)
        *valid = ok;
    return text;
}

// UTF-8 to text, invalid sequences as U+FFFD. When the bytes are only the
// first part of the payload, a character cut at the end is left out rather
// than reported as invalid. Adds a note when the text is not valid UTF-8.
// Other encodings go to decodeOther.
QString decodeText(std::span<const std::uint8_t> bytes, bool cut, QStringList& notes,
                   TextEncoding encoding, bool* valid = nullptr) {
    if (encoding != TextEncoding::Utf8)
        return decodeOther(bytes, cut, encoding, notes, valid);
    Utf8Validator utf8;
    const bool ok = utf8.feed(bytes);
    std::size_t use = bytes.size();
    if (!ok) {
        notes << QObject::tr(
                     "Not valid UTF-8 from byte %1 on: invalid bytes are shown as "
                     "U+FFFD (\uFFFD).")
                     .arg(utf8.errorIndex());
    } else if (!utf8.complete()) {
        if (cut) {
            while (use > 0 && bytes.size() - use < 3 && (bytes[use - 1] & 0xC0) == 0x80)
                --use;
            if (use > 0)
                --use;  // the cut character's lead byte
        } else {
            notes << QObject::tr(
                "Not valid UTF-8: the text ends inside a character (shown as "
                "U+FFFD \uFFFD).");
        }
    }
    if (valid)
        *valid = ok && (utf8.complete() || cut);
    return QString::fromUtf8(reinterpret_cast<const char*>(bytes.data()), qsizetype(use));
}

bool readable(const QString& text) {
    for (const QChar c : text)
        if ((c.unicode() < 0x20 && c != u'\n' && c != u'\r' && c != u'\t') || c.unicode() == 0x7F)
            return false;
    return true;
}

QPlainTextEdit* readOnlyText() {
    auto* edit = new QPlainTextEdit;
    edit->setReadOnly(true);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return edit;
}

}  // namespace

MessageContentView::MessageContentView(const CaptureDocument& document, QWidget* parent)
    : QWidget(parent), document_(document) {
    summary_ = new QLabel;
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    summary_->setTextFormat(Qt::PlainText);

    text_ = readOnlyText();
    jsonModel_ = new QStandardItemModel(this);
    jsonTree_ = new QTreeView;
    jsonTree_->setModel(jsonModel_);
    jsonTree_->setUniformRowHeights(true);
    jsonTree_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    jsonText_ = readOnlyText();
    json_ = new QTabWidget;
    json_->setDocumentMode(true);
    json_->addTab(jsonTree_, tr("Tree"));
    json_->addTab(jsonText_, tr("Text"));
    hex_ = new HexView;

    stack_ = new QStackedWidget;
    stack_->addWidget(text_);
    stack_->addWidget(json_);
    stack_->addWidget(hex_);

    // Nothing is ever cut for good: the whole payload is a click away.
    showAll_ = new QPushButton;
    showAll_->setObjectName(QStringLiteral("showAll"));
    connect(showAll_, &QPushButton::clicked, this, &MessageContentView::showAll);
    save_ = new QPushButton(tr("Save Payload…"));
    save_->setObjectName(QStringLiteral("savePayload"));
    save_->setToolTip(tr("Write the whole payload (unmasked, decompressed) to a file"));
    connect(save_, &QPushButton::clicked, this, &MessageContentView::choosePayloadFile);
    auto* top = new QHBoxLayout;
    top->addWidget(summary_, 1);
    top->addWidget(showAll_, 0, Qt::AlignTop);
    top->addWidget(save_, 0, Qt::AlignTop);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(stack_, 1);
    clear();
}

void MessageContentView::setTextOptions(TextEncoding encoding, int jsonIndent) {
    if (encoding == encoding_ && jsonIndent == jsonIndent_)
        return;
    encoding_ = encoding;
    jsonIndent_ = jsonIndent;
    if (shown_ != kNoRow)
        showMessage(shown_);
}

void MessageContentView::setFixedFont(const QFont& font) {
    text_->setFont(font);
    jsonText_->setFont(font);
    hex_->setFont(font);
}

bool MessageContentView::canShowAll() const {
    return cutByLimit_;
}

void MessageContentView::showAll() {
    if (!cutByLimit_ || shown_ == kNoRow)
        return;
    const std::size_t previous = limit_;
    limit_ = std::size_t(document_.index().message(shown_).length);
    showMessage(shown_);
    limit_ = previous;  // the next message starts at the usual limit again
}

bool MessageContentView::savePayload(const QString& path, QString& error) const {
    if (shown_ == kNoRow) {
        error = tr("no message is shown");
        return false;
    }
    const MessageRecord m = document_.index().message(shown_);
    const MessageBytes bytes = document_.messageBytes(shown_, std::size_t(m.length));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(reinterpret_cast<const char*>(bytes.payload.data()),
                   qint64(bytes.payload.size())) != qint64(bytes.payload.size()) ||
        !file.commit()) {
        error = tr("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    if (bytes.payload.size() < m.length) {
        error = tr("only %1 of %2 bytes are in the capture; those were saved")
                    .arg(bytes.payload.size())
                    .arg(m.length);
        return false;
    }
    return true;
}

void MessageContentView::choosePayloadFile() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Payload"));
    if (path.isEmpty())
        return;
    QString error;
    if (!savePayload(path, error))
        summary_->setText(summary_->text() + u'\n' + error);
}

QString MessageContentView::summary() const {
    return summary_->text();
}

QString MessageContentView::text() const {
    return text_->toPlainText();
}

QString MessageContentView::prettyJson() const {
    return jsonText_->toPlainText();
}

void MessageContentView::setPage(Page page, QWidget* widget) {
    page_ = page;
    stack_->setCurrentWidget(widget);
}

void MessageContentView::showNote(const QString& note) {
    shown_ = kNoRow;
    cutByLimit_ = false;
    showAll_->hide();
    save_->hide();
    summary_->setText(note);
    text_->setPlaceholderText({});
    text_->clear();
    jsonModel_->clear();
    jsonText_->clear();
    hex_->showNote({});
    setPage(Page::Empty, text_);
}

void MessageContentView::showMessage(RowId id) {
    const CaptureIndex& index = document_.index();
    if (id >= index.messageCount()) {
        showNote(tr("No message."));
        return;
    }
    showNote({});
    const MessageRecord m = index.message(id);
    const MessageBytes bytes = document_.messageBytes(id, limit_);
    QStringList notes{sizeLine(m)};
    // Never cut silently: say whether the limit or the capture left bytes out.
    const std::uint64_t shown = bytes.payload.size();
    shown_ = id;
    save_->show();
    if (shown < m.length) {
        if (shown >= std::min<std::uint64_t>(m.length, limit_)) {
            notes << tr("First %1 of %2 bytes shown.").arg(shown).arg(m.length);
            cutByLimit_ = true;
            showAll_->setText(tr("Show All %L1 Bytes").arg(m.length));
            showAll_->show();
        } else if (shown == 0)
            notes << tr("The payload's %1 bytes are not in the capture.").arg(m.length);
        else
            notes << tr("Only %1 of %2 bytes are in the capture.").arg(shown).arg(m.length);
    }
    if (m.flags & message_flag::Invalid)
        notes << tr("This message breaks a protocol rule (see the anomalies).");

    text_->setPlaceholderText(tr("(empty)"));
    const bool cut = shown < m.length;
    switch (m.opcode) {
        case 1:
            showText(m, bytes, notes);
            break;
        case 8:
            showClose(bytes, notes);
            break;
        case 9:
        case 10: {
            QStringList textNotes;
            bool valid = false;
            const QString text = decodeText(bytes.payload, cut, textNotes, encoding_, &valid);
            if (valid && readable(text)) {
                text_->setPlainText(text);
                setPage(Page::Text, text_);
                break;
            }
            hex_->showBytes(bytes.payload, m.length);
            setPage(Page::Hex, hex_);
            break;
        }
        default:
            hex_->showBytes(bytes.payload, m.length);
            setPage(Page::Hex, hex_);
    }
    summary_->setText(notes.join(u'\n'));
}

void MessageContentView::showText(const MessageRecord& m, const MessageBytes& bytes,
                                  QStringList& notes) {
    const bool cut = bytes.payload.size() < m.length;
    bool valid = false;
    const QString text = decodeText(bytes.payload, cut, notes, encoding_, &valid);
    const QByteArray utf8 =
        encoding_ == TextEncoding::Utf8
            ? QByteArray::fromRawData(reinterpret_cast<const char*>(bytes.payload.data()),
                                      qsizetype(bytes.payload.size()))
            : text.toUtf8();
    if (valid && !cut && isJsonDocument(utf8)) {
        fillJsonModel(*jsonModel_, text);
        jsonTree_->expandToDepth(1);
        jsonTree_->resizeColumnToContents(0);
        jsonText_->setPlainText(jsonIndent_ > 0 ? indentJson(text, jsonIndent_) : text);
        setPage(Page::Json, json_);
        return;
    }
    text_->setPlainText(text);
    setPage(Page::Text, text_);
}

void MessageContentView::showClose(const MessageBytes& bytes, QStringList& notes) {
    QStringList lines;
    const std::span<const std::uint8_t> body = bytes.payload;
    if (body.empty()) {
        lines << tr("Code: none")
              << tr("Meaning: An empty close body, reported as 1005 (%1).")
                     .arg(fromStd(closeCodeInfo(1005).name));
    } else if (body.size() == 1) {
        lines << tr("Code: malformed (a 1-byte close body; a code takes 2 bytes)");
    } else {
        const auto code = std::uint16_t(body[0] << 8 | body[1]);
        const CloseCodeInfo info = closeCodeInfo(code);
        lines << tr("Code: %1").arg(code) << tr("Name: %1").arg(fromStd(info.name))
              << tr("Meaning: %1").arg(fromStd(info.meaning));
        if (!info.validOnWire)
            notes << tr("Code %1 may not be sent in a close frame (%2).")
                         .arg(code)
                         .arg(fromStd(violationInfo(ViolationKind::InvalidCloseCode).rfc));
        const QString reason = decodeText(body.subspan(2), !bytes.complete, notes, encoding_);
        lines << tr("Reason: %1").arg(reason.isEmpty() ? tr("(none)") : reason);
    }
    text_->setPlainText(lines.join(u'\n'));
    setPage(Page::Close, text_);
}

}  // namespace sockscope::ui
