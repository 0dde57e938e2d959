#include "console/payload_text.h"

#include <QObject>

using namespace Qt::StringLiterals;

namespace sockscope::ui {

namespace {

bool isSeparator(QChar c) {
    return c.isSpace() || c == u',' || c == u':';
}

}  // namespace

ParsedBytes parseHexText(const QString& text) {
    QByteArray bytes;
    bytes.reserve(text.size() / 2);
    int high = -1;  // the first digit of a pair, waiting for its second
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (high < 0) {
            if (isSeparator(c))
                continue;
            if (c == u'0' && i + 1 < text.size() &&
                (text.at(i + 1) == u'x' || text.at(i + 1) == u'X')) {
                ++i;
                continue;
            }
        }
        const char16_t u = c.unicode();
        int value = -1;
        if (u >= u'0' && u <= u'9')
            value = u - u'0';
        else if (u >= u'a' && u <= u'f')
            value = u - u'a' + 10;
        else if (u >= u'A' && u <= u'F')
            value = u - u'A' + 10;
        if (value < 0) {
            if (high >= 0 && isSeparator(c))
                return {std::nullopt, QObject::tr("byte %1 has only one hex digit (character %2)")
                                          .arg(bytes.size() + 1)
                                          .arg(i)};
            return {std::nullopt,
                    QObject::tr("'%1' at character %2 is not a hex digit").arg(c).arg(i + 1)};
        }
        if (high < 0) {
            high = value;
        } else {
            bytes.append(char((high << 4) | value));
            high = -1;
        }
    }
    if (high >= 0)
        return {std::nullopt, QObject::tr("odd number of hex digits: the last byte has one digit")};
    return {bytes, {}};
}

ParsedBytes parseBase64Text(const QString& text) {
    QByteArray compact;
    compact.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c.isSpace())
            continue;
        const bool ok = (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') ||
                        (c >= u'0' && c <= u'9') || c == u'+' || c == u'/' || c == u'-' ||
                        c == u'_' || c == u'=';
        if (!ok)
            return {
                std::nullopt,
                QObject::tr("'%1' at character %2 is not a base64 character").arg(c).arg(i + 1)};
        compact.append(char(c.unicode()));
    }
    const bool urlSafe = compact.contains('-') || compact.contains('_');
    auto options = (urlSafe ? QByteArray::Base64UrlEncoding : QByteArray::Base64Encoding) |
                   QByteArray::AbortOnBase64DecodingErrors;
    // Padding is optional for people; the decoder wants it complete or absent.
    auto result = QByteArray::fromBase64Encoding(compact, options | QByteArray::OmitTrailingEquals);
    if (result.decodingStatus != QByteArray::Base64DecodingStatus::Ok)
        result = QByteArray::fromBase64Encoding(compact, options);
    if (result.decodingStatus != QByteArray::Base64DecodingStatus::Ok)
        return {std::nullopt, QObject::tr("not valid base64 (wrong length or misplaced '=')")};
    return {result.decoded, {}};
}

QString hexText(const QByteArray& bytes, qsizetype limit) {
    const QByteArray shown = bytes.left(limit);
    QString text = QString::fromLatin1(shown.toHex(' '));
    if (bytes.size() > limit)
        text += u" ..."_s;
    return text;
}

QString byteCount(qsizetype bytes) {
    return bytes == 1 ? QObject::tr("1 byte") : QObject::tr("%L1 bytes").arg(bytes);
}

}  // namespace sockscope::ui
