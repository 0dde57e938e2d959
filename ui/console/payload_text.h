#pragma once
// Bytes typed by a person: hex ("81 05 48 65", "8105 4865", "0x81,0x05") or
// base64, with an error that says where the text goes wrong.

#include <QByteArray>
#include <QString>

#include <optional>

namespace sockscope::ui {

struct ParsedBytes {
    std::optional<QByteArray> bytes;
    QString error;  // empty when bytes is set
};

// Hex digit pairs; whitespace, commas, colons and "0x" prefixes between bytes are ignored.
ParsedBytes parseHexText(const QString& text);
// Standard or URL-safe base64, padding optional; whitespace ignored.
ParsedBytes parseBase64Text(const QString& text);
// "81 05 48 65 ..." (lower case, a space between bytes), at most `limit` bytes then "...".
QString hexText(const QByteArray& bytes, qsizetype limit = 4096);
// "1 byte", "1,234 bytes".
QString byteCount(qsizetype bytes);

}  // namespace sockscope::ui
