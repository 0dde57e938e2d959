// HAR import and export (issue 8 §2: "HAR round-trips with a DevTools-format
// file made in the tests"). A HAR written here the way Chrome DevTools writes
// one (two WebSocket connections interleaved in time, one on IPv6; text with
// non-ASCII and emoji, binary with every byte value, empty messages, a 70 KiB
// message, times to the microsecond, permessage-deflate negotiated; also an
// HTTP entry, a WebSocket entry without messages and a frame error, which are
// skipped) is imported, opened as a capture and checked message by message
// (direction, opcode, bytes, time), with a passing accept check and no
// anomaly; exported again, its messages and headers equal the original's.
// Export of what HAR cannot hold as such: decompressed and fragmented
// messages, control frames (left out), text that is not UTF-8, a connection
// without a handshake. Firefox's shape of HAR, and malformed files: each gives
// its own error.
#include <sockscope/core/handshake.h>
#include <sockscope/dissector/conversation_writer.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <functional>
#include <memory>

#include "inspector/capture_document.h"
#include "inspector/handshake_report.h"
#include "inspector/har_export.h"
#include "inspector/har_import.h"
#include "sample_capture.h"

using namespace sockscope;
using namespace sockscope::ui;
using namespace Qt::StringLiterals;

namespace {

const QString kKeyA = u"dGhlIHNhbXBsZSBub25jZQ=="_s;
const QString kKeyB = u"x3JJHMbDL1EzLkh9GBhXDw=="_s;

QString acceptFor(const QString& key) {
    return QString::fromStdString(computeWebSocketAccept(key.toStdString()));
}

QJsonArray headers(std::initializer_list<std::pair<QString, QString>> list) {
    QJsonArray out;
    for (const auto& [name, value] : list)
        out.append(QJsonObject{{u"name"_s, name}, {u"value"_s, value}});
    return out;
}

QJsonObject message(const char* type, double time, int opcode, const QString& data) {
    return QJsonObject{{u"type"_s, QString::fromLatin1(type)},
                       {u"time"_s, time},
                       {u"opcode"_s, opcode},
                       {u"data"_s, data}};
}

QString base64(const QByteArray& bytes) {
    return QString::fromLatin1(bytes.toBase64());
}

QByteArray everyByte() {
    QByteArray b(256, 0);
    for (int i = 0; i < 256; ++i)
        b[i] = char(i);
    return b;
}

// A WebSocket entry with Chrome's fields and layout.
QJsonObject chromeEntry(const QString& started, const QString& url, const QString& ip,
                        const QJsonArray& requestHeaders, const QJsonArray& responseHeaders,
                        const QJsonArray& messages) {
    return QJsonObject{
        {u"_initiator"_s, QJsonObject{{u"type"_s, u"script"_s}}},
        {u"_priority"_s, QJsonValue()},
        {u"_resourceType"_s, u"websocket"_s},
        {u"cache"_s, QJsonObject()},
        {u"connection"_s, u"1337"_s},
        {u"pageref"_s, u"page_1"_s},
        {u"request"_s, QJsonObject{{u"method"_s, u"GET"_s},
                                   {u"url"_s, url},
                                   {u"httpVersion"_s, u"HTTP/1.1"_s},
                                   {u"headers"_s, requestHeaders},
                                   {u"queryString"_s, QJsonArray()},
                                   {u"cookies"_s, QJsonArray()},
                                   {u"headersSize"_s, 512},
                                   {u"bodySize"_s, 0}}},
        {u"response"_s,
         QJsonObject{{u"status"_s, 101},
                     {u"statusText"_s, u"Switching Protocols"_s},
                     {u"httpVersion"_s, u"HTTP/1.1"_s},
                     {u"headers"_s, responseHeaders},
                     {u"cookies"_s, QJsonArray()},
                     {u"content"_s, QJsonObject{{u"size"_s, 0}, {u"mimeType"_s, u"x-unknown"_s}}},
                     {u"redirectURL"_s, QString()},
                     {u"headersSize"_s, 129},
                     {u"bodySize"_s, 0},
                     {u"_transferSize"_s, 129},
                     {u"_error"_s, QJsonValue()}}},
        {u"serverIPAddress"_s, ip},
        {u"startedDateTime"_s, started},
        {u"time"_s, 3.417},
        {u"timings"_s, QJsonObject{{u"blocked"_s, 0.8},
                                   {u"dns"_s, -1},
                                   {u"ssl"_s, -1},
                                   {u"connect"_s, -1},
                                   {u"send"_s, 0},
                                   {u"wait"_s, 2.4},
                                   {u"receive"_s, 0.2},
                                   {u"_blocked_queueing"_s, 0.5}}},
        {u"_webSocketMessages"_s, messages},
    };
}

QByteArray harDocument(const QJsonArray& entries) {
    const QJsonObject log{
        {u"version"_s, u"1.2"_s},
        {u"creator"_s, QJsonObject{{u"name"_s, u"WebInspector"_s}, {u"version"_s, u"537.36"_s}}},
        {u"pages"_s, QJsonArray{QJsonObject{{u"id"_s, u"page_1"_s}}}},
        {u"entries"_s, entries},
    };
    return QJsonDocument(QJsonObject{{u"log"_s, log}}).toJson();
}

// What a message of the HAR must become in the capture.
struct Expected {
    std::uint32_t conn = 0;
    bool fromServer = false;
    int opcode = 1;
    QByteArray payload;
    std::int64_t us = 0;
};

struct ChromeHar {
    QJsonArray entries;              // as written, all of them
    std::vector<Expected> messages;  // in time order
};

// The DevTools-format HAR: an HTTP entry, connection A (wss, IPv4), a
// WebSocket entry without messages, connection B (ws, IPv6), interleaved.
ChromeHar chromeHar() {
    ChromeHar har;
    const QString text = u"Grüße 👋 — 世界, ça va?"_s;
    const QString large = QString(70 * 1024, u'x').replace(1000, 4, u"\u00e9t\u00e9"_s);
    const QJsonArray aMessages{
        message("send", 1715682600.512345, 1, text),
        message("receive", 1715682600.600001, 2, base64(everyByte())),
        message("send", 1715682601.000002, 1, QString()),
        message("error", 1715682601.1, -1, u"net::ERR_CONNECTION_RESET"_s),  // skipped
        message("receive", 1715682601.250999, 1, large),
        message("send", 1715682602.999999, 2, QString()),
    };
    const QJsonArray bMessages{
        message("send", 1715682600.700100, 1, u"{\"subscribe\":\"ticker\"}"_s),
        message("receive", 1715682600.800200, 1, u"{\"ok\":true}"_s),
        message("receive", 1715682601.900300, 2, base64(QByteArray("\x00\x01\xfe\xff", 4))),
    };
    const QString deflateOffer = u"permessage-deflate; client_max_window_bits"_s;
    const QString deflateAnswer = u"permessage-deflate; client_max_window_bits=15"_s;
    har.entries = QJsonArray{
        QJsonObject{{u"request"_s, QJsonObject{{u"method"_s, u"GET"_s},
                                               {u"url"_s, u"https://chat.example.test/"_s}}},
                    {u"response"_s, QJsonObject{{u"status"_s, 200}}},
                    {u"_resourceType"_s, u"document"_s}},
        chromeEntry(u"2024-05-14T10:30:00.500Z"_s, u"wss://chat.example.test/socket?room=42"_s,
                    u"203.0.113.7"_s,
                    headers({{u"Host"_s, u"chat.example.test"_s},
                             {u"Connection"_s, u"Upgrade"_s},
                             {u"Pragma"_s, u"no-cache"_s},
                             {u"Cache-Control"_s, u"no-cache"_s},
                             {u"User-Agent"_s, u"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"_s},
                             {u"Upgrade"_s, u"websocket"_s},
                             {u"Origin"_s, u"https://chat.example.test"_s},
                             {u"Sec-WebSocket-Version"_s, u"13"_s},
                             {u"Accept-Encoding"_s, u"gzip, deflate, br"_s},
                             {u"Accept-Language"_s, u"de-DE,de;q=0.9"_s},
                             {u"Sec-WebSocket-Key"_s, kKeyA},
                             {u"Sec-WebSocket-Extensions"_s, deflateOffer}}),
                    headers({{u"Upgrade"_s, u"websocket"_s},
                             {u"Connection"_s, u"Upgrade"_s},
                             {u"Sec-WebSocket-Accept"_s, acceptFor(kKeyA)},
                             {u"Sec-WebSocket-Extensions"_s, deflateAnswer}}),
                    aMessages),
        chromeEntry(u"2024-05-14T10:30:00.600Z"_s, u"wss://chat.example.test/closed"_s,
                    u"203.0.113.7"_s, QJsonArray(), QJsonArray(), QJsonArray()),
        chromeEntry(u"2024-05-14T10:30:00.650Z"_s, u"ws://[2001:db8::2]:8080/feed"_s,
                    u"[2001:db8::2]"_s,
                    headers({{u"Host"_s, u"[2001:db8::2]:8080"_s},
                             {u"Connection"_s, u"Upgrade"_s},
                             {u"Upgrade"_s, u"websocket"_s},
                             {u"Sec-WebSocket-Version"_s, u"13"_s},
                             {u"Sec-WebSocket-Key"_s, kKeyB},
                             {u"Sec-WebSocket-Protocol"_s, u"feed.v1"_s}}),
                    headers({{u"Upgrade"_s, u"websocket"_s},
                             {u"Connection"_s, u"Upgrade"_s},
                             {u"Sec-WebSocket-Accept"_s, acceptFor(kKeyB)},
                             {u"Sec-WebSocket-Protocol"_s, u"feed.v1"_s}}),
                    bMessages),
    };
    const auto expect = [&](std::uint32_t conn, const QJsonArray& list) {
        for (const QJsonValue& v : list) {
            const QJsonObject m = v.toObject();
            if (m[u"type"_s] == u"error"_s)
                continue;
            const int opcode = m[u"opcode"_s].toInt();
            const QString data = m[u"data"_s].toString();
            har.messages.push_back(
                {conn, m[u"type"_s] == u"receive"_s, opcode,
                 opcode == 1 ? data.toUtf8() : QByteArray::fromBase64(data.toLatin1()),
                 std::llround(m[u"time"_s].toDouble() * 1e6)});
        }
    };
    expect(1, aMessages);
    expect(2, bMessages);
    std::stable_sort(har.messages.begin(), har.messages.end(),
                     [](const Expected& a, const Expected& b) { return a.us < b.us; });
    return har;
}

std::unique_ptr<CaptureDocument> load(const QString& path) {
    auto document = std::make_unique<CaptureDocument>();
    QSignalSpy finished(document.get(), &CaptureDocument::finished);
    if (!document->open(path) || !finished.wait(10000) ||
        !finished.at(0).at(0).toString().isEmpty())
        return nullptr;
    return document;
}

QJsonObject readJson(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

// `v` with the member at `path` ("request", "headers", "0", "value") set to
// `value`, or removed when `value` is undefined.
QJsonValue with(const QJsonValue& v, QStringList path, const QJsonValue& value) {
    if (path.isEmpty())
        return value;
    const QString key = path.takeFirst();
    if (v.isArray()) {
        QJsonArray a = v.toArray();
        const int i = key.toInt();
        a[i] = with(a[i], path, value);
        return a;
    }
    QJsonObject o = v.toObject();
    if (path.isEmpty() && value.isUndefined())
        o.remove(key);
    else
        o[key] = with(o.value(key), path, value);
    return o;
}

// A HAR of three HTTP entries and one WebSocket entry (entry 3), changed at `path`.
QByteArray brokenHar(const QString& path, const QJsonValue& value) {
    const QJsonObject http{{u"request"_s, QJsonObject{{u"url"_s, u"https://a.test/"_s}}},
                           {u"response"_s, QJsonObject{{u"status"_s, 200}}}};
    const QJsonObject ws =
        chromeEntry(u"2024-05-14T10:30:00.500Z"_s, u"ws://a.test/ws"_s, u"192.0.2.80"_s,
                    headers({{u"Host"_s, u"a.test"_s}, {u"Sec-WebSocket-Key"_s, kKeyA}}),
                    headers({{u"Sec-WebSocket-Accept"_s, acceptFor(kKeyA)}}),
                    QJsonArray{message("send", 1715682601.0, 1, u"hi"_s),
                               message("receive", 1715682601.5, 2, base64("\x01\x02"))});
    return harDocument(QJsonArray{
        http, http, http, path.isEmpty() ? QJsonValue(ws) : with(ws, path.split(u'/'), value)});
}

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

}  // namespace

class TestHar : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString pathFor(const QString& name) { return dir_.filePath(name); }

