#pragma once
// A sans-I/O WebSocket endpoint (client or server role): the opening
// handshake, connecting → open → closing → closed, the close handshake,
// automatic pongs, limits, permessage-deflate. Bytes in, events and bytes to
// send out; it never touches a socket, a clock or a thread.
//
//   Endpoint ep(config);            // client: the request is queued at once
//   ep.receive(bytesFromSocket);
//   while (auto e = ep.nextEvent()) handle(*e);
//   socket.write(ep.pendingOutput()); ep.consumeOutput(n);
//   if (ep.shouldCloseTransport()) socket.close();

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sockscope/core/close_code.h"
#include "sockscope/core/handshake.h"
#include "sockscope/core/limits.h"
#include "sockscope/core/message_reader.h"

namespace sockscope {

enum class EndpointState : std::uint8_t { Connecting, Open, Closing, Closed };

// Fills the span with unpredictable bytes (mask keys). Default: OpenSSL RAND_bytes.
using RandomSource = std::function<void(std::span<std::uint8_t>)>;

struct EndpointConfig {
    Role role = Role::Client;
    Limits limits;
    bool autoPong = true;  // answer pings with pongs carrying the same payload
    // Answer a peer's close by echoing its code, once the CloseReceived event
    // is taken. Off: the application calls close() itself, and may still
    // send until then.
    bool autoCloseReply = true;
    ClientHandshakeOptions client;  // role == Client
    ServerHandshakeOptions server;  // role == Server
    RandomSource random;            // empty: OpenSSL CSPRNG
    // Compress outgoing messages of at least this many bytes when deflate is negotiated.
    std::size_t compressThreshold = 0;
    // Emit FrameReceived/FrameSent events (viewers, -v). Off saves work per frame.
    bool frameEvents = true;
};

namespace event {
struct HandshakeDone {
    HttpRequest request;
    HttpResponse response;
    std::string subprotocol;
    std::string extensions;
    std::optional<DeflateParams> deflate;
};
// The handshake failed: a server has queued its 4xx answer; a client got a
// response it must reject. The transport should be closed.
struct HandshakeFailed {
    ProtocolError error;
    int status = 0;  // HTTP status sent (server) or received (client)
};
struct FrameReceived {
    FrameHeader header;
    FrameOffsets offsets;
};
struct FrameSent {
    FrameHeader header;
    std::uint64_t offset = 0;  // header position in the outgoing stream
};
struct Message {
    std::uint8_t opcode = 0;  // Opcode::Text or Opcode::Binary
    std::vector<std::uint8_t> payload;
    std::uint32_t frames = 1;
    bool compressed = false;
    std::uint64_t wireLength = 0;
    std::string_view text() const {
        return {reinterpret_cast<const char*>(payload.data()), payload.size()};
    }
};
struct Ping {
    std::vector<std::uint8_t> payload;
};
struct Pong {
    std::vector<std::uint8_t> payload;
};
struct CloseReceived {
    std::optional<std::uint16_t> code;
    std::string reason;
};
// We failed the connection (RFC 6455 §7.1.7) and sent a close with error.closeCode().
struct ProtocolFailed {
    ProtocolError error;
};
// The WebSocket connection is closed; the transport should be closed now
// (a server closes TCP first, §7.1.1).
struct Closed {
    std::optional<std::uint16_t>
        code;  // the code of the peer's close (1005 if none, 1006 if abnormal)
    std::string reason;
    bool clean = false;
    bool closedByUs = false;  // we sent the first close
};
}  // namespace event

using EndpointEvent =
    std::variant<event::HandshakeDone, event::HandshakeFailed, event::FrameReceived,
                 event::FrameSent, event::Message, event::Ping, event::Pong, event::CloseReceived,
                 event::ProtocolFailed, event::Closed>;

class Endpoint final : private MessageSink {
public:
    explicit Endpoint(EndpointConfig config);
    ~Endpoint() override;
    Endpoint(const Endpoint&) = delete;
    Endpoint& operator=(const Endpoint&) = delete;

    // --- input -----------------------------------------------------------
    // Bytes from the transport. The mutable overload unmasks in place and
    // avoids a copy.
    void receive(std::span<std::uint8_t> bytes);
    void receive(std::span<const std::uint8_t> bytes);
    // The transport reported end of stream (or an error).
    void receiveEof();

    // Takes the next event. Answers that depend on the application having
    // seen earlier events (the close reply, the close frame that fails the
    // connection) are written when their event is taken, so pull events
    // promptly and answer messages as they come.
    std::optional<EndpointEvent> nextEvent();
    bool hasEvents() const { return !events_.empty(); }

