#include "ip_fragments.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <iterator>

namespace sockscope::dissector {

namespace {

// Neither IPv4's total length nor IPv6's payload length can describe more.
constexpr std::uint64_t kMaxDatagram = 65535;

std::string ipText(bool v6, const std::array<std::uint8_t, 16>& ip) {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, ip.data(), text, sizeof text);
    return text;
}

std::string hex(std::uint32_t value) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    do {
        out.insert(out.begin(), digits[value & 15]);
        value >>= 4;
    } while (value);
    return "0x" + out;
}

// Whether `now` is `seconds` or more after `first`. Capture time can go
// backwards (merged captures, clock steps): a `now` before `first` has not
// waited at all, so no difference is ever taken the wrong way round.
bool waitedAtLeast(Timestamp first, Timestamp now, std::uint32_t seconds) {
    constexpr std::uint32_t kMaxNanoseconds = 999999999;
    const std::uint32_t firstNs = std::min(first.nanoseconds, kMaxNanoseconds);
    const std::uint32_t nowNs = std::min(now.nanoseconds, kMaxNanoseconds);
    if (now.seconds < first.seconds || (now.seconds == first.seconds && nowNs < firstNs))
        return false;
    // now >= first: the difference fits an unsigned 64-bit count of seconds
    // (two's-complement wraparound makes it exact), one less on a borrow.
    std::uint64_t whole = std::uint64_t(now.seconds) - std::uint64_t(first.seconds);
    if (nowNs < firstNs)
        --whole;
    return whole >= seconds;
}

}  // namespace

std::string describeDatagram(const FragmentKey& key) {
    return std::string(key.v6 ? "IPv6" : "IPv4") + " datagram " + ipText(key.v6, key.source) +
           " -> " + ipText(key.v6, key.destination) + " id " + hex(key.id);
}

void FragmentTable::drop(Table::iterator it) {
    heldBytes_ -= it->second.data.size();
    byAge_.erase(it->second.age);
    byTime_.erase(it->second.started);
    datagrams_.erase(it);
}

std::vector<std::string> FragmentTable::expire(Timestamp now) {
    now_ = now;
    std::vector<std::string> expired;
    const std::uint32_t timeout = limits_.fragmentTimeoutSeconds;
    while (timeout != 0 && !byTime_.empty()) {
        const auto& [started, key] = *byTime_.begin();
        if (!waitedAtLeast({started.first, started.second}, now, timeout))
            break;
        const auto it = datagrams_.find(key);
        expired.push_back(describeDatagram(key) + ": timed out after " + std::to_string(timeout) +
                          " s " + progress(it->second) + "; datagram dropped");
        drop(it);
    }
    return expired;
}

std::vector<std::string> FragmentTable::dropIncomplete() {
    std::vector<std::string> dropped;
    while (!byAge_.empty()) {
        const auto it = datagrams_.find(byAge_.begin()->second);
        dropped.push_back(describeDatagram(it->first) + ": still incomplete at the end of the " +
                          "capture " + progress(it->second) + "; datagram dropped");
        drop(it);
    }
    return dropped;
}

std::string FragmentTable::progress(const Datagram& d) {
    std::uint64_t received = 0;
    for (const auto& [from, to] : d.have)
        received += to - from;
    return "with " + std::to_string(received) +
           (d.totalKnown ? " of " + std::to_string(d.total) + " bytes received"
                         : " bytes received (last fragment not seen)");
}

std::size_t FragmentTable::makeRoom(std::size_t grow, bool adding, const FragmentKey& keep) {
    std::size_t dropped = 0;
    while (heldBytes_ + grow > limits_.maxFragmentBytes ||
           (adding && datagrams_.size() >= limits_.maxFragmentDatagrams)) {
        auto oldest = std::find_if(byAge_.begin(), byAge_.end(),
                                   [&](const auto& entry) { return entry.second != keep; });
        if (oldest == byAge_.end())
            break;
        drop(datagrams_.find(oldest->second));
        ++dropped;
    }
    return dropped;
}

