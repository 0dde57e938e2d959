#include "cli_limit_options.h"

#include <QCommandLineParser>
#include <QRegularExpression>
#include <limits>

namespace sockscope::cli {
namespace {

QString sizeText(std::uint64_t bytes) {
    for (auto [shift, unit] : {std::pair{30, "GiB"}, std::pair{20, "MiB"}, std::pair{10, "KiB"}}) {
        if (bytes >= (1ull << shift) && bytes % (1ull << shift) == 0)
            return QString::number(bytes >> shift) + QLatin1String(unit);
    }
    return QString::number(bytes);
}

QCommandLineOption sizeOption(const char* name, const QString& what, std::uint64_t defaultBytes) {
    return QCommandLineOption(QLatin1String(name),
                              what + QStringLiteral(" (default %1).").arg(sizeText(defaultBytes)),
                              QStringLiteral("bytes"));
}

QCommandLineOption countOption(const char* name, const QString& what, std::uint64_t defaultCount) {
    return QCommandLineOption(QLatin1String(name),
                              what + QStringLiteral(" (default %1).").arg(defaultCount),
                              QStringLiteral("N"));
}

// The value of `option` when set, checked against [min, max]; `error` on a bad one.
std::optional<std::uint64_t> valueOf(const QCommandLineParser& parser,
                                     const QCommandLineOption& option, const QString& command,
                                     bool bytes, std::uint64_t min, std::uint64_t max,
                                     QString& error) {
    if (!parser.isSet(option) || !error.isEmpty())
        return std::nullopt;
    const QString text = parser.value(option);
    bool ok = false;
    const std::optional<std::uint64_t> value =
        bytes ? parseByteSize(text) : std::optional<std::uint64_t>(text.toULongLong(&ok));
    if (!value || (!bytes && !ok)) {
        error = command + u": --" + option.names().constFirst() + u" '" + text + u"' is not " +
                (bytes ? QStringLiteral("a size (bytes, or with K, M or G)")
                       : QStringLiteral("a count"));
        return std::nullopt;
    }
    if (*value < min || *value > max) {
        error = command + u": --" + option.names().constFirst() + u" " + text +
                u" is out of range (" + (bytes ? sizeText(min) : QString::number(min)) + u" to " +
                (bytes ? sizeText(max) : QString::number(max)) + u")";
        return std::nullopt;
    }
    return value;
}

template <typename T>
void setIf(const std::optional<std::uint64_t>& value, T& field) {
    if (value)
        field = static_cast<T>(*value);
}

constexpr std::uint64_t kMaxBytes = 1ull << 62;

}  // namespace

std::optional<std::uint64_t> parseByteSize(const QString& text) {
    static const QRegularExpression form(
        QStringLiteral("^\\s*([0-9]{1,19})\\s*(?:([kmg])(?:i?b)?|b)?\\s*$"),
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = form.match(text);
    if (!match.hasMatch())
        return std::nullopt;
    bool ok = false;
    const std::uint64_t number = match.captured(1).toULongLong(&ok);
    if (!ok)
        return std::nullopt;
    const QString unit = match.captured(2).toLower();
    const int shift = unit == u"k" ? 10 : unit == u"m" ? 20 : unit == u"g" ? 30 : 0;
    if (number > (std::uint64_t(1) << 63 >> shift))
        return std::nullopt;
    return number << shift;
}

LimitOptions::LimitOptions(bool dissection)
    : dissection_(dissection),
      frame_(sizeOption("max-frame-size", QStringLiteral("Largest frame payload"),
                        Limits{}.maxFrameSize)),
      message_(sizeOption("max-message-size",
                          QStringLiteral("Largest message, after decompression"),
                          Limits{}.maxMessageSize)),
      fragments_(countOption("max-fragments", QStringLiteral("Most frames in one message"),
                             Limits{}.maxFragments)),
      ratio_(countOption("max-decompression-ratio",
                         QStringLiteral("Largest decompressed/compressed ratio of a message, "
                                        "0 for none: the message size still bounds it"),
                         std::uint64_t(Limits{}.maxDecompressionRatio))),
      headBytes_(sizeOption("max-handshake-bytes",
                            QStringLiteral("Largest HTTP head of the opening handshake"),
                            Limits{}.maxHandshakeBytes)),
      headerFields_(countOption("max-header-fields",
                                QStringLiteral("Most header fields in the opening handshake"),
                                Limits{}.maxHeaderFields)),
      connections_(countOption("max-connections",
                               QStringLiteral("TCP connections followed at once; the oldest is "
                                              "given up for a new one"),
                               dissector::DissectorOptions{}.maxFlows)),
      bufferedTotal_(sizeOption("max-buffered-bytes",
                                QStringLiteral("Out-of-order TCP bytes held, all connections"),
                                dissector::DissectorOptions{}.maxBufferedBytes)),
      bufferedPerFlow_(sizeOption("max-out-of-order-bytes",
                                  QStringLiteral("Out-of-order TCP bytes held per direction of "
                                                 "a connection"),
                                  dissector::TcpReassemblerLimits{}.maxOutOfOrderBytes)),
      payloadKept_(sizeOption("max-payload-kept",
                              QStringLiteral("Bytes of each message's payload kept for output; "
                                             "the rest is counted"),
                              dissector::DissectorOptions{}.maxPayloadKept)) {}

QList<QCommandLineOption> LimitOptions::all() const {
    QList<QCommandLineOption> options{frame_, message_,   fragments_,
                                      ratio_, headBytes_, headerFields_};
    if (dissection_)
        options += {connections_, bufferedTotal_, bufferedPerFlow_, payloadKept_};
    return options;
}

QString LimitOptions::apply(const QCommandLineParser& parser, const QString& command,
                            Limits& limits) const {
    QString error;
    setIf(valueOf(parser, frame_, command, true, 0, kMaxBytes, error), limits.maxFrameSize);
    setIf(valueOf(parser, message_, command, true, 0, kMaxBytes, error), limits.maxMessageSize);
    setIf(valueOf(parser, fragments_, command, false, 1, std::numeric_limits<std::uint32_t>::max(),
                  error),
          limits.maxFragments);
    setIf(valueOf(parser, ratio_, command, false, 0, 1'000'000, error),
          limits.maxDecompressionRatio);
    // A head needs its request line and a few fields: below 256 bytes nothing fits.
    setIf(valueOf(parser, headBytes_, command, true, 256, 1ull << 30, error),
          limits.maxHandshakeBytes);
    setIf(valueOf(parser, headerFields_, command, false, 4, 1'000'000, error),
          limits.maxHeaderFields);
    return error;
}

QString LimitOptions::apply(const QCommandLineParser& parser, const QString& command,
                            dissector::DissectorOptions& options) const {
    QString error = apply(parser, command, options.limits);
    setIf(valueOf(parser, connections_, command, false, 1, 100'000'000, error), options.maxFlows);
    setIf(valueOf(parser, bufferedTotal_, command, true, 0, kMaxBytes, error),
          options.maxBufferedBytes);
    setIf(valueOf(parser, bufferedPerFlow_, command, true, 0, kMaxBytes, error),
          options.tcp.maxOutOfOrderBytes);
    setIf(valueOf(parser, payloadKept_, command, true, 0, kMaxBytes, error),
          options.maxPayloadKept);
    return error;
}

}  // namespace sockscope::cli
