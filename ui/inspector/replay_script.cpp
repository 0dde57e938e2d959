#include "inspector/replay_script.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QSaveFile>
#include <cmath>

#include "inspector/capture_document.h"
#include "session/qt_text.h"
#include "sockscope/core/opcode.h"

namespace sockscope::ui {

namespace {

constexpr auto kFormat = "sockscope-replay";
constexpr int kVersion = 1;
// A message is copied into the script whole; beyond this it is no longer a script to edit.
constexpr std::uint64_t kMaxPayload = 64ull << 20;
constexpr int kMaxFragments = 1 << 20;
// The JSON is parsed whole (a few times its size in memory): one payload of
// the largest size, in base64, fits with room to spare.
constexpr qsizetype kMaxScriptFile = qsizetype(128) << 20;
constexpr std::uint8_t kClose = std::uint8_t(Opcode::Close);
constexpr std::uint8_t kText = std::uint8_t(Opcode::Text);
constexpr std::uint8_t kBinary = std::uint8_t(Opcode::Binary);

bool setError(QString* error, const QString& why) {
    if (error) {
        *error = why;
    }
    return false;
}

bool named(const std::string& name, const char* expected) {
    return QString::fromStdString(name).compare(QLatin1String(expected), Qt::CaseInsensitive) == 0;
}

// The upgrade request's offers and extra headers.
void readRequest(const dissector::HandshakeEvent& handshake, ReplayScript& script) {
    script.target = handshake.target.empty() ? QStringLiteral("/") : fromStd(handshake.target);
    QStringList extensions;
    for (const auto& [name, value] : handshake.requestHeaders) {
        if (named(name, "Host")) {
            script.host = fromStd(value);
        } else if (named(name, "Sec-WebSocket-Protocol")) {
            for (const QString& p : fromStd(value).split(u',', Qt::SkipEmptyParts)) {
                if (!p.trimmed().isEmpty()) {
                    script.subprotocols << p.trimmed();
                }
            }
        } else if (named(name, "Sec-WebSocket-Extensions")) {
            extensions << fromStd(value);
        } else if (!named(name, "Sec-WebSocket-Key") && !named(name, "Sec-WebSocket-Version") &&
                   !named(name, "Upgrade") && !named(name, "Connection")) {
            script.headers.emplace_back(fromStd(name), fromStd(value));
        }
    }
    script.extensions = extensions.join(QStringLiteral(", "));
}

// The payload length of each data frame of message `row` (an uncompressed
// text/binary message of more than one frame), or empty when they cannot all
// be found or do not add up to its length.
std::vector<std::uint64_t> recordedFrameSizes(const CaptureIndex& index, RowId row,
                                              const MessageRecord& m) {
    if ((m.opcode != kText && m.opcode != kBinary) || m.frames < 2 ||
        m.frames > session::kMaxReplayFrameSizes || m.firstFrame == kNoRow) {
        return {};
    }
    std::vector<std::uint64_t> sizes;
    std::uint64_t sum = 0;
    // Frames of other connections and control frames may come between; the
    // walk ends at the message's last frame or the end of the index.
    for (RowId f = m.firstFrame; f < index.frameCount() && sizes.size() < m.frames; ++f) {
        const FrameRecord frame = index.frame(f);
        if (frame.conn != m.conn || frame.fromServer() != m.fromServer() ||
            isControlOpcode(frame.opcode)) {
            continue;
        }
        // Data messages do not interleave in one direction: another one means this one ended.
        if (frame.message != row || frame.payloadLength > m.length - sum) {
            return {};
        }
        sizes.push_back(frame.payloadLength);
        sum += frame.payloadLength;
    }
    if (sizes.size() != m.frames || sum != m.length) {
        return {};
    }
    return sizes;
}

QString messageName(bool fromServer, std::uint64_t number, const MessageRecord& m,
                    std::uint64_t packet) {
    return QStringLiteral("%1 message %2 (%3, %4 bytes, packet %5)")
        .arg(fromServer ? QStringLiteral("server") : QStringLiteral("client"))
        .arg(number)
        .arg(session::replayOpcodeName(m.opcode))
        .arg(m.length)
        .arg(packet);
}

// --- JSON -------------------------------------------------------------------

QJsonObject stepToJson(const ReplayStep& step) {
    QJsonObject o;
    o[u"opcode"] = session::replayOpcodeName(step.opcode);
    if (step.opcode == kClose) {
        o[u"close_code"] = step.closeCode ? QJsonValue(int(*step.closeCode)) : QJsonValue();
    }
    o[u"payload_b64"] = QString::fromLatin1(step.payload.toBase64());
    o[u"fragments"] = step.fragments;
    if (!step.frameSizes.empty()) {
        QJsonArray sizes;
        for (const std::uint64_t size : step.frameSizes) {
            sizes.append(double(size));
        }
        o[u"frame_sizes"] = sizes;
    }
    o[u"offset_ns"] = double(step.offsetNs);
    o[u"answers_before"] = step.answersBefore;
    return o;
}

// A whole number in [min, max] from a JSON number.
bool readInteger(const QJsonValue& v, double min, double max, double& out) {
    if (!v.isDouble()) {
        return false;
    }
    const double d = v.toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || d < min || d > max) {
        return false;
    }
    out = d;
    return true;
}

QString typeName(const QJsonValue& v) {
    switch (v.type()) {
        case QJsonValue::Null:
            return QStringLiteral("null");
        case QJsonValue::Bool:
            return QStringLiteral("a boolean");
        case QJsonValue::Double:
            return QStringLiteral("a number");
        case QJsonValue::String:
            return QStringLiteral("a string");
        case QJsonValue::Array:
            return QStringLiteral("an array");
        case QJsonValue::Object:
            return QStringLiteral("an object");
        case QJsonValue::Undefined:
            break;
    }
    return QStringLiteral("missing");
}

// "frame_sizes" of a step whose opcode, payload and fragments are read already.
bool frameSizesFromJson(const QJsonValue& value, const QString& where, bool fragmentsGiven,
                        ReplayStep& step, QString* error) {
    const QString field = where + QStringLiteral(".frame_sizes");
    if (!value.isArray()) {
        return setError(error, QStringLiteral("%1: expected an array of whole numbers, got %2")
                                   .arg(field, typeName(value)));
    }
    if (step.opcode != kText && step.opcode != kBinary) {
        return setError(error, QStringLiteral("%1: only a text or binary message has frame "
                                              "sizes (opcode is %2)")
                                   .arg(field, session::replayOpcodeName(step.opcode)));
    }
    const QJsonArray array = value.toArray();
    if (array.isEmpty() || std::size_t(array.size()) > session::kMaxReplayFrameSizes) {
        return setError(error, QStringLiteral("%1: %2 entries, expected 1 to %3")
                                   .arg(field)
                                   .arg(array.size())
                                   .arg(session::kMaxReplayFrameSizes));
    }
    if (fragmentsGiven && array.size() != step.fragments) {
        return setError(error, QStringLiteral("%1: %2 entries, but fragments is %3")
                                   .arg(field)
                                   .arg(array.size())
                                   .arg(step.fragments));
    }
    // Each at most kMaxPayload: 65536 of them add up without overflow.
    std::uint64_t sum = 0;
    std::vector<std::uint64_t> sizes;
    sizes.reserve(std::size_t(array.size()));
    for (qsizetype i = 0; i < array.size(); ++i) {
        double number = 0;
        if (!readInteger(array[i], 0, double(kMaxPayload), number)) {
            return setError(error, QStringLiteral("%1[%2]: expected a whole number from 0 to %3")
                                       .arg(field)
                                       .arg(i)
                                       .arg(kMaxPayload));
        }
        sizes.push_back(std::uint64_t(number));
        sum += sizes.back();
    }
    if (sum != std::uint64_t(step.payload.size())) {
        return setError(error, QStringLiteral("%1: add up to %2 bytes, the payload has %3")
                                   .arg(field)
                                   .arg(sum)
                                   .arg(step.payload.size()));
    }
    step.frameSizes = std::move(sizes);
    step.fragments = int(step.frameSizes.size());
    return true;
}

bool stepFromJson(const QJsonValue& value, const QString& where, ReplayStep& step, QString* error) {
    if (!value.isObject()) {
        return setError(
            error, QStringLiteral("%1: expected an object, got %2").arg(where, typeName(value)));
    }
    const QJsonObject o = value.toObject();
    const QJsonValue opcode = o[u"opcode"];
    if (!opcode.isString()) {
        return setError(error, QStringLiteral("%1.opcode: expected a string (text, binary, close, "
                                              "ping or pong), got %2")
                                   .arg(where, typeName(opcode)));
    }
    const auto code = session::replayOpcodeFromName(opcode.toString());
    if (!code) {
        return setError(error,
                        QStringLiteral("%1.opcode: unknown opcode \"%2\" (text, binary, close, "
                                       "ping or pong)")
                            .arg(where, opcode.toString()));
    }
    step.opcode = *code;
    if (o.contains(u"payload_b64")) {
        const QJsonValue payload = o[u"payload_b64"];
        if (!payload.isString()) {
            return setError(error,
                            QStringLiteral("%1.payload_b64: expected a base64 string, got %2")
                                .arg(where, typeName(payload)));
        }
        auto decoded = QByteArray::fromBase64Encoding(payload.toString().toLatin1(),
                                                      QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded || payload.toString().size() % 4 != 0) {
            return setError(error, QStringLiteral("%1.payload_b64: not valid base64").arg(where));
        }
        step.payload = *decoded;
    }
    double number = 0;
    if (o.contains(u"fragments")) {
        if (!readInteger(o[u"fragments"], 1, kMaxFragments, number)) {
            return setError(error, QStringLiteral("%1.fragments: expected a whole number from 1 "
                                                  "to %2")
                                       .arg(where)
                                       .arg(kMaxFragments));
        }
        step.fragments = int(number);
    }
    if (o.contains(u"offset_ns")) {
        // Doubles hold whole nanoseconds exactly up to 2^53 (104 days).
        if (!readInteger(o[u"offset_ns"], -9007199254740992.0, 9007199254740992.0, number)) {
            return setError(
                error,
                QStringLiteral("%1.offset_ns: expected a whole number of nanoseconds").arg(where));
        }
        step.offsetNs = qint64(number);
    }
    if (o.contains(u"answers_before")) {
        if (!readInteger(o[u"answers_before"], 0, 2147483647.0, number)) {
            return setError(error, QStringLiteral("%1.answers_before: expected a whole number "
                                                  "of at least 0")
                                       .arg(where));
        }
        step.answersBefore = int(number);
    }
    if (o.contains(u"frame_sizes") &&
        !frameSizesFromJson(o[u"frame_sizes"], where, o.contains(u"fragments"), step, error)) {
        return false;
    }
    if (o.contains(u"close_code")) {
        if (step.opcode != kClose) {
            return setError(error, QStringLiteral("%1.close_code: only a close has a close code "
                                                  "(opcode is %2)")
                                       .arg(where, opcode.toString()));
        }
        const QJsonValue c = o[u"close_code"];
        if (!c.isNull()) {
            if (!readInteger(c, 0, 65535, number)) {
                return setError(error, QStringLiteral("%1.close_code: expected null or a whole "
                                                      "number from 0 to 65535")
                                           .arg(where));
            }
            step.closeCode = std::uint16_t(number);
        }
    }
    return true;
}

bool stepsFromJson(const QJsonObject& root, const char16_t* key, std::vector<ReplayStep>& steps,
                   QString* error) {
    if (!root.contains(key)) {
        return true;
    }
    const QJsonValue list = root[key];
    const QString name = QString::fromUtf16(key);
    if (!list.isArray()) {
        return setError(error,
                        QStringLiteral("%1: expected an array, got %2").arg(name, typeName(list)));
    }
    const QJsonArray array = list.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        ReplayStep step;
        if (!stepFromJson(array[i], QStringLiteral("%1[%2]").arg(name).arg(i), step, error)) {
            return false;
        }
        steps.push_back(std::move(step));
    }
    return true;
}

