#include "connection.h"

#include <algorithm>

#include <sockscope/core/extension_header.h>
#include <sockscope/core/handshake.h>

namespace sockscope::dissector::detail {

std::vector<std::pair<std::string, std::string>> headerPairs(const HttpFields& fields) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : fields.list)
        out.emplace_back(f.name, f.value);
    return out;
}

namespace {

// Bytes a side may hold before the connection's nature is known (enough for
// two large frames when recognising a stream without its handshake).
constexpr std::size_t kMaxPending = 1u << 20;
// Chained frames that count as evidence of WebSocket without a handshake.
constexpr int kFramesForEvidence = 2;

// What the client offered, rebuilt from its request, so the response can be
// checked the way the client itself would (RFC 6455 §4.1).
ClientHandshakeOptions offerFromRequest(const HttpRequest& request) {
    ClientHandshakeOptions options;
    options.target = request.target;
    const std::string protocols = request.fields.combined("Sec-WebSocket-Protocol");
    std::size_t start = 0;
    while (start <= protocols.size() && !protocols.empty()) {
        std::size_t comma = protocols.find(',', start);
        if (comma == std::string::npos)
            comma = protocols.size();
        std::string token = protocols.substr(start, comma - start);
        token.erase(0, token.find_first_not_of(" \t"));
        token.erase(token.find_last_not_of(" \t") + 1);
        if (!token.empty())
            options.subprotocols.push_back(token);
        start = comma + 1;
    }
    const ExtensionListParse extensions =
        parseExtensionList(request.fields.combined("Sec-WebSocket-Extensions"));
    for (const Extension& e : extensions.extensions) {
        if (e.name != kPermessageDeflate)
            continue;
        DeflateClientOffer offer;
        offer.clientMaxWindowBitsValueless = false;
        for (const ExtensionParam& p : e.params) {
            if (p.name == "server_no_context_takeover")
                offer.serverNoContextTakeover = true;
            else if (p.name == "client_no_context_takeover")
                offer.clientNoContextTakeover = true;
            else if (p.name == "server_max_window_bits" && p.value)
                offer.serverMaxWindowBits = std::atoi(p.value->c_str());
            else if (p.name == "client_max_window_bits" && p.value)
                offer.clientMaxWindowBits = std::atoi(p.value->c_str());
            else if (p.name == "client_max_window_bits")
                offer.clientMaxWindowBitsValueless = true;
        }
        options.deflate = offer;
        break;
    }
    return options;
}

// Consecutive well-formed frames at the start of `bytes`, all with the same
// MASK bit (returned in `masked`); 0 when the first header is not plausible.
int chainedFrames(std::span<const std::uint8_t> bytes, bool& masked) {
    int frames = 0;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const HeaderParse parse = parseFrameHeader(bytes.subspan(at));
        if (parse.status == HeaderStatus::NeedMore)
            break;
        const FrameHeader& h = parse.header;
        if (parse.violation || h.rsv2 || h.rsv3 || isReservedOpcode(h.opcode) ||
            (isControlOpcode(h.opcode) && (!h.fin || h.payloadLength > 125)) ||
            (frames > 0 && h.masked != masked))
            return frames == 0 ? 0 : frames;
        masked = h.masked;
        const std::uint64_t end = at + parse.consumed + h.payloadLength;
        if (end > bytes.size())
            break;
        at = static_cast<std::size_t>(end);
        ++frames;
    }
    return frames;
}

}  // namespace

Connection::Side::Side(Connection& c, SocketAddress a, int i)
    : connection(c), address(a), index(i), reassembler(*this, c.shared_.options.tcp) {}

Connection::Connection(DissectorShared& shared, const TcpSegment& first)
    : shared_(shared), a_(*this, first.source, 0), b_(*this, first.destination, 1) {
    const bool syn = first.flags & tcp_flag::Syn;
    const bool ack = first.flags & tcp_flag::Ack;
    if (syn && !ack)
        client_ = &a_;
    else if (syn && ack)
        client_ = &b_;
    midStream_ = !syn;
}

