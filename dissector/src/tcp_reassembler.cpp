#include "sockscope/dissector/tcp_reassembler.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

namespace sockscope::dissector {

namespace {

std::string packetPrefix(const StreamOrigin& origin) {
    return "packet " + std::to_string(origin.packet) + ": ";
}

}  // namespace

TcpReassembler::Run TcpReassembler::Run::sub(std::uint64_t from, std::uint64_t to) const {
    Run r = *this;
    r.begin = from;
    r.end = to;
    if (data)
        r.data = data + (from - begin);
    r.origin.packetOffset = origin.packetOffset + static_cast<std::uint32_t>(from - begin);
    return r;
}

void TcpReassembler::Mismatch::compare(const std::uint8_t* kept, const std::uint8_t* resent,
                                       std::uint64_t length, std::uint64_t streamOffset) {
    if (length == 0 || std::memcmp(kept, resent, length) == 0)
        return;
    for (std::uint64_t i = 0; i < length; ++i) {
        if (kept[i] == resent[i])
            continue;
        if (count == 0 || streamOffset + i < first)
            first = streamOffset + i;
        last = std::max(last, streamOffset + i);
        ++count;
    }
}

TcpReassembler::TcpReassembler(TcpStreamSink& sink, TcpReassemblerLimits limits)
    : sink_(sink), limits_(limits), recent_(limits.retransmissionWindow) {}

void TcpReassembler::segment(const TcpSegment& segment, const StreamOrigin& origin) {
    if (ended_)
        return;  // data, FIN or RST after the end: nothing left to reassemble
    if (!started_ && !start(segment))
        return;
    if (segment.flags & tcp_flag::Rst) {
        // Nothing more will come: release what is held (holes become gaps), then end.
        releaseAll();
        ended_ = true;
        sink_.onStreamEnd(true, origin);
        return;
    }
    const bool syn = segment.flags & tcp_flag::Syn;
    const bool fin = segment.flags & tcp_flag::Fin;
    // The SYN occupies one sequence number before the first data byte.
    const std::int64_t at = unwrap(segment.seq + (syn ? 1u : 0u));
    const std::int64_t captured = static_cast<std::int64_t>(segment.payload.size());
    const std::int64_t total = captured + segment.missingBytes;
    // A keep-alive carries the sequence number just before the next byte and
    // at most one junk byte: it is not a retransmission to compare.
    if (!syn && !fin && total <= 1 && at + 1 == static_cast<std::int64_t>(next_))
        return;

    Mismatch mismatch;
    accept(at, at + captured, segment.payload.data(), origin, mismatch);
    if (segment.missingBytes > 0) {
        StreamOrigin cut = origin;
        cut.packetOffset += static_cast<std::uint32_t>(captured);
        accept(at + captured, at + total, nullptr, cut, mismatch);
    }
    if (fin && !finSeen_) {
        finSeen_ = true;
        finOffset_ =
            std::max(next_, static_cast<std::uint64_t>(std::max<std::int64_t>(0, at + total)));
        trimPendingFrom(finOffset_);
    }
    if (mismatch.count > 0) {
        sink_.onStreamAnomaly(CaptureAnomaly::TcpRetransmissionMismatch,
                              packetPrefix(origin) + std::to_string(mismatch.count) +
                                  " retransmitted bytes differ from the first copy in stream "
                                  "offsets " +
                                  std::to_string(mismatch.first) + ".." +
                                  std::to_string(mismatch.last) + "; the first copy is kept",
                              origin);
    }
    enforceLimit(origin);
    maybeEnd(origin);
}

void TcpReassembler::flush(const StreamOrigin& origin) {
    if (ended_ || !started_)
        return;
    releaseAll();
    if (finSeen_ && next_ < finOffset_)  // the FIN says exactly how much is missing
        deliverRun(Run{next_, finOffset_, nullptr, origin});
    maybeEnd(origin);
}

// Anchors stream offset 0. Without a SYN, a segment with no payload, FIN or
// RST (a pure ACK, a zero-length keep-alive) carries no position worth
// anchoring on: wait for the first one that does.
bool TcpReassembler::start(const TcpSegment& segment) {
    const bool anchors = (segment.flags & (tcp_flag::Syn | tcp_flag::Fin | tcp_flag::Rst)) ||
                         !segment.payload.empty() || segment.missingBytes > 0;
    if (!anchors)
        return false;
    isn_ = (segment.flags & tcp_flag::Syn) ? segment.seq + 1u : segment.seq;
    started_ = true;
    return true;
}

// Serial-number arithmetic (RFC 1982) relative to the next expected byte: a
// sequence number within 2^31 behind or ahead of it maps to the nearest
// 64-bit stream offset, so neither wraparound nor a stale segment from
// before the start can be taken for data 4 GiB ahead.
std::int64_t TcpReassembler::unwrap(std::uint32_t seq) const {
    const std::uint32_t expected = isn_ + static_cast<std::uint32_t>(next_);
    const auto delta = static_cast<std::int32_t>(seq - expected);
    return static_cast<std::int64_t>(next_) + delta;
}

void TcpReassembler::accept(std::int64_t begin, std::int64_t end, const std::uint8_t* data,
                            const StreamOrigin& origin, Mismatch& mismatch) {
    if (finSeen_)
        end = std::min(end, static_cast<std::int64_t>(finOffset_));  // nothing after the FIN
    if (end <= 0 || end <= begin)
        return;
    // Bytes before the stream start (e.g. a SYN seen after the data) are dropped.
    const std::int64_t skip = begin < 0 ? -begin : 0;
    Run run{static_cast<std::uint64_t>(begin + skip), static_cast<std::uint64_t>(end),
            data ? data + skip : nullptr, origin};
    run.origin.packetOffset += static_cast<std::uint32_t>(skip);
    if (run.begin < next_) {  // a retransmission of delivered bytes, maybe with a new tail
        if (run.data)
            compareDelivered(run, std::min(run.end, next_), mismatch);
        if (run.end <= next_)
            return;
        run = run.sub(next_, run.end);
    }
    if (run.begin == next_)
        deliverInOrder(run, mismatch);
    else
        insertPending(run, mismatch);
}

void TcpReassembler::compareDelivered(const Run& run, std::uint64_t to, Mismatch& mismatch) const {
    // Older bytes than the window cannot be checked any more; they are dropped silently.
    recent_.forEach(run.begin, to,
                    [&](std::uint64_t offset, const std::uint8_t* first, std::size_t n) {
                        mismatch.compare(first, run.data + (offset - run.begin), n, offset);
                    });
}

// `run` starts at next_. Its bytes go out straight from the segment (zero
// copy) except where a buffered first copy already covers them.
void TcpReassembler::deliverInOrder(const Run& run, Mismatch& mismatch) {
    if (run.data)
        carveGaps(run.begin, run.end);  // captured bytes beat a snaplen gap marker
    while (next_ < run.end) {
        const auto it = pending_.begin();
        if (it == pending_.end() || it->first >= run.end) {
            deliverRun(run.sub(next_, run.end));
            break;
        }
        if (it->first > next_)
            deliverRun(run.sub(next_, it->first));
        if (run.data && !it->second.bytes.empty()) {
            const std::uint64_t overlap = std::min(run.end, it->first + it->second.length());
            mismatch.compare(it->second.bytes.data(), run.data + (it->first - run.begin),
                             overlap - it->first, it->first);
        }
        releasePending(it);
    }
    drain();
}

// `run` starts beyond next_: copy the parts no earlier segment covers.
void TcpReassembler::insertPending(const Run& run, Mismatch& mismatch) {
    if (run.data)
        carveGaps(run.begin, run.end);
    auto it = pending_.lower_bound(run.begin);
    if (it != pending_.begin()) {
        const auto before = std::prev(it);
        if (before->first + before->second.length() > run.begin)
            it = before;
    }
    std::uint64_t at = run.begin;
    for (; it != pending_.end() && it->first < run.end && at < run.end; ++it) {
        const std::uint64_t itEnd = it->first + it->second.length();
        if (it->first > at)
            addPending(run.sub(at, it->first));  // inserted before `it`: iteration goes on
        const std::uint64_t from = std::max(at, it->first);
        const std::uint64_t to = std::min(run.end, itEnd);
        if (run.data && !it->second.bytes.empty() && from < to)
            mismatch.compare(it->second.bytes.data() + (from - it->first),
                             run.data + (from - run.begin), to - from, from);
        at = std::max(at, itEnd);
    }
    if (at < run.end)
        addPending(run.sub(at, run.end));
}

void TcpReassembler::addPending(const Run& run) {
    Pending p;
    p.origin = run.origin;
    if (run.data) {
        p.bytes.assign(run.data, run.data + (run.end - run.begin));
        buffered_ += p.bytes.size();
    } else {
        p.gap = run.end - run.begin;
    }
    pending_.emplace(run.begin, std::move(p));
}

// Removes the parts of buffered gap markers inside [begin, end).
void TcpReassembler::carveGaps(std::uint64_t begin, std::uint64_t end) {
    auto it = pending_.lower_bound(begin);
    if (it != pending_.begin())
        --it;
    while (it != pending_.end() && it->first < end) {
        const std::uint64_t itBegin = it->first;
        const std::uint64_t itEnd = itBegin + it->second.length();
        if (!it->second.bytes.empty() || itEnd <= begin) {
            ++it;
            continue;
        }
        const StreamOrigin origin = it->second.origin;
        it = pending_.erase(it);
        if (itBegin < begin)
            pending_.emplace(itBegin, Pending{{}, begin - itBegin, origin});
        if (itEnd > end) {
            StreamOrigin after = origin;
            after.packetOffset += static_cast<std::uint32_t>(end - itBegin);
            it = pending_.emplace(end, Pending{{}, itEnd - end, after}).first;
            ++it;
        }
    }
}

// Drops everything buffered at or after `offset` (bytes beyond a FIN).
void TcpReassembler::trimPendingFrom(std::uint64_t offset) {
    auto it = pending_.lower_bound(offset);
    if (it != pending_.begin()) {
        auto before = std::prev(it);
        Pending& p = before->second;
        const std::uint64_t keep = offset - before->first;
        if (p.length() > keep) {
            if (p.bytes.empty()) {
                p.gap = keep;
            } else {
                buffered_ -= p.bytes.size() - keep;
                p.bytes.resize(keep);
            }
        }
    }
    for (auto drop = it; drop != pending_.end(); ++drop)
        buffered_ -= drop->second.bytes.size();
    pending_.erase(it, pending_.end());
}

// Hands the sink the run starting at next_ and moves past it.
void TcpReassembler::deliverRun(const Run& run) {
    const std::uint64_t length = run.end - run.begin;
    if (length == 0)
        return;
    if (run.data) {
        const std::span<const std::uint8_t> bytes(run.data, static_cast<std::size_t>(length));
        recent_.append(bytes);
        next_ = run.end;
        sink_.onStreamData(bytes, run.begin, run.origin);
    } else {
        next_ = run.end;
        recent_.skip(length);  // unknown bytes cannot be compared
        sink_.onStreamGap(run.begin, length, run.origin);
    }
}

void TcpReassembler::releasePending(PendingMap::iterator it) {
    const std::uint64_t offset = it->first;
    Pending p = std::move(it->second);
    pending_.erase(it);
    buffered_ -= p.bytes.size();
    if (p.bytes.empty())
        deliverRun(Run{offset, offset + p.gap, nullptr, p.origin});
    else
        deliverRun(Run{offset, offset + p.bytes.size(), p.bytes.data(), p.origin});
}

void TcpReassembler::drain() {
    while (!pending_.empty() && pending_.begin()->first == next_)
        releasePending(pending_.begin());
}

// Gives up on the first hole: reports it as a gap (at the origin of the
// bytes after it) and releases what follows in order.
void TcpReassembler::skipHole() {
    const auto first = pending_.begin();
    deliverRun(Run{next_, first->first, nullptr, first->second.origin});
    drain();
}

void TcpReassembler::releaseAll() {
    while (!pending_.empty())
        skipHole();
}

void TcpReassembler::enforceLimit(const StreamOrigin& origin) {
    while (!pending_.empty() && (buffered_ > limits_.maxOutOfOrderBytes ||
                                 pending_.size() > limits_.maxOutOfOrderSegments)) {
        giveUp(origin, std::to_string(buffered_) + " bytes in " + std::to_string(pending_.size()) +
                           " out-of-order segments exceed the limit (" +
                           std::to_string(limits_.maxOutOfOrderBytes) + " bytes, " +
                           std::to_string(limits_.maxOutOfOrderSegments) + " segments)");
    }
}

std::size_t TcpReassembler::giveUpFirstHole(const StreamOrigin& origin) {
    if (ended_ || pending_.empty())
        return 0;
    const std::size_t before = buffered_;
    giveUp(origin, "the out-of-order limit of all flows together was reached");
    maybeEnd(origin);
    return before - buffered_;
}

void TcpReassembler::giveUp(const StreamOrigin& origin, const std::string& why) {
    const std::uint64_t hole = pending_.begin()->first - next_;
    sink_.onStreamAnomaly(CaptureAnomaly::TcpOutOfOrderLimit,
                          packetPrefix(origin) + why + ": the " + std::to_string(hole) +
                              " bytes missing at stream offset " + std::to_string(next_) +
                              " are given up as lost",
                          origin);
    skipHole();
}

void TcpReassembler::maybeEnd(const StreamOrigin& origin) {
    if (ended_ || !finSeen_ || next_ < finOffset_)
        return;
    ended_ = true;
    sink_.onStreamEnd(false, origin);
}

}  // namespace sockscope::dissector
