#include "capture_helper_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <thread>

#include "pcapng_format.h"

namespace sockscope::dissector {
namespace {

using namespace pcapng;

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxInterfaces = 1024;

constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr auto kEndTimeout = std::chrono::seconds(2);
constexpr std::size_t kReadChunk = 64u << 10;
// Read per poll() at most this much: the caller hears back at once even when
// the helper writes faster than the caller dissects.
constexpr std::size_t kReadPerPoll = 1u << 20;
constexpr std::size_t kMaxLine = 1000;

std::string stripped(std::string text) {
    // One line of printable text, whatever the helper (or a crash) printed.
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            c = ' ';
        }
    }
    if (text.size() > kMaxLine) {
        text.resize(kMaxLine);
        text += "...";
    }
    return text;
}

int remainingMs(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 1000000));
}

// A pipe whose ends are close-on-exec and never 0, 1 or 2: posix_spawn's
// dup2 onto the same number would leave the close-on-exec flag set.
bool makePipe(std::array<int, 2>& ends) {
    if (::pipe2(ends.data(), O_CLOEXEC) != 0) {
        return false;
    }
    for (int& fd : ends) {
        if (fd <= 2) {
            const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
            ::close(fd);
            fd = moved;
        }
    }
    if (ends[0] < 0 || ends[1] < 0) {
        for (const int fd : ends) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
        return false;
    }
    return true;
}

void closeFd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

std::vector<std::string> helperArguments(const std::string& helper,
                                         const LiveCaptureOptions& options) {
    std::vector<std::string> arguments = {helper, "-i", options.interface};
    if (!options.filter.empty()) {
        arguments.insert(arguments.end(), {"-f", options.filter});
    }
    // The helper takes the buffer in MiB: round up, within its range.
    const long long mib = (static_cast<long long>(options.bufferBytes) + (1 << 20) - 1) >> 20;
    arguments.insert(arguments.end(), {"-s", std::to_string(options.snaplen), "-B",
                                       std::to_string(std::clamp<long long>(mib, 1, 1024))});
    if (options.promiscuous) {
        arguments.emplace_back("-p");
    }
    return arguments;
}

}  // namespace

// ---- PcapngStream ----

long PcapngStream::readFrom(int fd, std::size_t maxBytes) {
    if (begin_ != 0) {
        // Parsed blocks (and packets already handed out) go.
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(begin_));
        begin_ = 0;
    }
    const std::size_t old = buffer_.size();
    buffer_.resize(old + std::min(maxBytes, kReadChunk));
    ssize_t n = 0;
    do {
        n = ::read(fd, buffer_.data() + old, buffer_.size() - old);
    } while (n < 0 && errno == EINTR);
    const int saved = errno;
    buffer_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    errno = saved;
    if (n < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2;
    }
    return static_cast<long>(n);
}

std::uint16_t PcapngStream::u16(const std::uint8_t* p) const {
    std::uint16_t v = 0;
    std::memcpy(&v, p, sizeof v);
    return swapped_ ? static_cast<std::uint16_t>(__builtin_bswap16(v)) : v;
}

std::uint32_t PcapngStream::u32(const std::uint8_t* p) const {
    std::uint32_t v = 0;
    std::memcpy(&v, p, sizeof v);
    return swapped_ ? __builtin_bswap32(v) : v;
}

PcapngStream::Result PcapngStream::next(RawPacket* packet, std::string& error) {
    for (;;) {
        const std::size_t available = buffer_.size() - begin_;
        const std::uint8_t* block = buffer_.data() + begin_;
        if (available < 8) {
            return Result::NeedMore;
        }
        std::uint32_t type = 0;
        std::memcpy(&type, block, 4);  // the section header's type reads alike both ways
        if (type == kSectionHeaderBlock) {
            if (available < 12) {
                return Result::NeedMore;  // its byte order comes after its length
            }
            std::uint32_t magic = 0;
            std::memcpy(&magic, block + 8, 4);
            if (magic != kByteOrderMagic && magic != __builtin_bswap32(kByteOrderMagic)) {
                error = "bad byte-order magic in a section header";
                return Result::Failed;
            }
            swapped_ = magic != kByteOrderMagic;
            inSection_ = true;
        } else if (!inSection_) {
            error = "the stream does not start with a pcapng section header";
            return Result::Failed;
        }
        type = u32(block);
        const std::uint32_t length = u32(block + 4);
        if (length < 12 || length % 4 != 0 || length > kMaxBlockBytes) {
            error = "bad block length " + std::to_string(length) + " (block type " +
                    std::to_string(type) + ")";
            return Result::Failed;
        }
        if (available < length) {
            return Result::NeedMore;
        }
        if (u32(block + length - 4) != length) {
            error = "a block's trailing length differs from its leading one";
            return Result::Failed;
        }
        const std::uint8_t* body = block + 8;
        const std::uint32_t bodySize = length - 12;
        if (type == kEnhancedPacketBlock) {
            if (packet == nullptr) {
                return Result::PacketAhead;
            }
            if (!enhancedPacket(body, bodySize, *packet, error)) {
                return Result::Failed;
            }
            begin_ += length;
            return Result::Packet;
        }
        if (type == kSectionHeaderBlock && !sectionHeader(body, bodySize, error)) {
            return Result::Failed;
        }
        if (type == kInterfaceDescriptionBlock && !interfaceDescription(body, bodySize, error)) {
            return Result::Failed;
        }
        begin_ += length;  // any other block holds nothing a capture needs
    }
}

