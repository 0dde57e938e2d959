#include "inspector/hex_dump.h"

#include <algorithm>

namespace sockscope::ui {
namespace {

constexpr std::size_t kPerLine = 16;
constexpr qsizetype kHexWidth = 16 * 3;  // "xx " per byte, one extra space after the 8th
constexpr qsizetype kGap = 2;
constexpr char16_t kDigits[] = u"0123456789abcdef";

// Appends text at column positions of the current line and records spans,
// merging a span with the previous one when only the byte separator lies between.
class Writer {
public:
    explicit Writer(std::uint64_t end) {
        int digits = 1;
        for (std::uint64_t n = end > 0 ? end - 1 : 0; n >= 16; n /= 16)
            ++digits;
        offsetWidth_ = std::max(4, digits);
    }
    qsizetype hexColumn() const { return offsetWidth_ + kGap; }

    void newLine() {
        if (!out_.text.isEmpty())
            out_.text += u'\n';
        lineStart_ = out_.text.size();
    }
    void offset(std::uint64_t at) {
        put(0, QStringLiteral("%1").arg(at, offsetWidth_, 16, QLatin1Char('0')), HexRegion::Offset);
    }
    void put(qsizetype column, const QString& s, HexRegion region) {
        const qsizetype at = lineStart_ + column;
        while (out_.text.size() < at)
            out_.text += u' ';
        out_.text += s;
        span(at, s.size(), region);
    }
    // Up to 16 bytes as hex from `column`, a wider gap after the 8th.
    void hex(qsizetype column, std::span<const std::uint8_t> bytes, HexRegion region,
             std::size_t first = 0) {
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            const std::size_t slot = first + i;
            const QChar digits[2] = {QChar(kDigits[bytes[i] >> 4]), QChar(kDigits[bytes[i] & 0xF])};
            put(column + qsizetype(slot * 3 + (slot >= 8 ? 1 : 0)), QString(digits, 2), region);
        }
    }
    void ascii(qsizetype column, std::span<const std::uint8_t> bytes) {
        QString s;
        for (const std::uint8_t b : bytes)
            s += (b >= 0x20 && b < 0x7F) ? QChar(char16_t(b)) : QChar(u'.');
        put(column, s, HexRegion::Ascii);
    }
    void note(const QString& s) {
        newLine();
        put(0, s, HexRegion::Note);
    }
    HexDump take() { return std::move(out_); }

private:
    void span(qsizetype start, qsizetype length, HexRegion region) {
        if (!out_.spans.empty()) {
            HexSpan& last = out_.spans.back();
            const qsizetype end = last.start + last.length;
            if (last.region == region && start >= end && start - end <= 2) {
                last.length = start + length - last.start;
                return;
            }
        }
        out_.spans.push_back({start, length, region});
    }

    HexDump out_;
    qsizetype lineStart_ = 0;
    int offsetWidth_ = 4;
};

QString maskKeyHex(const std::array<std::uint8_t, 4>& key) {
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char*>(key.data()), qsizetype(key.size())).toHex());
}

}  // namespace

HexDump maskedHexLayout(std::span<const std::uint8_t> raw, std::size_t headerLength,
                        std::span<const std::uint8_t> unmasked,
                        std::optional<std::array<std::uint8_t, 4>> maskKey,
                        std::uint64_t totalPayload) {
    Writer w(headerLength + totalPayload);
    const qsizetype hexCol = w.hexColumn();
    const qsizetype secondCol = hexCol + kHexWidth + kGap;
    const qsizetype asciiCol = maskKey ? secondCol + kHexWidth + kGap : secondCol;
    if (maskKey) {
        w.newLine();
        w.put(hexCol, QStringLiteral("wire (masked)"), HexRegion::Title);
        w.put(secondCol, QStringLiteral("unmasked"), HexRegion::Title);
        w.put(asciiCol, QStringLiteral("text"), HexRegion::Title);
    }

    // The header: its own line(s), the mask key marked.
    const std::size_t headerShown = std::min(raw.size(), headerLength);
    const std::size_t keyStart = maskKey && headerLength >= 6 ? headerLength - 4 : headerLength;
    for (std::size_t line = 0; line * kPerLine < std::max<std::size_t>(headerShown, 1); ++line) {
        const std::size_t from = line * kPerLine;
        const std::size_t to = std::min(headerShown, from + kPerLine);
        w.newLine();
        w.offset(from);
        for (std::size_t i = from; i < to; ++i)
            w.hex(hexCol, raw.subspan(i, 1), i >= keyStart ? HexRegion::MaskKey : HexRegion::Header,
                  i - from);
        if (line == 0) {
            w.put(secondCol, maskKey ? QStringLiteral("header,") : QStringLiteral("header"),
                  HexRegion::Header);
            if (maskKey)
                w.put(secondCol + 8, QStringLiteral("mask key ") + maskKeyHex(*maskKey),
                      HexRegion::MaskKey);
        }
    }
    if (headerShown < headerLength) {
        w.note(QStringLiteral("only %1 of %2 header bytes are in the capture")
                   .arg(headerShown)
                   .arg(headerLength));
        return w.take();
    }

    // The payload: 16 bytes a line, at the same payload offsets in both columns.
    const std::span<const std::uint8_t> wire = raw.subspan(headerLength);
    for (std::size_t from = 0; from < wire.size(); from += kPerLine) {
        const std::size_t n = std::min(kPerLine, wire.size() - from);
        w.newLine();
        w.offset(headerLength + from);
        w.hex(hexCol, wire.subspan(from, n), HexRegion::Payload);
        std::span<const std::uint8_t> text = wire.subspan(from, n);
        if (maskKey) {
            text = from < unmasked.size()
                       ? unmasked.subspan(from, std::min(n, unmasked.size() - from))
                       : std::span<const std::uint8_t>();
            w.hex(secondCol, text, HexRegion::Unmasked);
        }
        w.ascii(asciiCol, text);
    }
    if (wire.size() < totalPayload)
        w.note(QStringLiteral("first %1 of %2 payload bytes shown")
                   .arg(wire.size())
                   .arg(totalPayload));
    return w.take();
}

QString maskedHexDump(std::span<const std::uint8_t> raw, std::size_t headerLength,
                      std::span<const std::uint8_t> unmasked,
                      std::optional<std::array<std::uint8_t, 4>> maskKey,
                      std::uint64_t totalPayload) {
    return maskedHexLayout(raw, headerLength, unmasked, maskKey, totalPayload).text;
}

HexDump hexLayout(std::span<const std::uint8_t> bytes, std::optional<std::uint64_t> total) {
    const std::uint64_t all = std::max<std::uint64_t>(total.value_or(bytes.size()), bytes.size());
    Writer w(all);
    const qsizetype hexCol = w.hexColumn();
    const qsizetype asciiCol = hexCol + kHexWidth + kGap;
    for (std::size_t from = 0; from < bytes.size(); from += kPerLine) {
        const std::size_t n = std::min(kPerLine, bytes.size() - from);
        w.newLine();
        w.offset(from);
        w.hex(hexCol, bytes.subspan(from, n), HexRegion::Payload);
        w.ascii(asciiCol, bytes.subspan(from, n));
    }
    if (bytes.size() < all)
        w.note(QStringLiteral("first %1 of %2 bytes shown").arg(bytes.size()).arg(all));
    return w.take();
}

QString hexDump(std::span<const std::uint8_t> bytes, std::optional<std::uint64_t> total) {
    return hexLayout(bytes, total).text;
}

}  // namespace sockscope::ui
