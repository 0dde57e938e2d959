// permessage-deflate compression and decompression with zlib's raw DEFLATE
// (RFC 7692 §7.2). Negotiation is in permessage_deflate.cpp.

// next_in is const: zlib never writes through it.
#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>

#include "sockscope/core/permessage_deflate.h"

namespace sockscope {
namespace {

// §7.2.1 removes, and §7.2.2 appends, the tail of an empty stored block.
constexpr std::array<std::uint8_t, 4> kTail{0x00, 0x00, 0xff, 0xff};

// zlib counts in 32-bit uInt; larger spans are handed over in pieces.
constexpr std::size_t kMaxPiece = std::size_t{1} << 30;

// Each inflate() call writes into a scratch buffer of this size, whose bytes
// then go to the caller's InflateOutput. Large enough that zlib's fast loop
// runs and its window update (a copy of the last 32 KiB of every call's
// output) stays well under the output itself; small enough to stay in L2.
// Inflating into a caller's vector directly would zero-fill it first
// (resize), which cost more than this copy (about 2.5x the output in memset).
constexpr std::size_t kOutputStep = std::size_t{64} << 10;

// The ratio cap applies once a message has produced this much (header contract).
constexpr std::uint64_t kRatioFloor = 64 * 1024;

constexpr int kInflateWindowBits = 15;
constexpr std::size_t kInflateWindowSize = std::size_t{1} << kInflateWindowBits;

// Window bits for our compressor. zlib's deflate has no 256-byte window: raw
// deflateInit2() rejects -8 since zlib 1.2.9 (madler/zlib#171). We compress
// with 9 instead, which is safe for a peer that agreed to 8: zlib never emits
// a match distance above w_size - MIN_LOOKAHEAD (deflate.h MAX_DIST), which for
// a 512-byte window is 512 - 262 = 250 bytes, inside the peer's 256-byte
// window. Node's zlib binding makes the same substitution; python-websockets
// instead declines 8. Declining would refuse a valid offer, so we accept it;
// tst_permessage_deflate checks our output with a strict 256-byte inflater.
int deflateWindowBits(int agreed) {
    return std::clamp(agreed, 9, 15);
}

uInt pieceSize(std::size_t left) {
    return static_cast<uInt>(std::min(left, kMaxPiece));
}

bool endsWithTail(const std::vector<std::uint8_t>& out, std::size_t start) {
    return out.size() - start >= kTail.size() &&
           std::equal(kTail.begin(), kTail.end(), out.end() - kTail.size());
}

// Grows capacity geometrically, but never past `limit`: a decompression bomb
// must not make the vector allocate beyond the output cap.
void reserveWithin(std::vector<std::uint8_t>& out, std::size_t need, std::size_t limit) {
    if (out.capacity() >= need) {
        return;
    }
    out.reserve(std::max(need, std::min(out.capacity() * 2, limit)));
}

// One scratch buffer per thread, shared by every inflater on it: it only
// holds bytes during one inflate() call, and a dissector with hundreds of
// compressed directions then keeps one cache-warm buffer instead of one each.
std::uint8_t* sharedScratch() {
    thread_local const std::unique_ptr<std::uint8_t[]> scratch =
        std::make_unique_for_overwrite<std::uint8_t[]>(kOutputStep);
    return scratch.get();
}

// Collects the output in a vector, never reserving past `limit`.
class VectorOutput final : public InflateOutput {
public:
    VectorOutput(std::vector<std::uint8_t>& out, std::size_t limit) : out_(out), limit_(limit) {}
    void write(std::span<const std::uint8_t> bytes) override {
        reserveWithin(out_, out_.size() + bytes.size(), limit_);
        out_.insert(out_.end(), bytes.begin(), bytes.end());
    }

private:
    std::vector<std::uint8_t>& out_;
    std::size_t limit_;
};

[[noreturn]] void throwInitFailure(int rc, const char* what) {
    if (rc == Z_MEM_ERROR) {
        throw std::bad_alloc();
    }
    // Only a zlib build that disagrees with zlib.h gets here; never peer input.
    throw std::runtime_error(std::string(what) + " failed: " + zError(rc));
}

}  // namespace

// ---------------------------------------------------------------- deflater --

struct MessageDeflater::State {
    z_stream strm{};
    bool noContextTakeover = false;
    ~State() { deflateEnd(&strm); }
};

MessageDeflater::MessageDeflater(int windowBits, bool noContextTakeover, int level)
    : state_(std::make_unique<State>()) {
    state_->noContextTakeover = noContextTakeover;
    const int rc = deflateInit2(&state_->strm, std::clamp(level, -1, 9), Z_DEFLATED,
                                -deflateWindowBits(windowBits), 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
        throwInitFailure(rc, "deflateInit2");
    }
}

MessageDeflater::~MessageDeflater() = default;
MessageDeflater::MessageDeflater(MessageDeflater&&) noexcept = default;
MessageDeflater& MessageDeflater::operator=(MessageDeflater&&) noexcept = default;

void MessageDeflater::compress(std::span<const std::uint8_t> message,
                               std::vector<std::uint8_t>& out) {
    if (!state_) {
        return;  // moved-from
    }
    z_stream& strm = state_->strm;
    const std::size_t start = out.size();
    const std::uint8_t* next = message.data();
    std::size_t left = message.size();
    do {
        const uInt piece = pieceSize(left);
        strm.next_in = next;
        strm.avail_in = piece;
        next += piece;
        left -= piece;
        // Z_SYNC_FLUSH ends the message on a byte boundary with an empty
        // stored block, 00 00 ff ff (§7.2.1 steps 2-3).
        const int flush = left == 0 ? Z_SYNC_FLUSH : Z_NO_FLUSH;
        do {
            const std::size_t old = out.size();
            const uInt room = pieceSize(deflateBound(&strm, strm.avail_in) + 64);
            out.resize(old + room);
            strm.next_out = out.data() + old;
            strm.avail_out = room;
            // Z_BUF_ERROR only means "no progress possible": nothing pending.
            (void)deflate(&strm, flush);
            out.resize(old + room - strm.avail_out);
        } while (strm.avail_out == 0);
    } while (left > 0);

    if (out.size() == start) {
        // zlib emits nothing for an empty message right after a previous
        // flush; §7.2.3.6 gives 0x00 (an empty stored block header) for it.
        out.push_back(0x00);
    } else if (endsWithTail(out, start)) {
        out.resize(out.size() - kTail.size());  // §7.2.1 step 4
    }
    if (state_->noContextTakeover) {
        deflateReset(&strm);
    }
}

// ---------------------------------------------------------------- inflater --

struct MessageInflater::State {
    z_stream strm{};
    bool noContextTakeover = false;
    std::uint64_t maxOutput = 0;
    double maxRatio = 0;