Connection::~Connection() {
    shared_.tlsHeldBytes -= std::min(shared_.tlsHeldBytes, tlsHeld_);
}

void Connection::segment(const TcpSegment& segment, const StreamOrigin& origin) {
    if (ended_)
        return;
    Side& side = segment.source == a_.address ? a_ : b_;
    side.reassembler.segment(segment, origin);
}

void Connection::finish(const StreamOrigin& origin) {
    a_.reassembler.flush(origin);
    b_.reassembler.flush(origin);
    if (ended_)
        return;
    ended_ = true;
    if (tls_)
        finishTls(origin);
    if (conn_ == 0)
        return;
    const bool closed =
        a_.websocket && b_.websocket && a_.websocket->closeSeen() && b_.websocket->closeSeen();
    shared_.sink->onEnd({conn_, origin.ts, closed ? EndHow::CloseHandshake : EndHow::CaptureEnd});
}

void Connection::Side::onStreamData(std::span<const std::uint8_t> bytes, std::uint64_t streamOffset,
                                    const StreamOrigin& origin) {
    Connection& c = connection;
    if (c.tls_) {
        c.feedTls(*this, bytes, origin);
        return;
    }
    onApplicationData(bytes, streamOffset, origin);
}

void Connection::Side::onApplicationData(std::span<const std::uint8_t> bytes,
                                         std::uint64_t streamOffset, const StreamOrigin& origin) {
    Connection& c = connection;
    if (c.phase_ == Phase::NotWebSocket)
        return;
    if (c.phase_ == Phase::WebSocket) {
        websocket->data(bytes, streamOffset, origin);
        return;
    }
    if (pending.empty())
        pendingOffset = streamOffset;
    pendingRuns.emplace_back(streamOffset, origin);
    pending.insert(pending.end(), bytes.begin(), bytes.end());
    c.classify(*this, origin);
    // Nothing recognisable in the first bytes (a handshake head may be as
    // long as the user's limit allows).
    if (c.phase_ != Phase::WebSocket &&
        pending.size() > std::max(kMaxPending, c.shared_.options.limits.maxHandshakeBytes))
        c.phase_ = Phase::NotWebSocket;
}

void Connection::Side::onStreamGap(std::uint64_t streamOffset, std::uint64_t missing,
                                   const StreamOrigin& origin) {
    Connection& c = connection;
    if (c.conn_ != 0) {
        const auto& info = captureAnomalyInfo(CaptureAnomaly::TcpGap);
        c.anomaly(c.client_ ? std::optional(c.directionOf(*this)) : std::nullopt,
                  std::string(info.id), std::string(info.rfc),
                  std::to_string(missing) + " bytes missing at stream offset " +
                      std::to_string(streamOffset),
                  origin);
    }
    if (c.tls_) {
        // The records the bytes belonged to are lost: the decoder looks for
        // the next one, and the decrypted stream gets a gap of its own.
        c.tlsOrigin_ = origin;
        c.tls_->gap(c.directionOf(*this), missing);
        if (!c.earlyTlsAnomalies_.empty())
            c.announceTls(origin);
        plaintextAfterGap = true;
        return;
    }
    onApplicationGap(streamOffset, missing, origin);
}

void Connection::Side::onApplicationGap(std::uint64_t streamOffset, std::uint64_t missing,
                                        const StreamOrigin& origin) {
    Connection& c = connection;
    if (c.phase_ == Phase::WebSocket) {
        websocket->gap(streamOffset, missing, origin);
    } else if (c.phase_ != Phase::NotWebSocket) {
        // Held bytes no longer lead into what follows: start over after the gap.
        pending.clear();
        pendingRuns.clear();
        headScan.reset();
        if (c.phase_ == Phase::AwaitResponse)
            c.phase_ = Phase::NotWebSocket;
    }
}

