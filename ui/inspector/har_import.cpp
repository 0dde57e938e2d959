#include "inspector/har_import.h"

#include <sockscope/dissector/conversation_writer.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

namespace sockscope::ui {
namespace {

using namespace Qt::StringLiterals;
using Headers = std::vector<std::pair<std::string, std::string>>;

QString tr(const char* text) {
    return QCoreApplication::translate("HarImport", text);
}

// Times after the year 9999 are not dates a browser wrote.
constexpr double kMaxSeconds = 253402300800.0;
constexpr int kFirstClientPort = 50000;
constexpr int kClientPorts = 65536 - kFirstClientPort;

struct HarMessage {
    bool fromServer = false;
    std::uint8_t opcode = 1;
    std::int64_t us = 0;
    qsizetype index = 0;  // in the entry's _webSocketMessages
};

struct HarConnection {
    std::string request;   // the upgrade request's head, CRLF CRLF included
    std::string response;  // the 101's head
    dissector::SocketAddress server;
    std::int64_t startUs = 0;
    std::int64_t responseUs = 0;
    std::int64_t endUs = 0;
    QJsonArray messageValues;  // shared with the document: the payloads are read when written
    std::vector<HarMessage> messages;
};

std::optional<std::int64_t> microseconds(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxSeconds)
        return std::nullopt;
    return std::llround(seconds * 1e6);
}

dissector::Timestamp timestamp(std::int64_t us) {
    return {us / 1000000, static_cast<std::uint32_t>(us % 1000000) * 1000};
}

// RFC 9110 §5.6.2 token characters.
bool isToken(const QString& s) {
    if (s.isEmpty())
        return false;
    for (const QChar c : s) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                        (u >= '0' && u <= '9') || QStringView(u"!#$%&'*+-.^_`|~").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

// What a header line may not hold (RFC 9110 §5.5): line breaks and other controls but tab.
bool hasControl(const QString& s) {
    return std::any_of(s.begin(), s.end(), [](QChar c) {
        return (c.unicode() < 0x20 && c.unicode() != '\t') || c.unicode() == 0x7F;
    });
}

bool hasHeader(const Headers& headers, const char* name) {
    return std::any_of(headers.begin(), headers.end(), [name](const auto& h) {
        return QString::fromStdString(h.first).compare(QLatin1String(name), Qt::CaseInsensitive) ==
               0;
    });
}

// Reads one entry's fields; every type is checked and an error names the field.
class EntryReader {
public:
    EntryReader(qsizetype index, QString& error) : index_(index), error_(error) {}

    bool fail(const QString& what) {
        error_ = tr("entry %1: %2").arg(index_).arg(what);
        return false;
    }

    // `key` of `o` (whose path is `path`) with the JSON type `type`. Absent
    // (or null) is an error when `required`, else nullopt with no error.
    std::optional<QJsonValue> get(const QJsonObject& o, const QString& path, QLatin1StringView key,
                                  QJsonValue::Type type, bool required, bool& ok) {
        const QString field = path.isEmpty() ? QString(key) : path + u'.' + key;
        const QJsonValue v = o.value(key);
        if (v.isUndefined() || v.isNull()) {
            ok = !required || fail(tr("%1 is missing").arg(field));
            return std::nullopt;
        }
        if (v.type() != type) {
            ok = fail(field + u' ' + typeProblem(type));
            return std::nullopt;
        }
        ok = true;
        return v;
    }

    bool headers(const QJsonObject& parent, const QString& path, Headers& out) {
        bool ok = true;
        const auto list = get(parent, path, "headers"_L1, QJsonValue::Array, false, ok);
        if (!list)
            return ok;
        const QJsonArray array = list->toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QString at = u"%1.headers[%2]"_s.arg(path).arg(i);
            if (!array[i].isObject())
                return fail(tr("%1 is not an object").arg(at));
            const QJsonObject h = array[i].toObject();
            const auto name = get(h, at, "name"_L1, QJsonValue::String, true, ok);
            if (!ok)
                return false;
            const auto value = get(h, at, "value"_L1, QJsonValue::String, true, ok);
            if (!ok)
                return false;
            const QString n = name->toString();
            const QString v = value->toString();
            // HTTP/2's pseudo-headers (":authority") are no lines of an HTTP/1.1 head.
            if (n.startsWith(u':'))
                continue;
            if (!isToken(n))
                return fail(tr("%1.name is not a header name").arg(at));
            if (hasControl(v))
                return fail(tr("%1.value holds a line break or another control character").arg(at));
            out.emplace_back(n.toStdString(), v.toStdString());
        }
        return true;
    }

private:
    static QString typeProblem(QJsonValue::Type type) {
        switch (type) {
            case QJsonValue::String:
                return tr("is not a string");
            case QJsonValue::Double:
                return tr("is not a number");
            case QJsonValue::Array:
                return tr("is not an array");
            case QJsonValue::Object:
                return tr("is not an object");
            default:
                return tr("has the wrong type");
        }
    }

    qsizetype index_;
    QString& error_;
};

QString httpVersion(const std::optional<QJsonValue>& v) {
    const QString s = v ? v->toString() : QString();
    // WebSocket over HTTP/2 (RFC 8441) has no 101: the capture shows it as HTTP/1.1.
    return s == u"HTTP/1.0"_s || s == u"HTTP/1.1"_s ? s : u"HTTP/1.1"_s;
}

std::string head(const QString& startLine, const Headers& headers) {
    std::string out = startLine.toStdString() + "\r\n";
    for (const auto& [name, value] : headers)
        out += name + ": " + value + "\r\n";
    return out + "\r\n";
}

dissector::SocketAddress socketAddress(const QHostAddress& a, std::uint16_t port) {
    dissector::SocketAddress s;
    s.port = port;
    if (a.protocol() == QAbstractSocket::IPv4Protocol) {
        const quint32 v4 = a.toIPv4Address();
        for (int i = 0; i < 4; ++i)
            s.ip[std::size_t(i)] = static_cast<std::uint8_t>(v4 >> (24 - 8 * i));
    } else {
        s.v6 = true;
        const Q_IPV6ADDR v6 = a.toIPv6Address();
        std::copy(v6.c, v6.c + 16, s.ip.begin());
    }
    return s;
}

// The HAR records no client address: a documentation one (RFC 5737, RFC 3849) per connection.
dissector::SocketAddress clientAddress(std::size_t n, bool v6) {
    const QHostAddress base(v6 ? u"2001:db8:5c::1"_s : u"192.0.2.1"_s);
    dissector::SocketAddress a = socketAddress(base, 0);
    a.port = static_cast<std::uint16_t>(kFirstClientPort + n % kClientPorts);
    a.ip[v6 ? 15 : 3] = static_cast<std::uint8_t>(1 + n / kClientPorts % 254);
    return a;
}

// The upgrade request's head from request.{method, url, httpVersion, headers}.
bool readRequest(EntryReader& r, const QJsonObject& entry, QUrl& url, std::string& out) {
    bool ok = true;
    const auto request = r.get(entry, {}, "request"_L1, QJsonValue::Object, true, ok);
    if (!ok)
        return false;
    const QJsonObject req = request->toObject();
    const auto urlText = r.get(req, u"request"_s, "url"_L1, QJsonValue::String, true, ok);
    if (!ok)
        return false;
    url = QUrl(urlText->toString(), QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty() ||
        !(scheme == u"ws"_s || scheme == u"wss"_s || scheme == u"http"_s || scheme == u"https"_s))
        return r.fail(tr("request.url is not a ws:// or wss:// URL"));
    const auto method = r.get(req, u"request"_s, "method"_L1, QJsonValue::String, false, ok);
    if (!ok)
        return false;
    if (method && !isToken(method->toString()))
        return r.fail(tr("request.method is not an HTTP method"));
    const auto version = r.get(req, u"request"_s, "httpVersion"_L1, QJsonValue::String, false, ok);
    Headers headers;
    if (!ok || !r.headers(req, u"request"_s, headers))
        return false;
    // DevTools shows "provisional headers" when it missed the real ones; the
    // upgrade is not recognised without these.
    if (!hasHeader(headers, "Host")) {
        QString host = url.host(QUrl::FullyEncoded);
        if (host.contains(u':'))
            host = u'[' + host + u']';
        if (url.port() != -1)
            host += u':' + QString::number(url.port());
        headers.insert(headers.begin(), {"Host", host.toStdString()});
    }
    if (!hasHeader(headers, "Upgrade"))
        headers.emplace_back("Upgrade", "websocket");
    if (!hasHeader(headers, "Connection"))
        headers.emplace_back("Connection", "Upgrade");
    QString target = url.path(QUrl::FullyEncoded);
    if (target.isEmpty())
        target = u"/"_s;
    if (url.hasQuery())
        target += u'?' + url.query(QUrl::FullyEncoded);
    out =
        head((method ? method->toString() : u"GET"_s) + u' ' + target + u' ' + httpVersion(version),
             headers);
    return true;
}

// The 101's head from response.{statusText, httpVersion, headers}. A
// connection that carried messages was switched, whatever status DevTools kept.
bool readResponse(EntryReader& r, const QJsonObject& entry, bool switched, std::string& out) {
    bool ok = true;
    const auto response = r.get(entry, {}, "response"_L1, QJsonValue::Object, false, ok);
    if (!ok)
        return false;
    const QJsonObject res = response ? response->toObject() : QJsonObject();
    const auto text = r.get(res, u"response"_s, "statusText"_L1, QJsonValue::String, false, ok);
    if (!ok)
        return false;
    QString statusText = u"Switching Protocols"_s;
    if (switched && text && !text->toString().isEmpty()) {
        if (hasControl(text->toString()))
            return r.fail(
                tr("response.statusText holds a line break or another control character"));
        statusText = text->toString();
    }
    const auto version = r.get(res, u"response"_s, "httpVersion"_L1, QJsonValue::String, false, ok);
    Headers headers;
    if (!ok || !r.headers(res, u"response"_s, headers))
        return false;
    out = head(httpVersion(version) + u" 101 "_s + statusText, headers);
    return true;
}

// serverIPAddress and the URL's port.
bool readServer(EntryReader& r, const QJsonObject& entry, const QUrl& url,
                dissector::SocketAddress& out) {
    bool ok = true;
    const auto ip = r.get(entry, {}, "serverIPAddress"_L1, QJsonValue::String, false, ok);
    if (!ok)
        return false;
    QString text = ip ? ip->toString() : QString();
    // Chrome keeps an IPv6 address's brackets ("[2001:db8::2]"), Firefox does not.
    if (text.startsWith(u'[') && text.endsWith(u']'))
        text = text.mid(1, text.size() - 2);
    QHostAddress address;
    if (!text.isEmpty() && !address.setAddress(text))
        return r.fail(tr("serverIPAddress is not an IP address"));
    if (text.isEmpty() && !address.setAddress(url.host()))
        address.setAddress(u"203.0.113.1"_s);  // RFC 5737 TEST-NET-3: the host was a name
    const QString scheme = url.scheme().toLower();
    const bool secure = scheme == u"wss"_s || scheme == u"https"_s;
    out = socketAddress(address, static_cast<std::uint16_t>(url.port(secure ? 443 : 80)));
    return true;
}

// Every message checked (base64 decoded to see that it decodes); the
// payloads themselves are read again when they are written.
bool readMessages(EntryReader& r, const QJsonArray& list, std::vector<HarMessage>& out) {
    bool ok = true;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString at = u"_webSocketMessages[%1]"_s.arg(i);
        if (!list[i].isObject())
            return r.fail(tr("%1 is not an object").arg(at));
        const QJsonObject m = list[i].toObject();
        const auto type = r.get(m, at, "type"_L1, QJsonValue::String, true, ok);
        if (!ok)
            return false;
        if (type->toString() == u"error"_s)
            continue;  // Chrome's note of a failed frame: nothing was sent
        if (type->toString() != u"send"_s && type->toString() != u"receive"_s)
            return r.fail(tr("%1.type is not \"send\" or \"receive\"").arg(at));
        const auto time = r.get(m, at, "time"_L1, QJsonValue::Double, true, ok);
        if (!ok)
            return false;
        const std::optional<std::int64_t> us = microseconds(time->toDouble());
        if (!us)
            return r.fail(tr("%1.time is not a time in seconds since 1970").arg(at));
        const auto opcode = r.get(m, at, "opcode"_L1, QJsonValue::Double, true, ok);
        if (!ok)
            return false;
        const double op = opcode->toDouble();
        if (op != 1 && op != 2)
            return r.fail(tr("%1.opcode is not 1 or 2").arg(at));
        const auto data = r.get(m, at, "data"_L1, QJsonValue::String, true, ok);
        if (!ok)
            return false;
        if (op == 2 && !QByteArray::fromBase64Encoding(data->toString().toLatin1(),
                                                       QByteArray::AbortOnBase64DecodingErrors))
            return r.fail(tr("%1.data is not base64").arg(at));
        out.push_back({type->toString() == u"receive"_s, static_cast<std::uint8_t>(op), *us, i});
    }
    return true;
}

