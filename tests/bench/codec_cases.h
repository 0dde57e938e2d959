#pragma once
// Measurements of our codec (and of memcpy, the ceiling) on in-memory buffers.
// Each returns seconds per pass over the whole buffer/stream, or a failure
// when the codec did not deliver exactly the expected bytes (a fast wrong
// answer is not a figure).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "bench_timing.h"
#include "frame_streams.h"

namespace bench {

struct Measured {
    double secondsPerPass = 0;
    bool ok = false;
    std::string error;
};

Measured measureMemcpy(std::size_t bytes, const TimingOptions& timing);

// applyMask (fast path) or applyMaskBytewise (reference loop) in place.
Measured measureMask(std::size_t bytes, bool bytewise, const TimingOptions& timing);

// Utf8Validator::feed over the whole text in one call, then complete().
Measured measureUtf8(std::span<const std::uint8_t> text, const TimingOptions& timing);

// How stream bytes reach the codec, and what the timed region contains.
struct FeedOptions {
    std::size_t chunk = 64 * 1024;  // bytes per feed() call, like one recv()
    // false: the codec unmasks in place, so the masked bytes are re-copied
    // OUTSIDE the timed region before every pass. true: that copy is timed
    // too (comparable to Beast, which copies from its next layer).
    bool timeCopyIn = false;
};

// FrameDecoder with a sink that only counts payload bytes.
Measured measureFrameDecoder(const FrameStream& stream, const FeedOptions& feed,
                             const TimingOptions& timing);

// MessageReader: full protocol rules, strict, client sender (frames must be
// masked), UTF-8 validation of text messages.
Measured measureMessageReader(const FrameStream& stream, const FeedOptions& feed,
                              const TimingOptions& timing);

}  // namespace bench
