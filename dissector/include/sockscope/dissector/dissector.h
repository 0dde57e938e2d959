#pragma once
// The passive WebSocket dissector: packets in, DissectionSink events out.
// Tracks flows, reassembles TCP, finds HTTP upgrades on any port (or streams
// without a handshake), and runs core's MessageReader in lenient mode on both
// directions of every WebSocket connection.

#include <cstdint>
#include <memory>
#include <set>

#include <sockscope/core/limits.h>

#include "sockscope/dissector/events.h"
#include "sockscope/dissector/packet.h"
#include "sockscope/dissector/packet_decoder.h"
#include "sockscope/dissector/tcp_reassembler.h"

namespace sockscope::dissector {

struct DissectorOptions {
    std::set<std::uint16_t> wsPorts;     // --ws-port: treat as WebSocket without a handshake
    bool detectWithoutHandshake = true;  // heuristic detection of mid-stream WebSocket
    Limits limits;                       // per message / frame (decompression capped here)
    std::uint64_t maxPayloadKept = 64ull << 20;  // bytes of a message payload kept for the sink
    std::size_t maxFlows = 100000;
    std::size_t maxBufferedBytes = 512u << 20;  // out-of-order bytes, all flows together
    TcpReassemblerLimits tcp;
    PacketDecoderLimits ip;
    // Anomalies reported per connection and kind (0 = unlimited); later ones
    // are counted and summed up in one "anomalies-suppressed" anomaly when
    // the connection ends, so a garbage stream cannot print millions of lines.
    std::uint64_t maxAnomaliesPerKind = 100;
};

class Dissector {
public:
    Dissector(DissectorOptions options, DissectionSink& sink);
    ~Dissector();

    void packet(const RawPacket& packet);
    // End of the capture: flushes buffered bytes and ends every open connection (capture-end).
    void finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace sockscope::dissector