bool stringField(const QJsonObject& root, const char16_t* key, QString& out, QString* error) {
    if (!root.contains(key)) {
        return true;
    }
    const QJsonValue v = root[key];
    if (!v.isString()) {
        return setError(error, QStringLiteral("%1: expected a string, got %2")
                                   .arg(QString::fromUtf16(key), typeName(v)));
    }
    out = v.toString();
    return true;
}

}  // namespace

std::optional<ReplayScript> replayScriptFromCapture(const CaptureDocument& document,
                                                    std::uint32_t connection, QString* error) {
    const CaptureIndex& index = document.index();
    const ConnectionRecord* record = index.connection(connection);
    if (!record) {
        setError(error, index.connections().empty()
                            ? QStringLiteral("connection %1 is not in this capture (it has no "
                                             "connections)")
                                  .arg(connection)
                            : QStringLiteral("connection %1 is not in this capture (it has "
                                             "connections %2 to %3)")
                                  .arg(connection)
                                  .arg(index.connections().begin()->first)
                                  .arg(index.connections().rbegin()->first));
        return std::nullopt;
    }
    if (!record->handshake) {
        setError(error, QStringLiteral("connection %1 carries no WebSocket (no upgrade "
                                       "handshake was seen)")
                            .arg(connection));
        return std::nullopt;
    }
    const dissector::HandshakeEvent handshake = record->handshake->event();
    if (!handshake.detectedWithoutHandshake && handshake.status != 101) {
        setError(error, QStringLiteral("connection %1 carries no WebSocket: the server answered "
                                       "the upgrade request with HTTP %2")
                            .arg(connection)
                            .arg(handshake.status));
        return std::nullopt;
    }

    // A frame that belongs to no message: its message could not be put together
    // (bytes missing from the capture), so the script would silently lack it.
    std::uint64_t frameNumbers[2] = {0, 0};
    for (RowId row = 0; row < index.frameCount(); ++row) {
        const FrameRecord f = index.frame(row);
        if (f.conn != connection) {
            continue;
        }
        const std::uint64_t number = ++frameNumbers[f.fromServer() ? 1 : 0];
        if (f.message == kNoRow) {
            setError(error,
                     QStringLiteral("%1 frame %2 (%3, %4 bytes, packet %5) belongs to no "
                                    "complete message: its payload is not in the capture "
                                    "(a truncated capture, or a snap length cut it)")
                         .arg(f.fromServer() ? QStringLiteral("server") : QStringLiteral("client"))
                         .arg(number)
                         .arg(f.opcode == 0 ? QStringLiteral("continuation")
                                            : session::replayOpcodeName(f.opcode))
                         .arg(f.payloadLength)
                         .arg(index.framePacket(row)));
            return std::nullopt;
        }
    }

    ReplayScript script;
    readRequest(handshake, script);
    if (script.host.isEmpty()) {
        script.host = fromStd(record->server.toString());
    }
    std::optional<std::int64_t> originNs;
    std::uint64_t clientNumber = 0, serverNumber = 0;
    for (RowId row = 0; row < index.messageCount(); ++row) {
        const MessageRecord m = index.message(row);
        if (m.conn != connection) {
            continue;
        }
        const bool fromServer = m.fromServer();
        const std::uint64_t number = fromServer ? ++serverNumber : ++clientNumber;
        const auto name = [&] {
            return messageName(fromServer, number, m, index.messagePacket(row));
        };
        if (m.length > kMaxPayload) {
            setError(error, QStringLiteral("%1 is too large to replay (at most %2 MiB)")
                                .arg(name())
                                .arg(kMaxPayload >> 20));
            return std::nullopt;
        }
        const MessageBytes bytes = document.messageBytes(row, std::size_t(m.length));
        if (!bytes.complete || (m.flags & message_flag::Truncated)) {
            setError(error, QStringLiteral("%1: its payload is not in the capture (a truncated "
                                           "capture, or a snap length cut it)")
                                .arg(name()));
            return std::nullopt;
        }
        ReplayStep step;
        step.opcode = m.opcode;
        step.fragments = int(std::max<std::uint32_t>(1, m.frames));
        // A compressed message keeps its count only: a new compressor's output
        // differs from the recorded one, so the recorded wire sizes cannot be reproduced.
        if (!(m.flags & message_flag::Compressed)) {
            step.frameSizes = recordedFrameSizes(index, row, m);
        }
        QByteArray payload(reinterpret_cast<const char*>(bytes.payload.data()),
                           qsizetype(bytes.payload.size()));
        if (m.opcode == kClose) {
            // The body is the code (two bytes) and the reason; a 1-byte body has neither.
            if (payload.size() >= 2) {
                step.closeCode =
                    std::uint16_t(std::uint8_t(payload[0]) << 8 | std::uint8_t(payload[1]));
                payload.remove(0, 2);
            } else {
                payload.clear();
            }
        }
        step.payload = std::move(payload);
        const std::int64_t startNs =
            m.firstFrame != kNoRow ? index.frame(m.firstFrame).tsNs : m.tsNs;
        step.offsetNs = startNs;  // made relative below, once the origin is known
        if (!fromServer && !originNs) {
            originNs = startNs;
        }
        if (fromServer) {
            step.answersBefore = int(script.recordedAnswers.size());
            script.recordedAnswers.push_back(std::move(step));
        } else {
            step.answersBefore = int(script.recordedAnswers.size());
            script.steps.push_back(std::move(step));
        }
    }
    // With no client message, answers count from the handshake.
    const std::int64_t origin = originNs.value_or(toNanoseconds(handshake.ts));
    for (ReplayStep& step : script.steps) {
        step.offsetNs -= origin;
    }
    for (ReplayStep& answer : script.recordedAnswers) {
        answer.offsetNs -= origin;
    }
    return script;
}