void Connection::Side::onStreamAnomaly(CaptureAnomaly kind, std::string detail,
                                       const StreamOrigin& origin) {
    Connection& c = connection;
    if (c.conn_ == 0)
        return;
    const auto& info = captureAnomalyInfo(kind);
    c.anomaly(c.client_ ? std::optional(c.directionOf(*this)) : std::nullopt, std::string(info.id),
              std::string(info.rfc), std::move(detail), origin);
}

void Connection::Side::onStreamEnd(bool wasReset, const StreamOrigin& origin) {
    ended = true;
    reset = reset || wasReset;
    connection.endIfBothEnded(origin);
}

void Connection::endIfBothEnded(const StreamOrigin& origin) {
    if (ended_ || !(a_.reset || b_.reset || (a_.ended && b_.ended)))
        return;
    if (tls_ && shared_.options.keyLog && shared_.options.tlsKeyWaitSeconds > 0 &&
        tls_->waitingForKeys()) {
        if (!keyWaitSince_)
            keyWaitSince_ = origin.ts;
        return;  // keysAdded() or expireKeyWait() ends it
    }
    end(origin);
}

void Connection::expireKeyWait(const StreamOrigin& origin) {
    if (!waitingToEnd() ||
        origin.ts.seconds - keyWaitSince_->seconds < shared_.options.tlsKeyWaitSeconds)
        return;
    end(origin);
}

void Connection::end(const StreamOrigin& origin) {
    ended_ = true;
    if (tls_)
        finishTls(origin);
    if (conn_ == 0)
        return;
    const bool closed =
        a_.websocket && b_.websocket && a_.websocket->closeSeen() && b_.websocket->closeSeen();
    const EndHow how = closed                   ? EndHow::CloseHandshake
                       : (a_.reset || b_.reset) ? EndHow::Rst
                                                : EndHow::Fin;
    shared_.sink->onEnd({conn_, origin.ts, how});
}

void Connection::classify(Side& side, const StreamOrigin& origin) {
    if (phase_ == Phase::AwaitResponse) {
        if (&side != client_)
            tryResponse(side, origin);
        return;
    }
    if (!tls_) {
        // A TLS client speaks first, with a ClientHello (RFC 8446 §4.1.2),
        // on any port; TLS inside TLS is not looked for.
        switch (detectTlsClientHello(side.pending)) {
            case TlsDetection::ClientHello:
                startTls(side, origin);
                return;
            case TlsDetection::NeedMoreData:
                return;
            case TlsDetection::NotTls:
                break;
        }
    }
    const std::uint8_t first = side.pending.front();
    if (tls_ && &side != client_ && first == 'H') {
        tryResponseWithoutRequest(side, origin);  // the request stayed encrypted
        return;
    }
    if (first >= 'A' && first <= 'Z') {
        tryRequest(side, origin);  // a handshake wins over --ws-port
        return;
    }
    const auto& ports = shared_.options.wsPorts;
    const bool aServes = ports.count(a_.address.port) > 0;
    const bool bServes = ports.count(b_.address.port) > 0;
    if (aServes || bServes) {
        Side& client = bServes ? a_ : b_;
        const auto& info = captureAnomalyInfo(CaptureAnomaly::HandshakeNotSeen);
        announce(client, origin);
        anomaly(std::nullopt, std::string(info.id), std::string(info.rfc),
                "decoded as WebSocket because of --ws-port " +
                    std::to_string(bServes ? b_.address.port : a_.address.port) +
                    "; no handshake seen, so no extension is known",
                origin);
        becomeWebSocket(client, std::nullopt, false, origin);
        return;
    }
    if (midStream_ && shared_.options.detectWithoutHandshake) {
        tryDetectWithoutHandshake(origin);
        return;
    }
    phase_ = Phase::NotWebSocket;  // a WebSocket connection starts with its handshake
}

