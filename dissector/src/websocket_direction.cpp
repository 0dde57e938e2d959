#include "websocket_direction.h"

#include <algorithm>

#include <sockscope/core/close_code.h>

namespace sockscope::dissector::detail {
namespace {

// Bytes held while looking for a frame boundary after a gap.
constexpr std::size_t kMaxResyncBuffer = 4u << 20;
// A payload buffer up to this size is reused by the next message.
constexpr std::size_t kKeptPayloadCapacity = 8u << 10;

enum class Check { Verified, Invalid, NeedMore };

// Whether a frame header at `p` is plausible for this direction, and the
// frame after it is too: two headers that chain exactly are the evidence
// that `p` is a real frame boundary.
Check checkBoundary(std::span<const std::uint8_t> bytes, std::size_t p, bool masked,
                    std::uint64_t maxFrame) {
    std::size_t at = p;
    for (int frame = 0; frame < 2; ++frame) {
        if (at == bytes.size() && frame == 1)
            return Check::NeedMore;
        const HeaderParse parse = parseFrameHeader(bytes.subspan(at));
        if (parse.status == HeaderStatus::NeedMore)
            return Check::NeedMore;
        const FrameHeader& h = parse.header;
        if (parse.violation || h.rsv2 || h.rsv3 || isReservedOpcode(h.opcode) ||
            h.masked != masked || h.payloadLength > maxFrame ||
            (isControlOpcode(h.opcode) && (!h.fin || h.payloadLength > 125)))
            return Check::Invalid;
        const std::uint64_t end = at + parse.consumed + h.payloadLength;
        if (end > bytes.size())
            return Check::NeedMore;
        at = static_cast<std::size_t>(end);
    }
    return Check::Verified;
}

}  // namespace

WebSocketDirection::WebSocketDirection(DirectionContext context,
                                       std::optional<DeflateParams> deflate, bool handshakeSeen,
                                       std::uint64_t startOffset)
    : context_(context), deflate_(deflate), handshakeSeen_(handshakeSeen) {
    startReader(startOffset);
}

WebSocketDirection::~WebSocketDirection() = default;

void WebSocketDirection::startReader(std::uint64_t offset) {
    MessageReaderConfig config;
    config.sender = context_.dir == Direction::Client ? Role::Client : Role::Server;
    config.strict = false;
    config.limits = context_.options->limits;
    config.deflate = deflate_;
    config.rsv1Unknown = !handshakeSeen_;
    config.baseOffset = offset;
    reader_ = std::make_unique<MessageReader>(config, static_cast<MessageSink&>(*this));
}

void WebSocketDirection::data(std::span<const std::uint8_t> bytes, std::uint64_t streamOffset,
                              const StreamOrigin& origin) {
    current_ = origin;
    locator_.add(streamOffset, bytes.size(), origin);
    SegmentEvent segment;
    segment.conn = context_.conn;
    segment.dir = context_.dir;
    segment.ts = origin.ts;
    segment.streamOffset = streamOffset;
    segment.length = bytes.size();
    segment.at = {origin.packet, origin.packetOffset};
    if (context_.decrypted)
        segment.decrypted = bytes;
    context_.sink->onSegment(segment);
    if (streamOffset + bytes.size() <= skipUntil_)
        return;
    if (streamOffset < skipUntil_)
        bytes = bytes.subspan(static_cast<std::size_t>(skipUntil_ - streamOffset));
    if (resyncing_) {
        resyncBuffer_.insert(resyncBuffer_.end(), bytes.begin(), bytes.end());
        resynchronize();
        return;
    }
    feed(bytes);
}

void WebSocketDirection::feed(std::span<const std::uint8_t> bytes) {
    reader_->feed(bytes, *context_.scratch);
}

void WebSocketDirection::gap(std::uint64_t streamOffset, std::uint64_t missing,
                             const StreamOrigin& origin) {
    current_ = origin;
    const std::uint64_t gapEnd = streamOffset + missing;
    if (gapEnd <= skipUntil_)
        return;  // inside bytes that are skipped anyway (the rest of a known frame)
    if (deflate_) {
        const bool takeover = context_.dir == Direction::Client
                                  ? !deflate_->clientNoContextTakeover
                                  : !deflate_->serverNoContextTakeover;
        if (takeover) {
            // The shared window lost bytes: later messages cannot be inflated.
            deflate_.reset();
            handshakeSeen_ = false;
            anomaly(std::string(captureAnomalyInfo(CaptureAnomaly::CompressionUnknown).id),
                    std::string(captureAnomalyInfo(CaptureAnomaly::CompressionUnknown).rfc),
                    "the gap broke the compression context (context takeover); later "
                    "compressed messages are shown compressed");
            compressionUnknownReported_ = true;
        }
    }
    if (!resyncing_ && reader_->decoder().inPayload()) {
        const std::uint64_t frameEnd = reader_->offset() + reader_->decoder().payloadRemaining();
        if (gapEnd <= frameEnd) {
            // The frame header says where the next frame starts: resume there.
            startReader(frameEnd);
            skipUntil_ = frameEnd;
            anomaly(std::string(captureAnomalyInfo(CaptureAnomaly::DesyncResynchronized).id),
                    std::string(captureAnomalyInfo(CaptureAnomaly::DesyncResynchronized).rfc),
                    "the message in progress lost " + std::to_string(missing) +
                        " bytes; dissection resumes at stream offset " + std::to_string(frameEnd) +
                        ", the end of the frame the gap fell into");
            return;
        }
    }
    resyncing_ = true;
    resyncStart_ = std::max(gapEnd, skipUntil_);
    skipUntil_ = resyncStart_;
    resyncBuffer_.clear();
}

void WebSocketDirection::resynchronize() {
    const bool masked = context_.dir == Direction::Client;
    std::size_t p = 0;
    for (; p < resyncBuffer_.size(); ++p) {
        const Check check =
            checkBoundary(resyncBuffer_, p, masked, context_.options->limits.maxFrameSize);
        if (check == Check::Invalid)
            continue;
        if (check == Check::NeedMore) {
            if (resyncBuffer_.size() < kMaxResyncBuffer)
                break;  // wait for more bytes to verify this candidate
            continue;
        }
        const std::uint64_t at = resyncStart_ + p;
        anomaly(std::string(captureAnomalyInfo(CaptureAnomaly::DesyncResynchronized).id),
                std::string(captureAnomalyInfo(CaptureAnomaly::DesyncResynchronized).rfc),
                "skipped " + std::to_string(p) + " bytes after the gap; resumed at stream offset " +
                    std::to_string(at) + " where two frame headers chain");
        resyncing_ = false;
        startReader(at);
        std::vector<std::uint8_t> rest(resyncBuffer_.begin() + static_cast<std::ptrdiff_t>(p),
                                       resyncBuffer_.end());
        resyncBuffer_ = {};
        skipUntil_ = 0;
        feed(rest);
        return;
    }
    // Positions before p can never be a boundary: forget them.
    resyncBuffer_.erase(resyncBuffer_.begin(),
                        resyncBuffer_.begin() + static_cast<std::ptrdiff_t>(p));
    resyncStart_ += p;
}

const StreamOrigin& WebSocketDirection::arrival(std::uint64_t streamOffset) const {
    const StreamOrigin* origin = locator_.arrival(streamOffset);
    return origin ? *origin : current_;
}

void WebSocketDirection::anomaly(std::string kind, std::string rfc, std::string detail) {
    AnomalyEvent e;
    e.conn = context_.conn;
    e.dir = context_.dir;
    e.ts = current_.ts;
    e.packet = current_.packet;
    e.kind = std::move(kind);
    e.rfc = std::move(rfc);
    e.detail = std::move(detail);
    context_.sink->onAnomaly(e);
}

bool WebSocketDirection::onFrame(const FrameHeader& header, const FrameOffsets& offsets) {
    FrameEvent e;
    e.conn = context_.conn;
    e.dir = context_.dir;
    e.header = header;
    e.streamOffsets = offsets;
    e.headerAt = locator_.locate(offsets.header);
    e.payloadAt = locator_.locate(offsets.payload);
    const StreamOrigin& headerArrival = arrival(offsets.header);
    e.packet = headerArrival.packet;
    e.ts = headerArrival.ts;
    lastFrameByte_ = offsets.payload + header.payloadLength - 1;  // the header's last if empty
    locator_.dropBefore(offsets.header);
    if (!isControlOpcode(header.opcode) && !isReservedOpcode(header.opcode) && !header.rsv1 &&
        !message_.compressed) {
        // The payload is appended to the message as is: a single-frame message
        // gets one allocation of its size. A fragmented one grows at least
        // twofold each time: room for just one more fragment would copy the
        // message so far again at every fragment (quadratic in the fragments).
        const std::uint64_t kept = context_.options->maxPayloadKept;
        const std::uint64_t wanted =
            std::min<std::uint64_t>(kept, message_.payload.size() + header.payloadLength);
        const std::size_t capacity = message_.payload.capacity();
        if (wanted > capacity)
            reservePayload(static_cast<std::size_t>(
                capacity == 0 ? wanted
                              : std::max(wanted, std::min<std::uint64_t>(kept, 2 * capacity))));
    }
    context_.sink->onFrame(e);
    if (header.rsv1 && !handshakeSeen_ && !compressionUnknownReported_) {
        compressionUnknownReported_ = true;
        anomaly(std::string(captureAnomalyInfo(CaptureAnomaly::CompressionUnknown).id),
                std::string(captureAnomalyInfo(CaptureAnomaly::CompressionUnknown).rfc),
                "RSV1 frames without a seen permessage-deflate negotiation: their payload is "
                "shown as sent, not decompressed");
    }
    return true;
}

bool WebSocketDirection::onMessageBegin(std::uint8_t opcode, bool compressed) {
    resetMessage();
    message_.conn = context_.conn;
    message_.dir = context_.dir;
    message_.opcode = opcode;
    message_.compressed = compressed;
    return true;
}

bool WebSocketDirection::onMessageData(std::span<const std::uint8_t> data) {
    const std::uint64_t room = context_.options->maxPayloadKept - message_.payload.size();
    const std::size_t keep = static_cast<std::size_t>(std::min<std::uint64_t>(room, data.size()));
    const std::size_t need = message_.payload.size() + keep;
    if (need > message_.payload.capacity())  // a compressed message: its length was unknown
        reservePayload(std::max(need, 2 * message_.payload.capacity()));
    message_.payload.insert(message_.payload.end(), data.begin(),
                            data.begin() + static_cast<std::ptrdiff_t>(keep));
    if (keep < data.size())
        message_.payloadTruncated = true;
    return true;
}

bool WebSocketDirection::onMessageEnd(const MessageSummary& summary) {
    message_.frames = summary.frames;
    message_.wireLength = summary.wireLength;
    message_.length = summary.length;
    message_.valid = summary.valid;
    const StreamOrigin& last = arrival(lastFrameByte_);
    message_.ts = last.ts;
    message_.packet = last.packet;
    context_.sink->onMessage(message_);
    resetMessage();
    return true;
}

// Clears the message but keeps its payload buffer for the next one (no
// allocation per message); a large buffer goes back to the shared ones.
void WebSocketDirection::resetMessage() {
    std::vector<std::uint8_t> payload = std::move(message_.payload);
    payload.clear();
    if (payload.capacity() > kKeptPayloadCapacity) {
        context_.payloads->give(std::move(payload));
        payload = std::move(smallPayload_);
        smallPayload_ = {};
    }
    message_ = MessageEvent{};
    message_.payload = std::move(payload);
}

// Room for `bytes` of payload, keeping what the message holds: a large
// buffer comes from the shared ones, and the small one waits for the next message.
void WebSocketDirection::reservePayload(std::size_t bytes) {
    std::vector<std::uint8_t>& payload = message_.payload;
    if (bytes <= kKeptPayloadCapacity) {
        payload.reserve(bytes);
        return;
    }
    std::vector<std::uint8_t> buffer = context_.payloads->take(bytes);
    buffer.insert(buffer.end(), payload.begin(), payload.end());
    if (payload.capacity() > kKeptPayloadCapacity) {
        context_.payloads->give(std::move(payload));
    } else if (payload.capacity() > smallPayload_.capacity()) {
        payload.clear();
        smallPayload_ = std::move(payload);
    }
    payload = std::move(buffer);
}

bool WebSocketDirection::onControlFrame(const FrameHeader& header,
                                        std::span<const std::uint8_t> payload) {
    MessageEvent e;
    e.conn = context_.conn;
    e.dir = context_.dir;
    const StreamOrigin& last = arrival(lastFrameByte_);
    e.ts = last.ts;
    e.packet = last.packet;
    e.opcode = header.opcode;
    e.frames = 1;
    e.wireLength = header.payloadLength;
    e.length = payload.size();
    e.payload.assign(payload.begin(), payload.end());
    if (header.opcode == static_cast<std::uint8_t>(Opcode::Close)) {
        closeSeen_ = true;
        const ClosePayloadResult close = parseClosePayload(payload);
        e.closeCode = close.payload.code;
        e.closeReason = close.payload.reason;
        e.valid = !close.error;
    }
    context_.sink->onMessage(e);
    return true;
}

bool WebSocketDirection::onViolation(const ProtocolError& error) {
    AnomalyEvent e;
    e.conn = context_.conn;
    e.dir = context_.dir;
    const StreamOrigin& at = arrival(error.offset);
    e.ts = at.ts;
    e.packet = at.packet;
    e.kind = std::string(error.id());
    e.rfc = std::string(error.rfc());
    e.detail = error.detail + " (stream offset " + std::to_string(error.offset) + ")";
    context_.sink->onAnomaly(e);
    return true;
}

}  // namespace sockscope::dissector::detail
