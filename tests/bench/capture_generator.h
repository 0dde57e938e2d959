#pragma once
// Writes a large synthetic WebSocket capture for bench_dissector, streaming
// (bounded memory whatever the size): classic pcap with nanosecond
// timestamps, Ethernet/IPv4/TCP. Many connections are open at once and their
// packets interleave; each has a full TCP and HTTP upgrade handshake, then
// client (masked) and server messages of 10 B to 64 KiB, some compressed with
// permessage-deflate (core's MessageDeflater, context takeover), some
// fragmented, a few pings, and a close handshake and FINs at the end.

#include <cstdint>
#include <string>

namespace bench {

struct CaptureGeneratorOptions {
    std::uint64_t targetBytes = 512ull << 20;  // stops opening connections past this
    int concurrentConnections = 100;           // open at any moment
    std::uint32_t maxMessage = 65536;          // message sizes: log-uniform, 10 B to this
    std::uint32_t mss = 1448;                  // TCP payload per packet (Ethernet-sized)
    std::uint64_t seed = 1;
};

struct CaptureGeneratorStats {
    std::uint64_t fileBytes = 0;
    std::uint64_t packets = 0;
    std::uint64_t connections = 0;
    std::uint64_t frames = 0;  // every WebSocket frame, control frames included
    std::uint64_t messages = 0;
    std::uint64_t compressedMessages = 0;
    std::uint64_t fragmentedMessages = 0;
    std::uint64_t payloadBytes = 0;  // application bytes, before compression
};

// false and a one-line reason when the file cannot be written.
bool generateCapture(const std::string& path, const CaptureGeneratorOptions& options,
                     CaptureGeneratorStats& stats, std::string& error);

}  // namespace bench
