#pragma once
// The conformance suite's vocabulary: a case (id, group, RFC section, what the
// tester sends, what a strict peer must do) and the verdicts. In the spirit of
// the Autobahn TestSuite: the tester plays the other role against the peer
// under test (a client against a server, a server against a client), sends
// deliberately chosen frames with chosen write sizes and pauses, and compares
// what comes back with what the RFC requires.
//
// A case's script is built when the case runs, so a catalogue of hundreds of
// cases (some with 16 MiB payloads) costs nothing until then.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sockscope/core/frame_header.h"
#include "sockscope/core/http_message.h"
#include "sockscope/core/raw_frame.h"

namespace sockscope::session::conformance {

using Bytes = std::vector<std::uint8_t>;
// Payloads are shared between what is sent and what must come back.
using SharedBytes = std::shared_ptr<const Bytes>;

// Which peer a case can test: some handshake cases only make sense against a
// server (a bad request) or a client (a bad response).
enum class Applies : std::uint8_t { Both, ServerOnly, ClientOnly };

// Masking of a tester frame: as the tester's role requires, or the opposite
// (a client frame without a mask, a server frame with one).
enum class Masking : std::uint8_t { ByRole, Opposite };

// Where a frame's bytes stop for a while: after `payloadOffset` payload bytes
// the tester waits `pauseMs`; if the peer has not closed by then, `marker` is
// recorded (see Reply) and the rest follows.
struct FrameSplit {
    std::size_t payloadOffset = 0;
    int pauseMs = 0;
    std::string marker;
};

// One frame exactly as described, whatever the rules say.
struct FrameStep {
    std::uint8_t opcode = 0x1;
    bool fin = true;
    bool rsv1 = false, rsv2 = false, rsv3 = false;
    Masking masking = Masking::ByRole;
    // Longer length forms than needed; Force64TopBit sets the 64-bit length's top bit.
    RawLength length = RawLength::Minimal;
    SharedBytes payload;
    // The length the header announces when it is not the payload's (a header
    // for 2^63-1 bytes followed by a few): only `payload` is sent.
    std::optional<std::uint64_t> declaredLength;
    std::vector<FrameSplit> splits;
    std::size_t repeat = 1;  // the same frame this many times (floods)
};

enum class Compress : std::uint8_t { No, Yes, IfNegotiated };

// A whole data message as the tester's role sends it: masked by role, in
// frames of `fragmentSize` bytes (0: one frame), compressed with the
// negotiated permessage-deflate context when asked.
struct MessageStep {
    std::uint8_t opcode = 0x1;
    SharedBytes payload;
    std::size_t fragmentSize = 0;
    Compress compress = Compress::No;
};

// Waits; if the peer has not closed meanwhile, records `marker` (when not empty).
struct PauseStep {
    int ms = 0;
    std::string marker;
};

// Waits until `replies` replies in total have arrived (a round trip).
struct AwaitStep {
    std::size_t replies = 0;
};

// Bytes sent verbatim.
struct RawStep {
    Bytes bytes;
};

using Step = std::variant<FrameStep, MessageStep, PauseStep, AwaitStep, RawStep>;

// What the peer sends back, in order: messages, pongs, and the tester's own
// markers (a pause that ended with the connection still open).
struct Reply {
    enum class Kind : std::uint8_t { Message, Pong, Marker };
    Kind kind = Kind::Message;
    std::uint8_t opcode = 0x1;  // Message: text (1) or binary (2)
    SharedBytes payload;        // Message, Pong
    std::string marker;         // Marker

