#pragma once
// Opens the HAR files browsers' DevTools save ("Save all as HAR") as a
// capture: every WebSocket entry with messages becomes one TCP connection in
// a pcapng (dissector::ConversationWriter), which then opens like any capture
// (CaptureDocument, the CLI, Wireshark).
//
// A WebSocket entry is one whose response status is 101 or whose
// `_resourceType` is "websocket", with Chrome's `_webSocketMessages`: each
// message {type "send" (the client's) / "receive" (the server's), time
// (seconds since 1970, kept to the microsecond), opcode 1 (data: the text) or
// 2 (data: base64, as Chrome's export and the DevTools protocol have it),
// data}. Messages of type "error" (Chrome's record of a failed frame, opcode
// -1) were never on the wire and are left out. Firefox's HAR export has the
// WebSocket entries (status 101, no `_resourceType`) but not their messages:
// such a file gets an error that says so.
//
// Each connection: the TCP handshake at startedDateTime; the client's upgrade
// request (method, the URL's path and query, request.headers in their order:
// Sec-WebSocket-Key stays, so the Accept check works; Host, Upgrade and
// Connection are added only when the HAR left them out, as DevTools does when
// it shows provisional headers); the server's 101 with response.headers,
// startedDateTime + time ms later (no later than the first message); one
// unfragmented frame per message at its time, the client's masked (seeded,
// so the same HAR gives the same bytes) and the server's not; then a FIN
// exchange after the last message. Messages are written uncompressed even
// when permessage-deflate was negotiated (RSV1 clear is valid, RFC 7692 §6),
// since the HAR holds them decompressed. wss:// entries are written the same:
// the HAR holds the plaintext.
//
// Addresses: the server is serverIPAddress (brackets stripped) or the URL's
// host when it is an IP literal, else 203.0.113.1; its port the URL's (80 for
// ws:, 443 for wss:). HAR does not record the client, so clients get
// documentation addresses: 192.0.2.1 (IPv4 servers) or 2001:db8:5c::1 (IPv6),
// ports 50000 and up, one per connection (the last address byte grows when
// the ports run out).
//
// Everything in the file is checked before anything is written; an error
// names the entry and the field, indexes counted from 0 as in the file:
// "entry 3: _webSocketMessages[17].opcode is not 1 or 2".

#include <QString>

namespace sockscope::ui {

// Files larger than this are refused before they are read.
inline constexpr qint64 kMaxHarBytes = qint64(1) << 30;

// Reads `harPath` and writes the capture to `pcapngPath`. false and a
// one-line reason when the file cannot be read, is not a HAR, holds no
// WebSocket messages, or has a field of the wrong type; nothing is left at
// `pcapngPath` then.
bool importHar(const QString& harPath, const QString& pcapngPath, QString& error);

}  // namespace sockscope::ui
