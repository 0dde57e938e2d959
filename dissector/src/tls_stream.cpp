// TlsStream's record layer: framing, which records are protected, opening
// them, holding them while keys are missing, gaps and resynchronisation.
#include "sockscope/dissector/tls_stream.h"

#include <algorithm>

#include "tls_alert.h"
#include "tls_hello_parser.h"
#include "tls_stream_impl.h"

namespace sockscope::dissector {

using tls::ContentType;

namespace {

constexpr auto kHandshake = static_cast<std::uint8_t>(ContentType::Handshake);
constexpr auto kApplicationData = static_cast<std::uint8_t>(ContentType::ApplicationData);
constexpr auto kAlert = static_cast<std::uint8_t>(ContentType::Alert);
constexpr auto kChangeCipherSpec = static_cast<std::uint8_t>(ContentType::ChangeCipherSpec);
// Records held while the ServerHello has not come yet (client 0-RTT data, or
// a capture that has the client's encrypted handshake first) are needed to
// decrypt at all, so they get at least this much room whatever maxHeldBytes.
constexpr std::size_t kMinimumHeldBeforeServerHello = 256u << 10;

const char* senderName(Direction dir) {
    return dir == Direction::Client ? "client" : "server";
}

}  // namespace

TlsStream::Impl::Impl(TlsListener& listener, const KeyLog* keyLog, TlsLimits limits)
    : listener_(listener),
      keyLog_(keyLog),
      limits_(limits),
      client_(Direction::Client, limits),
      server_(Direction::Server, limits),
      held_(std::max(limits.maxHeldBytes, kMinimumHeldBeforeServerHello)) {
    for (Side* s : {&client_, &server_}) {
        s->recordAdapter.impl = this;
        s->recordAdapter.side = s;
        s->handshakeAdapter.impl = this;
        s->handshakeAdapter.side = s;
    }
}

void TlsStream::Impl::RecordAdapter::onRecord(std::span<const std::uint8_t> record,
                                              std::uint64_t start) {
    impl->onRecord(*side, record, start);
}
bool TlsStream::Impl::RecordAdapter::onResyncCandidate(std::span<const std::uint8_t> record,
                                                       std::uint64_t start) {
    return impl->onResyncCandidate(*side, record, start);
}
void TlsStream::Impl::RecordAdapter::onFramingLost(Loss loss, std::string detail,
                                                   std::uint64_t offset) {
    impl->onFramingLost(*side, loss, std::move(detail), offset);
}

void TlsStream::Impl::anomaly(const Side& s, TlsAnomaly kind, std::string detail,
                              std::uint64_t offset) {
    listener_.onAnomaly(s.dir, kind, std::move(detail), offset);
}

bool TlsStream::Impl::isProtected(const Side& s, std::uint8_t type) const {
    // TLS 1.3 protects every record as application_data (RFC 8446 §5.2);
    // before the ServerHello only a 1.3 client's 0-RTT data can be.
    if (version_ == tls::kTls13 || version_ == 0)
        return type == kApplicationData;
    return s.changeCipherSpecSeen;
}

void TlsStream::Impl::onRecord(Side& s, std::span<const std::uint8_t> record, std::uint64_t start) {
    currentRecordStart_[index(s)] = start;
    if (isProtected(s, record[0])) {
        ++s.protectedRecords;
        protectedRecord(s, record, start);
    } else {
        cleartextRecord(s, record, start);
    }
}

void TlsStream::Impl::cleartextRecord(Side& s, std::span<const std::uint8_t> record,
                                      std::uint64_t start) {
    const std::uint8_t type = record[0];
    const auto body = record.subspan(tls::kRecordHeaderLength);
    switch (type) {
        case kHandshake:
            if (version_ == tls::kTls13 && s.epoch >= 1) {
                anomaly(s, TlsAnomaly::UnexpectedRecord,
                        std::string("a cleartext handshake record from the ") + senderName(s.dir) +
                            " after its handshake keys took over: ignored",
                        start);
            } else if (body.empty()) {
                anomaly(s, TlsAnomaly::UnexpectedRecord,
                        "an empty handshake record (RFC 8446 §5.1 forbids them)", start);
            } else {
                s.handshake.feed(body, s.handshakeAdapter);
            }
            return;
        case kChangeCipherSpec:
            if (body.size() != 1 || body[0] != 1) {
                anomaly(s, TlsAnomaly::UnexpectedRecord,
                        "a ChangeCipherSpec record that is not the single byte 1: ignored", start);
                return;
            }
            // In TLS 1.3 (and before the ServerHello) it is only there for
            // middlebox compatibility (RFC 8446 §D.4) and ignored.
            if (version_ != 0 && version_ != tls::kTls13) {
                s.changeCipherSpecSeen = true;
                installTls12(s);
            }
            return;
        case kAlert:
            alertRecord(s, body, start);
            return;
        case kApplicationData:
            anomaly(s, TlsAnomaly::UnexpectedRecord,
                    std::string("application data from the ") + senderName(s.dir) +
                        " before its ChangeCipherSpec (unprotected): ignored",
                    start);
            return;
        default:
            anomaly(s, TlsAnomaly::UnexpectedRecord,
                    "a record of content type " + std::to_string(type) + " (heartbeat): ignored",
                    start);
            return;
    }
}

void TlsStream::Impl::protectedRecord(Side& s, std::span<const std::uint8_t> record,
                                      std::uint64_t start) {
    if (s.keys == Keys::Off)
        return;
    if (s.dir == Direction::Server && !serverHelloSeen_) {
        anomaly(s, TlsAnomaly::UnexpectedRecord,
                "a protected record from the server before its ServerHello: ignored", start);
        return;
    }
    if (s.keys != Keys::Ready || held_.count(s.dir) > 0) {
        holdRecord(s, record, start);
        return;
    }
    const std::size_t body = record.size() - tls::kRecordHeaderLength;
    if (s.decryptor.tls13() && body > tls::kMaxTls13Body) {
        anomaly(s, TlsAnomaly::RecordOverflow,
                "protected record of " + std::to_string(body) + " bytes is over the " +
                    std::to_string(tls::kMaxTls13Body) +
                    "-byte TLS 1.3 limit: decryption of this direction stops",
                start);
        stopSide(s);
        return;
    }
    std::uint8_t type = 0;
    std::span<const std::uint8_t> content;
    const std::uint64_t sequence = s.decryptor.sequence();
    const Opened opened = open(s, record, sequence, type, content);
    if (opened == Opened::Ok) {
        dispatchContent(s, type, content, start, start + record.size());
        return;
    }
    if (s.skippingEarlyData && s.earlyRecordsSkipped < limits_.maxEarlyDataRecords) {
        // 0-RTT records come first and fail under the handshake key; the
        // server skips them the same way (RFC 8446 §4.2.10).
        if (s.earlyRecordsSkipped++ == 0)
            anomaly(s, TlsAnomaly::EarlyDataNotDecrypted,
                    "the client's 0-RTT early data is not decrypted", start);
        return;
    }
    std::string detail;
    TlsAnomaly kind = TlsAnomaly::RecordAuthenticationFailed;
    if (opened == Opened::Invalid) {
        detail = "protected record of " + std::to_string(body) +
                 " bytes is shorter than the cipher's nonce and tag";
    } else if (s.firstRecordUnderKey) {
        kind = TlsAnomaly::WrongKey;
        detail = std::string("the first record of the ") + senderName(s.dir) + " under the " +
                 std::string(keyLogLabelName(s.wantedLabel)) +
                 "-derived key fails authentication: the key log's secret for client random " +
                 info_.clientRandom + " is wrong";
    } else {
        detail = "record " + std::to_string(sequence) + " of the " + senderName(s.dir) +
                 " fails authentication (corrupted or not from this connection)";
    }
    anomaly(s, kind, detail + ": decryption of this direction stops", start);
    stopSide(s);
}

void TlsStream::Impl::holdRecord(Side& s, std::span<const std::uint8_t> record,
                                 std::uint64_t start) {
    const bool beforeServerHello = s.keys == Keys::Unknown;
    // Without a key log no retry can ever find the key: nothing is held for one.
    const std::size_t limit = beforeServerHello
                                  ? std::max(limits_.maxHeldBytes, kMinimumHeldBeforeServerHello)
                                  : (keyLog_ ? limits_.maxHeldBytes : 0);
    if (held_.bytes() + record.size() <= limit && held_.hold(s.dir, record, start))
        return;
    const std::size_t dropped = held_.count(s.dir);
    held_.drop(s.dir);
    s.keys = Keys::Off;
    // Without a key the no-key anomaly has said it all; before the
    // ServerHello this is news.
    if (beforeServerHello)
        anomaly(s, TlsAnomaly::HeldRecordsDropped,
                "more than " + std::to_string(limit) + " bytes of protected records from the " +
                    senderName(s.dir) + " before the ServerHello: " + std::to_string(dropped + 1) +
                    " records dropped, this direction is not decrypted",
                start);
}

TlsStream::Impl::Opened TlsStream::Impl::open(Side& s, std::span<const std::uint8_t> record,
                                              std::uint64_t sequence, std::uint8_t& type,
                                              std::span<const std::uint8_t>& content) {
    if (plaintext_.empty())
        plaintext_.resize(tls::kMaxTls12Body);
    std::size_t length = 0;
    switch (s.decryptor.open(record, sequence, plaintext_.data(), length)) {
        case tls::RecordDecryptor::Result::TooShort:
            return Opened::Invalid;
        case tls::RecordDecryptor::Result::AuthenticationFailed:
            return Opened::Failed;
        case tls::RecordDecryptor::Result::Ok:
            break;
    }
    s.decryptor.setSequence(sequence + 1);
    s.firstRecordUnderKey = false;
    s.skippingEarlyData = false;
    type = record[0];
    if (s.decryptor.tls13()) {
        // TLSInnerPlaintext: content, the real type, then zero padding (RFC 8446 §5.2).
        while (length > 0 && plaintext_[length - 1] == 0)
            --length;
        if (length == 0) {
            type = 0;  // dispatchContent reports it
        } else {
            type = plaintext_[length - 1];
            --length;
        }
    }
    content = std::span<const std::uint8_t>(plaintext_.data(), length);
    return Opened::Ok;
}

void TlsStream::Impl::dispatchContent(Side& s, std::uint8_t type,
                                      std::span<const std::uint8_t> content, std::uint64_t start,
                                      std::uint64_t end) {
    if (content.size() > tls::kMaxPlaintext) {
        anomaly(s, TlsAnomaly::RecordOverflow,
                "plaintext of " + std::to_string(content.size()) +
                    " bytes is over the 16384-byte limit: decryption of this direction stops",
                start);
        stopSide(s);
        return;
    }
    switch (type) {
        case kApplicationData:
            if (version_ == tls::kTls13 && s.epoch < 2) {
                anomaly(s, TlsAnomaly::UnexpectedRecord,
                        "application data under the handshake keys: ignored", start);
                return;
            }
            if (!content.empty())
                listener_.onPlaintext(s.dir, content, start, end);
            return;
        case kHandshake:
            if (content.empty()) {
                anomaly(s, TlsAnomaly::UnexpectedRecord,
                        "an empty handshake record (RFC 8446 §5.1 forbids them)", start);
                return;
            }
            s.handshake.feed(content, s.handshakeAdapter);
            return;
        case kAlert:
            alertRecord(s, content, start);
            return;
        case kChangeCipherSpec:
            // TLS 1.2 renegotiation: the new ChangeCipherSpec comes under the old keys.
            if (version_ == tls::kTls12 && content.size() == 1 && content[0] == 1) {
                installTls12(s);
                return;
            }
            break;
        default:
            break;
    }
    anomaly(s, TlsAnomaly::UnexpectedRecord,
            type == 0 ? std::string("a TLS 1.3 record without a content type (all padding)")
                      : "a protected record of content type " + std::to_string(type) + ": ignored",
            start);
}

void TlsStream::Impl::alertRecord(Side& s, std::span<const std::uint8_t> content,
                                  std::uint64_t start) {
    if (content.empty() || content.size() % 2 != 0) {
        anomaly(s, TlsAnomaly::UnexpectedRecord,
                "an alert record of " + std::to_string(content.size()) +
                    " bytes (alerts are 2 bytes each)",
                start);
        return;
    }
    // Several alerts may share a record; a handful are reported.
    for (std::size_t i = 0; i + 1 < content.size() && i < 16; i += 2) {
        if (content[i + 1] == tls::kAlertCloseNotify)
            continue;
        anomaly(s, TlsAnomaly::Alert,
                std::string("the ") + senderName(s.dir) + " sent a " +
                    (content[i] == tls::kAlertFatal ? "fatal" : "warning") +
                    " alert: " + tls::alertName(content[i + 1]),
                start);
    }
}

void TlsStream::Impl::stopSide(Side& s) {
    s.keys = Keys::Off;
    s.decryptor.clear();
    s.reader.stop();
    held_.drop(s.dir);
}

void TlsStream::Impl::keysReady(Side& s) {
    s.keys = Keys::Ready;
    s.firstRecordUnderKey = true;
    if (held_.count(s.dir) > 0)
        replayPending_ = true;
}

void TlsStream::Impl::runReplay() {
    // Bounded: a pass only re-holds what still has no key.
    for (int pass = 0; pass < 4 && replayPending_; ++pass) {
        replayPending_ = false;
        held_.drain(
            [this](Direction dir, std::span<const std::uint8_t> record, std::uint64_t start) {
                Side& s = side(dir);
                currentRecordStart_[index(s)] = start;
                if (isProtected(s, record[0]))
                    protectedRecord(s, record, start);
                else
                    cleartextRecord(s, record, start);
            });
    }
}

bool TlsStream::Impl::onResyncCandidate(Side& s, std::span<const std::uint8_t> record,
                                        std::uint64_t start) {
    if (s.keys != Keys::Ready || held_.count(s.dir) > 0)
        return false;
    const std::size_t body = record.size() - tls::kRecordHeaderLength;
    if ((version_ == tls::kTls13 && record[0] != kApplicationData) ||
        body < s.decryptor.minimumBody() || (s.decryptor.tls13() && body > tls::kMaxTls13Body))
        return false;
    const std::uint64_t base = s.decryptor.sequence();
    auto attempt = [&](std::uint64_t sequence) {
        std::uint8_t type = 0;
        std::span<const std::uint8_t> content;
        if (open(s, record, sequence, type, content) != Opened::Ok)
            return false;
        currentRecordStart_[index(s)] = start;
        anomaly(s, TlsAnomaly::Resynchronized,
                "decryption of the " + std::string(senderName(s.dir)) +
                    " resumed at the record at stream offset " + std::to_string(start) + " (" +
                    std::to_string(sequence - base) + " records lost in the gap)",
                start);
        dispatchContent(s, type, content, start, start + record.size());
        return true;
    };
    // TLS 1.2 AES-GCM: senders usually put the sequence number in the
    // explicit nonce, which makes the first try the right one.
    std::uint64_t guess = 0;
    const bool guessed = s.decryptor.explicitNonce(record, guess) && guess >= base &&
                         guess - base < (std::uint64_t{1} << 32);
    if (guessed && attempt(guess))
        return true;
    for (std::uint64_t k = 0; k < limits_.resyncSequenceTries; ++k)
        if (!(guessed && base + k == guess) && attempt(base + k))
            return true;
    return false;
}

void TlsStream::Impl::onFramingLost(Side& s, tls::RecordHandler::Loss loss, std::string detail,
                                    std::uint64_t offset) {
    TlsAnomaly kind = TlsAnomaly::Gap;
    if (loss == tls::RecordHandler::Loss::NotARecord)
        kind = TlsAnomaly::MalformedRecord;
    else if (loss == tls::RecordHandler::Loss::Overflow)
        kind = TlsAnomaly::RecordOverflow;
    else
        detail = "cannot resynchronise after the gap: " + detail;
    anomaly(s, kind, detail + ": the rest of this direction is not read", offset);
    s.keys = Keys::Off;
    s.decryptor.clear();
    s.handshake.reset();
    held_.drop(s.dir);
}

// --- TlsStream ---------------------------------------------------------------

TlsStream::TlsStream(TlsListener& listener, const KeyLog* keyLog, TlsLimits limits)
    : impl_(std::make_unique<Impl>(listener, keyLog, limits)) {}

TlsStream::~TlsStream() = default;

void TlsStream::startAt(Direction dir, std::uint64_t offset) {
    Impl::Side& s = impl_->side(dir);
    if (!s.fed)
        s.reader = tls::RecordReader(offset, {impl_->limits_.resyncCandidates, 256u << 10});
}

void TlsStream::feed(Direction dir, std::span<const std::uint8_t> bytes) {
    if (impl_->finished_ || bytes.empty())
        return;
    Impl::Side& s = impl_->side(dir);
    s.fed = true;
    s.reader.feed(bytes, s.recordAdapter);
    impl_->runReplay();
}

void TlsStream::gap(Direction dir, std::uint64_t missing) {
    if (impl_->finished_ || missing == 0)
        return;
    Impl::Side& s = impl_->side(dir);
    s.fed = true;
    if (s.reader.stopped()) {
        s.reader.gap(missing);
        return;
    }
    const std::uint64_t at = s.reader.offset();
    const bool protectedPhase =
        impl_->version_ == tls::kTls13 ? s.epoch >= 1 : s.changeCipherSpecSeen;
    const bool canResync = s.keys == Impl::Keys::Ready && impl_->held_.count(dir) == 0 &&
                           !s.skippingEarlyData && protectedPhase;
    s.handshake.reset();
    s.reader.gap(missing);
    std::string detail = std::to_string(missing) + " bytes of the " +
                         (dir == Direction::Client ? "client" : "server") +
                         " missing at stream offset " + std::to_string(at) +
                         ": the record boundary and sequence number are lost";
    if (canResync) {
        impl_->anomaly(s, TlsAnomaly::Gap, detail + "; looking for the next record that decrypts",
                       at);
        return;
    }
    impl_->anomaly(s, TlsAnomaly::Gap, detail + ": decryption of this direction stops", at);
    impl_->stopSide(s);
}

void TlsStream::finish() {
    Impl& d = *impl_;
    if (d.finished_)
        return;
    d.finished_ = true;
    for (Impl::Side* s : {&d.client_, &d.server_}) {
        const std::size_t pending = s->reader.pendingBytes();
        if (pending == 0)
            continue;
        const std::size_t whole = s->reader.pendingRecordLength();
        d.anomaly(*s, TlsAnomaly::TruncatedRecord,
                  whole == 0 ? "the stream ends inside a record header (" +
                                   std::to_string(pending) + " of 5 bytes)"
                             : "the stream ends inside a record (" + std::to_string(pending) +
                                   " of " + std::to_string(whole) + " bytes)",
                  s->reader.pendingStart());
    }
    if (!d.serverHelloSeen_ && d.client_.protectedRecords > 0 && d.client_.keys != Impl::Keys::Off)
        d.anomaly(d.client_, TlsAnomaly::NoKey,
                  "no ServerHello was seen: the client's " +
                      std::to_string(d.client_.protectedRecords) +
                      " protected records are not decrypted",
                  d.client_.reader.offset());
    // Waiting for a ServerHello that cannot come any more.
    for (Impl::Side* s : {&d.client_, &d.server_})
        if (s->keys == Impl::Keys::Unknown)
            d.held_.drop(s->dir);
}

bool TlsStream::retryKeys() {
    const bool found = impl_->retryKeys();
    impl_->runReplay();
    return found;
}

bool TlsStream::waitingForKeys() const {
    return impl_->keyLog_ && (impl_->client_.keys == Impl::Keys::Missing ||
                              impl_->server_.keys == Impl::Keys::Missing);
}

std::size_t TlsStream::heldBytes() const {
    return impl_->held_.bytes();
}

void TlsStream::dropHeldRecords() {
    Impl& d = *impl_;
    if (d.held_.empty())
        return;
    for (Impl::Side* s : {&d.client_, &d.server_}) {
        if (d.held_.count(s->dir) == 0)
            continue;
        d.anomaly(*s, TlsAnomaly::HeldRecordsDropped,
                  std::to_string(d.held_.count(s->dir)) + " records of the " +
                      (s->dir == Direction::Client ? "client" : "server") +
                      " waiting for keys were dropped (memory bound): this direction is not "
                      "decrypted",
                  d.currentRecordStart_[Impl::index(*s)]);
        s->keys = Impl::Keys::Off;
    }
    d.held_.clear();
}

const TlsInfo& TlsStream::info() const {
    return impl_->info_;
}

TlsDetection detectTlsClientHello(std::span<const std::uint8_t> b) {
    // handshake record, version 3.x, then a ClientHello message header.
    if (b.size() > 0 && b[0] != kHandshake)
        return TlsDetection::NotTls;
    if (b.size() > 1 && b[1] != 3)
        return TlsDetection::NotTls;
    if (b.size() > 2 && b[2] > 4)
        return TlsDetection::NotTls;
    if (b.size() > 4 && (b[3] << 8 | b[4]) < 4)
        return TlsDetection::NotTls;
    if (b.size() > 5 && b[5] != static_cast<std::uint8_t>(tls::HandshakeType::ClientHello))
        return TlsDetection::NotTls;
    return b.size() > 5 ? TlsDetection::ClientHello : TlsDetection::NeedMoreData;
}

}  // namespace sockscope::dissector
