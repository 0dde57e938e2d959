#include "session/conformance_peer_reader.h"

#include <limits>

#include "sockscope/core/close_code.h"

namespace sockscope::session::conformance {
namespace {

// The tester checks the peer's rules, not its own limits: these only keep a
// peer that echoes a deflate bomb from taking the machine with it.
MessageReaderConfig readerConfig(Role peer, std::optional<DeflateParams> deflate) {
    MessageReaderConfig config;
    config.sender = peer;
    config.strict = false;
    config.deflate = deflate;
    config.limits.maxFrameSize = 256ull << 20;
    config.limits.maxMessageSize = 256ull << 20;
    config.limits.maxFragments = std::numeric_limits<std::uint32_t>::max();
    return config;
}

}  // namespace

PeerReader::PeerReader(Role peer, std::optional<DeflateParams> deflate)
    : reader_(readerConfig(peer, deflate), static_cast<MessageSink&>(*this)) {}

PeerReader::~PeerReader() = default;

void PeerReader::feed(std::span<std::uint8_t> bytes) {
    reader_.feed(bytes);
}

bool PeerReader::onFrame(const FrameHeader&, const FrameOffsets&) {
    ++frames_;
    return true;
}

bool PeerReader::onMessageBegin(std::uint8_t opcode, bool) {
    opcode_ = opcode;
    message_.clear();
    return true;
}

bool PeerReader::onMessageData(std::span<const std::uint8_t> data) {
    message_.insert(message_.end(), data.begin(), data.end());
    return true;
}

bool PeerReader::onMessageEnd(const MessageSummary&) {
    Reply reply;
    reply.kind = Reply::Kind::Message;
    reply.opcode = opcode_;
    reply.payload = std::make_shared<const Bytes>(std::move(message_));
    replies_.push_back(std::move(reply));
    message_ = {};
    return true;
}

bool PeerReader::onControlFrame(const FrameHeader& header, std::span<const std::uint8_t> payload) {
    switch (static_cast<Opcode>(header.opcode)) {
        case Opcode::Ping:
            pings_.emplace_back(payload.begin(), payload.end());
            break;
        case Opcode::Pong: {
            Reply reply;
            reply.kind = Reply::Kind::Pong;
            reply.payload = std::make_shared<const Bytes>(payload.begin(), payload.end());
            replies_.push_back(std::move(reply));
            break;
        }
        case Opcode::Close: {
            if (closeReceived_) {
                break;  // a second close is a violation the reader has reported
            }
            const ClosePayloadResult close = parseClosePayload(payload);
            closeReceived_ = true;
            closeCode_ = close.payload.code;
            closeReason_ = close.payload.reason;
            break;
        }
        default:
            break;
    }
    return true;
}

bool PeerReader::onViolation(const ProtocolError& error) {
    violations_.push_back(std::string(error.id()) + ": " + error.detail);
    return true;
}

}  // namespace sockscope::session::conformance
