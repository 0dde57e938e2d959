#pragma once
// Protocol rules over frame events: fragmentation and continuation, control
// frames, reserved bits and opcodes, masking direction, incremental UTF-8 of
// text messages, permessage-deflate and limits. Used by the Endpoint (strict:
// stop at the first violation) and by the passive dissector (lenient: note the
// violation and keep going while framing holds).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "sockscope/core/frame_decoder.h"
#include "sockscope/core/limits.h"
#include "sockscope/core/permessage_deflate.h"
#include "sockscope/core/utf8.h"

namespace sockscope {

enum class Role : std::uint8_t { Client, Server };

struct MessageSummary {
    std::uint8_t opcode = 0;  // Text or Binary
    std::uint32_t frames = 0;
    bool compressed = false;
    std::uint64_t wireLength = 0;  // payload bytes on the wire (compressed)
    std::uint64_t length = 0;      // payload bytes after decompression
    bool valid = true;             // false if a violation was noted inside it (lenient mode)
};

class MessageSink {
public:
    virtual ~MessageSink() = default;
    // Every frame header, before its payload (viewers and -v output).
    virtual bool onFrame(const FrameHeader& header, const FrameOffsets& offsets) {
        (void)header, (void)offsets;
        return true;
    }
    virtual bool onMessageBegin(std::uint8_t opcode, bool compressed) = 0;
    // Unmasked, decompressed message bytes, in order. Valid during the call.
    virtual bool onMessageData(std::span<const std::uint8_t> data) = 0;
    virtual bool onMessageEnd(const MessageSummary& summary) = 0;
    // A complete control frame (ping, pong, close; or a reserved control
    // opcode in lenient mode), possibly between fragments of a data message.
    virtual bool onControlFrame(const FrameHeader& header,
                                std::span<const std::uint8_t> payload) = 0;
    // In strict mode the reader stops after the first violation.
    virtual bool onViolation(const ProtocolError& error) = 0;
};

struct MessageReaderConfig {
    Role sender = Role::Client;  // who sends the frames this reader sees
    bool strict = true;
    Limits limits;
    std::optional<DeflateParams> deflate;  // negotiated permessage-deflate
    // A passive reader that did not see the handshake cannot know whether an
    // extension gave RSV1 a meaning: then RSV1 is not flagged, and such
    // messages are passed on as they are (compressed, not UTF-8 checked).
    bool rsv1Unknown = false;
    std::uint64_t baseOffset = 0;  // stream offset of the first byte fed
};

class MessageReader final : public FrameSink {
public:
    MessageReader(MessageReaderConfig config, MessageSink& sink);
    ~MessageReader() override;

    // Feeds stream bytes (unmasked in place). Returns the bytes consumed: fewer
    // than given only when the sink stopped or a strict violation occurred.
    std::size_t feed(std::span<std::uint8_t> data);
    // The same for read-only bytes; masked payload is unmasked into `scratch`
    // (FrameDecoder's read-only feed).
    std::size_t feed(std::span<const std::uint8_t> data, std::vector<std::uint8_t>& scratch);
    bool failed() const { return failed_; }
    std::uint64_t offset() const { return decoder_.offset(); }
    bool inMessage() const { return inMessage_; }
    const FrameDecoder& decoder() const { return decoder_; }

    bool onFrameHeader(const FrameHeader& header, const FrameOffsets& offsets,
                       const ProtocolError* lengthViolation) override;
    bool onFramePayload(std::span<const std::uint8_t> chunk, std::uint64_t payloadOffset) override;
    bool onFrameEnd() override;

private:
    bool violation(ViolationKind kind, std::uint64_t offset, std::string detail);
    bool deliverData(std::span<const std::uint8_t> data, std::uint64_t wireOffset);
    bool inflateChunk(std::span<const std::uint8_t> chunk, bool fin, std::uint64_t wireOffset);
    bool finishMessage();
    void endInflaterMessage();
    // The message's payload goes through permessage-deflate's inflater (not
    // when RSV1 is set without a negotiated extension the reader knows).
    bool inflating() const { return message_.compressed && inflater_.has_value(); }
    // Text, and readable: compressed bytes of an unknown extension are not checked.
    bool checksUtf8() const {
        return message_.opcode == static_cast<std::uint8_t>(Opcode::Text) &&
               !(message_.compressed && !inflater_);
    }

    MessageReaderConfig config_;
    MessageSink& sink_;
    FrameDecoder decoder_;
    bool failed_ = false;
    bool closeSeen_ = false;

    // Current frame
    FrameHeader frame_;
    FrameOffsets frameOffsets_;
    bool frameIsControl_ = false;
    bool skipFrame_ = false;      // lenient mode: payload of a frame we could not interpret
    bool frameViolated_ = false;  // lenient mode: the current frame broke a rule
    std::vector<std::uint8_t> control_;

    // Current data message
    bool inMessage_ = false;
    MessageSummary message_;
    Utf8Validator utf8_;
    bool utf8Failed_ = false;
    bool inflateFailed_ = false;
    // The inflater is inside a message it has not been told the end of.
    bool inflaterMidMessage_ = false;
    std::optional<MessageInflater> inflater_;
};

}  // namespace sockscope
