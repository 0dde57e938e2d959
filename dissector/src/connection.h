#pragma once
// One TCP connection: both directions reassembled, TLS decrypted when the
// client starts with a ClientHello (connection_tls.cpp), the HTTP upgrade
// found in the (plain or decrypted) bytes (or a WebSocket stream recognised
// without one), then a WebSocketDirection per direction.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sockscope/core/http_message.h>

#include "payload_buffers.h"
#include "sockscope/dissector/dissector.h"
#include "websocket_direction.h"

namespace sockscope::dissector::detail {

struct DissectorShared {
    DissectorOptions options;
    DissectionSink* sink = nullptr;
    std::uint32_t nextConnId = 1;
    std::vector<std::uint8_t> unmaskScratch;  // DirectionContext::scratch
    PayloadBuffers payloadBuffers;            // DirectionContext::payloads
    std::size_t tlsHeldBytes = 0;             // TLS records held for keys, all connections together
};

// Fields as HandshakeEvent keeps them, in order (connection.cpp and connection_tls.cpp).
std::vector<std::pair<std::string, std::string>> headerPairs(const HttpFields& fields);

class Connection {
public:
    Connection(DissectorShared& shared, const TcpSegment& first);
    ~Connection();

    void segment(const TcpSegment& segment, const StreamOrigin& origin);
    void finish(const StreamOrigin& origin);
    bool done() const { return ended_; }
    // TLS: the key log gained keys; a connection that found none tries again.
    void keysAdded(const StreamOrigin& origin);
    // TLS in a live capture: both sides ended while the key log had no key
    // for them yet. The end waits (DissectorOptions::tlsKeyWaitSeconds of
    // capture time) for the keys a browser writes as its handshake goes.
    bool waitingToEnd() const { return keyWaitSince_.has_value() && !ended_; }
    void expireKeyWait(const StreamOrigin& origin);
    // Out-of-order bytes held by both directions.
    std::size_t bufferedBytes() const {
        return a_.reassembler.bufferedBytes() + b_.reassembler.bufferedBytes();
    }
    // Frees held bytes (the direction holding more gives up its first hole);
    // returns how many were freed.
    std::size_t releaseBuffered(const StreamOrigin& origin) {
        Side& side = a_.reassembler.bufferedBytes() >= b_.reassembler.bufferedBytes() ? a_ : b_;
        return side.reassembler.giveUpFirstHole(origin);
    }

private:
    enum class Phase { Unknown, AwaitResponse, WebSocket, NotWebSocket };

    struct Side final : TcpStreamSink {
        Side(Connection& c, SocketAddress address, int index);
        void onStreamData(std::span<const std::uint8_t> bytes, std::uint64_t streamOffset,
                          const StreamOrigin& origin) override;
        void onStreamGap(std::uint64_t streamOffset, std::uint64_t missing,
                         const StreamOrigin& origin) override;
        void onStreamAnomaly(CaptureAnomaly kind, std::string detail,
                             const StreamOrigin& origin) override;
        void onStreamEnd(bool reset, const StreamOrigin& origin) override;
        // The bytes above TCP (and TLS): the TCP stream itself for cleartext,
        // the decrypted stream inside TLS.
        void onApplicationData(std::span<const std::uint8_t> bytes, std::uint64_t streamOffset,
                               const StreamOrigin& origin);
        void onApplicationGap(std::uint64_t streamOffset, std::uint64_t missing,
                              const StreamOrigin& origin);

        Connection& connection;
        SocketAddress address;
        int index;
        TcpReassembler reassembler;
        bool synSeen = false;
        bool ended = false;
        bool reset = false;
        // Bytes held before the connection's nature is known, with their origins.
        std::vector<std::uint8_t> pending;
        std::uint64_t pendingOffset = 0;
        std::vector<std::pair<std::uint64_t, StreamOrigin>> pendingRuns;  // (offset, origin)
        HttpHeadScan headScan;  // when `pending` is worth parsing as an HTTP head again
        std::unique_ptr<WebSocketDirection> websocket;
        // TLS: where the next decrypted byte goes in the decrypted stream, and
        // whether TCP lost bytes since the last one (records went missing).
        std::uint64_t plaintextOffset = 0;
        bool plaintextAfterGap = false;
    };