    // Every message of the capture in capture order, checked against `expected`.
    void compareMessages(const CaptureDocument& document, const std::vector<Expected>& expected) {
        const CaptureIndex& index = document.index();
        QCOMPARE(index.messageCount(), RowId(expected.size()));
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const MessageRecord m = index.message(i);
            const MessageBytes bytes = document.messageBytes(i, std::size_t(-1));
            const QByteArray payload(reinterpret_cast<const char*>(bytes.payload.data()),
                                     qsizetype(bytes.payload.size()));
            QCOMPARE(m.conn, expected[i].conn);
            QCOMPARE(m.fromServer(), expected[i].fromServer);
            QCOMPARE(int(m.opcode), expected[i].opcode);
            QCOMPARE(m.frames, 1u);
            QVERIFY(!(m.flags & message_flag::Compressed));
            QVERIFY(bytes.complete);
            QCOMPARE(payload, expected[i].payload);
            QCOMPARE(m.tsNs, expected[i].us * 1000);
        }
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void importsChromeHarAndRoundTrips() {
        const ChromeHar har = chromeHar();
        const QString harPath = pathFor(u"chrome.har"_s);
        const QString capture = pathFor(u"chrome.pcapng"_s);
        QVERIFY(writeFile(harPath, harDocument(har.entries)));
        QString error;
        QVERIFY2(importHar(harPath, capture, error), qPrintable(error));

        const auto document = load(capture);
        QVERIFY(document);
        const CaptureIndex& index = document->index();
        QCOMPARE(index.anomalyCount(), RowId(0));
        QCOMPARE(index.connections().size(), std::size_t(2));
        const ConnectionRecord* a = index.connection(1);
        const ConnectionRecord* b = index.connection(2);
        QVERIFY(a && b);
        QCOMPARE(a->client.toString(), std::string("192.0.2.1:50000"));
        QCOMPARE(a->server.toString(), std::string("203.0.113.7:443"));
        QCOMPARE(b->client.toString(), std::string("[2001:db8:5c::1]:50001"));
        QCOMPARE(b->server.toString(), std::string("[2001:db8::2]:8080"));
        QCOMPARE(a->firstNs, std::int64_t(1715682600500) * 1000000);
        QCOMPARE(a->end, std::optional(dissector::EndHow::Fin));
        for (const ConnectionRecord* c : {a, b}) {
            QVERIFY(c->handshake);
            const dissector::HandshakeEvent h = c->handshake->event();
            QCOMPARE(h.status, 101);
            QVERIFY(h.acceptOk);
            QCOMPARE(analyzeHandshake(h).accept.verdict, AcceptVerdict::Match);
        }
        QCOMPARE(a->handshake->info().target, std::string("/socket?room=42"));
        QVERIFY(a->handshake->info().deflate);  // negotiated, and the messages written plain
        QCOMPARE(b->handshake->info().subprotocol, std::optional<std::string>("feed.v1"));
        compareMessages(*document, har.messages);

        // Export: the messages and headers equal the original's.
        const QString exported = pathFor(u"exported.har"_s);
        QVERIFY2(exportHar(*document, {}, exported, error), qPrintable(error));
        const QJsonObject log = readJson(exported)[u"log"_s].toObject();
        QCOMPARE(log[u"version"_s].toString(), u"1.2"_s);
        QCOMPARE(log[u"creator"_s].toObject()[u"name"_s].toString(), u"Sockscope"_s);
        const QJsonArray entries = log[u"entries"_s].toArray();
        QCOMPARE(entries.size(), 2);
        const int originals[] = {1, 3};  // the WebSocket entries with messages
        for (int i = 0; i < 2; ++i) {
            const QJsonObject out = entries[i].toObject();
            const QJsonObject in = har.entries[originals[i]].toObject();
            QJsonArray messages;
            for (const QJsonValue& m : in[u"_webSocketMessages"_s].toArray())
                if (m.toObject()[u"type"_s] != u"error"_s)
                    messages.append(m);
            QCOMPARE(out[u"_webSocketMessages"_s].toArray(), messages);
            QCOMPARE(out[u"request"_s].toObject()[u"headers"_s],
                     in[u"request"_s].toObject()[u"headers"_s]);
            QCOMPARE(out[u"response"_s].toObject()[u"headers"_s],
                     in[u"response"_s].toObject()[u"headers"_s]);
            QCOMPARE(out[u"startedDateTime"_s], in[u"startedDateTime"_s]);
            QCOMPARE(out[u"serverIPAddress"_s], in[u"serverIPAddress"_s]);
            QCOMPARE(out[u"_resourceType"_s].toString(), u"websocket"_s);
            QCOMPARE(out[u"response"_s].toObject()[u"status"_s].toInt(), 101);
            QCOMPARE(out[u"request"_s].toObject()[u"method"_s].toString(), u"GET"_s);
        }
        // wss:// cannot be told from a capture: the export says ws://.
        const QJsonObject request = entries[0].toObject()[u"request"_s].toObject();
        QCOMPARE(request[u"url"_s].toString(), u"ws://chat.example.test/socket?room=42"_s);
        QCOMPARE(request[u"queryString"_s].toArray(),
                 (QJsonArray{QJsonObject{{u"name"_s, u"room"_s}, {u"value"_s, u"42"_s}}}));
        QCOMPARE(entries[1].toObject()[u"request"_s].toObject()[u"url"_s].toString(),
                 u"ws://[2001:db8::2]:8080/feed"_s);

        // The exported file imports again to the same messages.
        const QString again = pathFor(u"again.pcapng"_s);
        QVERIFY2(importHar(exported, again, error), qPrintable(error));
        const auto reopened = load(again);
        QVERIFY(reopened);
        QCOMPARE(reopened->index().anomalyCount(), RowId(0));
        compareMessages(*reopened, har.messages);

        // One connection by id; an id the capture does not have.
        const QString one = pathFor(u"one.har"_s);
        QVERIFY2(exportHar(*document, {2}, one, error), qPrintable(error));
        const QJsonArray oneEntries = readJson(one)[u"log"_s].toObject()[u"entries"_s].toArray();
        QCOMPARE(oneEntries.size(), 1);
        QCOMPARE(oneEntries[0].toObject()[u"_webSocketMessages"_s].toArray().size(), 3);
        QVERIFY(!exportHar(*document, {7}, one, error));
        QCOMPARE(error, u"there is no connection 7 in this capture"_s);
    }

