#include "sockscope/dissector/conversation_writer.h"

#include <sockscope/core/frame_header.h>

#include <algorithm>

#include "sockscope/dissector/packet_decoder.h"

namespace sockscope::dissector {
namespace {

constexpr int kEthernet = 1;                        // DLT_EN10MB
constexpr std::uint16_t kMaxMss = 65535 - 20 - 20;  // IPv4: total length covers both headers
constexpr std::uint16_t kWindow = 65535;
constexpr std::uint8_t kTtl = 64;
constexpr std::uint8_t kTcp = 6;
// Locally administered MAC addresses (the U/L bit set): nothing real has them.
constexpr std::uint8_t kClientMac[6] = {0x02, 0x53, 0x53, 0x00, 0x00, 0x01};
constexpr std::uint8_t kServerMac[6] = {0x02, 0x53, 0x53, 0x00, 0x00, 0x02};

void be16(std::vector<std::uint8_t>& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

void be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    be16(out, v >> 16);
    be16(out, v & 0xFFFF);
}

void put16(std::vector<std::uint8_t>& out, std::size_t at, std::uint16_t v) {
    out[at] = static_cast<std::uint8_t>(v >> 8);
    out[at + 1] = static_cast<std::uint8_t>(v);
}

// RFC 1071: the one's complement sum of 16-bit words (an odd last byte padded with zero).
std::uint32_t sum16(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0) {
    std::size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2)
        sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
    if (i < bytes.size())
        sum += static_cast<std::uint32_t>(bytes[i] << 8);
    return sum;
}

std::uint16_t fold(std::uint32_t sum) {
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

std::span<const std::uint8_t> ipBytes(const SocketAddress& a) {
    return std::span<const std::uint8_t>(a.ip.data(), a.v6 ? 16 : 4);
}

}  // namespace

ConversationWriter::ConversationWriter(std::unique_ptr<PcapngWriter> writer,
                                       ConversationWriterOptions options)
    : writer_(std::move(writer)), options_(std::move(options)), random_(options_.seed) {
    options_.mss = std::clamp<std::uint16_t>(options_.mss, 1, kMaxMss);
}

ConversationWriter::~ConversationWriter() {
    finish();
}

std::unique_ptr<ConversationWriter> ConversationWriter::create(const std::string& path,
                                                               std::string& error,
                                                               ConversationWriterOptions options) {
    auto writer = PcapngWriter::create(path, error, options.application);
    return writer ? start(std::move(writer), error, std::move(options)) : nullptr;
}

std::unique_ptr<ConversationWriter> ConversationWriter::wrap(std::FILE* stream, std::string& error,
                                                             ConversationWriterOptions options) {
    auto writer = PcapngWriter::wrap(stream, error, options.application);
    return writer ? start(std::move(writer), error, std::move(options)) : nullptr;
}

std::unique_ptr<ConversationWriter> ConversationWriter::start(std::unique_ptr<PcapngWriter> writer,
                                                              std::string& error,
                                                              ConversationWriterOptions options) {
    // Packets are written as they come; one flush at the end is enough for a file
    // that is only read once it is complete.
    writer->setFlushEvery(0);
    PcapngInterface interface;
    interface.linkType = kEthernet;
    interface.name = options.interfaceName;
    interface.description = options.interfaceDescription;
    writer->addInterface(interface);
    if (!writer->error().empty()) {
        error = "cannot write the capture: " + writer->error();
        return nullptr;
    }
    return std::unique_ptr<ConversationWriter>(
        new ConversationWriter(std::move(writer), std::move(options)));
}

std::uint64_t ConversationWriter::packetsWritten() const {
    return writer_ ? writer_->packetsWritten() : 0;
}

std::optional<std::uint32_t> ConversationWriter::open(const SocketAddress& client,
                                                      const SocketAddress& server, Timestamp ts) {
    if (client.v6 != server.v6) {
        fail("connection " + client.toString() + " -> " + server.toString() +
             ": the client and the server must both be IPv4 or both IPv6");
        return std::nullopt;
    }
    Connection c;
    c.client.address = client;
    c.server.address = server;
    c.mss = client.v6 && options_.mss > 20 ? static_cast<std::uint16_t>(options_.mss - 20)
                                           : options_.mss;
    // The generator's first draws for a connection are its initial sequence numbers.
    c.client.nextSeq = static_cast<std::uint32_t>(random_());
    c.server.nextSeq = static_cast<std::uint32_t>(random_());
    c.client.ipId = static_cast<std::uint16_t>(random_());
    c.server.ipId = static_cast<std::uint16_t>(random_());
    connections_.push_back(c);
    Connection& added = connections_.back();
    using namespace tcp_flag;
    if (!segment(added, Direction::Client, Syn, {}, ts, true) ||
        !segment(added, Direction::Server, Syn | Ack, {}, ts, true) ||
        !segment(added, Direction::Client, Ack, {}, ts))
        return std::nullopt;
    return static_cast<std::uint32_t>(connections_.size() - 1);
}

bool ConversationWriter::send(std::uint32_t connection, Direction from,
                              std::span<const std::uint8_t> bytes, Timestamp ts) {
    Connection* c = find(connection, "send on");
    if (c == nullptr)
        return false;
    const Direction peer = from == Direction::Client ? Direction::Server : Direction::Client;
    std::size_t segments = 0;
    for (std::size_t at = 0; at < bytes.size(); at += c->mss) {
        const std::size_t n = std::min<std::size_t>(c->mss, bytes.size() - at);
        const bool last = at + n == bytes.size();
        using namespace tcp_flag;
        if (!segment(*c, from, static_cast<std::uint8_t>(Ack | (last ? Psh : 0)),
                     bytes.subspan(at, n), ts))
            return false;
        // Like a delayed-ACK receiver: every second full segment, and the end of a burst.
        if ((++segments % 2 == 0 || last) && !segment(*c, peer, Ack, {}, ts))
            return false;
    }
    return true;
}

bool ConversationWriter::sendFrame(std::uint32_t connection, Direction from, std::uint8_t opcode,
                                   std::span<const std::uint8_t> payload, Timestamp ts) {
    FrameHeader header;
    header.fin = true;
    header.opcode = opcode;
    header.masked = from == Direction::Client;
    if (header.masked) {
        const auto key = static_cast<std::uint32_t>(random_());
        header.maskKey = {static_cast<std::uint8_t>(key >> 24),
                          static_cast<std::uint8_t>(key >> 16), static_cast<std::uint8_t>(key >> 8),
                          static_cast<std::uint8_t>(key)};
    }
    frame_.clear();
    appendFrame(frame_, header, payload);
    return send(connection, from, frame_, ts);
}

bool ConversationWriter::close(std::uint32_t connection, Direction by, Timestamp ts, bool reset) {
    Connection* c = find(connection, "close");
    if (c == nullptr)
        return false;
    c->open = false;
    using namespace tcp_flag;
    if (reset)
        return segment(*c, by, Rst | Ack, {}, ts);
    const Direction peer = by == Direction::Client ? Direction::Server : Direction::Client;
    return segment(*c, by, Fin | Ack, {}, ts) && segment(*c, peer, Fin | Ack, {}, ts) &&
           segment(*c, by, Ack, {}, ts);
}

bool ConversationWriter::finish() {
    if (!writer_)
        return error_.empty();
    if (!writer_->close())
        fail("cannot write the capture: " + writer_->error());
    return error_.empty();
}

ConversationWriter::Connection* ConversationWriter::find(std::uint32_t connection,
                                                         const char* what) {
    if (connection >= connections_.size()) {
        fail(std::string("cannot ") + what + " connection " + std::to_string(connection) +
             ": there is no such connection");
        return nullptr;
    }
    Connection& c = connections_[connection];
    if (!c.open) {
        fail(std::string("cannot ") + what + " connection " + std::to_string(connection) +
             ": it was closed");
        return nullptr;
    }
    return &c;
}

bool ConversationWriter::segment(Connection& c, Direction from, std::uint8_t flags,
                                 std::span<const std::uint8_t> payload, Timestamp ts,
                                 bool mssOption) {
    if (!error_.empty())
        return false;
    Side& self = from == Direction::Client ? c.client : c.server;
    const Side& peer = from == Direction::Client ? c.server : c.client;
    const bool v6 = self.address.v6;
    const std::size_t tcpHeader = mssOption ? 24 : 20;
    const std::size_t tcpLength = tcpHeader + payload.size();

    packet_.clear();
    const std::uint8_t* dstMac = from == Direction::Client ? kServerMac : kClientMac;
    const std::uint8_t* srcMac = from == Direction::Client ? kClientMac : kServerMac;
    packet_.insert(packet_.end(), dstMac, dstMac + 6);
    packet_.insert(packet_.end(), srcMac, srcMac + 6);
    be16(packet_, v6 ? 0x86DD : 0x0800);

    const std::size_t ip = packet_.size();
    const auto src = ipBytes(self.address);
    const auto dst = ipBytes(peer.address);
    if (v6) {
        be32(packet_, 0x60000000);  // version 6, no traffic class or flow label
        be16(packet_, static_cast<std::uint32_t>(tcpLength));
        packet_.push_back(kTcp);
        packet_.push_back(kTtl);
    } else {
        packet_.push_back(0x45);  // version 4, 20-byte header
        packet_.push_back(0);
        be16(packet_, static_cast<std::uint32_t>(20 + tcpLength));
        be16(packet_, self.ipId++);
        be16(packet_, 0x4000);  // don't fragment
        packet_.push_back(kTtl);
        packet_.push_back(kTcp);
        be16(packet_, 0);  // header checksum, below
    }
    packet_.insert(packet_.end(), src.begin(), src.end());
    packet_.insert(packet_.end(), dst.begin(), dst.end());
    if (!v6)
        put16(packet_, ip + 10, fold(sum16(std::span(packet_).subspan(ip, 20))));

    const std::size_t tcp = packet_.size();
    be16(packet_, self.address.port);
    be16(packet_, peer.address.port);
    be32(packet_, self.nextSeq);
    be32(packet_, (flags & tcp_flag::Ack) ? peer.nextSeq : 0);
    packet_.push_back(static_cast<std::uint8_t>(tcpHeader / 4 << 4));
    packet_.push_back(flags);
    be16(packet_, kWindow);
    be16(packet_, 0);  // checksum, below
    be16(packet_, 0);  // urgent pointer
    if (mssOption) {
        packet_.push_back(2);  // kind: maximum segment size (RFC 9293 §3.7.1)
        packet_.push_back(4);
        be16(packet_, c.mss);
    }
    packet_.insert(packet_.end(), payload.begin(), payload.end());

    // The pseudo-header: RFC 9293 §3.1 (IPv4), RFC 8200 §8.1 (IPv6).
    std::uint32_t sum = sum16(src);
    sum = sum16(dst, sum);
    sum += kTcp + static_cast<std::uint32_t>(tcpLength & 0xFFFF) +
           static_cast<std::uint32_t>(tcpLength >> 16);
    sum = sum16(std::span(packet_).subspan(tcp), sum);
    put16(packet_, tcp + 16, fold(sum));

    // SYN and FIN take a sequence number each.
    self.nextSeq += static_cast<std::uint32_t>(payload.size()) + ((flags & tcp_flag::Syn) ? 1 : 0) +
                    ((flags & tcp_flag::Fin) ? 1 : 0);

    RawPacket p;
    p.number = writer_->packetsWritten() + 1;
    p.ts = ts;
    p.linkType = kEthernet;
    p.capturedLength = p.originalLength = static_cast<std::uint32_t>(packet_.size());
    p.data = packet_;
    if (!writer_->write(p))
        return fail("cannot write the capture: " + writer_->error());
    return true;
}

bool ConversationWriter::fail(const std::string& what) {
    if (error_.empty())
        error_ = what;
    return false;
}

}  // namespace sockscope::dissector
