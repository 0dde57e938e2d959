#pragma once
// Turns a case's steps into what the tester puts on the wire, in order:
// bytes (frames masked as the tester's role requires, split where a frame
// pauses), pauses and waits for replies. Steps of many frames (floods,
// messages in thousands of fragments) come out a batch at a time, so a
// 16 MiB message in 131 072 fragments never sits in memory twice over.

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "session/conformance_case.h"
#include "sockscope/core/message_reader.h"
#include "sockscope/core/permessage_deflate.h"

namespace sockscope::session::conformance {

struct WireAction {
    enum class Kind : std::uint8_t { Bytes, Pause, Await };
    Kind kind = Kind::Bytes;
    Bytes bytes;
    bool endsMidFrame = false;  // the frame goes on after a pause
    bool sendsClose = false;    // the bytes end with a close frame
    PauseStep pause;
    std::size_t await = 0;  // replies in total to wait for
};

class ScriptWriter {
public:
    // `steps` must outlive the writer; `role` is the tester's.
    ScriptWriter(const std::vector<Step>& steps, Role role);

    // Compress messages that ask for it, with this side's negotiated window.
    void useDeflate(int windowBits, bool noContextTakeover);
    // Appends the next actions: a step, or the next batch of a long one.
    // false when every step has been written.
    bool expandNext(std::deque<WireAction>& out);
    // One frame as the tester sends it (masked with a fresh random key when its role masks).
    void appendFrame(Bytes& out, const FrameStep& spec,
                     std::span<const std::uint8_t> payload) const;

private:
    bool expandFrame(const FrameStep& step, std::deque<WireAction>& out);
    bool expandMessage(const MessageStep& step, std::deque<WireAction>& out);

    const std::vector<Step>& steps_;
    Role role_;
    std::optional<MessageDeflater> deflater_;
    std::size_t stepIndex_ = 0;
    bool inStep_ = false;
    std::size_t repeatDone_ = 0;
    std::size_t messageOffset_ = 0;
    bool messageFirstFrame_ = true;
    bool messageCompressed_ = false;
    Bytes messageWire_;
};

}  // namespace sockscope::session::conformance
