#pragma once
// The text of the hex pane, with the character ranges of its parts so a
// view can colour them. A masked frame is laid out as its header line(s),
// then payload lines that show the payload twice at the same offsets: as on
// the wire (masked) and unmasked, followed by the unmasked bytes as ASCII.
// Bytes a capture lacks or a limit cut are never silently dropped: a last
// line says how many are shown. Widget-free.

#include <QString>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sockscope::ui {

enum class HexRegion : std::uint8_t {
    Title,     // the column titles of a masked frame
    Offset,    // the offset column
    Header,    // header bytes other than the mask key
    MaskKey,   // the mask key's bytes (and its name in the header line's label)
    Payload,   // payload bytes as on the wire
    Unmasked,  // the unmasked payload column
    Ascii,     // the ASCII column
    Note,      // the line saying that bytes were cut
};

// `length` characters of the text from `start` on.
struct HexSpan {
    qsizetype start = 0;
    qsizetype length = 0;
    HexRegion region = HexRegion::Header;
};

struct HexDump {
    QString text;
    std::vector<HexSpan> spans;  // in text order
};

// A frame: `raw` is the header (incl. mask key) and as much of the wire
// payload as was read; `unmasked` that payload unmasked; `totalPayload` the
// payload length the header announced. Without a mask key the payload is
// shown once. Offsets count from the frame's first byte.
HexDump maskedHexLayout(std::span<const std::uint8_t> raw, std::size_t headerLength,
                        std::span<const std::uint8_t> unmasked,
                        std::optional<std::array<std::uint8_t, 4>> maskKey,
                        std::uint64_t totalPayload);
QString maskedHexDump(std::span<const std::uint8_t> raw, std::size_t headerLength,
                      std::span<const std::uint8_t> unmasked,
                      std::optional<std::array<std::uint8_t, 4>> maskKey,
                      std::uint64_t totalPayload);

// Plain bytes (a binary message): offset, 16 hex bytes, ASCII. `total`: how
// many bytes there are in all when `bytes` is only the first part.
HexDump hexLayout(std::span<const std::uint8_t> bytes, std::optional<std::uint64_t> total = {});
QString hexDump(std::span<const std::uint8_t> bytes, std::optional<std::uint64_t> total = {});

}  // namespace sockscope::ui