// When the connection opened (startedDateTime), was switched (+ time ms) and ended.
bool readTimes(EntryReader& r, const QJsonObject& entry, HarConnection& c) {
    std::int64_t firstUs = c.messages.front().us;
    std::int64_t lastUs = firstUs;
    for (const HarMessage& m : c.messages) {
        firstUs = std::min(firstUs, m.us);
        lastUs = std::max(lastUs, m.us);
    }
    bool ok = true;
    const auto started = r.get(entry, {}, "startedDateTime"_L1, QJsonValue::String, false, ok);
    if (!ok)
        return false;
    c.startUs = firstUs;
    if (started) {
        const QDateTime when = QDateTime::fromString(started->toString(), Qt::ISODateWithMs);
        if (!when.isValid() || when.toMSecsSinceEpoch() < 0)
            return r.fail(tr("startedDateTime is not an ISO 8601 date and time"));
        // A clock that disagrees with the messages' must not put the SYN after them.
        c.startUs = std::min<std::int64_t>(c.startUs, when.toMSecsSinceEpoch() * 1000);
    }
    const auto duration = r.get(entry, {}, "time"_L1, QJsonValue::Double, false, ok);
    if (!ok)
        return false;
    const double ms = duration ? duration->toDouble() : 0;
    const std::int64_t waitUs =
        std::isfinite(ms) && ms > 0 && ms < 1e12 ? std::llround(ms * 1000) : 0;
    c.responseUs = std::clamp(c.startUs + waitUs, c.startUs, firstUs);
    c.endUs = std::max(lastUs, c.responseUs);
    return true;
}

