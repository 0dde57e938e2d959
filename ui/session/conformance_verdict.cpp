#include "session/conformance_verdict.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace sockscope::session::conformance {
namespace {

constexpr std::uint16_t kNoCode = 1005;

std::string seconds(int ms) {
    if (ms % 1000 == 0) {
        return std::to_string(ms / 1000) + " s";
    }
    return std::to_string(ms) + " ms";
}

std::string listText(const std::vector<std::uint16_t>& codes) {
    std::string out;
    for (std::size_t i = 0; i < codes.size(); ++i) {
        if (i > 0) {
            out += i + 1 == codes.size() ? " or " : ", ";
        }
        out += codes[i] == kNoCode ? "no code" : std::to_string(codes[i]);
    }
    return out;
}

std::string listText(const std::vector<int>& statuses) {
    std::vector<std::uint16_t> codes;
    for (const int status : statuses) {
        codes.push_back(static_cast<std::uint16_t>(status));
    }
    return listText(codes);
}

std::string closeText(const Observation& seen) {
    std::string out = seen.peerCloseCode ? std::to_string(*seen.peerCloseCode) : "no code";
    if (!seen.peerCloseReason.empty()) {
        std::string reason = seen.peerCloseReason.substr(0, 60);
        out += " (" + reason + ")";
    }
    return out;
}

std::string ordinal(std::size_t n) {
    return "reply " + std::to_string(n + 1);
}

std::size_t sizeOf(const Reply& reply) {
    return reply.payload ? reply.payload->size() : 0;
}

std::string mismatch(const std::vector<Reply>& expected, const std::vector<Reply>& got,
                     const Observation& seen) {
    std::size_t i = 0;
    while (i < expected.size() && i < got.size() && expected[i] == got[i]) {
        ++i;
    }
    if (i == got.size()) {
        std::string why = "expected " + std::to_string(expected.size()) + " replies, got " +
                          std::to_string(got.size()) + "; missing " + describeReply(expected[i]);
        if (seen.peerClosed) {
            why += "; the peer closed with " + closeText(seen);
        } else if (seen.tcpClosed) {
            why += "; the peer dropped TCP";
        } else if (seen.timedOut) {
            why += " within " + seconds(seen.timeoutMs);
        }
        return why;
    }
    if (i == expected.size()) {
        return "unexpected " + describeReply(got[i]) + " after " + std::to_string(expected.size()) +
               " expected replies";
    }
    std::string why =
        ordinal(i) + ": expected " + describeReply(expected[i]) + ", got " + describeReply(got[i]);
    if (expected[i].kind == got[i].kind && expected[i].kind != Reply::Kind::Marker &&
        sizeOf(expected[i]) == sizeOf(got[i]) && expected[i].payload && got[i].payload) {
        const auto diff = std::mismatch(expected[i].payload->begin(), expected[i].payload->end(),
                                        got[i].payload->begin());
        why += " (payload differs at byte " +
               std::to_string(diff.first - expected[i].payload->begin()) + ")";
    }
    return why;
}

std::vector<Reply> ofKind(const std::vector<Reply>& replies, Reply::Kind kind) {
    std::vector<Reply> out;
    std::copy_if(replies.begin(), replies.end(), std::back_inserter(out),
                 [kind](const Reply& reply) { return reply.kind == kind; });
    return out;
}

constexpr std::array kKinds = {Reply::Kind::Message, Reply::Kind::Pong, Reply::Kind::Marker};

// Messages, pongs and markers each in order; how they interleave is not
// compared: a peer answers a ping as soon as it reads it (RFC 6455 §5.5.3),
// which may be before it echoes a message that came earlier.
bool sameReplies(const std::vector<Reply>& a, const std::vector<Reply>& b) {
    return std::all_of(kKinds.begin(), kKinds.end(),
                       [&](Reply::Kind kind) { return ofKind(a, kind) == ofKind(b, kind); });
}

std::string replyMismatch(const std::vector<Reply>& expected, const std::vector<Reply>& got,
                          const Observation& seen) {
    for (const Reply::Kind kind : kKinds) {
        const std::vector<Reply> want = ofKind(expected, kind);
        const std::vector<Reply> have = ofKind(got, kind);
        if (want != have) {
            return mismatch(want, have, seen);
        }
    }
    return mismatch(expected, got, seen);
}

bool contains(const std::vector<std::uint16_t>& codes, std::uint16_t code) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

Judgement rejected(const Expectation& expect, const Observation& seen, Applies peer) {
    if (peer == Applies::ServerOnly) {
        const std::string wanted = listText(expect.statuses);
        if (seen.upgraded || (seen.response && seen.response->status == 101)) {
            return {Verdict::Fail, "the server accepted the upgrade (101); expected " + wanted};
        }
        if (!seen.response) {
            if (seen.tcpClosed) {
                return {
                    Verdict::NonStrict,
                    "the server closed the connection without an HTTP answer; expected " + wanted};
            }
            return {Verdict::Fail, "no answer within " + seconds(seen.timeoutMs)};
        }
        const int status = seen.response->status;
        const bool listed = std::find(expect.statuses.begin(), expect.statuses.end(), status) !=
                            expect.statuses.end();
        if (listed) {
            if (!expect.requiredField.empty() && !seen.response->fields.get(expect.requiredField)) {
                return {Verdict::NonStrict, "refused with " + std::to_string(status) +
                                                " but without " + expect.requiredField};
            }
            return {Verdict::Pass, "refused with " + std::to_string(status)};
        }
        if (status >= 400 && status < 600) {
            return {Verdict::NonStrict,
                    "refused with " + std::to_string(status) + "; expected " + wanted};
        }
        return {Verdict::Fail, "answered with " + std::to_string(status) + "; expected " + wanted};
    }
    if (!seen.replies.empty()) {
        return {Verdict::Fail, "the client accepted the invalid handshake: it sent back a " +
                                   describeReply(seen.replies.front())};
    }
    if (seen.peerClosed && seen.peerFrames == 1) {
        return {Verdict::NonStrict, "the client sent a close frame (" + closeText(seen) +
                                        ") on a connection that never opened, then dropped it"};
    }
    if (seen.peerFrames > 0) {
        return {Verdict::Fail, "the client sent " + std::to_string(seen.peerFrames) +
                                   " frames after an invalid handshake"};
    }
    if (!seen.tcpClosed) {
        return {Verdict::Fail, "the client kept the connection open for " +
                                   seconds(seen.timeoutMs) + " after an invalid handshake"};
    }
    return {Verdict::Pass, "the client dropped the connection without a frame"};
}

}  // namespace

