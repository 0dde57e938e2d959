#include "sockscope/core/violation.h"

#include <array>

namespace sockscope {
namespace {

// Indexed by ViolationKind; the ids are a held contract (CLI JSON Lines).
constexpr std::array kViolations = {
    ViolationInfo{"reserved-opcode", "RFC 6455 §5.2", 1002,
                  "A frame uses a reserved opcode (3-7 or 11-15)."},
    ViolationInfo{"reserved-bit-set", "RFC 6455 §5.2", 1002,
                  "An RSV bit is set without a negotiated extension that defines it."},
    ViolationInfo{"non-minimal-length", "RFC 6455 §5.2", 1002,
                  "The payload length is not written in its shortest form."},
    ViolationInfo{"length-msb-set", "RFC 6455 §5.2", 1002,
                  "The most significant bit of a 64-bit payload length is set."},
    ViolationInfo{"unmasked-client-frame", "RFC 6455 §5.1", 1002,
                  "A client sent a frame without a masking key."},
    ViolationInfo{"masked-server-frame", "RFC 6455 §5.1", 1002, "A server sent a masked frame."},
    ViolationInfo{"control-frame-too-long", "RFC 6455 §5.5", 1002,
                  "A control frame carries more than 125 payload bytes."},
    ViolationInfo{"fragmented-control-frame", "RFC 6455 §5.5", 1002,
                  "A control frame has FIN clear."},
    ViolationInfo{"unexpected-continuation", "RFC 6455 §5.4", 1002,
                  "A continuation frame arrived without a fragmented message in progress."},
    ViolationInfo{"expected-continuation", "RFC 6455 §5.4", 1002,
                  "A new data frame arrived while a fragmented message was still in progress."},
    ViolationInfo{"invalid-utf8", "RFC 6455 §8.1", 1007, "A text message is not valid UTF-8."},
    ViolationInfo{"invalid-close-code", "RFC 6455 §7.4", 1002,
                  "A close frame carries a status code that may not be sent on the wire."},
    ViolationInfo{"close-payload-too-short", "RFC 6455 §5.5.1", 1002,
                  "A close frame body is one byte long (a status code needs two)."},
    ViolationInfo{"invalid-close-reason", "RFC 6455 §5.5.1", 1007,
                  "The close reason is not valid UTF-8."},
    ViolationInfo{"data-after-close", "RFC 6455 §5.5.1", 1002,
                  "A frame arrived after the peer's close frame."},
    ViolationInfo{"compressed-control-frame", "RFC 7692 §6.1", 1002,
                  "RSV1 (compressed) is set on a control frame."},
    ViolationInfo{"compressed-continuation", "RFC 7692 §6.1", 1002,
                  "RSV1 (compressed) is set on a continuation frame."},
    ViolationInfo{"inflate-failed", "RFC 7692 §6.2", 1007,
                  "The compressed payload is not a valid DEFLATE stream."},
    ViolationInfo{"frame-too-big", "RFC 6455 §10.4", 1009,
                  "A frame is larger than the configured limit."},
    ViolationInfo{"message-too-big", "RFC 6455 §10.4", 1009,
                  "A message is larger than the configured limit."},
    ViolationInfo{"too-many-fragments", "RFC 6455 §10.4", 1009,
                  "A message has more fragments than the configured limit."},
    ViolationInfo{"decompressed-too-big", "RFC 7692 §8.1", 1009,
                  "Decompression exceeds the configured size or ratio limit."},
    ViolationInfo{"handshake-malformed", "RFC 6455 §4.2.1", 0,
                  "The handshake is not a well-formed HTTP/1.1 message."},
    ViolationInfo{"handshake-too-large", "RFC 6455 §10.4", 0,
                  "The handshake head exceeds the configured size limit."},
    ViolationInfo{"handshake-bad-method", "RFC 6455 §4.2.1", 0,
                  "The upgrade request does not use the GET method."},
    ViolationInfo{"handshake-bad-version", "RFC 6455 §4.2.2", 0,
                  "Sec-WebSocket-Version is missing or not 13."},
    ViolationInfo{"handshake-missing-key", "RFC 6455 §4.2.1", 0,
                  "The upgrade request has no Sec-WebSocket-Key."},
    ViolationInfo{"handshake-bad-key", "RFC 6455 §4.2.1", 0,
                  "Sec-WebSocket-Key is not base64 of 16 bytes."},
    ViolationInfo{"handshake-bad-upgrade", "RFC 6455 §4.2.1", 0,
                  "The Upgrade header does not name websocket."},
    ViolationInfo{"handshake-bad-connection", "RFC 6455 §4.2.1", 0,
                  "The Connection header does not contain the Upgrade token."},
    ViolationInfo{"handshake-bad-status", "RFC 6455 §4.1", 0,
                  "The server did not answer with 101 Switching Protocols."},
    ViolationInfo{"handshake-bad-accept", "RFC 6455 §4.1", 0,
                  "Sec-WebSocket-Accept does not match the key that was sent."},
    ViolationInfo{"handshake-bad-subprotocol", "RFC 6455 §4.1", 0,
                  "The server selected a subprotocol the client did not offer."},
    ViolationInfo{"handshake-bad-extension", "RFC 6455 §9.1", 0,
                  "Sec-WebSocket-Extensions is malformed or names an extension not offered."},
    ViolationInfo{"handshake-forbidden-origin", "RFC 6455 §10.2", 0,
                  "The Origin is not on the server's allow-list."},
};
static_assert(kViolations.size() ==
              static_cast<std::size_t>(ViolationKind::HandshakeForbiddenOrigin) + 1);

}  // namespace

const ViolationInfo& violationInfo(ViolationKind kind) {
    return kViolations[static_cast<std::size_t>(kind)];
}

}  // namespace sockscope
