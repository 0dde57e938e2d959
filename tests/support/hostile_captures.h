#pragma once
// Hostile capture files (issue 7 §4), one table for the CLI test
// (tests/cli/tst_cli_hostile_captures.cpp) and the GUI test
// (tests/ui/tst_ui_hostile_captures.cpp): truncated files, garbage, wrong
// magic, lying record and block lengths, absurd pcapng blocks, and packets
// whose link, IP or TCP headers lie, each built around a valid WebSocket
// conversation so that what can still be read is known. Each row holds what
// the reader and dissector must make of it: the one error (with the packet
// number and byte offset), the anomalies, and the messages that survive.
// Bytes are written here by hand (pcap, pcapng, link layers), sharing no code
// with the readers; the TCP/IP packets come from pcap_builder.h.

#include <sockscope/core/handshake.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "pcap_builder.h"
#include "wire.h"

namespace sockscope::test::hostile {

// One captured packet: its bytes and its length on the wire (0: all captured).
struct Packet {
    Bytes data;
    std::uint32_t wireLength = 0;
};

// A WebSocket connection, 127.0.0.1:53422 -> 127.0.0.1:8765 (or IPv6),
// recorded packet by packet with the message each packet completes, written
// as the CLI test reads them back: "<packet> <dir> <opcode> <payload>"
// (a close: "<packet> <dir> close <code>[ <reason>]").
class Session {
public:
    explicit Session(int linkType = linktype::Ethernet, bool v6 = false)
        : tcp_(spec(v6), kClientIsn, kServerIsn, linkType) {}

    // Packets 1-4: SYN, SYN/ACK, the upgrade request riding on the
    // handshake's last ACK, and the 101 response with the server's first
    // message, "welcome", in the same segment (as servers often send it).
    void open() {
        add(tcp_.frame(tcp_.clientSegment({}, kSyn)));
        add(tcp_.frame(tcp_.serverSegment({}, kSyn | kAck)));
        const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
        add(
            tcp_.clientSends(bytesOf("GET /chat HTTP/1.1\r\nHost: 127.0.0.1:8765\r\n"
                                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                     "Sec-WebSocket-Key: " +
                                     key + "\r\nSec-WebSocket-Version: 13\r\n\r\n")));
        const Bytes response = bytesOf(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
            computeWebSocketAccept(key) + "\r\n\r\n");
        add(tcp_.serverSends(concat({response, encode({.payload = bytesOf("welcome")})})));
        expect("server text welcome");
    }
    void client(const std::string& text) {
        add(tcp_.clientSends(encode({.payload = bytesOf(text), .masked = true})));
        expect("client text " + text);
    }
    void server(const std::string& text) {
        add(tcp_.serverSends(encode({.payload = bytesOf(text)})));
        expect("server text " + text);
    }
    void clientClose(std::uint16_t code, const std::string& reason) {
        add(tcp_.clientSends(
            encode({.opcode = 8, .payload = closePayload(code, reason), .masked = true})));
        expect("client close " + std::to_string(code) + (reason.empty() ? "" : " " + reason));
    }
    void serverClose(std::uint16_t code) {
        add(tcp_.serverSends(encode({.opcode = 8, .payload = closePayload(code, "")})));
        expect("server close " + std::to_string(code));
    }
    // One client text frame in `pieces` segments; the segment numbered
    // `cutPiece` (0-based, -1: none) keeps only its headers in the capture,
    // as a snaplen would cut it. Returns the first segment's packet number.
    std::size_t clientSplit(const std::string& text, std::size_t pieces, int cutPiece = -1) {
        const Bytes frame = encode({.payload = bytesOf(text), .masked = true});
        const std::size_t first = packets.size() + 1;
        const std::size_t piece = (frame.size() + pieces - 1) / pieces;
        const std::vector<Bytes> segments = tcp_.clientSendsSplit(frame, piece);
        for (std::size_t i = 0; i < segments.size(); ++i) {
            Packet p{segments[i], 0};
            if (int(i) == cutPiece) {
                p.wireLength = std::uint32_t(p.data.size());
                p.data.resize(p.data.size() - std::min(piece, frame.size() - i * piece));
            }
            packets.push_back(std::move(p));
        }
        if (cutPiece < 0)
            expect("client text " + text);
        return first;
    }
    TcpConversation& tcp() { return tcp_; }
    // Bytes each side has sent on the connection so far.
    std::uint32_t clientStreamBytes() const { return tcp_.clientSeq() - kClientIsn - 1; }
    std::uint32_t serverStreamBytes() const { return tcp_.serverSeq() - kServerIsn - 1; }

