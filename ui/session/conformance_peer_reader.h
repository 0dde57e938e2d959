#pragma once
// The tester's view of what the peer under test sends after the handshake:
// core's MessageReader in lenient mode (every rule the peer breaks is noted,
// reading goes on) turned into the suite's replies, the peer's pings and its
// close frame.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "session/conformance_case.h"
#include "sockscope/core/message_reader.h"

namespace sockscope::session::conformance {

class PeerReader final : private MessageSink {
public:
    // `peer`: the role of the implementation under test.
    PeerReader(Role peer, std::optional<DeflateParams> deflate);
    ~PeerReader() override;
    PeerReader(const PeerReader&) = delete;
    PeerReader& operator=(const PeerReader&) = delete;

    // Unmasks in place.
    void feed(std::span<std::uint8_t> bytes);

    // Messages and pongs in order (markers are the session's to add).
    std::vector<Reply>& replies() { return replies_; }
    // Pings not answered yet (the session pongs them and clears this).
    std::vector<Bytes>& pings() { return pings_; }
    // "rule-id: detail" for every rule the peer broke.
    const std::vector<std::string>& violations() const { return violations_; }
    std::size_t frames() const { return frames_; }
    bool closeReceived() const { return closeReceived_; }
    std::optional<std::uint16_t> closeCode() const { return closeCode_; }
    const std::string& closeReason() const { return closeReason_; }

private:
    bool onFrame(const FrameHeader& header, const FrameOffsets& offsets) override;
    bool onMessageBegin(std::uint8_t opcode, bool compressed) override;
    bool onMessageData(std::span<const std::uint8_t> data) override;
    bool onMessageEnd(const MessageSummary& summary) override;
    bool onControlFrame(const FrameHeader& header, std::span<const std::uint8_t> payload) override;
    bool onViolation(const ProtocolError& error) override;

    MessageReader reader_;
    std::vector<Reply> replies_;
    std::vector<Bytes> pings_;
    std::vector<std::string> violations_;
    Bytes message_;
    std::uint8_t opcode_ = 0;
    std::size_t frames_ = 0;
    bool closeReceived_ = false;
    std::optional<std::uint16_t> closeCode_;
    std::string closeReason_;
};

}  // namespace sockscope::session::conformance
