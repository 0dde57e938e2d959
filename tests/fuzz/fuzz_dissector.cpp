// libFuzzer target: packet decoding, TCP reassembly and passive WebSocket
// dissection. The input is a sequence of packets, each a 2-byte big-endian
// length and its bytes; byte 0 picks the link type.
#include <sockscope/dissector/dissector.h>

#include <cstddef>
#include <cstdint>

namespace {

class CountingSink : public sockscope::dissector::DissectionSink {
public:
    std::size_t bytes = 0;
    void onMessage(const sockscope::dissector::MessageEvent& e) override {
        bytes += e.payload.size();
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    static constexpr int kLinkTypes[] = {1, 101, 0, 113, 276};
    const int linkType = kLinkTypes[data[0] % 5];
    sockscope::dissector::DissectorOptions options;
    options.wsPorts = {8765};
    options.limits.maxMessageSize = 1 << 20;
    options.maxBufferedBytes = 1 << 20;
    CountingSink sink;
    sockscope::dissector::Dissector dissector(options, sink);
    std::size_t pos = 1;
    std::uint64_t number = 0;
    while (pos + 2 <= size) {
        const std::size_t length =
            std::min<std::size_t>((data[pos] << 8) | data[pos + 1], size - pos - 2);
        sockscope::dissector::RawPacket packet;
        packet.number = ++number;
        packet.ts = {std::int64_t(number), 0};
        packet.linkType = linkType;
        packet.data = {data + pos + 2, length};
        packet.capturedLength = std::uint32_t(length);
        packet.originalLength = std::uint32_t(length) + (data[pos] & 0x80 ? 100 : 0);
        dissector.packet(packet);
        pos += 2 + length;
    }
    dissector.finish();
    return 0;
}