    // Hands the TLS decoder's output to the sides and to the sink.
    class TlsBridge final : public TlsListener {
    public:
        explicit TlsBridge(Connection& c) : connection_(c) {}
        void onPlaintext(Direction dir, std::span<const std::uint8_t> bytes,
                         std::uint64_t recordStart, std::uint64_t recordEnd) override;
        void onInfo(const TlsInfo& info) override;
        void onAnomaly(Direction dir, TlsAnomaly kind, std::string detail,
                       std::uint64_t streamOffset) override;

    private:
        Connection& connection_;
    };

    // TLS (connection_tls.cpp).
    void startTls(Side& client, const StreamOrigin& origin);
    void feedTls(Side& side, std::span<const std::uint8_t> bytes, const StreamOrigin& origin);
    void announceTls(const StreamOrigin& origin);
    void finishTls(const StreamOrigin& origin);
    void reportHeldNoKey(const StreamOrigin& origin);
    bool liveKeyWait() const {
        return shared_.options.keyLog != nullptr && shared_.options.tlsKeyWaitSeconds > 0 &&
               !ended_ && !noKeyWaitOver_;
    }
    void tryResponseWithoutRequest(Side& server, const StreamOrigin& origin);
    std::optional<TlsConnectionInfo> tlsInfo() const;
    Side& sideOf(Direction dir) { return dir == Direction::Client ? *client_ : other(*client_); }
    void classify(Side& side, const StreamOrigin& origin);
    void tryRequest(Side& side, const StreamOrigin& origin);
    void tryResponse(Side& side, const StreamOrigin& origin);
    bool tryDetectWithoutHandshake(const StreamOrigin& origin);
    void becomeWebSocket(Side& client, std::optional<DeflateParams> deflate, bool handshakeSeen,
                         const StreamOrigin& origin);
    void announce(Side& client, const StreamOrigin& origin);
    void replayPending(Side& side);
    void anomaly(std::optional<Direction> dir, std::string kind, std::string rfc,
                 std::string detail, const StreamOrigin& origin);
    void endIfBothEnded(const StreamOrigin& origin);
    void end(const StreamOrigin& origin);
    Direction directionOf(const Side& side) const {
        return &side == client_ ? Direction::Client : Direction::Server;
    }
    Side& other(const Side& side) { return &side == &a_ ? b_ : a_; }

    DissectorShared& shared_;
    Side a_;  // the source of the first segment seen
    Side b_;
    Side* client_ = nullptr;  // known once the SYN, the request or the frames tell
    Phase phase_ = Phase::Unknown;
    std::uint32_t conn_ = 0;  // assigned when the flow turns out to be WebSocket
    bool midStream_ = false;
    bool ended_ = false;
    HttpRequest request_;
    std::size_t requestHeadSize_ = 0;
    // TLS (set once the client's first bytes are a ClientHello).
    std::unique_ptr<TlsBridge> tlsBridge_;
    std::unique_ptr<TlsStream> tls_;
    StreamOrigin tlsOrigin_;                 // the packet whose bytes the TLS decoder is reading
    std::size_t tlsHeld_ = 0;                // our share of DissectorShared::tlsHeldBytes
    std::optional<Timestamp> keyWaitSince_;  // see waitingToEnd()
    // TLS anomalies seen before the connection was announced (it is, right
    // after the segment that raised them: its event then says the most).
    struct EarlyTlsAnomaly {
        Direction dir;
        TlsAnomaly kind;
        std::string detail;
    };
    std::vector<EarlyTlsAnomaly> earlyTlsAnomalies_;
    // Live capture: "no key" waits (tlsKeyWaitSeconds of capture time) for
    // the key log to catch up, as a browser writes it during the handshake
    // and the capture reads it a moment later; found keys drop these.
    std::vector<EarlyTlsAnomaly> heldNoKey_;
    std::optional<Timestamp> noKeySince_;
    bool noKeyWaitOver_ = false;
};

}  // namespace sockscope::dissector::detail