    std::uint64_t messageOutput = 0;  // decompressed bytes of the current message
    std::uint64_t messageInput = 0;   // peer bytes of it consumed (our tail excluded)
    bool messageStart = true;         // the next call begins a new message
    // A block with BFINAL=1 ended zlib's stream and no DEFLATE data followed yet.
    bool streamEnded = false;
    // Sticky for the rest of a message that failed.
    std::optional<InflateStatus> messageFailed;
    // With context takeover, a failed message leaves the shared window unknown.
    bool contextLost = false;
    std::string lastError;

    ~State() { inflateEnd(&strm); }

    InflateStatus fail(InflateStatus status, std::string why) {
        messageFailed = status;
        lastError = std::move(why);
        return status;
    }

    InflateStatus zlibFailure(int rc) {
        return fail(InflateStatus::Error, strm.msg != nullptr ? strm.msg : zError(rc));
    }

    bool ratioExceeded() const {
        return maxRatio > 0 && messageOutput > kRatioFloor &&
               static_cast<double>(messageOutput) >
                   maxRatio * static_cast<double>(std::max<std::uint64_t>(messageInput, 1));
    }

    // §7.2.3.4 lets a sender end blocks with BFINAL=1 and carry on with more
    // blocks, which zlib treats as a finished stream. Start a new zlib stream
    // primed with the old window: blocks after a final one may still refer
    // back (within the message, and across messages with context takeover),
    // and a sender that did restart its compressor simply never refers back.
    bool restartKeepingWindow() {
        std::vector<Bytef> window(kInflateWindowSize);
        uInt length = 0;
        const Bytef* next = strm.next_in;
        const uInt avail = strm.avail_in;
        if (inflateGetDictionary(&strm, window.data(), &length) != Z_OK ||
            inflateReset(&strm) != Z_OK ||
            (length > 0 && inflateSetDictionary(&strm, window.data(), length) != Z_OK)) {
            return false;
        }
        strm.next_in = next;
        strm.avail_in = avail;
        streamEnded = false;
        return true;
    }

