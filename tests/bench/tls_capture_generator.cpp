#include "tls_capture_generator.h"

#include <sockscope/core/frame_header.h>
#include <sockscope/core/handshake.h>
#include <sockscope/dissector/pcapng_writer.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <vector>

#include "../dissector/tls_pair.h"
#include "pcap_builder.h"

namespace bench {
namespace {

using sockscope::dissector::Direction;
using sockscope::test::Bytes;

constexpr char kKey[] = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 §1.3's sample key

struct Connection {
    std::unique_ptr<sockscope::test::TlsPair> tls;
    std::unique_ptr<sockscope::test::TcpConversation> tcp;
    int exchangesLeft = 0;
};

class Generator {
public:
    Generator(const TlsCaptureOptions& options, TlsCaptureStats& stats)
        : options_(options), stats_(stats), random_(options.seed) {
        for (auto& b : payloadSource_) {
            b = std::uint8_t(random_());
        }
        // Text payloads: printable ASCII, valid UTF-8 at any cut.
        for (std::size_t i = 0; i < textSource_.size(); ++i) {
            textSource_[i] = std::uint8_t(' ' + payloadSource_[i] % 95);
        }
        config_.version = options.tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;
        if (options.tls12) {
            config_.cipherList = "ECDHE-ECDSA-AES128-GCM-SHA256";
        } else {
            config_.ciphersuites = "TLS_AES_128_GCM_SHA256";
        }
        config_.serverName = "bench.test";
        config_.alpn = {"http/1.1"};
    }

    bool run(const std::string& path, const std::string& keyLogPath, std::string& error) {
        writer_ = sockscope::dissector::PcapngWriter::create(path, error, "bench_tls");
        if (!writer_) {
            return false;
        }
        writer_->setFlushEvery(0);
        writer_->addInterface({sockscope::test::linktype::Ethernet, 262144, "bench", {}});
        keyLog_.open(keyLogPath, std::ios::binary | std::ios::trunc);
        if (!keyLog_) {
            error = "cannot create " + keyLogPath + ": " + std::strerror(errno);
            return false;
        }
        std::vector<std::unique_ptr<Connection>> open;
        for (int i = 0; i < options_.concurrentConnections; ++i) {
            open.push_back(start(error));
            if (!open.back()) {
                return false;
            }
        }
        // Round robin: one exchange per open connection; a finished one is
        // replaced by a new one until the capture is large enough.
        while (!open.empty()) {
            for (std::size_t i = 0; i < open.size();) {
                Connection& c = *open[i];
                const bool full = fileBytes() >= options_.targetBytes;
                if (!full && c.exchangesLeft-- > 0) {
                    if (!exchange(c, error)) {
                        return false;
                    }
                    ++i;
                    continue;
                }
                if (!finish(c, error)) {
                    return false;
                }
                if (!full) {
                    open[i] = start(error);
                    if (!open[i]) {
                        return false;
                    }
                    ++i;
                } else {
                    open.erase(open.begin() + std::ptrdiff_t(i));
                }
            }
        }
        keyLog_.close();
        if (!writer_->close()) {
            error = writer_->error();
            return false;
        }
        std::error_code sizeError;
        stats_.fileBytes = std::filesystem::file_size(path, sizeError);
        if (!keyLog_) {
            error = "writing " + keyLogPath + " failed";
            return false;
        }
        return true;
    }

private:
    // The pcapng's size so far, near enough (EPB: 32 bytes + padded data).
    std::uint64_t fileBytes() const { return bytes_; }

    std::unique_ptr<Connection> start(std::string& error) {
        auto c = std::make_unique<Connection>();
        const std::uint64_t n = stats_.connections++;
        sockscope::test::TcpPacketSpec spec;
        spec.srcIp = "10.0." + std::to_string((n >> 8) & 0xff) + "." + std::to_string(n & 0xff);
        spec.dstIp = "10.1.0.1";
        spec.srcPort = std::uint16_t(20000 + n % 40000);
        spec.dstPort = 443;
        c->tcp = std::make_unique<sockscope::test::TcpConversation>(spec, std::uint32_t(random_()),
                                                                    std::uint32_t(random_()));
        c->tls = std::make_unique<sockscope::test::TlsPair>(config_);
        c->exchangesLeft = std::uniform_int_distribution<int>(20, 100)(random_);
        for (const Bytes& frame : c->tcp->handshake()) {
            write(frame);
        }
        const std::string request = "GET /bench/" + std::to_string(n) +
                                    " HTTP/1.1\r\nHost: bench.test\r\nUpgrade: websocket\r\n"
                                    "Connection: Upgrade\r\nSec-WebSocket-Key: " +
                                    kKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        const std::string response =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: " +
            sockscope::computeWebSocketAccept(kKey) + "\r\n\r\n";
        if (!c->tls->ok() || !c->tls->handshake() ||
            !c->tls->send(Direction::Client, Bytes(request.begin(), request.end())) ||
            !c->tls->send(Direction::Server, Bytes(response.begin(), response.end()))) {
            error = "TLS: " + c->tls->error();
            return nullptr;
        }
        keyLog_ << c->tls->keyLog;
        flushWire(*c);
        return c;
    }

