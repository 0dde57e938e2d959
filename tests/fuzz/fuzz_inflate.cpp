// libFuzzer target: permessage-deflate's MessageInflater and, in round-trip
// mode, MessageDeflater. Byte 1 seeds the piece sizes (bits 0-1), picks the
// output overload (bit 2) and whether a message ends with its last piece or
// with an empty final call (bit 3). Then messages: each a 2-byte big-endian
// length and its bytes.
//
// Inflate mode (byte 0 bit 7 clear): bit 0 no context takeover, bits 1-3 the
// output cap, bits 4-6 the ratio cap; the messages are compressed data. Each
// is inflated in pieces and compared with zlib inflating the same bytes and
// the 00 00 ff ff tail in one call, on a stream that keeps its window across
// messages exactly when the inflater must: the target finds wrong output and
// wrong verdicts, not only crashes.
//
// Round-trip mode (bit 7 set): bit 0 no context takeover, bits 1-3 the agreed
// window (8..15), bits 4-6 the compression level; the messages are plaintext.
// What MessageDeflater makes must inflate within the agreed window (zlib with
// exactly that window) and back to the plaintext through MessageInflater.
#define ZLIB_CONST
#include <zlib.h>

#include <sockscope/core/permessage_deflate.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_support.h"

namespace {

using sockscope::InflateStatus;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kOutputCaps[] = {0, 1, 100, 4096, 65536, 65537, 1u << 20, 1u << 20};
constexpr double kRatioCaps[] = {0, 0, 0, 0, 1.0, 2.5, 10, 1000};
constexpr int kLevels[] = {-1, 0, 1, 2, 5, 6, 9, 9};
constexpr std::array<std::uint8_t, 4> kTail{0x00, 0x00, 0xff, 0xff};

// zlib in one call per message: what the inflater must agree with.
class ReferenceInflater {
public:
    ReferenceInflater(int windowBits, bool noContextTakeover) : noContext_(noContextTakeover) {
        FUZZ_CHECK(inflateInit2(&strm_, -windowBits) == Z_OK);
    }
    ~ReferenceInflater() { inflateEnd(&strm_); }
    ReferenceInflater(const ReferenceInflater&) = delete;
    ReferenceInflater& operator=(const ReferenceInflater&) = delete;

