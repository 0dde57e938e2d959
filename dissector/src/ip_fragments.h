#pragma once
// IPv4 and IPv6 fragment reassembly within PacketDecoderLimits. A datagram is
// keyed by (version, source, destination, identification, protocol); its bytes
// are held until every hole between 0 and the last fragment's end is filled.
// When a limit is hit the oldest incomplete datagrams are dropped (and
// reported), so memory never grows past the limits; so is a datagram still
// incomplete after the limits' timeout in capture time.

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "sockscope/dissector/packet.h"
#include "sockscope/dissector/packet_decoder.h"

namespace sockscope::dissector {

struct FragmentKey {
    bool v6 = false;
    std::array<std::uint8_t, 16> source{};
    std::array<std::uint8_t, 16> destination{};
    std::uint32_t id = 0;
    std::uint8_t protocol = 0;  // IPv4 protocol, or the IPv6 fragment header's next header
    auto operator<=>(const FragmentKey&) const = default;
};

// "IPv4 datagram 10.0.0.1 -> 10.0.0.2 id 0x1234" for anomaly details.
std::string describeDatagram(const FragmentKey& key);

struct FragmentResult {
    enum class Kind : std::uint8_t { Held, Complete, Dropped };
    Kind kind = Kind::Held;
    // Complete: the reassembled fragmentable part; valid until the next add().
    std::span<const std::uint8_t> datagram;
    // Dropped: why. Held or Complete: non-empty when a limit dropped others.
    std::string detail;
};

class FragmentTable {
public:
    explicit FragmentTable(PacketDecoderLimits limits) : limits_(limits) {}

    // Capture time moves on to `now` (the packet being decoded; called for
    // every packet, fragment or not, before add()): drops each datagram whose
    // first fragment came the timeout or more before `now` and returns a
    // detail per datagram dropped. Datagrams that later add()s start are
    // stamped with `now`.
    std::vector<std::string> expire(Timestamp now);

    // The end of the capture: drops every datagram still incomplete and
    // returns a detail per datagram, oldest first.
    std::vector<std::string> dropIncomplete();

    // One fragment: `offset` bytes into the fragmentable part, `last` when it
    // has no more-fragments flag.
    FragmentResult add(const FragmentKey& key, std::uint32_t offset, bool last,
                       std::span<const std::uint8_t> bytes);

    std::size_t heldBytes() const { return heldBytes_; }
    std::size_t datagramCount() const { return datagrams_.size(); }

private:
    // Capture time as (seconds, nanoseconds), to order datagrams for expiry.
    using TimeKey = std::pair<std::int64_t, std::uint32_t>;
    // By first-fragment time, which is not arrival order when capture time
    // goes backwards: expire() only ever looks at the earliest.
    using ByTime = std::multimap<TimeKey, FragmentKey>;

    struct Datagram {
        std::vector<std::uint8_t> data;               // sized to the furthest byte seen
        std::map<std::uint32_t, std::uint32_t> have;  // received ranges: start -> end, merged
        std::uint32_t total = 0;                      // known once the last fragment arrived
        bool totalKnown = false;
        std::uint64_t age = 0;     // arrival order of the first fragment, for eviction
        ByTime::iterator started;  // its entry in byTime_: the first fragment's capture time
    };
    using Table = std::map<FragmentKey, Datagram>;

    void drop(Table::iterator it);
    // "with 48 of 60 bytes received": how far an incomplete datagram got.
    static std::string progress(const Datagram& d);
    // Makes room for `grow` more bytes (and a new datagram when `adding`) by
    // dropping the oldest datagrams other than `keep`; returns how many.
    std::size_t makeRoom(std::size_t grow, bool adding, const FragmentKey& keep);

    PacketDecoderLimits limits_;
    Table datagrams_;
    std::map<std::uint64_t, FragmentKey> byAge_;
    ByTime byTime_;
    Timestamp now_;  // of the packet being decoded (expire())
    std::size_t heldBytes_ = 0;
    std::uint64_t nextAge_ = 0;
    std::vector<std::uint8_t> completed_;
};

// The decoder's (privately named) table.
struct PacketDecoder::Fragments : FragmentTable {
    using FragmentTable::FragmentTable;
};

}  // namespace sockscope::dissector