void Connection::tryRequest(Side& side, const StreamOrigin& origin) {
    const DissectorOptions& options = shared_.options;
    if (!side.headScan.due(side.pending, options.limits.maxHandshakeBytes))
        return;
    auto parse = parseHttpRequest(side.pending, options.limits.maxHandshakeBytes,
                                  options.limits.maxHeaderFields);
    if (parse.status == ParseStatus::NeedMore)
        return;
    if (parse.status == ParseStatus::Error &&
        parse.error->kind == ViolationKind::HandshakeTooLarge) {
        // Over a limit of ours: it may well have been a handshake, say so.
        anomaly(directionOf(side), std::string(parse.error->id()), std::string(parse.error->rfc()),
                parse.error->detail + "; not dissected as a WebSocket handshake", origin);
    }
    if (parse.status == ParseStatus::Error ||
        !parse.message.fields.hasToken("Upgrade", "websocket")) {
        phase_ = Phase::NotWebSocket;  // plain HTTP (or not HTTP at all)
        return;
    }
    client_ = &side;
    request_ = std::move(parse.message);
    requestHeadSize_ = parse.consumed;
    side.pending.erase(side.pending.begin(),
                       side.pending.begin() + static_cast<std::ptrdiff_t>(parse.consumed));
    side.pendingOffset += parse.consumed;
    side.headScan.reset();
    announce(side, origin);
    phase_ = Phase::AwaitResponse;
    Side& server = other(side);
    if (!server.pending.empty())
        tryResponse(server, origin);
}

void Connection::tryResponse(Side& side, const StreamOrigin& origin) {
    const DissectorOptions& options = shared_.options;
    if (!side.headScan.due(side.pending, options.limits.maxHandshakeBytes))
        return;
    auto parse = parseHttpResponse(side.pending, options.limits.maxHandshakeBytes,
                                   options.limits.maxHeaderFields);
    if (parse.status == ParseStatus::NeedMore)
        return;
    if (parse.status == ParseStatus::Error) {
        anomaly(Direction::Server, std::string(parse.error->id()), std::string(parse.error->rfc()),
                parse.error->detail, origin);
        phase_ = Phase::NotWebSocket;
        return;
    }
    const HttpResponse& response = parse.message;
    const std::string key(request_.fields.get("Sec-WebSocket-Key").value_or(""));
    const ClientHandshakeOptions offered = offerFromRequest(request_);

    HandshakeEvent h;
    h.conn = conn_;
    h.ts = origin.ts;
    h.packet = origin.packet;
    h.target = request_.target;
    h.status = response.status;
    h.acceptOk =
        response.fields.get("Sec-WebSocket-Accept").value_or("") == computeWebSocketAccept(key);
    if (auto protocol = response.fields.get("Sec-WebSocket-Protocol"))
        h.subprotocol = std::string(*protocol);
    h.extensions = response.fields.combined("Sec-WebSocket-Extensions");
    h.requestHeaders = headerPairs(request_.fields);
    h.responseHeaders = headerPairs(response.fields);

    side.pending.erase(side.pending.begin(),
                       side.pending.begin() + static_cast<std::ptrdiff_t>(parse.consumed));
    side.pendingOffset += parse.consumed;
    side.headScan.reset();
    if (response.status != 101) {
        shared_.sink->onHandshake(h);
        phase_ = Phase::NotWebSocket;  // the server refused: the flow stays plain HTTP
        return;
    }
    const ClientHandshakeResult check = checkServerResponse(response, offered, key);
    h.deflate = check.deflate;
    shared_.sink->onHandshake(h);
    if (check.error)
        anomaly(Direction::Server, std::string(check.error->id()), std::string(check.error->rfc()),
                check.error->detail, origin);
    // A response the client would reject still carries frames; decode them,
    // but an extension we could not validate leaves RSV1 unexplained.
    const bool extensionsKnown = !check.error || h.extensions.empty();
    becomeWebSocket(*client_, check.deflate, extensionsKnown, origin);
}

