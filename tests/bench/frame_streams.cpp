#include "frame_streams.h"

#include <algorithm>
#include <random>

namespace bench {

namespace {

constexpr std::uint8_t kOpcodeText = 0x1;
constexpr std::uint8_t kOpcodeBinary = 0x2;

void appendUtf8(std::vector<std::uint8_t>& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<std::uint8_t>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<std::uint8_t>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<std::uint8_t>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<std::uint8_t>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<std::uint8_t>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<std::uint8_t>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<std::uint8_t>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<std::uint8_t>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<std::uint8_t>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<std::uint8_t>(0x80 | (cp & 0x3F)));
    }
}

// Exactly `size` bytes of valid UTF-8, so every frame is a complete message.
void appendText(std::vector<std::uint8_t>& out, std::size_t size, bool mixed, std::mt19937& rng) {
    std::uniform_int_distribution<std::uint32_t> ascii(0x20, 0x7E);
    std::uniform_int_distribution<int> width(1, 4);
    std::uniform_int_distribution<std::uint32_t> two(0x80, 0x7FF);
    std::uniform_int_distribution<std::uint32_t> three(0x800, 0xFFFF);
    std::uniform_int_distribution<std::uint32_t> four(0x10000, 0x10FFFF);
    const std::size_t end = out.size() + size;
    // Every iteration appends at least one byte, so this ends after ≤ size steps.
    while (out.size() < end) {
        const std::size_t room = end - out.size();
        const int w =
            mixed ? std::min<int>(width(rng), static_cast<int>(std::min<std::size_t>(room, 4))) : 1;
        switch (w) {
            case 1:
                appendUtf8(out, ascii(rng));
                break;
            case 2:
                appendUtf8(out, two(rng));
                break;
            case 3: {
                std::uint32_t cp = three(rng);
                if (cp >= 0xD800 && cp <= 0xDFFF) {
                    cp -= 0x800;  // surrogates are not characters; move below them
                }
                appendUtf8(out, cp);
                break;
            }
            default:
                appendUtf8(out, four(rng));
                break;
        }
    }
}

}  // namespace

void appendMaskedFrame(std::vector<std::uint8_t>& out, std::uint8_t opcode,
                       const std::uint8_t* payload, std::size_t size, const std::uint8_t key[4]) {
    out.push_back(static_cast<std::uint8_t>(0x80 | opcode));
    if (size < 126) {
        out.push_back(static_cast<std::uint8_t>(0x80 | size));
    } else if (size <= 0xFFFF) {
        out.push_back(0x80 | 126);
        out.push_back(static_cast<std::uint8_t>(size >> 8));
        out.push_back(static_cast<std::uint8_t>(size));
    } else {
        out.push_back(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(size) >> shift));
        }
    }
    out.insert(out.end(), key, key + 4);
    const std::size_t at = out.size();
    out.resize(at + size);
    for (std::size_t i = 0; i < size; ++i) {
        out[at + i] = static_cast<std::uint8_t>(payload[i] ^ key[i % 4]);
    }
}

FrameStream buildFrameStream(PayloadKind kind, std::size_t frameSize, std::size_t targetBytes) {
    FrameStream stream;
    stream.kind = kind;
    stream.frameSize = frameSize;
    stream.frames = std::max<std::size_t>(1, targetBytes / (frameSize + 14));
    const char* kindName = kind == PayloadKind::Binary      ? "binary"
                           : kind == PayloadKind::TextAscii ? "text ASCII"
                                                            : "text mixed";
    stream.label = std::string(kindName) + " " + sizeLabel(frameSize);

    std::mt19937 rng(0x5EC5C0FE);
    std::uniform_int_distribution<int> byte(0, 255);
    stream.payload.reserve(stream.frames * frameSize);
    stream.wire.reserve(stream.frames * (frameSize + 14));
    for (std::size_t f = 0; f < stream.frames; ++f) {
        const std::size_t start = stream.payload.size();
        if (kind == PayloadKind::Binary) {
            // Four bytes per draw: the 64 MiB stream is built in well under a second.
            for (std::size_t i = 0; i < frameSize; i += 4) {
                const std::uint32_t word = static_cast<std::uint32_t>(rng());
                for (std::size_t b = 0; b < 4 && i + b < frameSize; ++b) {
                    stream.payload.push_back(static_cast<std::uint8_t>(word >> (8 * b)));
                }
            }
        } else {
            appendText(stream.payload, frameSize, kind == PayloadKind::TextMixed, rng);
        }
        const std::uint8_t key[4] = {
            static_cast<std::uint8_t>(byte(rng)), static_cast<std::uint8_t>(byte(rng)),
            static_cast<std::uint8_t>(byte(rng)), static_cast<std::uint8_t>(byte(rng))};
        appendMaskedFrame(stream.wire, stream.isText() ? kOpcodeText : kOpcodeBinary,
                          stream.payload.data() + start, frameSize, key);
    }
    return stream;
}

double multiByteShare(const std::vector<std::uint8_t>& text) {
    if (text.empty()) {
        return 0;
    }
    const auto ascii =
        std::count_if(text.begin(), text.end(), [](std::uint8_t b) { return b < 0x80; });
    return 1.0 - static_cast<double>(ascii) / static_cast<double>(text.size());
}

std::string sizeLabel(std::size_t bytes) {
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) {
        return std::to_string(bytes >> 20) + " MiB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
        return std::to_string(bytes >> 10) + " KiB";
    }
    return std::to_string(bytes) + " B";
}

}  // namespace bench
