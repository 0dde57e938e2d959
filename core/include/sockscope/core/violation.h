#pragma once
// Every protocol violation Sockscope can detect, as a typed value: a stable
// kebab-case id (part of the CLI's JSON contract), the RFC section it breaks,
// and the close code an endpoint sends when it fails the connection for it.

#include <cstdint>
#include <string>
#include <string_view>

namespace sockscope {

enum class ViolationKind : std::uint8_t {
    // Framing (RFC 6455 §5.2)
    ReservedOpcode,
    ReservedBitSet,       // RSV1-3 without an extension that defines it
    NonMinimalLength,     // 16/64-bit length used for a value that fits a shorter form
    LengthMsbSet,         // most significant bit of the 64-bit length set
    UnmaskedClientFrame,  // §5.1
    MaskedServerFrame,    // §5.1
    // Fragmentation and control frames (§5.4, §5.5)
    ControlFrameTooLong,
    FragmentedControlFrame,
    UnexpectedContinuation,  // continuation without a message in progress
    ExpectedContinuation,    // new data frame while a fragmented message is in progress
    // Payload content
    InvalidUtf8,           // §8.1
    InvalidCloseCode,      // §7.4
    ClosePayloadTooShort,  // 1-byte close body, §5.5.1
    InvalidCloseReason,    // reason not UTF-8, §5.5.1
    DataAfterClose,        // frame after the peer's close, §5.5.1
    // permessage-deflate (RFC 7692)
    CompressedControlFrame,  // RSV1 on a control frame, RFC 7692 §6.1
    CompressedContinuation,  // RSV1 on a continuation frame, RFC 7692 §6.1
    InflateFailed,           // the compressed data is not a valid DEFLATE stream, §6.2
    // Limits (local policy; the close code says "too big")
    FrameTooBig,
    MessageTooBig,
    TooManyFragments,
    DecompressedTooBig,  // size or ratio cap on inflation
    // Handshake (RFC 6455 §4)
    HandshakeMalformed,
    HandshakeTooLarge,
    HandshakeBadMethod,
    HandshakeBadVersion,
    HandshakeMissingKey,
    HandshakeBadKey,
    HandshakeBadUpgrade,
    HandshakeBadConnection,
    HandshakeBadStatus,
    HandshakeBadAccept,
    HandshakeBadSubprotocol,
    HandshakeBadExtension,
    HandshakeForbiddenOrigin,
};

struct ViolationInfo {
    std::string_view id;       // stable kebab-case, e.g. "unmasked-client-frame"
    std::string_view rfc;      // e.g. "RFC 6455 §5.1"
    std::uint16_t closeCode;   // what an endpoint sends (0 = handshake, no close frame)
    std::string_view summary;  // one human sentence
};

const ViolationInfo& violationInfo(ViolationKind kind);

// One detected violation. `offset` is the byte offset in the stream (of one
// direction, counted from the first byte after the handshake, or in the
// handshake bytes for handshake errors) where the offending byte is.
struct ProtocolError {
    ViolationKind kind;
    std::uint64_t offset = 0;
    std::string detail;  // specific: which value, which byte

    std::string_view id() const { return violationInfo(kind).id; }
    std::string_view rfc() const { return violationInfo(kind).rfc; }
    std::uint16_t closeCode() const { return violationInfo(kind).closeCode; }
};

}  // namespace sockscope