bool Connection::tryDetectWithoutHandshake(const StreamOrigin& origin) {
    for (Side* side : {&a_, &b_}) {
        bool masked = false;
        const int frames = chainedFrames(side->pending, masked);
        if (frames < kFramesForEvidence)
            continue;
        Side& client = masked ? *side : other(*side);
        bool otherMasked = false;
        const int otherFrames = chainedFrames(other(*side).pending, otherMasked);
        const bool corroborated = otherFrames >= 1 && otherMasked != masked;
        const auto& info = captureAnomalyInfo(CaptureAnomaly::HandshakeNotSeen);
        announce(client, origin);
        const auto& mid = captureAnomalyInfo(CaptureAnomaly::MidStream);
        anomaly(std::nullopt, std::string(mid.id), std::string(mid.rfc),
                "the capture starts in the middle of this connection (no SYN)", origin);
        anomaly(std::nullopt, std::string(info.id), std::string(info.rfc),
                "recognised as WebSocket without a handshake: " + std::to_string(frames) +
                    " consecutive valid frames, " + (masked ? "masked" : "unmasked") +
                    (corroborated ? ", and the other direction's frames are the opposite "
                                    "(confidence: high)"
                                  : " (confidence: medium)") +
                    "; extensions unknown",
                origin);
        becomeWebSocket(client, std::nullopt, false, origin);
        return true;
    }
    if (a_.pending.size() + b_.pending.size() > 2 * kMaxPending)
        phase_ = Phase::NotWebSocket;
    return false;
}

void Connection::announce(Side& client, const StreamOrigin& origin) {
    if (conn_ != 0)
        return;
    client_ = &client;
    conn_ = shared_.nextConnId++;
    ConnectionEvent e{conn_, client.address, other(client).address, origin.ts, origin.packet, {}};
    e.tls = tlsInfo();
    shared_.sink->onConnection(e);
}

void Connection::becomeWebSocket(Side& client, std::optional<DeflateParams> deflate,
                                 bool handshakeSeen, const StreamOrigin& origin) {
    announce(client, origin);
    client_ = &client;
    phase_ = Phase::WebSocket;
    for (Side* side : {&a_, &b_}) {
        DirectionContext context{conn_,
                                 directionOf(*side),
                                 shared_.sink,
                                 &shared_.options,
                                 &shared_.unmaskScratch,
                                 &shared_.payloadBuffers,
                                 tls_ != nullptr};
        side->websocket = std::make_unique<WebSocketDirection>(context, deflate, handshakeSeen,
                                                               side->pendingOffset);
    }
    replayPending(client);
    replayPending(other(client));
}

void Connection::replayPending(Side& side) {
    const std::uint64_t end = side.pendingOffset + side.pending.size();
    for (std::size_t i = 0; i < side.pendingRuns.size(); ++i) {
        const std::uint64_t runStart = std::max(side.pendingRuns[i].first, side.pendingOffset);
        const std::uint64_t runEnd =
            i + 1 < side.pendingRuns.size() ? side.pendingRuns[i + 1].first : end;
        if (runEnd <= runStart)
            continue;
        const std::span<const std::uint8_t> bytes(
            side.pending.data() + (runStart - side.pendingOffset), runEnd - runStart);
        // The handshake took the start of this run (frames sharing the 101's
        // segment): in the packet, the frames start that much later.
        // Decrypted bytes have no place in a packet's data to point at.
        StreamOrigin origin = side.pendingRuns[i].second;
        if (!tls_)
            origin.packetOffset += std::uint32_t(runStart - side.pendingRuns[i].first);
        side.websocket->data(bytes, runStart, origin);
    }
    side.pending = {};
    side.pendingRuns = {};
    side.headScan.reset();
}

void Connection::anomaly(std::optional<Direction> dir, std::string kind, std::string rfc,
                         std::string detail, const StreamOrigin& origin) {
    AnomalyEvent e;
    e.conn = conn_;
    e.dir = dir;
    e.ts = origin.ts;
    e.packet = origin.packet;
    e.kind = std::move(kind);
    e.rfc = std::move(rfc);
    e.detail = std::move(detail);
    shared_.sink->onAnomaly(e);
}

}  // namespace sockscope::dissector::detail
