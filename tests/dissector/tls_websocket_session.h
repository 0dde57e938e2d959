#pragma once
// A wss:// session over real TLS, made in the test process for tests that
// need one as packets: an OpenSSL client and server (tls_pair.h) carry an
// HTTP upgrade, a text message each way and the close handshake; every TLS
// write becomes one TCP segment of a conversation (pcap_builder.h), with the
// TCP handshake before and FINs after. Qt-free.

#include <string>
#include <vector>

#include "pcap_builder.h"
#include "sockscope/core/handshake.h"
#include "tls_pair.h"
#include "wire.h"

namespace sockscope::test {

struct TlsWebSocketSession {
    std::vector<Bytes> frames;      // Ethernet frames, in capture order
    std::string keyLog;             // the client's NSS key log lines
    std::size_t requestFrame = 0;   // index of the frame carrying the upgrade request
    std::size_t responseFrame = 0;  // ... and the 101 response
    std::string error;              // non-empty when OpenSSL failed
};

// The messages the session carries, as DissectionRecorder::messageLines()
// shows them for connection 1.
inline std::vector<std::string> tlsWebSocketSessionLines() {
    return {"conn=1 client text hello over tls", "conn=1 server text hello back",
            "conn=1 client close 1000 bye", "conn=1 server close 1000 bye"};
}

inline TlsWebSocketSession makeTlsWebSocketSession(TlsPairConfig config = {}) {
    if (config.ciphersuites.empty() && config.version == TLS1_3_VERSION)
        config.ciphersuites = "TLS_AES_128_GCM_SHA256";
    config.alpn = {"http/1.1"};
    TlsWebSocketSession out;
    TlsPair pair(config);
    const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
    const std::string request =
        "GET /keys HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: " +
        key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const std::string response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        computeWebSocketAccept(key) + "\r\n\r\n";
    const Bytes closeBody{0x03, 0xe8, 'b', 'y', 'e'};
    using dissector::Direction;
    if (!pair.ok() || !pair.handshake()) {
        out.error = pair.error();
        return out;
    }
    const std::size_t handshakeChunks = pair.wire.size();
    const bool sent =
        pair.send(Direction::Client, bytesOf(request)) &&
        pair.send(Direction::Server, bytesOf(response)) &&
        pair.send(Direction::Client,
                  encode({.payload = bytesOf("hello over tls"), .masked = true})) &&
        pair.send(Direction::Server, encode({.payload = bytesOf("hello back")})) &&
        pair.send(Direction::Client, encode({.opcode = 8, .payload = closeBody, .masked = true})) &&
        pair.send(Direction::Server, encode({.opcode = 8, .payload = closeBody}));
    if (!sent) {
        out.error = pair.error();
        return out;
    }
    pair.close();
    TcpPacketSpec spec;
    spec.srcPort = 50123;
    spec.dstPort = 443;
    TcpConversation c(spec, 1000, 9000);
    out.frames = c.handshake();
    for (std::size_t i = 0; i < pair.wire.size(); ++i) {
        const WireChunk& chunk = pair.wire[i];
        // The first writes after the handshake: the request, then the response.
        if (i == handshakeChunks)
            out.requestFrame = out.frames.size();
        if (i > handshakeChunks && out.responseFrame == 0 && chunk.dir == Direction::Server)
            out.responseFrame = out.frames.size();
        const Bytes bytes(chunk.bytes.begin(), chunk.bytes.end());
        out.frames.push_back(chunk.dir == Direction::Client ? c.clientSends(bytes)
                                                            : c.serverSends(bytes));
    }
    out.frames.push_back(c.serverFin());
    out.frames.push_back(c.clientFin());
    out.keyLog = pair.keyLog;
    return out;
}

}  // namespace sockscope::test
