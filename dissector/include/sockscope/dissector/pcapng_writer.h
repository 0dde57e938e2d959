#pragma once
// Writes pcapng (the format live captures are saved in): a Section Header
// Block, one Interface Description Block per interface (link type, snaplen,
// name, if_tsresol=9 so timestamps keep their nanoseconds) and one Enhanced
// Packet Block per packet, little-endian.
//
// Flush-safe: every block is built in memory and handed to stdio in one
// write, and the stream is flushed after every block by default, so a
// capture that is killed leaves a file that ends at a block boundary and
// libpcap and Wireshark read every packet written so far.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "sockscope/dissector/packet.h"

namespace sockscope::dissector {

struct PcapngInterface {
    int linkType = 1;  // libpcap DLT_* (LINKTYPE_* on disk; the common ones are equal)
    std::uint32_t snaplen = 262144;
    std::string name;         // if_name, omitted when empty
    std::string description;  // if_description, omitted when empty
};

class PcapngWriter {
public:
    // Creates (truncates) `path`; "-" writes to standard output. nullptr and
    // a one-line reason ("cannot create X: Permission denied") on failure.
    static std::unique_ptr<PcapngWriter> create(const std::string& path, std::string& error,
                                                const std::string& application = "Sockscope");
    // Writes to a stream the caller owns (and closes).
    static std::unique_ptr<PcapngWriter> wrap(std::FILE* stream, std::string& error,
                                              const std::string& application = "Sockscope");
    ~PcapngWriter();
    PcapngWriter(const PcapngWriter&) = delete;
    PcapngWriter& operator=(const PcapngWriter&) = delete;

    // Writes an IDB; returns its interface id (0, 1, ...) for RawPacket::interfaceId.
    std::uint32_t addInterface(const PcapngInterface& interface);

    // Writes an EPB for `packet` on interface packet.interfaceId (which must
    // have been added). Returns false on a write error (see error()).
    bool write(const RawPacket& packet);

    // Flush after every `n` packets (1, the default: after every one; 0: only
    // on flush() and destruction). Interface blocks are always flushed.
    void setFlushEvery(std::uint32_t n) { flushEvery_ = n; }
    bool flush();
    // Flushes and, for create(), closes the file. Returns false on an error.
    bool close();

    const std::string& error() const { return error_; }
    std::uint64_t packetsWritten() const { return packets_; }

private:
    PcapngWriter(std::FILE* stream, bool owned);
    bool writeSectionHeader(const std::string& application);
    bool writeBlock(std::uint32_t type, const std::vector<std::uint8_t>& body, bool forceFlush);
    void fail(const std::string& what);

    std::FILE* stream_;
    bool owned_;
    std::uint32_t interfaces_ = 0;
    std::uint32_t flushEvery_ = 1;
    std::uint32_t sinceFlush_ = 0;
    std::uint64_t packets_ = 0;
    std::vector<std::uint8_t> block_;  // reused for every block
    std::vector<std::uint8_t> body_;
    std::string error_;
};

}  // namespace sockscope::dissector
