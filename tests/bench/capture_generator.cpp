#include "capture_generator.h"

#include <sockscope/core/frame_header.h>
#include <sockscope/core/handshake.h>
#include <sockscope/core/permessage_deflate.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <span>
#include <vector>

namespace bench {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr char kKey[] = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 §1.3's sample key

// Buffered pcap writer: the file header, then one record per packet.
class PcapFile {
public:
    bool open(const std::string& path, std::string& error) {
        file_ = std::fopen(path.c_str(), "wb");
        if (file_ == nullptr) {
            error = "cannot create " + path + ": " + std::strerror(errno);
            return false;
        }
        std::setvbuf(file_, nullptr, _IOFBF, 4 << 20);
        const std::uint32_t header[6] = {0xa1b23c4d, 0x00040002, 0, 0, 262144, 1};  // ns, v2.4
        return put(header, sizeof header);
    }
    ~PcapFile() {
        if (file_ != nullptr) {
            std::fclose(file_);
        }
    }
    bool record(std::uint64_t tsNs, const Bytes& packet) {
        const std::uint32_t header[4] = {
            std::uint32_t(tsNs / 1000000000), std::uint32_t(tsNs % 1000000000),
            std::uint32_t(packet.size()), std::uint32_t(packet.size())};
        return put(header, sizeof header) && put(packet.data(), packet.size());
    }
    bool close(std::string& error) {
        const bool ok = std::fclose(file_) == 0 && ok_;
        file_ = nullptr;
        if (!ok) {
            error = std::string("writing the capture failed: ") + std::strerror(errno);
        }
        return ok;
    }
    std::uint64_t bytes() const { return bytes_; }

private:
    bool put(const void* data, std::size_t size) {
        ok_ = ok_ && std::fwrite(data, 1, size, file_) == size;
        bytes_ += size;
        return ok_;
    }
    std::FILE* file_ = nullptr;
    bool ok_ = true;
    std::uint64_t bytes_ = 0;
};

struct Side {
    std::uint8_t ip[4];
    std::uint16_t port;
    std::uint32_t seq;
};

struct Connection {
    Side client;
    Side server;
    bool deflate = false;
    std::unique_ptr<sockscope::MessageDeflater> clientDeflater;
    std::unique_ptr<sockscope::MessageDeflater> serverDeflater;
    int exchangesLeft = 0;
};

class Generator {
public:
    Generator(const CaptureGeneratorOptions& options, CaptureGeneratorStats& stats)
        : options_(options), stats_(stats), random_(options.seed) {
        // Payload sources: compressible text and incompressible bytes.
        const char* words[] = {
            "socket ", "frame ", "message ", "{\"id\":", "42, ", "\"ok\" ", "payload ", "deflate "};
        std::uniform_int_distribution<int> word(0, 7);
        while (text_.size() < 128 * 1024) {
            for (const char* c = words[word(random_)]; *c != 0; ++c) {
                text_.push_back(std::uint8_t(*c));
            }
        }
        binary_.resize(128 * 1024);
        for (auto& b : binary_) {
            b = std::uint8_t(random_());
        }
    }

