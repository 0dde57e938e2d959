#include "sockscope/core/endpoint.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>

namespace sockscope {
namespace {

constexpr std::size_t kRandomPoolSize = 1024;
constexpr std::size_t kMaxCloseReason = 123;  // 125-byte control payload minus the code

}  // namespace

Endpoint::Endpoint(EndpointConfig config) : config_(std::move(config)) {
    if (config_.role == Role::Client) {
        std::array<std::uint8_t, 16> nonce{};
        if (config_.random) {
            config_.random(nonce);
            clientKey_ = base64Encode(nonce);
        } else {
            clientKey_ = generateWebSocketKey();
        }
        request_ = buildClientRequest(config_.client, clientKey_);
        const std::string head = serializeRequest(request_);
        out_.assign(head.begin(), head.end());
        bytesOut_ = out_.size();
    }
}

Endpoint::~Endpoint() = default;

std::optional<EndpointEvent> Endpoint::nextEvent() {
    if (events_.empty())
        return std::nullopt;
    EndpointEvent e = std::move(events_.front());
    events_.pop_front();
    // The answer to a close or a failure goes on the wire only once the
    // application has taken every event before it, so it can still answer
    // the messages that arrived ahead of it (an echo server echoes the
    // message that shared a read with the close or with a bad frame).
    if (std::holds_alternative<event::CloseReceived>(e)) {
        if (config_.autoCloseReply && !closeSent_ && state_ == EndpointState::Closing)
            close(peerCloseCode_ == close_code::NoStatusReceived
                      ? std::nullopt
                      : peerCloseCode_,  // echo the code (§5.5.1); empty answers empty
                  {});
    } else if (const auto* failed = std::get_if<event::ProtocolFailed>(&e)) {
        completeFailure(failed->error);
    }
    return e;
}

std::span<const std::uint8_t> Endpoint::pendingOutput() const {
    return std::span<const std::uint8_t>(out_).subspan(outStart_);
}

void Endpoint::consumeOutput(std::size_t n) {
    outStart_ = std::min(out_.size(), outStart_ + n);
    if (outStart_ == out_.size()) {
        out_.clear();
        outStart_ = 0;
    } else if (outStart_ > (1u << 16) && outStart_ * 2 > out_.size()) {
        out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(outStart_));
        outStart_ = 0;
    }
}

void Endpoint::receive(std::span<const std::uint8_t> bytes) {
    std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
    receive(std::span<std::uint8_t>(copy));
}

void Endpoint::receive(std::span<std::uint8_t> bytes) {
    bytesIn_ += bytes.size();
    if (state_ == EndpointState::Closed || bytes.empty())
        return;
    if (state_ == EndpointState::Connecting) {
        handshakeBuffer_.insert(handshakeBuffer_.end(), bytes.begin(), bytes.end());
        if (headScan_.due(handshakeBuffer_, config_.limits.maxHandshakeBytes))
            processHandshake();
        return;
    }
    processInput(bytes);
}

void Endpoint::receiveEof() {
    if (state_ == EndpointState::Closed)
        return;
    if (state_ == EndpointState::Connecting) {
        events_.push_back(event::HandshakeFailed{
            ProtocolError{ViolationKind::HandshakeMalformed, handshakeBuffer_.size(),
                          "connection closed during the opening handshake"},
            0});
    }
    const bool clean = closeSent_ && closeReceived_;
    finishClosed(clean ? peerCloseCode_ : std::optional<std::uint16_t>(close_code::Abnormal),
                 clean ? peerCloseReason_ : std::string("connection closed without a close frame"),
                 clean);
}

