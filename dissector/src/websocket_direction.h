#pragma once
// One direction of a WebSocket connection seen passively: core's MessageReader
// in lenient mode, turned into FrameEvents, MessageEvents and AnomalyEvents
// with capture positions; after a TCP gap it resumes at the next frame
// boundary it can verify.

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <sockscope/core/message_reader.h>

#include "payload_buffers.h"
#include "sockscope/dissector/dissector.h"
#include "stream_locator.h"

namespace sockscope::dissector::detail {

struct DirectionContext {
    std::uint32_t conn = 0;
    Direction dir = Direction::Client;
    DissectionSink* sink = nullptr;
    const DissectorOptions* options = nullptr;
    // Where masked payload is unmasked (packets are read-only); one per
    // Dissector, shared by all directions since only one decodes at a time.
    std::vector<std::uint8_t>* scratch = nullptr;
    // Large payload buffers, shared by all directions of a Dissector.
    PayloadBuffers* payloads = nullptr;
    // The stream is TLS plaintext: its bytes are in no packet (SegmentEvent::decrypted).
    bool decrypted = false;
};

class WebSocketDirection final : private MessageSink {
public:
    WebSocketDirection(DirectionContext context, std::optional<DeflateParams> deflate,
                       bool handshakeSeen, std::uint64_t startOffset);
    ~WebSocketDirection() override;

    void data(std::span<const std::uint8_t> bytes, std::uint64_t streamOffset,
              const StreamOrigin& origin);
    void gap(std::uint64_t streamOffset, std::uint64_t missing, const StreamOrigin& origin);
    bool closeSeen() const { return closeSeen_; }

private:
    bool onFrame(const FrameHeader& header, const FrameOffsets& offsets) override;
    bool onMessageBegin(std::uint8_t opcode, bool compressed) override;
    bool onMessageData(std::span<const std::uint8_t> data) override;
    bool onMessageEnd(const MessageSummary& summary) override;
    bool onControlFrame(const FrameHeader& header, std::span<const std::uint8_t> payload) override;
    bool onViolation(const ProtocolError& error) override;

    void startReader(std::uint64_t offset);
    void feed(std::span<const std::uint8_t> bytes);
    void resynchronize();
    void anomaly(std::string kind, std::string rfc, std::string detail);
    // The packet a stream byte arrived in: after a resynchronization bytes are
    // decoded at a later packet than the one that carried them.
    const StreamOrigin& arrival(std::uint64_t streamOffset) const;
    void resetMessage();
    void reservePayload(std::size_t bytes);

    DirectionContext context_;
    std::optional<DeflateParams> deflate_;
    bool handshakeSeen_;
    std::unique_ptr<MessageReader> reader_;
    StreamLocator locator_;
    StreamOrigin current_;
    std::uint64_t lastFrameByte_ = 0;  // stream offset of the last frame's last byte
    MessageEvent message_;
    // The direction's own small payload buffer while a large one is in use.
    std::vector<std::uint8_t> smallPayload_;
    bool closeSeen_ = false;
    bool compressionUnknownReported_ = false;
    // After a gap whose end is not a known frame boundary: bytes held until
    // a frame boundary can be verified.
    bool resyncing_ = false;
    std::uint64_t resyncStart_ = 0;
    std::vector<std::uint8_t> resyncBuffer_;
    std::uint64_t skipUntil_ = 0;  // bytes before this stream offset are ignored
};

}  // namespace sockscope::dissector::detail
