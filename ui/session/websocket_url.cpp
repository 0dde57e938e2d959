#include "session/websocket_url.h"

#include <QHostAddress>
#include <QUrl>

namespace sockscope::session {
namespace {

WebSocketUrlParse failure(QString why) {
    return {std::nullopt, std::move(why)};
}

}  // namespace

WebSocketUrlParse parseWebSocketUrl(const QString& text) {
    const QUrl url(text, QUrl::StrictMode);
    if (text.trimmed().isEmpty()) {
        return failure(QStringLiteral("empty URL"));
    }
    if (!url.isValid()) {
        return failure(url.errorString());
    }
    const QString scheme = url.scheme().toLower();
    if (scheme != u"ws" && scheme != u"wss") {
        return failure(QStringLiteral("the scheme must be ws:// or wss://"));
    }
    if (url.host().isEmpty()) {
        return failure(QStringLiteral("no host"));
    }
    if (url.hasFragment()) {
        return failure(QStringLiteral("a WebSocket URL must not have a #fragment (RFC 6455 §3)"));
    }
    if (!url.userInfo().isEmpty()) {
        return failure(QStringLiteral("user info (user@host) is not supported"));
    }

    WebSocketUrl out;
    out.secure = scheme == u"wss";
    const int defaultPort = out.secure ? 443 : 80;
    out.host = url.host(QUrl::FullyEncoded);
    out.port = static_cast<quint16>(url.port(defaultPort));

    QString target = url.path(QUrl::FullyEncoded);
    if (target.isEmpty()) {
        target = QStringLiteral("/");
    }
    if (url.hasQuery()) {
        target += u'?' + url.query(QUrl::FullyEncoded);
    }
    out.target = target.toStdString();

    // An IPv6 literal keeps its brackets in the Host header (RFC 9110 §7.2).
    const QHostAddress literal(out.host);
    QString hostHeader =
        literal.protocol() == QAbstractSocket::IPv6Protocol ? u'[' + out.host + u']' : out.host;
    if (out.port != defaultPort) {
        hostHeader += u':' + QString::number(out.port);
    }
    out.hostHeader = hostHeader.toStdString();
    return {std::move(out), {}};
}

}  // namespace sockscope::session