    // nullopt when the result cannot be known cheaply: a final block followed
    // by more data (the inflater restarts zlib there), or a stream whose
    // shared window is already out of step.
    std::optional<InflateStatus> inflate(std::span<const std::uint8_t> message, std::uint64_t cap,
                                         Bytes& out) {
        if (noContext_) {
            inflateReset(&strm_);
            inStep_ = true;
        }
        if (!inStep_)
            return std::nullopt;
        Bytes input(message.begin(), message.end());
        input.insert(input.end(), kTail.begin(), kTail.end());
        strm_.next_in = input.data();
        strm_.avail_in = static_cast<uInt>(input.size());
        std::array<std::uint8_t, 16384> buffer;
        for (;;) {
            strm_.next_out = buffer.data();
            strm_.avail_out = buffer.size();
            const int rc = ::inflate(&strm_, Z_SYNC_FLUSH);
            const std::size_t produced = buffer.size() - strm_.avail_out;
            const std::size_t room = static_cast<std::size_t>(cap + 1 - out.size());
            out.insert(out.end(), buffer.begin(), buffer.begin() + std::min(produced, room));
            if (out.size() > cap) {
                inStep_ = false;
                return InflateStatus::TooBig;
            }
            if (rc == Z_STREAM_END) {
                inStep_ = false;
                const std::size_t consumed = input.size() - strm_.avail_in;
                if (consumed < message.size())
                    return std::nullopt;
                return InflateStatus::Ok;
            }
            if (rc != Z_OK && rc != Z_BUF_ERROR) {
                inStep_ = false;
                return InflateStatus::Error;
            }
            if (strm_.avail_out != 0 && strm_.avail_in == 0)
                break;
            FUZZ_CHECK(strm_.avail_out == 0);
        }
        // A message must end where a new block may start (RFC 7692 §7.2.2).
        if ((strm_.data_type & 128) == 0) {
            inStep_ = false;
            return InflateStatus::Error;
        }
        return InflateStatus::Ok;
    }

private:
    z_stream strm_{};
    bool noContext_;
    bool inStep_ = true;
};

class CollectingOutput final : public sockscope::InflateOutput {
public:
    explicit CollectingOutput(Bytes& out) : out_(out) {}
    void write(std::span<const std::uint8_t> bytes) override {
        FUZZ_CHECK(!bytes.empty());
        out_.insert(out_.end(), bytes.begin(), bytes.end());
    }

private:
    Bytes& out_;
};

// Feeds one message in pieces; checks that a failed message stays failed
// and produces nothing more.
InflateStatus inflateInPieces(sockscope::MessageInflater& inflater,
                              std::span<const std::uint8_t> message, std::uint8_t control,
                              fuzz::ChunkSizes& sizes, std::uint64_t cap, Bytes& out) {
    const bool vectorOverload = (control & 4) != 0;
    const bool finWithLastPiece = (control & 8) != 0;
    CollectingOutput collector(out);
    std::optional<InflateStatus> failed;
    const auto call = [&](std::span<const std::uint8_t> piece, bool fin) {
        const std::size_t before = out.size();
        const InflateStatus status = vectorOverload ? inflater.inflate(piece, fin, out)
                                                    : inflater.inflate(piece, fin, collector);
        if (failed) {
            FUZZ_CHECK(status == *failed && out.size() == before);
        } else if (status != InflateStatus::Ok) {
            failed = status;
        }
        FUZZ_CHECK(out.size() <= cap);
        if (vectorOverload)
            FUZZ_CHECK(out.capacity() <= cap);
        return status;
    };
    std::size_t pos = 0;
    while (pos < message.size()) {
        const std::size_t n = std::min(sizes.next(), message.size() - pos);
        const bool last = pos + n == message.size();
        const InflateStatus status = call(message.subspan(pos, n), last && finWithLastPiece);
        pos += n;
        if (last && finWithLastPiece)
            return status;
    }
    return call({}, true);
}

void inflateMode(std::uint8_t selector, std::uint8_t control, fuzz::Reader& input) {
    const bool noContext = (selector & 1) != 0;
    const std::uint64_t cap = kOutputCaps[(selector >> 1) & 7];
    const double ratio = kRatioCaps[(selector >> 4) & 7];
    sockscope::MessageInflater inflater(15, noContext, cap, ratio);
    ReferenceInflater reference(15, noContext);
    fuzz::ChunkSizes sizes(control);
    bool contextLost = false;
    while (!input.empty()) {
        const std::span<const std::uint8_t> message = input.bytes(input.u16());
        Bytes out;
        const InflateStatus status = inflateInPieces(inflater, message, control, sizes, cap, out);
        FUZZ_CHECK(inflater.messageOutput() == out.size());
        Bytes expected;
        const std::optional<InflateStatus> verdict = reference.inflate(message, cap, expected);
        if (contextLost) {
            // The shared window is gone: every later message fails.
            FUZZ_CHECK(status == InflateStatus::Error && out.empty());
        } else if (verdict) {
            // Ratio caps depend on how much input zlib had taken in when it
            // produced output, so only size caps give a split-proof verdict.
            if (ratio == 0)
                FUZZ_CHECK(status == *verdict);
            if (status == InflateStatus::Ok)
                FUZZ_CHECK(*verdict == InflateStatus::Ok && out == expected);
            else
                FUZZ_CHECK(out.size() <= expected.size() &&
                           std::equal(out.begin(), out.end(), expected.begin()));
        }
        if (status != InflateStatus::Ok && !noContext)
            contextLost = true;
    }
}

void roundTripMode(std::uint8_t selector, std::uint8_t control, fuzz::Reader& input) {
    const bool noContext = (selector & 1) != 0;
    const int windowBits = 8 + ((selector >> 1) & 7);
    const int level = kLevels[(selector >> 4) & 7];
    sockscope::MessageDeflater deflater(windowBits, noContext, level);
    constexpr std::uint64_t kCap = 1u << 20;
    sockscope::MessageInflater inflater(windowBits, noContext, kCap);
    ReferenceInflater reference(windowBits, noContext);
    fuzz::ChunkSizes sizes(control);
    while (!input.empty()) {
        const std::span<const std::uint8_t> plain = input.bytes(input.u16());
        Bytes compressed;
        deflater.compress(plain, compressed);
        FUZZ_CHECK(!compressed.empty());
        Bytes strict;
        FUZZ_CHECK(reference.inflate(compressed, kCap, strict) == InflateStatus::Ok);
        FUZZ_CHECK(std::equal(plain.begin(), plain.end(), strict.begin(), strict.end()));
        Bytes out;
        FUZZ_CHECK(inflateInPieces(inflater, compressed, control, sizes, kCap, out) ==
                   InflateStatus::Ok);
        FUZZ_CHECK(std::equal(plain.begin(), plain.end(), out.begin(), out.end()));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Reader input({data, size});
    const std::uint8_t selector = input.byte();
    const std::uint8_t control = input.byte();
    if (selector & 0x80)
        roundTripMode(selector, control, input);
    else
        inflateMode(selector, control, input);
    return 0;
}
