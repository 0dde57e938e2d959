#include "codec_cases.h"

#include <cstring>
#include <vector>

#include "sockscope/core/frame_decoder.h"
#include "sockscope/core/mask.h"
#include "sockscope/core/message_reader.h"
#include "sockscope/core/utf8.h"

namespace bench {

namespace {

Measured fromSeconds(double seconds, std::string whatFailed) {
    Measured m;
    m.ok = seconds > 0;
    m.secondsPerPass = seconds;
    if (!m.ok) {
        m.error = std::move(whatFailed);
    }
    return m;
}

class CountingFrameSink final : public sockscope::FrameSink {
public:
    std::uint64_t payloadBytes = 0;
    std::uint64_t frames = 0;

    bool onFrameHeader(const sockscope::FrameHeader&, const sockscope::FrameOffsets&,
                       const sockscope::ProtocolError*) override {
        return true;
    }
    bool onFramePayload(std::span<const std::uint8_t> chunk, std::uint64_t) override {
        payloadBytes += chunk.size();
        return true;
    }
    bool onFrameEnd() override {
        ++frames;
        return true;
    }
};

class CountingMessageSink final : public sockscope::MessageSink {
public:
    std::uint64_t dataBytes = 0;
    std::uint64_t messages = 0;
    bool violated = false;
    std::string violation;

    bool onMessageBegin(std::uint8_t, bool) override { return true; }
    bool onMessageData(std::span<const std::uint8_t> data) override {
        dataBytes += data.size();
        return true;
    }
    bool onMessageEnd(const sockscope::MessageSummary&) override {
        ++messages;
        return true;
    }
    bool onControlFrame(const sockscope::FrameHeader&, std::span<const std::uint8_t>) override {
        return true;
    }
    bool onViolation(const sockscope::ProtocolError& error) override {
        violated = true;
        violation = std::string(error.id()) + ": " + error.detail;
        return false;
    }
};

// Correctness check before timing (the counting sinks cannot see wrong bytes):
// the delivered payload must be exactly the original, with the stream fed in
// the same chunks as the timed passes.
class CollectingFrameSink final : public sockscope::FrameSink {
public:
    std::vector<std::uint8_t> payload;

    bool onFrameHeader(const sockscope::FrameHeader&, const sockscope::FrameOffsets&,
                       const sockscope::ProtocolError*) override {
        return true;
    }
    bool onFramePayload(std::span<const std::uint8_t> chunk, std::uint64_t) override {
        payload.insert(payload.end(), chunk.begin(), chunk.end());
        return true;
    }
    bool onFrameEnd() override { return true; }
};

class CollectingMessageSink final : public sockscope::MessageSink {
public:
    std::vector<std::uint8_t> data;
    std::string violation;

