#include "sockscope/dissector/live_capture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "capture_helper_client.h"

namespace sockscope::dissector {
namespace {

std::string addressText(const sockaddr* address) {
    if (address == nullptr) {
        return {};
    }
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (address->sa_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
        inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
    } else if (address->sa_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
        inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
    } else {
        return {};  // link-layer addresses are not listed
    }
    return text.data();
}

std::string selfPath() {
    std::array<char, PATH_MAX> path{};
    const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
    return n > 0 ? std::string(path.data(), static_cast<std::size_t>(n)) : "<binary>";
}

bool isRegularFile(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool forcedThroughHelper() {
    const char* value = std::getenv("SOCKSCOPE_CAPTURE_VIA_HELPER");
    return value != nullptr && std::string_view(value) == "1";
}

// libpcap says "Operation not permitted" or "Permission denied" (errno's
// words) when a capability is missing, even where its status is a generic error.
bool soundsLikePermission(const std::string& detail) {
    return detail.find("Operation not permitted") != std::string::npos ||
           detail.find("Permission denied") != std::string::npos;
}

constexpr const char* kHelperName = "sockscope-capture";

// A stream is read at most this much per poll(): the caller hears back at
// once even when the writer is faster than the dissection.
constexpr std::size_t kStreamReadPerPoll = 1u << 20;

using StreamClock = std::chrono::steady_clock;

int remainingMs(StreamClock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - StreamClock::now())
            .count();
    return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

}  // namespace

std::string capturePermissionFailure(const std::string& interface, const std::string& detail) {
    std::string message = "no permission to capture on " + interface;
    if (!detail.empty()) {
        message += " (" + detail + ")";
    }
    return message;
}

std::string capturePermissionAdvice() {
    if (findCaptureHelper()) {
        return "add yourself to group sockscope (sudo usermod -aG sockscope $USER, then log in "
               "again)";
    }
    return "run as root or grant the capability: sudo setcap cap_net_raw,cap_net_admin=eip " +
           selfPath();
}

std::string capturePermissionMessage(const std::string& interface, const std::string& detail) {
    return capturePermissionFailure(interface, detail) + "; " + capturePermissionAdvice();
}

std::optional<std::string> findCaptureHelper() {
    if (const char* path = std::getenv("SOCKSCOPE_CAPTURE_HELPER"); path != nullptr && *path) {
        return std::string(path);
    }
    std::array<char, PATH_MAX> self{};
    const ssize_t n = ::readlink("/proc/self/exe", self.data(), self.size() - 1);
    if (n <= 0) {
        return std::nullopt;
    }
    // /proc/self/exe has no symbolic links left, so ".." can be taken lexically.
    const std::filesystem::path directory =
        std::filesystem::path(std::string(self.data(), static_cast<std::size_t>(n))).parent_path();
    for (const std::filesystem::path& candidate :
         {directory / kHelperName, directory / ".." / "libexec" / "sockscope" / kHelperName}) {
        const std::string path = candidate.lexically_normal().string();
        if (isRegularFile(path)) {
            return path;
        }
    }
    return std::nullopt;
}

namespace capture_helper {

std::string statsLine(const LiveCapture::Stats& stats) {
    return "stats received=" + std::to_string(stats.received) +
           " dropped=" + std::to_string(stats.dropped);
}

std::optional<LiveCapture::Stats> parseStatsLine(std::string_view line) {
    LiveCapture::Stats stats;
    const auto number = [&line](std::string_view key, std::uint64_t& value) {
        if (!line.starts_with(key)) {
            return false;
        }
        line.remove_prefix(key.size());
        const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), value);
        if (error != std::errc() || end == line.data()) {
            return false;
        }
        line.remove_prefix(static_cast<std::size_t>(end - line.data()));
        return true;
    };
    if (number("stats received=", stats.received) && number(" dropped=", stats.dropped) &&
        line.empty()) {
        return stats;
    }
    return std::nullopt;
}

}  // namespace capture_helper

