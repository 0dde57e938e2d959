#pragma once
// Streaming frame decoder: bytes in (any split), frame events out.
//
// The decoder keeps at most one partial header (≤ 14 bytes); payload bytes are
// never buffered: they are unmasked in place in the caller's buffer and handed
// to the sink as spans into it. A span passed to the sink is valid only during
// that call.

#include <cstdint>
#include <span>
#include <vector>

#include "sockscope/core/frame_header.h"

namespace sockscope {

// Where a frame sits in its direction's byte stream (offsets count from the
// first byte ever fed to this decoder plus the decoder's base offset).
struct FrameOffsets {
    std::uint64_t header = 0;   // first header byte
    std::uint64_t maskKey = 0;  // first mask-key byte (when masked)
    std::uint64_t payload = 0;  // first payload byte
};

class FrameSink {
public:
    virtual ~FrameSink() = default;
    // A complete header has been read. `lengthViolation` is set for a
    // non-minimal or MSB-set length (the frame is still delimited correctly).
    // Return false to stop decoding.
    virtual bool onFrameHeader(const FrameHeader& header, const FrameOffsets& offsets,
                               const ProtocolError* lengthViolation) = 0;
    // The next chunk of the current frame's payload, already unmasked.
    // `payloadOffset` is the chunk's position within the frame payload.
    virtual bool onFramePayload(std::span<const std::uint8_t> chunk,
                                std::uint64_t payloadOffset) = 0;
    // All payload bytes of the current frame have been delivered (also called
    // right after onFrameHeader for an empty payload).
    virtual bool onFrameEnd() = 0;
};

class FrameDecoder {
public:
    explicit FrameDecoder(std::uint64_t baseOffset = 0) : offset_(baseOffset) {}

    // Decodes as much of `data` as possible, unmasking payload bytes in place.
    // Returns the number of bytes consumed: all of them, unless the sink
    // returned false (then the bytes after the stopping event are left).
    std::size_t feed(std::span<std::uint8_t> data, FrameSink& sink);
    // The same for bytes that must not be written (a capture's packets):
    // masked payload is unmasked into `scratch` (at most kScratchChunk bytes at
    // a time, so one scratch can serve many decoders), unmasked payload goes to
    // the sink without a copy.
    std::size_t feed(std::span<const std::uint8_t> data, FrameSink& sink,
                     std::vector<std::uint8_t>& scratch);
    static constexpr std::size_t kScratchChunk = 64u << 10;

    // Stream offset of the next byte to be fed.
    std::uint64_t offset() const { return offset_; }
    bool inPayload() const { return inPayload_; }
    const FrameHeader& currentHeader() const { return header_; }
    // Bytes of the current frame's payload still to come.
    std::uint64_t payloadRemaining() const { return remaining_; }

private:
    template <typename Byte>
    std::size_t decode(std::span<Byte> data, FrameSink& sink, std::vector<std::uint8_t>* scratch);
    bool payloadChunk(std::span<const std::uint8_t> bytes, FrameSink& sink);

    std::uint64_t offset_;
    std::array<std::uint8_t, kMaxFrameHeaderSize> spill_{};
    std::size_t spillSize_ = 0;
    bool inPayload_ = false;
    FrameHeader header_;
    std::uint64_t remaining_ = 0;
    std::uint64_t payloadPos_ = 0;
};

}  // namespace sockscope
