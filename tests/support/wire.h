#pragma once
// A tiny independent frame encoder for tests (an oracle that shares no code
// with core's serializer), plus hex helpers.

#include <QByteArray>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sockscope::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes fromHex(std::string_view hex) {
    const QByteArray raw = QByteArray::fromHex(QByteArray(hex.data(), qsizetype(hex.size())));
    return Bytes(raw.begin(), raw.end());
}

inline std::string toHex(std::span<const std::uint8_t> bytes) {
    return QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()))
        .toHex()
        .toStdString();
}

inline Bytes bytesOf(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

struct WireFrame {
    bool fin = true;
    int rsv = 0;  // bit 4 = RSV1, 2 = RSV2, 1 = RSV3
    int opcode = 1;
    Bytes payload;
    bool masked = false;
    std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    int forceLengthBits = 0;  // 16 or 64 to force a longer (non-minimal) length form
};

inline Bytes encode(const WireFrame& f) {
    Bytes out;
    out.push_back(std::uint8_t((f.fin ? 0x80 : 0) | (f.rsv << 4) | f.opcode));
    const std::uint64_t n = f.payload.size();
    const std::uint8_t m = f.masked ? 0x80 : 0;
    if (f.forceLengthBits == 64 || n > 0xFFFF) {
        out.push_back(m | 127);
        for (int i = 7; i >= 0; --i)
            out.push_back(std::uint8_t(n >> (8 * i)));
    } else if (f.forceLengthBits == 16 || n >= 126) {
        out.push_back(m | 126);
        out.push_back(std::uint8_t(n >> 8));
        out.push_back(std::uint8_t(n));
    } else {
        out.push_back(std::uint8_t(m | n));
    }
    if (f.masked)
        out.insert(out.end(), f.key, f.key + 4);
    for (std::size_t i = 0; i < f.payload.size(); ++i)
        out.push_back(f.masked ? std::uint8_t(f.payload[i] ^ f.key[i % 4]) : f.payload[i]);
    return out;
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace sockscope::test
