#pragma once
// TlsStream's state. tls_stream.cpp runs the record layer (framing,
// protection, held records, gaps); tls_stream_handshake.cpp follows the
// handshake (hellos, key changes, key log lookups, TlsInfo).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sockscope/dissector/tls_stream.h"
#include "tls_cipher_suites.h"
#include "tls_handshake_reader.h"
#include "tls_held_records.h"
#include "tls_key_schedule.h"
#include "tls_record_decryptor.h"
#include "tls_record_reader.h"

namespace sockscope::dissector {

class TlsStream::Impl {
public:
    Impl(TlsListener& listener, const KeyLog* keyLog, TlsLimits limits);

    // Where a direction's keys stand.
    enum class Keys : std::uint8_t {
        Unknown,  // not derivable yet (no ServerHello): protected records are held
        Ready,    // decrypting
        Missing,  // not in the key log: held for retryKeys()
        Off,      // not decrypted any more: records are only framed (or ignored)
    };

    struct Side;
    // Adapters from the readers' callbacks to the Impl, one per direction.
    struct RecordAdapter final : tls::RecordHandler {
        Impl* impl = nullptr;
        Side* side = nullptr;
        void onRecord(std::span<const std::uint8_t> record, std::uint64_t start) override;
        bool onResyncCandidate(std::span<const std::uint8_t> record, std::uint64_t start) override;
        void onFramingLost(Loss loss, std::string detail, std::uint64_t offset) override;
    };
    struct HandshakeAdapter final : tls::HandshakeSink {
        Impl* impl = nullptr;
        Side* side = nullptr;
        bool wantsBody(std::uint8_t type) const override;
        void onMessage(std::uint8_t type, std::span<const std::uint8_t> body) override;
        void onMessageTooLarge(std::uint8_t type, std::size_t length) override;
    };

    struct Side {
        Side(Direction d, const TlsLimits& limits)
            : dir(d),
              reader(0, {limits.resyncCandidates, 256u << 10}),
              handshake(limits.maxHandshakeMessage) {}
        Direction dir;
        tls::RecordReader reader;
        tls::HandshakeReader handshake;
        tls::RecordDecryptor decryptor;
        RecordAdapter recordAdapter;
        HandshakeAdapter handshakeAdapter;
        Keys keys = Keys::Unknown;
        bool changeCipherSpecSeen = false;  // TLS 1.2: records are protected after it
        int epoch = 0;  // TLS 1.3: 0 cleartext, 1 handshake keys, 2+ application keys
        KeyLogLabel wantedLabel = KeyLogLabel::ClientRandom;  // the secret Missing waits for
        std::array<std::uint8_t, 48> secret{};                // TLS 1.3 traffic secret (KeyUpdate)
        std::size_t secretLength = 0;
        bool firstRecordUnderKey = true;
        bool skippingEarlyData = false;
        std::size_t earlyRecordsSkipped = 0;
        std::uint64_t protectedRecords = 0;  // seen, for the end-of-stream report
        bool fed = false;
    };

    // tls_stream.cpp: the record layer.
    void onRecord(Side& s, std::span<const std::uint8_t> record, std::uint64_t start);
    bool onResyncCandidate(Side& s, std::span<const std::uint8_t> record, std::uint64_t start);
    void onFramingLost(Side& s, tls::RecordHandler::Loss loss, std::string detail,
                       std::uint64_t offset);
    bool isProtected(const Side& s, std::uint8_t type) const;
    void cleartextRecord(Side& s, std::span<const std::uint8_t> record, std::uint64_t start);
    void protectedRecord(Side& s, std::span<const std::uint8_t> record, std::uint64_t start);
    void holdRecord(Side& s, std::span<const std::uint8_t> record, std::uint64_t start);
    // Opens a record with sequence number `sequence`: its real content type
    // and content (in plaintext_); on Ok the sequence number moves past it.
    enum class Opened : std::uint8_t { Ok, Failed, Invalid };
    Opened open(Side& s, std::span<const std::uint8_t> record, std::uint64_t sequence,
                std::uint8_t& type, std::span<const std::uint8_t>& content);
    void dispatchContent(Side& s, std::uint8_t type, std::span<const std::uint8_t> content,
                         std::uint64_t start, std::uint64_t end);
    void alertRecord(Side& s, std::span<const std::uint8_t> content, std::uint64_t start);
    // Decrypting stops for this direction (after an authentication failure).
    void stopSide(Side& s);
    void keysReady(Side& s);
    void runReplay();
    void anomaly(const Side& s, TlsAnomaly kind, std::string detail, std::uint64_t offset);

    // tls_stream_handshake.cpp: the handshake.
    void onHandshakeMessage(Side& s, std::uint8_t type, std::span<const std::uint8_t> body);
    void clientHello(Side& s, std::span<const std::uint8_t> body);
    void serverHello(Side& s, std::span<const std::uint8_t> body);
    void encryptedExtensions(Side& s, std::span<const std::uint8_t> body);
    void finished(Side& s);
    void keyUpdate(Side& s, std::span<const std::uint8_t> body);
    // TLS 1.3: keys of `label` for a side; false if the key log lacks it.
    bool installTls13(Side& s, KeyLogLabel label);
    // TLS 1.2: the key block from CLIENT_RANDOM; false if missing.
    bool deriveTls12();
    void installTls12(Side& s);
    void reportMissing(Side& s, KeyLogLabel label);
    void reportNoKey(const Side& s);
    void noteUsed(KeyLogLabel label);
    void updateKeyStatus();
    void notDecryptable(const Side& s, TlsAnomaly kind, std::string detail);
    bool retryKeys();
    void publishInfo();

    Side& other(const Side& s) { return s.dir == Direction::Client ? server_ : client_; }
    Side& side(Direction dir) { return dir == Direction::Client ? client_ : server_; }
    std::uint64_t handshakeOffset(const Side& s) const { return currentRecordStart_[index(s)]; }
    static std::size_t index(const Side& s) { return s.dir == Direction::Client ? 0 : 1; }

    TlsListener& listener_;
    const KeyLog* keyLog_;
    TlsLimits limits_;
    Side client_;
    Side server_;
    tls::HeldRecords held_;
    std::vector<std::uint8_t> plaintext_;  // one record's, reused
    TlsInfo info_;

    // The handshake so far.
    std::optional<std::array<std::uint8_t, 32>> clientRandom_;
    std::array<std::uint8_t, 32> serverRandom_{};
    bool clientHelloSeen_ = false;
    bool serverHelloSeen_ = false;
    bool helloRetryRequest_ = false;
    bool clientOfferedEarlyData_ = false;
    bool renegotiating_ = false;  // TLS 1.2: a new ClientHello, its ServerHello to come
    std::uint16_t version_ = 0;
    const tls::CipherSuite* suite_ = nullptr;  // decryptable suite, once known
    bool tls12KeysValid_ = false;
    tls::TrafficKeys tls12Client_, tls12Server_;
    std::uint32_t labelsMissing_ = 0;  // bit per KeyLogLabel
    std::uint32_t labelsUsed_ = 0;
    bool noKeyReported_ = false;
    bool anyKeyFound_ = false;
    std::uint64_t keyLogGeneration_ = 0;

    std::array<std::uint64_t, 2> currentRecordStart_{};
    bool replayPending_ = false;
    bool finished_ = false;
};

}  // namespace sockscope::dissector
