// sockscope-capture: the capture helper. The one program that holds the
// capture capabilities (like Wireshark's dumpcap), so neither sockscope nor
// sockscope-cli ever runs privileged: they start it (LiveCapture::open, when
// they may not capture themselves) and read its pcapng stream from a pipe.
// Usage and the stderr protocol: arguments.h; what it does about its
// privileges: privileges.h. No Qt, no shell, no files written.

#include <fcntl.h>
#include <poll.h>
#include <sockscope/dissector/live_capture.h>
#include <sockscope/dissector/pcapng_writer.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "arguments.h"
#include "privileges.h"

namespace {

namespace dissector = sockscope::dissector;
namespace helper = sockscope::dissector::capture_helper;
using sockscope::capture::Keep;

constexpr int kPollMs = 200;  // how soon EOF on stdin is noticed
constexpr auto kStatsInterval = std::chrono::seconds(1);

std::array<int, 2> stopPipe = {-1, -1};
volatile std::sig_atomic_t stopRequested = 0;

void onStopSignal(int) {
    stopRequested = 1;
    const char byte = 0;
    [[maybe_unused]] const ssize_t n = ::write(stopPipe[1], &byte, 1);
}

// One line on `fd`, in one write where it fits; errors are ignored (the
// reader may be gone, and there is nobody left to tell).
void writeLine(int fd, std::string line) {
    for (char& c : line) {
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
            c = ' ';  // library messages may hold newlines: one line each
        }
    }
    line += '\n';
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        done += static_cast<std::size_t>(n);
    }
}

int fail(int status, const std::string& message) {
    writeLine(STDERR_FILENO, std::string(helper::kErrorPrefix) + message);
    return status;
}

std::string selfPath() {
    std::array<char, 4096> path{};
    const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
    return n > 0 ? std::string(path.data(), static_cast<std::size_t>(n)) : "sockscope-capture";
}

int listInterfaces() {
    std::string error;
    const auto interfaces = dissector::listCaptureInterfaces(error);
    if (!interfaces) {
        return fail(helper::kExitFailed, error);
    }
    for (const dissector::CaptureInterfaceInfo& info : *interfaces) {
        std::string flags;
        for (const auto& [set, name] :
             {std::pair{info.loopback, "loopback"}, std::pair{info.up, "up"},
              std::pair{info.running, "running"}}) {
            if (set) {
                flags += flags.empty() ? "" : ",";
                flags += name;
            }
        }
        std::string addresses;
        for (const std::string& address : info.addresses) {
            addresses += (addresses.empty() ? "" : " ") + address;
        }
        const auto field = [](std::string text) {
            std::replace(text.begin(), text.end(), '\t', ' ');  // tabs separate the fields
            return text;
        };
        writeLine(STDOUT_FILENO, field(info.name) + '\t' + flags + '\t' + addresses + '\t' +
                                     field(info.description));
    }
    return helper::kExitOk;
}

bool installStopSignals() {
    if (::pipe2(stopPipe.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
        return false;
    }
    struct sigaction action = {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
        sigaction(signal, &action, nullptr);
    }
    // A reader that went away is a write error (EPIPE), not a killing signal.
    std::signal(SIGPIPE, SIG_IGN);
    return true;
}

// Whether stdin reached end of file (or broke): the parent holds the other
// end and is gone once it closes. Anything written to it is read and dropped.
bool stdinEnded() {
    pollfd fd{STDIN_FILENO, POLLIN, 0};
    if (::poll(&fd, 1, 0) <= 0) {
        return false;
    }
    if ((fd.revents & POLLNVAL) != 0) {
        return true;
    }
    std::array<char, 4096> scratch{};
    const ssize_t n = ::read(STDIN_FILENO, scratch.data(), scratch.size());
    return n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN);
}

