#include "sockscope/dissector/anomaly.h"

#include <array>

namespace sockscope::dissector {

const CaptureAnomalyInfo& captureAnomalyInfo(CaptureAnomaly kind) {
    // Indexed by CaptureAnomaly; the ids are part of the JSON Lines contract.
    static constexpr std::array kInfo = {
        CaptureAnomalyInfo{"snaplen-truncated", ""},
        CaptureAnomalyInfo{"malformed-packet", ""},
        CaptureAnomalyInfo{"ip-fragment", "RFC 791 §3.2"},
        CaptureAnomalyInfo{"tcp-gap", "RFC 9293 §3.10.7.4"},
        CaptureAnomalyInfo{"tcp-retransmission-mismatch", "RFC 9293 §3.10.7.4"},
        CaptureAnomalyInfo{"tcp-out-of-order-limit", ""},
        CaptureAnomalyInfo{"flow-limit", ""},
        CaptureAnomalyInfo{"mid-stream", "RFC 9293 §3.5"},
        CaptureAnomalyInfo{"desync-resynchronized", "RFC 6455 §5.2"},
        CaptureAnomalyInfo{"handshake-not-seen", "RFC 6455 §4"},
        CaptureAnomalyInfo{"compression-unknown", "RFC 7692 §7.2.2"},
        CaptureAnomalyInfo{"anomalies-suppressed", ""},
    };
    static_assert(kInfo.size() ==
                  static_cast<std::size_t>(CaptureAnomaly::AnomaliesSuppressed) + 1);
    return kInfo[static_cast<std::size_t>(kind)];
}

}  // namespace sockscope::dissector
