#pragma once
// Records the loopback traffic of one TCP port into a pcapng file while a test
// runs real peers: libpcap on `lo` (immediate mode, nanosecond timestamps,
// BPF "tcp port N"), read on a thread of its own, written with PcapngWriter.
// Qt-free.
//
// The kernel buffer is 64 MiB, as LiveCaptureOptions::bufferBytes defaults to:
// a megabyte echoed over loopback arrives as ~32 packets of 64 KiB within
// microseconds, and libpcap's 2 MiB default drops some of them while the
// reading thread waits for a CPU. What this adds to LiveCapture for tests: a
// reading thread of its own (the test's event loop is busy driving the peers),
// stop() that waits until the traffic went quiet and fails when the kernel
// dropped anything, and permissionDenied() to tell a skip from a failure.

#include <pcap/pcap.h>
#include <sockscope/dissector/packet.h>
#include <sockscope/dissector/pcapng_writer.h>

#include <array>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>

#include <poll.h>

namespace sockscope::test {

class LoopbackRecorder {
public:
    // Starts capturing at once (the kernel queues packets from the moment the
    // capture is open, so no packet of a peer started afterwards is missed).
    // On failure, error() says why and permissionDenied() whether it is only
    // a missing capture privilege (root or CAP_NET_RAW).
    LoopbackRecorder(std::uint16_t port, const std::string& path) {
        std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
        handle_ = pcap_create("lo", errbuf.data());
        if (handle_ == nullptr) {
            error_ = std::string("cannot capture on lo: ") + errbuf.data();
            return;
        }
        pcap_set_snaplen(handle_, 262144);
        pcap_set_immediate_mode(handle_, 1);
        pcap_set_buffer_size(handle_, 64 << 20);
        pcap_set_tstamp_precision(handle_, PCAP_TSTAMP_PRECISION_NANO);
        if (const int status = pcap_activate(handle_); status < 0) {
            const bool denied =
                status == PCAP_ERROR_PERM_DENIED || status == PCAP_ERROR_PROMISC_PERM_DENIED;
            fail(std::string(denied ? kNoPermission : "cannot capture on lo: ") +
                 pcap_geterr(handle_) + (denied ? " (needs root or CAP_NET_RAW)" : ""));
            return;
        }
        nanoseconds_ = pcap_get_tstamp_precision(handle_) == PCAP_TSTAMP_PRECISION_NANO;
        bpf_program program{};
        const std::string filter = "tcp port " + std::to_string(port);
        if (pcap_compile(handle_, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 ||
            pcap_setfilter(handle_, &program) != 0) {
            pcap_freecode(&program);
            fail("cannot apply the capture filter: " + std::string(pcap_geterr(handle_)));
            return;
        }
        pcap_freecode(&program);
        // Non-blocking, so the thread notices stop() within one poll period.
        if (pcap_setnonblock(handle_, 1, errbuf.data()) != 0) {
            fail(std::string("cannot capture on lo: ") + errbuf.data());
            return;
        }
        writer_ = dissector::PcapngWriter::create(path, error_, "Sockscope tests");
        if (!writer_) {
            fail(error_);
            return;
        }
        writer_->setFlushEvery(0);  // one flush at the end: keeps the reader fast
        dissector::PcapngInterface interface;
        interface.linkType = pcap_datalink(handle_);
        interface.snaplen = static_cast<std::uint32_t>(pcap_snapshot(handle_));
        interface.name = "lo";
        writer_->addInterface(interface);
        thread_ = std::thread([this] { run(); });
    }

    ~LoopbackRecorder() {
        stop();
        if (handle_ != nullptr) {
            pcap_close(handle_);
        }
    }
    LoopbackRecorder(const LoopbackRecorder&) = delete;
    LoopbackRecorder& operator=(const LoopbackRecorder&) = delete;

    bool ok() const { return handle_ != nullptr; }
    bool permissionDenied() const { return !ok() && error_.starts_with(kNoPermission); }

    // Waits until no packet arrived for `quietMs` (the peers' last ACKs and
    // FINs are in), at most `maxWaitMs`, then stops and closes the file.
    // Returns false on a capture or write error, or when the kernel dropped
    // packets (the capture would be incomplete); error() says which.
    bool stop(int quietMs = 300, int maxWaitMs = 5000) {
        if (!thread_.joinable()) {
            return error_.empty();
        }
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(maxWaitMs);
        while (std::chrono::steady_clock::now() < deadline &&
               std::chrono::steady_clock::now() - lastPacket() <
                   std::chrono::milliseconds(quietMs)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stopping_ = true;
        thread_.join();
        if (pcap_stat stats{};
            pcap_stats(handle_, &stats) == 0 && stats.ps_drop != 0 && error_.empty()) {
            error_ = "the kernel dropped " + std::to_string(stats.ps_drop) + " of " +
                     std::to_string(stats.ps_recv) + " packets";
        }
        if (!writer_->close() && error_.empty()) {
            error_ = writer_->error();
        }
        return error_.empty();
    }

    std::uint64_t packets() const { return writer_ ? writer_->packetsWritten() : 0; }
    const std::string& error() const { return error_; }

private:
    using Clock = std::chrono::steady_clock;

    static constexpr const char* kNoPermission = "no permission to capture on lo: ";

    void fail(std::string why) {
        error_ = std::move(why);
        pcap_close(handle_);
        handle_ = nullptr;
    }

    static void onPacket(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
        auto* self = reinterpret_cast<LoopbackRecorder*>(user);
        dissector::RawPacket packet;
        packet.number = ++self->count_;
        packet.ts.seconds = header->ts.tv_sec;
        packet.ts.nanoseconds =
            static_cast<std::uint32_t>(header->ts.tv_usec) * (self->nanoseconds_ ? 1u : 1000u);
        packet.linkType = pcap_datalink(self->handle_);
        packet.capturedLength = header->caplen;
        packet.originalLength = header->len;
        packet.data = std::span(bytes, header->caplen);
        if (!self->writer_->write(packet) && self->failure_.empty()) {
            self->failure_ = self->writer_->error();
        }
        std::lock_guard lock(self->mutex_);
        self->lastPacket_ = Clock::now();
    }

    void run() {
        pollfd fd{pcap_get_selectable_fd(handle_), POLLIN, 0};
        const auto user = reinterpret_cast<u_char*>(this);
        while (!stopping_) {
            ::poll(&fd, 1, 20);
            if (pcap_dispatch(handle_, -1, onPacket, user) == PCAP_ERROR) {
                failure_ = "capture on lo failed: " + std::string(pcap_geterr(handle_));
                break;
            }
        }
        // Whatever the kernel still holds.
        while (pcap_dispatch(handle_, -1, onPacket, user) > 0) {
        }
        if (error_.empty()) {
            error_ = failure_;
        }
    }

    Clock::time_point lastPacket() {
        std::lock_guard lock(mutex_);
        return lastPacket_;
    }

    pcap_t* handle_ = nullptr;
    bool nanoseconds_ = true;
    std::uint64_t count_ = 0;  // packets seen (the thread only)
    std::unique_ptr<dissector::PcapngWriter> writer_;
    std::thread thread_;
    std::atomic<bool> stopping_ = false;
    std::mutex mutex_;
    Clock::time_point lastPacket_ = Clock::now();
    std::string failure_;  // written by the thread only
    std::string error_;
};

}  // namespace sockscope::test
