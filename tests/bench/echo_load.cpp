#include "echo_load.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "sockscope/core/endpoint.h"
#include "sockscope/core/opcode.h"

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

double processCpuSeconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Connection {
    int fd = -1;
    std::unique_ptr<sockscope::Endpoint> endpoint;
    bool open = false;
    bool wantWrite = false;  // EPOLLOUT is registered
    std::uint64_t quota = 0;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
};

class LoadRun {
public:
    LoadRun(const LoadConfig& config, const std::function<double()>& serverCpu)
        : config_(config),
          serverCpu_(serverCpu),
          payload_(config.messageSize, 0xA5),
          readBuffer_(256 * 1024) {}

    ~LoadRun() {
        for (auto& c : connections_) {
            if (c.fd >= 0) {
                ::close(c.fd);
            }
        }
        if (epoll_ >= 0) {
            ::close(epoll_);
        }
    }

    LoadResult run() {
        deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(config_.timeoutSeconds));
        warmup_ = config_.warmup < config_.messages ? config_.warmup : config_.messages / 10;
        if (!connectAll()) {
            return result_;
        }
        std::vector<epoll_event> events(64);
        // Bounded by the deadline: epoll_wait wakes at least every 100 ms.
        while (totalReceived_ < config_.messages && result_.error.empty()) {
            if (Clock::now() > deadline_) {
                fail("timed out after " + std::to_string(static_cast<int>(config_.timeoutSeconds)) +
                     " s with " + std::to_string(totalReceived_) + " of " +
                     std::to_string(config_.messages) + " echoes");
                break;
            }
            const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
            for (int i = 0; i < n && result_.error.empty(); ++i) {
                Connection& c = connections_[events[i].data.u32];
                if ((events[i].events & EPOLLIN) != 0) {
                    onReadable(c);
                } else if ((events[i].events & (EPOLLERR | EPOLLHUP)) != 0) {
                    fail("connection error");
                }
                if ((events[i].events & EPOLLOUT) != 0 && result_.error.empty()) {
                    flush(c);
                }
            }
        }
        if (timing_) {  // also after a timeout: the partial rate is still worth printing
            finishTiming();
        }
        result_.completed = timing_ && totalReceived_ == config_.messages && result_.error.empty();
        closeAll();
        return result_;
    }

