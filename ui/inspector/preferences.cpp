#include "inspector/preferences.h"

#include <QFontDatabase>
#include <QGuiApplication>
#include <QRegularExpression>
#include <QSettings>

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "inspector/port_list.h"

namespace sockscope::ui {
namespace {

namespace key {
const QString WsPorts = QStringLiteral("dissector/wsPorts");
const QString Detect = QStringLiteral("dissector/detectWithoutHandshake");
const QString LimitsGroup = QStringLiteral("dissector/limits/");
const QString KeyLogFile = QStringLiteral("tls/keyLogFile");
const QString Time = QStringLiteral("view/timeDisplay");
const QString Theme = QStringLiteral("view/theme");
const QString Encoding = QStringLiteral("view/textEncoding");
const QString PrettyJson = QStringLiteral("view/prettyJson");
const QString JsonIndent = QStringLiteral("view/jsonIndent");
const QString TableFont = QStringLiteral("view/tableFont");
const QString FixedFont = QStringLiteral("view/fixedFont");
}  // namespace key

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = KiB * 1024;
constexpr std::uint64_t GiB = MiB * 1024;

std::uint64_t get(const dissector::DissectorOptions& o, Limit limit) {
    switch (limit) {
        case Limit::MaxFrameSize:
            return o.limits.maxFrameSize;
        case Limit::MaxMessageSize:
            return o.limits.maxMessageSize;
        case Limit::MaxFragments:
            return o.limits.maxFragments;
        case Limit::MaxDecompressionRatio:
            return std::uint64_t(o.limits.maxDecompressionRatio);
        case Limit::MaxHandshakeBytes:
            return o.limits.maxHandshakeBytes;
        case Limit::MaxHeaderFields:
            return o.limits.maxHeaderFields;
        case Limit::MaxPayloadKept:
            return o.maxPayloadKept;
        case Limit::MaxFlows:
            return o.maxFlows;
        case Limit::MaxBufferedBytes:
            return o.maxBufferedBytes;
        case Limit::MaxOutOfOrderBytes:
            return o.tcp.maxOutOfOrderBytes;
        case Limit::MaxAnomaliesPerKind:
            return o.maxAnomaliesPerKind;
    }
    return 0;
}

void set(dissector::DissectorOptions& o, Limit limit, std::uint64_t v) {
    switch (limit) {
        case Limit::MaxFrameSize:
            o.limits.maxFrameSize = v;
            break;
        case Limit::MaxMessageSize:
            o.limits.maxMessageSize = v;
            break;
        case Limit::MaxFragments:
            o.limits.maxFragments = std::uint32_t(v);
            break;
        case Limit::MaxDecompressionRatio:
            o.limits.maxDecompressionRatio = double(v);
            break;
        case Limit::MaxHandshakeBytes:
            o.limits.maxHandshakeBytes = std::size_t(v);
            break;
        case Limit::MaxHeaderFields:
            o.limits.maxHeaderFields = std::size_t(v);
            break;
        case Limit::MaxPayloadKept:
            o.maxPayloadKept = v;
            break;
        case Limit::MaxFlows:
            o.maxFlows = std::size_t(v);
            break;
        case Limit::MaxBufferedBytes:
            o.maxBufferedBytes = std::size_t(v);
            break;
        case Limit::MaxOutOfOrderBytes:
            o.tcp.maxOutOfOrderBytes = std::size_t(v);
            break;
        case Limit::MaxAnomaliesPerKind:
            o.maxAnomaliesPerKind = v;
            break;
    }
}

std::uint64_t defaultOf(Limit limit) {
    return get(dissector::DissectorOptions{}, limit);
}

// The ranges keep each bound useful: low enough to try a limit on a small
// capture, high enough for any capture that fits on a disk, and within what
// the dissector's field types hold.
const std::array<LimitSpec, kLimitCount> kSpecs = {{
    {Limit::MaxFrameSize, "maxFrameSize", QT_TRANSLATE_NOOP("Preferences", "Largest frame"),
     QT_TRANSLATE_NOOP("Preferences",
                       "A frame announcing a larger payload is reported (frame-too-big)"),
     true, KiB, 4 * GiB, defaultOf(Limit::MaxFrameSize)},
    {Limit::MaxMessageSize, "maxMessageSize", QT_TRANSLATE_NOOP("Preferences", "Largest message"),
     QT_TRANSLATE_NOOP("Preferences",
                       "A message larger than this, after decompression, is reported "
                       "(message-too-big); decompression stops there"),
     true, KiB, 4 * GiB, defaultOf(Limit::MaxMessageSize)},
    {Limit::MaxFragments, "maxFragments", QT_TRANSLATE_NOOP("Preferences", "Frames per message"),
     QT_TRANSLATE_NOOP("Preferences", "A message in more frames is reported (too-many-fragments)"),
     false, 1, 1u << 24, defaultOf(Limit::MaxFragments)},
    {Limit::MaxDecompressionRatio, "maxDecompressionRatio",
     QT_TRANSLATE_NOOP("Preferences", "Decompression ratio"),
     QT_TRANSLATE_NOOP("Preferences",
                       "Inflating stops when a message grows more than this many times its "
                       "compressed size (0: only the largest message bounds it)"),
     false, 0, 100000, defaultOf(Limit::MaxDecompressionRatio)},
    {Limit::MaxHandshakeBytes, "maxHandshakeBytes",
     QT_TRANSLATE_NOOP("Preferences", "Largest handshake head"),
     QT_TRANSLATE_NOOP("Preferences",
                       "An HTTP request or response head longer than this is not taken for a "
                       "WebSocket handshake (handshake-too-large)"),
     true, KiB, GiB, defaultOf(Limit::MaxHandshakeBytes)},
    {Limit::MaxHeaderFields, "maxHeaderFields",
     QT_TRANSLATE_NOOP("Preferences", "Handshake header fields"),
     QT_TRANSLATE_NOOP("Preferences",
                       "A handshake head with more header fields is not taken for a WebSocket "
                       "handshake (handshake-too-large)"),
     false, 4, 1000000, defaultOf(Limit::MaxHeaderFields)},
    {Limit::MaxPayloadKept, "maxPayloadKept",
     QT_TRANSLATE_NOOP("Preferences", "Decompressed payload kept"),
     QT_TRANSLATE_NOOP("Preferences",
                       "Bytes of a message's decompressed payload kept to be shown; the rest "
                       "is counted but not stored"),
     true, KiB, 4 * GiB, defaultOf(Limit::MaxPayloadKept)},
    {Limit::MaxFlows, "maxFlows", QT_TRANSLATE_NOOP("Preferences", "TCP connections tracked"),
     QT_TRANSLATE_NOOP("Preferences",
                       "At most this many connections are followed at once; the oldest is "
                       "given up for a new one"),
     false, 16, 10000000, defaultOf(Limit::MaxFlows)},
    {Limit::MaxBufferedBytes, "maxBufferedBytes",
     QT_TRANSLATE_NOOP("Preferences", "Out-of-order bytes (all connections)"),
     QT_TRANSLATE_NOOP("Preferences",
                       "Bytes held waiting for missing TCP segments, all connections together"),
     true, MiB, 16 * GiB, defaultOf(Limit::MaxBufferedBytes)},
    {Limit::MaxOutOfOrderBytes, "maxOutOfOrderBytes",
     QT_TRANSLATE_NOOP("Preferences", "Out-of-order bytes per direction"),
     QT_TRANSLATE_NOOP("Preferences",
                       "Bytes held waiting for a missing TCP segment in one direction of a "
                       "connection; past it the gap is given up"),
     true, 64 * KiB, 4 * GiB, defaultOf(Limit::MaxOutOfOrderBytes)},
    {Limit::MaxAnomaliesPerKind, "maxAnomaliesPerKind",
     QT_TRANSLATE_NOOP("Preferences", "Anomalies per kind"),
     QT_TRANSLATE_NOOP("Preferences",
                       "Anomalies of one kind listed per connection; later ones are counted "
                       "in one summary (0: no limit)"),
     false, 0, 1000000, defaultOf(Limit::MaxAnomaliesPerKind)},
}};

// A number as saved, or one a person typed into the file: too large or
// negative ones go to the ends of the range (setLimit clamps), anything else
// that is not a number gives the default.
std::uint64_t limitFrom(const QVariant& value, std::uint64_t fallback) {
    if (!value.isValid())
        return fallback;
    const QString text = value.toString().trimmed();
    bool ok = false;
    const std::uint64_t number = text.toULongLong(&ok);
    if (ok)
        return number;
    static const QRegularExpression integer(QStringLiteral("^([-+]?)[0-9]+$"));
    const QRegularExpressionMatch match = integer.match(text);
    if (!match.hasMatch())
        return fallback;
    return match.captured(1) == QLatin1String("-") ? 0 : UINT64_MAX;
}

template <typename E>
E enumIn(int value, E last, E fallback) {
    return value >= 0 && value <= int(last) ? E(value) : fallback;
}

}  // namespace

QString textEncodingName(TextEncoding encoding) {
    switch (encoding) {
        case TextEncoding::Latin1:
            return QStringLiteral("ISO-8859-1");
        case TextEncoding::Utf16LE:
            return QStringLiteral("UTF-16LE");
        case TextEncoding::Utf16BE:
            return QStringLiteral("UTF-16BE");
        case TextEncoding::Utf8:
            break;
    }
    return QStringLiteral("UTF-8");
}

TextEncoding textEncodingFromName(const QString& name) {
    for (TextEncoding e : {TextEncoding::Latin1, TextEncoding::Utf16LE, TextEncoding::Utf16BE})
        if (name.compare(textEncodingName(e), Qt::CaseInsensitive) == 0)
            return e;
    return TextEncoding::Utf8;
}

std::span<const LimitSpec> limitSpecs() {
    return kSpecs;
}

const LimitSpec& limitSpec(Limit limit) {
    return kSpecs[std::size_t(limit)];
}

Preferences::Preferences() : tableFont(defaultTableFont()), fixedFont(defaultFixedFont()) {
    for (const LimitSpec& spec : kSpecs)
        limits[std::size_t(spec.limit)] = spec.defaultValue;
}

QFont Preferences::defaultTableFont() {
    return QGuiApplication::font();
}

QFont Preferences::defaultFixedFont() {
    return QFontDatabase::systemFont(QFontDatabase::FixedFont);
}

void Preferences::setLimit(Limit which, std::uint64_t value) {
    const LimitSpec& spec = limitSpec(which);
    limits[std::size_t(which)] = std::clamp(value, spec.min, spec.max);
}

void Preferences::clamp() {
    for (const LimitSpec& spec : kSpecs)
        setLimit(spec.limit, limit(spec.limit));
    jsonIndent = jsonIndent <= 2 ? 2 : 4;
    timeDisplay = enumIn(int(timeDisplay), TimeDisplay::Delta, TimeDisplay::Relative);
    textEncoding = enumIn(int(textEncoding), TextEncoding::Utf16BE, TextEncoding::Utf8);
    theme = enumIn(int(theme), Theme::Dark, Theme::System);
    for (QFont* font : {&tableFont, &fixedFont})
        if (font->pointSize() > 0)
            font->setPointSize(std::clamp(font->pointSize(), 6, 48));
}

void Preferences::load(QSettings& settings) {
    const Preferences defaults;
    QString ignored;
    wsPorts = parsePortList(settings.value(key::WsPorts).toString(), ignored)
                  .value_or(std::set<std::uint16_t>{});
    detectWithoutHandshake = settings.value(key::Detect, defaults.detectWithoutHandshake).toBool();
    for (const LimitSpec& spec : kSpecs)
        setLimit(spec.limit, limitFrom(settings.value(key::LimitsGroup + QLatin1String(spec.key)),
                                       spec.defaultValue));
    keyLogFile = settings.value(key::KeyLogFile).toString().trimmed();
    timeDisplay = TimeDisplay(settings.value(key::Time, int(defaults.timeDisplay)).toInt());
    theme = themeFromName(settings.value(key::Theme).toString());
    textEncoding = textEncodingFromName(settings.value(key::Encoding).toString());
    prettyJson = settings.value(key::PrettyJson, defaults.prettyJson).toBool();
    jsonIndent = settings.value(key::JsonIndent, defaults.jsonIndent).toInt();
    for (auto [font, name, fallback] :
         {std::tuple{&tableFont, key::TableFont, defaults.tableFont},
          std::tuple{&fixedFont, key::FixedFont, defaults.fixedFont}}) {
        QFont read;
        const QString text = settings.value(name).toString();
        *font = !text.isEmpty() && read.fromString(text) ? read : fallback;
    }
    clamp();
}

void Preferences::save(QSettings& settings) const {
    settings.setValue(key::WsPorts, formatPortList(wsPorts));
    settings.setValue(key::Detect, detectWithoutHandshake);
    for (const LimitSpec& spec : kSpecs)
        settings.setValue(key::LimitsGroup + QLatin1String(spec.key),
                          qulonglong(limit(spec.limit)));
    settings.setValue(key::KeyLogFile, keyLogFile);
    settings.setValue(key::Time, int(timeDisplay));
    settings.setValue(key::Theme, themeName(theme));
    settings.setValue(key::Encoding, textEncodingName(textEncoding));
    settings.setValue(key::PrettyJson, prettyJson);
    settings.setValue(key::JsonIndent, jsonIndent);
    for (auto [font, name, system] : {std::tuple{&tableFont, key::TableFont, defaultTableFont()},
                                      std::tuple{&fixedFont, key::FixedFont, defaultFixedFont()}}) {
        if (*font == system)
            settings.remove(name);
        else
            settings.setValue(name, font->toString());
    }
}

Limits Preferences::savedLimits() {
    Preferences prefs;
    QSettings settings;
    prefs.load(settings);
    return prefs.dissectorOptions().limits;
}

dissector::DissectorOptions Preferences::dissectorOptions() const {
    dissector::DissectorOptions options;
    options.wsPorts = wsPorts;
    options.detectWithoutHandshake = detectWithoutHandshake;
    for (const LimitSpec& spec : kSpecs)
        set(options, spec.limit, limit(spec.limit));
    return options;
}

bool Preferences::sameCaptureOptions(const Preferences& other) const {
    return wsPorts == other.wsPorts && detectWithoutHandshake == other.detectWithoutHandshake &&
           limits == other.limits && keyLogFile == other.keyLogFile;
}

}  // namespace sockscope::ui
