#include "tls_record_decryptor.h"

#include <openssl/evp.h>

#include <algorithm>

namespace sockscope::dissector::tls {

namespace {

constexpr std::size_t kHeader = 5;
constexpr std::size_t kExplicitNonce = 8;  // TLS 1.2 AES-GCM

const EVP_CIPHER* cipherFor(Aead aead) {
    switch (aead) {
        case Aead::Aes128Gcm:
            return EVP_aes_128_gcm();
        case Aead::Aes256Gcm:
            return EVP_aes_256_gcm();
        case Aead::ChaCha20Poly1305:
            return EVP_chacha20_poly1305();
        case Aead::None:
            break;
    }
    return nullptr;
}

}  // namespace

RecordDecryptor::~RecordDecryptor() {
    EVP_CIPHER_CTX_free(ctx_);
}

void RecordDecryptor::clear() {
    ready_ = false;
    sequence_ = 0;
    iv_.fill(0);
    if (ctx_)
        EVP_CIPHER_CTX_reset(ctx_);
}

bool RecordDecryptor::setKeys(Aead aead, bool tls13, const TrafficKeys& keys) {
    clear();
    const EVP_CIPHER* cipher = cipherFor(aead);
    if (!cipher || static_cast<int>(keys.keyLength) != EVP_CIPHER_get_key_length(cipher))
        return false;
    if (!ctx_)
        ctx_ = EVP_CIPHER_CTX_new();
    if (!ctx_ || EVP_DecryptInit_ex(ctx_, cipher, nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kAeadNonceLength),
                            nullptr) != 1 ||
        EVP_DecryptInit_ex(ctx_, nullptr, nullptr, keys.key.data(), nullptr) != 1)
        return false;
    aead_ = aead;
    tls13_ = tls13;
    std::copy_n(keys.iv.begin(), keys.ivLength, iv_.begin());
    ivLength_ = keys.ivLength;
    ready_ = true;
    return true;
}

std::size_t RecordDecryptor::minimumBody() const {
    const bool explicitPart = !tls13_ && aead_ != Aead::ChaCha20Poly1305;
    // TLS 1.3: at least the inner content type byte.
    return kAeadTagLength + (explicitPart ? kExplicitNonce : 0) + (tls13_ ? 1 : 0);
}

bool RecordDecryptor::explicitNonce(std::span<const std::uint8_t> record,
                                    std::uint64_t& value) const {
    if (tls13_ || aead_ == Aead::ChaCha20Poly1305 || record.size() < kHeader + kExplicitNonce)
        return false;
    value = 0;
    for (std::size_t i = 0; i < kExplicitNonce; ++i)
        value = value << 8 | record[kHeader + i];
    return true;
}

RecordDecryptor::Result RecordDecryptor::open(std::span<const std::uint8_t> record,
                                              std::uint64_t sequence, std::uint8_t* out,
                                              std::size_t& plaintextLength) {
    if (!ready_ || record.size() < kHeader + minimumBody())
        return Result::TooShort;
    const std::uint8_t* body = record.data() + kHeader;
    std::size_t bodyLength = record.size() - kHeader;

    std::array<std::uint8_t, 8> seq{};
    for (int i = 7; i >= 0; --i, sequence >>= 8)
        seq[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sequence);

    std::array<std::uint8_t, kAeadNonceLength> nonce{};
    if (ivLength_ == 4) {
        // TLS 1.2 AES-GCM: salt from the key block, then the record's explicit nonce.
        std::copy_n(iv_.begin(), 4, nonce.begin());
        std::copy_n(body, kExplicitNonce, nonce.begin() + 4);
        body += kExplicitNonce;
        bodyLength -= kExplicitNonce;
    } else {
        // The IV xored with the sequence number, left-padded to 12 bytes.
        nonce = iv_;
        for (std::size_t i = 0; i < 8; ++i)
            nonce[4 + i] ^= seq[i];
    }
    const std::size_t cipherLength = bodyLength - kAeadTagLength;

    std::array<std::uint8_t, 13> aad{};
    std::size_t aadLength = 0;
    if (tls13_) {
        // The record header as sent (RFC 8446 §5.2).
        std::copy_n(record.begin(), kHeader, aad.begin());
        aadLength = kHeader;
    } else {
        // seq_num + type + version + length of the plaintext (RFC 5246 §6.2.3.3).
        std::copy(seq.begin(), seq.end(), aad.begin());
        aad[8] = record[0];
        aad[9] = record[1];
        aad[10] = record[2];
        aad[11] = static_cast<std::uint8_t>(cipherLength >> 8);
        aad[12] = static_cast<std::uint8_t>(cipherLength);
        aadLength = 13;
    }

    int n = 0;
    auto* tag = const_cast<std::uint8_t*>(body + cipherLength);
    if (EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce.data()) != 1 ||
        EVP_DecryptUpdate(ctx_, nullptr, &n, aad.data(), static_cast<int>(aadLength)) != 1 ||
        EVP_DecryptUpdate(ctx_, out, &n, body, static_cast<int>(cipherLength)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagLength), tag) !=
            1)
        return Result::AuthenticationFailed;
    int tail = 0;
    if (EVP_DecryptFinal_ex(ctx_, out + n, &tail) != 1)
        return Result::AuthenticationFailed;
    plaintextLength = cipherLength;
    return Result::Ok;
}

}  // namespace sockscope::dissector::tls