enum class Kind { NotWebSocket, WithoutMessages, WebSocket, Error };

// One entry: whether it is a WebSocket connection with messages, and if so what to write.
Kind readEntry(const QJsonObject& entry, qsizetype index, HarConnection& c, QString& error) {
    const QJsonValue response = entry.value("response"_L1);
    const bool switched =
        response.isObject() && response.toObject().value("status"_L1).toDouble() == 101;
    if (!switched && entry.value("_resourceType"_L1).toString() != u"websocket"_s)
        return Kind::NotWebSocket;
    EntryReader r(index, error);
    bool ok = true;
    const auto messages = r.get(entry, {}, "_webSocketMessages"_L1, QJsonValue::Array, false, ok);
    if (!ok)
        return Kind::Error;
    if (!messages || messages->toArray().isEmpty())
        return Kind::WithoutMessages;
    c.messageValues = messages->toArray();
    QUrl url;
    if (!readRequest(r, entry, url, c.request) || !readResponse(r, entry, switched, c.response) ||
        !readServer(r, entry, url, c.server) || !readMessages(r, c.messageValues, c.messages))
        return Kind::Error;
    if (c.messages.empty())
        return Kind::WithoutMessages;
    return readTimes(r, entry, c) ? Kind::WebSocket : Kind::Error;
}

