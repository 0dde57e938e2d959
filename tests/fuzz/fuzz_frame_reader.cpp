// libFuzzer target: FrameDecoder and MessageReader, the codec layers under the
// Endpoint and the dissector. Byte 0 picks the reader (sender role, strict or
// lenient, permessage-deflate with or without context takeover, RSV1 of an
// unknown extension, limits), byte 1 seeds the piece sizes, the rest is one
// direction's stream. Besides crashes it finds wrong results:
// - FrameDecoder must see the headers and unmasked payload that
//   parseFrameHeader finds walking the whole buffer (a separate code path);
// - MessageReader must report the same events whether the stream comes whole
//   through the read-only feed or in pieces through the in-place one;
// - a text message reported valid must be UTF-8 (the one-shot validator).
#include <sockscope/core/frame_decoder.h>
#include <sockscope/core/frame_header.h>
#include <sockscope/core/message_reader.h>
#include <sockscope/core/utf8.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "fuzz_support.h"

namespace {

using sockscope::FrameHeader;
using sockscope::FrameOffsets;
using sockscope::ViolationKind;

// Big enough for every limit below: payloads are kept whole for the checks.
constexpr std::uint64_t kMaxKept = 1u << 20;

struct LimitsRow {
    std::uint64_t frame;
    std::uint64_t message;
    std::uint32_t fragments;
};
constexpr LimitsRow kLimits[] = {
    {1u << 20, 1u << 20, 1u << 17},
    {125, 1000, 4},
    {0, 0, 1},
    {1u << 16, 4096, 64},
    {1u << 20, 100, 1u << 17},  // small inflate cap
    {1u << 20, 1u << 20, 2},
    {1u << 20, 1u << 20, 1u << 17},
    {1u << 20, 1u << 20, 1u << 17},
};

sockscope::MessageReaderConfig readerConfig(std::uint8_t s) {
    sockscope::MessageReaderConfig config;
    config.sender = (s & 1) ? sockscope::Role::Server : sockscope::Role::Client;
    config.strict = (s & 2) == 0;
    if (s & 4) {
        sockscope::DeflateParams params;
        params.clientNoContextTakeover = params.serverNoContextTakeover = (s & 8) != 0;
        config.deflate = params;
    }
    config.rsv1Unknown = (s & 0x10) != 0;
    const LimitsRow& row = kLimits[s >> 5];
    config.limits.maxFrameSize = row.frame;
    config.limits.maxMessageSize = row.message;
    config.limits.maxFragments = row.fragments;
    // Ratio caps depend on how much input zlib had buffered: fuzz_inflate covers them.
    config.limits.maxDecompressionRatio = 0;
    return config;
}

bool sameHeader(const FrameHeader& a, const FrameHeader& b) {
    return a.fin == b.fin && a.rsv1 == b.rsv1 && a.rsv2 == b.rsv2 && a.rsv3 == b.rsv3 &&
           a.opcode == b.opcode && a.masked == b.masked && (!a.masked || a.maskKey == b.maskKey) &&
           a.payloadLength == b.payloadLength && a.lengthEncoding == b.lengthEncoding;
}

// ---------------------------------------------------------------- decoder --

struct ReferenceFrame {
    FrameHeader header;
    std::uint64_t offset = 0;
    std::size_t headerSize = 0;
    bool lengthViolation = false;
};

// Every header parseFrameHeader finds walking the buffer, and the unmasked
// payload bytes present.
void referenceWalk(std::span<const std::uint8_t> input, std::vector<ReferenceFrame>& frames,
                   std::vector<std::uint8_t>& payload, std::size_t& completeFrames) {
    std::size_t pos = 0;
    completeFrames = 0;
    while (pos < input.size()) {
        const sockscope::HeaderParse parse = sockscope::parseFrameHeader(input.subspan(pos));
        if (parse.status != sockscope::HeaderStatus::Complete) {
            FUZZ_CHECK(parse.needed > input.size() - pos && parse.needed <= 14);
            return;
        }
        FUZZ_CHECK(parse.consumed == parse.header.size());
        frames.push_back({parse.header, pos, parse.consumed, parse.violation.has_value()});
        const std::size_t start = pos + parse.consumed;
        const std::size_t present = static_cast<std::size_t>(
            std::min<std::uint64_t>(parse.header.payloadLength, input.size() - start));
        for (std::size_t i = 0; i < present; ++i) {
            const std::uint8_t key = parse.header.masked ? parse.header.maskKey[i % 4] : 0;
            payload.push_back(input[start + i] ^ key);
        }
        if (present < parse.header.payloadLength)
            return;
        ++completeFrames;
        pos = start + present;
    }
}

class DecoderRecorder final : public sockscope::FrameSink {
public:
    std::vector<ReferenceFrame> frames;
    std::vector<std::uint8_t> payload;
    std::size_t ends = 0;

