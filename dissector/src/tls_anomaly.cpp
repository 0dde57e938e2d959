#include <array>

#include "sockscope/dissector/tls_stream.h"

namespace sockscope::dissector {

const TlsAnomalyInfo& tlsAnomalyInfo(TlsAnomaly kind) {
    // Indexed by TlsAnomaly; the ids are part of the JSON Lines contract.
    static constexpr std::array kInfo = {
        TlsAnomalyInfo{"tls-no-key", "RFC 8446 §7"},
        TlsAnomalyInfo{"tls-wrong-key", "RFC 8446 §5.2"},
        TlsAnomalyInfo{"tls-record-authentication-failed", "RFC 8446 §5.2"},
        TlsAnomalyInfo{"tls-record-overflow", "RFC 8446 §5.2"},
        TlsAnomalyInfo{"tls-malformed-record", "RFC 8446 §5.1"},
        TlsAnomalyInfo{"tls-unsupported-cipher-suite", "RFC 8446 §B.4"},
        TlsAnomalyInfo{"tls-unsupported-version", "RFC 8996"},
        TlsAnomalyInfo{"tls-malformed-handshake", "RFC 8446 §4"},
        TlsAnomalyInfo{"tls-unexpected-handshake", "RFC 8446 §4"},
        TlsAnomalyInfo{"tls-unexpected-record", "RFC 8446 §5"},
        TlsAnomalyInfo{"tls-gap", "RFC 8446 §5.3"},
        TlsAnomalyInfo{"tls-resynchronized", "RFC 8446 §5.3"},
        TlsAnomalyInfo{"tls-held-records-dropped", ""},
        TlsAnomalyInfo{"tls-early-data-not-decrypted", "RFC 8446 §4.2.10"},
        TlsAnomalyInfo{"tls-alert", "RFC 8446 §6"},
        TlsAnomalyInfo{"tls-truncated-record", "RFC 8446 §5.1"},
    };
    static_assert(kInfo.size() == static_cast<std::size_t>(TlsAnomaly::TruncatedRecord) + 1);
    return kInfo[static_cast<std::size_t>(kind)];
}

}  // namespace sockscope::dissector
