#include "tls_key_schedule.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>
#include <string_view>

namespace sockscope::dissector::tls {

namespace {

struct KdfCtxFree {
    void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, KdfCtxFree>;

// A context of the named KDF ("TLS1-PRF", "HKDF"); fetched once per call,
// which is per connection and key change, not per record.
KdfCtx newKdf(const char* name) {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, name, nullptr);
    if (!kdf)
        return nullptr;
    KdfCtx ctx(EVP_KDF_CTX_new(kdf));
    EVP_KDF_free(kdf);
    return ctx;
}

char* digestName(Hash hash) {
    static char sha256[] = "SHA256";
    static char sha384[] = "SHA384";
    return hash == Hash::Sha384 ? sha384 : sha256;
}

void* mutableBytes(std::span<const std::uint8_t> bytes) {
    // OSSL_PARAM takes non-const pointers even for input it only reads.
    return const_cast<std::uint8_t*>(bytes.data());
}

}  // namespace

bool hkdfExpandLabel(Hash hash, std::span<const std::uint8_t> secret, std::string_view label,
                     std::span<const std::uint8_t> context, std::span<std::uint8_t> out) {
    static constexpr std::string_view kPrefix = "tls13 ";
    if (label.size() + kPrefix.size() > 255 || context.size() > 255 || out.size() > 0xffff)
        return false;
    // struct HkdfLabel { uint16 length; opaque label<7..255>; opaque context<0..255>; }
    std::array<std::uint8_t, 2 + 1 + 255 + 1 + 255> info{};
    std::size_t n = 0;
    info[n++] = static_cast<std::uint8_t>(out.size() >> 8);
    info[n++] = static_cast<std::uint8_t>(out.size());
    info[n++] = static_cast<std::uint8_t>(kPrefix.size() + label.size());
    n = std::copy(kPrefix.begin(), kPrefix.end(), info.begin() + n) - info.begin();
    n = std::copy(label.begin(), label.end(), info.begin() + n) - info.begin();
    info[n++] = static_cast<std::uint8_t>(context.size());
    n = std::copy(context.begin(), context.end(), info.begin() + n) - info.begin();

    KdfCtx ctx = newKdf("HKDF");
    if (!ctx)
        return false;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digestName(hash), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mutableBytes(secret), secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), n),
        OSSL_PARAM_construct_end(),
    };
    return EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1;
}

bool tls13TrafficKeys(const CipherSuite& suite, std::span<const std::uint8_t> secret,
                      TrafficKeys& keys) {
    keys.keyLength = aeadKeyLength(suite.aead);
    keys.ivLength = kAeadNonceLength;
    return keys.keyLength != 0 &&
           hkdfExpandLabel(suite.hash, secret, "key", {},
                           std::span(keys.key.data(), keys.keyLength)) &&
           hkdfExpandLabel(suite.hash, secret, "iv", {}, std::span(keys.iv.data(), keys.ivLength));
}

bool tls13NextSecret(const CipherSuite& suite, std::span<std::uint8_t> secret) {
    std::array<std::uint8_t, 64> next{};
    if (secret.size() > next.size() || !hkdfExpandLabel(suite.hash, secret, "traffic upd", {},
                                                        std::span(next.data(), secret.size())))
        return false;
    std::copy_n(next.begin(), secret.size(), secret.begin());
    return true;
}

bool tls12TrafficKeys(const CipherSuite& suite, std::span<const std::uint8_t> masterSecret,
                      std::span<const std::uint8_t, 32> clientRandom,
                      std::span<const std::uint8_t, 32> serverRandom, TrafficKeys& client,
                      TrafficKeys& server) {
    const std::size_t keyLength = aeadKeyLength(suite.aead);
    // AES-GCM: a 4-byte salt (the rest of the nonce is explicit in each
    // record); ChaCha20-Poly1305: the 12-byte IV xored with the sequence number.
    const std::size_t ivLength = suite.aead == Aead::ChaCha20Poly1305 ? 12 : 4;
    if (keyLength == 0)
        return false;

    // PRF(master_secret, "key expansion", server_random + client_random)
    static constexpr std::string_view kLabel = "key expansion";
    std::array<std::uint8_t, kLabel.size() + 64> seed{};
    auto at = std::copy(kLabel.begin(), kLabel.end(), seed.begin());
    at = std::copy(serverRandom.begin(), serverRandom.end(), at);
    std::copy(clientRandom.begin(), clientRandom.end(), at);

    KdfCtx ctx = newKdf("TLS1-PRF");
    if (!ctx)
        return false;
    std::array<std::uint8_t, 2 * (32 + 12)> block{};
    const std::size_t blockLength = 2 * (keyLength + ivLength);
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digestName(suite.hash), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, mutableBytes(masterSecret),
                                          masterSecret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed.data(), seed.size()),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_KDF_derive(ctx.get(), block.data(), blockLength, params) != 1)
        return false;
    // client_write_key, server_write_key, client_write_IV, server_write_IV
    const auto* p = block.data();
    std::copy_n(p, keyLength, client.key.begin());
    std::copy_n(p + keyLength, keyLength, server.key.begin());
    std::copy_n(p + 2 * keyLength, ivLength, client.iv.begin());
    std::copy_n(p + 2 * keyLength + ivLength, ivLength, server.iv.begin());
    client.keyLength = server.keyLength = keyLength;
    client.ivLength = server.ivLength = ivLength;
    return true;
}

}  // namespace sockscope::dissector::tls
