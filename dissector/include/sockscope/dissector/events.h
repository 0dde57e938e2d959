#pragma once
// What the dissector reports, as plain values. Every field a viewer or the
// JSON Lines sink needs is here (DESIGN.md: the GUI is built on exactly this).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <sockscope/core/frame_decoder.h>
#include <sockscope/core/permessage_deflate.h>

#include "sockscope/dissector/packet.h"
#include "sockscope/dissector/socket_address.h"

namespace sockscope::dissector {

enum class Direction : std::uint8_t { Client, Server };  // the sender

// What a TLS connection is, as far as its handshake showed (RFC 8446 §4.1,
// RFC 5246 §7.4.1; SNI RFC 6066 §3; ALPN RFC 7301).
struct TlsConnectionInfo {
    std::string version;      // "TLS 1.2", "TLS 1.3"; empty when no ServerHello was seen
    std::string cipherSuite;  // IANA name, e.g. "TLS_AES_128_GCM_SHA256"
    std::string serverName;   // SNI; empty when the client sent none
    std::vector<std::string> alpnOffered;
    std::string alpnSelected;  // empty when none was selected (or not yet decrypted)
    // "found", "partial", "missing" (not in the key log), "not-decryptable"
    // (unsupported version or suite), "pending" (no ServerHello seen)
    std::string keys;
};

struct ConnectionEvent {
    std::uint32_t conn = 0;
    SocketAddress client;  // the side that sent the upgrade request (or the SYN)
    SocketAddress server;
    Timestamp ts;
    std::uint64_t packet = 0;
    // Set for a connection inside TLS: every later event of it describes the
    // decrypted bytes.
    std::optional<TlsConnectionInfo> tls;
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
    // Inside TLS the stream is the decrypted one, whose bytes are in no
    // packet: here they are (valid during the call), and `at` names the
    // packet that completed their record, at offset 0.
    std::span<const std::uint8_t> decrypted;
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
