#pragma once
// The compact index a viewer keeps of a capture: fixed-size records per
// frame, message, anomaly and stream segment, plus one record per connection
// (which owns its handshake's text). Payload bytes are not here: they are read
// back from the capture file when shown (DESIGN.md, "Zero-copy where it
// counts"), except decompressed payloads and the decrypted streams of TLS
// connections, which the loader spills to a temporary file. Qt-free, so the
// indexing sink runs on a worker thread and the records cross to the GUI
// thread in batches.

#include <sockscope/dissector/events.h>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inspector/stored_handshake.h"

namespace sockscope::ui {

using RowId = std::uint64_t;  // 64-bit everywhere: no 2^31-row ceiling
inline constexpr RowId kNoRow = std::numeric_limits<RowId>::max();

namespace frame_flag {
inline constexpr std::uint8_t Server = 1 << 0;  // sent by the server (else the client)
inline constexpr std::uint8_t Fin = 1 << 1;
inline constexpr std::uint8_t Rsv1 = 1 << 2;
inline constexpr std::uint8_t Rsv2 = 1 << 3;
inline constexpr std::uint8_t Rsv3 = 1 << 4;
inline constexpr std::uint8_t Masked = 1 << 5;
inline constexpr std::uint8_t Anomaly = 1 << 6;  // an anomaly points at this frame's packet
}  // namespace frame_flag

// One frame, as the index hands it out (RecordStore keeps it in 24 bytes).
// Where the frame's bytes are: `streamOffset` in its direction's stream,
// mapped to packets by the direction's StreamMap. The mask key is read back
// from the file with the header (PayloadReader), like the payload.
struct FrameRecord {
    std::int64_t tsNs = 0;           // capture time, nanoseconds since the epoch
    std::uint64_t streamOffset = 0;  // of the header's first byte
    std::uint64_t payloadLength = 0;
    RowId message = kNoRow;  // the message it belongs to, once that message is complete
    std::uint32_t conn = 0;
    std::uint8_t headerLength = 0;  // 2 .. 14
    std::uint8_t opcode = 0;
    std::uint8_t flags = 0;  // frame_flag bits

    bool fromServer() const { return flags & frame_flag::Server; }
    dissector::Direction direction() const {
        return fromServer() ? dissector::Direction::Server : dissector::Direction::Client;
    }
};

namespace message_flag {
inline constexpr std::uint8_t Server = 1 << 0;
inline constexpr std::uint8_t Compressed = 1 << 1;
inline constexpr std::uint8_t Invalid = 1 << 2;    // broke a rule (see the anomalies)
inline constexpr std::uint8_t Truncated = 1 << 3;  // payload over the kept limit
inline constexpr std::uint8_t HasCloseCode = 1 << 4;
}  // namespace message_flag

// One message, as the index hands it out (RecordStore keeps it in 16 bytes).
struct MessageRecord {
    std::int64_t tsNs = 0;  // when it completed
    RowId firstFrame = kNoRow;
    std::uint64_t length = 0;      // after decompression
    std::uint64_t wireLength = 0;  // payload bytes on the wire
    // Decompressed payload in the loader's spill file (compressed messages), else kNoRow.
    std::uint64_t spillOffset = kNoRow;
    std::uint32_t conn = 0;
    std::uint32_t frames = 0;
    std::uint16_t closeCode = 0;
    std::uint8_t opcode = 0;
    std::uint8_t flags = 0;  // message_flag bits

    bool fromServer() const { return flags & message_flag::Server; }
};

// Packets are not recorded one by one (most carry no more than a TCP
// segment; on a busy capture they would cost more than the frames): the
// index keeps the record end of every kPacketCheckpointEvery-th packet, and
// a packet's bytes are found by walking the file's records from there
// (dissector::nextPacketRecord).
inline constexpr std::uint64_t kPacketCheckpointEvery = 64;

struct AnomalyRecord {
    std::int64_t tsNs = 0;
    std::uint64_t packet = 0;
    RowId frame = kNoRow;  // the direction's latest frame when it was reported: the one it is about
    std::uint32_t conn = 0;
    std::optional<dissector::Direction> dir;
    std::string kind;
    std::string rfc;
    std::string detail;
};

// Per direction counts for the connection list and the statistics.
struct DirectionTotals {
    std::uint64_t messages = 0;
    std::uint64_t frames = 0;
    std::uint64_t payloadBytes = 0;  // decompressed message bytes
    std::uint64_t wireBytes = 0;     // frame payload bytes on the wire
};

struct ConnectionRecord {
    std::uint32_t conn = 0;
    dissector::SocketAddress client;
    dissector::SocketAddress server;
    std::int64_t firstNs = 0;
    std::int64_t lastNs = 0;
    std::optional<StoredHandshake> handshake;
    // Set for a connection inside TLS: its stream maps point into the
    // loader's spill file, which holds its decrypted bytes (they are in no
    // packet). Shared, so that a cleartext connection's record grows by a pointer only.
    std::shared_ptr<const dissector::TlsConnectionInfo> tls;
    std::optional<dissector::EndHow> end;
    std::optional<std::uint16_t> closeCode;  // the first close frame's code
    std::optional<dissector::Direction> closedFirstBy;
    std::uint64_t anomalies = 0;
    DirectionTotals client_;  // sent by the client
    DirectionTotals server_;
    DirectionTotals& totals(dissector::Direction d) {
        return d == dissector::Direction::Server ? server_ : client_;
    }
    const DirectionTotals& totals(dissector::Direction d) const {
        return d == dissector::Direction::Server ? server_ : client_;
    }
};

inline std::int64_t toNanoseconds(dissector::Timestamp ts) {
    return ts.seconds * 1000000000 + std::int64_t(ts.nanoseconds);
}

}  // namespace sockscope::ui
