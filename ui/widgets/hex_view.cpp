#include "widgets/hex_view.h"

#include <QEvent>
#include <QFontDatabase>

namespace sockscope::ui {
namespace {

// A translucent tint keeps the palette's own text colour readable on it.
QColor tint(QColor c, int alpha) {
    c.setAlpha(alpha);
    return c;
}

}  // namespace

HexView::HexView(QWidget* parent) : QPlainTextEdit(parent) {
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
}

void HexView::showFrame(const FrameRecord& frame, const FrameBytes& bytes, const QString& origin) {
    if (bytes.raw.empty()) {
        showNote(origin.isEmpty() ? tr("The frame's bytes are not in the capture.")
                                  : origin + u'\n' + tr("The frame's bytes were not kept."));
        return;
    }
    HexDump dump = maskedHexLayout(bytes.raw, frame.headerLength, bytes.payload, bytes.maskKey,
                                   frame.payloadLength);
    if (!origin.isEmpty()) {
        const qsizetype shift = origin.size() + 1;
        for (HexSpan& span : dump.spans)
            span.start += shift;
        dump.spans.insert(dump.spans.begin(), {0, origin.size(), HexRegion::Note});
        dump.text.prepend(origin + u'\n');
    }
    display(std::move(dump));
}

void HexView::showBytes(std::span<const std::uint8_t> bytes, std::uint64_t total) {
    display(hexLayout(bytes, total));
}

void HexView::showNote(const QString& note) {
    HexDump dump;
    dump.text = note;
    dump.spans.push_back({0, note.size(), HexRegion::Note});
    display(std::move(dump));
}

void HexView::display(HexDump dump) {
    spans_ = std::move(dump.spans);
    setPlainText(dump.text);
    colour();
}

void HexView::changeEvent(QEvent* event) {
    QPlainTextEdit::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        colour();
}

// Extra selections for the few marked spans (header lines, title, note):
// the payload keeps the plain text colour, so even large dumps stay cheap.
void HexView::colour() {
    const QPalette& p = palette();
    QTextCharFormat header;
    header.setBackground(tint(p.color(QPalette::Highlight), 60));
    QTextCharFormat key;
    key.setBackground(tint(QColor(0xff, 0x8c, 0x00), 110));
    key.setFontWeight(QFont::Bold);
    QTextCharFormat quiet;
    quiet.setForeground(p.color(QPalette::PlaceholderText));
    QTextCharFormat note = quiet;
    note.setFontItalic(true);

    QList<QTextEdit::ExtraSelection> selections;
    for (const HexSpan& s : spans_) {
        const QTextCharFormat* format = nullptr;
        switch (s.region) {
            case HexRegion::Header:
                format = &header;
                break;
            case HexRegion::MaskKey:
                format = &key;
                break;
            case HexRegion::Title:
                format = &quiet;
                break;
            case HexRegion::Note:
                format = &note;
                break;
            default:
                break;
        }
        if (!format)
            continue;
        QTextCursor cursor(document());
        cursor.setPosition(int(s.start));
        cursor.setPosition(int(s.start + s.length), QTextCursor::KeepAnchor);
        selections.append({cursor, *format});
    }
    setExtraSelections(selections);
}

}  // namespace sockscope::ui