// Writes the connections interleaved in time; each one's own order stays as in the HAR.
bool writeCapture(const std::vector<HarConnection>& connections, const QString& harPath,
                  const QString& pcapngPath, QString& error) {
    dissector::ConversationWriterOptions options;
    options.interfaceName = "har";
    options.interfaceDescription = "imported from " + QFileInfo(harPath).fileName().toStdString();
    std::string why;
    auto writer = dissector::ConversationWriter::create(QFile::encodeName(pcapngPath).toStdString(),
                                                        why, options);
    if (!writer) {
        error = QString::fromStdString(why);
        return false;
    }
    // Steps of connection c: 0 open, 1 request, 2 response, 3.. messages, then the close.
    const auto stepTime = [&](std::size_t c, std::size_t step) {
        const HarConnection& h = connections[c];
        if (step < 2)
            return h.startUs;
        if (step == 2)
            return h.responseUs;
        return step - 3 < h.messages.size() ? h.messages[step - 3].us : h.endUs;
    };
    using Head = std::pair<std::int64_t, std::size_t>;  // (time, connection): earliest first
    std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
    std::vector<std::size_t> next(connections.size(), 0);
    for (std::size_t c = 0; c < connections.size(); ++c)
        heads.push({stepTime(c, 0), c});
    bool ok = true;
    while (ok && !heads.empty()) {
        const auto [us, c] = heads.top();
        heads.pop();
        const HarConnection& h = connections[c];
        const std::size_t step = next[c]++;
        const auto id = static_cast<std::uint32_t>(c);
        const dissector::Timestamp ts = timestamp(us);
        using dissector::Direction;
        if (step == 0) {
            ok = writer->open(clientAddress(c, h.server.v6), h.server, ts) == id;
        } else if (step == 1 || step == 2) {
            const std::string& text = step == 1 ? h.request : h.response;
            ok = writer->send(
                id, step == 1 ? Direction::Client : Direction::Server,
                std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), ts);
        } else if (step - 3 < h.messages.size()) {
            const HarMessage& m = h.messages[step - 3];
            const QString data = h.messageValues[m.index].toObject().value("data"_L1).toString();
            const QByteArray payload =
                m.opcode == 1 ? data.toUtf8() : QByteArray::fromBase64(data.toLatin1());
            ok = writer->sendFrame(id, m.fromServer ? Direction::Server : Direction::Client,
                                   m.opcode,
                                   std::span(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                             std::size_t(payload.size())),
                                   ts);
        } else {
            // RFC 6455 §7.1.1: the server closes the TCP connection first.
            ok = writer->close(id, Direction::Server, ts);
            continue;
        }
        heads.push({stepTime(c, next[c]), c});
    }
    ok = writer->finish() && ok;
    if (!ok) {
        error = pcapngPath + u": "_s + QString::fromStdString(writer->error());
        writer.reset();
        QFile::remove(pcapngPath);
    }
    return ok;
}

}  // namespace