QByteArray toJson(const ReplayScript& script) {
    QJsonObject root;
    root[u"format"] = QLatin1String(kFormat);
    root[u"version"] = kVersion;
    root[u"target"] = script.target;
    root[u"host"] = script.host;
    root[u"subprotocols"] = QJsonArray::fromStringList(script.subprotocols);
    root[u"extensions"] = script.extensions;
    QJsonArray headers;
    for (const auto& [name, value] : script.headers) {
        headers.append(
            QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("value"), value}});
    }
    root[u"headers"] = headers;
    QJsonArray steps;
    for (const ReplayStep& step : script.steps) {
        steps.append(stepToJson(step));
    }
    root[u"steps"] = steps;
    QJsonArray answers;
    for (const ReplayStep& answer : script.recordedAnswers) {
        answers.append(stepToJson(answer));
    }
    root[u"recorded_answers"] = answers;
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::optional<ReplayScript> replayScriptFromJson(const QByteArray& json, QString* error) {
    QJsonParseError parse;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parse);
    if (parse.error != QJsonParseError::NoError) {
        setError(
            error,
            QStringLiteral("not JSON: %1 at byte %2").arg(parse.errorString()).arg(parse.offset));
        return std::nullopt;
    }
    if (!document.isObject()) {
        setError(error, QStringLiteral("not a Sockscope replay script: the top level is not an "
                                       "object"));
        return std::nullopt;
    }
    const QJsonObject root = document.object();
    if (root[u"format"].toString() != QLatin1String(kFormat)) {
        setError(error, QStringLiteral("not a Sockscope replay script: \"format\" is not \"%1\"")
                            .arg(QLatin1String(kFormat)));
        return std::nullopt;
    }
    double version = 0;
    if (!readInteger(root[u"version"], 1, 1e9, version)) {
        setError(error, QStringLiteral("version: expected a whole number from 1, got %1")
                            .arg(typeName(root[u"version"])));
        return std::nullopt;
    }
    if (version > kVersion) {
        setError(error, QStringLiteral("version: %1 is newer than this Sockscope reads (%2)")
                            .arg(version)
                            .arg(kVersion));
        return std::nullopt;
    }
    ReplayScript script;
    if (!stringField(root, u"target", script.target, error) ||
        !stringField(root, u"host", script.host, error) ||
        !stringField(root, u"extensions", script.extensions, error)) {
        return std::nullopt;
    }
    if (script.target.isEmpty()) {
        script.target = QStringLiteral("/");
    }
    if (root.contains(u"subprotocols")) {
        const QJsonValue list = root[u"subprotocols"];
        if (!list.isArray()) {
            setError(error, QStringLiteral("subprotocols: expected an array of strings, got %1")
                                .arg(typeName(list)));
            return std::nullopt;
        }
        const QJsonArray array = list.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (!array[i].isString()) {
                setError(error, QStringLiteral("subprotocols[%1]: expected a string, got %2")
                                    .arg(i)
                                    .arg(typeName(array[i])));
                return std::nullopt;
            }
            script.subprotocols << array[i].toString();
        }
    }
    if (root.contains(u"headers")) {
        const QJsonValue list = root[u"headers"];
        if (!list.isArray()) {
            setError(error,
                     QStringLiteral("headers: expected an array, got %1").arg(typeName(list)));
            return std::nullopt;
        }
        const QJsonArray array = list.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QJsonObject header = array[i].toObject();
            if (!array[i].isObject() || !header[u"name"].isString() ||
                header[u"name"].toString().isEmpty() || !header[u"value"].isString()) {
                setError(error, QStringLiteral("headers[%1]: expected {\"name\": a non-empty "
                                               "string, \"value\": a string}")
                                    .arg(i));
                return std::nullopt;
            }
            script.headers.emplace_back(header[u"name"].toString(), header[u"value"].toString());
        }
    }
    if (!stepsFromJson(root, u"steps", script.steps, error) ||
        !stepsFromJson(root, u"recorded_answers", script.recordedAnswers, error)) {
        return std::nullopt;
    }
    return script;
}