    // --- output ----------------------------------------------------------
    std::span<const std::uint8_t> pendingOutput() const;
    void consumeOutput(std::size_t n);
    // True once the transport should be closed (after the close handshake, a
    // failure or a rejected handshake), when all pending output is written.
    bool shouldCloseTransport() const { return closeTransport_; }

    // --- sending (Open state; ignored otherwise, returns false) ------------
    bool sendText(std::string_view text);
    bool sendBinary(std::span<const std::uint8_t> data);
    // Sends a text/binary message split into `fragments` frames of nearly equal size.
    bool sendMessage(std::uint8_t opcode, std::span<const std::uint8_t> data,
                     std::size_t fragments = 1);
    // Explicit fragments: the first call with the message's opcode, then
    // Opcode::Continuation; fin=true ends the message. Not compressed.
    bool sendFrame(std::uint8_t opcode, std::span<const std::uint8_t> payload, bool fin);
    bool ping(std::span<const std::uint8_t> payload = {});
    bool pong(std::span<const std::uint8_t> payload = {});
    // Starts the close handshake. code nullopt sends an empty close body.
    bool close(std::optional<std::uint16_t> code = close_code::Normal,
               std::string_view reason = {});
    // Raw mode: bytes written to the wire as they are (deliberately invalid frames).
    void sendRaw(std::span<const std::uint8_t> bytes);
    // A frame header of our choosing (any bits, any length encoding, any mask).
    void sendRawFrame(const FrameHeader& header, std::span<const std::uint8_t> payload);

    // --- state -------------------------------------------------------------
    EndpointState state() const { return state_; }
    Role role() const { return config_.role; }
    const std::optional<DeflateParams>& deflate() const { return deflate_; }
    const std::string& subprotocol() const { return subprotocol_; }
    // How the opening handshake's head was read (tests check it was parsed
    // a bounded number of times, however it was split).
    const HttpHeadScan& handshakeScan() const { return headScan_; }
    std::uint64_t bytesReceived() const { return bytesIn_; }
    // Bytes queued for sending so far (handshake included).
    std::uint64_t bytesQueued() const { return bytesOut_; }

private:
    // MessageSink
    bool onFrame(const FrameHeader& header, const FrameOffsets& offsets) override;
    bool onMessageBegin(std::uint8_t opcode, bool compressed) override;
    bool onMessageData(std::span<const std::uint8_t> data) override;
    bool onMessageEnd(const MessageSummary& summary) override;
    bool onControlFrame(const FrameHeader& header, std::span<const std::uint8_t> payload) override;
    bool onViolation(const ProtocolError& error) override;

    void processInput(std::span<std::uint8_t> bytes);
    void processHandshake();
    void openAfterHead(std::size_t headSize);
    void openWith(std::span<std::uint8_t> leftover);
    void writeFrame(std::uint8_t opcode, bool fin, bool rsv1,
                    std::span<const std::uint8_t> payload);
    void completeFailure(const ProtocolError& error);
    // Open, or the peer has closed and our close has not been sent yet
    // (RFC 6455 §5.5.1 lets an endpoint finish sending before it answers).
    bool canSend() const {
        return (state_ == EndpointState::Open || state_ == EndpointState::Closing) && !closeSent_;
    }
    void rejectHandshake(const ProtocolError& error, HttpResponse response, std::string body);
    void receivedClose(std::span<const std::uint8_t> payload);
    void finishClosed(std::optional<std::uint16_t> code, std::string reason, bool clean);
    MaskKey nextMaskKey();

    EndpointConfig config_;
    EndpointState state_ = EndpointState::Connecting;
    std::deque<EndpointEvent> events_;
    std::vector<std::uint8_t> out_;
    std::size_t outStart_ = 0;
    bool closeTransport_ = false;

    // Handshake
    std::vector<std::uint8_t> handshakeBuffer_;
    HttpHeadScan headScan_;
    std::string clientKey_;
    HttpRequest request_;
    std::string subprotocol_;
    std::optional<DeflateParams> deflate_;

    // Open
    std::unique_ptr<MessageReader> reader_;
    std::optional<MessageDeflater> deflater_;
    event::Message assembling_;
    bool closeSent_ = false;
    bool closeReceived_ = false;
    bool closedFirstByUs_ = false;
    std::optional<std::uint16_t> peerCloseCode_;
    std::string peerCloseReason_;
    bool sendingFragmented_ = false;
    std::vector<std::uint8_t> randomPool_;
    std::size_t randomPos_ = 0;
    std::uint64_t bytesIn_ = 0;
    std::uint64_t bytesOut_ = 0;
};

}  // namespace sockscope
