#include "sockscope/core/message_reader.h"

#include <algorithm>
#include <string>

#include "sockscope/core/close_code.h"

namespace sockscope {
MessageReader::MessageReader(MessageReaderConfig config, MessageSink& sink)
    : config_(std::move(config)), sink_(sink), decoder_(config_.baseOffset) {}

MessageReader::~MessageReader() = default;

std::size_t MessageReader::feed(std::span<std::uint8_t> data) {
    if (failed_)
        return 0;
    return decoder_.feed(data, *this);
}

std::size_t MessageReader::feed(std::span<const std::uint8_t> data,
                                std::vector<std::uint8_t>& scratch) {
    if (failed_)
        return 0;
    return decoder_.feed(data, *this, scratch);
}

bool MessageReader::violation(ViolationKind kind, std::uint64_t offset, std::string detail) {
    frameViolated_ = true;
    if (inMessage_)
        message_.valid = false;
    if (config_.strict)
        failed_ = true;
    const bool go = sink_.onViolation(ProtocolError{kind, offset, std::move(detail)});
    return go && !config_.strict;
}

bool MessageReader::onFrameHeader(const FrameHeader& h, const FrameOffsets& offsets,
                                  const ProtocolError* lengthViolation) {
    frame_ = h;
    frameOffsets_ = offsets;
    frameIsControl_ = isControlOpcode(h.opcode);
    skipFrame_ = false;
    frameViolated_ = false;
    control_.clear();
    if (!sink_.onFrame(h, offsets))
        return false;

    const std::uint64_t at = offsets.header;
    if (lengthViolation &&
        !violation(lengthViolation->kind, lengthViolation->offset, lengthViolation->detail))
        return false;
    if (closeSeen_ &&
        !violation(ViolationKind::DataAfterClose, at,
                   std::string(opcodeName(h.opcode)) + " frame after the peer's close frame"))
        return false;
    if (config_.sender == Role::Client && !h.masked &&
        !violation(ViolationKind::UnmaskedClientFrame, at + 1, "MASK bit is 0 in a client frame"))
        return false;
    if (config_.sender == Role::Server && h.masked &&
        !violation(ViolationKind::MaskedServerFrame, at + 1, "MASK bit is 1 in a server frame"))
        return false;
    if ((h.rsv2 || h.rsv3) &&
        !violation(ViolationKind::ReservedBitSet, at,
                   std::string(h.rsv2 ? "RSV2" : "RSV3") + " is set; no extension defines it"))
        return false;
    if (h.rsv1 && !config_.rsv1Unknown) {
        if (!config_.deflate) {
            if (!violation(ViolationKind::ReservedBitSet, at,
                           "RSV1 is set but permessage-deflate was not negotiated"))
                return false;
        } else if (frameIsControl_) {
            if (!violation(ViolationKind::CompressedControlFrame, at,
                           "RSV1 is set on a " + std::string(opcodeName(h.opcode)) + " frame"))
                return false;
        } else if (h.opcode == static_cast<std::uint8_t>(Opcode::Continuation)) {
            if (!violation(ViolationKind::CompressedContinuation, at,
                           "RSV1 is set on a continuation frame"))
                return false;
        }
    }
    if (isReservedOpcode(h.opcode)) {
        skipFrame_ = true;
        return violation(
            ViolationKind::ReservedOpcode, at,
            "opcode 0x" + std::string(1, "0123456789abcdef"[h.opcode]) + " is reserved");
    }
    if (h.payloadLength > config_.limits.maxFrameSize &&
        !violation(ViolationKind::FrameTooBig, at,
                   "frame payload of " + std::to_string(h.payloadLength) +
                       " bytes exceeds the limit of " +
                       std::to_string(config_.limits.maxFrameSize)))
        return false;

    if (frameIsControl_) {
        if (h.payloadLength > 125 &&
            !violation(ViolationKind::ControlFrameTooLong, at + 1,
                       std::string(opcodeName(h.opcode)) + " frame carries " +
                           std::to_string(h.payloadLength) + " bytes (at most 125)"))
            return false;
        if (!h.fin && !violation(ViolationKind::FragmentedControlFrame, at,
                                 std::string(opcodeName(h.opcode)) + " frame has FIN clear"))
            return false;
        return true;
    }

    if (h.opcode == static_cast<std::uint8_t>(Opcode::Continuation)) {
        if (!inMessage_) {
            skipFrame_ = true;
            return violation(ViolationKind::UnexpectedContinuation, at,
                             "continuation frame without a message in progress");
        }
        if (message_.frames + 1 > config_.limits.maxFragments &&
            !violation(
                ViolationKind::TooManyFragments, at,
                "message exceeds " + std::to_string(config_.limits.maxFragments) + " fragments"))
            return false;
    } else {
        if (inMessage_) {
            // The violation belongs to the interrupted message, not to this frame.
            const bool frameWasViolated = frameViolated_;
            if (!violation(ViolationKind::ExpectedContinuation, at,
                           std::string(opcodeName(h.opcode)) +
                               " frame while a fragmented message is in progress"))
                return false;
            // Lenient: the unfinished message ends here, marked invalid.
            if (!finishMessage())
                return false;
            frameViolated_ = frameWasViolated;
        }
        inMessage_ = true;
        message_ = MessageSummary{};
        message_.opcode = h.opcode;
        message_.compressed = h.rsv1 && (config_.deflate.has_value() || config_.rsv1Unknown);
        message_.valid = !frameViolated_;
        utf8_.reset();
        utf8Failed_ = false;
        if (message_.compressed && config_.deflate && !inflater_) {
            const bool fromClient = config_.sender == Role::Client;
            const DeflateParams& p = *config_.deflate;
            inflater_.emplace(fromClient ? p.clientMaxWindowBits : p.serverMaxWindowBits,
                              fromClient ? p.clientNoContextTakeover : p.serverNoContextTakeover,
                              config_.limits.maxMessageSize, config_.limits.maxDecompressionRatio);
        }
        if (!sink_.onMessageBegin(message_.opcode, message_.compressed))
            return false;
    }
    ++message_.frames;
    // Fail before the bytes arrive when the announced size already exceeds the
    // limit (also for a payload passed on compressed, as it is what is kept).
    if (!inflating() &&
        message_.wireLength + h.payloadLength > config_.limits.maxMessageSize &&
        !violation(ViolationKind::MessageTooBig, at,
                   "message of at least " + std::to_string(message_.wireLength + h.payloadLength) +
                       " bytes exceeds the limit of " +
                       std::to_string(config_.limits.maxMessageSize)))
        return false;
    return true;
}

bool MessageReader::onFramePayload(std::span<const std::uint8_t> chunk,
                                   std::uint64_t payloadOffset) {
    if (skipFrame_)
        return true;
    if (frameIsControl_) {
        // A lenient reader keeps what an oversized control frame carried, within the frame limit.
        const std::size_t room = static_cast<std::size_t>(
            std::min<std::uint64_t>(config_.limits.maxFrameSize, 1u << 20) - control_.size());
        control_.insert(control_.end(), chunk.begin(),
                        chunk.begin() + static_cast<std::ptrdiff_t>(std::min(room, chunk.size())));
        return true;
    }
    message_.wireLength += chunk.size();
    const std::uint64_t wireOffset = frameOffsets_.payload + payloadOffset;
    if (!inflating())
        return deliverData(chunk, wireOffset);
    return inflateChunk(chunk, false, wireOffset);
}

bool MessageReader::inflateChunk(std::span<const std::uint8_t> chunk, bool fin,
                                 std::uint64_t wireOffset) {
    // Lenient: already reported. A UTF-8 failure does not stop inflation:
    // with context takeover the next message refers back into this one.
    if (inflateFailed_) {
        if (fin)
            endInflaterMessage();
        return true;
    }
    // The output goes to the sink as zlib produces it, not through a buffer.
    struct Delivery final : InflateOutput {
        MessageReader& reader;
        std::uint64_t wireOffset;
        bool stopped = false;
        Delivery(MessageReader& r, std::uint64_t offset) : reader(r), wireOffset(offset) {}
        void write(std::span<const std::uint8_t> bytes) override {
            stopped = stopped || !reader.deliverData(bytes, wireOffset);
        }
    } delivery(*this, wireOffset);
    const InflateStatus status = inflater_->inflate(chunk, fin, delivery);
    inflaterMidMessage_ = !fin;
    if (delivery.stopped)
        return false;
    if (status == InflateStatus::Error) {
        inflateFailed_ = true;
        return violation(ViolationKind::InflateFailed, wireOffset,
                         "inflate failed: " + inflater_->lastError());
    }
    if (status == InflateStatus::TooBig) {
        inflateFailed_ = true;
        return violation(
            ViolationKind::DecompressedTooBig, wireOffset,
            "decompressed message exceeds the limit of " +
                std::to_string(config_.limits.maxMessageSize) + " bytes" +
                (config_.limits.maxDecompressionRatio > 0 ? " or the ratio limit" : ""));
    }
    return true;
}

bool MessageReader::deliverData(std::span<const std::uint8_t> data, std::uint64_t wireOffset) {
    const std::uint64_t before = message_.length;
    message_.length += data.size();
    // Reported once, when the limit is crossed: a lenient reader goes on
    // inflating (context takeover needs it), and how often it would repeat
    // the report must not depend on how the bytes were split.
    if (inflating() && before <= config_.limits.maxMessageSize &&
        message_.length > config_.limits.maxMessageSize &&
        !violation(ViolationKind::MessageTooBig, wireOffset,
                   "decompressed message exceeds the limit of " +
                       std::to_string(config_.limits.maxMessageSize) + " bytes"))
        return false;
    if (checksUtf8() && !utf8Failed_ && !utf8_.feed(data)) {
        utf8Failed_ = true;
        const std::uint64_t index = before + utf8_.errorIndex();
        // For a compressed message the bad byte's wire position is unknown: point at the chunk.
        const std::uint64_t at = message_.compressed ? wireOffset : wireOffset + utf8_.errorIndex();
        if (config_.strict) {
            // Deliver the valid prefix only; the endpoint fails the connection.
            if (utf8_.errorIndex() > 0 && !sink_.onMessageData(data.first(utf8_.errorIndex())))
                return false;
        }
        if (!violation(ViolationKind::InvalidUtf8, at,
                       "invalid UTF-8 at byte " + std::to_string(index) + " of the message"))
            return false;
    }
    return sink_.onMessageData(data);
}

bool MessageReader::onFrameEnd() {
    if (skipFrame_)
        return true;
    const std::uint64_t end = frameOffsets_.payload + frame_.payloadLength;
    if (frameIsControl_) {
        if (frame_.opcode == static_cast<std::uint8_t>(Opcode::Close)) {
            closeSeen_ = true;
            const ClosePayloadResult close = parseClosePayload(control_);
            if (close.error &&
                !violation(close.error->kind, frameOffsets_.payload + close.error->offset,
                           close.error->detail))
                return false;
        }
        return sink_.onControlFrame(frame_, control_);
    }
    if (message_.compressed && inflater_ && frame_.fin && !inflateChunk({}, true, end))
        return false;
    if (!frame_.fin)
        return true;
    if (checksUtf8() && !utf8Failed_ && !utf8_.complete()) {
        utf8Failed_ = true;
        if (!violation(ViolationKind::InvalidUtf8, end,
                       "text message ends inside a UTF-8 sequence (" +
                           std::to_string(message_.length) + " bytes)"))
            return false;
    }
    return finishMessage();
}

bool MessageReader::finishMessage() {
    inMessage_ = false;
    // A lenient reader ends a message early (interrupted by a new one).
    if (inflaterMidMessage_)
        endInflaterMessage();
    inflateFailed_ = false;
    return sink_.onMessageEnd(message_);
}

// Tells the inflater the failed or interrupted message is over, so the next
// one starts afresh (without context takeover) or is reported as unreadable
// for the lost shared window, instead of repeating this message's failure.
void MessageReader::endInflaterMessage() {
    struct Discard final : InflateOutput {
        void write(std::span<const std::uint8_t>) override {}
    } discard;
    // An ended message's status is the one already reported.
    (void)inflater_->inflate({}, true, discard);
    inflaterMidMessage_ = false;
}

}  // namespace sockscope
