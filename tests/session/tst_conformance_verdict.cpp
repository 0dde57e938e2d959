// The conformance verdict on observations made up by hand: what passes, what
// is non-strict (and why, in words), what fails.

#include <QTest>

#include "session/conformance_builders.h"
#include "session/conformance_verdict.h"

using namespace sockscope;
using namespace sockscope::session::conformance;
using namespace sockscope::session::conformance::build;

namespace {

Observation opened() {
    Observation seen;
    seen.upgraded = true;
    seen.timeoutMs = 5000;
    return seen;
}

Observation answered(std::vector<Reply> replies, std::uint16_t code = 1000) {
    Observation seen = opened();
    seen.replies = std::move(replies);
    seen.peerClosed = true;
    seen.peerCloseCode = code;
    seen.tcpClosed = true;
    return seen;
}

Observation failedWith(std::uint16_t code, std::string reason = {}) {
    Observation seen = answered({}, code);
    seen.peerClosedFirst = true;
    seen.peerCloseReason = std::move(reason);
    return seen;
}

void expect(const Judgement& judgement, Verdict verdict, const std::string& reason) {
    QCOMPARE(std::string(verdictName(judgement.verdict)), std::string(verdictName(verdict)));
    QCOMPARE(judgement.reason, reason);
}

}  // namespace

class ConformanceVerdict : public QObject {
    Q_OBJECT

private slots:
    void echoPasses() {
        const Script script = echo({frame(kText, bytes("Hello"))}, {echoed(kText, bytes("Hello"))});
        expect(judge(script.expect, answered({echoed(kText, bytes("Hello"))}), Applies::ServerOnly),
               Verdict::Pass, "1 replies as expected, close answered with 1000");
    }

    void pongsMayOvertakeEchoes() {
        const Script script =
            echo({}, {echoed(kText, bytes("a")), pong(bytes("p")), echoed(kText, bytes("b"))});
        const Observation seen =
            answered({pong(bytes("p")), echoed(kText, bytes("a")), echoed(kText, bytes("b"))});
        QCOMPARE(judge(script.expect, seen, Applies::ServerOnly).verdict, Verdict::Pass);
    }

    void aDifferentPayloadFails() {
        const Script script = echo({}, {echoed(kText, bytes("Hello"))});
        expect(judge(script.expect, answered({echoed(kText, bytes("Hallo"))}), Applies::ServerOnly),
               Verdict::Fail,
               "reply 1: expected text message of 5 bytes, got text message of 5 bytes (payload "
               "differs at byte 1)");
    }