    bool run(const std::string& path, std::string& error) {
        if (!file_.open(path, error)) {
            return false;
        }
        std::vector<std::unique_ptr<Connection>> open;
        for (int i = 0; i < options_.concurrentConnections; ++i) {
            open.push_back(start());
        }
        // Round robin: one exchange per open connection; a finished one is
        // replaced by a new one until the capture is large enough.
        while (!open.empty()) {
            for (std::size_t i = 0; i < open.size();) {
                Connection& c = *open[i];
                if (file_.bytes() >= options_.targetBytes) {
                    c.exchangesLeft = 0;  // large enough: close everything
                }
                if (c.exchangesLeft-- > 0) {
                    exchange(c);
                    ++i;
                    continue;
                }
                finish(c);
                if (file_.bytes() < options_.targetBytes) {
                    open[i] = start();
                    ++i;
                } else {
                    open.erase(open.begin() + std::ptrdiff_t(i));
                }
            }
        }
        stats_.fileBytes = file_.bytes();
        return file_.close(error);
    }

private:
    std::unique_ptr<Connection> start() {
        auto c = std::make_unique<Connection>();
        const std::uint64_t n = stats_.connections++;
        c->client = {{10, 0, std::uint8_t(n >> 8), std::uint8_t(n)},
                     std::uint16_t(20000 + n % 40000),
                     std::uint32_t(random_())};
        c->server = {{10, 1, 0, 1}, 8080, std::uint32_t(random_())};
        c->deflate = n % 2 == 0;
        c->exchangesLeft = std::uniform_int_distribution<int>(20, 100)(random_);
        // TCP handshake.
        packet(*c, true, 0x02, {});
        c->client.seq++;
        packet(*c, false, 0x12, {});
        c->server.seq++;
        packet(*c, true, 0x10, {});
        // HTTP upgrade.
        std::string request = "GET /bench/" + std::to_string(n) +
                              " HTTP/1.1\r\nHost: 10.1.0.1:8080\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Key: " +
                              kKey + "\r\nSec-WebSocket-Version: 13\r\n";
        std::string response =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: " +
            sockscope::computeWebSocketAccept(kKey) + "\r\n";
        if (c->deflate) {
            request += "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
            response += "Sec-WebSocket-Extensions: permessage-deflate\r\n";
            c->clientDeflater = std::make_unique<sockscope::MessageDeflater>(15, false);
            c->serverDeflater = std::make_unique<sockscope::MessageDeflater>(15, false);
        }
        request += "\r\n";
        response += "\r\n";
        send(*c, true, Bytes(request.begin(), request.end()));
        send(*c, false, Bytes(response.begin(), response.end()));
        return c;
    }

    // One client message and the server's answer (and now and then a ping).
    void exchange(Connection& c) {
        for (const bool fromClient : {true, false}) {
            Bytes wire;
            message(c, fromClient, wire);
            if (std::uniform_int_distribution<int>(0, 49)(random_) == 0) {
                frame(wire, fromClient, true, false, 0x9, Bytes{'p', 'i', 'n', 'g'});
                ++stats_.messages;
            }
            send(c, fromClient, wire);
        }
    }

    void message(Connection& c, bool fromClient, Bytes& wire) {
        // Sizes log-uniform from 10 B to maxMessage (64 KiB).
        const double exponent = std::uniform_real_distribution<double>(
            std::log(10.0), std::log(double(options_.maxMessage)))(random_);
        const auto size = std::size_t(std::exp(exponent));
        const bool text = random_() % 2 == 0;
        const Bytes& source = text ? text_ : binary_;
        const std::size_t at = random_() % (source.size() - size);
        const std::span<const std::uint8_t> payload(source.data() + at, size);
        stats_.payloadBytes += size;
        ++stats_.messages;

        Bytes body;
        const bool compress = c.deflate && random_() % 3 == 0;
        if (compress) {
            (fromClient ? c.clientDeflater : c.serverDeflater)->compress(payload, body);
            ++stats_.compressedMessages;
        } else {
            body.assign(payload.begin(), payload.end());
        }
        int pieces = 1;
        if (size >= 64 && random_() % 5 == 0) {
            pieces = std::uniform_int_distribution<int>(2, 4)(random_);
            ++stats_.fragmentedMessages;
        }
        const std::size_t step = (body.size() + pieces - 1) / pieces;
        for (int i = 0; i < pieces; ++i) {
            const std::size_t from = std::min(body.size(), i * step);
            const std::size_t to = std::min(body.size(), from + step);
            frame(wire, fromClient, i == pieces - 1, compress && i == 0,
                  i == 0 ? std::uint8_t(text ? 0x1 : 0x2) : std::uint8_t(0x0),
                  std::span<const std::uint8_t>(body.data() + from, to - from));
        }
    }

