// Group 2, pings and pongs (RFC 6455 §5.5.2, §5.5.3): payload sizes up to the
// 125-byte limit and past it, unsolicited pongs, pings written a byte at a
// time, and round trips.

#include <string>

#include "session/conformance_builders.h"

namespace sockscope::session::conformance::build {
namespace {

constexpr std::string_view kPingRfc = "RFC 6455 §5.5.2";
constexpr std::string_view kPongRfc = "RFC 6455 §5.5.3";
constexpr std::string_view kControlRfc = "RFC 6455 §5.5";

Script pingPong(SharedBytes payload, std::size_t chop = 0) {
    const Reply reply = pong(payload);
    Script script = echo({frame(kPing, std::move(payload))}, {reply});
    script.chop = chop;
    return script;
}

// Nothing may come back: the case waits a moment before it closes.
Script silent(std::vector<Step> steps) {
    steps.emplace_back(pause(kSettleMs));
    return echo(std::move(steps), {});
}

Script tenPings(std::size_t chop) {
    std::vector<Step> steps;
    std::vector<Reply> replies;
    for (int i = 0; i < 10; ++i) {
        const SharedBytes payload = bytes("payload-" + std::to_string(i));
        steps.emplace_back(frame(kPing, payload));
        steps.emplace_back(await(static_cast<std::size_t>(i) + 1));
        replies.push_back(pong(payload));
    }
    Script script = echo(std::move(steps), std::move(replies));
    script.chop = chop;
    return script;
}

}  // namespace

void addControlCases(CaseList& cases) {
    const std::string ping(kPingRfc);
    const std::string pongRfc(kPongRfc);
    const std::string control(kControlRfc);
    cases.add("2.1", "A ping without payload", ping, [] { return pingPong(bytes("")); });
    cases.add("2.2", "A ping with a short text payload", ping,
              [] { return pingPong(bytes("Hello, world!")); });
    cases.add("2.3", "A ping with a short binary payload", ping, [] {
        return pingPong(bytes({0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}));
    });
    cases.add("2.4", "A ping with 125 bytes of binary payload (the most allowed)", ping,
              [] { return pingPong(binaryPayload(125)); });
    cases.add("2.5", "A ping with 126 bytes of payload (one too many)", control,
              [] { return fail({frame(kPing, binaryPayload(126))}, {1002}); });
    cases.add("2.6", "A ping with 125 bytes of payload written one byte at a time", ping,
              [] { return pingPong(binaryPayload(125), 1); });
    cases.add("2.7", "An unsolicited pong without payload: nothing comes back", pongRfc,
              [] { return silent({frame(kPong, bytes(""))}); });
    cases.add("2.8", "An unsolicited pong with payload: nothing comes back", pongRfc,
              [] { return silent({frame(kPong, bytes("unsolicited pong payload"))}); });
    cases.add("2.9", "An unsolicited pong, then a ping: only the ping is answered", pongRfc, [] {
        const SharedBytes payload = bytes("ping payload");
        return echo({frame(kPong, bytes("unsolicited pong payload")), frame(kPing, payload)},
                    {pong(payload)});
    });
    cases.add("2.10", "Ten pings, each answered before the next", ping, [] { return tenPings(0); });
    cases.add("2.11", "Ten pings written one byte at a time, each answered before the next", ping,
              [] { return tenPings(1); });
    cases.add("2.12", "A ping with 127 bytes of payload (a 16-bit length)", control,
              [] { return fail({frame(kPing, binaryPayload(127))}, {1002}); });
    cases.add("2.13", "A ping with 65536 bytes of payload (a 64-bit length)", control,
              [] { return fail({frame(kPing, binaryPayload(65536))}, {1002}); });
    cases.add("2.14", "A pong with 126 bytes of payload", control,
              [] { return fail({frame(kPong, binaryPayload(126))}, {1002}); });
    cases.add("2.15", "A ping with a 1-byte payload", ping, [] { return pingPong(bytes("x")); });
    cases.add("2.16", "A ping whose payload is not UTF-8 (control payloads are bytes)", ping, [] {
        return pingPong(bytes({0xff, 0xfe, 0xc0, 0x80}));
    });
    cases.add("2.17", "A ping between two text messages", ping, [] {
        const SharedBytes a = bytes("before");
        const SharedBytes p = bytes("between");
        const SharedBytes b = bytes("after");
        return echo({frame(kText, a), frame(kPing, p), frame(kText, b)},
                    {echoed(kText, a), pong(p), echoed(kText, b)});
    });
    cases.add("2.18", "A 125-byte ping whose payload arrives after a pause", ping, [] {
        FrameStep step = frame(kPing, binaryPayload(125));
        step.splits.push_back({60, kSettleMs, {}});
        const Reply reply = pong(step.payload);
        return echo({std::move(step)}, {reply});
    });
    cases.add("2.19", "An unsolicited pong with 125 bytes of payload: nothing comes back", pongRfc,
              [] { return silent({frame(kPong, binaryPayload(125))}); });
    cases.add("2.20", "An unsolicited pong and a ping in one write", ping, [] {
        const SharedBytes payload = bytes("ping after a pong");
        Script script = echo({frame(kPong, bytes("pong")), frame(kPing, payload)}, {pong(payload)});
        script.chop = kOneWrite;
        return script;
    });
}

}  // namespace sockscope::session::conformance::build
