#pragma once
// What differs between two recorded WebSocket connections, as a developer
// comparing two implementations against the same server wants it listed:
// the request head (names, order, values; never Sec-WebSocket-Key, which is
// random by design), the extensions offered, the handshake's answer, the
// messages each side sent (per direction, by index: type, payload equality
// down to the first differing byte, frames per message and their sizes),
// masking, the close (code, reason, how TCP ended) and anomalies. Pure logic
// over the index; payloads are read through the documents.

#include <QString>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sockscope::ui {

class CaptureDocument;

enum class DiffKind : std::uint8_t {
    HeaderMissing,      // a request header only one side sent
    HeaderValue,        // the same header name, different values
    HeaderOrder,        // the headers both sent, in a different order
    ExtensionsOffered,  // Sec-WebSocket-Extensions of the request
    Handshake,          // status, subprotocol or extensions of the response
    MessageCount,       // one side has more messages in a direction
    MessageType,        // same index, different opcode
    MessagePayload,     // same index, different bytes (first differing byte)
    FrameCount,         // same index, split into a different number of frames
    FrameSizes,         // same number of frames, different payload sizes
    Masking,            // frames masked differently
    CloseCode,          // the close frame's code (or none)
    CloseReason,
    Ending,   // how the TCP connection ended
    Anomaly,  // an anomaly one side has (more often) than the other
};

// "request header", "message payload", ... (for the list's first column).
QString diffKindName(DiffKind kind);

struct SessionDifference {
    DiffKind kind = DiffKind::HeaderMissing;
    QString what;   // which header / "client message 3" / "server close" ...
    QString left;   // what the left session shows ("" when absent)
    QString right;  // what the right session shows
    std::optional<std::uint64_t> messageIndex;  // per direction, from 0
    std::optional<std::uint64_t> firstDifferentByte;
};

struct DiffOptions {
    // Payloads are compared up to this many bytes per message.
    std::size_t payloadLimit = 16 * 1024 * 1024;
};

// The differences between connection `leftConn` of `left` and `rightConn` of
// `right` (empty: they agree on everything listed above). A connection the
// document does not have compares as one with nothing in it.
std::vector<SessionDifference> diffSessions(const CaptureDocument& left, std::uint32_t leftConn,
                                            const CaptureDocument& right, std::uint32_t rightConn,
                                            const DiffOptions& options = {});

}  // namespace sockscope::ui