    InflateStatus run(std::span<const std::uint8_t> input, bool fromPeer, InflateOutput& out);
    InflateStatus finishMessage(InflateOutput& out);
    void endMessage(InflateStatus status);
};

// Inflates `input` into `out`, never letting the message exceed maxOutput.
InflateStatus MessageInflater::State::run(std::span<const std::uint8_t> input, bool fromPeer,
                                          InflateOutput& out) {
    const std::uint8_t* next = input.data();
    std::size_t left = input.size();
    strm.next_in = next;
    strm.avail_in = 0;
    std::uint8_t* const scratch = sharedScratch();

    // Each pass consumes input or produces output (bounded by the budget), or
    // returns: the loop ends.
    for (;;) {
        if (strm.avail_in == 0 && left > 0) {
            const uInt piece = pieceSize(left);
            strm.next_in = next;
            strm.avail_in = piece;
            next += piece;
            left -= piece;
        }
        if (streamEnded) {
            if (strm.avail_in == 0) {
                return InflateStatus::Ok;
            }
            if (!fromPeer) {
                // Only our appended tail follows the final block: the message
                // ended with that block, so the tail is not DEFLATE data.
                strm.avail_in = 0;
                return InflateStatus::Ok;
            }
            if (!restartKeepingWindow()) {
                return fail(InflateStatus::Error, "cannot restart inflate after a final block");
            }
        }

        // With the budget spent, inflate into one spare byte: if zlib has any
        // more output, the message is too big, and `out` stays within the cap.
        const std::uint64_t budget = maxOutput - messageOutput;
        const bool probing = budget == 0;
        std::uint8_t spare = 0;
        uInt room = 1;
        if (probing) {
            strm.next_out = &spare;
        } else {
            room =
                pieceSize(static_cast<std::size_t>(std::min<std::uint64_t>(kOutputStep, budget)));
            strm.next_out = scratch;
        }
        strm.avail_out = room;
        const uInt inBefore = strm.avail_in;
        const int rc = ::inflate(&strm, Z_SYNC_FLUSH);
        const uInt produced = room - strm.avail_out;
        if (fromPeer) {
            messageInput += inBefore - strm.avail_in;
        }
        if (probing) {
            if (produced > 0) {
                return fail(InflateStatus::TooBig, "decompressed message exceeds the limit of " +
                                                       std::to_string(maxOutput) + " bytes");
            }
        } else if (produced > 0) {
            out.write({scratch, produced});
            messageOutput += produced;
        }

        if (rc == Z_STREAM_END) {
            streamEnded = true;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            return zlibFailure(rc);
        }
        if (ratioExceeded()) {
            return fail(InflateStatus::TooBig,
                        "decompressed/compressed ratio exceeds " + std::to_string(maxRatio));
        }
        if (strm.avail_out == 0) {
            continue;  // more output may be waiting
        }
        // Output space left over: zlib stopped for want of input.
        if (strm.avail_in != 0) {
            return fail(InflateStatus::Error, "inflate made no progress");  // not expected
        }
        if (left == 0) {
            return InflateStatus::Ok;
        }
    }
}

// §7.2.2: appends 00 00 ff ff and checks that the message ended where a new
// DEFLATE block may start.
InflateStatus MessageInflater::State::finishMessage(InflateOutput& out) {
    if (streamEnded) {
        // Ended by a BFINAL block without the 0x00 that §7.2.3.4 adds after
        // it; nothing is ambiguous, so accept it as a complete message.
        return InflateStatus::Ok;
    }
    const InflateStatus status = run(kTail, false, out);
    if (status != InflateStatus::Ok || streamEnded) {
        return status;
    }
    // zlib sets bit 7 of data_type when it stopped right before a block
    // header. Anything else is a message cut off inside a block, which would
    // also garble the next message's start.
    if ((strm.data_type & 128) == 0) {
        return fail(InflateStatus::Error,
                    "compressed message does not end on a DEFLATE block boundary");
    }
    return InflateStatus::Ok;
}

void MessageInflater::State::endMessage(InflateStatus status) {
    messageStart = true;
    messageFailed.reset();
    if (noContextTakeover) {
        // §7.2.2: each message starts with an empty window.
        inflateReset(&strm);
        streamEnded = false;
    } else if (status != InflateStatus::Ok) {
        contextLost = true;
    }
}

MessageInflater::MessageInflater(int windowBits, bool noContextTakeover, std::uint64_t maxOutput,
                                 double maxRatio)
    : state_(std::make_unique<State>()) {
    // windowBits is what the peer agreed to compress with. We inflate with a
    // 32 KiB window anyway: a larger window decodes every valid stream the
    // same, and zlib cannot enforce a smaller one exactly (it accepts any
    // distance into output of the same inflate() call), so a strict small
    // window would make the result depend on how the input was chunked.
    (void)windowBits;
    state_->noContextTakeover = noContextTakeover;
    state_->maxOutput = maxOutput;
    state_->maxRatio = maxRatio;
    const int rc = inflateInit2(&state_->strm, -kInflateWindowBits);
    if (rc != Z_OK) {
        throwInitFailure(rc, "inflateInit2");
    }
}

MessageInflater::~MessageInflater() = default;
MessageInflater::MessageInflater(MessageInflater&&) noexcept = default;
MessageInflater& MessageInflater::operator=(MessageInflater&&) noexcept = default;

InflateStatus MessageInflater::inflate(std::span<const std::uint8_t> compressed, bool fin,
                                       std::vector<std::uint8_t>& out) {
    std::size_t limit = out.size();
    if (state_) {
        // What the rest of the message may still produce (a new message: all of maxOutput).
        const std::uint64_t budget =
            state_->messageStart ? state_->maxOutput : state_->maxOutput - state_->messageOutput;
        limit += static_cast<std::size_t>(
            std::min<std::uint64_t>(budget, std::numeric_limits<std::size_t>::max() - out.size()));
    }
    VectorOutput output(out, limit);
    return inflate(compressed, fin, output);
}

InflateStatus MessageInflater::inflate(std::span<const std::uint8_t> compressed, bool fin,
                                       InflateOutput& out) {
    if (!state_) {
        return InflateStatus::Error;  // moved-from
    }
    State& s = *state_;
    if (s.messageStart) {
        s.messageStart = false;
        s.messageOutput = 0;
        s.messageInput = 0;
        if (s.contextLost) {
            s.fail(InflateStatus::Error,
                   "an earlier message failed to inflate, so the shared window is lost");
        }
    }
    InflateStatus status = InflateStatus::Ok;
    if (s.messageFailed) {
        status = *s.messageFailed;
    } else {
        status = s.run(compressed, true, out);
        if (status == InflateStatus::Ok && fin) {
            status = s.finishMessage(out);
        }
    }
    if (fin) {
        s.endMessage(status);
    }
    return status;
}

std::string MessageInflater::lastError() const {
    return state_ ? state_->lastError : "moved-from";
}

std::uint64_t MessageInflater::messageOutput() const {
    return state_ ? state_->messageOutput : 0;
}

}  // namespace sockscope