void Endpoint::processHandshake() {
    const std::span<const std::uint8_t> buffered(handshakeBuffer_);
    if (config_.role == Role::Server) {
        auto parse = parseHttpRequest(buffered, config_.limits.maxHandshakeBytes,
                                      config_.limits.maxHeaderFields);
        if (parse.status == ParseStatus::NeedMore)
            return;
        if (parse.status == ParseStatus::Error) {
            const bool tooLarge = parse.error->kind == ViolationKind::HandshakeTooLarge;
            HttpResponse response{"HTTP/1.1",
                                  tooLarge ? 431 : 400,
                                  tooLarge ? "Request Header Fields Too Large" : "Bad Request",
                                  {}};
            rejectHandshake(*parse.error, std::move(response), parse.error->detail + "\n");
            return;
        }
        ServerHandshakeResult answer = answerClientRequest(parse.message, config_.server);
        request_ = std::move(parse.message);
        if (!answer.accepted()) {
            rejectHandshake(*answer.error, std::move(answer.response), std::move(answer.body));
            return;
        }
        const std::string head = serializeResponse(answer.response);
        out_.insert(out_.end(), head.begin(), head.end());
        bytesOut_ += head.size();
        subprotocol_ = answer.subprotocol;
        deflate_ = answer.deflate;
        events_.push_back(event::HandshakeDone{request_, std::move(answer.response),
                                               answer.subprotocol, answer.extensions,
                                               answer.deflate});
        openAfterHead(parse.consumed);
    } else {
        auto parse = parseHttpResponse(buffered, config_.limits.maxHandshakeBytes,
                                       config_.limits.maxHeaderFields);
        if (parse.status == ParseStatus::NeedMore)
            return;
        if (parse.status == ParseStatus::Error) {
            events_.push_back(event::HandshakeFailed{*parse.error, 0});
            state_ = EndpointState::Closed;
            closeTransport_ = true;
            return;
        }
        ClientHandshakeResult check =
            checkServerResponse(parse.message, config_.client, clientKey_);
        if (check.error) {
            events_.push_back(event::HandshakeFailed{*check.error, parse.message.status});
            state_ = EndpointState::Closed;
            closeTransport_ = true;
            return;
        }
        subprotocol_ = check.subprotocol;
        deflate_ = check.deflate;
        events_.push_back(event::HandshakeDone{request_, std::move(parse.message),
                                               check.subprotocol, check.extensions, check.deflate});
        openAfterHead(parse.consumed);
        return;
    }
}

void Endpoint::openAfterHead(std::size_t headSize) {
    // The server's first frames often share a segment with its 101 (and a
    // client may pipeline frames right behind its request).
    std::vector<std::uint8_t> leftover(
        handshakeBuffer_.begin() + static_cast<std::ptrdiff_t>(headSize), handshakeBuffer_.end());
    handshakeBuffer_ = {};
    openWith(leftover);
}

void Endpoint::rejectHandshake(const ProtocolError& error, HttpResponse response,
                               std::string body) {
    if (!response.fields.get("Content-Length")) {
        response.fields.add("Content-Type", "text/plain; charset=utf-8");
        response.fields.add("Content-Length", std::to_string(body.size()));
        response.fields.add("Connection", "close");
    }
    const std::string head = serializeResponse(response) + body;
    out_.insert(out_.end(), head.begin(), head.end());
    bytesOut_ += head.size();
    events_.push_back(event::HandshakeFailed{error, response.status});
    state_ = EndpointState::Closed;
    closeTransport_ = true;
    handshakeBuffer_ = {};
}

void Endpoint::openWith(std::span<std::uint8_t> leftover) {
    state_ = EndpointState::Open;
    MessageReaderConfig readerConfig;
    readerConfig.sender = config_.role == Role::Client ? Role::Server : Role::Client;
    readerConfig.strict = true;
    readerConfig.limits = config_.limits;
    readerConfig.deflate = deflate_;
    reader_ = std::make_unique<MessageReader>(readerConfig, static_cast<MessageSink&>(*this));
    if (deflate_) {
        const bool client = config_.role == Role::Client;
        deflater_.emplace(
            client ? deflate_->clientMaxWindowBits : deflate_->serverMaxWindowBits,
            client ? deflate_->clientNoContextTakeover : deflate_->serverNoContextTakeover);
    }
    if (!leftover.empty())
        processInput(leftover);
}

void Endpoint::processInput(std::span<std::uint8_t> bytes) {
    // After the peer's close nothing more is read (RFC 6455 §5.5.1).
    if (closeReceived_ || !reader_ || reader_->failed())
        return;
    reader_->feed(bytes);
}

// --- MessageSink ---------------------------------------------------------

bool Endpoint::onFrame(const FrameHeader& header, const FrameOffsets& offsets) {
    if (config_.frameEvents)
        events_.push_back(event::FrameReceived{header, offsets});
    return true;
}

