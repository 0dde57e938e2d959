// libFuzzer target: the cheap passes over a capture file held in memory.
// - walking its packet records (dissector::nextPacketRecord, what the
//   inspector's payload reader does on the mapped file) and finding a
//   packet's bytes from its record end (packetDataOffset), as pcap and as
//   pcapng;
// - collecting the TLS key logs of its pcapng Decryption Secrets Blocks
//   (readPcapngSecrets) and parsing them (KeyLog).
// The input is the whole file.
#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/key_log.h>
#include <sockscope/dissector/pcapng_secrets.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fuzz_support.h"

using sockscope::dissector::CaptureFormat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> file(data, size);
    for (const CaptureFormat format : {CaptureFormat::Pcap, CaptureFormat::Pcapng}) {
        std::uint64_t from = 0;
        // Every record found lies inside the file and the walk moves forward.
        while (const auto record = sockscope::dissector::nextPacketRecord(file, format, from)) {
            FUZZ_CHECK(record->dataOffset + record->capturedLength <= size);
            FUZZ_CHECK(record->recordEnd <= size && record->recordEnd > from);
            const auto again = sockscope::dissector::packetDataOffset(
                file, format, record->recordEnd, record->capturedLength);
            FUZZ_CHECK(!again || *again + record->capturedLength <= size);
            from = record->recordEnd;
        }
    }

    sockscope::dissector::PcapngSecretsLimits limits;
    limits.maxSecretsBytes = 4096;
    const auto secrets = sockscope::dissector::readPcapngSecrets(file, limits);
    std::size_t total = 0;
    for (const std::string& text : secrets.keyLogs)
        total += text.size();
    FUZZ_CHECK(total <= limits.maxSecretsBytes && total <= size);
    FUZZ_CHECK(secrets.error.empty() || (secrets.keyLogs.empty() && secrets.warnings.empty()));
    sockscope::dissector::KeyLog keyLog;
    for (const std::string& text : secrets.keyLogs)
        keyLog.addCompleteText(text);
    return 0;
}
