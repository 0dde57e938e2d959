#include "tls_hello_parser.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace sockscope::dissector::tls {

namespace {

// SHA-256("HelloRetryRequest"), the ServerHello.random of a HelloRetryRequest.
constexpr std::array<std::uint8_t, 32> kHelloRetryRequestRandom = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

constexpr std::uint16_t kServerName = 0;
constexpr std::uint16_t kAlpn = 16;
constexpr std::uint16_t kExtendedMasterSecret = 23;
constexpr std::uint16_t kEarlyData = 42;
constexpr std::uint16_t kSupportedVersions = 43;

std::string extensionName(std::uint16_t type) {
    switch (type) {
        case kServerName:
            return "server_name";
        case kAlpn:
            return "application_layer_protocol_negotiation";
        case kExtendedMasterSecret:
            return "extended_master_secret";
        case kEarlyData:
            return "early_data";
        case kSupportedVersions:
            return "supported_versions";
        default:
            break;
    }
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "0x%04x", type);
    return buffer;
}

// Reads fields front to back; the first failure is kept as the error and
// every later read fails too.
class Reader {
public:
    Reader(std::span<const std::uint8_t> data, std::string context)
        : data_(data), context_(std::move(context)) {}

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    std::size_t remaining() const { return data_.size() - pos_; }
    bool atEnd() const { return pos_ == data_.size(); }
    const std::string& context() const { return context_; }

    bool u8(std::uint8_t& v, std::string_view field) {
        std::span<const std::uint8_t> b;
        if (!fixed(1, b, field))
            return false;
        v = b[0];
        return true;
    }
    bool u16(std::uint16_t& v, std::string_view field) {
        std::span<const std::uint8_t> b;
        if (!fixed(2, b, field))
            return false;
        v = static_cast<std::uint16_t>(b[0] << 8 | b[1]);
        return true;
    }
    bool fixed(std::size_t n, std::span<const std::uint8_t>& out, std::string_view field) {
        if (!ok())
            return false;
        if (remaining() < n)
            return fail(std::string(field) + " is cut off (" + std::to_string(remaining()) +
                        " of " + std::to_string(n) + " bytes)");
        out = data_.subspan(pos_, n);
        pos_ += n;
        return true;
    }
    // A vector with a `lengthBytes`-byte length in front.
    bool vec(std::size_t lengthBytes, std::span<const std::uint8_t>& out, std::string_view field) {
        std::span<const std::uint8_t> lengthField;
        if (!fixed(lengthBytes, lengthField, std::string(field) + " length"))
            return false;
        std::size_t length = 0;
        for (std::uint8_t b : lengthField)
            length = length << 8 | b;
        if (length > remaining())
            return fail(std::string(field) + " length " + std::to_string(length) +
                        " runs past the end (" + std::to_string(remaining()) + " bytes left)");
        out = data_.subspan(pos_, length);
        pos_ += length;
        return true;
    }
    bool fail(std::string what) {
        if (ok())
            error_ = context_ + ": " + std::move(what);
        return false;
    }

private:
    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
    std::string context_;
    std::string error_;
};

