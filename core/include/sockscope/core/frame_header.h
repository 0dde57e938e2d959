#pragma once
// RFC 6455 §5.2 base framing: parse and serialize one frame header.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sockscope/core/mask.h"
#include "sockscope/core/opcode.h"
#include "sockscope/core/violation.h"

namespace sockscope {

inline constexpr std::size_t kMaxFrameHeaderSize = 14;

// How the payload length was written on the wire.
enum class LengthEncoding : std::uint8_t { Short7 = 7, Medium16 = 16, Long64 = 64 };

struct FrameHeader {
    bool fin = true;
    bool rsv1 = false;
    bool rsv2 = false;
    bool rsv3 = false;
    std::uint8_t opcode = 0;  // raw 4-bit value; may be reserved
    bool masked = false;
    MaskKey maskKey{};
    std::uint64_t payloadLength = 0;
    LengthEncoding lengthEncoding = LengthEncoding::Short7;

    // Bytes the header takes on the wire: 2 + 0/2/8 + 0/4.
    std::size_t size() const;
};

enum class HeaderStatus : std::uint8_t { Complete, NeedMore };

// Result of parsing a header from the start of a buffer. Length-encoding
// violations (non-minimal encodings, MSB set in the 64-bit length) do not stop
// parsing: the length is still known, so a passive reader can keep framing.
// They are returned in `violation` and an endpoint treats them as fatal.
struct HeaderParse {
    HeaderStatus status = HeaderStatus::NeedMore;
    FrameHeader header;
    std::size_t consumed = 0;                // header size when Complete
    std::size_t needed = 0;                  // total bytes needed so far when NeedMore (≥ 2)
    std::optional<ProtocolError> violation;  // offset is relative to the header's first byte
};

HeaderParse parseFrameHeader(std::span<const std::uint8_t> bytes);

// Writes the header (minimal length encoding unless header.lengthEncoding asks
// for a longer one, which raw/test modes use) and returns its size.
std::size_t serializeFrameHeader(const FrameHeader& header,
                                 std::span<std::uint8_t, kMaxFrameHeaderSize> out);

// Header + payload; the length written is payload.size(). When header.masked
// the payload is masked with header.maskKey.
std::vector<std::uint8_t> buildFrame(const FrameHeader& header,
                                     std::span<const std::uint8_t> payload);
void appendFrame(std::vector<std::uint8_t>& out, const FrameHeader& header,
                 std::span<const std::uint8_t> payload);

}  // namespace sockscope
