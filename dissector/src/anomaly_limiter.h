#pragma once
// Coalesces anomaly floods. A hostile or garbage stream can break a rule in
// every frame or packet, and a line per anomaly would bury everything else
// (millions of lines for one bad connection). This sink sits between the
// dissector and the user's sink: per connection (0: anomalies outside any
// connection) and anomaly kind the first `limit` anomalies pass; later ones
// are only counted, and one "anomalies-suppressed" anomaly per (connection,
// kind) says how many were held back, just before the connection's end
// event, or at the end of the capture. Every other event passes unchanged.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sockscope/dissector/events.h"

namespace sockscope::dissector::detail {

class AnomalyLimiter final : public DissectionSink {
public:
    // `limit`: anomalies passed per connection and kind; 0: all of them.
    AnomalyLimiter(DissectionSink& next, std::uint64_t limit) : next_(next), limit_(limit) {}

    void onConnection(const ConnectionEvent& e) override { next_.onConnection(e); }
    void onHandshake(const HandshakeEvent& e) override { next_.onHandshake(e); }
    void onSegment(const SegmentEvent& e) override { next_.onSegment(e); }
    void onFrame(const FrameEvent& e) override { next_.onFrame(e); }
    void onMessage(const MessageEvent& e) override { next_.onMessage(e); }
    void onAnomaly(const AnomalyEvent& e) override;
    // Summaries for the connection first, then the end; its counts are dropped.
    void onEnd(const EndEvent& e) override;

    // End of the capture: summaries for what is still counted (anomalies
    // outside any connection, connections that never ended); counts dropped.
    void finish();

    // (connection, kind) pairs counted now: bounded by the connections still
    // open times the anomaly kinds, as each connection's go with its end.
    std::size_t trackedCount() const;

private:
    struct Count {
        std::uint64_t passed = 0;
        std::uint64_t suppressed = 0;
        // The last suppressed anomaly: the summary carries its time, packet
        // and direction (no direction when the suppressed ones had both).
        AnomalyEvent last;
        bool mixedDirections = false;
    };
    // Transparent comparator: lookups by string_view allocate nothing.
    using Kinds = std::map<std::string, Count, std::less<>>;

    void summarise(std::uint32_t conn, Kinds& kinds);

    DissectionSink& next_;
    std::uint64_t limit_;
    std::map<std::uint32_t, Kinds> counts_;
};

}  // namespace sockscope::dissector::detail