    // One client message and the server's answer.
    bool exchange(Connection& c, std::string& error) {
        for (const Direction from : {Direction::Client, Direction::Server}) {
            Bytes wire;
            message(from == Direction::Client, wire);
            if (!c.tls->send(from, wire)) {
                error = "TLS: " + c.tls->error();
                return false;
            }
        }
        flushWire(c);
        return true;
    }

    void message(bool fromClient, Bytes& wire) {
        const double exponent = std::uniform_real_distribution<double>(
            std::log(10.0), std::log(double(options_.maxMessage)))(random_);
        const auto size = std::size_t(std::exp(exponent));
        const bool text = random_() % 2 == 0;
        const auto& source = text ? textSource_ : payloadSource_;
        const std::size_t at = random_() % (source.size() - size);
        stats_.payloadBytes += size;
        ++stats_.messages;
        int pieces = 1;
        if (size >= 64 && random_() % 5 == 0) {
            pieces = std::uniform_int_distribution<int>(2, 4)(random_);
        }
        const std::size_t step = (size + pieces - 1) / pieces;
        for (int i = 0; i < pieces; ++i) {
            const std::size_t from = std::min(size, i * step);
            const std::size_t to = std::min(size, from + step);
            sockscope::FrameHeader header;
            header.fin = i == pieces - 1;
            header.opcode = i == 0 ? std::uint8_t(text ? 0x1 : 0x2) : std::uint8_t(0x0);
            header.masked = fromClient;
            if (fromClient) {
                const auto key = std::uint32_t(random_());
                std::memcpy(header.maskKey.data(), &key, 4);
            }
            sockscope::appendFrame(
                wire, header, std::span<const std::uint8_t>(source.data() + at + from, to - from));
            ++stats_.frames;
        }
    }

    bool finish(Connection& c, std::string& error) {
        const Bytes closePayload{0x03, 0xE8, 'b', 'y', 'e'};
        for (const bool fromClient : {true, false}) {
            Bytes wire;
            sockscope::FrameHeader header;
            header.opcode = 0x8;
            header.masked = fromClient;
            sockscope::appendFrame(wire, header, closePayload);
            ++stats_.frames;
            ++stats_.messages;
            if (!c.tls->send(fromClient ? Direction::Client : Direction::Server, wire)) {
                error = "TLS: " + c.tls->error();
                return false;
            }
        }
        c.tls->close();
        flushWire(c);
        write(c.tcp->clientFin());
        write(c.tcp->serverFin());
        return true;
    }

    // What each side's TLS wrote since the last call, as MSS-sized segments.
    void flushWire(Connection& c) {
        for (const auto& chunk : c.tls->wire) {
            const auto frames = chunk.dir == Direction::Client
                                    ? c.tcp->clientSendsSplit(chunk.bytes, options_.mss)
                                    : c.tcp->serverSendsSplit(chunk.bytes, options_.mss);
            for (const Bytes& frame : frames) {
                write(frame);
            }
        }
        // The pair keeps everything it moved: drop what is written.
        c.tls->wire.clear();
        c.tls->clientSent.clear();
        c.tls->serverSent.clear();
    }

    void write(const Bytes& frame) {
        sockscope::dissector::RawPacket packet;
        packet.number = ++stats_.packets;
        time_ += 1000;  // 1 µs apart
        packet.ts = {std::int64_t(time_ / 1000000000), std::uint32_t(time_ % 1000000000)};
        packet.linkType = sockscope::test::linktype::Ethernet;
        packet.capturedLength = packet.originalLength = std::uint32_t(frame.size());
        packet.data = frame;
        writer_->write(packet);
        bytes_ += 32 + (frame.size() + 3) / 4 * 4;
    }

    const TlsCaptureOptions& options_;
    TlsCaptureStats& stats_;
    std::mt19937_64 random_;
    sockscope::test::TlsPairConfig config_;
    std::array<std::uint8_t, 128 * 1024> payloadSource_{};
    std::array<std::uint8_t, 128 * 1024> textSource_{};
    std::unique_ptr<sockscope::dissector::PcapngWriter> writer_;
    std::ofstream keyLog_;
    std::uint64_t bytes_ = 0;
    std::uint64_t time_ = 1700000000ull * 1000000000ull;
};

}  // namespace

bool generateTlsCapture(const std::string& path, const std::string& keyLogPath,
                        const TlsCaptureOptions& options, TlsCaptureStats& stats,
                        std::string& error) {
    stats = {};
    Generator generator(options, stats);
    return generator.run(path, keyLogPath, error);
}

}  // namespace bench
