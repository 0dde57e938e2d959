#include "sockscope/dissector/dissector.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <set>
#include <unordered_map>
#include <vector>

#include "anomaly_limiter.h"
#include "connection.h"

namespace sockscope::dissector {

namespace {
using FlowKey = std::pair<SocketAddress, SocketAddress>;  // ordered: first < second

// Every packet looks its flow up: a hash table, not a tree of memcmp'd
// 38-byte keys (that tree cost 4% of `read` on a busy capture).
struct FlowKeyHash {
    std::size_t operator()(const FlowKey& key) const noexcept {
        std::uint64_t h = 0;
        const auto mix = [&h](std::uint64_t v) {
            h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
        };
        for (const SocketAddress* a : {&key.first, &key.second}) {
            std::uint64_t lo = 0, hi = 0;
            std::memcpy(&lo, a->ip.data(), 8);
            std::memcpy(&hi, a->ip.data() + 8, 8);
            mix(lo);
            mix(hi);
            mix(std::uint64_t(a->port) | std::uint64_t(a->v6) << 16);
        }
        return std::size_t(h);
    }
};

FlowKey keyOf(const TcpSegment& s) {
    return s.source < s.destination ? FlowKey{s.source, s.destination}
                                    : FlowKey{s.destination, s.source};
}
}  // namespace

struct Dissector::State {
    // In front of the user's sink: every event goes through it (shared.sink).
    detail::AnomalyLimiter limiter;
    detail::DissectorShared shared;
    PacketDecoder decoder;
    std::unordered_map<FlowKey, std::unique_ptr<detail::Connection>, FlowKeyHash> flows;
    std::deque<FlowKey> order;  // creation order, for the flow limit
    // Flows that ended (FIN/RST): their late packets (ACKs, retransmitted
    // FINs) are ignored instead of starting a new flow. Bounded, oldest first out.
    std::set<FlowKey> ended;
    std::deque<FlowKey> endedOrder;
    static constexpr std::size_t kMaxEnded = 65536;

    void retire(const FlowKey& key) {
        auto it = flows.find(key);
        if (it == flows.end())
            return;
        buffered -= std::min(buffered, it->second->bufferedBytes());
        forgetLastFlow();
        flows.erase(it);
        if (ended.insert(key).second)
            endedOrder.push_back(key);
        while (endedOrder.size() > kMaxEnded) {
            ended.erase(endedOrder.front());
            endedOrder.pop_front();
        }
        // Drop retired keys from the creation order now and then (amortised).
        if (order.size() > 2 * flows.size() + 1024) {
            std::deque<FlowKey> live;
            for (const FlowKey& k : order)
                if (flows.count(k))
                    live.push_back(k);
            order.swap(live);
        }
    }
    StreamOrigin last;
    std::size_t buffered = 0;  // out-of-order bytes held by all flows
    // TLS connections whose end waits for keys (live capture), checked as capture time goes on.
    std::set<FlowKey> keyWaits;

    void expireKeyWaits(const StreamOrigin& now) {
        if (keyWaits.empty())
            return;
        for (const FlowKey& key : keyWaits) {
            auto it = flows.find(key);
            if (it != flows.end())
                it->second->expireKeyWait(now);
        }
        retireEnded();
    }
    // Retires the waiting connections that ended (their keys came, or the wait expired).
    void retireEnded() {
        for (auto key = keyWaits.begin(); key != keyWaits.end();) {
            auto it = flows.find(*key);
            if (it == flows.end() || it->second->done()) {
                const FlowKey done = *key;
                key = keyWaits.erase(key);
                retire(done);
            } else {
                ++key;
            }
        }
    }

    // Keeps the bytes held across all flows under the overall bound: the
    // flow holding the most gives up its first hole (reported as a gap).
    void enforceBufferBound(const StreamOrigin& origin) {
        while (buffered > shared.options.maxBufferedBytes) {
            // Ties go to the lowest address pair, so the choice does not
            // depend on the hash table's order.
            detail::Connection* largest = nullptr;
            const FlowKey* largestKey = nullptr;
            for (auto& [key, flow] : flows)
                if (!largest || flow->bufferedBytes() > largest->bufferedBytes() ||
                    (flow->bufferedBytes() == largest->bufferedBytes() && key < *largestKey)) {
                    largest = flow.get();
                    largestKey = &key;
                }
            const std::size_t freed = largest ? largest->releaseBuffered(origin) : 0;
            if (freed == 0)
                return;
            buffered -= std::min(buffered, freed);
        }
    }

    State(DissectorOptions options, DissectionSink& sink)
        : limiter(sink, options.maxAnomaliesPerKind), decoder(options.ip) {
        shared.options = std::move(options);
        shared.sink = &limiter;
    }

    void anomaly(CaptureAnomaly kind, std::string detail, const StreamOrigin& origin) {
        AnomalyEvent e;
        e.ts = origin.ts;
        e.packet = origin.packet;
        e.kind = std::string(captureAnomalyInfo(kind).id);
        e.rfc = std::string(captureAnomalyInfo(kind).rfc);
        e.detail = std::move(detail);
        shared.sink->onAnomaly(e);
    }

