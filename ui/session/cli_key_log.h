#pragma once
// The TLS keys `read` and `capture` decrypt with: the key log files given
// with --keylog (followed as they grow during a live capture) and the
// Decryption Secrets Blocks a pcapng capture carries. Lines a key log gets
// wrong are reported on stderr, naming the file and the line, and skipped.

#include <sockscope/dissector/key_log.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sockscope::session {

class CliKeyLog {
public:
    // Reads every file; false and a one-line reason when one cannot be read.
    // `following` (a live capture): a file's unfinished last line waits for
    // the rest; with several files, only the last one may end unfinished,
    // or not exist yet (a warning says so; it is read once it appears).
    bool load(const std::vector<std::string>& files, bool following, std::string& error);
    // The key logs embedded in a pcapng capture file (none in a pcap or on
    // stdin). Skipped blocks are warned about at once; a walk that stopped at
    // a block that does not frame waits for finishCaptureSecrets.
    void addCaptureSecrets(const std::string& capturePath);
    // After the capture was read: the walk's stop is warned about unless the
    // reader failed on the same block (its error says it already, with the packet).
    void finishCaptureSecrets(std::optional<std::uint64_t> readerStoppedAt);
    // What the last file gained since it was read; true when keys were added.
    bool follow();
    // What the dissector decrypts with: null when there is no key at all.
    const dissector::KeyLog* keys() const { return used_ ? &log_ : nullptr; }

private:
    void reportIssues(const std::string& source);

    dissector::KeyLog log_;
    std::pair<std::string, std::uint64_t> followed_;  // the last file, and the bytes read
    bool used_ = false;
    std::optional<std::pair<std::uint64_t, std::string>> secretsStop_;  // offset, warning
};

}  // namespace sockscope::session
