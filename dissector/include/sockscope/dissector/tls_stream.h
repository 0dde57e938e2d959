#pragma once
// Passive TLS decryption of one TCP connection with an NSS key log: fed the
// two reassembled byte streams (in capture order), it reports each
// direction's plaintext application data with the stream offsets of the
// record that carried it, what the connection is (version, cipher suite,
// SNI, ALPN) and typed anomalies. Decrypted: TLS 1.3 with AES-128-GCM,
// AES-256-GCM and ChaCha20-Poly1305 (KeyUpdate included) and TLS 1.2 AEAD
// suites (AES-GCM, ChaCha20-Poly1305; with or without the extended master
// secret). CBC, CCM and other suites, TLS 1.1 and older, and 0-RTT early
// data are recognised and reported, not decrypted.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sockscope/dissector/events.h"
#include "sockscope/dissector/key_log.h"

namespace sockscope::dissector {

enum class TlsAnomaly : std::uint8_t {
    NoKey,                       // the key log has no (or not every) secret for the connection
    WrongKey,                    // the first record under a key fails authentication
    RecordAuthenticationFailed,  // a later record fails authentication (corrupted)
    RecordOverflow,              // a record or its plaintext is longer than TLS allows
    MalformedRecord,             // bytes that are not a TLS record header: framing lost
    UnsupportedCipherSuite,      // not an AEAD suite we decrypt (which one is in the detail)
    UnsupportedVersion,          // TLS 1.1 and older (or unknown)
    MalformedHandshake,          // a handshake message we parse is malformed or too long
    UnexpectedHandshake,         // a handshake message where the protocol has none
    UnexpectedRecord,            // a record of a type or in a state the protocol forbids
    Gap,                         // TCP bytes missing: record boundary and sequence lost
    Resynchronized,              // after a gap, decryption resumed at a verified record
    HeldRecordsDropped,          // records waiting for keys exceeded TlsLimits::maxHeldBytes
    EarlyDataNotDecrypted,       // 0-RTT data (skipped)
    Alert,                       // a TLS alert other than close_notify
    TruncatedRecord,             // the stream ends inside a record
};

struct TlsAnomalyInfo {
    std::string_view id;   // stable kebab-case, e.g. "tls-wrong-key"
    std::string_view rfc;  // e.g. "RFC 8446 §5.2"
};
const TlsAnomalyInfo& tlsAnomalyInfo(TlsAnomaly kind);

enum class TlsKeyStatus : std::uint8_t {
    Pending,         // no ServerHello yet
    Found,           // every secret needed so far was in the key log
    Partial,         // some were (TLS 1.3: e.g. only the handshake secrets)
    Missing,         // none was
    NotDecryptable,  // unsupported version or cipher suite, or no ClientHello seen
};

struct TlsInfo {
    std::uint16_t version = 0;  // 0x0303 TLS 1.2, 0x0304 TLS 1.3; 0 before the ServerHello
    std::string versionName;    // "TLS 1.2", "TLS 1.3", ...; empty before the ServerHello
    std::uint16_t cipherSuite = 0;
    std::string cipherSuiteName;  // IANA name, e.g. "TLS_AES_128_GCM_SHA256", or "0x1234"
    std::string serverName;       // SNI; empty if the client sent none
    std::vector<std::string> alpnOffered;
    std::string alpnSelected;  // empty if none was selected
    std::string clientRandom;  // lowercase hex, the key log's lookup key
    bool helloRetryRequest = false;
    bool extendedMasterSecret = false;  // TLS 1.2: negotiated (RFC 7627)
    TlsKeyStatus keys = TlsKeyStatus::Pending;
    std::vector<KeyLogLabel> keysUsed;  // key log entry kinds used, in order of first use
};

class TlsListener {
public:
    virtual ~TlsListener() = default;
    // Application data of one record, `recordStart`/`recordEnd` being that
    // record's offsets in `dir`'s TCP stream (the plaintext is complete when
    // the byte before recordEnd has arrived). Never empty; valid during the
    // call. Calls for one direction come in stream order.
    virtual void onPlaintext(Direction dir, std::span<const std::uint8_t> bytes,
                             std::uint64_t recordStart, std::uint64_t recordEnd) = 0;
    // The handshake facts became known or changed.
    virtual void onInfo(const TlsInfo& info) = 0;
    // `dir` is the sender of what the anomaly is about.
    virtual void onAnomaly(Direction dir, TlsAnomaly kind, std::string detail,
                           std::uint64_t streamOffset) = 0;
};

struct TlsLimits {
    // Protected records kept while their key is missing, so that retryKeys()
    // can decrypt them later (per connection, both directions). Past it a
    // direction's held records are dropped and it is only framed. 0: none.
    std::size_t maxHeldBytes = 1u << 20;
    std::size_t maxHandshakeMessage = 256u << 10;  // ClientHello and the like; longer: skipped
    // After a gap: sequence numbers tried per plausible record header (so up
    // to this many lost records), and plausible headers tried.
    std::size_t resyncSequenceTries = 64;
    std::size_t resyncCandidates = 16;
    // 0-RTT records skipped (they fail under the handshake key) before the
    // client's handshake key is taken as wrong.
    std::size_t maxEarlyDataRecords = 1024;
};

// Whether a connection's first client bytes start a TLS ClientHello record:
// lets a caller decide to hand the flow to a TlsStream.
enum class TlsDetection : std::uint8_t { NotTls, NeedMoreData, ClientHello };
TlsDetection detectTlsClientHello(std::span<const std::uint8_t> clientBytes);

// Not thread-safe; listener calls happen inside feed/gap/finish/retryKeys,
// which must not be called from them. `keyLog` (may be null) must outlive
// the stream; keys are looked up when the ServerHello is seen.
class TlsStream {
public:
    TlsStream(TlsListener& listener, const KeyLog* keyLog, TlsLimits limits = {});
    ~TlsStream();
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    // The stream offset of the first byte fed for `dir` (default 0); call
    // before feeding that direction.
    void startAt(Direction dir, std::uint64_t offset);
    void feed(Direction dir, std::span<const std::uint8_t> bytes);
    // `missing` bytes of `dir` were never captured.
    void gap(Direction dir, std::uint64_t missing);
    // Both streams ended: a record cut short is reported.
    void finish();

    // The key log gained keys (its generation changed): a direction that
    // found no key tries again, and decrypts its held records if it finds
    // one. true if a direction got its key.
    bool retryKeys();
    // A direction waits for a key that retryKeys() could still use.
    bool waitingForKeys() const;
    // Bytes of protected records held for a retry, and a way to give them up
    // (for a bound over all connections): those directions are then only framed.
    std::size_t heldBytes() const;
    void dropHeldRecords();

    const TlsInfo& info() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sockscope::dissector
