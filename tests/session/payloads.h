#pragma once
// Deterministic test payloads, the same recipe as tests/session/peers/echo_client.py:
// text of an exact UTF-8 byte size with multi-byte characters (compressible),
// binary from a seeded generator (incompressible).

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <random>
#include <span>

namespace sockscope::test {

inline QByteArray makeTextPayload(qsizetype size) {
    const QByteArray unit = QStringLiteral("Sockscope \u00e9\u2713\U0001F50C 0123456789 ").toUtf8();
    QByteArray out;
    out.reserve(size);
    while (out.size() + unit.size() <= size) {
        out.append(unit);
    }
    // Fill the rest with ASCII so no character is cut.
    out.append(QByteArray(size - out.size(), 'x'));
    return out;
}

inline QByteArray makeBinaryPayload(qsizetype size) {
    std::mt19937 generator(static_cast<std::uint32_t>(size));
    QByteArray out(size, Qt::Uninitialized);
    for (char& c : out) {
        c = static_cast<char>(generator() & 0xFF);
    }
    return out;
}

inline std::span<const std::uint8_t> bytesOf(const QByteArray& data) {
    return {reinterpret_cast<const std::uint8_t*>(data.constData()),
            static_cast<std::size_t>(data.size())};
}

inline QByteArray toByteArray(std::span<const std::uint8_t> bytes) {
    return QByteArray(reinterpret_cast<const char*>(bytes.data()),
                      static_cast<qsizetype>(bytes.size()));
}

}  // namespace sockscope::test