    std::vector<Packet> packets;
    std::vector<std::string> messages;

private:
    static constexpr std::uint32_t kClientIsn = 1000, kServerIsn = 5000;
    static TcpPacketSpec spec(bool v6) {
        TcpPacketSpec s;
        s.srcIp = s.dstIp = v6 ? "::1" : "127.0.0.1";
        s.srcPort = 53422;
        s.dstPort = 8765;
        return s;
    }
    static Bytes closePayload(std::uint16_t code, const std::string& reason) {
        Bytes out = {std::uint8_t(code >> 8), std::uint8_t(code & 0xFF)};
        pcapbytes::append(out, bytesOf(reason));
        return out;
    }
    void add(Bytes frame) { packets.push_back({std::move(frame), 0}); }
    void expect(const std::string& message) {
        messages.push_back(std::to_string(packets.size()) + " " + message);
    }

    TcpConversation tcp_;
};

// The base conversation: 10 packets, 7 messages (packets 4-10).
inline Session baseSession(int linkType = linktype::Ethernet) {
    Session s(linkType);
    s.open();
    s.client("one");
    s.server("two");
    s.client("three");
    s.server("four");
    s.clientClose(1000, "bye");
    s.serverClose(1000);
    return s;
}

// ---- Writing files --------------------------------------------------------

inline void put32(Bytes& out, std::uint32_t v, bool bigEndian) {
    bigEndian ? pcapbytes::be32(out, v) : pcapbytes::le32(out, v);
}
inline void put16(Bytes& out, std::uint32_t v, bool bigEndian) {
    bigEndian ? pcapbytes::be16(out, v) : pcapbytes::le16(out, v);
}
inline void set32(Bytes& bytes, std::size_t at, std::uint32_t v, bool bigEndian = false) {
    Bytes field;
    put32(field, v, bigEndian);
    std::copy(field.begin(), field.end(), bytes.begin() + std::ptrdiff_t(at));
}
inline std::uint32_t get32(const Bytes& bytes, std::size_t at) {  // little-endian
    return std::uint32_t(bytes[at]) | std::uint32_t(bytes[at + 1]) << 8 |
           std::uint32_t(bytes[at + 2]) << 16 | std::uint32_t(bytes[at + 3]) << 24;
}

struct PcapFormat {
    bool bigEndian = false;
    bool nanoseconds = false;
    std::uint32_t major = 2, minor = 4;
    std::uint32_t snaplen = 65535;
    std::uint32_t linkType = linktype::Ethernet;
};

// Packets 1 ms apart from 1700000000 s.
inline Bytes pcapRecord(const Packet& p, std::size_t index, const PcapFormat& f = {}) {
    Bytes out;
    put32(out, 1700000000 + std::uint32_t(index / 1000), f.bigEndian);
    put32(out, std::uint32_t(index % 1000) * (f.nanoseconds ? 1000000u : 1000u), f.bigEndian);
    put32(out, std::uint32_t(p.data.size()), f.bigEndian);
    put32(out, p.wireLength ? p.wireLength : std::uint32_t(p.data.size()), f.bigEndian);
    pcapbytes::append(out, p.data);
    return out;
}

inline Bytes pcapFile(const std::vector<Packet>& packets, const PcapFormat& f = {}) {
    Bytes out;
    put32(out, f.nanoseconds ? 0xA1B23C4D : 0xA1B2C3D4, f.bigEndian);
    put16(out, f.major, f.bigEndian);
    put16(out, f.minor, f.bigEndian);
    put32(out, 0, f.bigEndian);  // thiszone
    put32(out, 0, f.bigEndian);  // sigfigs
    put32(out, f.snaplen, f.bigEndian);
    put32(out, f.linkType, f.bigEndian);
    for (std::size_t i = 0; i < packets.size(); ++i)
        pcapbytes::append(out, pcapRecord(packets[i], i, f));
    return out;
}

// Where the record of packet `number` (1-based) starts in pcapFile(packets).
inline std::size_t pcapRecordAt(const std::vector<Packet>& packets, std::size_t number) {
    std::size_t at = 24;
    for (std::size_t i = 0; i + 1 < number; ++i)
        at += 16 + packets[i].data.size();
    return at;
}

inline Bytes pcapngBlock(std::uint32_t type, Bytes body, bool bigEndian = false) {
    while (body.size() % 4)
        body.push_back(0);
    Bytes out;
    put32(out, type, bigEndian);
    put32(out, std::uint32_t(12 + body.size()), bigEndian);
    pcapbytes::append(out, body);
    put32(out, std::uint32_t(12 + body.size()), bigEndian);
    return out;
}
inline Bytes sectionHeader(bool bigEndian = false, std::uint32_t major = 1,
                           std::uint32_t byteOrderMagic = 0x1A2B3C4D) {
    Bytes body;
    put32(body, byteOrderMagic, bigEndian);
    put16(body, major, bigEndian);
    put16(body, 0, bigEndian);
    put32(body, 0xFFFFFFFF, bigEndian);  // section length: unknown
    put32(body, 0xFFFFFFFF, bigEndian);
    return pcapngBlock(0x0A0D0D0A, body, bigEndian);
}
// Microsecond timestamps (no if_tsresol option).
inline Bytes interfaceDescription(std::uint32_t snaplen = 65535, bool bigEndian = false,
                                  std::uint32_t linkType = linktype::Ethernet) {
    Bytes body;
    put16(body, linkType, bigEndian);
    put16(body, 0, bigEndian);
    put32(body, snaplen, bigEndian);
    return pcapngBlock(1, body, bigEndian);
}
inline Bytes enhancedPacket(const Packet& p, std::size_t index, bool bigEndian = false,
                            std::uint32_t interfaceId = 0) {
    const std::uint64_t us = 1700000000ull * 1000000 + index * 1000;
    Bytes body;
    put32(body, interfaceId, bigEndian);
    put32(body, std::uint32_t(us >> 32), bigEndian);
    put32(body, std::uint32_t(us), bigEndian);
    put32(body, std::uint32_t(p.data.size()), bigEndian);
    put32(body, p.wireLength ? p.wireLength : std::uint32_t(p.data.size()), bigEndian);
    pcapbytes::append(body, p.data);
    return pcapngBlock(6, body, bigEndian);
}
// A Decryption Secrets Block whose secrets length field says `claimed`.
inline Bytes decryptionSecrets(const std::string& text, std::uint32_t claimed) {
    Bytes body;
    put32(body, 0x544C534B, false);  // "TLSK"
    put32(body, claimed, false);
    pcapbytes::append(body, bytesOf(text));
    return pcapngBlock(10, body);
}

// The blocks of a pcapng file, in order: SHB, IDB, one EPB per packet.
inline std::vector<Bytes> pcapngBlocks(const std::vector<Packet>& packets,
                                       std::uint32_t snaplen = 65535) {
    std::vector<Bytes> blocks = {sectionHeader(), interfaceDescription(snaplen)};
    for (std::size_t i = 0; i < packets.size(); ++i)
        blocks.push_back(enhancedPacket(packets[i], i));
    return blocks;
}
inline Bytes joined(const std::vector<Bytes>& blocks) {
    Bytes out;
    for (const Bytes& b : blocks)
        pcapbytes::append(out, b);
    return out;
}
// Where block `index` starts.
inline std::size_t blockAt(const std::vector<Bytes>& blocks, std::size_t index) {
    std::size_t at = 0;
    for (std::size_t i = 0; i < index; ++i)
        at += blocks[i].size();
    return at;
}

// ---- The table ------------------------------------------------------------

struct HostileCapture {
    std::string name{};
    Bytes bytes{};
    int exitCode = 0;  // of `sockscope-cli read`
    // The reader's one error, "{}" standing for the file's name; empty when
    // reading ends cleanly.
    std::string error{};
    // The one line the pcapng secrets pass adds for a file (not for
    // standard input), "{}" as above; empty for none.
    std::string warning{};
    // The dissector's anomalies: "<packet> <kind>: <detail>".
    std::vector<std::string> anomalies{};
    // Every message the readable part holds (Session::messages' form).
    std::vector<std::string> messages{};
    bool viaStdin = false;  // also read from a pipe: one row of each kind
};

inline std::vector<std::string> messagesUpTo(const Session& s, std::size_t lastPacket) {
    std::vector<std::string> out;
    for (const std::string& m : s.messages)
        if (std::stoul(m) <= lastPacket)
            out.push_back(m);
    return out;
}
// The messages after a packet was inserted before packet `at`: later ones renumbered.
inline std::vector<std::string> shifted(const std::vector<std::string>& messages, std::size_t at) {
    std::vector<std::string> out;
    for (const std::string& m : messages) {
        const std::size_t number = std::stoul(m);
        out.push_back(number < at ? m : std::to_string(number + 1) + m.substr(m.find(' ')));
    }
    return out;
}

// Deterministic "random" bytes.
inline Bytes noise(std::size_t size, unsigned seed) {
    std::minstd_rand generator(seed);
    Bytes out(size);
    for (auto& b : out)
        b = std::uint8_t(generator() >> 7);
    return out;
}

inline std::string truncatedHeader() {
    return "{}: truncated file header";
}
inline std::string notACapture() {
    return "{} is not a pcap or pcapng capture";
}
inline std::string unsupportedLinkType(int linkType) {
    return "{}: link type " + std::to_string(linkType) +
           " is not supported; Sockscope reads Ethernet, Linux cooked (SLL, SLL2), BSD loopback "
           "and raw IP captures";
}
inline std::string recordError(std::size_t packet, const std::string& how, const std::string& why,
                               const char* unit, std::size_t offset) {
    return "{}: packet " + std::to_string(packet) + " " + how + " (" + why + "), in the " + unit +
           " at byte offset " + std::to_string(offset);
}
inline std::string pcapError(std::size_t packet, const std::string& how, const std::string& why,
                             std::size_t offset) {
    return recordError(packet, how, why, "record", offset);
}
inline std::string pcapngError(std::size_t packet, const std::string& how, const std::string& why,
                               std::size_t offset) {
    return recordError(packet, how, why, "block", offset);
}
// `read FILE` also walks a pcapng's blocks for decryption secrets. Where the
// walk stops on the block the reader fails on, the reader's error says it all;
// a walk stopped elsewhere is warned about (before the error).
inline std::string secretsStop(std::size_t offset, const std::string& what) {
    return "warning: {}: block at byte offset " + std::to_string(offset) + ": " + what +
           "; the rest of the file is not searched for decryption secrets";
}

// Classic pcap files: the file header, its magic, version, snaplen and
// link type; records cut or lying about their lengths; garbage.
inline void addPcapRows(std::vector<HostileCapture>& rows) {
    const Session s = baseSession();
    const auto& p = s.packets;
    const Bytes valid = pcapFile(p);
    const auto all = s.messages;
    const auto row = [&rows](std::string name, Bytes bytes, int exitCode, std::string error,
                             std::vector<std::string> messages, bool viaStdin = false) {
        rows.push_back({.name = std::move(name),
                        .bytes = std::move(bytes),
                        .exitCode = exitCode,
                        .error = std::move(error),
                        .messages = std::move(messages),
                        .viaStdin = viaStdin});
    };

    row("pcap: empty file", {}, 1, "{} is empty: not a pcap or pcapng capture", {});
    for (std::size_t n = 1; n < 24; ++n)
        row("pcap: file header cut at " + std::to_string(n) + " of 24 bytes",
            Bytes(valid.begin(), valid.begin() + std::ptrdiff_t(n)), 1, truncatedHeader(), {},
            n == 10);
    row("pcap: random bytes", noise(200, 7), 1, notACapture(), {});
    Bytes shbMagic = valid;  // a pcap header behind pcapng's block type
    set32(shbMagic, 0, 0x0A0D0D0A);
    row("pcap: header with pcapng's section header magic", shbMagic, 1,
        "{}: the pcapng section header block at byte offset 0 has byte-order magic 0x00000000, "
        "neither 0x1a2b3c4d nor 0x4d3c2b1a",
        {});
    row("pcap: a text file", bytesOf("GET /chat HTTP/1.1\r\nHost: example.com\r\n\r\n"), 1,
        notACapture(), {}, true);
    Bytes gzip = {0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03};
    pcapbytes::append(gzip, noise(60, 11));
    row("pcap: gzip-compressed", gzip, 1,
        "{} is gzip-compressed: decompress it (gunzip) and read the result", {});
    row("pcap: big-endian", pcapFile(p, {.bigEndian = true}), 0, {}, all);
    row("pcap: nanosecond magic", pcapFile(p, {.nanoseconds = true}), 0, {}, all);
    row("pcap: big-endian nanosecond magic", pcapFile(p, {.bigEndian = true, .nanoseconds = true}),
        0, {}, all);
    row("pcap: version 0.4", pcapFile(p, {.major = 0}), 1,
        "cannot read {}: archaic pcap savefile format", {});
    row("pcap: version 99.4", pcapFile(p, {.major = 99}), 1,
        "cannot read {}: unsupported pcap savefile version 99.4", {});
    row("pcap: snaplen 0", pcapFile(p, {.snaplen = 0}), 0, {}, all);
    row("pcap: snaplen 2^32-1", pcapFile(p, {.snaplen = 0xFFFFFFFF}), 0, {}, all);
    row("pcap: link type 147 (user 0)", pcapFile(p, {.linkType = 147}), 1, unsupportedLinkType(147),
        {}, true);
    row("pcap: link type 65000", pcapFile(p, {.linkType = 65000}), 1, unsupportedLinkType(65000),
        {});

    // Packet 6's record header, cut after every byte.
    const std::size_t record6 = pcapRecordAt(p, 6);
    for (std::size_t n = 1; n < 16; ++n)
        row("pcap: record header cut at " + std::to_string(n) + " of 16 bytes",
            Bytes(valid.begin(), valid.begin() + std::ptrdiff_t(record6 + n)), 1,
            pcapError(
                6, "is truncated",
                "truncated dump file; tried to read 16 header bytes, only got " + std::to_string(n),
                record6),
            messagesUpTo(s, 5), n == 6);
    const std::size_t size6 = p[5].data.size();
    row("pcap: record data cut", Bytes(valid.begin(), valid.begin() + std::ptrdiff_t(record6 + 20)),
        1,
        pcapError(6, "is truncated",
                  "truncated dump file; tried to read " + std::to_string(size6) +
                      " captured bytes, only got 4",
                  record6),
        messagesUpTo(s, 5));
    const std::size_t size10 = p[9].data.size();
    row("pcap: last record cut", Bytes(valid.begin(), valid.end() - 3), 1,
        pcapError(10, "is truncated",
                  "truncated dump file; tried to read " + std::to_string(size10) +
                      " captured bytes, only got " + std::to_string(size10 - 3),
                  pcapRecordAt(p, 10)),
        messagesUpTo(s, 9));
    Bytes garbage = valid;
    pcapbytes::append(garbage, bytesOf("this is not a record, only text at the end\n"));
    // "this is not a re...": the captured length field reads "not " (0x20746f6e).
    row("pcap: garbage after the last record", garbage, 1,
        pcapError(11, "cannot be read",
                  "invalid packet capture length 544501614, bigger than snaplen of 65535",
                  valid.size()),
        all, true);

    // Packet 5's record lies about its captured length.
    const std::size_t record5 = pcapRecordAt(p, 5);
    Bytes huge = valid;
    set32(huge, record5 + 8, (256u << 20) + 1);
    row("pcap: record caplen over 256 MiB", huge, 1,
        pcapError(5, "cannot be read",
                  "invalid packet capture length 268435457, bigger than snaplen of 65535", record5),
        messagesUpTo(s, 4));
    Bytes pastEnd = valid;
    const auto left = std::uint32_t(valid.size() - record5 - 16);
    set32(pastEnd, record5 + 8, left + 1);
    row("pcap: record 5 caplen points past the end", pastEnd, 1,
        pcapError(5, "is truncated",
                  "truncated dump file; tried to read " + std::to_string(left + 1) +
                      " captured bytes, only got " + std::to_string(left),
                  record5),
        messagesUpTo(s, 4), true);
    // 10 bytes as packet 5; its 11th to 26th bytes read as the next record's header.
    Bytes shorter = valid;
    set32(shorter, record5 + 8, 10);
    const std::uint32_t misread = get32(shorter, record5 + 16 + 10 + 8);
    rows.push_back({.name = "pcap: record 5 caplen shorter than its data",
                    .bytes = shorter,
                    .exitCode = 1,
                    .error = pcapError(6, "cannot be read",
                                       "invalid packet capture length " + std::to_string(misread) +
                                           ", bigger than snaplen of 65535",
                                       record5 + 26),
                    .anomalies = {"5 snaplen-truncated: packet 5: snaplen cut the Ethernet header "
                                  "at byte 0: 10 of its 14 bytes captured"},
                    .messages = messagesUpTo(s, 4)});

    // Lengths libpcap corrects or accepts: nothing is lost.
    std::vector<Packet> padded = p;
    padded[4].data.resize(70000, 0);  // record 5: Ethernet padding past the IP datagram
    row("pcap: record caplen 70000 over the snaplen 65535 (libpcap keeps 65535)", pcapFile(padded),
        0, {}, all);
    // Accepted by libpcap and decoded, but said: no writer records more than was on the wire.
    std::vector<Packet> longer = p;
    longer[4].wireLength = 20;  // caplen 63 > len 20
    rows.push_back({.name = "pcap: record caplen over its original length",
                    .bytes = pcapFile(longer),
                    .anomalies = {"5 malformed-packet: packet 5: captured length 63 exceeds the "
                                  "original length 20 in the record header (a captured length is "
                                  "at most the original); the captured bytes are decoded"},
                    .messages = all});
}

// pcapng: absurd block lengths, lying trailers, bad section headers, a
// packet on a missing interface, skippable blocks. Packet 6's block is the
// one that goes wrong.
inline void addPcapngRows(std::vector<HostileCapture>& rows) {
    const Session s = baseSession();
    const auto& p = s.packets;
    const std::vector<Bytes> blocks = pcapngBlocks(p);
    const std::size_t epb6 = 7;  // SHB, IDB, packets 1-5
    const std::size_t at6 = blockAt(blocks, epb6);
    const Bytes file = joined(blocks);
    const std::size_t left = file.size() - at6;
    const auto all = s.messages;
    const auto upTo5 = messagesUpTo(s, 5);
    const auto row = [&rows](std::string name, Bytes bytes, int exitCode, std::string error,
                             std::string warning, std::vector<std::string> messages,
                             bool viaStdin = false) {
        rows.push_back({.name = std::move(name),
                        .bytes = std::move(bytes),
                        .exitCode = exitCode,
                        .error = std::move(error),
                        .warning = std::move(warning),
                        .messages = std::move(messages),
                        .viaStdin = viaStdin});
    };
    const auto withBlock6 = [&](const Bytes& replacement) {
        std::vector<Bytes> copy = blocks;
        copy[epb6] = replacement;
        return joined(copy);
    };
    const auto insertedBefore6 = [&](const std::vector<Bytes>& extra) {
        std::vector<Bytes> copy = blocks;
        copy.insert(copy.begin() + std::ptrdiff_t(epb6), extra.begin(), extra.end());
        return joined(copy);
    };
    const auto cannotRead = [&](const std::string& why) {
        return pcapngError(6, "cannot be read", why, at6);
    };
    const auto lengthRow = [&](std::uint32_t length, const std::string& why,
                               bool viaStdin = false) {
        Bytes block = blocks[epb6];
        set32(block, 4, length);
        row("pcapng: block total length " + std::to_string(length), withBlock6(block), 1,
            cannotRead(why), {}, upTo5, viaStdin);
    };

    for (std::uint32_t length : {0u, 1u, 11u})
        lengthRow(length,
                  "block in pcapng dump file has a length of " + std::to_string(length) + " < 12",
                  length == 11);
    for (std::uint32_t length : {94u, 0xFFFFFFFFu})
        lengthRow(length, "block in pcapng dump file has a length of " + std::to_string(length) +
                              " that is not a multiple of 4");
    lengthRow(0xFFFFFFFCu, "pcapng block size 4294967292 > maximum 16777216");
    Bytes longer = file;
    set32(longer, at6 + 4, std::uint32_t(left + 8));
    row("pcapng: block total length larger than the file", longer, 1,
        pcapngError(6, "is truncated",
                    "truncated pcapng dump file; tried to read " + std::to_string(left) +
                        " bytes, only got " + std::to_string(left - 8),
                    at6),
        {}, upTo5);
    Bytes trailer = blocks[epb6];
    const auto length6 = std::uint32_t(trailer.size());
    set32(trailer, trailer.size() - 4, length6 + 4);
    row("pcapng: trailing block length differs", withBlock6(trailer), 1,
        cannotRead("block total length in header and trailer don't match"), {}, upTo5);

    std::vector<Bytes> section = blocks;
    section[0] = sectionHeader(false, 1, 0x11223344);
    row("pcapng: section header with a bad byte-order magic", joined(section), 1,
        "{}: the pcapng section header block at byte offset 0 has byte-order magic 0x11223344, "
        "neither 0x1a2b3c4d nor 0x4d3c2b1a",
        {}, {});
    section[0] = sectionHeader(false, 2);
    row("pcapng: section of major version 2", joined(section), 1,
        "cannot read {}: unsupported pcapng savefile version 2.0", {}, {});
    row("pcapng: second section of major version 2",
        insertedBefore6({sectionHeader(false, 2), interfaceDescription()}), 1,
        cannotRead("unknown pcapng savefile major version number 2"), {}, upTo5);
    // Packets 6-10 in a big-endian section after the little-endian one.
    std::vector<Bytes> mixed(blocks.begin(), blocks.begin() + std::ptrdiff_t(epb6));
    mixed.push_back(sectionHeader(true));
    mixed.push_back(interfaceDescription(65535, true));
    for (std::size_t i = 5; i < p.size(); ++i)
        mixed.push_back(enhancedPacket(p[i], i, true));
    row("pcapng: a big-endian section after a little-endian one", joined(mixed), 1,
        cannotRead("a section in big-endian byte order follows one in little-endian order, "
                   "which libpcap cannot read"),
        {}, upTo5);

    row("pcapng: packet on interface 5 of 1", withBlock6(enhancedPacket(p[5], 5, false, 5)), 1,
        cannotRead("a packet arrived on interface 5, but there's no Interface Description Block "
                   "for that interface"),
        {}, upTo5, true);
    Bytes captured = blocks[epb6];
    set32(captured, 20, std::uint32_t(captured.size()));  // captured length > the block
    const std::string capturedPastItsEnd = cannotRead(
        "the enhanced packet block's captured length " + std::to_string(captured.size()) +
        " runs past its end: " + std::to_string(captured.size() - 32) +
        " bytes of packet data fit in it");
    row("pcapng: packet captured length larger than its block", withBlock6(captured), 1,
        capturedPastItsEnd, {}, upTo5);
    // The block frames, so the secrets walk goes on, and stops at a later one.
    std::vector<Bytes> twoBad = blocks;
    twoBad[epb6] = captured;
    Bytes& lastBlock = twoBad.back();
    set32(lastBlock, lastBlock.size() - 4, std::uint32_t(lastBlock.size() + 4));
    const std::size_t lastAt = blockAt(twoBad, twoBad.size() - 1);
    row("pcapng: packet captured length larger than its block, a later block broken too",
        joined(twoBad), 1, capturedPastItsEnd,
        secretsStop(lastAt, "the trailing block length " + std::to_string(lastBlock.size() + 4) +
                                " differs from the leading " + std::to_string(lastBlock.size())),
        upTo5);

    std::vector<Bytes> snaplen0 = blocks;
    snaplen0[1] = interfaceDescription(0);
    row("pcapng: interface snaplen 0", joined(snaplen0), 0, {}, {}, all);
    row("pcapng: unknown block type",
        insertedBefore6({pcapngBlock(0x0BAD0001, bytesOf("who knows"))}), 0, {}, {}, all);
    row("pcapng: decryption secrets block whose length lies",
        insertedBefore6({decryptionSecrets("CLIENT_RANDOM 00 11\n", 1000)}), 0, {},
        "warning: {}: decryption secrets block at byte offset " + std::to_string(at6) +
            ": secrets length 1000 runs past the block's end (20 bytes): skipped",
        all);
}

// Packets whose headers lie. A hostile packet goes in as packet 6 (the base
// conversation's packets 6-10 become 7-11): the decoder names it in an
// anomaly, and the connection around it decodes whole.
inline void addPacketRows(std::vector<HostileCapture>& rows) {
    const auto insertRow = [&rows](std::string name, int linkType, Bytes hostile,
                                   std::vector<std::string> anomalies, bool viaStdin = false,
                                   std::uint32_t wireLength = 0) {
        Session s = baseSession(linkType);
        std::vector<Packet> packets = s.packets;
        packets.insert(packets.begin() + 5, Packet{std::move(hostile), wireLength});
        rows.push_back({.name = std::move(name),
                        .bytes = pcapFile(packets, {.linkType = std::uint32_t(linkType)}),
                        .anomalies = std::move(anomalies),
                        .messages = shifted(s.messages, 6),
                        .viaStdin = viaStdin});
    };
    const Bytes one = baseSession().packets[4].data;  // Ethernet, IPv4, TCP, "one"
    const std::size_t ip = 14, tcp = 34;
    const auto changed = [](Bytes bytes, std::size_t at, std::initializer_list<std::uint8_t> v) {
        std::copy(v.begin(), v.end(), bytes.begin() + std::ptrdiff_t(at));
        return bytes;
    };
    const std::string malformed = "6 malformed-packet: packet 6: ";

    insertRow(
        "packet: IPv4 header length 4 (under 5)", linktype::Ethernet, changed(one, ip, {0x44}),
        {malformed + "IPv4: header length field 4 (16 bytes) is below the minimum of 5 (byte 14)"});
    insertRow("packet: IPv4 total length 10 (under the header)", linktype::Ethernet,
              changed(one, ip + 2, {0, 10}),
              {malformed + "IPv4: total length 10 is less than the 20-byte header (byte 16)"});
    insertRow("packet: IPv4 total length 1000 (more than captured, no snaplen)", linktype::Ethernet,
              changed(one, ip + 2, {0x03, 0xE8}),
              {malformed + "IPv4: total length 1000 exceeds the " +
               std::to_string(one.size() - ip) + " bytes present (byte 16)"},
              true);

    {
        // The connection's own packet 6 ("two") lies, so its bytes never reach
        // the server's stream: a gap, after which dissection resumes once two
        // frame headers chain (packet 10). The message "four" is decoded
        // then, after packet 9's, but names packet 8, which carried it.
        Session lying;
        lying.open();
        lying.client("one");
        const std::uint32_t gapAt = lying.serverStreamBytes();
        lying.server("two");
        const std::uint32_t lost = lying.serverStreamBytes() - gapAt;
        lying.client("three");
        lying.server("four");
        lying.clientClose(1000, "bye");
        lying.serverClose(1000);
        Bytes& two = lying.packets[5].data;
        two[ip + 2] = 0x03;
        two[ip + 3] = 0xE8;
        rows.push_back(
            {.name = "packet: the connection's own segment with IPv4 total length 1000",
             .bytes = pcapFile(lying.packets),
             .anomalies = {malformed + "IPv4: total length 1000 exceeds the " +
                               std::to_string(two.size() - ip) + " bytes present (byte 16)",
                           "8 tcp-gap: " + std::to_string(lost) +
                               " bytes missing at stream offset " + std::to_string(gapAt),
                           "10 desync-resynchronized: skipped 0 bytes after the gap; resumed at "
                           "stream offset " +
                               std::to_string(gapAt + lost) + " where two frame headers chain"},
             .messages = {"4 server text welcome", "5 client text one", "7 client text three",
                          "9 client close 1000 bye", "8 server text four",
                          "10 server close 1000"}});
    }

    // Fragments (IPv4 id 0x4242) of a segment on the connection's addresses.
    Session f;
    TcpPacketSpec segment = f.tcp().clientSegment(bytesOf("fragmented"));
    const Bytes past = ethernetFrame(ipFragment(segment, 0, 16, true, 0x4242));
    Bytes pastEnd = past;  // offset field 8191 (65528 bytes): 16 bytes end past 65535
    pastEnd[ip + 6] = 0x3F;
    pastEnd[ip + 7] = 0xFF;
    insertRow("packet: IPv4 fragment offset 65528 running past 65535", linktype::Ethernet, pastEnd,
              {"6 ip-fragment: packet 6: IPv4 datagram 127.0.0.1 -> 127.0.0.1 id 0x4242: fragment "
               "bytes 65528-65544 end past the 65535-byte maximum; datagram dropped"});
    insertRow("packet: IPv4 first fragment whose rest never comes", linktype::Ethernet, past,
              {"11 ip-fragment: IPv4 datagram 127.0.0.1 -> 127.0.0.1 id 0x4242: still incomplete "
               "at the end of the capture with 16 bytes received (last fragment not seen); "
               "datagram dropped"});

    // IPv6 (its own flow: [::1]).
    Session v6(linktype::Ethernet, true);
    v6.open();
    const Bytes six = v6.tcp().clientSends(encode({.payload = bytesOf("six"), .masked = true}));
    const std::size_t ip6 = 14;
    insertRow("packet: IPv6 payload length 1000 (more than captured)", linktype::Ethernet,
              changed(six, ip6 + 4, {0x03, 0xE8}),
              {malformed + "IPv6: payload length 1000 exceeds the " +
               std::to_string(six.size() - ip6 - 40) + " bytes present (byte 18)"});
    {
        // Destination options headers, each naming another as the next,
        // to the end of the payload and past it.
        Bytes chain;
        for (int i = 0; i < 8; ++i)
            pcapbytes::append(chain, {60, 0, 1, 4, 0, 0, 0, 0});
        const Bytes looping =
            ethernetFrame(ipv6Packet(IpAddress::parse("::1"), IpAddress::parse("::1"), 60, chain));
        insertRow("packet: IPv6 extension headers that never end", linktype::Ethernet, looping,
                  {malformed +
                   "IPv6: destination options header runs past the payload length (byte 118)"});
        const Bytes tooLong = ethernetFrame(ipv6Packet(
            IpAddress::parse("::1"), IpAddress::parse("::1"), 0, Bytes{6, 255, 1, 4, 0, 0, 0, 0}));
        insertRow("packet: IPv6 hop-by-hop header of 2048 bytes in 8", linktype::Ethernet, tooLong,
                  {malformed +
                   "IPv6: hop-by-hop options header of 2048 bytes runs past the payload length "
                   "(byte 55)"});
    }

    const std::size_t segmentBytes = one.size() - tcp;
    insertRow("packet: TCP data offset 4 (under 5)", linktype::Ethernet,
              changed(one, tcp + 12, {0x40}),
              {malformed + "TCP: data offset 4 (16 bytes) is below the minimum of 5 (byte 46)"});
    insertRow("packet: TCP data offset 15 (past the segment)", linktype::Ethernet,
              changed(one, tcp + 12, {0xF0}),
              {malformed + "TCP: data offset 15 (60 bytes) exceeds the " +
               std::to_string(segmentBytes) + "-byte segment (byte 46)"});

    // Link layers cut short.
    const Bytes tagged = ethernetFrame(ipTcp(segment), {7});
    insertRow("packet: VLAN tag cut inside its EtherType", linktype::Ethernet,
              Bytes(tagged.begin(), tagged.begin() + 17),
              {malformed + "Ethernet: header truncated, 1 of its 2 bytes present (byte 16)"});
    const Bytes qinq = ethernetFrame(ipTcp(segment), {7, 8}, 0x88A8);
    insertRow("packet: QinQ tags cut by the snaplen", linktype::Ethernet,
              Bytes(qinq.begin(), qinq.begin() + 20),
              {"6 snaplen-truncated: packet 6: snaplen cut the Ethernet header at byte 20: 0 of "
               "its 2 bytes captured"},
              false, std::uint32_t(qinq.size()));
    const Bytes sll = sllFrame(ipTcp(segment));
    insertRow("packet: Linux cooked (SLL) header cut", linktype::Sll,
              Bytes(sll.begin(), sll.begin() + 10),
              {malformed + "Linux cooked (SLL): header truncated, 10 of its 16 bytes present "
                           "(byte 0)"});
    const Bytes sll2 = sll2Frame(ipTcp(segment));
    insertRow("packet: Linux cooked (SLL2) header cut", linktype::Sll2,
              Bytes(sll2.begin(), sll2.begin() + 12),
              {malformed + "Linux cooked (SLL2): header truncated, 12 of its 20 bytes present "
                           "(byte 0)"});
    Bytes family = nullFrame(ipTcp(segment));
    family[0] = 99;  // no address family Sockscope reads: not IP, so not its business
    insertRow("packet: loopback header with address family 99", linktype::Null, family, {});
}

// A snaplen cut inside a WebSocket message: the message is lost, and the
// connection goes on to decode every message after it.
inline void addSnaplenRow(std::vector<HostileCapture>& rows) {
    Session s;
    s.open();
    s.client("one");
    const std::uint32_t frameAt = s.clientStreamBytes();
    const std::size_t first = s.clientSplit(std::string(3000, 'x'), 3, 1);
    const std::uint32_t frameSize = 2 + 2 + 4 + 3000, piece = (frameSize + 2) / 3;
    s.server("two");
    s.client("three");
    s.clientClose(1000, "bye");
    s.serverClose(1000);
    const std::string cut = std::to_string(first + 1);
    rows.push_back(
        {.name = "packet: snaplen cut in the middle of a message",
         .bytes = pcapFile(s.packets),
         .anomalies = {cut + " snaplen-truncated: packet " + cut + ": " + std::to_string(piece) +
                           " of " + std::to_string(piece) +
                           " TCP payload bytes not captured (snaplen)",
                       cut + " tcp-gap: " + std::to_string(piece) +
                           " bytes missing at stream offset " + std::to_string(frameAt + piece),
                       cut + " desync-resynchronized: the message in progress lost " +
                           std::to_string(piece) + " bytes; dissection resumes at stream offset " +
                           std::to_string(frameAt + frameSize) +
                           ", the end of the frame the gap fell into"},
         .messages = s.messages,
         .viaStdin = true});
}

inline std::vector<HostileCapture> hostileCaptures() {
    std::vector<HostileCapture> rows;
    addPcapRows(rows);
    addPcapngRows(rows);
    addPacketRows(rows);
    addSnaplenRow(rows);
    return rows;
}

}  // namespace sockscope::test::hostile
