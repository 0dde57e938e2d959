#include "inspector/har_export.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QUrl>
#include <QUrlQuery>

#include <limits>
#include <map>
#include <string>
#include <utility>

#include "inspector/capture_document.h"
#include "session/qt_text.h"

namespace sockscope::ui {
namespace {

using namespace Qt::StringLiterals;
using Headers = std::vector<std::pair<std::string, std::string>>;

QString tr(const char* text) {
    return QCoreApplication::translate("HarExport", text);
}

QJsonArray headerList(const Headers& headers) {
    QJsonArray list;
    for (const auto& [name, value] : headers)
        list.append(QJsonObject{{u"name"_s, fromStd(name)}, {u"value"_s, fromStd(value)}});
    return list;
}

const std::string* header(const Headers& headers, QLatin1StringView name) {
    for (const auto& [n, v] : headers) {
        if (fromStd(n).compare(name, Qt::CaseInsensitive) == 0)
            return &v;
    }
    return nullptr;
}

// "192.0.2.1" or, as Chrome writes it, "[2001:db8::2]": the address without the port.
QString ipText(const dissector::SocketAddress& a) {
    const QString text = fromStd(a.toString());
    return text.left(text.lastIndexOf(u':'));
}

// Seconds since 1970 to the microsecond, as DevTools writes message times.
double seconds(std::int64_t ns) {
    const std::int64_t us = (ns + 500) / 1000;
    return double(us) / 1e6;
}

QJsonArray messagesOf(const CaptureDocument& document, const std::vector<RowId>& rows) {
    QJsonArray messages;
    for (const RowId row : rows) {
        const MessageRecord m = document.index().message(row);
        // DevTools' format has data messages only: pings, pongs and closes are left out.
        if (m.opcode != 1 && m.opcode != 2)
            continue;
        const MessageBytes bytes =
            document.messageBytes(row, std::numeric_limits<std::size_t>::max());
        const QByteArray payload(reinterpret_cast<const char*>(bytes.payload.data()),
                                 qsizetype(bytes.payload.size()));
        QJsonObject message{
            {u"type"_s, m.fromServer() ? u"receive"_s : u"send"_s},
            {u"time"_s, seconds(m.tsNs)},
            {u"opcode"_s, int(m.opcode)},
            {u"data"_s,
             m.opcode == 1 ? QString::fromUtf8(payload) : QString::fromLatin1(payload.toBase64())},
        };
        // The capture did not keep all of it (cut by the snaplen, or over the payload limit).
        if (!bytes.complete)
            message.insert(u"_incomplete"_s, true);
        messages.append(message);
    }
    return messages;
}

QJsonObject entryFor(const CaptureDocument& document, const ConnectionRecord& c,
                     const std::vector<RowId>& rows) {
    const bool seen = c.handshake && !c.handshake->info().detectedWithoutHandshake;
    dissector::HandshakeEvent h;
    if (seen) {
        h = c.handshake->event();
    } else {
        h.target = "/";
        h.status = 101;
    }
    const std::string* host = header(h.requestHeaders, "Host"_L1);
    QString target = fromStd(h.target);
    if (!target.startsWith(u'/'))
        target.prepend(u'/');
    // The port is left out when it is the scheme's default, as in the URL a page would have used.
    const std::uint16_t defaultPort = c.tls ? 443 : 80;
    const QString authority =
        host != nullptr ? fromStd(*host)
                        : ipText(c.server) + (c.server.port == defaultPort
                                                  ? QString()
                                                  : u':' + QString::number(c.server.port));
    const QString url = (c.tls ? u"wss://"_s : u"ws://"_s) + authority + target;
    QJsonArray query;
    for (const auto& [name, value] : QUrlQuery(QUrl(url)).queryItems(QUrl::FullyDecoded))
        query.append(QJsonObject{{u"name"_s, name}, {u"value"_s, value}});

    const QJsonObject request{
        {u"method"_s, u"GET"_s},
        {u"url"_s, url},
        {u"httpVersion"_s, u"HTTP/1.1"_s},
        {u"headers"_s, headerList(h.requestHeaders)},
        {u"queryString"_s, query},
        {u"cookies"_s, QJsonArray()},
        {u"headersSize"_s, -1},
        {u"bodySize"_s, 0},
    };
    const QJsonObject response{
        {u"status"_s, h.status},
        {u"statusText"_s, h.status == 101 ? u"Switching Protocols"_s : QString()},
        {u"httpVersion"_s, u"HTTP/1.1"_s},
        {u"headers"_s, headerList(h.responseHeaders)},
        {u"cookies"_s, QJsonArray()},
        {u"content"_s, QJsonObject{{u"size"_s, 0}, {u"mimeType"_s, u"x-unknown"_s}}},
        {u"redirectURL"_s, QString()},
        {u"headersSize"_s, -1},
        {u"bodySize"_s, 0},
    };
    const QJsonObject timings{
        {u"blocked"_s, -1}, {u"dns"_s, -1},    {u"connect"_s, -1}, {u"send"_s, 0},
        {u"wait"_s, 0},     {u"receive"_s, 0}, {u"ssl"_s, -1},
    };
    // From the first packet to the 101, in milliseconds.
    const std::int64_t handshakeNs =
        seen ? std::max<std::int64_t>(0, toNanoseconds(h.ts) - c.firstNs) : 0;
    return QJsonObject{
        {u"startedDateTime"_s,
         QDateTime::fromMSecsSinceEpoch(c.firstNs / 1000000, Qt::UTC).toString(Qt::ISODateWithMs)},
        {u"time"_s, double((handshakeNs + 500) / 1000) / 1000},
        {u"request"_s, request},
        {u"response"_s, response},
        {u"cache"_s, QJsonObject()},
        {u"timings"_s, timings},
        {u"serverIPAddress"_s, ipText(c.server)},
        {u"_resourceType"_s, u"websocket"_s},
        {u"_webSocketMessages"_s, messagesOf(document, rows)},
    };
}

}  // namespace

bool exportHar(const CaptureDocument& document, const std::vector<std::uint32_t>& connections,
               const QString& harPath, QString& error) {
    const CaptureIndex& index = document.index();
    std::map<std::uint32_t, std::vector<RowId>> rows;  // by connection id, in id order
    if (connections.empty()) {
        for (const auto& [id, record] : index.connections())
            rows[id];
    }
    for (const std::uint32_t id : connections) {
        if (index.connection(id) == nullptr) {
            error = tr("there is no connection %1 in this capture").arg(id);
            return false;
        }
        rows[id];
    }
    if (rows.empty()) {
        error = tr("the capture has no connections to export");
        return false;
    }
    for (RowId row = 0; row < index.messageCount(); ++row) {
        const auto it = rows.find(index.message(row).conn);
        if (it != rows.end())
            it->second.push_back(row);
    }

    QJsonArray entries;
    for (const auto& [id, messageRows] : rows)
        entries.append(entryFor(document, *index.connection(id), messageRows));
    const QJsonObject log{
        {u"version"_s, u"1.2"_s},
        {u"creator"_s, QJsonObject{{u"name"_s, u"Sockscope"_s},
                                   {u"version"_s, QCoreApplication::applicationVersion()}}},
        {u"pages"_s, QJsonArray()},
        {u"entries"_s, entries},
    };

    QSaveFile file(harPath);
    if (!file.open(QIODevice::WriteOnly)) {
        error = tr("cannot create %1: %2").arg(harPath, file.errorString());
        return false;
    }
    const QByteArray json = QJsonDocument(QJsonObject{{u"log"_s, log}}).toJson();
    if (file.write(json) != json.size() || !file.commit()) {
        error = tr("cannot write %1: %2").arg(harPath, file.errorString());
        return false;
    }
    return true;
}

}  // namespace sockscope::ui
