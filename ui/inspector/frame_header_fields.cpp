#include "inspector/frame_header_fields.h"

#include <sockscope/core/opcode.h>
#include <sockscope/core/violation.h>

namespace sockscope::ui {
namespace {

QString rfcOf(ViolationKind kind) {
    const std::string_view rfc = violationInfo(kind).rfc;
    return QString::fromUtf8(rfc.data(), qsizetype(rfc.size()));
}

QString opcodeValue(std::uint8_t opcode) {
    const QString name = isReservedOpcode(opcode)
                             ? QStringLiteral("reserved")
                             : QString::fromLatin1(sockscope::opcodeName(opcode));
    return QStringLiteral("0x%1 (%2)").arg(QString::number(opcode, 16).toUpper(), name);
}

QString reservedBitValue(bool set) {
    return set ? QStringLiteral("1 (reserved: must be 0 unless an extension defines it)")
               : QStringLiteral("0");
}

QString rsv1Value(bool set, bool deflateFirstFrame) {
    if (!deflateFirstFrame)
        return reservedBitValue(set);
    return set ? QStringLiteral("1 (permessage-deflate: compressed)")
               : QStringLiteral("0 (permessage-deflate: not compressed)");
}

QString bytesBits(std::span<const std::uint8_t> bytes) {
    QString out;
    for (const std::uint8_t b : bytes) {
        if (!out.isEmpty())
            out += u' ';
        out += fieldBits(b, 0xFF);
    }
    return out;
}

// The 7-bit field and, when it asks for one, the extended length. Returns
// false when the capture does not hold the extended length.
bool addLength(std::vector<HeaderField>& fields, std::span<const std::uint8_t> raw) {
    const std::uint8_t field = raw[1] & 0x7F;
    const QString bits = fieldBits(raw[1], 0x7F);
    if (field < 126) {
        fields.push_back({QStringLiteral("Payload length"), QString::number(field), bits, {}});
        return true;
    }
    const bool medium = field == 126;
    const std::size_t size = medium ? 2 : 8;
    HeaderField length{QStringLiteral("Payload length"), {}, {}, {}};
    length.children.push_back(
        {QStringLiteral("Length field (7 bits)"),
         QStringLiteral("%1 (%2-bit extended length follows)").arg(field).arg(medium ? 16 : 64),
         bits,
         {}});
    const QString extendedName = QStringLiteral("Extended length (%1 bits)").arg(medium ? 16 : 64);
    if (raw.size() < 2 + size) {
        length.value = QStringLiteral("not in the capture");
        length.children.push_back({extendedName, length.value, {}, {}});
        fields.push_back(std::move(length));
        return false;
    }
    const std::span<const std::uint8_t> extended = raw.subspan(2, size);
    std::uint64_t n = 0;
    for (const std::uint8_t b : extended)
        n = n << 8 | b;
    QString value = QString::number(n);
    if (!medium && (n >> 63) != 0) {
        value += QStringLiteral(" (most significant bit set: not allowed, %1)")
                     .arg(rfcOf(ViolationKind::LengthMsbSet));
    } else if ((medium && n < 126) || (!medium && n <= 0xFFFF)) {
        value += QStringLiteral(" (non-minimal encoding: fits the %1-bit field, %2)")
                     .arg(n < 126 ? 7 : 16)
                     .arg(rfcOf(ViolationKind::NonMinimalLength));
    }
    length.value = QString::number(n);
    length.children.push_back({extendedName, value, bytesBits(extended), {}});
    fields.push_back(std::move(length));
    return true;
}

std::size_t headerSize(std::span<const std::uint8_t> raw) {
    if (raw.size() < 2)
        return 2;
    const std::uint8_t field = raw[1] & 0x7F;
    return 2 + (field == 126 ? 2 : field == 127 ? 8 : 0) + ((raw[1] & 0x80) ? 4 : 0);
}

}  // namespace

QString fieldBits(std::uint8_t byte, std::uint8_t mask) {
    QString out;
    out.reserve(9);
    for (int bit = 7; bit >= 0; --bit) {
        if (bit == 3)
            out += u' ';
        const std::uint8_t m = std::uint8_t(1u << bit);
        out += (mask & m) ? ((byte & m) ? u'1' : u'0') : u'.';
    }
    return out;
}

std::vector<std::uint8_t> headerBytesOf(const FrameRecord& f) {
    const bool masked = f.flags & frame_flag::Masked;
    const std::size_t extended = f.headerLength - 2 - (masked ? 4 : 0);
    std::vector<std::uint8_t> out;
    out.push_back(std::uint8_t(((f.flags & frame_flag::Fin) ? 0x80 : 0) |
                               ((f.flags & frame_flag::Rsv1) ? 0x40 : 0) |
                               ((f.flags & frame_flag::Rsv2) ? 0x20 : 0) |
                               ((f.flags & frame_flag::Rsv3) ? 0x10 : 0) | (f.opcode & 0x0F)));
    const std::uint8_t field = extended == 2   ? 126
                               : extended == 8 ? 127
                                               : std::uint8_t(f.payloadLength & 0x7F);
    out.push_back(std::uint8_t((masked ? 0x80 : 0) | field));
    if (extended == 2 || extended == 8)
        for (std::size_t i = extended; i-- > 0;)
            out.push_back(std::uint8_t(f.payloadLength >> (8 * i)));
    return out;  // without the mask key, which only the file holds
}

std::vector<HeaderField> frameHeaderFields(std::span<const std::uint8_t> raw,
                                           bool deflateFirstFrame) {
    std::vector<HeaderField> fields;
    const std::size_t needed = headerSize(raw);
    if (!raw.empty()) {
        const std::uint8_t b0 = raw[0];
        fields.push_back({QStringLiteral("FIN"),
                          (b0 & 0x80) ? QStringLiteral("1 (final frame)")
                                      : QStringLiteral("0 (more frames follow)"),
                          fieldBits(b0, 0x80),
                          {}});
        fields.push_back({QStringLiteral("RSV1"),
                          rsv1Value(b0 & 0x40, deflateFirstFrame),
                          fieldBits(b0, 0x40),
                          {}});
        fields.push_back(
            {QStringLiteral("RSV2"), reservedBitValue(b0 & 0x20), fieldBits(b0, 0x20), {}});
        fields.push_back(
            {QStringLiteral("RSV3"), reservedBitValue(b0 & 0x10), fieldBits(b0, 0x10), {}});
        fields.push_back(
            {QStringLiteral("Opcode"), opcodeValue(b0 & 0x0F), fieldBits(b0, 0x0F), {}});
    }
    if (raw.size() >= 2) {
        const bool masked = raw[1] & 0x80;
        fields.push_back({QStringLiteral("MASK"),
                          masked ? QStringLiteral("1 (masked)") : QStringLiteral("0 (not masked)"),
                          fieldBits(raw[1], 0x80),
                          {}});
        if (addLength(fields, raw) && masked) {
            const std::size_t at = needed - 4;
            fields.push_back(
                {QStringLiteral("Masking key"),
                 raw.size() >= needed
                     ? QString::fromLatin1(
                           QByteArray(reinterpret_cast<const char*>(raw.data() + at), 4).toHex())
                     : QStringLiteral("not in the capture"),
                 {},
                 {}});
        }
    }
    if (raw.size() < needed) {
        fields.push_back({QStringLiteral("Truncated"),
                          QStringLiteral("the capture holds %1 of %2%3 header bytes")
                              .arg(raw.size())
                              .arg(raw.size() < 2 ? QStringLiteral("at least ") : QString())
                              .arg(needed),
                          {},
                          {}});
    }
    return fields;
}

}  // namespace sockscope::ui
