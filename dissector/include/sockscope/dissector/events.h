#pragma once
// What the dissector reports, as plain values. Every field a viewer or the
// JSON Lines sink needs is here (DESIGN.md: the GUI is built on exactly this).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sockscope/core/frame_decoder.h>
#include <sockscope/core/permessage_deflate.h>

#include "sockscope/dissector/packet.h"
#include "sockscope/dissector/socket_address.h"

namespace sockscope::dissector {

enum class Direction : std::uint8_t { Client, Server };  // the sender

struct ConnectionEvent {
    std::uint32_t conn = 0;
    SocketAddress client;  // the side that sent the upgrade request (or the SYN)
    SocketAddress server;
    Timestamp ts;
    std::uint64_t packet = 0;
};

struct HandshakeEvent {
    std::uint32_t conn = 0;
    Timestamp ts;  // of the response
    std::uint64_t packet = 0;
    std::string target;
    int status = 0;
    bool acceptOk = false;
    std::optional<std::string> subprotocol;
    std::string extensions;  // the response's Sec-WebSocket-Extensions, verbatim
    std::optional<DeflateParams> deflate;
    std::vector<std::pair<std::string, std::string>> requestHeaders;
    std::vector<std::pair<std::string, std::string>> responseHeaders;
    // Set when the stream was recognised without a handshake (--ws-port or the heuristic).
    bool detectedWithoutHandshake = false;
    std::string detection;  // how and with what confidence, for the text sink and viewers
};

// A location in the capture: the packet that holds a byte and its offset there.
struct PacketLocation {
    std::uint64_t packet = 0;
    std::uint32_t offset = 0;
};

struct FrameEvent {
    std::uint32_t conn = 0;
    Direction dir = Direction::Client;
    Timestamp ts;  // of the packet holding the frame's first byte
    std::uint64_t packet = 0;
    FrameHeader header;
    FrameOffsets streamOffsets;  // positions in this direction's TCP stream
    PacketLocation headerAt;     // where the header's first byte lies in the capture
    // Where the (masked) payload's first byte lies; {0, 0} when it is not in
    // the capture yet (the header ends its packet): SegmentEvents map it then.
    PacketLocation payloadAt;
};

// A run of one direction's reassembled WebSocket stream and where it lies in
// the capture (bytes in stream order, `length` of them from `at` on). With
// FrameEvent::streamOffsets a viewer finds every raw byte of a frame whose
// header or payload spans packets; runs come before the frames they carry.
struct SegmentEvent {
    std::uint32_t conn = 0;
    Direction dir = Direction::Client;
    Timestamp ts;
    std::uint64_t streamOffset = 0;
    std::uint64_t length = 0;
    PacketLocation at;
};

struct MessageEvent {
    std::uint32_t conn = 0;
    Direction dir = Direction::Client;
    Timestamp ts;  // of the packet that completed the message
    std::uint64_t packet = 0;
    std::uint8_t opcode = 0;  // Text, Binary, Close, Ping, Pong
    std::uint32_t frames = 1;
    bool compressed = false;
    std::uint64_t wireLength = 0;
    std::uint64_t length = 0;           // after decompression
    std::vector<std::uint8_t> payload;  // unmasked, decompressed; may be cut by the payload limit
    bool payloadTruncated = false;      // payload.size() < length (limit reached)
    bool valid = true;
    std::optional<std::uint16_t> closeCode;  // close messages
    std::string closeReason;
};

struct AnomalyEvent {
    std::uint32_t conn = 0;  // 0: not tied to a connection (a malformed packet)
    std::optional<Direction> dir;
    Timestamp ts;
    std::uint64_t packet = 0;
    std::string kind;  // stable kebab-case id (core ViolationKind or CaptureAnomaly)
    std::string detail;
    std::string rfc;
};

enum class EndHow : std::uint8_t { CloseHandshake, Fin, Rst, CaptureEnd };

struct EndEvent {
    std::uint32_t conn = 0;
    Timestamp ts;
    EndHow how = EndHow::CaptureEnd;
};

class DissectionSink {
public:
    virtual ~DissectionSink() = default;
    virtual void onConnection(const ConnectionEvent&) {}
    virtual void onHandshake(const HandshakeEvent&) {}
    virtual void onSegment(const SegmentEvent&) {}
    virtual void onFrame(const FrameEvent&) {}
    virtual void onMessage(const MessageEvent&) {}
    virtual void onAnomaly(const AnomalyEvent&) {}
    virtual void onEnd(const EndEvent&) {}
};

std::string_view directionName(Direction d);  // "client" / "server"
std::string_view endHowName(EndHow how);      // "close-handshake", "fin", "rst", "capture-end"

}  // namespace sockscope::dissector
