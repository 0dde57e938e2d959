// TlsStream's view of the handshake: the hellos (what the connection is, and
// the randoms), the key changes they and Finished/KeyUpdate cause, and the
// key log lookups behind them.
#include <algorithm>
#include <cstdio>

#include "sockscope/dissector/tls_stream.h"
#include "tls_hello_parser.h"
#include "tls_stream_impl.h"

namespace sockscope::dissector {

using tls::HandshakeType;

namespace {

std::uint32_t bit(KeyLogLabel label) {
    return 1u << static_cast<unsigned>(label);
}

std::string hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

std::string versionName(std::uint16_t version) {
    switch (version) {
        case 0x0300:
            return "SSL 3.0";
        case 0x0301:
            return "TLS 1.0";
        case 0x0302:
            return "TLS 1.1";
        case tls::kTls12:
            return "TLS 1.2";
        case tls::kTls13:
            return "TLS 1.3";
        default:
            break;
    }
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "version 0x%04x", version);
    return buffer;
}

const char* senderName(Direction dir) {
    return dir == Direction::Client ? "client" : "server";
}

}  // namespace

bool TlsStream::Impl::HandshakeAdapter::wantsBody(std::uint8_t type) const {
    switch (static_cast<HandshakeType>(type)) {
        case HandshakeType::ClientHello:
        case HandshakeType::ServerHello:
        case HandshakeType::EncryptedExtensions:
        case HandshakeType::KeyUpdate:
            return true;
        default:
            return false;
    }
}

void TlsStream::Impl::HandshakeAdapter::onMessage(std::uint8_t type,
                                                  std::span<const std::uint8_t> body) {
    impl->onHandshakeMessage(*side, type, body);
}

void TlsStream::Impl::HandshakeAdapter::onMessageTooLarge(std::uint8_t type, std::size_t length) {
    impl->anomaly(*side, TlsAnomaly::MalformedHandshake,
                  tls::handshakeTypeName(type) + " of " + std::to_string(length) +
                      " bytes is over the " + std::to_string(impl->limits_.maxHandshakeMessage) +
                      "-byte limit: skipped",
                  impl->handshakeOffset(*side));
}

void TlsStream::Impl::onHandshakeMessage(Side& s, std::uint8_t type,
                                         std::span<const std::uint8_t> body) {
    switch (static_cast<HandshakeType>(type)) {
        case HandshakeType::ClientHello:
            clientHello(s, body);
            break;
        case HandshakeType::ServerHello:
            serverHello(s, body);
            break;
        case HandshakeType::EncryptedExtensions:
            encryptedExtensions(s, body);
            break;
        case HandshakeType::Finished:
            finished(s);
            break;
        case HandshakeType::KeyUpdate:
            keyUpdate(s, body);
            break;
        default:
            break;  // certificates, key exchanges, tickets: nothing we need
    }
}

void TlsStream::Impl::clientHello(Side& s, std::span<const std::uint8_t> body) {
    const std::uint64_t at = handshakeOffset(s);
    if (s.dir != Direction::Client) {
        anomaly(s, TlsAnomaly::UnexpectedHandshake, "a ClientHello from the server: ignored", at);
        return;
    }
    const bool afterRetry = helloRetryRequest_ && !serverHelloSeen_;
    const bool renegotiation = serverHelloSeen_ && version_ == tls::kTls12;
    if (clientHelloSeen_ && !afterRetry && !renegotiation) {
        anomaly(s, TlsAnomaly::UnexpectedHandshake,
                serverHelloSeen_ ? "a ClientHello after the ServerHello: ignored"
                                 : "a second ClientHello without a HelloRetryRequest: ignored",
                at);
        return;
    }
    tls::ClientHello hello;
    const std::string error = tls::parseClientHello(body, hello);
    if (!error.empty())
        anomaly(s, TlsAnomaly::MalformedHandshake, error, at);
    if (!hello.randomRead)
        return;
    clientHelloSeen_ = true;
    clientRandom_ = hello.random;
    renegotiating_ = renegotiation;
    info_.clientRandom = hex(hello.random);
    info_.serverName = hello.serverName;
    info_.alpnOffered = hello.alpn;
    if (!afterRetry && !renegotiation) {
        // 0-RTT data is not decrypted; it is told apart by failing under the
        // handshake key. After a HelloRetryRequest the first hello's offer
        // still explains records sent before it.
        clientOfferedEarlyData_ = hello.earlyData;
        s.skippingEarlyData = hello.earlyData;
    }
    listener_.onInfo(info_);
}

