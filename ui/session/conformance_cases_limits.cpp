// Group 9, limits and volume (RFC 6455 §10.4): messages up to 16 MiB in one
// frame and in up to 131 072 fragments, writes of every size, a thousand
// round trips; and the inputs that hurt other implementations: floods of tiny
// and empty fragments, lengths near 2^63 and just over 2^32, a deflate bomb.
// Where a local limit may refuse (1009) instead of echoing, either passes.

#include <array>
#include <string>

#include "session/conformance_builders.h"
#include "sockscope/core/permessage_deflate.h"

namespace sockscope::session::conformance::build {
namespace {

constexpr std::string_view kRfc = "RFC 6455 §10.4";
constexpr int kSlow = 4;  // timeout factor for the cases that move megabytes

std::string sizeText(std::size_t size) {
    if (size >= (1u << 20) && size % (1u << 20) == 0) {
        return std::to_string(size >> 20) + " MiB";
    }
    if (size >= 1024 && size % 1024 == 0) {
        return std::to_string(size >> 10) + " KiB";
    }
    return std::to_string(size) + (size == 1 ? " byte" : " bytes");
}

SharedBytes payloadFor(std::uint8_t opcode, std::size_t size) {
    return opcode == kText ? wordsPayload(size) : binaryPayload(size);
}

const char* kindOf(std::uint8_t opcode) {
    return opcode == kText ? "text" : "binary";
}

void addVolume(CaseList& cases) {
    static constexpr std::array<std::size_t, 6> kSizes = {64u << 10, 256u << 10, 1u << 20,
                                                          4u << 20,  8u << 20,   16u << 20};
    static constexpr std::array<std::size_t, 9> kFragments = {
        64, 256, 1u << 10, 4u << 10, 16u << 10, 64u << 10, 256u << 10, 1u << 20, 4u << 20};
    static constexpr std::array<std::size_t, 6> kChops = {64, 128, 256, 512, 1024, 2048};
    static constexpr std::array<std::size_t, 6> kRoundTrips = {0, 16, 64, 256, 1024, 4096};
    const std::string rfc(kRfc);
    for (const std::uint8_t opcode : {kText, kBinary}) {
        const std::string kind = kindOf(opcode);
        const bool text = opcode == kText;
        int n = 1;
        for (const std::size_t size : kSizes) {
            cases.add(
                std::string(text ? "9.1." : "9.2.") + std::to_string(n++),
                "A " + kind + " message of " + sizeText(size) + " in one frame", rfc,
                [opcode, size] {
                    const SharedBytes payload = payloadFor(opcode, size);
                    return echo({frame(opcode, payload)}, {echoed(opcode, payload)});
                },
                Applies::Both, size >= (4u << 20) ? kSlow : 1);
        }
        n = 1;
        for (const std::size_t fragment : kFragments) {
            cases.add(
                std::string(text ? "9.3." : "9.4.") + std::to_string(n++),
                "A " + kind + " message of 4 MiB in fragments of " + sizeText(fragment), rfc,
                [opcode, fragment] {
                    const SharedBytes payload = payloadFor(opcode, 4u << 20);
                    return echo({message(opcode, payload, fragment)}, {echoed(opcode, payload)});
                },
                Applies::Both, kSlow);
        }
        n = 1;
        for (const std::size_t chop : kChops) {
            cases.add(
                std::string(text ? "9.5." : "9.6.") + std::to_string(n++),
                "A " + kind + " message of 1 MiB written in pieces of " + sizeText(chop), rfc,
                [opcode, chop] {
                    const SharedBytes payload = payloadFor(opcode, 1u << 20);
                    Script script = echo({frame(opcode, payload)}, {echoed(opcode, payload)});
                    script.chop = chop;
                    return script;
                },
                Applies::Both, kSlow);
        }
        n = 1;
        for (const std::size_t size : kRoundTrips) {
            cases.add(
                std::string(text ? "9.7." : "9.8.") + std::to_string(n++),
                "A thousand round trips of " + kind + " messages of " + sizeText(size), rfc,
                [opcode, size] {
                    const SharedBytes payload = payloadFor(opcode, size);
                    std::vector<Step> steps;
                    std::vector<Reply> replies;
                    for (std::size_t i = 0; i < 1000; ++i) {
                        steps.emplace_back(frame(opcode, payload));
                        steps.emplace_back(await(i + 1));
                        replies.push_back(echoed(opcode, payload));
                    }
                    return echo(std::move(steps), std::move(replies));
                },
                Applies::Both, kSlow);
        }
    }
}

// A message of `count` fragments: the first, count-2 empty ones, the last.
Script emptyFlood(std::size_t count, std::vector<std::uint16_t> orFail) {
    FrameStep middle = frame(kContinuation, bytes(""), false);
    middle.repeat = count - 2;
    const SharedBytes end = bytes("end");
    Script script =
        echo({frame(kText, bytes(""), false), std::move(middle), frame(kContinuation, end)},
             {echoed(kText, end)});
    script.expect.orFailWith = std::move(orFail);
    return script;
}

FrameStep announcing(std::uint64_t length, SharedBytes payload) {
    FrameStep step = frame(kBinary, std::move(payload));
    step.declaredLength = length;
    return step;
}

void addFloods(CaseList& cases) {
    const std::string rfc(kRfc);
    cases.add(
        "9.9.1", "A text message of 16 MiB in 65 536 fragments", rfc,
        [] {
            const SharedBytes payload = wordsPayload(16u << 20);
            return echo({message(kText, payload, 256)}, {echoed(kText, payload)});
        },
        Applies::Both, kSlow);
    cases.add(
        "9.9.2", "A binary message of 16 MiB in 131 072 fragments", rfc,
        [] {
            const SharedBytes payload = binaryPayload(16u << 20);
            return echo({message(kBinary, payload, 128)}, {echoed(kBinary, payload)});
        },
        Applies::Both, kSlow);
    cases.add(
        "9.9.3", "A text message of 131 072 one-byte fragments", rfc,
        [] {
            const SharedBytes payload = filled(131072, "x");
            return echo({message(kText, payload, 1)}, {echoed(kText, payload)});
        },
        Applies::Both, kSlow);
    cases.add(
        "9.9.4", "A text message of 131 072 fragments, all but the last empty", rfc,
        [] { return emptyFlood(131072, {}); }, Applies::Both, kSlow);
    cases.add(
        "9.9.5", "A text message of a million fragments, all but the last empty (echo, or 1009)",
        rfc, [] { return emptyFlood(1'000'000, {1009}); }, Applies::Both, kSlow);
    cases.add("9.9.6", "A frame header announcing 2^63-1 bytes", rfc, [] {
        return fail({announcing((std::uint64_t{1} << 63) - 1, bytes("Hello"))}, {1009, 1002});
    });
    cases.add("9.9.7", "A frame header announcing 2^32+5 bytes, then 5 bytes", rfc, [] {
        return fail({announcing((std::uint64_t{1} << 32) + 5, bytes("Hello"))}, {1009});
    });
    cases.add(
        "9.9.8", "A thousand empty text messages in one write", rfc,
        [] {
            FrameStep step = frame(kText, bytes(""));
            step.repeat = 1000;
            Script script =
                echo({std::move(step)}, std::vector<Reply>(1000, echoed(kText, bytes(""))));
            script.chop = kOneWrite;
            return script;
        },
        Applies::Both, kSlow);
    cases.add(
        "9.9.9", "A hundred thousand empty pongs, then a ping", rfc,
        [] {
            FrameStep flood = frame(kPong, bytes(""));
            flood.repeat = 100000;
            const SharedBytes ping = bytes("after the flood");
            return echo({std::move(flood), frame(kPing, ping)}, {pong(ping)});
        },
        Applies::Both, kSlow);
    cases.add(
        "9.9.10", "A deflate bomb: 100 KiB that inflate to 65 MiB (over a 64 MiB limit)",
        "RFC 7692 §8.1",
        [] {
            // Zeros compress about a thousandfold.
            const Bytes zeros((65u << 20), 0);
            Bytes compressed;
            MessageDeflater deflater(15, true);
            deflater.compress(zeros, compressed);
            FrameStep step = frame(kBinary, bytes(std::move(compressed)));
            step.rsv1 = true;
            Script script = fail({std::move(step)}, {1009});
            script.needsDeflate = true;
            return script;
        },
        Applies::Both, kSlow);
}

}  // namespace

void addLimitCases(CaseList& cases) {
    addVolume(cases);
    addFloods(cases);
}

}  // namespace sockscope::session::conformance::build
