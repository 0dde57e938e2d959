#pragma once
// Reads pcap and pcapng files (or standard input, "-") through libpcap with
// nanosecond timestamps.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "sockscope/dissector/packet.h"

namespace sockscope::dissector {

enum class CaptureFormat : std::uint8_t { Pcap, Pcapng };

struct CaptureReaderOptions {
    // Report RawPacket::recordEnd, so a viewer that maps the file can read
    // each packet's bytes back later instead of keeping them (costs an ftell
    // per packet, so it is off for the command line).
    bool recordEnds = false;
};

class CaptureReader {
public:
    // nullptr and a one-line reason ("cannot open X: no such file",
    // "X is not a pcap or pcapng capture", "X: truncated file header", "X:
    // link type 105 (IEEE802_11) is not supported; ...") on failure.
    static std::unique_ptr<CaptureReader> open(const std::string& path, std::string& error,
                                               CaptureReaderOptions options = {});
    ~CaptureReader();

    // The next packet, or nullopt at the end (or on a read error: see error()).
    // The packet's data stays valid until the next call.
    std::optional<RawPacket> next();
    // Non-empty when reading stopped on an error (e.g. a truncated packet
    // record): "X: packet 7 is truncated (libpcap's reason), in the record at
    // byte offset 1234" ("cannot be read" for other errors; "block" for pcapng).
    const std::string& error() const { return error_; }
    // Where the record or block error() names starts, when it could be located.
    std::optional<std::uint64_t> errorOffset() const { return errorOffset_; }
    int linkType() const;
    CaptureFormat format() const;

private:
    struct State;
    explicit CaptureReader(std::unique_ptr<State> state);
    void stop(std::string why);  // sets error_, naming the packet and where it is
    std::unique_ptr<State> state_;
    std::string error_;
    std::optional<std::uint64_t> errorOffset_;
    std::uint64_t count_ = 0;
};

// The file offset of a packet's first captured byte, found from the end of
// its record (RawPacket::recordEnd) in the bytes of the whole capture file
// (typically memory-mapped), or nullopt when the record there does not hold
// a packet of `capturedLength` bytes. Reads the record's own framing: for
// pcapng the block's trailing length, type and captured length, in either
// byte order.
std::optional<std::uint64_t> packetDataOffset(std::span<const std::uint8_t> file,
                                              CaptureFormat format, std::uint64_t recordEnd,
                                              std::uint32_t capturedLength);

// A packet's record in a capture file held in memory.
struct PacketRecordSpan {
    std::uint64_t dataOffset = 0;  // of the first captured byte
    std::uint32_t capturedLength = 0;
    std::uint64_t recordEnd = 0;  // where the next record starts
};

// The first packet record at or after `from` (0: the file's start; else a
// record end), skipping blocks that hold no packet (pcapng interface,
// statistics, name blocks...). Lets a viewer keep the file offset of only
// every Nth packet and walk from there. nullopt at the end of the file or
// where the bytes do not frame a record (each length is checked against the
// file). pcapng's byte order comes from the section header at the file's
// start, and from any later one walked over.
std::optional<PacketRecordSpan> nextPacketRecord(std::span<const std::uint8_t> file,
                                                 CaptureFormat format, std::uint64_t from);

}  // namespace sockscope::dissector