std::optional<std::vector<CaptureInterfaceInfo>> listCaptureInterfaces(std::string& error) {
    std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
    pcap_if_t* all = nullptr;
    if (pcap_findalldevs(&all, errbuf.data()) != 0) {
        error = std::string("cannot list capture interfaces: ") + errbuf.data();
        return std::nullopt;
    }
    std::vector<CaptureInterfaceInfo> list;
    for (const pcap_if_t* device = all; device != nullptr; device = device->next) {
        CaptureInterfaceInfo info;
        info.name = device->name != nullptr ? device->name : "";
        info.description = device->description != nullptr ? device->description : "";
        info.loopback = (device->flags & PCAP_IF_LOOPBACK) != 0;
        info.up = (device->flags & PCAP_IF_UP) != 0;
        info.running = (device->flags & PCAP_IF_RUNNING) != 0;
        for (const pcap_addr_t* a = device->addresses; a != nullptr; a = a->next) {
            std::string text = addressText(a->addr);
            if (!text.empty()) {
                info.addresses.push_back(std::move(text));
            }
        }
        list.push_back(std::move(info));
    }
    pcap_freealldevs(all);
    return list;
}

// An openStream() capture's input.
struct StreamInput {
    int fd = -1;
    PcapngStream stream;
    bool eof = false;    // read() returned 0
    bool ended = false;  // ...and every packet was delivered

    ~StreamInput() {
        if (fd >= 0)
            ::close(fd);
    }
    // Reads what is there now, at most kStreamReadPerPoll. false on a read error.
    bool read(std::string& error) {
        std::size_t total = 0;
        while (!eof && total < kStreamReadPerPoll) {
            const long n = stream.readFrom(fd, kStreamReadPerPoll - total);
            if (n == -1)
                return true;  // nothing more now
            if (n == -2) {
                error = std::strerror(errno);
                return false;
            }
            if (n == 0)
                eof = true;
            total += static_cast<std::size_t>(n);
        }
        return true;
    }
};

struct LiveCapture::State {
    pcap_t* handle = nullptr;                     // a direct capture, or
    std::unique_ptr<CaptureHelperClient> helper;  // one through the capture helper, or
    std::unique_ptr<StreamInput> input;           // a stream from this program
    bool nanoseconds = true;
    std::uint64_t count = 0;
    const PacketCallback* onPacket = nullptr;  // during poll() only

    ~State() {
        if (handle != nullptr) {
            pcap_close(handle);
        }
    }
};

LiveCapture::LiveCapture(std::unique_ptr<State> state, std::string interface)
    : state_(std::move(state)), interface_(std::move(interface)) {}

LiveCapture::~LiveCapture() = default;

std::unique_ptr<LiveCapture> LiveCapture::open(const LiveCaptureOptions& options,
                                               std::string& error) {
    const bool forced = forcedThroughHelper();
    OpenFailure failure;
    if (!forced) {
        if (auto capture = openDirect(options, error, &failure)) {
            return capture;
        }
        if (!failure.permission) {
            return nullptr;
        }
    }
    const std::optional<std::string> helper = findCaptureHelper();
    if (!helper) {
        error = forced ? "SOCKSCOPE_CAPTURE_VIA_HELPER=1, but no capture helper (" +
                             std::string(kHelperName) + ") was found"
                       : capturePermissionMessage(options.interface, failure.detail);
        return nullptr;
    }
    CaptureHelperClient::Refusal refusal = CaptureHelperClient::Refusal::None;
    std::string why;
    auto client = CaptureHelperClient::start(*helper, options, why, refusal);
    if (!client) {
        switch (refusal) {
            case CaptureHelperClient::Refusal::None:
                error = why;
                break;
            case CaptureHelperClient::Refusal::NoPermission:  // why: capturePermissionFailure()
                error = why + "; " + capturePermissionAdvice();
                break;
            case CaptureHelperClient::Refusal::NotRunnable:
                error = capturePermissionMessage(
                    options.interface, failure.detail.empty() ? why : failure.detail + "; " + why);
                break;
        }
        return nullptr;
    }
    auto state = std::make_unique<State>();
    state->helper = std::move(client);
    return std::unique_ptr<LiveCapture>(new LiveCapture(std::move(state), options.interface));
}

