#pragma once
// Capture-level and TCP-level anomalies (the WebSocket ones are
// sockscope::ViolationKind from core). Same shape: a stable kebab-case id and
// the RFC section, plus a specific detail.

#include <cstdint>
#include <string>
#include <string_view>

namespace sockscope::dissector {

enum class CaptureAnomaly : std::uint8_t {
    SnaplenTruncated,  // packet cut by the snaplen: payload bytes missing
    MalformedPacket,   // a header is too short or inconsistent
    IpFragment,        // fragment that could not be reassembled (or was dropped by a limit)
    TcpGap,            // bytes never seen: the stream skips ahead
    TcpRetransmissionMismatch,  // retransmitted/overlapping bytes differ from the first copy
    TcpOutOfOrderLimit,         // buffered out-of-order bytes hit the per-flow bound
    FlowLimit,                  // too many flows tracked: the oldest was dropped
    MidStream,                  // the flow began without a SYN (capture started mid-connection)
    DesyncResynchronized,       // after a gap, dissection resumed at a verified frame boundary
    HandshakeNotSeen,           // WebSocket detected without a handshake (confidence in detail)
    CompressionUnknown,         // RSV1 frames without a seen handshake: not decompressed
    // More anomalies of one kind on one connection than
    // DissectorOptions::maxAnomaliesPerKind: how many were only counted.
    AnomaliesSuppressed,
};

struct CaptureAnomalyInfo {
    std::string_view id;   // e.g. "tcp-gap"
    std::string_view rfc;  // e.g. "RFC 9293 §3.10.7.4", or "" when no RFC applies
};

const CaptureAnomalyInfo& captureAnomalyInfo(CaptureAnomaly kind);

}  // namespace sockscope::dissector
