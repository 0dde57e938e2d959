#include "sockscope/core/frame_decoder.h"

#include <algorithm>

namespace sockscope {

std::size_t FrameDecoder::feed(std::span<std::uint8_t> data, FrameSink& sink) {
    std::size_t pos = 0;
    const std::size_t size = data.size();
    while (pos < size) {
        if (!inPayload_) {
            // Parse straight from the caller's buffer when no partial header
            // is pending; otherwise top up the spill buffer first.
            HeaderParse parse;
            std::uint64_t headerOffset = 0;
            std::size_t used = 0;
            if (spillSize_ == 0) {
                parse = parseFrameHeader(data.subspan(pos));
                if (parse.status == HeaderStatus::NeedMore) {
                    spillSize_ = size - pos;
                    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(pos), spillSize_,
                                spill_.begin());
                    offset_ += spillSize_;
                    return size;
                }
                headerOffset = offset_;
                used = parse.consumed;
            } else {
                // Add only as many bytes as the header can still need (at most 14).
                const std::size_t before = spillSize_;
                std::size_t take = std::min(size - pos, kMaxFrameHeaderSize - spillSize_);
                std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(pos), take,
                            spill_.begin() + static_cast<std::ptrdiff_t>(spillSize_));
                parse =
                    parseFrameHeader(std::span<const std::uint8_t>(spill_.data(), before + take));
                if (parse.status == HeaderStatus::NeedMore) {
                    spillSize_ += take;
                    offset_ += take;
                    return size;
                }
                headerOffset = offset_ - before;
                used = parse.consumed - before;
                spillSize_ = 0;
            }
            header_ = parse.header;
            pos += used;
            offset_ += used;
            remaining_ = header_.payloadLength;
            payloadPos_ = 0;
            FrameOffsets offsets;
            offsets.header = headerOffset;
            offsets.payload = headerOffset + parse.consumed;
            offsets.maskKey = header_.masked ? offsets.payload - 4 : offsets.payload;
            inPayload_ = true;
            const ProtocolError* violation = nullptr;
            if (parse.violation) {
                parse.violation->offset += headerOffset;
                violation = &*parse.violation;
            }
            if (!sink.onFrameHeader(header_, offsets, violation))
                return pos;
            if (remaining_ == 0) {
                inPayload_ = false;
                if (!sink.onFrameEnd())
                    return pos;
            }
            continue;
        }

        const std::size_t chunk =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size - pos));
        const std::span<std::uint8_t> bytes = data.subspan(pos, chunk);
        if (header_.masked)
            applyMask(bytes, header_.maskKey, static_cast<std::size_t>(payloadPos_ & 3));
        const std::uint64_t at = payloadPos_;
        pos += chunk;
        offset_ += chunk;
        payloadPos_ += chunk;
        remaining_ -= chunk;
        if (!sink.onFramePayload(bytes, at))
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
