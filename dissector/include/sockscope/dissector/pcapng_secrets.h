#pragma once
// TLS key logs embedded in a pcapng file (Decryption Secrets Blocks, e.g.
// written by `editcap --inject-secrets tls,keys.log`). libpcap skips these
// blocks, so this is a separate, cheap pass over the block headers of the
// file (memory-mapped: the packets' bytes are not read). The file comes from
// a stranger: every block length is checked, and the walk stops at the first
// block that does not frame, saying where.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sockscope::dissector {

struct PcapngSecrets {
    // The NSS key log texts (secrets type "TLSK"), in file order: give each
    // to KeyLog::addCompleteText.
    std::vector<std::string> keyLogs;
    // Blocks skipped or a walk stopped early, each naming the byte offset.
    std::vector<std::string> warnings;
    // Where the walk stopped early (its warning is the last one): the byte
    // offset of the block that does not frame.
    std::optional<std::uint64_t> stoppedAt;
    // Non-empty when nothing could be read: the file cannot be opened or is
    // not pcapng.
    std::string error;
};

struct PcapngSecretsLimits {
    std::uint64_t maxSecretsBytes = 64u << 20;  // all key log texts together
};

PcapngSecrets readPcapngSecrets(const std::string& path, PcapngSecretsLimits limits = {});
// The same walk over a whole file held in memory.
PcapngSecrets readPcapngSecrets(std::span<const std::uint8_t> file,
                                PcapngSecretsLimits limits = {});

}  // namespace sockscope::dissector