private:
    void fail(std::string why) {
        if (result_.error.empty()) {
            result_.error = std::move(why);
        }
    }

    bool connectAll() {
        epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (epoll_ < 0) {
            fail("epoll_create1 failed");
            return false;
        }
        connections_.resize(static_cast<std::size_t>(config_.connections));
        const std::uint64_t share = config_.messages / connections_.size();
        for (std::size_t i = 0; i < connections_.size(); ++i) {
            Connection& c = connections_[i];
            c.quota = share + (i < config_.messages % connections_.size() ? 1 : 0);
            c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            addr.sin_port = htons(config_.port);
            if (c.fd < 0 || ::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
                fail(std::string("connect to 127.0.0.1:") + std::to_string(config_.port) +
                     " failed: " + std::strerror(errno));
                return false;
            }
            const int one = 1;
            ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.u32 = static_cast<std::uint32_t>(i);
            ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);

            sockscope::EndpointConfig config;
            config.role = sockscope::Role::Client;
            config.client.host = "127.0.0.1:" + std::to_string(config_.port);
            config.client.target = "/";
            config.frameEvents = false;  // only messages matter here
            c.endpoint = std::make_unique<sockscope::Endpoint>(std::move(config));
            flush(c);  // the upgrade request is queued at construction
        }
        return result_.error.empty();
    }

    void onReadable(Connection& c) {
        const ssize_t n = ::recv(c.fd, readBuffer_.data(), readBuffer_.size(), 0);
        if (n > 0) {
            c.endpoint->receive(
                std::span<std::uint8_t>(readBuffer_.data(), static_cast<std::size_t>(n)));
            drainEvents(c);
            topUp(c);
            flush(c);
        } else if (n == 0) {
            fail("the server closed a connection early");
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            fail(std::string("recv failed: ") + std::strerror(errno));
        }
    }

    void drainEvents(Connection& c) {
        // Bounded: each call removes one queued event.
        while (auto e = c.endpoint->nextEvent()) {
            if (auto* m = std::get_if<sockscope::event::Message>(&*e)) {
                onEcho(c, *m);
            } else if (std::holds_alternative<sockscope::event::HandshakeDone>(*e)) {
                c.open = true;
                ++openConnections_;
                maybeStartTiming();
            } else if (auto* h = std::get_if<sockscope::event::HandshakeFailed>(&*e)) {
                fail("handshake failed (HTTP " + std::to_string(h->status) + ", " +
                     std::string(h->error.id()) + ")");
            } else if (auto* p = std::get_if<sockscope::event::ProtocolFailed>(&*e)) {
                fail("protocol failure: " + std::string(p->error.id()) + " " + p->error.detail);
            } else if (std::holds_alternative<sockscope::event::Closed>(*e)) {
                fail("the server closed the WebSocket connection early");
            }
        }
    }

    // Echoes come back in order on each connection: the first 8 payload bytes
    // carry the sequence number, so a lost, duplicated or reordered echo fails.
    void onEcho(Connection& c, const sockscope::event::Message& m) {
        std::uint64_t seq = c.received;
        if (m.payload.size() >= sizeof seq) {
            std::memcpy(&seq, m.payload.data(), sizeof seq);
        }
        if (m.opcode != static_cast<std::uint8_t>(sockscope::Opcode::Binary) ||
            m.payload.size() != config_.messageSize || seq != c.received) {
            fail("wrong echo: opcode " + std::to_string(m.opcode) + ", " +
                 std::to_string(m.payload.size()) + " bytes, sequence " + std::to_string(seq) +
                 " (expected " + std::to_string(c.received) + ")");
            return;
        }
        ++c.received;
        ++totalReceived_;
        maybeStartTiming();
    }

    void maybeStartTiming() {
        if (timing_ || openConnections_ != connections_.size() || totalReceived_ < warmup_) {
            return;
        }
        timing_ = true;
        start_ = Clock::now();
        receivedAtStart_ = totalReceived_;
        cpuAtStart_ = processCpuSeconds();
        serverCpuAtStart_ = serverCpu_ ? serverCpu_() : -1;
    }

    void finishTiming() {
        result_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
        result_.echoed = totalReceived_ - receivedAtStart_;
        result_.generatorCpuSeconds = processCpuSeconds() - cpuAtStart_;
        const double serverCpu = serverCpu_ ? serverCpu_() : -1;
        if (serverCpu >= 0 && serverCpuAtStart_ >= 0) {
            result_.serverCpuSeconds = serverCpu - serverCpuAtStart_;
        }
    }

    void topUp(Connection& c) {
        if (!c.open) {
            return;
        }
        // Bounded by the window and the connection's quota.
        while (c.sent < c.quota &&
               c.sent - c.received < static_cast<std::uint64_t>(config_.window)) {
            if (payload_.size() >= sizeof c.sent) {
                std::memcpy(payload_.data(), &c.sent, sizeof c.sent);
            }
            if (!c.endpoint->sendBinary(payload_)) {
                fail("sendBinary refused (connection not open)");
                return;
            }
            ++c.sent;
        }
    }

    void flush(Connection& c) {
        // Bounded by the pending bytes: every iteration writes some or stops.
        while (!c.endpoint->pendingOutput().empty()) {
            const auto out = c.endpoint->pendingOutput();
            const ssize_t n = ::send(c.fd, out.data(), out.size(), MSG_NOSIGNAL);
            if (n > 0) {
                c.endpoint->consumeOutput(static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                setWantWrite(c, true);
                return;
            }
            if (n < 0 && errno == EINTR) {
                continue;
            }
            fail(std::string("send failed: ") + std::strerror(errno));
            return;
        }
        setWantWrite(c, false);
    }

    void setWantWrite(Connection& c, bool want) {
        if (c.wantWrite == want) {
            return;
        }
        c.wantWrite = want;
        epoll_event ev{};
        ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
        ev.data.u32 = static_cast<std::uint32_t>(&c - connections_.data());
        ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
    }

    // Best effort: start the close handshake, then drop the connections.
    void closeAll() {
        for (auto& c : connections_) {
            if (c.fd >= 0 && c.endpoint && c.open) {
                c.endpoint->close(sockscope::close_code::Normal);
                const auto out = c.endpoint->pendingOutput();
                if (!out.empty()) {
                    ::send(c.fd, out.data(), out.size(), MSG_NOSIGNAL);
                }
            }
        }
    }

    const LoadConfig& config_;
    const std::function<double()>& serverCpu_;
    std::vector<std::uint8_t> payload_;
    std::vector<std::uint8_t> readBuffer_;
    std::vector<Connection> connections_;
    int epoll_ = -1;
    Clock::time_point deadline_;
    std::uint64_t warmup_ = 0;
    std::size_t openConnections_ = 0;
    std::uint64_t totalReceived_ = 0;
    bool timing_ = false;
    Clock::time_point start_;
    std::uint64_t receivedAtStart_ = 0;
    double cpuAtStart_ = 0;
    double serverCpuAtStart_ = -1;
    LoadResult result_;
};

}  // namespace

LoadResult runEchoLoad(const LoadConfig& config, const std::function<double()>& serverCpuSeconds) {
    LoadRun run(config, serverCpuSeconds);
    return run.run();
}

}  // namespace bench
