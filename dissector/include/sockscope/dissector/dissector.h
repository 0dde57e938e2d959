#pragma once
// The passive WebSocket dissector: packets in, DissectionSink events out.
// Tracks flows, reassembles TCP, finds HTTP upgrades on any port (or streams
// without a handshake), and runs core's MessageReader in lenient mode on both
// directions of every WebSocket connection, decrypting TLS with a key log.

#include <cstdint>
#include <memory>
#include <set>

#include <sockscope/core/limits.h>

#include "sockscope/dissector/events.h"
#include "sockscope/dissector/key_log.h"
#include "sockscope/dissector/packet.h"
#include "sockscope/dissector/packet_decoder.h"
#include "sockscope/dissector/tcp_reassembler.h"
#include "sockscope/dissector/tls_stream.h"

namespace sockscope::dissector {

struct DissectorOptions {
    std::set<std::uint16_t> wsPorts;     // --ws-port: treat as WebSocket without a handshake
    bool detectWithoutHandshake = true;  // heuristic detection of mid-stream WebSocket
    // Per message / frame (decompression capped here); an HTTP head over its
    // handshake bounds is not taken for a handshake (an anomaly says so).
    Limits limits;
    std::uint64_t maxPayloadKept = 64ull << 20;  // bytes of a message payload kept for the sink
    std::size_t maxFlows = 100000;
    std::size_t maxBufferedBytes = 512u << 20;  // out-of-order bytes, all flows together
    TcpReassemblerLimits tcp;
    PacketDecoderLimits ip;
    // Anomalies reported per connection and kind (0 = unlimited); later ones
    // are counted and summed up in one "anomalies-suppressed" anomaly when
    // the connection ends, so a garbage stream cannot print millions of lines.
    std::uint64_t maxAnomaliesPerKind = 100;
    // TLS: a connection whose client starts with a ClientHello is decrypted
    // with these keys (null: none; it is still shown as TLS) and its
    // plaintext dissected like cleartext. The key log must outlive the
    // dissector; after adding keys to it, call Dissector::keysAdded().
    const KeyLog* keyLog = nullptr;
    TlsLimits tls;                            // per connection
    std::size_t maxTlsHeldBytes = 64u << 20;  // records held for keys, all connections
    // Live capture: a TLS connection that ended before its keys were in the
    // key log waits this long (capture time) for them before it ends; 0: it
    // ends at once (reading a file, whose key log is complete).
    std::int64_t tlsKeyWaitSeconds = 0;
};

class Dissector {
public:
    Dissector(DissectorOptions options, DissectionSink& sink);
    ~Dissector();

    void packet(const RawPacket& packet);
    // The key log gained keys: TLS connections that found none try again
    // (decrypting the records they held, within TlsLimits::maxHeldBytes).
    void keysAdded();
    // End of the capture: flushes buffered bytes and ends every open connection (capture-end).
    void finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace sockscope::dissector