bool PcapngStream::sectionHeader(const std::uint8_t* body, std::uint32_t size, std::string& error) {
    if (size < 16) {
        error = "a section header block of " + std::to_string(size) + " body bytes is too short";
        return false;
    }
    if (u16(body + 4) != 1) {
        error = "unsupported pcapng major version " + std::to_string(u16(body + 4));
        return false;
    }
    interfaces_.clear();  // interface ids count from 0 again in a new section
    return true;
}

bool PcapngStream::interfaceDescription(const std::uint8_t* body, std::uint32_t size,
                                        std::string& error) {
    if (size < 8) {
        error = "an interface description block of " + std::to_string(size) +
                " body bytes is too short";
        return false;
    }
    if (interfaces_.size() >= kMaxInterfaces) {
        error = "more than " + std::to_string(kMaxInterfaces) + " interfaces";
        return false;
    }
    Interface interface;
    interface.linkType = u16(body);
    interface.snaplen = u32(body + 4);
    // Options: code, length, value padded to 4; end-of-options or the block's end stops.
    std::uint32_t at = 8;
    while (at + 4 <= size) {
        const std::uint16_t code = u16(body + at);
        const std::uint16_t length = u16(body + at + 2);
        at += 4;
        if (code == 0) {
            break;
        }
        if (length > size - at) {
            error = "an interface option runs past its block";
            return false;
        }
        if (code == kIfTsresol && length >= 1) {
            const std::uint8_t resolution = body[at];
            // 10^-n seconds per unit; the helper writes 9 (nanoseconds).
            if ((resolution & 0x80) != 0 || resolution > 9) {
                error = "unsupported timestamp resolution " + std::to_string(resolution);
                return false;
            }
            interface.unitsPerSecond = 1;
            for (int i = 0; i < resolution; ++i) {
                interface.unitsPerSecond *= 10;
            }
        }
        at += (static_cast<std::uint32_t>(length) + 3u) & ~3u;
    }
    interfaces_.push_back(interface);
    return true;
}

bool PcapngStream::enhancedPacket(const std::uint8_t* body, std::uint32_t size, RawPacket& packet,
                                  std::string& error) {
    if (size < 20) {
        error = "an enhanced packet block of " + std::to_string(size) + " body bytes is too short";
        return false;
    }
    const std::uint32_t interfaceId = u32(body);
    if (interfaceId >= interfaces_.size()) {
        error = "a packet names interface " + std::to_string(interfaceId) + ", but " +
                std::to_string(interfaces_.size()) + " were described";
        return false;
    }
    const std::uint32_t captured = u32(body + 12);
    if (captured > size - 20) {
        error = "a packet's " + std::to_string(captured) + " captured bytes run past its block";
        return false;
    }
    const Interface& interface = interfaces_[interfaceId];
    const std::uint64_t units = (static_cast<std::uint64_t>(u32(body + 4)) << 32) | u32(body + 8);
    packet = RawPacket{};
    packet.number = ++packets_;
    packet.ts.seconds = static_cast<std::int64_t>(units / interface.unitsPerSecond);
    packet.ts.nanoseconds = static_cast<std::uint32_t>((units % interface.unitsPerSecond) *
                                                       (1000000000u / interface.unitsPerSecond));
    packet.linkType = interface.linkType;
    packet.capturedLength = captured;
    packet.originalLength = std::max(u32(body + 16), captured);
    packet.data = std::span(body + 20, captured);
    return true;
}

// ---- CaptureHelperClient ----