FragmentResult FragmentTable::add(const FragmentKey& key, std::uint32_t offset, bool last,
                                  std::span<const std::uint8_t> bytes) {
    FragmentResult result;
    if (bytes.empty() && !last)
        return result;  // adds nothing and ends nothing
    auto it = datagrams_.find(key);
    const bool adding = it == datagrams_.end();
    const std::string what = describeDatagram(key);
    auto dropWith = [&](std::string why) {
        if (!adding)
            drop(it);
        result.kind = FragmentResult::Kind::Dropped;
        result.detail = what + ": " + why + "; datagram dropped";
        return result;
    };

    const std::uint64_t end = std::uint64_t(offset) + bytes.size();
    const std::string range =
        "fragment bytes " + std::to_string(offset) + "-" + std::to_string(end);
    if (end > kMaxDatagram)
        return dropWith(range + " end past the 65535-byte maximum");
    if (!last && bytes.size() % 8 != 0)
        return dropWith("non-final fragment of " + std::to_string(bytes.size()) +
                        " bytes is not a multiple of 8");
    if (!adding) {
        const Datagram& d = it->second;
        if (d.totalKnown && end > d.total)
            return dropWith(range + " end past the last fragment's end " + std::to_string(d.total));
        if (last && !d.totalKnown && end < d.data.size())
            return dropWith("last fragment ends at " + std::to_string(end) + " but bytes up to " +
                            std::to_string(d.data.size()) + " were received");
        if (last && d.totalKnown && end != d.total)
            return dropWith("a second last fragment ends at " + std::to_string(end) +
                            ", the first at " + std::to_string(d.total));
        // Overlaps: an identical copy is a harmless duplicate; different
        // bytes are ambiguous (and a known evasion), so neither copy is trusted.
        auto r = d.have.upper_bound(offset);
        if (r != d.have.begin())
            --r;
        for (; r != d.have.end() && r->first < end; ++r) {
            const std::uint64_t from = std::max<std::uint64_t>(offset, r->first);
            const std::uint64_t to = std::min<std::uint64_t>(end, r->second);
            if (from < to && std::memcmp(d.data.data() + from, bytes.data() + (from - offset),
                                         std::size_t(to - from)) != 0)
                return dropWith(range + " overlap bytes " + std::to_string(from) + "-" +
                                std::to_string(to) + " already received with different content");
        }
    }

    const std::size_t size = adding ? 0 : it->second.data.size();
    const std::size_t grow = end > size ? std::size_t(end) - size : 0;
    const std::size_t evicted = makeRoom(grow, adding, key);
    const std::string limitText = "fragment limit (" +
                                  std::to_string(limits_.maxFragmentDatagrams) + " datagrams, " +
                                  std::to_string(limits_.maxFragmentBytes) + " bytes)";
    if (heldBytes_ + grow > limits_.maxFragmentBytes ||
        (adding && datagrams_.size() >= limits_.maxFragmentDatagrams))
        return dropWith(range + " do not fit the " + limitText);
    if (evicted)
        result.detail = limitText + " reached: dropped the " + std::to_string(evicted) +
                        " oldest incomplete datagram(s) to hold " + what;

    if (adding) {
        it = datagrams_.emplace(key, Datagram{}).first;
        it->second.age = nextAge_++;
        byAge_.emplace(it->second.age, key);
        it->second.started = byTime_.emplace(TimeKey{now_.seconds, now_.nanoseconds}, key);
    }
    Datagram& d = it->second;
    if (grow) {
        d.data.resize(std::size_t(end));
        heldBytes_ += grow;
    }
    std::copy(bytes.begin(), bytes.end(), d.data.begin() + offset);
    // Merge [offset, end) into the received ranges.
    std::uint32_t from = offset, to = std::uint32_t(end);
    auto r = d.have.lower_bound(from);
    if (r != d.have.begin() && std::prev(r)->second >= from)
        --r;
    while (r != d.have.end() && r->first <= to) {
        from = std::min(from, r->first);
        to = std::max(to, r->second);
        r = d.have.erase(r);
    }
    d.have.emplace(from, to);
    if (last) {
        d.total = std::uint32_t(end);
        d.totalKnown = true;
    }

    const bool whole = d.totalKnown && d.have.size() == 1 && d.have.begin()->first == 0 &&
                       d.have.begin()->second == d.total;
    if (!whole)
        return result;
    completed_ = std::move(d.data);
    completed_.resize(d.total);
    d.data.clear();
    heldBytes_ -= size + grow;
    byAge_.erase(d.age);
    byTime_.erase(d.started);
    datagrams_.erase(it);
    result.kind = FragmentResult::Kind::Complete;
    result.datagram = completed_;
    return result;
}

}  // namespace sockscope::dissector