bool importHar(const QString& harPath, const QString& pcapngPath, QString& error) {
    QFile file(harPath);
    if (!file.open(QIODevice::ReadOnly)) {
        error = tr("cannot open %1: %2").arg(harPath, file.errorString());
        return false;
    }
    if (file.size() > kMaxHarBytes) {
        error =
            tr("%1 is %2 bytes: HAR files over 1 GiB are not opened").arg(harPath).arg(file.size());
        return false;
    }
    const QByteArray bytes = file.readAll();
    if (bytes.size() != file.size()) {
        error = tr("cannot read %1: %2").arg(harPath, file.errorString());
        return false;
    }
    QJsonParseError parse;
    const QJsonDocument document = QJsonDocument::fromJson(bytes, &parse);
    if (parse.error != QJsonParseError::NoError) {
        error =
            tr("%1 is not JSON: %2 at byte %3").arg(harPath, parse.errorString()).arg(parse.offset);
        return false;
    }
    const QJsonValue log = document.object().value("log"_L1);
    if (!document.isObject() || !log.isObject()) {
        error = tr("%1 is not a HAR file: it has no log object").arg(harPath);
        return false;
    }
    const QJsonValue entries = log.toObject().value("entries"_L1);
    if (!entries.isArray()) {
        error = tr("%1 is not a HAR file: log.entries is not an array").arg(harPath);
        return false;
    }

    std::vector<HarConnection> connections;
    qsizetype withoutMessages = 0;
    const QJsonArray list = entries.toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (!list[i].isObject()) {
            error = tr("entry %1 is not an object").arg(i);
            return false;
        }
        HarConnection c;
        const Kind kind = readEntry(list[i].toObject(), i, c, error);
        if (kind == Kind::Error)
            return false;
        if (kind == Kind::WithoutMessages)
            ++withoutMessages;
        else if (kind == Kind::WebSocket)
            connections.push_back(std::move(c));
    }
    if (connections.empty()) {
        error = withoutMessages == 0
                    ? tr("no WebSocket connections in this HAR")
                    : tr("this HAR has %1 WebSocket connections but none of their messages "
                         "(Firefox leaves them out of its HAR files; Chrome's have them)")
                          .arg(withoutMessages);
        return false;
    }
    return writeCapture(connections, harPath, pcapngPath, error);
}

}  // namespace sockscope::ui
