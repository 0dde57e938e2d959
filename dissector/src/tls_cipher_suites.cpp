#include "tls_cipher_suites.h"

#include <array>
#include <cstdio>

namespace sockscope::dissector::tls {

namespace {

using A = Aead;
using H = Hash;

// Sorted by id. The decrypted ones, then common ones that are only named, so
// an anomaly can say which suite it was.
constexpr std::array kSuites = {
    CipherSuite{0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", A::None, H::Sha256, false},
    CipherSuite{0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", A::None, H::Sha256, false},
    CipherSuite{0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", A::None, H::Sha256, false},
    CipherSuite{0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", A::None, H::Sha256, false},
    CipherSuite{0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", A::None, H::Sha256, false},
    CipherSuite{0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", A::None, H::Sha256, false},
    CipherSuite{0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", A::None, H::Sha256, false},
    CipherSuite{0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", A::None, H::Sha256, false},
    CipherSuite{0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", A::None, H::Sha256, false},
    CipherSuite{0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256, false},
    CipherSuite{0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384, false},
    CipherSuite{0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256, false},
    CipherSuite{0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384, false},
    CipherSuite{0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256, false},
    CipherSuite{0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384, false},
    CipherSuite{0x1301, "TLS_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256, true},
    CipherSuite{0x1302, "TLS_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384, true},
    CipherSuite{0x1303, "TLS_CHACHA20_POLY1305_SHA256", A::ChaCha20Poly1305, H::Sha256, true},
    CipherSuite{0x1304, "TLS_AES_128_CCM_SHA256", A::None, H::Sha256, true},
    CipherSuite{0x1305, "TLS_AES_128_CCM_8_SHA256", A::None, H::Sha256, true},
    CipherSuite{0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", A::None, H::Sha256, false},
    CipherSuite{0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", A::None, H::Sha256, false},
    CipherSuite{0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", A::None, H::Sha256, false},
    CipherSuite{0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", A::None, H::Sha256, false},
    CipherSuite{0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", A::None, H::Sha256, false},
    CipherSuite{0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", A::None, H::Sha384, false},
    CipherSuite{0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", A::None, H::Sha256, false},
    CipherSuite{0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", A::None, H::Sha384, false},
    CipherSuite{0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256, false},
    CipherSuite{0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384, false},
    CipherSuite{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256, false},
    CipherSuite{0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384, false},
    CipherSuite{0xC09C, "TLS_RSA_WITH_AES_128_CCM", A::None, H::Sha256, false},
    CipherSuite{0xC09D, "TLS_RSA_WITH_AES_256_CCM", A::None, H::Sha256, false},
    CipherSuite{0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", A::None, H::Sha256, false},
    CipherSuite{0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", A::None, H::Sha256, false},
    CipherSuite{0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", A::ChaCha20Poly1305,
                H::Sha256, false},
    CipherSuite{0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", A::ChaCha20Poly1305,
                H::Sha256, false},
    CipherSuite{0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", A::ChaCha20Poly1305, H::Sha256,
                false},
    CipherSuite{0xCCAB, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", A::ChaCha20Poly1305, H::Sha256,
                false},
    CipherSuite{0xCCAC, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", A::ChaCha20Poly1305,
                H::Sha256, false},
    CipherSuite{0xD001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256", A::Aes128Gcm, H::Sha256, false},
    CipherSuite{0xD002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384", A::Aes256Gcm, H::Sha384, false},
};

constexpr bool sorted() {
    for (std::size_t i = 1; i < kSuites.size(); ++i)
        if (kSuites[i - 1].id >= kSuites[i].id)
            return false;
    return true;
}
static_assert(sorted());

}  // namespace

const CipherSuite* findCipherSuite(std::uint16_t id) {
    std::size_t lo = 0;
    std::size_t hi = kSuites.size();
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (kSuites[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < kSuites.size() && kSuites[lo].id == id ? &kSuites[lo] : nullptr;
}

std::string cipherSuiteName(std::uint16_t id) {
    if (const CipherSuite* suite = findCipherSuite(id))
        return std::string(suite->name);
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "0x%04x", id);
    return buffer;
}

std::size_t aeadKeyLength(Aead aead) {
    switch (aead) {
        case Aead::Aes128Gcm:
            return 16;
        case Aead::Aes256Gcm:
        case Aead::ChaCha20Poly1305:
            return 32;
        case Aead::None:
            break;
    }
    return 0;
}

std::size_t hashLength(Hash hash) {
    return hash == Hash::Sha384 ? 48 : 32;
}

}  // namespace sockscope::dissector::tls
