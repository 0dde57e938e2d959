#pragma once
// Writes a capture of TCP connections made up from the bytes each side sent,
// so traffic that was never captured (a HAR file's messages, a console
// session) opens in the same loader, views and JSON Lines as a capture, and
// in Wireshark. Every connection gets the three-way handshake, data segments
// of at most `mss` bytes with the sequence and acknowledgement numbers a real
// stack would use (the peer acknowledges every second segment and the last
// one of each send), and a FIN exchange or a RST at the end. Packets are
// Ethernet + IPv4 or IPv6 + TCP with correct IPv4 header and TCP checksums,
// written as pcapng (PcapngWriter) in the order of the calls: interleave the
// calls of several connections in time order and the capture is too.
//
// Deterministic: initial sequence numbers and client mask keys come from a
// generator seeded by the options, so the same calls write the same bytes.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "sockscope/dissector/events.h"
#include "sockscope/dissector/packet.h"
#include "sockscope/dissector/pcapng_writer.h"
#include "sockscope/dissector/socket_address.h"

namespace sockscope::dissector {

struct ConversationWriterOptions {
    // Largest TCP payload per segment over IPv4 (clamped to 1 .. 65495: an
    // IPv4 packet holds at most 65535 bytes); announced in the SYNs' MSS
    // option. IPv6 connections use 20 bytes less, the larger IP header, so
    // both fit the same link MTU (1460 and 1440 on Ethernet's 1500).
    std::uint16_t mss = 1460;
    std::uint32_t seed = 0x53636f70;        // initial sequence numbers and mask keys
    std::string application = "Sockscope";  // the section header's shb_userappl
    std::string interfaceName;              // if_name, omitted when empty
    std::string interfaceDescription;       // if_description, omitted when empty
};

class ConversationWriter {
public:
    // Creates (truncates) `path`. nullptr and a one-line reason on failure.
    static std::unique_ptr<ConversationWriter> create(const std::string& path, std::string& error,
                                                      ConversationWriterOptions options = {});
    // Writes to a stream the caller owns (and closes after finish()).
    static std::unique_ptr<ConversationWriter> wrap(std::FILE* stream, std::string& error,
                                                    ConversationWriterOptions options = {});
    ~ConversationWriter();
    ConversationWriter(const ConversationWriter&) = delete;
    ConversationWriter& operator=(const ConversationWriter&) = delete;

    // Opens a connection from `client` to `server` (both IPv4 or both IPv6):
    // SYN, SYN-ACK and ACK at `ts`. Returns its id (0, 1, ...), or nullopt
    // when the address families differ or writing failed (see error()).
    std::optional<std::uint32_t> open(const SocketAddress& client, const SocketAddress& server,
                                      Timestamp ts);

    // `bytes` sent by one side at `ts`, as segments of at most `mss` bytes
    // (PSH on the last), acknowledged by the peer. Empty `bytes` write nothing.
    bool send(std::uint32_t connection, Direction from, std::span<const std::uint8_t> bytes,
              Timestamp ts);

    // One WebSocket frame with FIN set (RFC 6455 §5.2) carrying `payload`:
    // masked with a key from the seeded generator when the client sends it,
    // unmasked from the server (§5.1). No RSV bits: the payload goes as given.
    bool sendFrame(std::uint32_t connection, Direction from, std::uint8_t opcode,
                   std::span<const std::uint8_t> payload, Timestamp ts);

    // Ends a connection: `by` sends FIN, the peer answers with its FIN and
    // `by` acknowledges it; or, with `reset`, `by` sends a RST. Later calls
    // for this connection fail.
    bool close(std::uint32_t connection, Direction by, Timestamp ts, bool reset = false);

    // Flushes and, for create(), closes the file. Connections still open stay
    // open in the capture. Returns false on a write error.
    bool finish();

    const std::string& error() const { return error_; }
    std::uint64_t packetsWritten() const;

private:
    struct Side {
        SocketAddress address;
        std::uint32_t nextSeq = 0;
        std::uint16_t ipId = 0;
    };
    struct Connection {
        Side client;
        Side server;
        std::uint16_t mss = 0;
        bool open = true;
    };

    ConversationWriter(std::unique_ptr<PcapngWriter> writer, ConversationWriterOptions options);
    static std::unique_ptr<ConversationWriter> start(std::unique_ptr<PcapngWriter> writer,
                                                     std::string& error,
                                                     ConversationWriterOptions options);
    Connection* find(std::uint32_t connection, const char* what);
    // One segment from `from` to its peer; advances `from`'s sequence number.
    bool segment(Connection& c, Direction from, std::uint8_t flags,
                 std::span<const std::uint8_t> payload, Timestamp ts, bool mssOption = false);
    bool fail(const std::string& what);

    std::unique_ptr<PcapngWriter> writer_;
    ConversationWriterOptions options_;
    std::mt19937 random_;
    std::vector<Connection> connections_;
    std::vector<std::uint8_t> packet_;  // reused for every packet
    std::vector<std::uint8_t> frame_;   // reused for every WebSocket frame
    std::string error_;
};

}  // namespace sockscope::dissector
