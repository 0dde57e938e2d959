#pragma once
// The user's preferences as one value: what the dissector is given for the
// next capture (ports decoded as WebSocket, detection, limits, the TLS key
// log) and how the
// views show what they have (time, text encoding, JSON, fonts, theme).
// Persisted with QSettings under the keys the main window always used for
// ports, time display and theme, so nothing a user set before is lost.
// Every value read is brought into its allowed range.

#include <sockscope/dissector/dissector.h>

#include <QFont>
#include <QString>

#include <array>
#include <cstdint>
#include <set>
#include <span>

#include "inspector/theme_choice.h"
#include "inspector/time_format.h"

class QSettings;

namespace sockscope::ui {

// How the bytes of a text message become characters (RFC 6455 says UTF-8;
// some servers send other encodings anyway).
enum class TextEncoding { Utf8, Latin1, Utf16LE, Utf16BE };

QString textEncodingName(TextEncoding encoding);  // "UTF-8", "ISO-8859-1", "UTF-16LE", "UTF-16BE"
TextEncoding textEncodingFromName(const QString& name);  // UTF-8 for anything else

// The dissector limits a user may change, by DissectorOptions field.
enum class Limit {
    MaxFrameSize,
    MaxMessageSize,
    MaxFragments,
    MaxDecompressionRatio,
    MaxHandshakeBytes,
    MaxHeaderFields,
    MaxPayloadKept,
    MaxFlows,
    MaxBufferedBytes,
    MaxOutOfOrderBytes,
    MaxAnomaliesPerKind,
};
inline constexpr std::size_t kLimitCount = 11;

struct LimitSpec {
    Limit limit;
    const char* key;    // under "dissector/limits/"
    const char* label;  // for the dialog (translated in the "Preferences" context)
    const char* help;   // a tooltip: what it bounds
    bool bytes;         // a size (the dialog shows KiB)
    std::uint64_t min;  // allowed range, inclusive
    std::uint64_t max;
    std::uint64_t defaultValue;  // DissectorOptions' own default
};

// In Limit order.
std::span<const LimitSpec> limitSpecs();
const LimitSpec& limitSpec(Limit limit);

struct Preferences {
    // Capture (take effect for the next capture opened or started).
    std::set<std::uint16_t> wsPorts;
    bool detectWithoutHandshake = true;
    std::array<std::uint64_t, kLimitCount> limits;  // by Limit, within limitSpec()'s range
    // The NSS key log (SSLKEYLOGFILE) TLS connections are decrypted with;
    // followed as it grows during a live capture. Empty: none.
    QString keyLogFile;

    // Display (take effect at once).
    TimeDisplay timeDisplay = TimeDisplay::Relative;
    TextEncoding textEncoding = TextEncoding::Utf8;
    bool prettyJson = true;
    int jsonIndent = 4;  // 2 or 4
    QFont tableFont;     // the tables'; defaultTableFont() unless chosen
    QFont fixedFont;     // hex and payload views'; defaultFixedFont() unless chosen
    Theme theme = Theme::System;

    Preferences();  // the defaults

    std::uint64_t limit(Limit which) const { return limits[std::size_t(which)]; }
    void setLimit(Limit which, std::uint64_t value);  // clamped to the range

    // Reads every value (missing ones keep their defaults, out-of-range ones
    // are clamped, unknown names fall back to the default).
    void load(QSettings& settings);
    // Writes every value; a font equal to the system's is removed instead,
    // so a later change of the desktop's font is followed.
    void save(QSettings& settings) const;
    // Brings every value into its allowed range.
    void clamp();

    // The dissector's options for the next capture.
    dissector::DissectorOptions dissectorOptions() const;
    // The saved WebSocket limits (frame, message, fragments, ratio, handshake
    // head): the console's clients and servers apply them as a capture does.
    static Limits savedLimits();
    // The JSON indent the views use: 0 (as sent) when pretty-printing is off.
    int effectiveJsonIndent() const { return prettyJson ? jsonIndent : 0; }

    bool operator==(const Preferences& other) const = default;
    // Whether the dissector would be given other options or keys (reopening matters).
    bool sameCaptureOptions(const Preferences& other) const;

    static QFont defaultTableFont();
    static QFont defaultFixedFont();
};

}  // namespace sockscope::ui