    void aMissingEchoFails() {
        const Script script = echo({}, {echoed(kBinary, bytes("x"))});
        Observation seen = opened();
        seen.timedOut = true;
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::Fail,
               "expected 1 replies, got 0; missing binary message of 1 bytes within 5 s");
    }

    void closingFirstInsteadOfEchoingFails() {
        const Script script = echo({}, {echoed(kText, bytes("Hello"))});
        Observation seen = failedWith(1002, "reserved-bit-set");
        seen.replies = {echoed(kText, bytes("Hello"))};
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::Fail,
               "the peer closed the connection with 1002 (reserved-bit-set) instead of answering");
    }

    void failingWithTheExpectedCodePasses() {
        const Script script = fail({}, {1007});
        expect(judge(script.expect, failedWith(1007, "invalid-utf8"), Applies::ServerOnly),
               Verdict::Pass, "failed the connection with 1007 (invalid-utf8)");
    }

    void anotherCodeIsNonStrict() {
        const Script script = fail({}, {1007});
        expect(judge(script.expect, failedWith(1002), Applies::ServerOnly), Verdict::NonStrict,
               "expected close 1007, got 1002");
    }

    void droppingTcpIsNonStrict() {
        const Script script = fail({}, {1002});
        Observation seen = opened();
        seen.tcpClosed = true;
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::NonStrict,
               "dropped TCP without a close frame (expected close 1002)");
    }

    void notFailingFails() {
        const Script script = fail({}, {1002, 1009});
        Observation seen = opened();
        seen.timedOut = true;
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::Fail,
               "the peer did not fail the connection within 5 s (expected close 1002 or 1009)");
    }

    void failingBeforeEchoingIsNonStrict() {
        const Script script = echoThenFail(frame(kText, bytes("Hello")),
                                           {withRsv(frame(kText, bytes("x")), 4)}, 1002);
        expect(judge(script.expect, failedWith(1002), Applies::ServerOnly), Verdict::NonStrict,
               "failed the connection without echoing the valid message before it");
        Observation strict = failedWith(1002);
        strict.replies = {echoed(kText, bytes("Hello"))};
        QCOMPARE(judge(script.expect, strict, Applies::ServerOnly).verdict, Verdict::Pass);
    }

    void failingLateIsNonStrict() {
        Script script = fail({}, {1007}, {marker("A")},
                             std::vector<Reply>{marker("A"), marker("B")}, "failed late");
        Observation seen = failedWith(1007);
        seen.replies = {marker("A"), marker("B")};
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::NonStrict, "failed late");
        seen.replies = {marker("A"), marker("B"), marker("C")};
        QCOMPARE(judge(script.expect, seen, Applies::ServerOnly).verdict, Verdict::Fail);
    }

    void aToleratedEchoIsNonStrict() {
        Script script = fail({}, {1002});
        script.expect.toleratedEcho = std::vector<Reply>{echoed(kText, bytes("Hello"))};
        script.expect.toleratedNote = "accepted it";
        expect(judge(script.expect, answered({echoed(kText, bytes("Hello"))}), Applies::ServerOnly),
               Verdict::NonStrict, "accepted it");
    }

    void aLocalLimitMayRefuse() {
        Script script = echo({}, {echoed(kText, bytes("end"))});
        script.expect.orFailWith = {1009};
        expect(judge(script.expect, failedWith(1009, "too-many-fragments"), Applies::ServerOnly),
               Verdict::Pass, "refused with 1009 (too-many-fragments) (a local limit)");
        QCOMPARE(judge(script.expect, failedWith(1002), Applies::ServerOnly).verdict,
                 Verdict::Fail);
    }

    void closeAnswers() {
        const Script script = closeWith({}, {1005, 1000});
        Observation seen = answered({});
        seen.peerCloseCode.reset();
        QCOMPARE(judge(script.expect, seen, Applies::ServerOnly).verdict, Verdict::Pass);
        expect(judge(script.expect, answered({}, 1001), Applies::ServerOnly), Verdict::NonStrict,
               "answered the close with 1001; expected no code or 1000");
        seen.tcpLingered = true;
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::NonStrict,
               "the server kept TCP open after the close handshake");
    }

    void serverRefusals() {
        Script script;
        script.expect.outcome = Outcome::Reject;
        script.expect.statuses = {426};
        script.expect.requiredField = "Sec-WebSocket-Version";
        Observation seen;
        seen.response = HttpResponse{"HTTP/1.1", 426, "Upgrade Required", {}};
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::NonStrict,
               "refused with 426 but without Sec-WebSocket-Version");
        seen.response->fields.add("Sec-WebSocket-Version", "13");
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::Pass, "refused with 426");
        seen.response->status = 400;
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::NonStrict,
               "refused with 400; expected 426");
        seen.response->status = 101;
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::Fail,
               "the server accepted the upgrade (101); expected 426");
        seen.response.reset();
        seen.tcpClosed = true;
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::NonStrict,
               "the server closed the connection without an HTTP answer; expected 426");
    }

    void clientRefusals() {
        Script script;
        script.expect.outcome = Outcome::Reject;
        Observation seen;
        seen.tcpClosed = true;
        expect(judge(script.expect, seen, Applies::ClientOnly), Verdict::Pass,
               "the client dropped the connection without a frame");
        seen.replies = {echoed(kText, bytes("must not be echoed"))};
        seen.peerFrames = 1;
        expect(judge(script.expect, seen, Applies::ClientOnly), Verdict::Fail,
               "the client accepted the invalid handshake: it sent back a text message of 18 "
               "bytes");
        seen.replies.clear();
        seen.peerClosed = true;
        seen.peerCloseCode = 1002;
        expect(judge(script.expect, seen, Applies::ClientOnly), Verdict::NonStrict,
               "the client sent a close frame (1002) on a connection that never opened, then "
               "dropped it");
        Observation open;
        open.timeoutMs = 2000;
        expect(judge(script.expect, open, Applies::ClientOnly), Verdict::Fail,
               "the client kept the connection open for 2 s after an invalid handshake");
    }

    void brokenPeersAndUnsupportedFeatures() {
        const Script script = echo({}, {});
        Observation seen = answered({});
        seen.violations = {"masked-server-frame: MASK bit is 1 in a server frame"};
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::Fail,
               "the peer broke a rule: masked-server-frame: MASK bit is 1 in a server frame");
        seen.unsupported = "the server declined permessage-deflate";
        expect(judge(script.expect, seen, Applies::ServerOnly), Verdict::Unsupported,
               "the server declined permessage-deflate");
        Observation refused;
        refused.response = HttpResponse{"HTTP/1.1", 403, "Forbidden", {}};
        expect(judge(script.expect, refused, Applies::ServerOnly), Verdict::Fail,
               "the server refused the upgrade with 403");
    }
};

QTEST_GUILESS_MAIN(ConformanceVerdict)
#include "tst_conformance_verdict.moc"