int capture(const dissector::LiveCaptureOptions& options) {
    if (::isatty(STDOUT_FILENO) == 1) {
        return fail(helper::kExitUsage,
                    "standard output is a terminal: pipe the capture into a reader, e.g. "
                    "sockscope-cli read -");
    }
    if (!installStopSignals()) {
        return fail(helper::kExitFailed, std::string("pipe: ") + std::strerror(errno));
    }
    std::string error;
    dissector::LiveCapture::OpenFailure failure;
    const auto dropAll = [](std::string& why) {
        return sockscope::capture::limitCapabilities(Keep::Nothing, why);
    };
    const bool capable = sockscope::capture::holdsCaptureCapability();
    const std::unique_ptr<dissector::LiveCapture> capture =
        dissector::LiveCapture::openDirect(options, error, &failure, dropAll);
    if (!capture) {
        if (!failure.permission) {
            return fail(helper::kExitFailed, error);
        }
        std::string detail = failure.detail;
        if (!capable) {
            const std::string self = selfPath();
            detail += "; the capture helper " + self +
                      " has no capture capabilities: sudo setcap cap_net_raw,cap_net_admin=eip " +
                      self;
        }
        return fail(helper::kExitNoPermission,
                    dissector::capturePermissionFailure(options.interface, detail));
    }

    // The stream starts only now: its first bytes tell the client the capture is open.
    const std::unique_ptr<dissector::PcapngWriter> writer =
        dissector::PcapngWriter::wrap(stdout, error, "sockscope-capture");
    if (!writer) {
        return fail(helper::kExitFailed, error);
    }
    writer->addInterface({capture->linkType(), capture->snaplen(), options.interface, {}});

    bool readerGone = false;
    std::string writeError;
    const auto noteWriteFailure = [&] {
        if (errno == EPIPE || writer->error() == std::strerror(EPIPE)) {
            readerGone = true;
        } else if (writeError.empty()) {
            writeError = "cannot write the capture: " + writer->error();
        }
    };
    if (!writer->flush()) {
        noteWriteFailure();
    }
    const auto onPacket = [&](const dissector::RawPacket& packet) {
        if (!readerGone && writeError.empty() && !writer->write(packet)) {
            noteWriteFailure();
        }
    };
    const auto writeStats = [&] {
        if (const auto stats = capture->stats()) {
            writeLine(STDERR_FILENO, helper::statsLine(*stats));
        }
    };

    using Clock = std::chrono::steady_clock;
    auto lastStats = Clock::now();
    writeStats();
    int status = helper::kExitOk;
    while (stopRequested == 0 && !readerGone && writeError.empty()) {
        if (capture->poll(kPollMs, onPacket, stopPipe[0]) < 0) {
            status = fail(helper::kExitFailed, capture->error());
            break;
        }
        if (stdinEnded()) {
            break;
        }
        if (Clock::now() - lastStats >= kStatsInterval) {
            writeStats();
            lastStats = Clock::now();
        }
    }
    // What the kernel holds already when asked to stop is still written.
    if (status == helper::kExitOk && !readerGone && writeError.empty()) {
        capture->poll(0, onPacket);
    }
    if (!readerGone && !writer->flush()) {
        noteWriteFailure();
    }
    writeStats();
    if (!writeError.empty() && status == helper::kExitOk) {
        status = fail(helper::kExitFailed, writeError);
    }
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    sockscope::capture::sanitizeProcess();
    std::string error;
    const auto arguments = sockscope::capture::parseHelperArguments(argc, argv, error);
    if (!arguments) {
        return fail(helper::kExitUsage, error);
    }
    if (arguments->help) {
        std::fputs(sockscope::capture::kUsage, stdout);
        return helper::kExitOk;
    }
    // Listing needs no privilege; capturing keeps only the two capabilities
    // it needs until the device is open.
    if (!sockscope::capture::limitCapabilities(
            arguments->listInterfaces ? Keep::Nothing : Keep::Capture, error)) {
        return fail(helper::kExitFailed, error);
    }
    return arguments->listInterfaces ? listInterfaces() : capture(arguments->capture);
}
