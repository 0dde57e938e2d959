#pragma once
// What the capture benchmarks run the dissector into when they time the
// library alone: counts of what it reports, checked against the generator.

#include <sockscope/dissector/events.h>

#include <chrono>
#include <cstdint>

namespace bench {

class CountingSink : public sockscope::dissector::DissectionSink {
public:
    std::uint64_t connections = 0, handshakes = 0, frames = 0, messages = 0, anomalies = 0;
    std::uint64_t payloadBytes = 0;
    void onConnection(const sockscope::dissector::ConnectionEvent&) override { ++connections; }
    void onHandshake(const sockscope::dissector::HandshakeEvent&) override { ++handshakes; }
    void onFrame(const sockscope::dissector::FrameEvent&) override { ++frames; }
    void onMessage(const sockscope::dissector::MessageEvent& m) override {
        ++messages;
        payloadBytes += m.length;
    }
    void onAnomaly(const sockscope::dissector::AnomalyEvent&) override { ++anomalies; }
};

inline double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace bench
