#include "inspector/stream_map.h"

#include <algorithm>

namespace sockscope::ui {

// The encoding of one run, relative to the run before it (the decoder state):
//   a tag byte
//     bits 0-5  the packet number's step from the previous run's, 1..63;
//               0: the step follows as a varint v, meaning 64 + v (other
//               connections' packets in between), or -v when the extension
//               byte says so (a segment that arrived early is released after
//               the one that filled the hole before it)
//     bit 6     an extension byte follows
//     bit 7     the length follows (else: the previous run's length, which is
//               the common case of full-sized segments)
//   the extension byte, when present
//     bit 0     a gap: the count of stream bytes missing before the run follows
//     bit 1     the offset in the packet follows (else: the previous one's,
//               the same link, IP and TCP header sizes)
//     bit 2     the step is -v
//   then those varints (LEB128, 7 bits a byte): step, gap, length, offset.
// A full-sized segment is one byte, or two with up to 191 packets of other
// connections before it.
namespace {

constexpr std::uint8_t kStepBits = 0x3f;
constexpr std::int64_t kFarStep = 64;
constexpr std::uint8_t kExtension = 1 << 6;
constexpr std::uint8_t kLength = 1 << 7;
constexpr std::uint8_t kGap = 1 << 0;
constexpr std::uint8_t kPacketOffset = 1 << 1;
constexpr std::uint8_t kBackwards = 1 << 2;

bool getVarint(const std::vector<std::uint8_t>& bytes, std::uint64_t& at, std::uint64_t& value) {
    value = 0;
    for (unsigned shift = 0; shift < 64 && at < bytes.size(); shift += 7) {
        const std::uint8_t b = bytes[at++];
        value |= std::uint64_t(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

}  // namespace

void StreamMap::putVarint(std::uint64_t value) {
    while (value >= 0x80) {
        bytes_.push_back(std::uint8_t(value | 0x80));
        value >>= 7;
    }
    bytes_.push_back(std::uint8_t(value));
}

void StreamMap::append(StreamRun run) {
    if (runs_ > 0 && run.streamOffset < last_.end) {
        const std::uint64_t seen = std::min(last_.end - run.streamOffset, run.length);
        run.streamOffset += seen;
        run.packetOffset += seen;
        run.length -= seen;
    }
    if (run.length == 0)
        return;
    if (runs_ % kCheckpointEvery == 0)
        checkpoints_.push_back({last_, bytes_.size()});

    const std::int64_t step = std::int64_t(run.packet - last_.packet);
    const std::uint64_t gap = run.streamOffset - last_.end;
    std::uint8_t tag = step >= 1 && step < kFarStep ? std::uint8_t(step) : 0;
    std::uint8_t extension = 0;
    if (gap != 0)
        extension |= kGap;
    if (run.packetOffset != last_.packetOffset)
        extension |= kPacketOffset;
    if (step < 1)
        extension |= kBackwards;
    if (extension)
        tag |= kExtension;
    if (run.length != last_.length)
        tag |= kLength;
    bytes_.push_back(tag);
    if (extension)
        bytes_.push_back(extension);
    if (!(tag & kStepBits))
        putVarint(step < 1 ? std::uint64_t(0) - std::uint64_t(step)
                           : std::uint64_t(step - kFarStep));
    if (extension & kGap)
        putVarint(gap);
    if (tag & kLength)
        putVarint(run.length);
    if (extension & kPacketOffset)
        putVarint(run.packetOffset);

    last_ = {run.end(), run.packet, run.length, run.packetOffset};
    ++runs_;
}

std::uint64_t StreamMap::memoryBytes() const {
    return bytes_.capacity() + checkpoints_.capacity() * sizeof(Checkpoint);
}

void StreamMap::compact() {
    bytes_.shrink_to_fit();
    checkpoints_.shrink_to_fit();
}

bool StreamMap::Cursor::next(StreamRun& run) {
    if (!map_ || left_ == 0)
        return false;
    const std::vector<std::uint8_t>& bytes = map_->bytes_;
    if (position_ >= bytes.size())
        return false;
    const std::uint8_t tag = bytes[position_++];
    std::uint8_t extension = 0;
    if (tag & kExtension) {
        if (position_ >= bytes.size())
            return false;
        extension = bytes[position_++];
    }
    std::uint64_t step = tag & kStepBits;
    if (step == 0) {
        std::uint64_t v = 0;
        if (!getVarint(bytes, position_, v))
            return false;
        step = (extension & kBackwards) ? std::uint64_t(0) - v : v + kFarStep;
    }
    std::uint64_t gap = 0;
    if ((extension & kGap) && !getVarint(bytes, position_, gap))
        return false;
    if ((tag & kLength) && !getVarint(bytes, position_, state_.length))
        return false;
    if ((extension & kPacketOffset) && !getVarint(bytes, position_, state_.packetOffset))
        return false;
    state_.packet += step;
    run = {state_.end + gap, state_.length, state_.packet, state_.packetOffset};
    state_.end = run.end();
    --left_;
    return true;
}

StreamMap::Cursor StreamMap::from(std::uint64_t offset) const {
    Cursor cursor;
    if (checkpoints_.empty())
        return cursor;
    // The last checkpoint whose runs start at or before `offset`.
    auto it =
        std::upper_bound(checkpoints_.begin(), checkpoints_.end(), offset,
                         [](std::uint64_t o, const Checkpoint& c) { return o < c.state.end; });
    if (it != checkpoints_.begin())
        --it;
    const std::uint64_t block = std::uint64_t(it - checkpoints_.begin());
    cursor.map_ = this;
    cursor.position_ = it->position;
    cursor.state_ = it->state;
    cursor.left_ = runs_ - block * kCheckpointEvery;
    // Step over the runs that end at or before `offset`.
    for (;;) {
        const Cursor before = cursor;
        StreamRun run;
        if (!cursor.next(run))
            return cursor;
        if (run.end() > offset)
            return before;
    }
}

}  // namespace sockscope::ui
