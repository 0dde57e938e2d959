#pragma once
// Live capture through libpcap: list the interfaces, open one in immediate
// mode (every packet delivered at once) with nanosecond timestamps and an
// optional BPF filter, and deliver packets as RawPacket. poll() waits a
// bounded time, so a caller's loop can notice Ctrl-C or SIGTERM and stop cleanly.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sockscope/dissector/packet.h"

namespace sockscope::dissector {

struct CaptureInterfaceInfo {
    std::string name;
    std::string description;             // may be empty
    std::vector<std::string> addresses;  // "127.0.0.1", "::1", ...
    bool loopback = false;
    bool up = false;
    bool running = false;
};

// Every interface libpcap can capture on (pcap_findalldevs). nullopt and a
// one-line reason on failure; an empty list is not an error.
std::optional<std::vector<CaptureInterfaceInfo>> listCaptureInterfaces(std::string& error);

struct LiveCaptureOptions {
    std::string interface;  // "lo", "eth0", "any"
    std::string filter;     // BPF ("tcp port 8765"); empty: everything
    int snaplen = 262144;
    bool promiscuous = false;
    // Kernel buffer: libpcap's 2 MiB default drops packets on bursty
    // loopback traffic (a 1 MiB echo), so the default is larger.
    int bufferBytes = 64 << 20;
};

class LiveCapture {
public:
    // nullptr and a one-line reason on failure: no such interface, a filter
    // that does not compile ("bad capture filter 'x': ..."), or missing
    // permission, which says how to grant it (root, or setcap on the binary).
    static std::unique_ptr<LiveCapture> open(const LiveCaptureOptions& options, std::string& error);
    ~LiveCapture();
    LiveCapture(const LiveCapture&) = delete;
    LiveCapture& operator=(const LiveCapture&) = delete;

    using PacketCallback = std::function<void(const RawPacket&)>;

    // Waits at most `timeoutMs` for packets (or until `wakeFd`, when >= 0,
    // becomes readable: a signal's self-pipe) and hands every packet that is
    // ready, at most `maxPackets`, to `onPacket`; the packet's data is valid
    // only during the call. Returns the number delivered, or -1 on an error
    // (see error(); e.g. the interface went away).
    int poll(int timeoutMs, const PacketCallback& onPacket, int wakeFd = -1, int maxPackets = 4096);

    int linkType() const;
    std::uint32_t snaplen() const;
    const std::string& interfaceName() const { return interface_; }
    const std::string& error() const { return error_; }

    struct Stats {
        std::uint64_t received = 0;  // by the filter
        std::uint64_t dropped = 0;   // by the kernel: buffer full
    };
    std::optional<Stats> stats() const;

private:
    struct State;
    explicit LiveCapture(std::unique_ptr<State> state, std::string interface);
    std::unique_ptr<State> state_;
    std::string interface_;
    std::string error_;
};

// Whether `filter` compiles as BPF for captures of `linkType` (a DLT_*
// value), without opening a device: no permission needed, so a dialog can
// check it as the user types. An empty filter is valid. false and a one-line
// reason ("bad capture filter 'tcp port': syntax error") otherwise. A host
// name in the filter is resolved while compiling: callers that must not
// block run this off their event loop.
bool validateCaptureFilter(const std::string& filter, int linkType, std::string& error);

// The message for a capture without permission: what failed and how to
// grant it (`sudo setcap cap_net_raw,cap_net_admin=eip <this binary>` or run
// as root). Exposed so tests can check the wording.
std::string capturePermissionMessage(const std::string& interface, const std::string& detail);

}  // namespace sockscope::dissector
