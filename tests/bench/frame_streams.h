#pragma once
// The in-memory byte streams every codec benchmark parses: client-to-server
// (masked) single-frame messages back to back, built by a tiny encoder of our
// own so the benchmark does not depend on the codec's serializer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

enum class PayloadKind : std::uint8_t {
    Binary,     // random bytes
    TextAscii,  // printable ASCII
    TextMixed,  // ASCII and 2-, 3- and 4-byte UTF-8 sequences, equally likely per character
};

struct FrameStream {
    std::string label;  // "binary 1 KiB frames"
    PayloadKind kind = PayloadKind::Binary;
    std::size_t frameSize = 0;  // payload bytes per frame (= per message)
    std::size_t frames = 0;
    std::vector<std::uint8_t> wire;     // masked frames, as a client sends them
    std::vector<std::uint8_t> payload;  // all payloads unmasked, concatenated
    bool isText() const { return kind != PayloadKind::Binary; }
};

// About `targetBytes` of frames with `frameSize` payload bytes each (at least
// one frame). Mask keys and payloads come from a fixed seed: runs are repeatable.
FrameStream buildFrameStream(PayloadKind kind, std::size_t frameSize, std::size_t targetBytes);

// One frame: FIN set, the given opcode, MASK set with `key`, minimal length encoding.
void appendMaskedFrame(std::vector<std::uint8_t>& out, std::uint8_t opcode,
                       const std::uint8_t* payload, std::size_t size, const std::uint8_t key[4]);

// Share of payload bytes that belong to multi-byte UTF-8 sequences (0..1).
double multiByteShare(const std::vector<std::uint8_t>& text);

std::string sizeLabel(std::size_t bytes);  // "1 KiB", "64 KiB", "1 MiB", "1000 B"

}  // namespace bench