void TlsStream::Impl::serverHello(Side& s, std::span<const std::uint8_t> body) {
    const std::uint64_t at = handshakeOffset(s);
    if (s.dir != Direction::Server) {
        anomaly(s, TlsAnomaly::UnexpectedHandshake, "a ServerHello from the client: ignored", at);
        return;
    }
    if (serverHelloSeen_ && !renegotiating_) {
        anomaly(s, TlsAnomaly::UnexpectedHandshake, "a second ServerHello: ignored", at);
        return;
    }
    tls::ServerHello hello;
    const std::string error = tls::parseServerHello(body, hello);
    if (!error.empty())
        anomaly(s, TlsAnomaly::MalformedHandshake, error, at);
    if (!hello.randomRead || !hello.cipherSuiteRead) {
        notDecryptable(s, TlsAnomaly::MalformedHandshake,
                       "the ServerHello is cut short before its cipher suite: nothing is "
                       "decrypted");
        return;
    }
    if (hello.helloRetryRequest) {
        if (helloRetryRequest_) {
            anomaly(s, TlsAnomaly::UnexpectedHandshake, "a second HelloRetryRequest: ignored", at);
            return;
        }
        helloRetryRequest_ = true;
        info_.helloRetryRequest = true;
        listener_.onInfo(info_);
        return;  // the client's second ClientHello and the real ServerHello follow
    }
    serverHelloSeen_ = true;
    renegotiating_ = false;
    serverRandom_ = hello.random;
    version_ = hello.version();
    info_.version = version_;
    info_.versionName = versionName(version_);
    info_.cipherSuite = hello.cipherSuite;
    info_.cipherSuiteName = tls::cipherSuiteName(hello.cipherSuite);
    info_.extendedMasterSecret = version_ == tls::kTls12 && hello.extendedMasterSecret;
    if (hello.alpn)
        info_.alpnSelected = *hello.alpn;

    if (!clientRandom_) {
        notDecryptable(s, TlsAnomaly::NoKey,
                       "no ClientHello was seen: no client random to look the keys up by");
        return;
    }
    if (version_ != tls::kTls12 && version_ != tls::kTls13) {
        notDecryptable(s, TlsAnomaly::UnsupportedVersion,
                       info_.versionName + " is not decrypted (only TLS 1.2 and TLS 1.3 are)");
        return;
    }
    const tls::CipherSuite* suite = tls::findCipherSuite(hello.cipherSuite);
    if (!suite || suite->aead == tls::Aead::None || suite->tls13 != (version_ == tls::kTls13)) {
        char id[8];
        std::snprintf(id, sizeof id, "0x%04x", hello.cipherSuite);
        notDecryptable(s, TlsAnomaly::UnsupportedCipherSuite,
                       "cipher suite " + info_.cipherSuiteName +
                           (suite ? " (" + std::string(id) + ")" : std::string()) +
                           " is not decrypted: only AEAD suites with AES-GCM or "
                           "ChaCha20-Poly1305 are (CBC, CCM and others are not)");
        return;
    }
    suite_ = suite;
    if (version_ == tls::kTls13) {
        // Both directions switch to their handshake keys now (RFC 8446 §7.1).
        server_.epoch = 1;
        client_.epoch = 1;
        const bool serverKey = installTls13(server_, KeyLogLabel::ServerHandshakeTrafficSecret);
        const bool clientKey = installTls13(client_, KeyLogLabel::ClientHandshakeTrafficSecret);
        if (!serverKey && !clientKey) {
            reportNoKey(s);
        } else {
            if (!serverKey)
                reportMissing(server_, KeyLogLabel::ServerHandshakeTrafficSecret);
            if (!clientKey)
                reportMissing(client_, KeyLogLabel::ClientHandshakeTrafficSecret);
        }
    } else {
        // Only a TLS 1.3 client protects records before the ServerHello.
        if (const std::size_t early = held_.count(Direction::Client)) {
            held_.drop(Direction::Client);
            anomaly(client_, TlsAnomaly::UnexpectedRecord,
                    std::to_string(early) +
                        " application data records from the client before the TLS 1.2 "
                        "ServerHello: ignored",
                    handshakeOffset(client_));
        }
        if (!deriveTls12())
            reportNoKey(s);  // each direction switches at its ChangeCipherSpec
    }
    updateKeyStatus();
    listener_.onInfo(info_);
}

