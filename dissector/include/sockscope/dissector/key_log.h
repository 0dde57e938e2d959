#pragma once
// The NSS key log (what SSLKEYLOGFILE, curl, browsers, Python and Node write):
// "<LABEL> <client random hex> <secret hex>" lines, looked up by the client
// random of a TLS connection. The text comes from strangers: a malformed line
// is reported (line number, what is wrong) and skipped, never fatal, and the
// whole log is bounded.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sockscope::dissector {

enum class KeyLogLabel : std::uint8_t {
    ClientRandom,                  // TLS 1.2 master secret (48 bytes)
    ClientHandshakeTrafficSecret,  // TLS 1.3 (32 or 48 bytes, by the suite's hash)
    ServerHandshakeTrafficSecret,
    ClientTrafficSecret0,
    ServerTrafficSecret0,
    // Kept but not used: exporters and 0-RTT are not decrypted.
    ExporterSecret,
    EarlyExporterSecret,
    ClientEarlyTrafficSecret,
};
// CLIENT_TRAFFIC_SECRET_N and SERVER_TRAFFIC_SECRET_N (OpenSSL 3 logs them
// after each KeyUpdate) are accepted and ignored: updates are derived.
inline constexpr std::size_t kKeyLogLabelCount = 8;

// The label as written in the file, e.g. "CLIENT_TRAFFIC_SECRET_0".
std::string_view keyLogLabelName(KeyLogLabel label);

using ClientRandom = std::array<std::uint8_t, 32>;

struct KeyLogSecret {
    std::array<std::uint8_t, 48> bytes{};
    std::uint8_t length = 0;
    std::span<const std::uint8_t> span() const { return {bytes.data(), length}; }
    friend bool operator==(const KeyLogSecret&, const KeyLogSecret&) = default;
};

// A skipped line or a limit reached: `line` counts from 1 within the current
// text (see finishText), 0 for issues that belong to no line (file errors).
struct KeyLogIssue {
    std::uint64_t line = 0;
    std::string message;
};

struct KeyLogLimits {
    std::size_t maxEntries = 1'000'000;      // secrets kept (one per line)
    std::uint64_t maxFileBytes = 64u << 20;  // loadFile / followFile
    std::size_t maxIssues = 1000;            // kept for takeIssues(); later ones only counted
    std::size_t maxLineLength = 1024;        // a valid line is under 200 characters
};

class KeyLog {
public:
    explicit KeyLog(KeyLogLimits limits = {});

    // Parses the complete lines of `text`; an unfinished last line is kept
    // until more text arrives (following a growing file), or until finishText().
    void addText(std::string_view text);
    // The end of one text: a kept unfinished line is parsed, and the next
    // text's lines count from 1 again (each pcapng secrets block is a text).
    void finishText();
    // addText + finishText.
    void addCompleteText(std::string_view text) {
        addText(text);
        finishText();
    }

    // Reads a whole key log file (at most maxFileBytes). false and a one-line
    // reason ("cannot open X: ...", "X is 70000000 bytes, over the 64 MiB
    // key log limit: not read") when it cannot be read; bad lines are issues.
    bool loadFile(const std::string& path, std::string& error);
    // Reads what a growing file has gained since `offset` (0 the first time)
    // and advances it; the unfinished last line waits for the next call. A
    // file that became shorter than `offset` (rewritten) is read again from 0.
    bool followFile(const std::string& path, std::uint64_t& offset, std::string& error);

    // The secret of `label` for the connection with `clientRandom`, or
    // nullptr. Valid until the key log next changes.
    const KeyLogSecret* find(std::span<const std::uint8_t, 32> clientRandom,
                             KeyLogLabel label) const;

    // Changes whenever a secret is added or replaced: a connection that found
    // no key can be retried when it differs from the value it saw.
    std::uint64_t generation() const { return generation_; }
    std::size_t entryCount() const { return entries_; }
    std::size_t clientRandomCount() const { return byRandom_.size(); }

    // The issues since the last call (at most maxIssues; the rest were counted
    // in droppedIssues()).
    std::vector<KeyLogIssue> takeIssues();
    std::uint64_t droppedIssues() const { return droppedIssues_; }

private:
    struct RandomHash {
        std::size_t operator()(const ClientRandom& r) const;
    };
    struct Entry {
        std::vector<std::pair<KeyLogLabel, KeyLogSecret>> secrets;
    };

    void parseLine(std::string_view line);
    void issue(std::string message);

    KeyLogLimits limits_;
    std::unordered_map<ClientRandom, Entry, RandomHash> byRandom_;
    std::size_t entries_ = 0;
    std::uint64_t generation_ = 0;
    std::string partial_;          // the unfinished last line
    bool partialTooLong_ = false;  // the unfinished line is over maxLineLength: dropped
    std::uint64_t line_ = 0;       // lines seen in the current text
    bool entryLimitReported_ = false;
    std::vector<KeyLogIssue> issues_;
    std::uint64_t droppedIssues_ = 0;
};

}  // namespace sockscope::dissector
