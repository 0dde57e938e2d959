#pragma once
// What CaptureReader says when it cannot go on. libpcap names neither the
// byte offset of the record it stopped at nor, for a file it does not
// recognize, what the file is instead; a file can be looked at again to
// find both.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "sockscope/dissector/capture_reader.h"

namespace sockscope::dissector::reading {

// For a file libpcap did not recognize: a specific one-line reason from its
// first bytes (gzip-compressed; a pcapng section header with a bad
// byte-order magic), or empty when they say nothing more.
std::string recognizeUnknownFormat(const std::string& path, const std::string& name);

struct StopPoint {
    std::uint64_t offset = 0;  // where the record (pcap) or block (pcapng) starts
    std::string why;           // a clearer reason than libpcap's, or empty
};

// The record or block of a capture file that holds byte `stoppedAt - 1`,
// libpcap having stopped reading at `stoppedAt` on an error (or the first
// one that does not frame before it); nullopt when the bytes do not say.
std::optional<StopPoint> locateStop(std::span<const std::uint8_t> file, CaptureFormat format,
                                    std::uint64_t stoppedAt);
// The same for the open file `fd`, mapped for the walk.
std::optional<StopPoint> locateStop(int fd, CaptureFormat format, std::uint64_t stoppedAt);

// The 32-bit field at `at` in the file's byte order (the caller checked `at + 4` fits).
std::uint32_t read32(std::span<const std::uint8_t> file, std::uint64_t at, bool bigEndian);

}  // namespace sockscope::dissector::reading