bool Endpoint::onMessageBegin(std::uint8_t opcode, bool compressed) {
    assembling_ = event::Message{};
    assembling_.opcode = opcode;
    assembling_.compressed = compressed;
    return true;
}

bool Endpoint::onMessageData(std::span<const std::uint8_t> data) {
    assembling_.payload.insert(assembling_.payload.end(), data.begin(), data.end());
    return true;
}

bool Endpoint::onMessageEnd(const MessageSummary& summary) {
    assembling_.frames = summary.frames;
    assembling_.wireLength = summary.wireLength;
    events_.push_back(std::move(assembling_));
    assembling_ = event::Message{};
    return true;
}

bool Endpoint::onControlFrame(const FrameHeader& header, std::span<const std::uint8_t> payload) {
    switch (static_cast<Opcode>(header.opcode)) {
        case Opcode::Ping:
            events_.push_back(event::Ping{{payload.begin(), payload.end()}});
            if (config_.autoPong && !closeSent_)
                writeFrame(static_cast<std::uint8_t>(Opcode::Pong), true, false, payload);
            return true;
        case Opcode::Pong:
            events_.push_back(event::Pong{{payload.begin(), payload.end()}});
            return true;
        case Opcode::Close:
            receivedClose(payload);
            return false;  // nothing after a close is read
        default:
            return true;
    }
}

void Endpoint::receivedClose(std::span<const std::uint8_t> payload) {
    // The reader has already validated the body (a bad one fails the connection).
    const ClosePayloadResult close = parseClosePayload(payload);
    closeReceived_ = true;
    peerCloseCode_ = close.payload.code
                         ? close.payload.code
                         : std::optional<std::uint16_t>(close_code::NoStatusReceived);
    peerCloseReason_ = close.payload.reason;
    events_.push_back(event::CloseReceived{close.payload.code, close.payload.reason});
    if (closeSent_) {
        finishClosed(peerCloseCode_, peerCloseReason_, true);
    } else {
        state_ = EndpointState::Closing;  // our answer goes out from nextEvent() or close()
    }
}

bool Endpoint::onViolation(const ProtocolError& error) {
    // The reader stops here; the close frame is written when the application
    // takes the ProtocolFailed event (see nextEvent()).
    events_.push_back(event::ProtocolFailed{error});
    return false;
}

void Endpoint::completeFailure(const ProtocolError& error) {
    if (state_ == EndpointState::Closed)
        return;
    if (!closeSent_) {
        std::string reason(error.id());
        writeFrame(static_cast<std::uint8_t>(Opcode::Close), true, false,
                   buildClosePayload(error.closeCode(), reason.substr(0, kMaxCloseReason)));
        closeSent_ = true;
        closedFirstByUs_ = !closeReceived_;
    }
    finishClosed(error.closeCode(), std::string(error.id()), false);
}

void Endpoint::finishClosed(std::optional<std::uint16_t> code, std::string reason, bool clean) {
    if (state_ == EndpointState::Closed)
        return;
    state_ = EndpointState::Closed;
    closeTransport_ = true;
    events_.push_back(event::Closed{code, std::move(reason), clean, closedFirstByUs_});
}

// --- sending -------------------------------------------------------------

MaskKey Endpoint::nextMaskKey() {
    if (randomPos_ + 4 > randomPool_.size()) {
        randomPool_.resize(kRandomPoolSize);
        if (config_.random) {
            config_.random(randomPool_);
        } else if (RAND_bytes(randomPool_.data(), static_cast<int>(randomPool_.size())) != 1) {
            // A client without unpredictable mask keys is a security hole (§10.3).
            std::abort();
        }
        randomPos_ = 0;
    }
    MaskKey key;
    std::copy_n(randomPool_.begin() + static_cast<std::ptrdiff_t>(randomPos_), 4, key.begin());
    randomPos_ += 4;
    return key;
}

void Endpoint::writeFrame(std::uint8_t opcode, bool fin, bool rsv1,
                          std::span<const std::uint8_t> payload) {
    FrameHeader h;
    h.fin = fin;
    h.rsv1 = rsv1;
    h.opcode = opcode;
    h.payloadLength = payload.size();
    if (config_.role == Role::Client) {
        h.masked = true;
        h.maskKey = nextMaskKey();
    }
    const std::uint64_t offset = bytesOut_;
    const std::size_t before = out_.size();
    appendFrame(out_, h, payload);
    bytesOut_ += out_.size() - before;
    if (config_.frameEvents)
        events_.push_back(event::FrameSent{h, offset});
}

