// libFuzzer target: packet decoding, IP defragmentation, TCP reassembly, TLS
// decryption and passive WebSocket dissection, with the limits that bound
// them. Two input shapes:
// - a capture file (the input starts with a pcap or pcapng magic number):
//   read through CaptureReader (libpcap) from memory, with the key logs of
//   its pcapng Decryption Secrets Blocks;
// - packets: byte 0 picks the link type (byte 0 % 5) and the options
//   (byte 0 / 5: bits 0-1 the limits, bit 2 the first record is key log
//   text); then records of a 2-byte big-endian length (bit 15: the packet
//   was cut by the snaplen) and the bytes.
// Besides crashes it checks that a message never keeps more payload than
// the limit allows and that every connection's events name a known conn.
#include <sys/mman.h>
#include <unistd.h>

#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/dissector.h>
#include <sockscope/dissector/key_log.h>
#include <sockscope/dissector/pcapng_secrets.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "fuzz_support.h"

namespace {

using namespace sockscope::dissector;

class CheckingSink : public DissectionSink {
public:
    explicit CheckingSink(const DissectorOptions& options) : options_(options) {}

    void onConnection(const ConnectionEvent& e) override {
        FUZZ_CHECK(e.conn != 0 && conns_.insert(e.conn).second);
        FUZZ_CHECK(conns_.size() - ended_.size() <= options_.maxFlows);
    }
    void onHandshake(const HandshakeEvent& e) override { known(e.conn); }
    void onFrame(const FrameEvent& e) override { known(e.conn); }
    void onMessage(const MessageEvent& e) override {
        known(e.conn);
        FUZZ_CHECK(e.payload.size() <= e.length);
        FUZZ_CHECK(e.payloadTruncated == (e.payload.size() < e.length));
        // The payload limit is for data messages; a control frame's payload
        // is kept whole (at most 125 bytes, or what a lenient reader keeps
        // of an oversized one).
        if (e.opcode < 8)
            FUZZ_CHECK(e.payload.size() <= options_.maxPayloadKept);
        else
            FUZZ_CHECK(e.payload.size() <=
                       std::min<std::uint64_t>(options_.limits.maxFrameSize, 1u << 20));
    }
    void onAnomaly(const AnomalyEvent& e) override {
        if (e.conn != 0)
            known(e.conn);
        FUZZ_CHECK(!e.kind.empty());
    }
    void onEnd(const EndEvent& e) override {
        known(e.conn);
        FUZZ_CHECK(ended_.insert(e.conn).second);
    }

private:
    void known(std::uint32_t conn) { FUZZ_CHECK(conns_.count(conn) && !ended_.count(conn)); }

    const DissectorOptions& options_;
    std::set<std::uint32_t> conns_;
    std::set<std::uint32_t> ended_;
};

DissectorOptions optionsFor(unsigned variant) {
    DissectorOptions options;
    options.limits.maxMessageSize = 1 << 20;
    options.maxBufferedBytes = 1 << 20;
    options.maxTlsHeldBytes = 1 << 20;
    switch (variant & 3) {
        case 0:
            options.wsPorts = {8765};
            break;
        case 1:  // everything tiny, so every limit is reached
            options.wsPorts = {8765};
            options.maxFlows = 2;
            options.maxBufferedBytes = 100;
            options.tcp.maxOutOfOrderBytes = 50;
            options.tcp.maxOutOfOrderSegments = 2;
            options.tcp.retransmissionWindow = 16;
            options.ip.maxFragmentBytes = 100;
            options.ip.maxFragmentDatagrams = 2;
            options.limits.maxMessageSize = 100;
            options.limits.maxFrameSize = 50;
            options.limits.maxFragments = 2;
            options.limits.maxDecompressionRatio = 2;
            options.maxPayloadKept = 10;
            options.maxAnomaliesPerKind = 1;
            options.maxTlsHeldBytes = 100;
            options.tls.maxHeldBytes = 100;
            break;
        case 2:
            options.detectWithoutHandshake = false;
            break;
        default:
            break;
    }
    return options;
}

bool isCaptureFile(std::span<const std::uint8_t> data) {
    if (data.size() < 4)
        return false;
    const std::uint32_t magic = std::uint32_t{data[0]} << 24 | std::uint32_t{data[1]} << 16 |
                                std::uint32_t{data[2]} << 8 | data[3];
    for (const std::uint32_t known :
         {0xa1b2c3d4u, 0xd4c3b2a1u, 0xa1b23c4du, 0x4d3cb2a1u, 0x0a0d0d0au}) {
        if (magic == known)
            return true;
    }
    return false;
}

void captureFile(std::span<const std::uint8_t> data) {
    // libpcap reads files: hand it the input through a memory file.
    const int fd = memfd_create("fuzz_dissector", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    std::string error;
    auto reader = CaptureReader::open("/proc/self/fd/" + std::to_string(fd), error);
    if (reader) {
        KeyLog keyLog;
        const PcapngSecrets secrets = readPcapngSecrets(data);
        for (const std::string& text : secrets.keyLogs)
            keyLog.addCompleteText(text);
        DissectorOptions options = optionsFor(0);
        options.keyLog = &keyLog;
        CheckingSink sink(options);
        Dissector dissector(options, sink);
        std::uint64_t count = 0;
        while (const auto packet = reader->next()) {
            FUZZ_CHECK(packet->number == ++count);
            FUZZ_CHECK(packet->data.size() == packet->capturedLength);
            dissector.packet(*packet);
        }
        dissector.finish();
    } else {
        FUZZ_CHECK(!error.empty());
    }
    close(fd);
}

void packets(std::span<const std::uint8_t> data) {
    static constexpr int kLinkTypes[] = {1, 101, 0, 113, 276};
    const int linkType = kLinkTypes[data[0] % 5];
    const unsigned variant = data[0] / 5;
    fuzz::Reader input(data.subspan(1));
    KeyLog keyLog;
    DissectorOptions options = optionsFor(variant);
    if (variant & 4) {
        const auto text = input.bytes(input.u16() & 0x7fff);
        keyLog.addCompleteText({reinterpret_cast<const char*>(text.data()), text.size()});
        options.keyLog = &keyLog;
    }
    CheckingSink sink(options);
    Dissector dissector(options, sink);
    std::uint64_t number = 0;
    while (!input.empty()) {
        const std::uint16_t header = input.u16();
        const auto bytes = input.bytes(header & 0x7fff);
        RawPacket packet;
        packet.number = ++number;
        packet.ts = {std::int64_t(number), 0};
        packet.linkType = linkType;
        packet.data = bytes;
        packet.capturedLength = std::uint32_t(bytes.size());
        packet.originalLength = std::uint32_t(bytes.size()) + (header & 0x8000 ? 100 : 0);
        dissector.packet(packet);
    }
    dissector.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    if (isCaptureFile(input))
        captureFile(input);
    else if (size > 0)
        packets(input);
    return 0;
}
