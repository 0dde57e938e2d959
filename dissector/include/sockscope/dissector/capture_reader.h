#pragma once
// Reads pcap and pcapng files (or standard input, "-") through libpcap with
// nanosecond timestamps.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "sockscope/dissector/packet.h"

namespace sockscope::dissector {

class CaptureReader {
public:
    // nullptr and a one-line reason ("cannot open X: no such file",
    // "X is not a pcap or pcapng capture", "X: truncated file header") on failure.
    static std::unique_ptr<CaptureReader> open(const std::string& path, std::string& error);
    ~CaptureReader();

    // The next packet, or nullopt at the end (or on a read error: see error()).
    // The packet's data stays valid until the next call.
    std::optional<RawPacket> next();
    // Non-empty when reading stopped on an error (e.g. a truncated packet record).
    const std::string& error() const { return error_; }
    int linkType() const;

private:
    struct State;
    explicit CaptureReader(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
    std::string error_;
    std::uint64_t count_ = 0;
};

}  // namespace sockscope::dissector
