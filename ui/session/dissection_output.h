#pragma once
// What `read` and `capture` share: the output format, the sink it selects
// (text or JSON Lines on stdout) and the dissector options from the command line.

// Only public dissector headers here: this one is included next to Qt
// headers, and Qt's `emit` macro must not meet the dissector's internals.
#include <sockscope/dissector/dissector.h>
#include <sockscope/dissector/events.h>
#include <sockscope/dissector/sink_filter.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sockscope::dissector {
class Dissector;
class KeyLog;
class JsonlSink;
class TextSink;
}  // namespace sockscope::dissector

namespace sockscope::session {

enum class OutputFormat : std::uint8_t { Text, Jsonl };

struct DissectionOutputOptions {
    OutputFormat format = OutputFormat::Text;
    dissector::SinkFilter filter;     // --only, --conn
    std::set<std::uint16_t> wsPorts;  // --ws-port
    // --max-anomalies (0: no limit); unset: DissectorOptions' default.
    std::optional<std::uint64_t> maxAnomaliesPerKind;
    std::vector<std::string> keyLogFiles;  // --keylog: NSS key logs to decrypt TLS with
    // The limits (--max-*); the fields above and the key log are set from
    // this struct's other members when the dissector is made.
    dissector::DissectorOptions dissector;
};

// The sink for `format` writing to `out`. Live output flushes every line.
class DissectionOutput {
public:
    DissectionOutput(std::FILE* out, const DissectionOutputOptions& options, bool live);
    ~DissectionOutput();

    dissector::DissectionSink& sink();
    // Text times count from the capture's first packet.
    void setTimeOrigin(dissector::Timestamp origin);
    // Writes what the sink still holds; false after any write error.
    bool flush();

private:
    std::unique_ptr<dissector::TextSink> text_;
    std::unique_ptr<dissector::JsonlSink> jsonl_;
};

// A dissector with the command line's options (--ws-port, --max-anomalies)
// writing to `sink`, decrypting TLS with `keys` (which must outlive it; null:
// none). `live`: a TLS connection's end waits briefly for keys still being written.
std::unique_ptr<dissector::Dissector> makeDissector(const DissectionOutputOptions& options,
                                                    dissector::DissectionSink& sink,
                                                    const dissector::KeyLog* keys = nullptr,
                                                    bool live = false);

}  // namespace sockscope::session