std::unique_ptr<CaptureHelperClient> CaptureHelperClient::start(const std::string& helper,
                                                                const LiveCaptureOptions& options,
                                                                std::string& error,
                                                                Refusal& refusal) {
    refusal = Refusal::None;
    std::array<int, 2> in{-1, -1};
    std::array<int, 2> out{-1, -1};
    std::array<int, 2> err{-1, -1};
    const auto closeAll = [&] {
        for (auto* pipe : {&in, &out, &err}) {
            for (int& fd : *pipe) {
                closeFd(fd);
            }
        }
    };
    if (!makePipe(in) || !makePipe(out) || !makePipe(err)) {
        error = std::string("cannot start the capture helper: pipe: ") + std::strerror(errno);
        closeAll();
        return nullptr;
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) {
        sigaddset(&defaults, signal);
    }
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setpgroup(&attributes, 0);  // a group of its own: Ctrl-C is ours to handle
    posix_spawnattr_setflags(
        &attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    std::vector<std::string> arguments = helperArguments(helper, options);
    std::vector<char*> argv;
    for (std::string& argument : arguments) {
        argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    char* environment[] = {nullptr};  // the helper needs none and must not depend on one

    pid_t pid = -1;
    const int spawned =
        posix_spawn(&pid, helper.c_str(), &actions, &attributes, argv.data(), environment);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawned != 0) {
        // EACCES: the installed helper is executable only by group sockscope.
        if (spawned == EACCES || spawned == EPERM) {
            refusal = Refusal::NotRunnable;
        }
        error = "cannot run the capture helper " + helper + ": " + std::strerror(spawned);
        closeAll();
        return nullptr;
    }
    closeFd(in[0]);
    closeFd(out[1]);
    closeFd(err[1]);

    std::unique_ptr<CaptureHelperClient> client(new CaptureHelperClient);
    client->interface_ = options.interface;
    client->pid_ = pid;
    client->stdin_ = in[1];
    client->stdout_ = out[0];
    client->stderr_ = err[0];
    ::fcntl(client->stdout_, F_SETFL, ::fcntl(client->stdout_, F_GETFL) | O_NONBLOCK);
    ::fcntl(client->stderr_, F_SETFL, ::fcntl(client->stderr_, F_GETFL) | O_NONBLOCK);

    // The helper writes its stream's first blocks only once the capture is open.
    const auto deadline = Clock::now() + kStartTimeout;
    for (;;) {
        if (!client->stream_.hasInterface()) {
            std::string why;
            if (client->stream_.next(nullptr, why) == PcapngStream::Result::Failed) {
                error = "the capture helper " + helper + " sent a broken stream: " + why;
                return nullptr;
            }
        }
        if (client->stream_.hasInterface()) {
            return client;
        }
        if (client->stdoutEnded_) {
            client->reap();
            const bool exited = client->exitStatus_ >= 0 && WIFEXITED(client->exitStatus_);
            if (exited && WEXITSTATUS(client->exitStatus_) == capture_helper::kExitNoPermission &&
                !client->helperError_.empty()) {
                refusal = Refusal::NoPermission;
            }
            error = client->helperError_.empty()
                        ? "the capture helper " + helper + " did not start: " + client->endReason()
                        : client->helperError_;
            return nullptr;
        }
        std::array<pollfd, 2> fds{};
        fds[0] = {client->stdout_, POLLIN, 0};
        fds[1] = {client->stderr_, POLLIN, 0};
        const int ready = ::poll(fds.data(), fds.size(), remainingMs(deadline));
        if (ready == 0) {
            error = "the capture helper " + helper + " did not start within " +
                    std::to_string(kStartTimeout.count()) + " s";
            return nullptr;  // the destructor stops it
        }
        if (ready > 0 && fds[1].revents != 0) {
            client->readStderr();
        }
        if (ready > 0 && fds[0].revents != 0) {
            client->readStdout();
        }
    }
}

CaptureHelperClient::~CaptureHelperClient() {
    stop();
    closeFd(stdout_);
    closeFd(stderr_);
}

void CaptureHelperClient::stop() {
    closeFd(stdin_);  // the helper stops at EOF on its stdin...
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGTERM);  // ...and at once on SIGTERM
    const auto deadline = Clock::now() + kEndTimeout;
    while (Clock::now() < deadline) {
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_ || (done < 0 && errno != EINTR)) {
            exitStatus_ = done == pid_ ? status : -1;
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exitStatus_ = status;
    pid_ = -1;
}

void CaptureHelperClient::readStdout() {
    std::size_t total = 0;
    while (!stdoutEnded_ && total < kReadPerPoll) {
        const long n = stream_.readFrom(stdout_, kReadPerPoll - total);
        if (n == -1) {
            return;  // nothing more now
        }
        if (n <= 0) {
            readErrno_ = n == -2 ? errno : 0;
            stdoutEnded_ = true;
            return;
        }
        total += static_cast<std::size_t>(n);
    }
}

void CaptureHelperClient::readStderr() {
    std::array<char, 4096> chunk{};
    for (int round = 0; round < 16 && stderr_ >= 0; ++round) {
        const ssize_t n = ::read(stderr_, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                closeFd(stderr_);  // ended: poll() no longer watches it
            }
            return;
        }
        for (ssize_t i = 0; i < n; ++i) {
            if (chunk[static_cast<std::size_t>(i)] == '\n') {
                takeLine(std::move(stderrLine_));
                stderrLine_.clear();
            } else if (stderrLine_.size() <= kMaxLine) {
                stderrLine_ += chunk[static_cast<std::size_t>(i)];
            }
        }
    }
}

