#pragma once
// ws:// and wss:// URLs (RFC 6455 §3): host, port (80/443 by default), and the
// request target (path + query). Fragments are not allowed in WebSocket URIs.

#include <QString>
#include <optional>
#include <string>

namespace sockscope::session {

struct WebSocketUrl {
    bool secure = false;  // wss://
    QString host;         // for connecting: name or address, IPv6 without brackets
    quint16 port = 80;
    std::string target;      // "/chat?room=1"; "/" for an empty path
    std::string hostHeader;  // "example.com", "example.com:8080", "[::1]:8765"
};

struct WebSocketUrlParse {
    std::optional<WebSocketUrl> url;
    QString error;  // why the text is not a usable WebSocket URL
};

WebSocketUrlParse parseWebSocketUrl(const QString& text);

}  // namespace sockscope::session
