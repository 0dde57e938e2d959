#pragma once
// One-line text for frames, messages, closes and violations: the CLI's -v
// output and its error lines. Qt-free; hex and text previews are the
// dissector's (sockscope/dissector/preview.h), so a payload reads the same
// here and in `read`'s text output.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sockscope/core/endpoint.h"
#include "sockscope/core/frame_header.h"
#include "sockscope/core/violation.h"

namespace sockscope::session {

// Seen from the local endpoint: In = sent by the peer, Out = sent by us.
enum class Direction : std::uint8_t { In, Out };

std::string_view directionName(Direction direction);

// "in  fin=1 rsv1=0 rsv2=0 rsv3=0 op=text mask=1 key=37fa213d len=5"
// (mask=0 key=- for an unmasked frame; reserved opcodes by their core name).
std::string formatFrameLine(Direction direction, const FrameHeader& header);

// Lowercase hex of at most `maxBytes` bytes, "…" appended when cut.
std::string formatHex(std::span<const std::uint8_t> bytes, std::size_t maxBytes);

// "<binary 5 bytes: 0102030405>", "<binary 4096 bytes: 00010203…>".
std::string formatBinaryPreview(std::span<const std::uint8_t> payload, std::size_t maxBytes = 32);

// Quoted, with control characters and bytes that are not valid UTF-8
// escaped, cut after `maxBytes` bytes at a UTF-8 character boundary ("…"
// appended), for one-line logs.
std::string formatTextPreview(std::string_view text, std::size_t maxBytes = 80);

// "in  message text 9 bytes frames=1 compressed=0 \"RESULT ok\"".
std::string formatMessageLine(Direction direction, const event::Message& message);

// "1000 (Normal Closure)", "4001 (Private Use)"; "none" without a code.
std::string formatCloseCode(std::optional<std::uint16_t> code);

// "unmasked-client-frame (RFC 6455 §5.1): <detail>"; the detail is omitted when empty.
std::string formatProtocolError(const ProtocolError& error);

}  // namespace sockscope::session
