#pragma once
// TLS alert descriptions by name (RFC 8446 §6, RFC 5246 §7.2).

#include <cstdint>
#include <string>

namespace sockscope::dissector::tls {

inline constexpr std::uint8_t kAlertCloseNotify = 0;
inline constexpr std::uint8_t kAlertFatal = 2;

// "handshake_failure (40)", or "alert 199" for an unknown one.
std::string alertName(std::uint8_t description);

}  // namespace sockscope::dissector::tls
