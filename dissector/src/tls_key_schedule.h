#pragma once
// Traffic keys from the key log's secrets, through OpenSSL's KDFs: the TLS 1.2
// PRF key block (RFC 5246 §6.3; AEAD suites have no MAC keys, RFC 5288 §3,
// RFC 7905 §2) and TLS 1.3 HKDF-Expand-Label (RFC 8446 §7.1, §7.3).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "tls_cipher_suites.h"

namespace sockscope::dissector::tls {

struct TrafficKeys {
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 12> iv{};
    std::size_t keyLength = 0;
    // 12, or 4 for TLS 1.2 AES-GCM (the implicit part of the nonce, RFC 5288 §3).
    std::size_t ivLength = 0;
};

// TLS 1.2: the client's and the server's write keys and IVs from the master
// secret and both randoms. false if the KDF fails (never for valid input).
bool tls12TrafficKeys(const CipherSuite& suite, std::span<const std::uint8_t> masterSecret,
                      std::span<const std::uint8_t, 32> clientRandom,
                      std::span<const std::uint8_t, 32> serverRandom, TrafficKeys& client,
                      TrafficKeys& server);

// TLS 1.3: key and IV from a traffic secret (RFC 8446 §7.3).
bool tls13TrafficKeys(const CipherSuite& suite, std::span<const std::uint8_t> secret,
                      TrafficKeys& keys);

// TLS 1.3 KeyUpdate: application_traffic_secret_N+1 (RFC 8446 §7.2), written
// over `secret` (same length).
bool tls13NextSecret(const CipherSuite& suite, std::span<std::uint8_t> secret);

// HKDF-Expand-Label(secret, label, context, out.size()) (RFC 8446 §7.1).
bool hkdfExpandLabel(Hash hash, std::span<const std::uint8_t> secret, std::string_view label,
                     std::span<const std::uint8_t> context, std::span<std::uint8_t> out);

}  // namespace sockscope::dissector::tls
