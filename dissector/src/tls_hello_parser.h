#pragma once
// The handshake messages whose content matters for decryption and for what we
// show (RFC 8446 §4.1.2, §4.1.3, §4.3.1, §4.6.3; RFC 5246 §7.4.1): parsed from
// a stranger's bytes with every length checked. A parse error names the
// message and the field; what was read before it stays filled in (the client
// random comes first, so a bad extension does not cost the decryption).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sockscope::dissector::tls {

enum class HandshakeType : std::uint8_t {
    HelloRequest = 0,
    ClientHello = 1,
    ServerHello = 2,
    NewSessionTicket = 4,
    EndOfEarlyData = 5,
    EncryptedExtensions = 8,
    Certificate = 11,
    ServerKeyExchange = 12,
    CertificateRequest = 13,
    ServerHelloDone = 14,
    CertificateVerify = 15,
    ClientKeyExchange = 16,
    Finished = 20,
    KeyUpdate = 24,
};
// "ClientHello", ..., or "handshake message 99".
std::string handshakeTypeName(std::uint8_t type);

inline constexpr std::uint16_t kTls12 = 0x0303;
inline constexpr std::uint16_t kTls13 = 0x0304;

struct ClientHello {
    std::array<std::uint8_t, 32> random{};
    bool randomRead = false;
    std::string serverName;  // SNI host_name, empty if none
    std::vector<std::string> alpn;
    std::vector<std::uint16_t> supportedVersions;
    bool extendedMasterSecret = false;  // RFC 7627
    bool earlyData = false;             // RFC 8446 §4.2.10
};

struct ServerHello {
    std::array<std::uint8_t, 32> random{};
    bool randomRead = false;
    std::uint16_t legacyVersion = 0;
    std::uint16_t cipherSuite = 0;
    bool cipherSuiteRead = false;
    std::optional<std::uint16_t> selectedVersion;  // supported_versions
    bool helloRetryRequest = false;                // the special random (RFC 8446 §4.1.3)
    bool extendedMasterSecret = false;
    std::optional<std::string> alpn;  // TLS 1.2 only (1.3 puts it in EncryptedExtensions)
    // The version in use: supported_versions if present, else legacy_version.
    std::uint16_t version() const { return selectedVersion.value_or(legacyVersion); }
};

struct EncryptedExtensions {
    std::optional<std::string> alpn;
    bool earlyData = false;
};

// Empty on success, else what is wrong ("ClientHello: extension
// server_name: host_name length 300 runs past the end (12 bytes left)").
std::string parseClientHello(std::span<const std::uint8_t> body, ClientHello& out);
std::string parseServerHello(std::span<const std::uint8_t> body, ServerHello& out);
std::string parseEncryptedExtensions(std::span<const std::uint8_t> body, EncryptedExtensions& out);
// KeyUpdate: update_requested (RFC 8446 §4.6.3); nullopt-like: error text.
std::string parseKeyUpdate(std::span<const std::uint8_t> body, bool& updateRequested);

}  // namespace sockscope::dissector::tls