void TlsStream::Impl::encryptedExtensions(Side& s, std::span<const std::uint8_t> body) {
    const std::uint64_t at = handshakeOffset(s);
    if (s.dir != Direction::Server || version_ != tls::kTls13 || s.epoch != 1) {
        anomaly(s, TlsAnomaly::UnexpectedHandshake,
                "EncryptedExtensions outside the TLS 1.3 server handshake: ignored", at);
        return;
    }
    tls::EncryptedExtensions extensions;
    const std::string error = tls::parseEncryptedExtensions(body, extensions);
    if (!error.empty())
        anomaly(s, TlsAnomaly::MalformedHandshake, error, at);
    if (extensions.alpn) {
        info_.alpnSelected = *extensions.alpn;
        listener_.onInfo(info_);
    }
}

void TlsStream::Impl::finished(Side& s) {
    // TLS 1.3: the sender's application keys follow its Finished (RFC 8446 §7.1).
    if (version_ != tls::kTls13 || s.epoch != 1 || s.keys != Keys::Ready)
        return;
    s.epoch = 2;
    const KeyLogLabel label = s.dir == Direction::Client ? KeyLogLabel::ClientTrafficSecret0
                                                         : KeyLogLabel::ServerTrafficSecret0;
    if (!installTls13(s, label))
        reportMissing(s, label);
    updateKeyStatus();
}

void TlsStream::Impl::keyUpdate(Side& s, std::span<const std::uint8_t> body) {
    const std::uint64_t at = handshakeOffset(s);
    if (version_ != tls::kTls13 || s.epoch < 2 || s.keys != Keys::Ready) {
        anomaly(s, TlsAnomaly::UnexpectedHandshake,
                "a KeyUpdate before the sender's handshake finished: ignored", at);
        return;
    }
    // update_requested only asks the peer to send its own KeyUpdate, which
    // comes in its direction; this one changes the sender's keys either way.
    bool updateRequested = false;
    const std::string error = tls::parseKeyUpdate(body, updateRequested);
    if (!error.empty())
        anomaly(s, TlsAnomaly::MalformedHandshake, error, at);
    tls::TrafficKeys keys;
    const auto secret = std::span(s.secret.data(), s.secretLength);
    if (!tls::tls13NextSecret(*suite_, secret) || !tls::tls13TrafficKeys(*suite_, secret, keys) ||
        !s.decryptor.setKeys(suite_->aead, true, keys)) {
        anomaly(s, TlsAnomaly::WrongKey,
                "the keys after a KeyUpdate could not be derived: decryption of this "
                "direction stops",
                at);
        stopSide(s);
        return;
    }
    ++s.epoch;
    keysReady(s);
}

bool TlsStream::Impl::installTls13(Side& s, KeyLogLabel label) {
    s.wantedLabel = label;
    if (keyLog_)
        keyLogGeneration_ = keyLog_->generation();
    const KeyLogSecret* secret =
        keyLog_ && clientRandom_ ? keyLog_->find(*clientRandom_, label) : nullptr;
    if (!secret) {
        s.keys = Keys::Missing;
        s.decryptor.clear();
        labelsMissing_ |= bit(label);
        return false;
    }
    labelsMissing_ &= ~bit(label);
    noteUsed(label);
    if (secret->length != tls::hashLength(suite_->hash)) {
        anomaly(s, TlsAnomaly::WrongKey,
                "the key log's " + std::string(keyLogLabelName(label)) + " for client random " +
                    info_.clientRandom + " is " + std::to_string(secret->length) + " bytes; " +
                    info_.cipherSuiteName + " needs " +
                    std::to_string(tls::hashLength(suite_->hash)) +
                    ": decryption of this direction stops",
                handshakeOffset(s));
        stopSide(s);
        return true;
    }
    std::copy_n(secret->bytes.begin(), secret->length, s.secret.begin());
    s.secretLength = secret->length;
    tls::TrafficKeys keys;
    if (!tls::tls13TrafficKeys(*suite_, secret->span(), keys) ||
        !s.decryptor.setKeys(suite_->aead, true, keys)) {
        anomaly(s, TlsAnomaly::WrongKey,
                "keys could not be derived from the key log's " +
                    std::string(keyLogLabelName(label)) + ": decryption of this direction stops",
                handshakeOffset(s));
        stopSide(s);
        return true;
    }
    keysReady(s);
    return true;
}

