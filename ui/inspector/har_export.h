#pragma once
// Saves connections of a capture as a HAR 1.2 file the way Chrome DevTools
// writes one, so a DevTools user (or a HAR viewer) can open them: one entry
// per connection, its upgrade request and 101 response with their headers in
// order, `_resourceType` "websocket" and Chrome's `_webSocketMessages`, one
// per text or binary message in capture order: {type "send" (the client's) /
// "receive" (the server's), time (seconds since 1970, to the microsecond),
// opcode 1 (data: the text; bytes that are not UTF-8 become U+FFFD) or 2
// (data: base64), data}. Payloads are the messages as the application saw
// them: unmasked and decompressed; one the capture did not keep whole (cut
// by the snaplen, or over the payload limit) is written as far as it goes,
// with "_incomplete": true.
//
// What HAR cannot say is left out or made up plainly: control frames (ping,
// pong, close) are not in DevTools' format; the URL is ws://, or wss:// for
// a connection inside TLS, from the Host header and the request target;
// httpVersion is HTTP/1.1 (the handshake record keeps no version); a
// connection seen without its handshake gets a GET of "/" with no headers
// and a 101.

#include <QString>

#include <cstdint>
#include <vector>

namespace sockscope::ui {

class CaptureDocument;

// Writes the connections with the ids `connections` (empty: all of them) to
// `harPath`. false and a one-line reason when an id is not in the capture,
// nothing is selected, or the file cannot be written.
bool exportHar(const CaptureDocument& document, const std::vector<std::uint32_t>& connections,
               const QString& harPath, QString& error);

}  // namespace sockscope::ui