    // The flow of the previous packet: most packets continue the same one
    // (a message spans many segments), and a comparison costs less than a
    // hash lookup. Cleared whenever a flow is erased.
    detail::Connection* lastFlow = nullptr;
    FlowKey lastKey;

    void forgetLastFlow() { lastFlow = nullptr; }

    detail::Connection* flowFor(const TcpSegment& segment, const StreamOrigin& origin) {
        const FlowKey key = keyOf(segment);
        const bool newSyn = (segment.flags & tcp_flag::Syn) && !(segment.flags & tcp_flag::Ack);
        if (lastFlow && key == lastKey && !(newSyn && lastFlow->done()))
            return lastFlow;
        detail::Connection* flow = findOrStartFlow(key, newSyn, segment, origin);
        lastFlow = flow;
        lastKey = key;
        return flow;
    }

    detail::Connection* findOrStartFlow(const FlowKey& key, bool newSyn, const TcpSegment& segment,
                                        const StreamOrigin& origin) {
        auto it = flows.find(key);
        if (it == flows.end() && ended.count(key)) {
            if (!newSyn)
                return nullptr;  // a late packet of a finished connection
            ended.erase(key);    // the port pair is reused
        }
        if (it != flows.end() && !(newSyn && it->second->done()))
            return it->second.get();
        if (it != flows.end()) {
            // The port pair is reused by a new connection.
            buffered -= std::min(buffered, it->second->bufferedBytes());
            it->second->finish(origin);
            forgetLastFlow();
            flows.erase(it);
        }
        while (flows.size() >= shared.options.maxFlows && !order.empty()) {
            auto oldest = flows.find(order.front());
            order.pop_front();
            if (oldest == flows.end())
                continue;
            anomaly(CaptureAnomaly::FlowLimit,
                    "more than " + std::to_string(shared.options.maxFlows) +
                        " flows tracked: the oldest (" + oldest->first.first.toString() + " - " +
                        oldest->first.second.toString() + ") is no longer followed",
                    origin);
            buffered -= std::min(buffered, oldest->second->bufferedBytes());
            oldest->second->finish(origin);
            forgetLastFlow();
            flows.erase(oldest);
        }
        order.push_back(key);
        auto [inserted, ok] =
            flows.emplace(key, std::make_unique<detail::Connection>(shared, segment));
        return inserted->second.get();
    }
};

Dissector::Dissector(DissectorOptions options, DissectionSink& sink)
    : state_(std::make_unique<State>(std::move(options), sink)) {}

Dissector::~Dissector() = default;

void Dissector::packet(const RawPacket& packet) {
    const PacketDecode decoded = state_->decoder.decode(packet);
    StreamOrigin origin{packet.number, decoded.segment.payloadOffset, packet.ts};
    state_->last = origin;
    // Not about this packet (it only moved capture time on): no "packet N:" prefix.
    for (const std::string& expired : decoded.expiredFragments)
        state_->anomaly(CaptureAnomaly::IpFragment, expired, origin);
    if (decoded.status == DecodeStatus::Malformed ||
        (decoded.anomaly && decoded.status != DecodeStatus::Tcp)) {
        if (decoded.anomaly)
            state_->anomaly(*decoded.anomaly,
                            "packet " + std::to_string(packet.number) + ": " + decoded.detail,
                            origin);
        return;
    }
    if (decoded.status != DecodeStatus::Tcp)
        return;
    if (decoded.anomaly)  // e.g. snaplen-truncated: the reassembler also reports the gap
        state_->anomaly(*decoded.anomaly,
                        "packet " + std::to_string(packet.number) + ": " + decoded.detail, origin);
    detail::Connection* flow = state_->flowFor(decoded.segment, origin);
    if (!flow)
        return;
    const std::size_t before = flow->bufferedBytes();
    flow->segment(decoded.segment, origin);
    const std::size_t after = flow->bufferedBytes();
    state_->buffered = state_->buffered - std::min(state_->buffered, before) + after;
    if (flow->done())
        state_->retire(keyOf(decoded.segment));  // frees its buffers and decoders now
    else if (after > before)
        state_->enforceBufferBound(origin);
    else if (flow->waitingToEnd())
        state_->keyWaits.insert(keyOf(decoded.segment));
    state_->expireKeyWaits(origin);
}

void Dissector::keysAdded() {
    for (auto& [key, connection] : state_->flows)
        connection->keysAdded(state_->last);
    state_->retireEnded();
}

void Dissector::finish() {
    // Outside any connection, like the datagrams that time out on the way.
    for (const std::string& incomplete : state_->decoder.finish())
        state_->anomaly(CaptureAnomaly::IpFragment, incomplete, state_->last);
    // Connections still open end in address order, whatever the hash table's.
    std::vector<std::pair<FlowKey, detail::Connection*>> open;
    open.reserve(state_->flows.size());
    for (auto& [key, connection] : state_->flows)
        open.emplace_back(key, connection.get());
    std::sort(open.begin(), open.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [key, connection] : open)
        connection->finish(state_->last);
    // After the connections' ends: what is left is outside any connection.
    state_->limiter.finish();
}

}  // namespace sockscope::dissector
