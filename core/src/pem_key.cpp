#include "sockscope/core/pem_key.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>
#include <memory>

namespace sockscope {
namespace {

struct OpenSslDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
    void operator()(X509* certificate) const { X509_free(certificate); }
};
template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter>;

int noPassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
    return -1;
}

OpenSslPtr<BIO> memory(std::string_view pem) {
    if (pem.size() > std::size_t(INT_MAX))
        return nullptr;
    return OpenSslPtr<BIO>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

OpenSslPtr<EVP_PKEY> readKey(std::string_view pem) {
    const OpenSslPtr<BIO> bio = memory(pem);
    return OpenSslPtr<EVP_PKEY>(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr) : nullptr);
}

// OpenSSL's error queue is per thread and shared with Qt's TLS backend:
// nothing of ours may stay in it.
struct ClearErrorsOnExit {
    ~ClearErrorsOnExit() { ERR_clear_error(); }
};

}  // namespace

std::optional<PemKeyAlgorithm> pemPrivateKeyAlgorithm(std::string_view keyPem) {
    const ClearErrorsOnExit clear;
    const OpenSslPtr<EVP_PKEY> key = readKey(keyPem);
    if (!key)
        return std::nullopt;
    switch (EVP_PKEY_base_id(key.get())) {
        case EVP_PKEY_RSA:
            return PemKeyAlgorithm::Rsa;
        case EVP_PKEY_EC:
            return PemKeyAlgorithm::Ec;
        case EVP_PKEY_DSA:
            return PemKeyAlgorithm::Dsa;
        default:
            return PemKeyAlgorithm::Other;
    }
}

std::optional<bool> pemKeyMatchesCertificate(std::string_view certificatePem,
                                             std::string_view keyPem) {
    const ClearErrorsOnExit clear;
    const OpenSslPtr<BIO> certificateBio = memory(certificatePem);
    const OpenSslPtr<X509> certificate(
        certificateBio ? PEM_read_bio_X509(certificateBio.get(), nullptr, noPassphrase, nullptr)
                       : nullptr);
    const OpenSslPtr<EVP_PKEY> key = readKey(keyPem);
    if (!certificate || !key)
        return std::nullopt;
    return X509_check_private_key(certificate.get(), key.get()) == 1;
}

}  // namespace sockscope