bool Endpoint::sendText(std::string_view text) {
    return sendMessage(static_cast<std::uint8_t>(Opcode::Text),
                       std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

bool Endpoint::sendBinary(std::span<const std::uint8_t> data) {
    return sendMessage(static_cast<std::uint8_t>(Opcode::Binary), data);
}

bool Endpoint::sendMessage(std::uint8_t opcode, std::span<const std::uint8_t> data,
                           std::size_t fragments) {
    if (!canSend() || sendingFragmented_)
        return false;
    if (opcode != static_cast<std::uint8_t>(Opcode::Text) &&
        opcode != static_cast<std::uint8_t>(Opcode::Binary))
        return false;
    std::span<const std::uint8_t> wire = data;
    std::vector<std::uint8_t> compressed;
    const bool compress = deflater_ && data.size() >= config_.compressThreshold;
    if (compress) {
        deflater_->compress(data, compressed);
        wire = compressed;
    }
    fragments = std::max<std::size_t>(1, fragments);
    const std::size_t base = wire.size() / fragments;
    std::size_t extra = wire.size() % fragments;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < fragments; ++i) {
        const std::size_t n = base + (extra > 0 ? 1 : 0);
        if (extra > 0)
            --extra;
        writeFrame(i == 0 ? opcode : static_cast<std::uint8_t>(Opcode::Continuation),
                   i + 1 == fragments, compress && i == 0, wire.subspan(pos, n));
        pos += n;
    }
    return true;
}

bool Endpoint::sendFrame(std::uint8_t opcode, std::span<const std::uint8_t> payload, bool fin) {
    if (!canSend())
        return false;
    if (isControlOpcode(opcode) || isReservedOpcode(opcode))
        return false;
    const bool continuation = opcode == static_cast<std::uint8_t>(Opcode::Continuation);
    if (continuation != sendingFragmented_)
        return false;
    writeFrame(opcode, fin, false, payload);
    sendingFragmented_ = !fin;
    return true;
}

bool Endpoint::ping(std::span<const std::uint8_t> payload) {
    if (!canSend() || payload.size() > 125)
        return false;
    writeFrame(static_cast<std::uint8_t>(Opcode::Ping), true, false, payload);
    return true;
}

bool Endpoint::pong(std::span<const std::uint8_t> payload) {
    if (!canSend() || payload.size() > 125)
        return false;
    writeFrame(static_cast<std::uint8_t>(Opcode::Pong), true, false, payload);
    return true;
}

bool Endpoint::close(std::optional<std::uint16_t> code, std::string_view reason) {
    if (!canSend())
        return false;
    if (code && !isValidCloseCodeOnWire(*code))
        return false;
    if (reason.size() > kMaxCloseReason || (!code && !reason.empty()))
        return false;
    writeFrame(static_cast<std::uint8_t>(Opcode::Close), true, false,
               buildClosePayload(code, reason));
    closeSent_ = true;
    if (closeReceived_) {
        finishClosed(peerCloseCode_, peerCloseReason_, true);
    } else {
        closedFirstByUs_ = true;
        state_ = EndpointState::Closing;
    }
    return true;
}

void Endpoint::sendRaw(std::span<const std::uint8_t> bytes) {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
    bytesOut_ += bytes.size();
}

void Endpoint::sendRawFrame(const FrameHeader& header, std::span<const std::uint8_t> payload) {
    const std::uint64_t offset = bytesOut_;
    std::array<std::uint8_t, kMaxFrameHeaderSize> head{};
    const std::size_t n = serializeFrameHeader(header, head);
    sendRaw(std::span<const std::uint8_t>(head.data(), n));
    if (header.masked) {
        std::vector<std::uint8_t> masked(payload.begin(), payload.end());
        applyMask(masked, header.maskKey);
        sendRaw(masked);
    } else {
        sendRaw(payload);
    }
    if (config_.frameEvents)
        events_.push_back(event::FrameSent{header, offset});
}

}  // namespace sockscope