void CaptureHelperClient::takeLine(std::string line) {
    if (const auto stats = capture_helper::parseStatsLine(line)) {
        stats_ = *stats;
    } else if (line.starts_with(capture_helper::kErrorPrefix)) {
        if (helperError_.empty()) {
            helperError_ = stripped(line.substr(capture_helper::kErrorPrefix.size()));
        }
    } else if (!line.empty()) {
        otherOutput_ = stripped(std::move(line));
    }
}

int CaptureHelperClient::deliver(const LiveCapture::PacketCallback& onPacket, int maxPackets) {
    if (maxPackets <= 0) {
        maxPackets = INT_MAX;  // as pcap_dispatch(): everything that is ready
    }
    int delivered = 0;
    RawPacket packet;
    while (delivered < maxPackets) {
        std::string why;
        const PcapngStream::Result result = stream_.next(&packet, why);
        if (result == PcapngStream::Result::Failed) {
            error_ = "capture on " + interface_ +
                     " failed: the capture helper sent a broken stream: " + why;
            failed_ = true;
            stop();
            return -1;
        }
        if (result != PcapngStream::Result::Packet) {
            break;
        }
        onPacket(packet);
        ++delivered;
    }
    return delivered;
}

int CaptureHelperClient::poll(int timeoutMs, const LiveCapture::PacketCallback& onPacket,
                              int wakeFd, int maxPackets) {
    if (failed_) {
        return -1;
    }
    const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(timeoutMs, 0));
    for (;;) {
        const int delivered = deliver(onPacket, maxPackets);
        if (delivered != 0) {
            return delivered;
        }
        if (stdoutEnded_) {
            reap();
            error_ = helperError_.empty()
                         ? "capture on " + interface_ +
                               " failed: the capture helper stopped: " + endReason()
                         : helperError_;
            failed_ = true;
            return -1;
        }
        // poll(2) ignores negative descriptors: an ended stderr, no wake fd.
        std::array<pollfd, 3> fds{};
        fds[0] = {stdout_, POLLIN, 0};
        fds[1] = {stderr_, POLLIN, 0};
        fds[2] = {wakeFd, POLLIN, 0};
        const int ready = ::poll(fds.data(), fds.size(), remainingMs(deadline));
        if (ready <= 0) {
            return 0;  // the timeout, or EINTR (a signal): let the caller look
        }
        if (fds[1].revents != 0) {
            readStderr();
        }
        if (fds[0].revents != 0) {
            readStdout();
        } else if (fds[2].revents != 0) {
            return 0;  // only the wake fd
        }
    }
}

void CaptureHelperClient::reap() {
    // Its last words come just before it exits; both are bounded waits.
    const auto deadline = Clock::now() + kEndTimeout;
    while (stderr_ >= 0) {
        pollfd fd{stderr_, POLLIN, 0};
        if (::poll(&fd, 1, remainingMs(deadline)) <= 0) {
            break;
        }
        readStderr();
    }
    if (!stderrLine_.empty()) {
        takeLine(std::move(stderrLine_));
        stderrLine_.clear();
    }
    while (pid_ > 0 && Clock::now() < deadline) {
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_ || (done < 0 && errno != EINTR)) {
            exitStatus_ = done == pid_ ? status : -1;
            pid_ = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    stop();  // still running with its stdout closed: it is stopped
}

std::string CaptureHelperClient::endReason() const {
    std::string reason;
    if (readErrno_ != 0) {
        reason = std::string("cannot read its output: ") + std::strerror(readErrno_);
    } else if (exitStatus_ >= 0 && WIFEXITED(exitStatus_)) {
        reason = "it exited with status " + std::to_string(WEXITSTATUS(exitStatus_));
    } else if (exitStatus_ >= 0 && WIFSIGNALED(exitStatus_)) {
        reason = "it was killed by signal " + std::to_string(WTERMSIG(exitStatus_)) + " (" +
                 strsignal(WTERMSIG(exitStatus_)) + ")";
    } else {
        reason = "its output ended";
    }
    if (stream_.pending() != 0) {
        reason += ", in the middle of a block";
    }
    if (!otherOutput_.empty()) {
        reason += ": " + otherOutput_;
    }
    return reason;
}

}  // namespace sockscope::dissector
