#pragma once
// The verdict of one case: what the tester saw (Observation) against what a
// strict peer does (Expectation). Pass is exactly the strict behaviour;
// non-strict is the right action done less exactly (another close code, TCP
// dropped without a close frame, the valid message before a bad frame not
// echoed, a fail-fast failure that came late); fail is the wrong action or
// none within the time allowed. The reason says what differed, in words.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "session/conformance_case.h"
#include "sockscope/core/http_message.h"

namespace sockscope::session::conformance {

struct Observation {
    // Handshake
    bool upgraded = false;                 // the WebSocket connection opened
    std::optional<HttpResponse> response;  // a server's answer (tester as client)
    std::string handshakeError;            // the peer's side of the handshake was invalid
    std::string unsupported;               // not empty: the case could not run (why)
    // After the handshake
    std::vector<Reply> replies;
    std::size_t peerFrames = 0;
    std::vector<std::string> violations;  // rules the peer's frames broke
    bool peerClosed = false;              // the peer sent a close frame
    std::optional<std::uint16_t> peerCloseCode;
    std::string peerCloseReason;
    bool peerClosedFirst = false;  // ... before the tester sent one
    bool tcpClosed = false;        // the peer closed (or reset) TCP
    bool tcpLingered = false;      // a server kept TCP open after the close handshake
    bool timedOut = false;
    int timeoutMs = 0;
};

struct Judgement {
    Verdict verdict = Verdict::Fail;
    std::string reason;
};

// `peer`: ServerOnly when a server was tested, ClientOnly for a client.
Judgement judge(const Expectation& expect, const Observation& seen, Applies peer);

// "text message of 5 bytes", "pong of 0 bytes", "the connection still open after pause A".
std::string describeReply(const Reply& reply);

}  // namespace sockscope::session::conformance
