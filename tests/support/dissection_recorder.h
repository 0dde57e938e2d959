#pragma once
// A DissectionSink that keeps every event and renders messages and anomalies
// as short lines, so dissector tests assert exactly what was recovered:
//   "conn=1 client text Hello", "conn=1 server close 1000 bye",
//   "anomaly conn=1 tcp-gap".

#include <sockscope/core/opcode.h>
#include <sockscope/dissector/events.h>

#include <string>
#include <vector>

namespace sockscope::test {

class DissectionRecorder : public dissector::DissectionSink {
public:
    std::vector<dissector::ConnectionEvent> connections;
    std::vector<dissector::HandshakeEvent> handshakes;
    std::vector<dissector::SegmentEvent> segments;
    std::vector<dissector::FrameEvent> frames;
    std::vector<dissector::MessageEvent> messages;
    std::vector<dissector::AnomalyEvent> anomalies;
    std::vector<dissector::EndEvent> ends;

    void onConnection(const dissector::ConnectionEvent& e) override { connections.push_back(e); }
    void onHandshake(const dissector::HandshakeEvent& e) override { handshakes.push_back(e); }
    void onSegment(const dissector::SegmentEvent& e) override { segments.push_back(e); }
    void onFrame(const dissector::FrameEvent& e) override { frames.push_back(e); }
    void onMessage(const dissector::MessageEvent& e) override { messages.push_back(e); }
    void onAnomaly(const dissector::AnomalyEvent& e) override { anomalies.push_back(e); }
    void onEnd(const dissector::EndEvent& e) override { ends.push_back(e); }

    // Data messages (and closes) as lines; pings and pongs too when asked.
    std::vector<std::string> messageLines(bool withControl = false) const {
        std::vector<std::string> lines;
        for (const auto& m : messages) {
            const bool control = m.opcode >= 0x8;
            if (control && m.opcode != 0x8 && !withControl)
                continue;
            std::string line = "conn=" + std::to_string(m.conn) + " " +
                               std::string(dissector::directionName(m.dir)) + " " +
                               std::string(opcodeName(m.opcode));
            if (m.opcode == 0x8) {
                line += " " + (m.closeCode ? std::to_string(*m.closeCode) : std::string("none"));
                if (!m.closeReason.empty())
                    line += " " + m.closeReason;
            } else {
                line += " " + std::string(m.payload.begin(), m.payload.end());
            }
            lines.push_back(line);
        }
        return lines;
    }

    std::vector<std::string> anomalyKinds() const {
        std::vector<std::string> kinds;
        for (const auto& a : anomalies)
            kinds.push_back(a.kind);
        return kinds;
    }

    bool hasAnomaly(const std::string& kind) const {
        for (const auto& a : anomalies)
            if (a.kind == kind)
                return true;
        return false;
    }
};

}  // namespace sockscope::test
