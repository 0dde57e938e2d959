// Connection's TLS side: the decoder's plaintext fed to the HTTP-upgrade and
// WebSocket code, its facts and anomalies to the sink, and the key wait of a
// live capture.
#include "connection.h"

#include <algorithm>

#include <sockscope/core/extension_header.h>

namespace sockscope::dissector::detail {
namespace {

// Where a decrypted stream resumes after TCP lost some of its records: far
// enough that no frame in progress could reach it.
constexpr std::uint64_t kUnknownPlaintextGap = std::uint64_t{1} << 40;

std::string keyStatusName(TlsKeyStatus status) {
    switch (status) {
        case TlsKeyStatus::Found:
            return "found";
        case TlsKeyStatus::Partial:
            return "partial";
        case TlsKeyStatus::Missing:
            return "missing";
        case TlsKeyStatus::NotDecryptable:
            return "not-decryptable";
        case TlsKeyStatus::Pending:
            break;
    }
    return "pending";
}

}  // namespace

std::optional<TlsConnectionInfo> Connection::tlsInfo() const {
    if (!tls_)
        return std::nullopt;
    const TlsInfo& info = tls_->info();
    TlsConnectionInfo out;
    out.version = info.versionName;
    out.cipherSuite = info.cipherSuiteName;
    out.serverName = info.serverName;
    out.alpnOffered = info.alpnOffered;
    out.alpnSelected = info.alpnSelected;
    out.keys = keyStatusName(info.keys);
    return out;
}

void Connection::startTls(Side& client, const StreamOrigin& origin) {
    client_ = &client;
    tlsBridge_ = std::make_unique<TlsBridge>(*this);
    tls_ = std::make_unique<TlsStream>(*tlsBridge_, shared_.options.keyLog, shared_.options.tls);
    // The ciphertext held so far goes to the decoder; from here on the sides'
    // held bytes are decrypted ones.
    for (Side* side : {&client, &other(client)}) {
        std::vector<std::uint8_t> held = std::move(side->pending);
        tls_->startAt(directionOf(*side), held.empty() ? 0 : side->pendingOffset);
        side->pending = {};
        side->headScan.reset();
        side->pendingRuns = {};
        side->pendingOffset = 0;
        if (!held.empty())
            feedTls(*side, held, origin);
    }
}

void Connection::feedTls(Side& side, std::span<const std::uint8_t> bytes,
                         const StreamOrigin& origin) {
    tlsOrigin_ = origin;
    tls_->feed(directionOf(side), bytes);
    // The connection is announced with its first plaintext (the upgrade
    // request, as for cleartext), or here, after the whole segment, with the
    // anomalies that say why nothing decrypts: by then the key status is
    // settled (a TLS 1.3 client's application key is looked up after its
    // Finished, well after the ServerHello).
    if (!earlyTlsAnomalies_.empty())
        announceTls(origin);
    if (!heldNoKey_.empty() &&
        origin.ts.seconds - noKeySince_->seconds >= shared_.options.tlsKeyWaitSeconds)
        reportHeldNoKey(origin);
    const std::size_t held = tls_->heldBytes();
    shared_.tlsHeldBytes += held - std::min(held, tlsHeld_);
    shared_.tlsHeldBytes -= std::min(shared_.tlsHeldBytes, tlsHeld_ - std::min(tlsHeld_, held));
    tlsHeld_ = held;
    if (shared_.tlsHeldBytes > shared_.options.maxTlsHeldBytes && held > 0) {
        // Records waiting for keys, over all connections: this one gives up
        // its held records (and says so) rather than memory growing.
        tls_->dropHeldRecords();
        shared_.tlsHeldBytes -= std::min(shared_.tlsHeldBytes, tlsHeld_);
        tlsHeld_ = 0;
    }
}

void Connection::announceTls(const StreamOrigin& origin) {
    if (conn_ == 0)
        announce(*client_, origin);
    for (EarlyTlsAnomaly& early : earlyTlsAnomalies_) {
        const TlsAnomalyInfo& info = tlsAnomalyInfo(early.kind);
        anomaly(early.dir, std::string(info.id), std::string(info.rfc), std::move(early.detail),
                origin);
    }
    earlyTlsAnomalies_.clear();
}

void Connection::finishTls(const StreamOrigin& origin) {
    tlsOrigin_ = origin;
    tls_->finish();
    reportHeldNoKey(origin);
    announceTls(origin);  // a TLS connection shows even when nothing was decrypted
}

void Connection::reportHeldNoKey(const StreamOrigin& origin) {
    noKeyWaitOver_ = true;
    if (heldNoKey_.empty())
        return;
    for (EarlyTlsAnomaly& held : heldNoKey_)
        earlyTlsAnomalies_.push_back(std::move(held));
    heldNoKey_.clear();
    announceTls(origin);
    // A server answer held back while the client's key might still come.
    Side& server = other(*client_);
    if (phase_ == Phase::Unknown && !server.pending.empty())
        classify(server, origin);
}

void Connection::keysAdded(const StreamOrigin& origin) {
    if (!tls_ || !tls_->waitingForKeys())
        return;
    tlsOrigin_ = origin;
    tls_->retryKeys();
    if (tls_->info().keys == TlsKeyStatus::Found) {
        heldNoKey_.clear();  // the wait was worth it: nothing to report
        noKeySince_.reset();
    }
    const std::size_t held = tls_->heldBytes();
    shared_.tlsHeldBytes -= std::min(shared_.tlsHeldBytes, tlsHeld_ - std::min(tlsHeld_, held));
    tlsHeld_ = held;
    if (waitingToEnd())
        endIfBothEnded(origin);
}

void Connection::tryResponseWithoutRequest(Side& server, const StreamOrigin& origin) {
    if (liveKeyWait() && tls_->waitingForKeys())
        return;  // the client's key (and so its request) may still come
    const DissectorOptions& options = shared_.options;
    if (!server.headScan.due(server.pending, options.limits.maxHandshakeBytes))
        return;
    auto parse = parseHttpResponse(server.pending, options.limits.maxHandshakeBytes,
                                   options.limits.maxHeaderFields);
    if (parse.status == ParseStatus::NeedMore)
        return;
    if (parse.status == ParseStatus::Error || parse.message.status != 101 ||
        !parse.message.fields.hasToken("Upgrade", "websocket")) {
        phase_ = Phase::NotWebSocket;
        return;
    }
    const HttpResponse& response = parse.message;
    announce(*client_, origin);
    HandshakeEvent h;
    h.conn = conn_;
    h.ts = origin.ts;
    h.packet = origin.packet;
    h.status = response.status;
    if (auto protocol = response.fields.get("Sec-WebSocket-Protocol"))
        h.subprotocol = std::string(*protocol);
    h.extensions = response.fields.combined("Sec-WebSocket-Extensions");
    h.responseHeaders = headerPairs(response.fields);
    // Without the request, the offer is unknown: the response's deflate
    // parameters are taken as a client offering anything would.
    DeflateClientOffer anyOffer;
    anyOffer.clientMaxWindowBitsValueless = true;
    for (const Extension& e : parseExtensionList(h.extensions).extensions) {
        if (e.name == kPermessageDeflate && !h.deflate)
            h.deflate = checkDeflateResponse(e, anyOffer).params;
    }
    h.detectedWithoutHandshake = true;
    h.detection =
        "only the server's 101 response was decrypted (no key for the client's request); "
        "extensions: " +
        (h.extensions.empty() ? std::string("none") : h.extensions);
    shared_.sink->onHandshake(h);
    server.pending.erase(server.pending.begin(),
                         server.pending.begin() + static_cast<std::ptrdiff_t>(parse.consumed));
    server.pendingOffset += parse.consumed;
    server.headScan.reset();
    becomeWebSocket(*client_, h.deflate, true, origin);
}

void Connection::TlsBridge::onPlaintext(Direction dir, std::span<const std::uint8_t> bytes,
                                        std::uint64_t recordStart, std::uint64_t recordEnd) {
    (void)recordStart;
    (void)recordEnd;
    Connection& c = connection_;
    // While a live capture still waits for one direction's key, the
    // connection's key status is not settled yet.
    if (!(c.liveKeyWait() && c.tls_->waitingForKeys()))
        c.announceTls(c.tlsOrigin_);
    Side& side = c.sideOf(dir);
    // The decrypted bytes lie in no packet: they are attributed to the one
    // that completed their record.
    const StreamOrigin origin{c.tlsOrigin_.packet, 0, c.tlsOrigin_.ts};
    if (side.plaintextAfterGap) {
        // How much plaintext the lost records held is unknown; the WebSocket
        // side resynchronises on frame headers (it never trusts this length).
        side.plaintextAfterGap = false;
        side.onApplicationGap(side.plaintextOffset, kUnknownPlaintextGap, origin);
        side.plaintextOffset += kUnknownPlaintextGap;
    }
    side.onApplicationData(bytes, side.plaintextOffset, origin);
    side.plaintextOffset += bytes.size();
}

void Connection::TlsBridge::onInfo(const TlsInfo&) {
    // Read when the connection is announced (see feedTls).
}

void Connection::TlsBridge::onAnomaly(Direction dir, TlsAnomaly kind, std::string detail,
                                      std::uint64_t streamOffset) {
    Connection& c = connection_;
    detail += " (TLS stream offset " + std::to_string(streamOffset) + ")";
    constexpr std::size_t kMaxEarly = 16;  // a ClientHello raises a few at most
    if (kind == TlsAnomaly::NoKey && c.liveKeyWait()) {
        if (!c.noKeySince_)
            c.noKeySince_ = c.tlsOrigin_.ts;
        if (c.heldNoKey_.size() < kMaxEarly)
            c.heldNoKey_.push_back({dir, kind, std::move(detail)});
        return;
    }
    if (c.conn_ == 0) {
        if (c.earlyTlsAnomalies_.size() < kMaxEarly)
            c.earlyTlsAnomalies_.push_back({dir, kind, std::move(detail)});
        return;
    }
    const TlsAnomalyInfo& info = tlsAnomalyInfo(kind);
    c.anomaly(dir, std::string(info.id), std::string(info.rfc), std::move(detail), c.tlsOrigin_);
}

}  // namespace sockscope::dissector::detail
