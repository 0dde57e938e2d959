// Group 7, the closing handshake (RFC 6455 §5.5.1, §7): nothing is read after
// a close, a close mid-message is answered, the close body is 0 or 2-125
// bytes with a valid code and a UTF-8 reason; every registered and private
// code is accepted and echoed, every code that may not be sent fails the
// connection with 1002.

#include <string>

#include "session/conformance_builders.h"

namespace sockscope::session::conformance::build {
namespace {

constexpr std::string_view kCloseRfc = "RFC 6455 §5.5.1";
constexpr std::string_view kCodesRfc = "RFC 6455 §7.4";
// In closeCodes: a close frame without a status code.
constexpr std::uint16_t kNoCode = 1005;

FrameStep closeFrame(std::uint16_t code, std::string_view reason = {}) {
    return frame(kClose, closeBody(code, reason));
}

void addClosingBehaviour(CaseList& cases) {
    const std::string rfc(kCloseRfc);
    cases.add("7.1.1", "A text message, then a close: the message is echoed, the close answered",
              rfc, [] {
                  const SharedBytes text = bytes("Hello World");
                  Script script = closeWith({frame(kText, text), closeFrame(1000)}, {1000},
                                            {echoed(kText, text)});
                  script.expect.nonStrictReplies = std::vector<Reply>{};
                  script.expect.nonStrictNote =
                      "closed without echoing the message before the close";
                  return script;
              });
    cases.add("7.1.2", "Two closes: the second is ignored", rfc, [] {
        return closeWith({closeFrame(1000), closeFrame(1000)}, {1000});
    });
    cases.add("7.1.3", "A close, then a ping: the ping is not answered", rfc, [] {
        return closeWith({closeFrame(1000), frame(kPing, bytes("Hello World"))}, {1000});
    });
    cases.add("7.1.4", "A close, then a text message: the message is not echoed", rfc, [] {
        return closeWith({closeFrame(1000), frame(kText, bytes("Hello World"))}, {1000});
    });
    cases.add("7.1.5",
              "A text fragment, a close, then the last fragment: the close is answered with 1000, "
              "the message dropped",
              rfc, [] {
                  return closeWith({frame(kText, bytes("fragment1"), false), closeFrame(1000),
                                    frame(kContinuation, bytes("fragment2"))},
                                   {1000});
              });
    cases.add("7.1.6", "A 256 KiB text message, a close and a ping in one write", rfc, [] {
        const SharedBytes text = wordsPayload(256 << 10);
        Script script = closeWith({frame(kText, text), closeFrame(1000), frame(kPing, bytes(""))},
                                  {1000}, {echoed(kText, text)});
        script.expect.nonStrictReplies = std::vector<Reply>{};
        script.expect.nonStrictNote = "closed without echoing the message before the close";
        script.chop = kOneWrite;
        return script;
    });
}

void addBodies(CaseList& cases) {
    const std::string rfc(kCloseRfc);
    cases.add("7.3.1", "A close without a body", rfc, [] {
        return closeWith({frame(kClose, bytes(""))}, {kNoCode, 1000});
    });
    cases.add("7.3.2", "A close with a 1-byte body", rfc,
              [] { return fail({frame(kClose, bytes({0x03}))}, {1002}); });
    cases.add("7.3.3", "A close with code 1000 and no reason", rfc,
              [] { return closeWith({closeFrame(1000)}, {1000}); });
    cases.add("7.3.4", "A close with code 1000 and a short reason", rfc,
              [] { return closeWith({closeFrame(1000, "Hello World!")}, {1000}); });
    cases.add("7.3.5", "A close with code 1000 and a 123-byte reason (125-byte body)", rfc,
              [] { return closeWith({closeFrame(1000, std::string(123, '*'))}, {1000}); });
    cases.add("7.3.6", "A close with code 1000 and a 124-byte reason (126-byte body)", rfc,
              [] { return fail({closeFrame(1000, std::string(124, '*'))}, {1002}); });
    cases.add("7.5.1", "A close whose reason is not UTF-8", rfc, [] {
        return fail({closeFrame(1000,
                                "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80"
                                "edited")},
                    {1007});
    });
    cases.add("7.5.2", "A close whose reason ends inside a UTF-8 sequence", rfc,
              [] { return fail({closeFrame(1000, "bye \xE2\x82")}, {1007}); });
    cases.add("7.5.3", "A close whose reason is valid multi-byte UTF-8", rfc, [] {
        return closeWith({closeFrame(1000, "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5")},
                         {1000});
    });
}

void addCodes(CaseList& cases) {
    const std::string rfc(kCodesRfc);
    int n = 1;
    for (const std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012,
                                     1013, 1014, 3000, 3001, 3999, 4000, 4001, 4999}) {
        cases.add(
            "7.7." + std::to_string(n++),
            "A close with the valid code " + std::to_string(code) + ": answered with it or 1000",
            rfc, [code] {
                return closeWith({closeFrame(code)}, {static_cast<std::uint16_t>(1000), code});
            });
    }
    n = 1;
    for (const std::uint16_t code :
         {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
        cases.add("7.9." + std::to_string(n++),
                  "A close with the code " + std::to_string(code) + ", which may not be sent", rfc,
                  [code] { return fail({closeFrame(code)}, {1002}); });
    }
}

void addMore(CaseList& cases) {
    const std::string rfc(kCloseRfc);
    cases.add("7.10.1", "A close, then a binary message: not echoed", rfc, [] {
        return closeWith({closeFrame(1000), frame(kBinary, binaryPayload(32))}, {1000});
    });
    cases.add("7.10.2",
              "A close, then a frame with a reserved opcode: nothing read after the close", rfc,
              [] {
                  return closeWith({closeFrame(1000), frame(0x5, bytes("x"))}, {1000});
              });
    cases.add("7.10.3", "A close with FIN clear (a fragmented control frame)", "RFC 6455 §5.5",
              [] { return fail({frame(kClose, closeBody(1000), false)}, {1002}); });
    cases.add("7.10.4", "A close written one byte at a time", rfc, [] {
        Script script = closeWith({closeFrame(1000, "slowly")}, {1000});
        script.chop = 1;
        return script;
    });
    cases.add("7.10.5", "A close whose length is written in the 16-bit form", "RFC 6455 §5.2", [] {
        FrameStep step = closeFrame(1000, "non-minimal");
        step.length = RawLength::Force16;
        return fail({std::move(step)}, {1002});
    });
    cases.add("7.10.6", "A ping and a close in one write: the ping is answered first", rfc, [] {
        const SharedBytes ping = bytes("before the close");
        Script script = closeWith({frame(kPing, ping), closeFrame(1000)}, {1000}, {pong(ping)});
        script.chop = kOneWrite;
        return script;
    });
    cases.add(
        "7.10.7", "A text message and a close in one write: the message is echoed first", rfc, [] {
            const SharedBytes text = bytes("shares a segment with the close");
            Script script =
                closeWith({frame(kText, text), closeFrame(1000)}, {1000}, {echoed(kText, text)});
            script.expect.nonStrictReplies = std::vector<Reply>{};
            script.expect.nonStrictNote =
                "closed without echoing the message that shared a write with the close";
            script.chop = kOneWrite;
            return script;
        });
    cases.add("7.10.8",
              "A close with code 1001 and a reason, in the middle of a fragmented binary "
              "message",
              rfc, [] {
                  return closeWith(
                      {frame(kBinary, binaryPayload(10), false), closeFrame(1001, "going away")},
                      {1000, 1001});
              });
}

}  // namespace

void addCloseCases(CaseList& cases) {
    addClosingBehaviour(cases);
    addBodies(cases);
    addCodes(cases);
    addMore(cases);
}

}  // namespace sockscope::session::conformance::build
