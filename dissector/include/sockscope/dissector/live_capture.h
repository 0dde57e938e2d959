#pragma once
// Live capture through libpcap: list the interfaces, open one in immediate
// mode (every packet delivered at once) with nanosecond timestamps and an
// optional BPF filter, and deliver packets as RawPacket. poll() waits a
// bounded time, so a caller's loop can notice Ctrl-C or SIGTERM and stop cleanly.
//
// Without capture permission, open() runs the capture helper instead
// (sockscope-capture, app/sockscope_capture: the one program that holds the
// capabilities, like Wireshark's dumpcap) and reads its pcapng stream from a
// pipe; callers see no difference.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
    // permission, which says how to grant it (capturePermissionMessage()).
    // libpcap is tried first; when it is refused for lack of permission and a
    // capture helper is found (findCaptureHelper()), the helper captures and
    // this reads its stream. The environment variable
    // SOCKSCOPE_CAPTURE_VIA_HELPER=1 skips the direct attempt (for tests).
    static std::unique_ptr<LiveCapture> open(const LiveCaptureOptions& options, std::string& error);

    struct OpenFailure {
        bool permission = false;  // libpcap refused: no permission (EPERM/EACCES)
        std::string detail;       // libpcap's words, e.g. "socket: Operation not permitted"
    };
    // Called once the device is open, before the filter is compiled; false
    // (and a reason in its argument) fails the open. The helper drops its
    // capabilities here: compiling resolves the filter's host names.
    using ActivatedHook = std::function<bool(std::string& error)>;
    // libpcap in this process only, never the helper (the helper itself uses
    // this). On a permission failure `error` is capturePermissionFailure()'s
    // text, without advice, and `failure` (when given) says so.
    static std::unique_ptr<LiveCapture> openDirect(const LiveCaptureOptions& options,
                                                   std::string& error,
                                                   OpenFailure* failure = nullptr,
                                                   const ActivatedHook& activated = {});
    // A pcapng stream another part of this program writes (a console
    // session's SessionRecorder), read like a capture: `fd` is the read end
    // of a pipe or socket, owned from here on (closed on failure too), made
    // non-blocking. Waits (at most kStreamStartTimeoutMs) for the stream's
    // interface block, so linkType() is known on return. `name` stands for
    // the interface in messages and the saved file. nullptr and a one-line
    // reason on failure (a broken stream, EOF before the interface block).
    // The end of the stream (EOF) is the capture's normal end: see ended().
    static std::unique_ptr<LiveCapture> openStream(int fd, std::string name, std::string& error);
    static constexpr int kStreamStartTimeoutMs = 5000;

    ~LiveCapture();
    LiveCapture(const LiveCapture&) = delete;
    LiveCapture& operator=(const LiveCapture&) = delete;

    using PacketCallback = std::function<void(const RawPacket&)>;

    // Waits at most `timeoutMs` for packets (or until `wakeFd`, when >= 0,
    // becomes readable: a signal's self-pipe) and hands every packet that is
    // ready, at most `maxPackets`, to `onPacket`; the packet's data is valid
    // only during the call. Returns the number delivered, or -1 on an error
    // (see error(); e.g. the interface went away; a stream cut inside a
    // block). A stream at its end returns 0 at once, with ended() true.
    int poll(int timeoutMs, const PacketCallback& onPacket, int wakeFd = -1, int maxPackets = 4096);

    int linkType() const;
    std::uint32_t snaplen() const;
    const std::string& interfaceName() const { return interface_; }
    const std::string& error() const { return error_; }
    // Whether the capture helper captures (open() fell back to it).
    bool viaHelper() const;
    // An openStream() capture whose writer closed its end, after every packet
    // was delivered: a normal end, not an error. Always false for an interface.
    bool ended() const;

    struct Stats {
        std::uint64_t received = 0;  // by the filter
        std::uint64_t dropped = 0;   // by the kernel: buffer full
        friend bool operator==(const Stats&, const Stats&) = default;
    };
    // Through the helper: the latest of its once-a-second status lines
    // (zeros before the first). nullopt for a stream (no kernel, no drops).
    std::optional<Stats> stats() const;

private:
    struct State;
    explicit LiveCapture(std::unique_ptr<State> state, std::string interface);
    int pollStream(int timeoutMs, const PacketCallback& onPacket, int wakeFd, int maxPackets);
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

// What failed, without advice: "no permission to capture on lo (detail)".
std::string capturePermissionFailure(const std::string& interface, const std::string& detail);

// How to get capture permission, for the end of a message: with a capture
// helper found, "add yourself to group sockscope (sudo usermod -aG sockscope
// $USER, then log in again)"; without one, "run as root or grant the
// capability: sudo setcap cap_net_raw,cap_net_admin=eip <this binary>".
std::string capturePermissionAdvice();

// The message for a capture without permission: capturePermissionFailure()
// + "; " + capturePermissionAdvice(). Exposed so tests can check the wording.
std::string capturePermissionMessage(const std::string& interface, const std::string& detail);

// Where the capture helper is: the path in SOCKSCOPE_CAPTURE_HELPER when set
// (as given, even when missing: tests point it at a copy), else
// sockscope-capture next to the running binary (a build tree's bin/), else
// ../libexec/sockscope/sockscope-capture from there (the installed layout).
// nullopt when none of these exists.
std::optional<std::string> findCaptureHelper();

// What sockscope-capture and its client agree on (app/sockscope_capture):
// pcapng on stdout; on stderr one status line a second (and a last one at the
// end) and, before a non-zero exit, one error line.
namespace capture_helper {

inline constexpr int kExitOk = 0;            // stopped: signal, stdin at EOF, reader gone
inline constexpr int kExitFailed = 1;        // the capture failed (see the error line)
inline constexpr int kExitUsage = 2;         // bad arguments
inline constexpr int kExitNoPermission = 3;  // libpcap refused for lack of permission
inline constexpr std::string_view kErrorPrefix = "error: ";

// "stats received=12 dropped=0"
std::string statsLine(const LiveCapture::Stats& stats);
// nullopt unless `line` (without its newline) is exactly a statsLine().
std::optional<LiveCapture::Stats> parseStatsLine(std::string_view line);

}  // namespace capture_helper

}  // namespace sockscope::dissector
