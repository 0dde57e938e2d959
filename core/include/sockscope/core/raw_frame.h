#pragma once
// Deliberately broken (or correct) frames for the console's raw mode: every
// header bit, the length encoding and the masking are chosen by the caller,
// so a user can see how a peer reacts to each violation.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sockscope/core/mask.h"
#include "sockscope/core/message_reader.h"

namespace sockscope {

// Minimal: the shortest form. Force16 / Force64: that form even when a shorter
// one fits (a payload over 65535 bytes always needs 64 bits). Force64TopBit:
// the 64-bit form with its most significant bit set on top of the real length.
enum class RawLength : std::uint8_t { Minimal, Force16, Force64, Force64TopBit };
// ByRole: a client masks, a server does not. WrongKey: masked, but the payload
// is masked with a key other than the one in the header (key ^ 0xFF bytes).
enum class RawMasking : std::uint8_t { ByRole, Masked, Unmasked, WrongKey };

struct RawFrameSpec {
    std::uint8_t opcode = 0x1;  // 0..15, reserved ones allowed
    bool fin = true;
    bool rsv1 = false, rsv2 = false, rsv3 = false;
    RawMasking masking = RawMasking::ByRole;  // ByRole: client masks, server does not
    RawLength length = RawLength::Minimal;
    std::vector<std::uint8_t> payload;  // unmasked bytes as the peer should read them
};

// The exact bytes of one frame sent by `sender`, using `key` when masking
// (WrongKey: the header carries `key`, the payload is masked with key ^ 0xFF bytes).
std::vector<std::uint8_t> buildRawFrame(Role sender, const RawFrameSpec& spec, MaskKey key);

struct RawFramePreset {
    // Kebab-case, unique. Equal to `violation` when the preset has a single
    // variant; variants append a suffix ("reserved-bit-set-rsv2").
    std::string_view id;
    std::string_view label;  // "Unmasked client frame"
    std::string_view rfc;    // "RFC 6455 §5.1"
    RawFrameSpec spec;       // what the preset builds (payload filled in)
    // The core violation id (ViolationInfo::id) a peer without extensions
    // detects when it receives the frame from `sender`.
    std::string_view violation;
    // The role the preset is a violation for; nullopt: either role.
    std::optional<Role> sender;
};

// The raw mode's presets: unmasked client frame, masked server frame, RSV1..3,
// reserved opcode (0x3), invalid UTF-8, oversize control frame (126-byte
// ping), fragmented control frame (ping with FIN=0), non-minimal length (16 and
// 64), 64-bit length with the top bit set, wrong mask.
std::span<const RawFramePreset> rawFramePresets();

}  // namespace sockscope
