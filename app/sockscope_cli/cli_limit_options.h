#pragma once
// The --max-* options: the limits of the WebSocket rules (every command that
// reads WebSocket bytes) and, for read and capture, of TCP reassembly. Their
// defaults are the engine's; the help text prints them.

#include <QCommandLineOption>
#include <QList>
#include <QString>
#include <optional>

#include <sockscope/core/limits.h>
#include <sockscope/dissector/dissector.h>

class QCommandLineParser;

namespace sockscope::cli {

// "65536", "64K", "16MiB", "1g": bytes, with a binary suffix (K, M, G, with
// or without "iB"); nullopt for anything else or a value over 2^63.
std::optional<std::uint64_t> parseByteSize(const QString& text);

class LimitOptions {
public:
    // dissection: also the options only a dissector has (connections tracked,
    // out-of-order bytes, payload bytes kept).
    explicit LimitOptions(bool dissection);
    QList<QCommandLineOption> all() const;

    // Sets the limits given on the command line; an error message for
    // `command` (for usageError) on a bad value.
    QString apply(const QCommandLineParser& parser, const QString& command, Limits& limits) const;
    QString apply(const QCommandLineParser& parser, const QString& command,
                  dissector::DissectorOptions& options) const;

private:
    bool dissection_;
    QCommandLineOption frame_, message_, fragments_, ratio_, headBytes_, headerFields_;
    QCommandLineOption connections_, bufferedTotal_, bufferedPerFlow_, payloadKept_;
};

}  // namespace sockscope::cli