    bool onFrameHeader(const FrameHeader& header, const FrameOffsets& offsets,
                       const sockscope::ProtocolError* lengthViolation) override {
        FUZZ_CHECK(!inFrame_);
        FUZZ_CHECK(offsets.payload == offsets.header + header.size());
        FUZZ_CHECK(offsets.maskKey == (header.masked ? offsets.payload - 4 : offsets.payload));
        if (lengthViolation)
            FUZZ_CHECK(lengthViolation->offset >= offsets.header &&
                       lengthViolation->offset < offsets.payload);
        frames.push_back({header, offsets.header, header.size(), lengthViolation != nullptr});
        inFrame_ = true;
        expected_ = 0;
        return true;
    }
    bool onFramePayload(std::span<const std::uint8_t> chunk, std::uint64_t at) override {
        FUZZ_CHECK(inFrame_ && !chunk.empty() && at == expected_);
        expected_ += chunk.size();
        FUZZ_CHECK(expected_ <= frames.back().header.payloadLength);
        payload.insert(payload.end(), chunk.begin(), chunk.end());
        return true;
    }
    bool onFrameEnd() override {
        FUZZ_CHECK(inFrame_ && expected_ == frames.back().header.payloadLength);
        inFrame_ = false;
        ++ends;
        return true;
    }

private:
    bool inFrame_ = false;
    std::uint64_t expected_ = 0;
};

void checkDecoder(std::span<const std::uint8_t> input, std::uint8_t seed) {
    std::vector<ReferenceFrame> expected;
    std::vector<std::uint8_t> expectedPayload;
    std::size_t completeFrames = 0;
    referenceWalk(input, expected, expectedPayload, completeFrames);

    std::vector<std::uint8_t> copy(input.begin(), input.end());
    sockscope::FrameDecoder decoder;
    DecoderRecorder recorder;
    fuzz::ChunkSizes sizes(seed);
    for (std::size_t pos = 0; pos < copy.size();) {
        const std::size_t n = std::min(sizes.next(), copy.size() - pos);
        FUZZ_CHECK(decoder.feed(std::span(copy.data() + pos, n), recorder) == n);
        pos += n;
    }
    FUZZ_CHECK(decoder.offset() == input.size());
    FUZZ_CHECK(recorder.frames.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        FUZZ_CHECK(sameHeader(recorder.frames[i].header, expected[i].header));
        FUZZ_CHECK(recorder.frames[i].offset == expected[i].offset);
        FUZZ_CHECK(recorder.frames[i].lengthViolation == expected[i].lengthViolation);
    }
    FUZZ_CHECK(recorder.payload == expectedPayload);
    FUZZ_CHECK(recorder.ends == completeFrames);
}

// ----------------------------------------------------------------- reader --

// FNV-1a: payloads enter the event log as size and hash.
std::uint64_t hashOf(std::span<const std::uint8_t> bytes) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const std::uint8_t b : bytes)
        h = (h ^ b) * 0x100000001b3ull;
    return h;
}

// Records MessageReader's events as lines, so two runs compare with == and
// a difference prints readably.
class ReaderRecorder final : public sockscope::MessageSink {
public:
    explicit ReaderRecorder(const sockscope::MessageReaderConfig& config) : config_(config) {}
    std::vector<std::string> log;

