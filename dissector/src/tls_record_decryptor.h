#pragma once
// AEAD record protection, undone (RFC 8446 §5.2-§5.4; RFC 5246 §6.2.3.3 with
// RFC 5288 §3 for AES-GCM and RFC 7905 §2 for ChaCha20-Poly1305). One per
// direction: the EVP context is keyed once per key and only the nonce changes
// per record, and nothing is allocated per record.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "tls_cipher_suites.h"
#include "tls_key_schedule.h"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace sockscope::dissector::tls {

class RecordDecryptor {
public:
    RecordDecryptor() = default;
    ~RecordDecryptor();
    RecordDecryptor(const RecordDecryptor&) = delete;
    RecordDecryptor& operator=(const RecordDecryptor&) = delete;

    // Keys the decryptor; the sequence number starts at 0. false if OpenSSL
    // refuses (then !ready()).
    bool setKeys(Aead aead, bool tls13, const TrafficKeys& keys);
    void clear();
    bool ready() const { return ready_; }
    bool tls13() const { return tls13_; }
    Aead aead() const { return aead_; }

    std::uint64_t sequence() const { return sequence_; }
    void setSequence(std::uint64_t sequence) { sequence_ = sequence; }

    enum class Result : std::uint8_t {
        Ok,
        AuthenticationFailed,
        TooShort,  // the record cannot even hold the nonce and tag
    };
    // Opens `record` (5-byte header + body) with the record sequence number
    // `sequence` into `out` (at least as large as the body); on Ok the
    // plaintext's length. Does not advance sequence().
    Result open(std::span<const std::uint8_t> record, std::uint64_t sequence, std::uint8_t* out,
                std::size_t& plaintextLength);

    // TLS 1.2 AES-GCM's explicit nonce of `record` (8 bytes after the header),
    // which most implementations set to the sequence number: a good first
    // guess when the sequence number is lost. nullopt-like: false otherwise.
    bool explicitNonce(std::span<const std::uint8_t> record, std::uint64_t& value) const;

    // Overhead of the protection: the smallest valid record body.
    std::size_t minimumBody() const;

private:
    EVP_CIPHER_CTX* ctx_ = nullptr;
    Aead aead_ = Aead::None;
    bool tls13_ = false;
    bool ready_ = false;
    std::array<std::uint8_t, 12> iv_{};
    std::size_t ivLength_ = 0;
    std::uint64_t sequence_ = 0;
};

}  // namespace sockscope::dissector::tls