    void frame(Bytes& wire, bool fromClient, bool fin, bool rsv1, std::uint8_t opcode,
               std::span<const std::uint8_t> payload) {
        sockscope::FrameHeader header;
        header.fin = fin;
        header.rsv1 = rsv1;
        header.opcode = opcode;
        header.masked = fromClient;
        if (fromClient) {
            const auto key = std::uint32_t(random_());
            std::memcpy(header.maskKey.data(), &key, 4);
        }
        sockscope::appendFrame(wire, header, payload);
        ++stats_.frames;
    }

    void finish(Connection& c) {
        const Bytes closePayload{0x03, 0xE8, 'b', 'y', 'e'};
        for (const bool fromClient : {true, false}) {
            Bytes wire;
            frame(wire, fromClient, true, false, 0x8, closePayload);
            ++stats_.messages;
            send(c, fromClient, wire);
        }
        packet(c, true, 0x11, {});
        c.client.seq++;
        packet(c, false, 0x11, {});
        c.server.seq++;
        packet(c, true, 0x10, {});
    }

    // TCP payload in MSS-sized segments.
    void send(Connection& c, bool fromClient, std::span<const std::uint8_t> data) {
        for (std::size_t at = 0; at < data.size(); at += options_.mss) {
            const std::size_t n = std::min<std::size_t>(options_.mss, data.size() - at);
            packet(c, fromClient, 0x18, std::span<const std::uint8_t>(data.data() + at, n));
            (fromClient ? c.client : c.server).seq += std::uint32_t(n);
        }
    }

    void packet(const Connection& c, bool fromClient, std::uint8_t flags,
                std::span<const std::uint8_t> payload) {
        const Side& from = fromClient ? c.client : c.server;
        const Side& to = fromClient ? c.server : c.client;
        Bytes& p = packet_;
        p.assign(54, 0);
        // Ethernet: made-up MACs, IPv4.
        const std::uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
        std::memcpy(p.data(), macs, 12);
        p[12] = 0x08;
        // IPv4, no options.
        std::uint8_t* ip = p.data() + 14;
        const std::size_t total = 40 + payload.size();
        ip[0] = 0x45;
        ip[2] = std::uint8_t(total >> 8);
        ip[3] = std::uint8_t(total);
        ip[6] = 0x40;  // don't fragment
        ip[8] = 64;
        ip[9] = 6;
        std::memcpy(ip + 12, from.ip, 4);
        std::memcpy(ip + 16, to.ip, 4);
        std::uint32_t sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += std::uint32_t(ip[i] << 8 | ip[i + 1]);
        }
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = ~((sum & 0xFFFF) + (sum >> 16)) & 0xFFFF;
        ip[10] = std::uint8_t(sum >> 8);
        ip[11] = std::uint8_t(sum);
        // TCP (checksum left 0: captures from offloading NICs look the same).
        std::uint8_t* tcp = ip + 20;
        const auto be16 = [](std::uint8_t* at, std::uint32_t v) {
            at[0] = std::uint8_t(v >> 8);
            at[1] = std::uint8_t(v);
        };
        be16(tcp, from.port);
        be16(tcp + 2, to.port);
        be16(tcp + 4, from.seq >> 16);
        be16(tcp + 6, from.seq & 0xFFFF);
        const std::uint32_t ack = (flags & 0x10) != 0 ? to.seq : 0;
        be16(tcp + 8, ack >> 16);
        be16(tcp + 10, ack & 0xFFFF);
        tcp[12] = 0x50;
        tcp[13] = flags;
        be16(tcp + 14, 65535);
        p.insert(p.end(), payload.begin(), payload.end());
        time_ += 1000;  // 1 µs apart
        file_.record(time_, p);
        ++stats_.packets;
    }

    const CaptureGeneratorOptions& options_;
    CaptureGeneratorStats& stats_;
    std::mt19937_64 random_;
    Bytes text_;
    Bytes binary_;
    Bytes packet_;
    PcapFile file_;
    std::uint64_t time_ = 1700000000ull * 1000000000ull;
};

}  // namespace

bool generateCapture(const std::string& path, const CaptureGeneratorOptions& options,
                     CaptureGeneratorStats& stats, std::string& error) {
    stats = {};
    Generator generator(options, stats);
    return generator.run(path, error);
}

}  // namespace bench
