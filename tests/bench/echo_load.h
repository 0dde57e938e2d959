#pragma once
// The echo load generator: several WebSocket client connections over loopback
// (POSIX sockets, sockscope::Endpoint in the client role, one epoll thread),
// each keeping a window of binary messages in flight until a fixed total has
// been echoed back, or a deadline passes.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace bench {

struct LoadConfig {
    std::uint16_t port = 0;  // server on 127.0.0.1
    int connections = 4;
    int window = 64;                     // messages in flight per connection
    std::uint64_t messages = 1'000'000;  // total echoes to wait for (all connections)
    std::uint64_t warmup = 20'000;       // echoes received before the timed window starts
    std::size_t messageSize = 1024;      // binary payload bytes
    double timeoutSeconds = 60;          // the whole run, handshakes included
};

struct LoadResult {
    bool completed = false;          // every message echoed and checked in time
    std::string error;               // why not (empty if completed)
    std::uint64_t echoed = 0;        // echoes received in the timed window
    double seconds = 0;              // length of the timed window
    double generatorCpuSeconds = 0;  // this process's user+sys CPU in the window
    double serverCpuSeconds = -1;    // the server's CPU in the window (-1: unknown)
    double messagesPerSecond() const {
        return seconds > 0 ? static_cast<double>(echoed) / seconds : 0;
    }
};

// `serverCpuSeconds` (may be empty) returns the server's CPU time so far, or
// a negative value if unknown; it is read at both ends of the timed window.
LoadResult runEchoLoad(const LoadConfig& config, const std::function<double()>& serverCpuSeconds);

}  // namespace bench
