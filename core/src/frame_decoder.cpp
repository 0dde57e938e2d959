#include "sockscope/core/frame_decoder.h"

#include <algorithm>
#include <type_traits>

#include "frame_header_decode.h"

namespace sockscope {

std::size_t FrameDecoder::feed(std::span<std::uint8_t> data, FrameSink& sink) {
    return decode(data, sink, nullptr);
}

std::size_t FrameDecoder::feed(std::span<const std::uint8_t> data, FrameSink& sink,
                               std::vector<std::uint8_t>& scratch) {
    return decode(data, sink, &scratch);
}

// Hands the sink the next unmasked payload bytes and moves past them.
bool FrameDecoder::payloadChunk(std::span<const std::uint8_t> bytes, FrameSink& sink) {
    const std::uint64_t at = payloadPos_;
    offset_ += bytes.size();
    payloadPos_ += bytes.size();
    remaining_ -= bytes.size();
    return sink.onFramePayload(bytes, at);
}

// `Byte` is std::uint8_t (unmask in place) or const std::uint8_t (unmask into
// `scratch`); the header path is the same for both.
template <typename Byte>
std::size_t FrameDecoder::decode(std::span<Byte> data, FrameSink& sink,
                                 std::vector<std::uint8_t>* scratch) {
    std::size_t pos = 0;
    const std::size_t size = data.size();
    while (pos < size) {
        if (!inPayload_) {
            // Decode straight from the caller's buffer when no partial header
            // is pending (the hot path); otherwise top up the spill buffer.
            std::uint64_t headerOffset = offset_;
            std::size_t headerBytes = 0;  // header size
            std::size_t used = 0;         // of it, bytes taken from `data`
            if (spillSize_ == 0) {
                headerBytes = detail::decodeHeader(data.data() + pos, size - pos, header_);
                if (headerBytes == 0) {
                    spillSize_ = size - pos;
                    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(pos), spillSize_,
                                spill_.begin());
                    offset_ += spillSize_;
                    return size;
                }
                used = headerBytes;
            } else {
                // Add only as many bytes as the header can still need (at most 14).
                const std::size_t before = spillSize_;
                const std::size_t take = std::min(size - pos, kMaxFrameHeaderSize - before);
                std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(pos), take,
                            spill_.begin() + static_cast<std::ptrdiff_t>(before));
                headerBytes = detail::decodeHeader(spill_.data(), before + take, header_);
                if (headerBytes == 0) {
                    // 14 bytes always hold a header, so everything was taken.
                    spillSize_ += take;
                    offset_ += take;
                    return size;
                }
                headerOffset = offset_ - before;
                used = headerBytes - before;
                spillSize_ = 0;
            }
            pos += used;
            offset_ += used;
            remaining_ = header_.payloadLength;
            payloadPos_ = 0;
            inPayload_ = true;
            FrameOffsets offsets;
            offsets.header = headerOffset;
            offsets.payload = headerOffset + headerBytes;
            offsets.maskKey = header_.masked ? offsets.payload - 4 : offsets.payload;
            bool go;
            if (detail::hasLengthViolation(header_)) [[unlikely]] {
                // Rebuild the header bytes to let parseFrameHeader word the error.
                std::array<std::uint8_t, kMaxFrameHeaderSize> raw{};
                serializeFrameHeader(header_, raw);
                HeaderParse parse = parseFrameHeader(raw);
                parse.violation->offset += headerOffset;
                go = sink.onFrameHeader(header_, offsets, &*parse.violation);
            } else {
                go = sink.onFrameHeader(header_, offsets, nullptr);
            }
            if (!go)
                return pos;
            if (remaining_ == 0) {
                inPayload_ = false;
                if (!sink.onFrameEnd())
                    return pos;
            }
            continue;
        }

        std::size_t chunk =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size - pos));
        const std::span<Byte> bytes = data.subspan(pos, chunk);
        bool go;
        if constexpr (std::is_const_v<Byte>) {
            if (header_.masked) {
                chunk = std::min(chunk, kScratchChunk);
                if (scratch->size() < chunk)
                    scratch->resize(kScratchChunk);
                const std::span<std::uint8_t> out(scratch->data(), chunk);
                applyMaskCopy(bytes.first(chunk), out, header_.maskKey,
                              static_cast<std::size_t>(payloadPos_ & 3));
                go = payloadChunk(out, sink);
            } else {
                go = payloadChunk(bytes, sink);
            }
        } else {
            if (header_.masked)
                applyMask(bytes, header_.maskKey, static_cast<std::size_t>(payloadPos_ & 3));
            go = payloadChunk(bytes, sink);
        }
        pos += chunk;
        if (!go)
            return pos;
        if (remaining_ == 0) {
            inPayload_ = false;
            if (!sink.onFrameEnd())
                return pos;
        }
    }
    return pos;
}

}  // namespace sockscope
