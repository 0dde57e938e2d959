#pragma once
// Starting and stopping the echo server under test for bench_echo: fork/exec
// with the server pinned to one CPU, waiting (bounded) until it listens, and
// reading its CPU time so the report can say who was the bottleneck.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

// A free TCP port on 127.0.0.1 (bound to port 0 and released; a small race).
std::uint16_t pickFreePort();

// Pins the calling process to one CPU; false if not possible.
bool pinToCpu(int cpu);

class ServerProcess {
public:
    ServerProcess() = default;
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;
    ~ServerProcess() { stop(); }

    // argv[0] is the program path. cpu < 0: not pinned. The server's stdout and
    // stderr go to /dev/null (servers that log per connection must not slow down).
    bool start(const std::vector<std::string>& argv, int cpu, std::string& error);
    // Polls /proc/net/tcp{,6} until something listens on `port`, at most timeoutSeconds.
    bool waitListening(std::uint16_t port, double timeoutSeconds, std::string& error);
    // SIGTERM, then SIGKILL after a bounded wait.
    void stop();

    pid_t pid() const { return pid_; }
    // utime + stime of the server process so far, in seconds (-1 if unknown).
    double cpuSeconds() const;

private:
    bool exited();
    pid_t pid_ = -1;
};

// Splits a command line on spaces and replaces "{port}" in every word.
std::vector<std::string> expandCommand(const std::string& command, std::uint16_t port);

}  // namespace bench