    // The bundled sample: compressed messages are exported decompressed, the
    // fragmented one whole, pings, pongs and closes not at all.
    void exportsTheSampleCapture() {
        const auto document = load(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/sample.pcapng"));
        QVERIFY(document);
        const QString harPath = pathFor(u"sample.har"_s);
        QString error;
        QVERIFY2(exportHar(*document, {}, harPath, error), qPrintable(error));
        const QJsonArray entries = readJson(harPath)[u"log"_s].toObject()[u"entries"_s].toArray();
        QCOMPARE(entries.size(), 2);

        const auto lines = [](const QJsonObject& entry) {
            QStringList out;
            for (const QJsonValue& v : entry[u"_webSocketMessages"_s].toArray()) {
                const QJsonObject m = v.toObject();
                out << m[u"type"_s].toString() + u' ' + QString::number(m[u"opcode"_s].toInt()) +
                           u' ' + m[u"data"_s].toString();
            }
            return out;
        };
        using namespace test::sample;
        const auto text = [](std::string_view s) {
            return QString::fromUtf8(s.data(), qsizetype(s.size()));
        };
        QString fragments;
        for (std::string_view f : kFragments)
            fragments += text(f);
        const QByteArray binary(reinterpret_cast<const char*>(kBinary), sizeof kBinary);
        QCOMPARE(lines(entries[0].toObject()),
                 (QStringList{u"receive 1 "_s + text(kWelcome), u"send 1 "_s + text(kHello),
                              u"send 1 "_s + text(kSubscribe), u"receive 1 "_s + text(kSubscribed),
                              u"receive 1 "_s + text(kTick1), u"receive 1 "_s + text(kTick2),
                              u"send 2 "_s + base64(binary), u"send 1 "_s + fragments,
                              u"receive 1 "_s + text(kReply)}));
        QCOMPARE(lines(entries[1].toObject()),
                 (QStringList{u"send 1 "_s + text(kEcho1), u"receive 1 "_s + text(kEcho1),
                              u"send 1 "_s + text(kEcho2), u"receive 1 "_s + text(kEcho2Answer),
                              u"send 1 "_s + text(kUnmasked), u"receive 1 "_s + text(kUnmasked)}));
        const QJsonObject chat = entries[0].toObject();
        QCOMPARE(chat[u"request"_s].toObject()[u"url"_s].toString(), u"ws://127.0.0.1:8765/chat"_s);
        QCOMPARE(chat[u"serverIPAddress"_s].toString(), u"127.0.0.1"_s);
        QCOMPARE(chat[u"startedDateTime"_s].toString(), u"2024-05-14T10:30:00.000Z"_s);
        // The stored handshake's headers, in their order.
        const dissector::HandshakeEvent h = document->index().connection(1)->handshake->event();
        const QJsonArray requestHeaders = chat[u"request"_s].toObject()[u"headers"_s].toArray();
        QCOMPARE(requestHeaders.size(), qsizetype(h.requestHeaders.size()));
        for (qsizetype i = 0; i < requestHeaders.size(); ++i) {
            const QJsonObject line = requestHeaders[i].toObject();
            QCOMPARE(line[u"name"_s].toString().toStdString(),
                     h.requestHeaders[std::size_t(i)].first);
            QCOMPARE(line[u"value"_s].toString().toStdString(),
                     h.requestHeaders[std::size_t(i)].second);
        }
        QCOMPARE(chat[u"response"_s].toObject()[u"headers"_s].toArray().size(),
                 qsizetype(h.responseHeaders.size()));
    }

    // A connection recognised without a handshake (--ws-port), and text that
    // is not UTF-8 (replacement characters in the HAR).
    void exportsWhatHarCannotSayPlainly() {
        const QString capture = pathFor(u"nohandshake.pcapng"_s);
        {
            std::string why;
            auto writer = dissector::ConversationWriter::create(capture.toStdString(), why);
            QVERIFY2(writer, why.c_str());
            dissector::SocketAddress client, server;
            client.ip = {192, 0, 2, 9};
            client.port = 50123;
            server.ip = {192, 0, 2, 10};
            server.port = 9100;
            const auto id = writer->open(client, server, {1715682600, 0});
            QVERIFY(id);
            const QByteArray bad("ok \xff end");
            const auto bytes = [](const QByteArray& b) {
                return std::span(reinterpret_cast<const std::uint8_t*>(b.data()),
                                 std::size_t(b.size()));
            };
            QVERIFY(writer->sendFrame(*id, dissector::Direction::Client, 1, bytes(bad),
                                      {1715682600, 1000}));
            QVERIFY(writer->sendFrame(*id, dissector::Direction::Server, 9, bytes("p"),
                                      {1715682600, 2000}));
            QVERIFY(writer->sendFrame(*id, dissector::Direction::Server, 2, bytes("\x01\x02"),
                                      {1715682600, 3000}));
            QVERIFY(writer->finish());
        }
        auto document = std::make_unique<CaptureDocument>();
        QSignalSpy finished(document.get(), &CaptureDocument::finished);
        dissector::DissectorOptions options;
        options.wsPorts = {9100};
        QVERIFY(document->open(capture, options));
        QVERIFY(finished.wait(10000));
        QCOMPARE(document->index().messageCount(), RowId(3));

        const QString harPath = pathFor(u"nohandshake.har"_s);
        QString error;
        QVERIFY2(exportHar(*document, {1}, harPath, error), qPrintable(error));
        const QJsonObject entry =
            readJson(harPath)[u"log"_s].toObject()[u"entries"_s].toArray()[0].toObject();
        const QJsonObject request = entry[u"request"_s].toObject();
        QCOMPARE(request[u"method"_s].toString(), u"GET"_s);
        QCOMPARE(request[u"url"_s].toString(), u"ws://192.0.2.10:9100/"_s);
        QCOMPARE(request[u"headers"_s].toArray(), QJsonArray());
        QCOMPARE(entry[u"response"_s].toObject()[u"status"_s].toInt(), 101);
        QCOMPARE(entry[u"response"_s].toObject()[u"headers"_s].toArray(), QJsonArray());
        QCOMPARE(entry[u"_webSocketMessages"_s].toArray(),
                 (QJsonArray{message("send", 1715682600.000001, 1, u"ok \ufffd end"_s),
                             message("receive", 1715682600.000003, 2, u"AQI="_s)}));
    }

    // The same HAR imports to the same bytes: client mask keys and sequence
    // numbers come from a seeded generator.
    void importIsDeterministic() {
        const QString harPath = pathFor(u"same.har"_s);
        QVERIFY(writeFile(harPath, harDocument(chromeHar().entries)));
        QString error;
        QVERIFY2(importHar(harPath, pathFor(u"same1.pcapng"_s), error), qPrintable(error));
        QVERIFY2(importHar(harPath, pathFor(u"same2.pcapng"_s), error), qPrintable(error));
        QFile one(pathFor(u"same1.pcapng"_s)), two(pathFor(u"same2.pcapng"_s));
        QVERIFY(one.open(QIODevice::ReadOnly) && two.open(QIODevice::ReadOnly));
        QCOMPARE(one.readAll(), two.readAll());
    }

    // What Firefox writes: the WebSocket entries (status 101, no _resourceType,
    // IPv6 without brackets, a time zone offset, the port as "connection") and
    // no messages at all. With messages added in that shape, it imports.
    void firefoxShapedHar() {
        QJsonObject entry{
            {u"startedDateTime"_s, u"2024-05-14T12:30:00.250+02:00"_s},
            {u"request"_s,
             QJsonObject{
                 {u"bodySize"_s, 0},
                 {u"method"_s, u"GET"_s},
                 {u"url"_s, u"wss://stream.example.test/live"_s},
                 {u"httpVersion"_s, u"HTTP/1.1"_s},
                 {u"headers"_s, headers({{u"Host"_s, u"stream.example.test"_s},
                                         {u"User-Agent"_s, u"Mozilla/5.0 Firefox/128.0"_s},
                                         {u"Sec-WebSocket-Version"_s, u"13"_s},
                                         {u"Origin"_s, u"https://stream.example.test"_s},
                                         {u"Sec-WebSocket-Extensions"_s, u"permessage-deflate"_s},
                                         {u"Sec-WebSocket-Key"_s, kKeyB},
                                         {u"Connection"_s, u"keep-alive, Upgrade"_s},
                                         {u"Upgrade"_s, u"websocket"_s}})},
                 {u"cookies"_s, QJsonArray()},
                 {u"queryString"_s, QJsonArray()},
                 {u"headersSize"_s, 461}}},
            {u"response"_s,
             QJsonObject{{u"status"_s, 101},
                         {u"statusText"_s, u"Switching Protocols"_s},
                         {u"httpVersion"_s, u"HTTP/1.1"_s},
                         {u"headers"_s,
                          headers({{u"upgrade"_s, u"websocket"_s},
                                   {u"connection"_s, u"Upgrade"_s},
                                   {u"sec-websocket-accept"_s, acceptFor(kKeyB)},
                                   {u"sec-websocket-extensions"_s, u"permessage-deflate"_s}})},
                         {u"cookies"_s, QJsonArray()},
                         {u"content"_s, QJsonObject{{u"mimeType"_s, QString()}, {u"size"_s, 0}}},
                         {u"redirectURL"_s, QString()},
                         {u"headersSize"_s, 153},
                         {u"bodySize"_s, 153}}},
            {u"cache"_s, QJsonObject()},
            {u"timings"_s, QJsonObject{{u"blocked"_s, 0},
                                       {u"dns"_s, 0},
                                       {u"connect"_s, 12},
                                       {u"ssl"_s, 9},
                                       {u"send"_s, 0},
                                       {u"wait"_s, 31},
                                       {u"receive"_s, 0}}},
            {u"time"_s, 52},
            {u"_securityState"_s, u"secure"_s},
            {u"serverIPAddress"_s, u"2001:db8::7"_s},
            {u"connection"_s, u"443"_s},
            {u"pageref"_s, u"page_1"_s},
        };
        const QString harPath = pathFor(u"firefox.har"_s);
        const QString capture = pathFor(u"firefox.pcapng"_s);
        QVERIFY(writeFile(harPath, harDocument(QJsonArray{entry})));
        QString error;
        QVERIFY(!importHar(harPath, capture, error));
        QCOMPARE(error,
                 u"this HAR has 1 WebSocket connections but none of their messages "
                 "(Firefox leaves them out of its HAR files; Chrome's have them)"_s);
        QVERIFY(!QFile::exists(capture));

        entry[u"_webSocketMessages"_s] =
            QJsonArray{message("send", 1715682600.400000, 1, u"ping?"_s),
                       message("receive", 1715682600.400500, 2, base64(everyByte()))};
        QVERIFY(writeFile(harPath, harDocument(QJsonArray{entry})));
        QVERIFY2(importHar(harPath, capture, error), qPrintable(error));
        const auto document = load(capture);
        QVERIFY(document);
        QCOMPARE(document->index().anomalyCount(), RowId(0));
        const ConnectionRecord* c = document->index().connection(1);
        QVERIFY(c && c->handshake);
        QCOMPARE(c->server.toString(), std::string("[2001:db8::7]:443"));
        QCOMPARE(c->firstNs, std::int64_t(1715682600250) * 1000000);  // 12:30+02:00 is 10:30Z
        QVERIFY(c->handshake->info().acceptOk);
        compareMessages(*document, {{1, false, 1, "ping?", 1715682600400000},
                                    {1, true, 2, everyByte(), 1715682600400500}});
    }

    void malformedFilesGiveTheirErrors_data() {
        QTest::addColumn<QByteArray>("har");
        QTest::addColumn<QString>("expected");  // after "<path> " for file-level errors
        const auto row = [](const char* name, const QByteArray& har, const QString& expected) {
            QTest::newRow(name) << har << expected;
        };
        row("not json", "{\"log\": {\"entries\": [", u"is not JSON: "_s);
        row("not an object", "[1, 2]", u"is not a HAR file: it has no log object"_s);
        row("no log", "{\"version\": \"1.2\"}", u"is not a HAR file: it has no log object"_s);
        row("entries not an array", "{\"log\": {\"entries\": {}}}",
            u"is not a HAR file: log.entries is not an array"_s);
        row("entry not an object", "{\"log\": {\"entries\": [{}, 7]}}",
            u"entry 1 is not an object"_s);
        row("no websocket", harDocument(QJsonArray{QJsonObject{}}),
            u"no WebSocket connections in this HAR"_s);
        row("request missing", brokenHar(u"request"_s, QJsonValue::Undefined),
            u"entry 3: request is missing"_s);
        row("request wrong type", brokenHar(u"request"_s, u"GET /"_s),
            u"entry 3: request is not an object"_s);
        row("url missing", brokenHar(u"request/url"_s, QJsonValue::Undefined),
            u"entry 3: request.url is missing"_s);
        row("url wrong type", brokenHar(u"request/url"_s, 80),
            u"entry 3: request.url is not a string"_s);
        row("url not websocket", brokenHar(u"request/url"_s, u"ftp://a.test/"_s),
            u"entry 3: request.url is not a ws:// or wss:// URL"_s);
        row("method wrong", brokenHar(u"request/method"_s, u"GET /x"_s),
            u"entry 3: request.method is not an HTTP method"_s);
        row("headers wrong type", brokenHar(u"request/headers"_s, u"Host: a"_s),
            u"entry 3: request.headers is not an array"_s);
        row("header not an object", brokenHar(u"response/headers/0"_s, 5),
            u"entry 3: response.headers[0] is not an object"_s);
        row("header value missing", brokenHar(u"request/headers/1/value"_s, QJsonValue::Undefined),
            u"entry 3: request.headers[1].value is missing"_s);
        row("header value wrong type", brokenHar(u"request/headers/1/value"_s, true),
            u"entry 3: request.headers[1].value is not a string"_s);
        row("header line break", brokenHar(u"request/headers/0/value"_s, u"a.test\r\nX: 1"_s),
            u"entry 3: request.headers[0].value holds a line break or another control "
            "character"_s);
        row("header name", brokenHar(u"request/headers/0/name"_s, u"Bad Name"_s),
            u"entry 3: request.headers[0].name is not a header name"_s);
        row("response wrong type", brokenHar(u"response"_s, u"101"_s),
            u"entry 3: response is not an object"_s);
        row("server ip", brokenHar(u"serverIPAddress"_s, u"not-an-ip"_s),
            u"entry 3: serverIPAddress is not an IP address"_s);
        row("server ip wrong type", brokenHar(u"serverIPAddress"_s, 3232235521.0),
            u"entry 3: serverIPAddress is not a string"_s);
        row("started", brokenHar(u"startedDateTime"_s, u"yesterday"_s),
            u"entry 3: startedDateTime is not an ISO 8601 date and time"_s);
        row("messages wrong type", brokenHar(u"_webSocketMessages"_s, u"[]"_s),
            u"entry 3: _webSocketMessages is not an array"_s);
        row("message not an object", brokenHar(u"_webSocketMessages/1"_s, u"hi"_s),
            u"entry 3: _webSocketMessages[1] is not an object"_s);
        row("type missing", brokenHar(u"_webSocketMessages/0/type"_s, QJsonValue::Undefined),
            u"entry 3: _webSocketMessages[0].type is missing"_s);
        row("type unknown", brokenHar(u"_webSocketMessages/0/type"_s, u"sent"_s),
            u"entry 3: _webSocketMessages[0].type is not \"send\" or \"receive\""_s);
        row("time wrong type", brokenHar(u"_webSocketMessages/1/time"_s, u"1715682601.5"_s),
            u"entry 3: _webSocketMessages[1].time is not a number"_s);
        row("time negative", brokenHar(u"_webSocketMessages/1/time"_s, -1),
            u"entry 3: _webSocketMessages[1].time is not a time in seconds since 1970"_s);
        row("time too late", brokenHar(u"_webSocketMessages/1/time"_s, 1e300),
            u"entry 3: _webSocketMessages[1].time is not a time in seconds since 1970"_s);
        row("opcode 9", brokenHar(u"_webSocketMessages/1/opcode"_s, 9),
            u"entry 3: _webSocketMessages[1].opcode is not 1 or 2"_s);
        row("opcode wrong type", brokenHar(u"_webSocketMessages/1/opcode"_s, u"2"_s),
            u"entry 3: _webSocketMessages[1].opcode is not a number"_s);
        row("data missing", brokenHar(u"_webSocketMessages/0/data"_s, QJsonValue::Undefined),
            u"entry 3: _webSocketMessages[0].data is missing"_s);
        row("data wrong type", brokenHar(u"_webSocketMessages/0/data"_s, QJsonArray{1}),
            u"entry 3: _webSocketMessages[0].data is not a string"_s);
        row("bad base64", brokenHar(u"_webSocketMessages/1/data"_s, u"AQI*"_s),
            u"entry 3: _webSocketMessages[1].data is not base64"_s);
    }
    void malformedFilesGiveTheirErrors() {
        QFETCH(QByteArray, har);
        QFETCH(QString, expected);
        const QString harPath = pathFor(u"broken.har"_s);
        const QString capture = pathFor(u"broken.pcapng"_s);
        QVERIFY(writeFile(harPath, har));
        QString error;
        QVERIFY(!importHar(harPath, capture, error));
        if (expected.startsWith(u"is "_s))
            QVERIFY2(error.startsWith(harPath + u' ' + expected), qPrintable(error));
        else
            QCOMPARE(error, expected);
        QVERIFY(!QFile::exists(capture));
    }

    void theUnbrokenEntryImports() {
        const QString harPath = pathFor(u"unbroken.har"_s);
        QVERIFY(writeFile(harPath, brokenHar({}, {})));
        QString error;
        QVERIFY2(importHar(harPath, pathFor(u"unbroken.pcapng"_s), error), qPrintable(error));
        // Where the capture cannot be written.
        const QString nowhere = pathFor(u"no/such/dir/x.pcapng"_s);
        QVERIFY(!importHar(harPath, nowhere, error));
        QCOMPARE(error, u"cannot create "_s + nowhere + u": No such file or directory"_s);
    }

    // A file over the limit is refused before it is read (a sparse file: no disk used).
    void refusesFilesOverOneGiB() {
        const QString harPath = pathFor(u"huge.har"_s);
        QFile file(harPath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(kMaxHarBytes + 1));
        file.close();
        QString error;
        QVERIFY(!importHar(harPath, pathFor(u"huge.pcapng"_s), error));
        QCOMPARE(error, harPath + u" is 1073741825 bytes: HAR files over 1 GiB are not opened"_s);
        QVERIFY(file.remove());

        QVERIFY(!importHar(pathFor(u"missing.har"_s), pathFor(u"x.pcapng"_s), error));
        QVERIFY2(error.startsWith(u"cannot open "_s + pathFor(u"missing.har"_s)),
                 qPrintable(error));
    }
};

QTEST_MAIN(TestHar)
#include "tst_har.moc"