    bool onFrame(const FrameHeader& h, const FrameOffsets& offsets) override {
        add("frame fin=%d rsv=%d%d%d masked=%d op=%u len=%llu at=%llu", h.fin, h.rsv1, h.rsv2,
            h.rsv3, h.masked, h.opcode, ull(h.payloadLength), ull(offsets.header));
        frameStart_ = offsets.payload;
        // A lenient reader goes on past an absurd length: keep the sum from wrapping.
        frameEnd_ = h.payloadLength > UINT64_MAX - offsets.payload
                        ? UINT64_MAX
                        : offsets.payload + h.payloadLength;
        return true;
    }
    bool onMessageBegin(std::uint8_t opcode, bool compressed) override {
        FUZZ_CHECK(!inMessage_);
        inMessage_ = true;
        // Only an inflated message reports sizes and UTF-8 at the piece
        // being inflated; RSV1 without deflate passes the payload on as is.
        inflated_ = compressed && config_.deflate.has_value();
        payload_.clear();
        add("begin op=%u compressed=%d", opcode, compressed);
        return true;
    }
    bool onMessageData(std::span<const std::uint8_t> data) override {
        FUZZ_CHECK(inMessage_);
        FUZZ_CHECK(payload_.size() + data.size() <= kMaxKept);
        payload_.insert(payload_.end(), data.begin(), data.end());
        return true;
    }
    bool onMessageEnd(const sockscope::MessageSummary& m) override {
        FUZZ_CHECK(inMessage_);
        inMessage_ = false;
        FUZZ_CHECK(m.length == payload_.size());
        FUZZ_CHECK(m.length <= config_.limits.maxMessageSize || !m.valid);
        FUZZ_CHECK(m.frames <= config_.limits.maxFragments || !m.valid);
        // What the reader calls a valid text message must be UTF-8 (unless it
        // is the compressed data of an extension the reader cannot undo).
        const bool readable = !m.compressed || config_.deflate;
        if (m.valid && readable && m.opcode == 1)
            FUZZ_CHECK(sockscope::isValidUtf8(payload_));
        add("end op=%u frames=%u compressed=%d valid=%d wire=%llu length=%llu hash=%016llx",
            m.opcode, m.frames, m.compressed, m.valid, ull(m.wireLength), ull(m.length),
            ull(hashOf(payload_)));
        return true;
    }
    bool onControlFrame(const FrameHeader& h, std::span<const std::uint8_t> payload) override {
        add("control op=%u size=%zu hash=%016llx", h.opcode, payload.size(), ull(hashOf(payload)));
        return true;
    }
    bool onViolation(const sockscope::ProtocolError& error) override {
        FUZZ_CHECK(!error.detail.empty());
        // Inflation reports the wire position of the piece being inflated,
        // which depends on the split: it only has to lie within the frame.
        const bool pieceOffset = error.kind == ViolationKind::InflateFailed ||
                                 error.kind == ViolationKind::DecompressedTooBig ||
                                 (inflated_ && inMessage_ &&
                                  (error.kind == ViolationKind::InvalidUtf8 ||
                                   error.kind == ViolationKind::MessageTooBig));
        const std::string id(error.id());
        if (!pieceOffset) {
            add("violation %s at=%llu", id.c_str(), ull(error.offset));
            return true;
        }
        if (error.offset < frameStart_ || error.offset > frameEnd_)
            std::fprintf(stderr, "%s at %llu, outside the frame's payload [%llu, %llu]: %s\n",
                         id.c_str(), ull(error.offset), ull(frameStart_), ull(frameEnd_),
                         error.detail.c_str());
        FUZZ_CHECK(error.offset >= frameStart_ && error.offset <= frameEnd_);
        add("violation %s in frame", id.c_str());
        return true;
    }

private:
    static unsigned long long ull(std::uint64_t v) { return v; }
    template <typename... Args>
    void add(const char* format, Args... args) {
        char line[256];
        std::snprintf(line, sizeof line, format, args...);
        log.emplace_back(line);
    }

    const sockscope::MessageReaderConfig& config_;
    bool inMessage_ = false;
    bool inflated_ = false;
    std::vector<std::uint8_t> payload_;
    std::uint64_t frameStart_ = 0;
    std::uint64_t frameEnd_ = 0;
};

void checkReader(std::span<const std::uint8_t> input, std::uint8_t selector, std::uint8_t seed) {
    const sockscope::MessageReaderConfig config = readerConfig(selector);

    // In pieces, unmasked in place.
    ReaderRecorder pieces(config);
    std::vector<std::uint8_t> copy(input.begin(), input.end());
    {
        sockscope::MessageReader reader(config, pieces);
        fuzz::ChunkSizes sizes(seed);
        for (std::size_t pos = 0; pos < copy.size();) {
            const std::size_t n = std::min(sizes.next(), copy.size() - pos);
            const std::size_t used = reader.feed(std::span(copy.data() + pos, n));
            FUZZ_CHECK(used <= n);
            if (used < n) {
                FUZZ_CHECK(reader.failed() && config.strict);
                break;
            }
            pos += n;
        }
    }

    // Whole, read-only.
    ReaderRecorder whole(config);
    {
        sockscope::MessageReader reader(config, whole);
        std::vector<std::uint8_t> scratch;
        const std::size_t used = reader.feed(input, scratch);
        FUZZ_CHECK(used == input.size() || (reader.failed() && config.strict));
    }
    if (pieces.log != whole.log)
        fuzz::printDifference("in pieces", pieces.log, "whole", whole.log);
    FUZZ_CHECK(pieces.log == whole.log);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    const std::span<const std::uint8_t> stream(data + 2, size - 2);
    checkDecoder(stream, data[1]);
    checkReader(stream, data[0], data[1]);
    return 0;
}
