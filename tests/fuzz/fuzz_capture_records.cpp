// libFuzzer target: walking the records of a capture file held in memory
// (dissector::nextPacketRecord, what the inspector's payload reader does on
// the mapped file) and finding a packet's bytes from its record end
// (packetDataOffset). The input is the whole file; both formats are tried.
#include <sockscope/dissector/capture_reader.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

using sockscope::dissector::CaptureFormat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> file(data, size);
    for (const CaptureFormat format : {CaptureFormat::Pcap, CaptureFormat::Pcapng}) {
        std::uint64_t from = 0;
        // Every record found lies inside the file and the walk moves forward.
        while (const auto record = sockscope::dissector::nextPacketRecord(file, format, from)) {
            if (record->dataOffset + record->capturedLength > size || record->recordEnd > size ||
                record->recordEnd <= from)
                std::abort();
            const auto again = sockscope::dissector::packetDataOffset(
                file, format, record->recordEnd, record->capturedLength);
            if (again && *again + record->capturedLength > size)
                std::abort();
            from = record->recordEnd;
        }
    }
    return 0;
}