std::string describeReply(const Reply& reply) {
    switch (reply.kind) {
        case Reply::Kind::Marker:
            return "the connection still open after pause " + reply.marker;
        case Reply::Kind::Pong:
            return "pong of " + std::to_string(sizeOf(reply)) + " bytes";
        case Reply::Kind::Message:
            break;
    }
    const std::string kind = reply.opcode == 0x1 ? "text" : reply.opcode == 0x2 ? "binary" : "data";
    return kind + " message of " + std::to_string(sizeOf(reply)) + " bytes";
}

Judgement judge(const Expectation& expect, const Observation& seen, Applies peer) {
    if (!seen.unsupported.empty()) {
        return {Verdict::Unsupported, seen.unsupported};
    }
    if (!seen.violations.empty()) {
        return {Verdict::Fail, "the peer broke a rule: " + seen.violations.front()};
    }
    if (expect.outcome == Outcome::Reject) {
        return rejected(expect, seen, peer);
    }
    if (!seen.upgraded) {
        if (!seen.handshakeError.empty()) {
            return {Verdict::Fail, "opening handshake: " + seen.handshakeError};
        }
        if (seen.response) {
            return {Verdict::Fail,
                    "the server refused the upgrade with " + std::to_string(seen.response->status)};
        }
        return {Verdict::Fail,
                seen.timedOut
                    ? "the opening handshake did not complete within " + seconds(seen.timeoutMs)
                    : "the connection closed during the opening handshake"};
    }
    if (!expect.orFailWith.empty() && seen.peerClosed && seen.peerClosedFirst &&
        seen.peerCloseCode && contains(expect.orFailWith, *seen.peerCloseCode)) {
        return {Verdict::Pass, "refused with " + closeText(seen) + " (a local limit)"};
    }

    if (expect.outcome == Outcome::Fail && expect.toleratedEcho && !seen.peerClosedFirst &&
        sameReplies(seen.replies, *expect.toleratedEcho)) {
        return {Verdict::NonStrict, expect.toleratedNote};
    }
    const bool strict = sameReplies(seen.replies, expect.replies);
    const bool lenient =
        !strict && expect.nonStrictReplies && sameReplies(seen.replies, *expect.nonStrictReplies);
    if (!strict && !lenient) {
        return {Verdict::Fail, replyMismatch(expect.replies, seen.replies, seen)};
    }
    std::vector<std::string> notes;
    if (lenient) {
        notes.push_back(expect.nonStrictNote);
    }

    std::vector<std::uint16_t> codes = expect.closeCodes;
    if (codes.empty()) {
        codes.push_back(1000);
    }
    std::string passed;
    if (expect.outcome == Outcome::Fail) {
        if (!seen.peerClosed) {
            if (!seen.tcpClosed) {
                return {Verdict::Fail, "the peer did not fail the connection within " +
                                           seconds(seen.timeoutMs) + " (expected close " +
                                           listText(codes) + ")"};
            }
            notes.push_back("dropped TCP without a close frame (expected close " + listText(codes) +
                            ")");
        } else if (!contains(codes, seen.peerCloseCode.value_or(kNoCode))) {
            notes.push_back("expected close " + listText(codes) + ", got " + closeText(seen));
        }
        passed = "failed the connection with " + closeText(seen);
    } else {
        if (expect.outcome == Outcome::Echo && seen.peerClosedFirst) {
            return {Verdict::Fail, "the peer closed the connection with " + closeText(seen) +
                                       " instead of answering"};
        }
        if (!seen.peerClosed) {
            if (!seen.tcpClosed) {
                return {Verdict::Fail, "no answer to the close within " + seconds(seen.timeoutMs)};
            }
            notes.push_back("dropped TCP without answering the close");
        } else if (!contains(codes, seen.peerCloseCode.value_or(kNoCode))) {
            notes.push_back("answered the close with " + closeText(seen) + "; expected " +
                            listText(codes));
        }
        if (seen.tcpLingered) {
            notes.push_back("the server kept TCP open after the close handshake");
        }
        passed = std::to_string(seen.replies.size()) +
                 " replies as expected, close answered with " + closeText(seen);
    }
    if (notes.empty()) {
        return {Verdict::Pass, passed};
    }
    std::string reason;
    for (const std::string& note : notes) {
        reason += reason.empty() ? note : "; " + note;
    }
    return {Verdict::NonStrict, reason};
}

}  // namespace sockscope::session::conformance