bool saveReplayScript(const ReplayScript& script, const QString& path, QString* error) {
    const QByteArray json = toJson(script);
    // What could not be loaded again is not written.
    if (json.size() > kMaxScriptFile) {
        return setError(error, QStringLiteral("cannot write %1: the script is %2 bytes as JSON, "
                                              "over the %3 MiB a replay script may have")
                                   .arg(path)
                                   .arg(json.size())
                                   .arg(kMaxScriptFile >> 20));
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return setError(error, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    }
    if (file.write(json) != json.size() || !file.commit()) {
        return setError(error, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    }
    return true;
}

std::optional<ReplayScript> loadReplayScript(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        setError(error, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
        return std::nullopt;
    }
    // Read in chunks up to the cap: size() is 0 for a pipe or a device, and a
    // file may grow while it is read.
    QByteArray json;
    if (file.size() <= kMaxScriptFile) {
        constexpr qint64 kChunk = 1 << 20;
        while (json.size() <= kMaxScriptFile) {
            const QByteArray chunk = file.read(kChunk);
            if (chunk.isEmpty()) {
                break;
            }
            json.append(chunk);
        }
        if (file.error() != QFileDevice::NoError) {
            setError(error, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
            return std::nullopt;
        }
    }
    if (file.size() > kMaxScriptFile || json.size() > kMaxScriptFile) {
        setError(error, QStringLiteral("%1 is too large for a replay script (over %2 MiB)")
                            .arg(path)
                            .arg(kMaxScriptFile >> 20));
        return std::nullopt;
    }
    QString why;
    auto script = replayScriptFromJson(json, &why);
    if (!script) {
        setError(error, QStringLiteral("%1: %2").arg(path, why));
    }
    return script;
}

}  // namespace sockscope::ui
