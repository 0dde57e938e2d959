// Groups 3 and 4: reserved bits and reserved opcodes (RFC 6455 §5.2). No
// extension is negotiated, so every RSV bit and every opcode 3-7 and 11-15
// must fail the connection with 1002; a valid message that came first must be
// echoed before that.

#include <string>

#include "session/conformance_builders.h"

namespace sockscope::session::conformance::build {
namespace {

constexpr std::string_view kRfc = "RFC 6455 §5.2";

std::string rsvText(int rsv) {
    std::string bits;
    for (const auto& [mask, name] : {std::pair{4, "RSV1"}, {2, "RSV2"}, {1, "RSV3"}}) {
        if ((rsv & mask) != 0) {
            bits += bits.empty() ? name : std::string("+") + name;
        }
    }
    return bits;
}

std::string hexOpcode(std::uint8_t opcode) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return std::string("0x") + kDigits[opcode & 0xF];
}

void addReservedBits(CaseList& cases) {
    const std::string rfc(kRfc);
    cases.add("3.1", "A text frame with RSV3 set", rfc,
              [] { return fail({withRsv(frame(kText, bytes("Hello")), 1)}, {1002}); });
    cases.add(
        "3.2", "A valid text message, then one with RSV2 set, then a ping, in one write", rfc, [] {
            return echoThenFail(frame(kText, bytes("Hello")),
                                {withRsv(frame(kText, bytes("Hello")), 2), frame(kPing, bytes(""))},
                                1002);
        });
    cases.add("3.3", "The same with RSV2+RSV3, each frame in its own write", rfc, [] {
        Script script =
            echoThenFail(frame(kText, bytes("Hello")),
                         {withRsv(frame(kText, bytes("Hello")), 3), frame(kPing, bytes(""))}, 1002);
        script.chop = 0;
        return script;
    });
    cases.add("3.4", "The same with RSV1, written one byte at a time", rfc, [] {
        Script script =
            echoThenFail(frame(kText, bytes("Hello")),
                         {withRsv(frame(kText, bytes("Hello")), 4), frame(kPing, bytes(""))}, 1002);
        script.chop = 1;
        return script;
    });
    cases.add("3.5", "A binary frame with RSV1+RSV3 set", rfc,
              [] { return fail({withRsv(frame(kBinary, binaryPayload(8)), 5)}, {1002}); });
    cases.add("3.6", "A ping with RSV1+RSV2 set", rfc,
              [] { return fail({withRsv(frame(kPing, bytes("Hello")), 6)}, {1002}); });
    cases.add("3.7", "A close with all three RSV bits set", rfc,
              [] { return fail({withRsv(frame(kClose, closeBody(1000)), 7)}, {1002}); });
    for (int rsv = 1; rsv <= 7; ++rsv) {
        cases.add(
            "3.8." + std::to_string(rsv),
            "A valid binary message, then a binary frame with " + rsvText(rsv) + ", in one write",
            rfc, [rsv] {
                return echoThenFail(frame(kBinary, binaryPayload(16)),
                                    {withRsv(frame(kBinary, binaryPayload(16, 2)), rsv)}, 1002);
            });
    }
    for (int rsv = 1; rsv <= 7; ++rsv) {
        cases.add("3.9." + std::to_string(rsv),
                  "A fragmented text message whose continuation frame has " + rsvText(rsv), rfc,
                  [rsv] {
                      return fail({frame(kText, bytes("fragment1"), false),
                                   withRsv(frame(kContinuation, bytes("fragment2")), rsv)},
                                  {1002});
                  });
    }
    for (int rsv = 1; rsv <= 7; ++rsv) {
        cases.add("3.10." + std::to_string(rsv), "A pong with " + rsvText(rsv), rfc,
                  [rsv] { return fail({withRsv(frame(kPong, bytes("pong")), rsv)}, {1002}); });
    }
}

void addOpcodes(CaseList& cases) {
    const std::string rfc(kRfc);
    // Autobahn's 4.1 (non-control 3-7) and 4.2 (control 11-15) shapes.
    for (const auto& [section, first] : {std::pair{"4.1.", 0x3}, {"4.2.", 0xB}}) {
        const std::string prefix = section;
        const auto op = [first](int i) { return static_cast<std::uint8_t>(first + i); };
        cases.add(prefix + "1", "A frame with reserved opcode " + hexOpcode(op(0)), rfc,
                  [o = op(0)] { return fail({frame(o, bytes(""))}, {1002}); });
        cases.add(
            prefix + "2", "A frame with reserved opcode " + hexOpcode(op(1)) + " and a payload",
            rfc,
            [o = op(1)] { return fail({frame(o, bytes("reserved opcode payload"))}, {1002}); });
        cases.add(prefix + "3",
                  "A valid text message, a frame with reserved opcode " + hexOpcode(op(2)) +
                      ", a ping, in one write",
                  rfc, [o = op(2)] {
                      return echoThenFail(frame(kText, bytes("Hello")),
                                          {frame(o, bytes("")), frame(kPing, bytes(""))}, 1002);
                  });
        cases.add(prefix + "4",
                  "A valid text message, a frame with reserved opcode " + hexOpcode(op(3)) +
                      " and a payload, a ping, each in its own write",
                  rfc, [o = op(3)] {
                      Script script = echoThenFail(
                          frame(kText, bytes("Hello")),
                          {frame(o, bytes("reserved opcode payload")), frame(kPing, bytes(""))},
                          1002);
                      script.chop = 0;
                      return script;
                  });
        cases.add(
            prefix + "5",
            "The same with reserved opcode " + hexOpcode(op(4)) + ", written one byte at a time",
            rfc, [o = op(4)] {
                Script script = echoThenFail(
                    frame(kText, bytes("Hello")),
                    {frame(o, bytes("reserved opcode payload")), frame(kPing, bytes(""))}, 1002);
                script.chop = 1;
                return script;
            });
    }
    int n = 1;
    for (const std::uint8_t opcode : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        cases.add("4.3." + std::to_string(n++),
                  "A frame with reserved opcode " + hexOpcode(opcode) +
                      " between the fragments of a text message",
                  rfc, [opcode] {
                      return fail({frame(kText, bytes("fragment1"), false),
                                   frame(opcode, bytes("reserved")),
                                   frame(kContinuation, bytes("fragment2"))},
                                  {1002});
                  });
    }
}

}  // namespace

void addReservedCases(CaseList& cases) {
    addReservedBits(cases);
    addOpcodes(cases);
}

}  // namespace sockscope::session::conformance::build
