#pragma once
// The TLS cipher suites we know by name, and for the ones we decrypt (AEAD:
// AES-GCM and ChaCha20-Poly1305, TLS 1.2 and 1.3) how their keys are made.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sockscope::dissector::tls {

enum class Aead : std::uint8_t { None, Aes128Gcm, Aes256Gcm, ChaCha20Poly1305 };
enum class Hash : std::uint8_t { Sha256, Sha384 };

struct CipherSuite {
    std::uint16_t id = 0;
    std::string_view name;   // IANA, e.g. "TLS_AES_128_GCM_SHA256"
    Aead aead = Aead::None;  // None: known by name, not decrypted (CBC, CCM, ...)
    Hash hash = Hash::Sha256;
    bool tls13 = false;
};

// nullptr for a suite we do not know at all.
const CipherSuite* findCipherSuite(std::uint16_t id);
// The IANA name, or "0x1234" for an unknown suite.
std::string cipherSuiteName(std::uint16_t id);

std::size_t aeadKeyLength(Aead aead);
inline constexpr std::size_t kAeadTagLength = 16;
inline constexpr std::size_t kAeadNonceLength = 12;
std::size_t hashLength(Hash hash);

}  // namespace sockscope::dissector::tls
