#include "session/conformance_builders.h"

#include <array>
#include <utility>

namespace sockscope::session::conformance::build {
namespace {

// A small, fixed generator: payloads must be the same on every run.
class SplitMix {
public:
    explicit SplitMix(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

private:
    std::uint64_t state_;
};

}  // namespace

SharedBytes bytes(std::string_view text) {
    return std::make_shared<const Bytes>(text.begin(), text.end());
}

SharedBytes bytes(std::initializer_list<std::uint8_t> values) {
    return std::make_shared<const Bytes>(values);
}

SharedBytes bytes(Bytes values) {
    return std::make_shared<const Bytes>(std::move(values));
}

SharedBytes filled(std::size_t size, std::string_view pattern) {
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<std::uint8_t>(pattern[i % pattern.size()]);
    }
    return bytes(std::move(out));
}

SharedBytes binaryPayload(std::size_t size, std::uint32_t seed) {
    // Runs of a repeated byte between random ones: every value occurs, and
    // deflate finds something, but not much, to shrink.
    SplitMix random(seed);
    Bytes out(size);
    std::size_t i = 0;
    while (i < size) {
        const std::uint64_t r = random.next();
        const std::size_t run = 1 + (r & 7);
        const auto value = static_cast<std::uint8_t>(r >> 8);
        for (std::size_t k = 0; k < run && i < size; ++k) {
            out[i++] = (k % 2 == 0) ? value : static_cast<std::uint8_t>(r >> (16 + 8 * (k % 5)));
        }
    }
    return bytes(std::move(out));
}

SharedBytes wordsPayload(std::size_t size, std::uint32_t seed) {
    static constexpr std::array<std::string_view, 16> kWords = {
        "frame",  "mask",   "opcode", "payload", "close", "ping",    "pong",   "text",
        "binary", "socket", "server", "client",  "fin",   "deflate", "window", "handshake"};
    SplitMix random(seed);
    Bytes out;
    out.reserve(size);
    while (out.size() < size) {
        const std::string_view word = kWords[random.next() % kWords.size()];
        for (const char c : word) {
            if (out.size() < size) {
                out.push_back(static_cast<std::uint8_t>(c));
            }
        }
        if (out.size() < size) {
            out.push_back(' ');
        }
    }
    return bytes(std::move(out));
}

SharedBytes closeBody(std::uint16_t code, std::string_view reason) {
    Bytes out{static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code & 0xFF)};
    out.insert(out.end(), reason.begin(), reason.end());
    return bytes(std::move(out));
}

FrameStep frame(std::uint8_t opcode, SharedBytes payload, bool fin) {
    FrameStep step;
    step.opcode = opcode;
    step.payload = std::move(payload);
    step.fin = fin;
    return step;
}

FrameStep withRsv(FrameStep step, int rsv) {
    step.rsv1 = (rsv & 4) != 0;
    step.rsv2 = (rsv & 2) != 0;
    step.rsv3 = (rsv & 1) != 0;
    return step;
}

MessageStep message(std::uint8_t opcode, SharedBytes payload, std::size_t fragmentSize) {
    MessageStep step;
    step.opcode = opcode;
    step.payload = std::move(payload);
    step.fragmentSize = fragmentSize;
    return step;
}

PauseStep pause(int ms, std::string marker) {
    return PauseStep{ms, std::move(marker)};
}

AwaitStep await(std::size_t replies) {
    return AwaitStep{replies};
}

Reply echoed(std::uint8_t opcode, SharedBytes payload) {
    Reply reply;
    reply.kind = Reply::Kind::Message;
    reply.opcode = opcode;
    reply.payload = std::move(payload);
    return reply;
}

Reply pong(SharedBytes payload) {
    Reply reply;
    reply.kind = Reply::Kind::Pong;
    reply.payload = std::move(payload);
    return reply;
}

Reply marker(std::string label) {
    Reply reply;
    reply.kind = Reply::Kind::Marker;
    reply.marker = std::move(label);
    return reply;
}

Script echo(std::vector<Step> steps, std::vector<Reply> replies) {
    Script script;
    script.steps = std::move(steps);
    script.expect.outcome = Outcome::Echo;
    script.expect.replies = std::move(replies);
    return script;
}

Script fail(std::vector<Step> steps, std::vector<std::uint16_t> codes, std::vector<Reply> replies,
            std::optional<std::vector<Reply>> nonStrict, std::string note) {
    Script script;
    script.steps = std::move(steps);
    script.expect.outcome = Outcome::Fail;
    script.expect.closeCodes = std::move(codes);
    script.expect.replies = std::move(replies);
    script.expect.nonStrictReplies = std::move(nonStrict);
    script.expect.nonStrictNote = std::move(note);
    return script;
}

Script echoThenFail(FrameStep valid, std::vector<Step> bad, std::uint16_t code) {
    const Reply reply = echoed(valid.opcode, valid.payload);
    std::vector<Step> steps{std::move(valid)};
    for (Step& step : bad) {
        steps.emplace_back(std::move(step));
    }
    Script script = fail(std::move(steps), {code}, {reply}, std::vector<Reply>{},
                         "failed the connection without echoing the valid message before it");
    script.chop = kOneWrite;
    return script;
}

Script closeWith(std::vector<Step> steps, std::vector<std::uint16_t> codes,
                 std::vector<Reply> replies) {
    Script script;
    script.steps = std::move(steps);
    script.expect.outcome = Outcome::Close;
    script.expect.closeCodes = std::move(codes);
    script.expect.replies = std::move(replies);
    return script;
}

void CaseList::add(std::string id, std::string description, std::string rfc,
                   std::function<Script()> script, Applies applies, int timeoutFactor) {
    Case c;
    c.id = std::move(id);
    c.description = std::move(description);
    c.rfc = std::move(rfc);
    c.script = std::move(script);
    c.applies = applies;
    c.timeoutFactor = timeoutFactor;
    out_.push_back(std::move(c));
}

}  // namespace sockscope::session::conformance::build