bool TlsStream::Impl::deriveTls12() {
    if (keyLog_)
        keyLogGeneration_ = keyLog_->generation();
    const KeyLogSecret* master =
        keyLog_ ? keyLog_->find(*clientRandom_, KeyLogLabel::ClientRandom) : nullptr;
    // With the extended master secret (RFC 7627) only the master secret's
    // derivation changes (from the session hash); the key log holds the
    // master secret itself and the key block still comes from the randoms
    // (RFC 7627 §4), so nothing differs here.
    tls12KeysValid_ = master && tls::tls12TrafficKeys(*suite_, master->span(), *clientRandom_,
                                                      serverRandom_, tls12Client_, tls12Server_);
    if (!tls12KeysValid_) {
        labelsMissing_ |= bit(KeyLogLabel::ClientRandom);
        return false;
    }
    labelsMissing_ &= ~bit(KeyLogLabel::ClientRandom);
    noteUsed(KeyLogLabel::ClientRandom);
    return true;
}

void TlsStream::Impl::installTls12(Side& s) {
    if (s.keys == Keys::Off)
        return;
    if (!suite_ || version_ != tls::kTls12) {
        s.keys = Keys::Off;
        return;
    }
    s.wantedLabel = KeyLogLabel::ClientRandom;
    if (!tls12KeysValid_) {
        s.keys = Keys::Missing;
        s.decryptor.clear();
        return;
    }
    if (!s.decryptor.setKeys(suite_->aead, false,
                             s.dir == Direction::Client ? tls12Client_ : tls12Server_)) {
        anomaly(s, TlsAnomaly::WrongKey,
                "the TLS 1.2 keys could not be set up: decryption of this direction stops",
                handshakeOffset(s));
        stopSide(s);
        return;
    }
    keysReady(s);
}

void TlsStream::Impl::reportNoKey(const Side& s) {
    if (noKeyReported_)
        return;
    noKeyReported_ = true;
    anomaly(s, TlsAnomaly::NoKey,
            "no key in the key log for client random " + info_.clientRandom +
                (keyLog_ ? std::string() : std::string(" (no key log given)")),
            handshakeOffset(s));
}

void TlsStream::Impl::reportMissing(Side& s, KeyLogLabel label) {
    const bool handshake = label == KeyLogLabel::ClientHandshakeTrafficSecret ||
                           label == KeyLogLabel::ServerHandshakeTrafficSecret;
    anomaly(s, TlsAnomaly::NoKey,
            "no " + std::string(keyLogLabelName(label)) + " in the key log for client random " +
                info_.clientRandom + ": the " + senderName(s.dir) + "'s " +
                (handshake ? "handshake and application data are" : "application data is") +
                " not decrypted",
            handshakeOffset(s));
}

void TlsStream::Impl::noteUsed(KeyLogLabel label) {
    anyKeyFound_ = true;
    if (labelsUsed_ & bit(label))
        return;
    labelsUsed_ |= bit(label);
    info_.keysUsed.push_back(label);
}

void TlsStream::Impl::updateKeyStatus() {
    if (!suite_)
        return;
    const TlsKeyStatus status = labelsMissing_ == 0 ? TlsKeyStatus::Found
                                : labelsUsed_ == 0  ? TlsKeyStatus::Missing
                                                    : TlsKeyStatus::Partial;
    if (status == info_.keys)
        return;
    const bool announced = info_.keys != TlsKeyStatus::Pending;
    info_.keys = status;
    // The ServerHello's own announcement follows; later changes are told here.
    if (announced)
        listener_.onInfo(info_);
}

void TlsStream::Impl::notDecryptable(const Side& s, TlsAnomaly kind, std::string detail) {
    anomaly(s, kind, std::move(detail), handshakeOffset(s));
    for (Side* side : {&client_, &server_}) {
        side->keys = Keys::Off;
        side->decryptor.clear();
    }
    held_.clear();
    info_.keys = TlsKeyStatus::NotDecryptable;
    listener_.onInfo(info_);
}

bool TlsStream::Impl::retryKeys() {
    if (!keyLog_ || !suite_ || !clientRandom_ || keyLog_->generation() == keyLogGeneration_)
        return false;
    bool found = false;
    if (version_ == tls::kTls12) {
        if (!tls12KeysValid_ && deriveTls12()) {
            found = true;
            for (Side* s : {&client_, &server_})
                if (s->keys == Keys::Missing)
                    installTls12(*s);  // the others switch at their ChangeCipherSpec
        }
    } else {
        for (Side* s : {&client_, &server_})
            if (s->keys == Keys::Missing && installTls13(*s, s->wantedLabel))
                found = true;
    }
    keyLogGeneration_ = keyLog_->generation();
    updateKeyStatus();
    return found;
}

}  // namespace sockscope::dissector
