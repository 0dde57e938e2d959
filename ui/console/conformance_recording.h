#pragma once
// One conformance case's bytes as its CaseSession saw them, both ways, for
// the drill-down: the opening handshake's head each way and every frame after
// it, decoded leniently (core's FrameDecoder frames whatever arrives:
// reserved opcodes and bits, unmasked client frames, oversized lengths).
//
// Memory stays bounded whatever a case sends (16 MiB messages, floods of
// fragments): only the first keepLimit() bytes of each direction are kept.
// The decoder still sees every byte, so frames past the kept bytes are
// counted though not listed, and the bytes not kept are counted too.

#include <QByteArray>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <sockscope/core/frame_decoder.h>
#include <sockscope/core/message_reader.h>

namespace sockscope::ui {

// One line of the drill-down's list.
struct WireRow {
    enum class Kind : std::uint8_t {
        Head,   // an HTTP head: the upgrade request or the answer to it
        Frame,  // a WebSocket frame
        Other,  // bytes after a refusal or a head that never ended: not frames
    };
    Kind kind = Kind::Frame;
    bool outgoing = false;  // sent by the tester
    // Head: its blank line arrived. Frame: every payload byte arrived.
    bool complete = false;
    // Head: given apart from the byte stream (a client's request, read by the runner).
    bool detached = false;
    std::uint8_t dataOpcode = 0;  // Frame: 1 or 2 for a data frame (continuations too), else 0
    // Frame: part of a message compressed with the negotiated permessage-deflate.
    bool compressed = false;
    FrameHeader header;        // Frame
    std::uint64_t offset = 0;  // the first byte's position in its direction's stream
    std::uint64_t length = 0;  // Head, Other: bytes; Frame: the payload length announced
};

class CaseRecording {
public:
    static constexpr std::size_t kDefaultKeepLimit = 256u << 10;
    // An HTTP head longer than this is not read as one.
    static constexpr std::size_t kMaxHead = 64u << 10;

    // `tester`: the role the tester played (Client when a server was tested).
    explicit CaseRecording(Role tester, std::size_t keepLimit = kDefaultKeepLimit);
    // The streams point back at their recording.
    CaseRecording(const CaseRecording&) = delete;
    CaseRecording& operator=(const CaseRecording&) = delete;

    // Testing a client: its upgrade request, which came before the case's bytes.
    void setPeerHead(const QByteArray& head);
    // Bytes as they crossed the socket; `outgoing`: written by the tester.
    void add(bool outgoing, std::span<const std::uint8_t> bytes);

    Role testerRole() const { return tester_; }
    // The 101 answer agreed on permessage-deflate (RSV1 then marks compressed messages).
    bool deflateNegotiated() const { return deflate_; }
    std::size_t keepLimit() const { return keepLimit_; }
    // In arrival order, both directions interleaved.
    const std::vector<WireRow>& rows() const { return rows_; }

    struct Totals {
        std::uint64_t bytes = 0;
        std::uint64_t frames = 0;           // every frame, listed or not
        std::uint64_t framesNotListed = 0;  // frames that began past the kept bytes
    };
    const Totals& totals(bool outgoing) const { return stream(outgoing).totals; }
    std::uint64_t bytesNotKept(bool outgoing) const;
    // The first keepLimit() bytes of a direction as they crossed the wire.
    std::span<const std::uint8_t> kept(bool outgoing) const;

    // A row's bytes as far as they were kept: a head's text, a frame's
    // header and payload as on the wire (masked), the other bytes.
    std::span<const std::uint8_t> rowBytes(const WireRow& row) const;
    // Up to `max` bytes of a frame's payload, unmasked; fewer when not kept.
    std::vector<std::uint8_t> payload(const WireRow& row, std::size_t max) const;

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    struct Stream final : FrameSink {
        enum class Phase : std::uint8_t { Head, Frames, Other };
        CaseRecording* owner = nullptr;
        bool outgoing = false;
        Phase phase = Phase::Head;
        bool carriesRequest = false;
        std::vector<std::uint8_t> kept;
        Totals totals;
        std::size_t headRow = kNone;
        std::size_t otherRow = kNone;
        std::size_t frameRow = kNone;  // the listed frame whose payload is arriving
        std::size_t scanned = 0;       // head bytes searched for its end
        std::uint8_t messageOpcode = 0;
        bool messageCompressed = false;
        FrameDecoder decoder;

        bool onFrameHeader(const FrameHeader& header, const FrameOffsets& offsets,
                           const ProtocolError* lengthViolation) override;
        bool onFramePayload(std::span<const std::uint8_t> chunk,
                            std::uint64_t payloadOffset) override;
        bool onFrameEnd() override;
    };

    Stream& stream(bool outgoing) { return outgoing ? out_ : in_; }
    const Stream& stream(bool outgoing) const { return outgoing ? out_ : in_; }
    // Consumes head bytes from `bytes` (whose first byte is at stream offset
    // `at`); returns how many belonged to the head.
    std::size_t readHead(Stream& s, std::span<const std::uint8_t> bytes, std::uint64_t at);
    void addOther(Stream& s, std::uint64_t at, std::size_t count);

    Role tester_;
    std::size_t keepLimit_;
    Stream out_;
    Stream in_;
    std::vector<WireRow> rows_;
    QByteArray peerHead_;
    bool deflate_ = false;
    std::vector<std::uint8_t> scratch_;
};

}  // namespace sockscope::ui
