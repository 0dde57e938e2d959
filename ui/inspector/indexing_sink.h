#pragma once
// Turns dissector events into the compact records of a CaptureBatch: row ids
// for frames and messages, the links between them, per-connection totals,
// and the bytes that cannot be read back from the capture appended to a
// spill file: the decompressed payloads of compressed messages, and the
// decrypted streams of TLS connections (whose stream runs then point into
// the spill file instead of a packet). Runs on the loader's thread; Qt-free.

#include <sockscope/dissector/events.h>

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "inspector/capture_batch.h"

namespace sockscope::ui {

class IndexingSink final : public dissector::DissectionSink {
public:
    // `spill` receives decompressed payloads and decrypted streams (nullptr: not kept).
    explicit IndexingSink(std::FILE* spill = nullptr) : spill_(spill) {}

    // Every packet read, in order (the loader calls this before dissecting it).
    void packet(const dissector::RawPacket& packet);
    // The records made since the last call.
    CaptureBatch takeBatch();
    // Records waiting in the current batch (the loader hands it over when large).
    // Changed connections count: a handshake or an end with nothing after it
    // (an idle console session) must still reach the views.
    std::size_t pending() const {
        return batch_.packetCheckpoints.size() + batch_.frames.size() + batch_.messages.size() +
               batch_.segments.size() + batch_.anomalies.size() + changed_.size();
    }
    // Whether writing the spill file failed (decompressed payloads and
    // decrypted bytes are then missing).
    bool spillFailed() const { return spillFailed_; }

    void onConnection(const dissector::ConnectionEvent& e) override;
    void onHandshake(const dissector::HandshakeEvent& e) override;
    void onSegment(const dissector::SegmentEvent& e) override;
    void onFrame(const dissector::FrameEvent& e) override;
    void onMessage(const dissector::MessageEvent& e) override;
    void onAnomaly(const dissector::AnomalyEvent& e) override;
    void onEnd(const dissector::EndEvent& e) override;

private:
    struct DirectionState {
        std::vector<RowId> dataFrames;  // of the data message in progress
        RowId lastFrame = kNoRow;
    };
    ConnectionRecord& connection(std::uint32_t conn);
    DirectionState& direction(std::uint32_t conn, dissector::Direction d) {
        return directions_[{conn, d == dissector::Direction::Server}];
    }
    void linkFrame(RowId frame, RowId message);
    void flagFrame(RowId frame, std::uint8_t flags);
    // Appends to the spill file; its offset there, or nullopt when it is not kept.
    std::optional<std::uint64_t> spill(std::span<const std::uint8_t> bytes);

    std::FILE* spill_;
    std::uint64_t spillSize_ = 0;
    bool spillFailed_ = false;
    CaptureBatch batch_;
    std::vector<std::uint64_t> framePackets_;  // of batch_.frames: the packet of each one's header
    RowId nextFrame_ = 0;
    RowId nextMessage_ = 0;
    std::map<std::uint32_t, ConnectionRecord> connections_;
    std::set<std::uint32_t> changed_;
    std::map<std::pair<std::uint32_t, bool>, DirectionState> directions_;
};

}  // namespace sockscope::ui
