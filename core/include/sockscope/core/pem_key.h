#pragma once
// What a PEM private key is and whether it belongs to a certificate, read
// with OpenSSL: Qt has no API that tells whether a key matches a certificate.
// The console's TLS client and server check their files with this before
// use, so a wrong key is a clear error rather than a failed handshake later.
// OpenSSL never prompts for a passphrase here: an encrypted key does not read.

#include <cstdint>
#include <optional>
#include <string_view>

namespace sockscope {

enum class PemKeyAlgorithm : std::uint8_t { Rsa, Ec, Dsa, Other };

// The algorithm of the first unencrypted PEM private key in `keyPem`;
// nullopt when there is none (or it is encrypted).
std::optional<PemKeyAlgorithm> pemPrivateKeyAlgorithm(std::string_view keyPem);

// Whether `keyPem` is the private key of the first certificate in
// `certificatePem`; nullopt when either cannot be read.
std::optional<bool> pemKeyMatchesCertificate(std::string_view certificatePem,
                                             std::string_view keyPem);

}  // namespace sockscope