    friend bool operator==(const Reply& a, const Reply& b);
};

enum class Outcome : std::uint8_t {
    // The peer sends `replies`; then the tester closes with 1000 and the peer
    // must answer with a code in closeCodes (default 1000): a clean close.
    Echo,
    // The script itself sends a close; the peer answers with a code in
    // closeCodes (1005 stands for a close without a code): a clean close.
    Close,
    // The peer fails the connection with a close code in closeCodes.
    Fail,
    // The peer refuses the opening handshake: a server answers with a status
    // in `statuses`, a client drops the connection without sending a frame.
    Reject,
};

struct Expectation {
    Outcome outcome = Outcome::Echo;
    std::vector<Reply> replies;
    // Also accepted, as non-strict (e.g. failing before echoing the valid
    // message that came first); `nonStrictNote` says so in words.
    std::optional<std::vector<Reply>> nonStrictReplies;
    std::string nonStrictNote;
    // Fail: echoing these instead is non-strict (`toleratedNote`), for rules
    // that bind the sender and that a lenient receiver may let pass.
    std::optional<std::vector<Reply>> toleratedEcho;
    std::string toleratedNote;
    std::vector<std::uint16_t> closeCodes;  // empty: {1000} for Echo
    // Echo: failing with one of these codes instead is a strict pass too (a
    // local limit, RFC 6455 §10.4).
    std::vector<std::uint16_t> orFailWith;
    std::vector<int> statuses;  // Reject against a server
    // Reject against a server: a field the refusal must carry
    // ("Sec-WebSocket-Version" with a 426); missing: non-strict.
    std::string requiredField;
};

// The tester's side of the opening handshake. Against a server the tester
// sends `request` (a valid upgrade unless changed); against a client it
// answers with `response` (a valid 101 unless changed).
struct RequestSpec {
    std::string method = "GET";
    std::string target;  // empty: the target of the URL under test
    std::string version = "HTTP/1.1";
    std::vector<std::string> remove;  // standard fields to leave out (case-insensitive)
    std::vector<HttpField> replace;   // standard fields with another value
    std::vector<HttpField> extra;     // appended as they are
    std::string raw;  // not empty: the whole head verbatim ({host}, {key}, {target})
};

struct ResponseSpec {
    int status = 101;
    std::string reason = "Switching Protocols";
    std::string version = "HTTP/1.1";
    std::vector<std::string> remove;
    std::vector<HttpField> replace;  // "{accept}" stands for the right accept value
    std::vector<HttpField> extra;
    std::string raw;  // not empty: the whole head verbatim ({accept})
    // Sec-WebSocket-Extensions to answer with; nullopt: decline every offer.
    std::optional<std::string> extensions;
};

struct HandshakeSpec {
    RequestSpec request;
    // Sec-WebSocket-Extensions offers the tester makes, one field value each.
    std::vector<std::string> offers;
    ResponseSpec response;
    std::size_t chop = 0;             // the head goes out in writes of this size (0: one)
    bool firstStepsWithHead = false;  // the frames until the first pause share the head's write
};

struct Script {
    HandshakeSpec handshake;
    std::vector<Step> steps;
    Expectation expect;
    std::size_t chop = 0;  // frames go out in writes of this size (0: one write per step)
    // The case is about permessage-deflate: without it negotiated, it is unsupported.
    bool needsDeflate = false;
};

struct Case {
    std::string id;           // "5.12"
    std::string description;  // one line
    std::string rfc;          // "RFC 6455 §5.4"
    Applies applies = Applies::Both;
    int timeoutFactor = 1;  // slow cases (16 MiB) get this many times the case timeout
    std::function<Script()> script;

    // "framing", "utf8", ... from the id's first number.
    std::string_view group() const;
    bool appliesTo(Applies peer) const { return applies == Applies::Both || applies == peer; }
};

enum class Verdict : std::uint8_t {
    Pass,         // what a strict peer does
    NonStrict,    // the right action, but e.g. another close code or no close frame
    Fail,         // the wrong action
    Unsupported,  // needs an optional feature (permessage-deflate) the peer declined
};
// "pass", "non-strict", "fail", "unsupported".
std::string_view verdictName(Verdict verdict);

// The groups in catalogue order: {number, name, title}.
struct Group {
    std::string_view number;  // "6"
    std::string_view name;    // "utf8"
    std::string_view title;   // "UTF-8 handling"
};
std::span<const Group> groups();
// The group of an id ("6.4.3" -> "utf8"); empty for an unknown number.
std::string_view groupOf(std::string_view id);

}  // namespace sockscope::session::conformance
