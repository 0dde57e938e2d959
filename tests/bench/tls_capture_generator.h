#pragma once
// Writes a large wss:// capture and its NSS key log for bench_tls, streaming
// (bounded memory whatever the size). Every connection is real TLS: an
// OpenSSL client and server in memory (tests/dissector/tls_pair.h) run the
// handshake with the version and cipher suite asked for, then carry an HTTP
// upgrade, client (masked) and server messages of 10 B to 64 KiB, text and
// binary, some fragmented, and a close handshake; the bytes each side's TLS
// wrote become Ethernet/IPv4/TCP packets of at most one MSS (server port 443,
// so tshark takes them for TLS), interleaved over several open connections,
// in pcapng.

#include <cstdint>
#include <string>

namespace bench {

struct TlsCaptureOptions {
    std::uint64_t targetBytes = 256ull << 20;  // stops opening connections past this
    bool tls12 = false;  // TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256; else TLS 1.3 AES-128-GCM
    int concurrentConnections = 20;
    std::uint32_t maxMessage = 65536;  // message sizes: log-uniform, 10 B to this
    std::uint32_t mss = 1448;
    std::uint64_t seed = 1;
};

struct TlsCaptureStats {
    std::uint64_t fileBytes = 0;
    std::uint64_t packets = 0;
    std::uint64_t connections = 0;
    std::uint64_t frames = 0;  // every WebSocket frame
    std::uint64_t messages = 0;
    std::uint64_t payloadBytes = 0;  // WebSocket payload bytes
};

// Writes the capture to `path` and the key log to `keyLogPath`; false and a
// one-line reason on failure.
bool generateTlsCapture(const std::string& path, const std::string& keyLogPath,
                        const TlsCaptureOptions& options, TlsCaptureStats& stats,
                        std::string& error);

}  // namespace bench