    bool onMessageBegin(std::uint8_t, bool) override { return true; }
    bool onMessageData(std::span<const std::uint8_t> chunk) override {
        data.insert(data.end(), chunk.begin(), chunk.end());
        return true;
    }
    bool onMessageEnd(const sockscope::MessageSummary&) override { return true; }
    bool onControlFrame(const sockscope::FrameHeader&, std::span<const std::uint8_t>) override {
        return true;
    }
    bool onViolation(const sockscope::ProtocolError& error) override {
        violation = std::string(error.id()) + ": " + error.detail;
        return false;
    }
};

// Feeds `work` to `feedOnce` in chunks; false if any chunk was not fully consumed.
template <typename FeedFn>
bool feedInChunks(std::vector<std::uint8_t>& work, std::size_t chunk, FeedFn&& feedOnce) {
    for (std::size_t offset = 0; offset < work.size(); offset += chunk) {
        const std::size_t n = std::min(chunk, work.size() - offset);
        if (feedOnce(std::span<std::uint8_t>(work.data() + offset, n)) != n) {
            return false;
        }
    }
    return true;
}

// Runs a parse pass over a fresh copy of the masked stream on every pass.
template <typename ParsePass>
double timeParse(const FrameStream& stream, const FeedOptions& feed, const TimingOptions& timing,
                 ParsePass&& parse) {
    std::vector<std::uint8_t> work(stream.wire.size());
    auto restore = [&] { std::memcpy(work.data(), stream.wire.data(), work.size()); };
    if (feed.timeCopyIn) {
        return bestSecondsPerPass(
            timing,
            [&] {
                restore();
                return parse(work);
            },
            [] {});
    }
    return bestSecondsPerPass(
        timing, [&] { return parse(work); }, restore);
}

}  // namespace

Measured measureMemcpy(std::size_t bytes, const TimingOptions& timing) {
    std::vector<std::uint8_t> src(bytes, 0x5A);
    std::vector<std::uint8_t> dst(bytes, 0);
    const double s = bestSecondsPerPass(timing, [&] {
        std::memcpy(dst.data(), src.data(), bytes);
        keep(dst.data());
        return true;
    });
    return fromSeconds(s, "memcpy");
}

Measured measureMask(std::size_t bytes, bool bytewise, const TimingOptions& timing) {
    std::vector<std::uint8_t> data(bytes, 0x5A);
    const sockscope::MaskKey key{0x37, 0xFA, 0x21, 0x3D};
    const double s = bestSecondsPerPass(timing, [&] {
        if (bytewise) {
            sockscope::applyMaskBytewise(data, key);
        } else {
            sockscope::applyMask(data, key);
        }
        keep(data.data());
        return true;
    });
    // The fast path must match the reference byte loop at every key offset
    // (a fast wrong mask is not a figure).
    for (std::size_t offset = 0; offset < 4; ++offset) {
        std::vector<std::uint8_t> fast(bytes), reference(bytes);
        for (std::size_t i = 0; i < bytes; ++i) {
            fast[i] = reference[i] = static_cast<std::uint8_t>(i * 131 + 7);
        }
        sockscope::applyMask(fast, key, offset);
        sockscope::applyMaskBytewise(reference, key, offset);
        if (fast != reference) {
            return fromSeconds(-1, "applyMask differs from applyMaskBytewise");
        }
    }
    return fromSeconds(s, "mask");
}

Measured measureUtf8(std::span<const std::uint8_t> text, const TimingOptions& timing) {
    sockscope::Utf8Validator validator;
    const double s = bestSecondsPerPass(timing, [&] {
        validator.reset();
        return validator.feed(text) && validator.complete();
    });
    return fromSeconds(s, "Utf8Validator rejected valid text");
}

Measured measureFrameDecoder(const FrameStream& stream, const FeedOptions& feed,
                             const TimingOptions& timing) {
    {
        std::vector<std::uint8_t> work = stream.wire;
        sockscope::FrameDecoder check;
        CollectingFrameSink collected;
        feedInChunks(work, feed.chunk,
                     [&](std::span<std::uint8_t> bytes) { return check.feed(bytes, collected); });
        if (collected.payload != stream.payload) {
            return fromSeconds(-1, "FrameDecoder did not unmask to the original payload");
        }
    }
    CountingFrameSink sink;
    sockscope::FrameDecoder decoder;
    const std::uint64_t expectedBytes = stream.payload.size();
    const double s = timeParse(stream, feed, timing, [&](std::vector<std::uint8_t>& work) {
        const std::uint64_t before = sink.payloadBytes;
        const std::uint64_t framesBefore = sink.frames;
        const bool consumed = feedInChunks(work, feed.chunk, [&](std::span<std::uint8_t> bytes) {
            return decoder.feed(bytes, sink);
        });
        return consumed && sink.payloadBytes - before == expectedBytes &&
               sink.frames - framesBefore == stream.frames;
    });
    return fromSeconds(s, "FrameDecoder did not deliver every payload byte");
}

Measured measureMessageReader(const FrameStream& stream, const FeedOptions& feed,
                              const TimingOptions& timing) {
    sockscope::MessageReaderConfig config;
    config.sender = sockscope::Role::Client;
    config.strict = true;
    {
        std::vector<std::uint8_t> work = stream.wire;
        CollectingMessageSink collected;
        sockscope::MessageReader check(config, collected);
        feedInChunks(work, feed.chunk,
                     [&](std::span<std::uint8_t> bytes) { return check.feed(bytes); });
        if (!collected.violation.empty()) {
            return fromSeconds(-1, "MessageReader violation " + collected.violation);
        }
        if (collected.data != stream.payload) {
            return fromSeconds(-1, "MessageReader did not deliver the original payload");
        }
    }
    CountingMessageSink sink;
    sockscope::MessageReader reader(config, sink);
    const std::uint64_t expectedBytes = stream.payload.size();
    const double s = timeParse(stream, feed, timing, [&](std::vector<std::uint8_t>& work) {
        const std::uint64_t before = sink.dataBytes;
        const std::uint64_t messagesBefore = sink.messages;
        const bool consumed = feedInChunks(
            work, feed.chunk, [&](std::span<std::uint8_t> bytes) { return reader.feed(bytes); });
        return consumed && sink.dataBytes - before == expectedBytes &&
               sink.messages - messagesBefore == stream.frames;
    });
    return fromSeconds(s, sink.violated ? "MessageReader violation " + sink.violation
                                        : "MessageReader did not deliver every message");
}

}  // namespace bench