std::string text(std::span<const std::uint8_t> bytes) {
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Calls handle(type, Reader over the extension's data) for each extension;
// the first error (of the framing or of a handler) is returned.
template <typename Handle>
std::string forEachExtension(Reader& message, Handle&& handle) {
    std::span<const std::uint8_t> all;
    if (!message.vec(2, all, "extensions"))
        return message.error();
    if (!message.atEnd())
        return message.context() + ": " + std::to_string(message.remaining()) +
               " bytes after the extensions";
    Reader list(all, message.context());
    while (!list.atEnd()) {
        std::uint16_t type = 0;
        std::span<const std::uint8_t> data;
        if (!list.u16(type, "extension type") ||
            !list.vec(2, data, "extension " + extensionName(type)))
            return list.error();
        Reader extension(data, message.context() + ": extension " + extensionName(type));
        handle(type, extension);
        if (!extension.ok())
            return extension.error();
    }
    return {};
}

void readAlpnList(Reader& r, std::vector<std::string>& names) {
    std::span<const std::uint8_t> list;
    if (!r.vec(2, list, "protocol_name_list"))
        return;
    Reader entries(list, r.context());
    while (!entries.atEnd()) {
        std::span<const std::uint8_t> name;
        if (!entries.vec(1, name, "protocol name")) {
            r.fail(entries.error().substr(r.context().size() + 2));
            return;
        }
        if (name.empty()) {
            r.fail("an empty protocol name");
            return;
        }
        names.push_back(text(name));
    }
}

void readSelectedAlpn(Reader& r, std::optional<std::string>& selected) {
    std::vector<std::string> names;
    readAlpnList(r, names);
    if (!r.ok())
        return;
    if (names.size() != 1) {
        r.fail("names " + std::to_string(names.size()) + " protocols, not exactly one");
        return;
    }
    selected = std::move(names.front());
}

void readServerName(Reader& r, std::string& serverName) {
    std::span<const std::uint8_t> list;
    if (!r.vec(2, list, "server_name_list"))
        return;
    Reader entries(list, r.context());
    while (!entries.atEnd()) {
        std::uint8_t nameType = 0;
        std::span<const std::uint8_t> name;
        if (!entries.u8(nameType, "name_type") || !entries.vec(2, name, "host_name")) {
            r.fail(entries.error().substr(r.context().size() + 2));
            return;
        }
        if (nameType == 0 && serverName.empty())
            serverName = text(name);
    }
}

void readSupportedVersions(Reader& r, std::vector<std::uint16_t>& versions) {
    std::span<const std::uint8_t> list;
    if (!r.vec(1, list, "versions"))
        return;
    if (list.size() % 2 != 0) {
        r.fail("versions length " + std::to_string(list.size()) + " is odd");
        return;
    }
    for (std::size_t i = 0; i < list.size(); i += 2)
        versions.push_back(static_cast<std::uint16_t>(list[i] << 8 | list[i + 1]));
}

}  // namespace

std::string handshakeTypeName(std::uint8_t type) {
    switch (static_cast<HandshakeType>(type)) {
        case HandshakeType::HelloRequest:
            return "HelloRequest";
        case HandshakeType::ClientHello:
            return "ClientHello";
        case HandshakeType::ServerHello:
            return "ServerHello";
        case HandshakeType::NewSessionTicket:
            return "NewSessionTicket";
        case HandshakeType::EndOfEarlyData:
            return "EndOfEarlyData";
        case HandshakeType::EncryptedExtensions:
            return "EncryptedExtensions";
        case HandshakeType::Certificate:
            return "Certificate";
        case HandshakeType::ServerKeyExchange:
            return "ServerKeyExchange";
        case HandshakeType::CertificateRequest:
            return "CertificateRequest";
        case HandshakeType::ServerHelloDone:
            return "ServerHelloDone";
        case HandshakeType::CertificateVerify:
            return "CertificateVerify";
        case HandshakeType::ClientKeyExchange:
            return "ClientKeyExchange";
        case HandshakeType::Finished:
            return "Finished";
        case HandshakeType::KeyUpdate:
            return "KeyUpdate";
    }
    return "handshake message " + std::to_string(type);
}

std::string parseClientHello(std::span<const std::uint8_t> body, ClientHello& out) {
    Reader r(body, "ClientHello");
    std::uint16_t legacyVersion = 0;
    std::span<const std::uint8_t> random, sessionId, suites, compression;
    if (!r.u16(legacyVersion, "legacy_version") || !r.fixed(32, random, "random"))
        return r.error();
    std::copy(random.begin(), random.end(), out.random.begin());
    out.randomRead = true;
    if (!r.vec(1, sessionId, "legacy_session_id") || !r.vec(2, suites, "cipher_suites") ||
        !r.vec(1, compression, "legacy_compression_methods"))
        return r.error();
    if (sessionId.size() > 32)
        return "ClientHello: legacy_session_id length " + std::to_string(sessionId.size()) +
               " is over 32";
    if (suites.size() % 2 != 0)
        return "ClientHello: cipher_suites length " + std::to_string(suites.size()) + " is odd";
    if (r.atEnd())
        return {};  // TLS 1.2 without extensions
    return forEachExtension(r, [&](std::uint16_t type, Reader& ext) {
        switch (type) {
            case kServerName:
                readServerName(ext, out.serverName);
                break;
            case kAlpn:
                readAlpnList(ext, out.alpn);
                break;
            case kSupportedVersions:
                readSupportedVersions(ext, out.supportedVersions);
                break;
            case kExtendedMasterSecret:
                out.extendedMasterSecret = true;
                break;
            case kEarlyData:
                out.earlyData = true;
                break;
            default:
                break;
        }
    });
}

std::string parseServerHello(std::span<const std::uint8_t> body, ServerHello& out) {
    Reader r(body, "ServerHello");
    std::span<const std::uint8_t> random, sessionId;
    std::uint8_t compression = 0;
    if (!r.u16(out.legacyVersion, "legacy_version") || !r.fixed(32, random, "random"))
        return r.error();
    std::copy(random.begin(), random.end(), out.random.begin());
    out.randomRead = true;
    out.helloRetryRequest = out.random == kHelloRetryRequestRandom;
    if (!r.vec(1, sessionId, "legacy_session_id_echo") || !r.u16(out.cipherSuite, "cipher_suite"))
        return r.error();
    out.cipherSuiteRead = true;
    if (!r.u8(compression, "legacy_compression_method"))
        return r.error();
    if (r.atEnd())
        return {};
    return forEachExtension(r, [&](std::uint16_t type, Reader& ext) {
        switch (type) {
            case kSupportedVersions: {
                std::uint16_t version = 0;
                if (ext.u16(version, "selected_version"))
                    out.selectedVersion = version;
                break;
            }
            case kAlpn:
                readSelectedAlpn(ext, out.alpn);
                break;
            case kExtendedMasterSecret:
                out.extendedMasterSecret = true;
                break;
            default:
                break;
        }
    });
}

std::string parseEncryptedExtensions(std::span<const std::uint8_t> body, EncryptedExtensions& out) {
    Reader r(body, "EncryptedExtensions");
    return forEachExtension(r, [&](std::uint16_t type, Reader& ext) {
        if (type == kAlpn)
            readSelectedAlpn(ext, out.alpn);
        else if (type == kEarlyData)
            out.earlyData = true;
    });
}

std::string parseKeyUpdate(std::span<const std::uint8_t> body, bool& updateRequested) {
    if (body.size() != 1)
        return "KeyUpdate: body is " + std::to_string(body.size()) + " bytes, not 1";
    if (body[0] > 1)
        return "KeyUpdate: request_update " + std::to_string(body[0]) + " is neither 0 nor 1";
    updateRequested = body[0] == 1;
    return {};
}

}  // namespace sockscope::dissector::tls
