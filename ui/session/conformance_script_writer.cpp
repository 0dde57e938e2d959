#include "session/conformance_script_writer.h"

#include <QRandomGenerator>
#include <algorithm>
#include <array>

#include "session/conformance_builders.h"
#include "sockscope/core/frame_header.h"
#include "sockscope/core/mask.h"

namespace sockscope::session::conformance {
namespace {

// A step of many frames (a flood, a fragmented message) is framed this much at a time.
constexpr std::size_t kBatchBytes = 256 << 10;

}  // namespace

ScriptWriter::ScriptWriter(const std::vector<Step>& steps, Role role)
    : steps_(steps), role_(role) {}

void ScriptWriter::useDeflate(int windowBits, bool noContextTakeover) {
    deflater_.emplace(windowBits, noContextTakeover);
}

bool ScriptWriter::expandNext(std::deque<WireAction>& out) {
    if (!inStep_) {
        if (stepIndex_ >= steps_.size()) {
            return false;
        }
        inStep_ = true;
        repeatDone_ = 0;
        messageOffset_ = 0;
        messageFirstFrame_ = true;
        messageCompressed_ = false;
        messageWire_.clear();
    }
    const Step& step = steps_[stepIndex_];
    bool done = true;
    if (const auto* frame = std::get_if<FrameStep>(&step)) {
        done = expandFrame(*frame, out);
    } else if (const auto* message = std::get_if<MessageStep>(&step)) {
        done = expandMessage(*message, out);
    } else if (const auto* pause = std::get_if<PauseStep>(&step)) {
        WireAction action;
        action.kind = WireAction::Kind::Pause;
        action.pause = *pause;
        out.push_back(std::move(action));
    } else if (const auto* await = std::get_if<AwaitStep>(&step)) {
        WireAction action;
        action.kind = WireAction::Kind::Await;
        action.await = await->replies;
        out.push_back(std::move(action));
    } else if (const auto* raw = std::get_if<RawStep>(&step)) {
        WireAction action;
        action.bytes = raw->bytes;
        out.push_back(std::move(action));
    }
    if (done) {
        inStep_ = false;
        ++stepIndex_;
    }
    return true;
}

bool ScriptWriter::expandFrame(const FrameStep& step, std::deque<WireAction>& out) {
    static const Bytes kEmpty;
    const Bytes& payload = step.payload ? *step.payload : kEmpty;
    const bool close = step.opcode == build::kClose;
    if (!step.splits.empty()) {
        Bytes wire;
        appendFrame(wire, step, payload);
        const std::size_t headerSize = wire.size() - payload.size();
        std::size_t from = 0;
        for (const FrameSplit& split : step.splits) {
            const std::size_t to = std::min(wire.size(), headerSize + split.payloadOffset);
            WireAction part;
            part.bytes.assign(wire.begin() + static_cast<std::ptrdiff_t>(from),
                              wire.begin() + static_cast<std::ptrdiff_t>(to));
            part.endsMidFrame = true;
            out.push_back(std::move(part));
            WireAction wait;
            wait.kind = WireAction::Kind::Pause;
            wait.pause = PauseStep{split.pauseMs, split.marker};
            out.push_back(std::move(wait));
            from = to;
        }
        WireAction last;
        last.bytes.assign(wire.begin() + static_cast<std::ptrdiff_t>(from), wire.end());
        last.sendsClose = close;
        out.push_back(std::move(last));
        return true;
    }
    WireAction batch;
    batch.sendsClose = close;
    while (repeatDone_ < step.repeat && batch.bytes.size() < kBatchBytes) {
        appendFrame(batch.bytes, step, payload);
        ++repeatDone_;
    }
    out.push_back(std::move(batch));
    return repeatDone_ >= step.repeat;
}

bool ScriptWriter::expandMessage(const MessageStep& step, std::deque<WireAction>& out) {
    static const Bytes kEmpty;
    const Bytes& payload = step.payload ? *step.payload : kEmpty;
    MessageDeflater* deflater = deflater_ ? &*deflater_ : nullptr;
    if (messageFirstFrame_ && messageOffset_ == 0) {
        const bool compress =
            step.compress == Compress::Yes || (step.compress == Compress::IfNegotiated && deflater);
        if (compress && deflater) {
            deflater->compress(payload, messageWire_);
            messageCompressed_ = true;
        }
    }
    const Bytes& wire = messageCompressed_ ? messageWire_ : payload;
    const std::size_t fragment =
        step.fragmentSize == 0 ? std::max<std::size_t>(1, wire.size()) : step.fragmentSize;
    WireAction batch;
    bool done = false;
    while (!done && batch.bytes.size() < kBatchBytes) {
        const std::size_t n = std::min(fragment, wire.size() - messageOffset_);
        FrameStep frame;
        frame.opcode = messageFirstFrame_ ? step.opcode : build::kContinuation;
        frame.rsv1 = messageCompressed_ && messageFirstFrame_;
        frame.fin = messageOffset_ + n >= wire.size();
        appendFrame(batch.bytes, frame, std::span(wire).subspan(messageOffset_, n));
        messageOffset_ += n;
        messageFirstFrame_ = false;
        done = frame.fin;
    }
    out.push_back(std::move(batch));
    return done;
}

void ScriptWriter::appendFrame(Bytes& out, const FrameStep& spec,
                               std::span<const std::uint8_t> payload) const {
    FrameHeader header;
    header.fin = spec.fin;
    header.rsv1 = spec.rsv1;
    header.rsv2 = spec.rsv2;
    header.rsv3 = spec.rsv3;
    header.opcode = spec.opcode;
    header.masked = (role_ == Role::Client) != (spec.masking == Masking::Opposite);
    if (header.masked) {
        const quint32 random = QRandomGenerator::global()->generate();
        header.maskKey = {static_cast<std::uint8_t>(random), static_cast<std::uint8_t>(random >> 8),
                          static_cast<std::uint8_t>(random >> 16),
                          static_cast<std::uint8_t>(random >> 24)};
    }
    header.payloadLength = spec.declaredLength.value_or(payload.size());
    switch (spec.length) {
        case RawLength::Minimal:
            break;
        case RawLength::Force16:
            header.lengthEncoding =
                header.payloadLength <= 0xFFFF ? LengthEncoding::Medium16 : LengthEncoding::Long64;
            break;
        case RawLength::Force64:
            header.lengthEncoding = LengthEncoding::Long64;
            break;
        case RawLength::Force64TopBit:
            header.lengthEncoding = LengthEncoding::Long64;
            header.payloadLength |= std::uint64_t{1} << 63;
            break;
    }
    std::array<std::uint8_t, kMaxFrameHeaderSize> head{};
    const std::size_t headSize = serializeFrameHeader(header, head);
    out.insert(out.end(), head.begin(), head.begin() + static_cast<std::ptrdiff_t>(headSize));
    const std::size_t start = out.size();
    out.insert(out.end(), payload.begin(), payload.end());
    if (header.masked) {
        applyMask(std::span(out).subspan(start), header.maskKey);
    }
}

}  // namespace sockscope::session::conformance