std::unique_ptr<LiveCapture> LiveCapture::openDirect(const LiveCaptureOptions& options,
                                                     std::string& error, OpenFailure* failure,
                                                     const ActivatedHook& activated) {
    std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
    auto state = std::make_unique<State>();
    state->handle = pcap_create(options.interface.c_str(), errbuf.data());
    if (state->handle == nullptr) {
        error = "cannot capture on " + options.interface + ": " + errbuf.data();
        return nullptr;
    }
    pcap_t* p = state->handle;
    pcap_set_snaplen(p, options.snaplen);
    pcap_set_promisc(p, options.promiscuous ? 1 : 0);
    pcap_set_immediate_mode(p, 1);
    pcap_set_buffer_size(p, options.bufferBytes);
    // A short read timeout: poll() never waits on libpcap longer than this.
    pcap_set_timeout(p, 100);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
    const int status = pcap_activate(p);
    if (status < 0) {
        const std::string detail = pcap_geterr(p);
        const bool permission = status == PCAP_ERROR_PERM_DENIED ||
                                status == PCAP_ERROR_PROMISC_PERM_DENIED ||
                                (status == PCAP_ERROR && soundsLikePermission(detail));
        if (failure != nullptr) {
            *failure = OpenFailure{permission, permission ? detail : std::string()};
        }
        if (permission) {
            error = capturePermissionFailure(options.interface, detail);
            return nullptr;
        }
        switch (status) {
            case PCAP_ERROR_NO_SUCH_DEVICE:
                error = "no such capture interface '" + options.interface +
                        "' (list them with: sockscope-cli capture -D)";
                break;
            default:
                error = "cannot capture on " + options.interface + ": " +
                        (detail.empty() ? pcap_statustostr(status) : detail);
                break;
        }
        return nullptr;
    }
    state->nanoseconds = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    if (activated && !activated(error)) {
        return nullptr;
    }
    if (!options.filter.empty()) {
        bpf_program program{};
        if (pcap_compile(p, &program, options.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
            error = "bad capture filter '" + options.filter + "': " + pcap_geterr(p);
            return nullptr;
        }
        const int set = pcap_setfilter(p, &program);
        pcap_freecode(&program);
        if (set != 0) {
            error = "cannot apply capture filter '" + options.filter + "': " + pcap_geterr(p);
            return nullptr;
        }
    }
    if (pcap_setnonblock(p, 1, errbuf.data()) != 0) {
        error = "cannot capture on " + options.interface + ": " + errbuf.data();
        return nullptr;
    }
    return std::unique_ptr<LiveCapture>(new LiveCapture(std::move(state), options.interface));
}

bool validateCaptureFilter(const std::string& filter, int linkType, std::string& error) {
    if (filter.empty()) {
        return true;
    }
    pcap_t* dead = pcap_open_dead(linkType, 262144);
    if (dead == nullptr) {
        error = "cannot check capture filter '" + filter + "': unknown link type " +
                std::to_string(linkType);
        return false;
    }
    bpf_program program{};
    const bool ok = pcap_compile(dead, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (ok) {
        pcap_freecode(&program);
    } else {
        std::string detail = pcap_geterr(dead);
        // One line, whatever the parser said.
        for (char& c : detail) {
            if (c == '\n' || c == '\r') {
                c = ' ';
            }
        }
        error = "bad capture filter '" + filter + "': " + detail;
    }
    pcap_close(dead);
    return ok;
}

std::unique_ptr<LiveCapture> LiveCapture::openStream(int fd, std::string name, std::string& error) {
    auto input = std::make_unique<StreamInput>();
    input->fd = fd;  // closed with `input` on every way out
    if (fd < 0) {
        error = "cannot read the stream " + name + ": no descriptor";
        return nullptr;
    }
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        error = "cannot read the stream " + name + ": " + std::strerror(errno);
        return nullptr;
    }
    const auto deadline = StreamClock::now() + std::chrono::milliseconds(kStreamStartTimeoutMs);
    for (;;) {
        std::string why;
        if (input->stream.next(nullptr, why) == PcapngStream::Result::Failed) {
            error = "the stream " + name + " is not a readable pcapng stream: " + why;
            return nullptr;
        }
        if (input->stream.hasInterface())
            break;
        if (input->eof) {
            error = "the stream " + name + " ended before its interface description";
            return nullptr;
        }
        pollfd readable{fd, POLLIN, 0};
        const int ready = ::poll(&readable, 1, remainingMs(deadline));
        if (ready == 0) {
            error = "the stream " + name + " sent no interface description within " +
                    std::to_string(kStreamStartTimeoutMs / 1000) + " s";
            return nullptr;
        }
        if (ready > 0 && !input->read(why)) {
            error = "cannot read the stream " + name + ": " + why;
            return nullptr;
        }
    }
    auto state = std::make_unique<State>();
    state->input = std::move(input);
    return std::unique_ptr<LiveCapture>(new LiveCapture(std::move(state), std::move(name)));
}

int LiveCapture::pollStream(int timeoutMs, const PacketCallback& onPacket, int wakeFd,
                            int maxPackets) {
    StreamInput& input = *state_->input;
    if (maxPackets <= 0)
        maxPackets = INT_MAX;  // as pcap_dispatch(): everything that is ready
    const auto deadline = StreamClock::now() + std::chrono::milliseconds(std::max(timeoutMs, 0));
    for (;;) {
        int delivered = 0;
        RawPacket packet;
        while (delivered < maxPackets) {
            std::string why;
            const PcapngStream::Result result = input.stream.next(&packet, why);
            if (result == PcapngStream::Result::Failed) {
                error_ = "reading the stream " + interface_ + " failed: " + why;
                return -1;
            }
            if (result != PcapngStream::Result::Packet)
                break;
            onPacket(packet);
            ++delivered;
        }
        if (delivered != 0)
            return delivered;
        if (input.eof) {
            if (input.stream.pending() != 0) {
                error_ = "the stream " + interface_ + " ended inside a block (" +
                         std::to_string(input.stream.pending()) + " bytes of it)";
                return -1;
            }
            input.ended = true;
            return 0;
        }
        std::array<pollfd, 2> fds{};
        fds[0] = {input.fd, POLLIN, 0};
        fds[1] = {wakeFd, POLLIN, 0};  // poll(2) ignores a negative one
        const int ready = ::poll(fds.data(), fds.size(), remainingMs(deadline));
        if (ready <= 0)
            return 0;  // the timeout, or EINTR (a signal): let the caller look
        if (fds[0].revents != 0) {
            std::string why;
            if (!input.read(why)) {
                error_ = "reading the stream " + interface_ + " failed: " + why;
                return -1;
            }
        } else if (fds[1].revents != 0) {
            return 0;  // only the wake fd
        }
    }
}

int LiveCapture::poll(int timeoutMs, const PacketCallback& onPacket, int wakeFd, int maxPackets) {
    if (state_->input)
        return pollStream(timeoutMs, onPacket, wakeFd, maxPackets);
    if (state_->helper) {
        const int n = state_->helper->poll(timeoutMs, onPacket, wakeFd, maxPackets);
        if (n < 0) {
            error_ = state_->helper->error();
        }
        return n;
    }
    pcap_t* p = state_->handle;
    std::array<pollfd, 2> fds{};
    fds[0].fd = pcap_get_selectable_fd(p);
    fds[0].events = POLLIN;
    fds[1].fd = wakeFd;
    fds[1].events = POLLIN;
    // poll() ignores negative fds: without a selectable fd (or a wake fd) it
    // just waits out the timeout before the non-blocking read below.
    const int ready = ::poll(fds.data(), fds.size(), timeoutMs);
    if (ready < 0 || (fds[1].revents != 0 && fds[0].revents == 0)) {
        return 0;  // EINTR (a signal) or only the wake fd: let the caller look
    }
    state_->onPacket = &onPacket;
    const int n = pcap_dispatch(
        p, maxPackets,
        [](u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
            auto* state = reinterpret_cast<State*>(user);
            RawPacket packet;
            packet.number = ++state->count;
            packet.ts.seconds = header->ts.tv_sec;
            packet.ts.nanoseconds =
                static_cast<std::uint32_t>(header->ts.tv_usec) * (state->nanoseconds ? 1u : 1000u);
            packet.linkType = pcap_datalink(state->handle);
            packet.capturedLength = header->caplen;
            packet.originalLength = header->len;
            packet.data = std::span(bytes, header->caplen);
            (*state->onPacket)(packet);
        },
        reinterpret_cast<u_char*>(state_.get()));
    state_->onPacket = nullptr;
    if (n == PCAP_ERROR) {
        error_ = "capture on " + interface_ + " failed: " + pcap_geterr(p);
        return -1;
    }
    return n < 0 ? 0 : n;  // PCAP_ERROR_BREAK: nothing delivered
}

int LiveCapture::linkType() const {
    if (state_->input)
        return state_->input->stream.linkType();
    return state_->helper ? state_->helper->linkType() : pcap_datalink(state_->handle);
}

std::uint32_t LiveCapture::snaplen() const {
    if (state_->input)
        return state_->input->stream.snaplen();
    return state_->helper ? state_->helper->snaplen()
                          : static_cast<std::uint32_t>(pcap_snapshot(state_->handle));
}

bool LiveCapture::ended() const {
    return state_->input && state_->input->ended;
}

bool LiveCapture::viaHelper() const {
    return state_->helper != nullptr;
}

std::optional<LiveCapture::Stats> LiveCapture::stats() const {
    if (state_->input)
        return std::nullopt;
    if (state_->helper) {
        return state_->helper->stats();
    }
    pcap_stat raw{};
    if (pcap_stats(state_->handle, &raw) != 0) {
        return std::nullopt;
    }
    return Stats{raw.ps_recv, raw.ps_drop};
}

}  // namespace sockscope::dissector
