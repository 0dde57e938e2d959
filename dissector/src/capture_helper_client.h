#pragma once
// The client side of the capture helper (sockscope-capture): spawns it with
// posix_spawn (no shell, an empty environment, a process group of its own so
// a terminal's Ctrl-C reaches only us), keeps its stdin open (it stops when
// that reaches EOF, so it never outlives us), reads its pcapng stream from a
// non-blocking pipe and its status and error lines from another.
//
// The stream is parsed here, block by block, rather than by libpcap: libpcap
// reads a pipe with blocking stdio reads, so a block that arrives in parts
// would hold poll() past its timeout, and stdio's read-ahead would hide ready
// packets from poll(2).

#include <sys/types.h>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sockscope/dissector/live_capture.h"

namespace sockscope::dissector {

// Reads pcapng blocks from bytes as they arrive (either byte order, several
// sections and interfaces). Every length is checked against the block and a
// block is at most kMaxBlockBytes, so a broken stream is an error, never a
// read out of bounds or an unbounded buffer.
class PcapngStream {
public:
    static constexpr std::uint32_t kMaxBlockBytes = 1u << 20;

    enum class Result { Packet, NeedMore, PacketAhead, Failed };

    // Reads what `fd` has now (non-blocking) into the buffer, at most
    // `maxBytes`. Returns the bytes read, 0 at EOF, -1 when nothing is ready
    // (EAGAIN) and -2 on a read error (errno kept).
    long readFrom(int fd, std::size_t maxBytes);

    // The next packet. Blocks that hold none (section, interface, others) are
    // taken in passing. With `packet` null, stops before a packet block
    // (PacketAhead) instead. The packet's data points into the buffer: valid
    // until the next readFrom().
    Result next(RawPacket* packet, std::string& error);

    bool hasInterface() const { return !interfaces_.empty(); }
    int linkType() const { return interfaces_.empty() ? 0 : interfaces_.front().linkType; }
    std::uint32_t snaplen() const { return interfaces_.empty() ? 0 : interfaces_.front().snaplen; }
    // Bytes of an incomplete block (at the end of the stream: it was cut).
    std::size_t pending() const { return buffer_.size() - begin_; }

private:
    struct Interface {
        int linkType = 0;
        std::uint32_t snaplen = 0;
        std::uint64_t unitsPerSecond = 1000000;  // if_tsresol; microseconds by default
    };
    std::uint16_t u16(const std::uint8_t* p) const;
    std::uint32_t u32(const std::uint8_t* p) const;
    bool sectionHeader(const std::uint8_t* body, std::uint32_t size, std::string& error);
    bool interfaceDescription(const std::uint8_t* body, std::uint32_t size, std::string& error);
    bool enhancedPacket(const std::uint8_t* body, std::uint32_t size, RawPacket& packet,
                        std::string& error);

    std::vector<std::uint8_t> buffer_;
    std::size_t begin_ = 0;  // the first byte not yet parsed
    bool inSection_ = false;
    bool swapped_ = false;  // the section's byte order is not this host's
    std::vector<Interface> interfaces_;
    std::uint64_t packets_ = 0;
};

class CaptureHelperClient {
public:
    enum class Refusal {
        None,
        NotRunnable,   // exec refused (EACCES): e.g. not in the helper's group
        NoPermission,  // it ran, but libpcap refused it too: `error` is its own words
    };
    // Runs `helper` for `options` and waits until its stream's interface
    // block arrived (the capture is open) or it ended, at most 15 s. nullptr
    // and a one-line reason on failure; `refusal` tells whether the reason is
    // a lack of permission, so the caller can add advice.
    static std::unique_ptr<CaptureHelperClient> start(const std::string& helper,
                                                      const LiveCaptureOptions& options,
                                                      std::string& error, Refusal& refusal);
    // Stops the helper: closes its stdin and sends SIGTERM; SIGKILL after 2 s.
    ~CaptureHelperClient();
    CaptureHelperClient(const CaptureHelperClient&) = delete;
    CaptureHelperClient& operator=(const CaptureHelperClient&) = delete;

    // LiveCapture::poll() through the helper: -1 and error() ("capture on lo
    // failed: ...", or the helper's own error line) when the helper ended or
    // its stream broke.
    int poll(int timeoutMs, const LiveCapture::PacketCallback& onPacket, int wakeFd,
             int maxPackets);
    int linkType() const { return stream_.linkType(); }
    std::uint32_t snaplen() const { return stream_.snaplen(); }
    const LiveCapture::Stats& stats() const { return stats_; }
    const std::string& error() const { return error_; }

private:
    CaptureHelperClient() = default;
    void readStdout();
    void readStderr();
    void takeLine(std::string line);
    int deliver(const LiveCapture::PacketCallback& onPacket, int maxPackets);
    // The helper's stdout ended: waits (bounded) for its last words and its exit.
    void reap();
    std::string endReason() const;
    void stop();

    std::string interface_;
    pid_t pid_ = -1;
    int exitStatus_ = -1;  // waitpid status once reaped
    int stdin_ = -1;       // our end of the helper's stdin: never written
    int stdout_ = -1;
    int stderr_ = -1;
    bool stdoutEnded_ = false;
    int readErrno_ = 0;
    PcapngStream stream_;
    std::string stderrLine_;   // an incomplete line
    std::string helperError_;  // its "error: " line
    std::string otherOutput_;  // its last other line (a crash report's first words)
    LiveCapture::Stats stats_;
    std::string error_;
    bool failed_ = false;
};

}  // namespace sockscope::dissector
