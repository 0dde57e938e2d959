#include "sockscope/dissector/live_capture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <climits>

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

}  // namespace

std::string capturePermissionMessage(const std::string& interface, const std::string& detail) {
    std::string message = "no permission to capture on " + interface;
    if (!detail.empty()) {
        message += " (" + detail + ")";
    }
    message += "; run as root or grant the capability: sudo setcap cap_net_raw,cap_net_admin=eip " +
               selfPath();
    return message;
}

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

struct LiveCapture::State {
    pcap_t* handle = nullptr;
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
        switch (status) {
            case PCAP_ERROR_PERM_DENIED:
            case PCAP_ERROR_PROMISC_PERM_DENIED:
                error = capturePermissionMessage(options.interface, detail);
                break;
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

int LiveCapture::poll(int timeoutMs, const PacketCallback& onPacket, int wakeFd, int maxPackets) {
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
    return pcap_datalink(state_->handle);
}

std::uint32_t LiveCapture::snaplen() const {
    return static_cast<std::uint32_t>(pcap_snapshot(state_->handle));
}

std::optional<LiveCapture::Stats> LiveCapture::stats() const {
    pcap_stat raw{};
    if (pcap_stats(state_->handle, &raw) != 0) {
        return std::nullopt;
    }
    return Stats{raw.ps_recv, raw.ps_drop};
}

}  // namespace sockscope::dissector
