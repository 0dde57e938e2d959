#pragma once
// The TLS keys a capture is decrypted with, as the GUI gets them: a key log
// file (the preference, or File > Open Key Log), followed as it grows during
// a live capture, and the Decryption Secrets Blocks of a pcapng file. Built
// on the thread that dissects (the loader's or an export's), which alone
// touches the KeyLog; what was read is summed up in a KeyLogReport for the
// status bar. Widget-free.

#include <sockscope/dissector/key_log.h>
#include <sockscope/dissector/pcapng_secrets.h>

#include <QString>

#include <cstdint>
#include <span>
#include <string>

namespace sockscope::ui {

// Where the keys of the next capture come from.
struct KeyLogSource {
    QString file;  // a key log file; empty: none
    // Live: the file is read as it grows (and may not exist yet); its
    // unfinished last line waits for the rest.
    bool follow = false;

    bool operator==(const KeyLogSource&) const = default;
};

// What loading the keys found.
struct KeyLogReport {
    QString file;   // the key log file read (empty: none)
    QString error;  // why the file could not be read (the capture's secrets may still be used)
    std::size_t keys = 0;           // secrets held (one per valid line)
    std::size_t sessions = 0;       // TLS sessions (client randoms) they are for
    std::size_t secretsBlocks = 0;  // pcapng Decryption Secrets Blocks read
    std::uint64_t skippedLines = 0;
    std::uint64_t firstSkippedLine = 0;  // 0: the first problem was not a line's
    QString firstSkippedReason;
    QString firstSkippedSource;  // the file, or "decryption secrets block"
    QString secretsWarning;      // the first Decryption Secrets Block that could not be read

    // Whether there was anything to report (a file was given, or the capture carried keys).
    bool any() const { return !file.isEmpty() || secretsBlocks > 0 || !secretsWarning.isEmpty(); }
    // One line for the status bar: "keys.log: 10 keys for 2 TLS sessions read,
    // 1 line skipped (line 3: …)".
    QString text() const;
};

class CaptureKeys {
public:
    // Reads the source's file and the Decryption Secrets Blocks of the
    // pcapng capture at `capturePath` (empty, or not pcapng: none).
    void load(const KeyLogSource& source, const std::string& capturePath);
    // The same with the capture's bytes (a file that may be gone by the
    // time the keys are loaded, mapped beforehand).
    void load(const KeyLogSource& source, std::span<const std::uint8_t> capture);
    // A followed file's new lines; true when keys were added.
    bool follow();
    // What the dissector decrypts with: null when there is no key source at
    // all (a followed file counts even while it is empty or missing).
    const dissector::KeyLog* keys() const { return used_ ? &log_ : nullptr; }
    const KeyLogReport& report() const { return report_; }

private:
    void loadFile(const KeyLogSource& source);
    void addSecrets(const dissector::PcapngSecrets& secrets);
    void takeIssues(const QString& source);
    void count();

    dissector::KeyLog log_;
    KeyLogSource source_;
    std::uint64_t offset_ = 0;  // bytes of the followed file read
    std::uint64_t taken_ = 0;   // issues taken from the key log (it counts the ones past its limit)
    bool used_ = false;
    KeyLogReport report_;
};

}  // namespace sockscope::ui
