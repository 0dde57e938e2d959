// Group 1, framing (RFC 6455 §5.2, §5.3): payload sizes around each length
// form, the length encodings themselves, frames written one byte at a time,
// masking by role, and several frames in one write.

#include <array>
#include <string>

#include "session/conformance_builders.h"

namespace sockscope::session::conformance::build {
namespace {

constexpr std::string_view kFraming = "RFC 6455 §5.2";

std::string sizeText(std::size_t size) {
    return std::to_string(size) + (size == 1 ? " byte" : " bytes");
}

Script echoOne(std::uint8_t opcode, SharedBytes payload, std::size_t chop = 0) {
    const Reply reply = echoed(opcode, payload);
    Script script = echo({frame(opcode, std::move(payload))}, {reply});
    script.chop = chop;
    return script;
}

void addSizes(CaseList& cases) {
    // Autobahn's 1.1 / 1.2 sizes: both sides of the 7-bit and 16-bit limits.
    static constexpr std::array<std::size_t, 7> kSizes = {0, 125, 126, 127, 128, 65535, 65536};
    for (const std::uint8_t opcode : {kText, kBinary}) {
        const std::string section = opcode == kText ? "1.1." : "1.2.";
        const std::string kind = opcode == kText ? "text" : "binary";
        int n = 1;
        for (const std::size_t size : kSizes) {
            cases.add(section + std::to_string(n++),
                      "A " + kind + " message of " + sizeText(size) + " in one frame",
                      std::string(kFraming), [opcode, size] {
                          return echoOne(opcode,
                                         opcode == kText ? filled(size, "*") : binaryPayload(size));
                      });
        }
        cases.add(section + "8", "A " + kind + " message of 65536 bytes written in 997-byte pieces",
                  std::string(kFraming), [opcode] {
                      return echoOne(
                          opcode, opcode == kText ? filled(65536, "*") : binaryPayload(65536), 997);
                  });
    }
}

// A non-minimal length breaks a rule for the sender (§5.2: "the minimal
// number of bytes MUST be used"); a receiver that echoes anyway is non-strict.
Script tolerated(Script script, std::vector<Reply> echo) {
    script.expect.toleratedEcho = std::move(echo);
    script.expect.toleratedNote = "accepted a length that is not in its shortest form";
    return script;
}

void addLengthEncodings(CaseList& cases) {
    auto encoded = [](std::uint8_t opcode, SharedBytes payload, RawLength length) {
        FrameStep step = frame(opcode, std::move(payload));
        step.length = length;
        return step;
    };
    cases.add("1.3.1", "A 5-byte text frame whose length is written in the 16-bit form",
              std::string(kFraming), [=] {
                  return tolerated(
                      fail({encoded(kText, bytes("Hello"), RawLength::Force16)}, {1002}),
                      {echoed(kText, bytes("Hello"))});
              });
    cases.add("1.3.2", "A 5-byte text frame whose length is written in the 64-bit form",
              std::string(kFraming), [=] {
                  return tolerated(
                      fail({encoded(kText, bytes("Hello"), RawLength::Force64)}, {1002}),
                      {echoed(kText, bytes("Hello"))});
              });
    cases.add("1.3.3", "A 200-byte binary frame whose length is written in the 64-bit form",
              std::string(kFraming), [=] {
                  return tolerated(
                      fail({encoded(kBinary, binaryPayload(200), RawLength::Force64)}, {1002}),
                      {echoed(kBinary, binaryPayload(200))});
              });
    cases.add("1.3.4", "A binary frame whose 64-bit length has its most significant bit set",
              std::string(kFraming), [=] {
                  return fail({encoded(kBinary, bytes("Hello"), RawLength::Force64TopBit)}, {1002});
              });
    cases.add("1.3.5",
              "A valid text message, then a text frame with a non-minimal 16-bit length, in one "
              "write",
              std::string(kFraming), [=] {
                  return tolerated(
                      echoThenFail(frame(kText, bytes("Hello")),
                                   {encoded(kText, bytes("World"), RawLength::Force16)}, 1002),
                      {echoed(kText, bytes("Hello")), echoed(kText, bytes("World"))});
              });
    cases.add("1.3.6", "A ping whose 5-byte length is written in the 16-bit form",
              std::string(kFraming), [=] {
                  return tolerated(
                      fail({encoded(kPing, bytes("Hello"), RawLength::Force16)}, {1002}),
                      {pong(bytes("Hello"))});
              });
    cases.add("1.3.7", "A text message of 1 MiB in one frame (64-bit length)",
              std::string(kFraming), [] { return echoOne(kText, wordsPayload(1 << 20)); });
    cases.add("1.3.8", "A binary message of 1 MiB in one frame (64-bit length)",
              std::string(kFraming), [] { return echoOne(kBinary, binaryPayload(1 << 20)); });
}

void addOctetWise(CaseList& cases) {
    // Every header byte and every payload byte in its own write.
    struct Sized {
        std::uint8_t opcode;
        std::size_t size;
    };
    static constexpr std::array<Sized, 11> kCases = {{{kText, 0},
                                                      {kText, 1},
                                                      {kText, 125},
                                                      {kText, 126},
                                                      {kText, 127},
                                                      {kText, 16384},
                                                      {kText, 65536},
                                                      {kBinary, 0},
                                                      {kBinary, 125},
                                                      {kBinary, 126},
                                                      {kBinary, 65536}}};
    int n = 1;
    for (const Sized& sized : kCases) {
        const std::string kind = sized.opcode == kText ? "text" : "binary";
        cases.add(
            "1.4." + std::to_string(n++),
            "A " + kind + " message of " + sizeText(sized.size) + " written one byte at a time",
            std::string(kFraming),
            [sized] {
                return echoOne(
                    sized.opcode,
                    sized.opcode == kText ? filled(sized.size, "abc") : binaryPayload(sized.size),
                    1);
            },
            Applies::Both, sized.size > 16384 ? 4 : 1);  // tens of thousands of reads
    }
}

void addMasking(CaseList& cases) {
    const std::string rfc = "RFC 6455 §5.1";
    auto wrongMask = [](std::uint8_t opcode, SharedBytes payload) {
        FrameStep step = frame(opcode, std::move(payload));
        step.masking = Masking::Opposite;
        return step;
    };
    cases.add("1.5.1",
              "A text frame masked the wrong way for the sender (a client's unmasked, a "
              "server's masked)",
              rfc, [=] { return fail({wrongMask(kText, bytes("Hello"))}, {1002}); });
    cases.add("1.5.2", "A valid text message, then a wrongly masked one, in one write", rfc, [=] {
        return echoThenFail(frame(kText, bytes("Hello")), {wrongMask(kText, bytes("World"))}, 1002);
    });
    cases.add("1.5.3", "A ping masked the wrong way for the sender", rfc,
              [=] { return fail({wrongMask(kPing, bytes("ping"))}, {1002}); });
    cases.add("1.5.4", "A wrongly masked empty binary frame", rfc,
              [=] { return fail({wrongMask(kBinary, bytes(""))}, {1002}); });
}

void addBatches(CaseList& cases) {
    cases.add("1.6.1", "Ten text messages in one write", std::string(kFraming), [] {
        std::vector<Step> steps;
        std::vector<Reply> replies;
        for (int i = 0; i < 10; ++i) {
            const SharedBytes payload = bytes("message " + std::to_string(i));
            steps.emplace_back(frame(kText, payload));
            replies.push_back(echoed(kText, payload));
        }
        Script script = echo(std::move(steps), std::move(replies));
        script.chop = kOneWrite;
        return script;
    });
    cases.add("1.6.2", "A text, a binary, a ping and a text frame in one write",
              std::string(kFraming), [] {
                  const SharedBytes a = bytes("first");
                  const SharedBytes b = binaryPayload(300);
                  const SharedBytes p = bytes("ping in a batch");
                  const SharedBytes c = bytes("last");
                  Script script =
                      echo({frame(kText, a), frame(kBinary, b), frame(kPing, p), frame(kText, c)},
                           {echoed(kText, a), echoed(kBinary, b), pong(p), echoed(kText, c)});
                  script.chop = kOneWrite;
                  return script;
              });
    cases.add("1.6.3", "A hundred small binary messages in 7-byte writes", std::string(kFraming),
              [] {
                  std::vector<Step> steps;
                  std::vector<Reply> replies;
                  for (std::uint32_t i = 0; i < 100; ++i) {
                      const SharedBytes payload = binaryPayload(i % 20, i + 1);
                      steps.emplace_back(frame(kBinary, payload));
                      replies.push_back(echoed(kBinary, payload));
                  }
                  Script script = echo(std::move(steps), std::move(replies));
                  script.chop = 7;
                  return script;
              });
}

}  // namespace

void addFramingCases(CaseList& cases) {
    addSizes(cases);
    addLengthEncodings(cases);
    addOctetWise(cases);
    addMasking(cases);
    addBatches(cases);
}

}  // namespace sockscope::session::conformance::build
