// Groups 12 and 13, permessage-deflate (RFC 7692). 12: compressed messages
// of many sizes under five parameter sets (context takeover on and off,
// small windows). 13: the negotiation (offers a server must accept or
// decline, responses a client must accept or refuse) and the errors after it
// (RSV1 on a continuation or control frame, data that is not DEFLATE,
// compressed text that is not UTF-8).

#include <array>
#include <string>

#include "session/conformance_builders.h"
#include "sockscope/core/permessage_deflate.h"

namespace sockscope::session::conformance::build {
namespace {

constexpr std::string_view kRfc = "RFC 7692 §7";
constexpr std::string_view kNegotiationRfc = "RFC 7692 §7.1";

// One parameter set: what the tester offers as a client, what it answers
// with as a server.
struct Params {
    std::string_view name;
    std::string_view offer;
    std::string_view answer;
};

constexpr std::array<Params, 5> kParams = {{
    {"default parameters", "permessage-deflate", "permessage-deflate"},
    {"no context takeover either way",
     "permessage-deflate; client_no_context_takeover; server_no_context_takeover",
     "permessage-deflate; client_no_context_takeover; server_no_context_takeover"},
    {"9-bit windows both ways",
     "permessage-deflate; client_max_window_bits=9; server_max_window_bits=9",
     "permessage-deflate; client_max_window_bits=9; server_max_window_bits=9"},
    {"server window of 10 bits, no server context takeover",
     "permessage-deflate; server_max_window_bits=10; server_no_context_takeover",
     "permessage-deflate; server_max_window_bits=10; server_no_context_takeover"},
    {"the client's window left to the server (12 bits)",
     "permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits=12"},
}};

Script deflateScript(const Params& params, std::vector<Step> steps, std::vector<Reply> replies) {
    Script script = echo(std::move(steps), std::move(replies));
    script.needsDeflate = true;
    script.handshake.offers = {std::string(params.offer)};
    script.handshake.response.extensions = std::string(params.answer);
    return script;
}

// Ten compressed messages, text and binary in turn, each echoed before the next.
Script tenMessages(const Params& params, std::size_t size) {
    std::vector<Step> steps;
    std::vector<Reply> replies;
    for (std::uint32_t i = 0; i < 10; ++i) {
        const std::uint8_t opcode = i % 2 == 0 ? kText : kBinary;
        const SharedBytes payload =
            opcode == kText ? wordsPayload(size, i + 1) : binaryPayload(size, i + 1);
        MessageStep step = message(opcode, payload);
        step.compress = Compress::Yes;
        steps.emplace_back(std::move(step));
        steps.emplace_back(await(i + 1));
        replies.push_back(echoed(opcode, payload));
    }
    return deflateScript(params, std::move(steps), std::move(replies));
}

std::string sizeText(std::size_t size) {
    return size >= 1024 ? std::to_string(size / 1024) + " KiB" : std::to_string(size) + " bytes";
}

void addMessages(CaseList& cases) {
    static constexpr std::array<std::size_t, 8> kSizes = {16,   64,    256,   1024,
                                                          4096, 16384, 65536, 262144};
    int group = 1;
    for (const Params& params : kParams) {
        int n = 1;
        for (const std::size_t size : kSizes) {
            cases.add(
                "12." + std::to_string(group) + "." + std::to_string(n++),
                "Ten compressed messages of " + sizeText(size) + ", " + std::string(params.name),
                std::string(kRfc), [params, size] { return tenMessages(params, size); },
                Applies::Both, size >= 65536 ? 2 : 1);
        }
        ++group;
    }
}

// The tester's first compressed message on a fresh context (window 15).
Bytes deflated(const Bytes& message) {
    Bytes out;
    MessageDeflater deflater(15, true);
    deflater.compress(message, out);
    return out;
}

// Against a server: offer `offer`, then one text message compressed if the
// server accepted (declining is allowed, accepting something invalid is not).
Script offerScript(std::string offer) {
    const SharedBytes text = wordsPayload(300);
    MessageStep step = message(kText, text);
    step.compress = Compress::IfNegotiated;
    Script script = echo({std::move(step)}, {echoed(kText, text)});
    script.handshake.offers = {std::move(offer)};
    return script;
}

void addServerNegotiation(CaseList& cases) {
    const std::string rfc(kNegotiationRfc);
    const Applies server = Applies::ServerOnly;
    std::vector<std::pair<std::string, std::string>> valid = {
        {"permessage-deflate", "A plain offer"},
        {"permessage-deflate; client_max_window_bits", "client_max_window_bits without a value"}};
    for (int bits = 8; bits <= 15; ++bits) {
        valid.push_back({"permessage-deflate; client_max_window_bits=" + std::to_string(bits),
                         "client_max_window_bits=" + std::to_string(bits)});
    }
    for (int bits = 8; bits <= 15; ++bits) {
        valid.push_back({"permessage-deflate; server_max_window_bits=" + std::to_string(bits),
                         "server_max_window_bits=" + std::to_string(bits)});
    }
    valid.push_back(
        {"permessage-deflate; client_no_context_takeover", "client_no_context_takeover"});
    valid.push_back(
        {"permessage-deflate; server_no_context_takeover", "server_no_context_takeover"});
    valid.push_back(
        {"permessage-deflate; client_no_context_takeover; server_no_context_takeover; "
         "client_max_window_bits=10; server_max_window_bits=11",
         "all four parameters"});
    valid.push_back({"permessage-deflate; server_max_window_bits=10, permessage-deflate",
                     "two offers, the second plain"});
    int n = 1;
    for (const auto& [offer, what] : valid) {
        cases.add(
            "13.1." + std::to_string(n++), "Offer with " + what + ": accepted validly or declined",
            rfc, [offer] { return offerScript(offer); }, server);
    }
    const std::vector<std::pair<std::string, std::string>> invalid = {
        {"permessage-deflate; x_unknown", "an unknown parameter"},
        {"permessage-deflate; server_max_window_bits=7", "server_max_window_bits=7"},
        {"permessage-deflate; server_max_window_bits=16", "server_max_window_bits=16"},
        {"permessage-deflate; server_max_window_bits", "server_max_window_bits without a value"},
        {"permessage-deflate; client_max_window_bits=abc", "client_max_window_bits=abc"},
        {"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
         "a duplicate parameter"},
        {"permessage-deflate; server_no_context_takeover=1", "a value on a valueless parameter"},
        {"permessage-deflate; x_unknown, permessage-deflate; client_no_context_takeover",
         "an invalid offer before a valid one"},
    };
    n = 1;
    for (const auto& [offer, what] : invalid) {
        cases.add(
            "13.2." + std::to_string(n++),
            "Offer with " + what + ": an invalid offer must be declined", rfc,
            [offer] { return offerScript(offer); }, server);
    }
}

// Against a client: answer `answer`, then a compressed text and a binary message.
Script answerScript(std::string answer) {
    const SharedBytes text = wordsPayload(500);
    const SharedBytes binary = binaryPayload(500);
    MessageStep a = message(kText, text);
    a.compress = Compress::Yes;
    MessageStep b = message(kBinary, binary);
    b.compress = Compress::Yes;
    Script script = echo({std::move(a), await(1), std::move(b)},
                         {echoed(kText, text), echoed(kBinary, binary)});
    script.needsDeflate = true;
    script.handshake.response.extensions = std::move(answer);
    return script;
}

Script refusedAnswer(std::string answer) {
    Script script;
    script.handshake.response.extensions = std::move(answer);
    script.handshake.firstStepsWithHead = true;
    script.steps.emplace_back(frame(kText, bytes("must not be echoed")));
    script.expect.outcome = Outcome::Reject;
    return script;
}

void addClientNegotiation(CaseList& cases) {
    const std::string rfc(kNegotiationRfc);
    const Applies client = Applies::ClientOnly;
    std::vector<std::pair<std::string, std::string>> valid = {
        {"permessage-deflate", "a plain acceptance"},
        {"permessage-deflate; server_no_context_takeover", "server_no_context_takeover"},
        {"permessage-deflate; client_no_context_takeover", "client_no_context_takeover"}};
    for (int bits = 8; bits <= 15; ++bits) {
        valid.push_back({"permessage-deflate; server_max_window_bits=" + std::to_string(bits),
                         "server_max_window_bits=" + std::to_string(bits)});
    }
    valid.push_back({"permessage-deflate; client_max_window_bits=10",
                     "client_max_window_bits=10 (when offered)"});
    int n = 1;
    for (const auto& [answer, what] : valid) {
        cases.add(
            "13.3." + std::to_string(n++), "A response with " + what + ": the client complies", rfc,
            [answer] { return answerScript(answer); }, client);
    }
    const std::vector<std::pair<std::string, std::string>> invalid = {
        {"permessage-deflate; x_unknown", "an unknown parameter"},
        {"permessage-deflate; server_max_window_bits=7", "server_max_window_bits=7"},
        {"permessage-deflate; server_max_window_bits=16", "server_max_window_bits=16"},
        {"permessage-deflate; client_max_window_bits", "client_max_window_bits without a value"},
        {"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
         "a duplicate parameter"},
        {"permessage-deflate, permessage-deflate", "permessage-deflate accepted twice"},
        {"permessage-deflate; server_max_window_bits=08", "a window size with a leading zero"},
    };
    n = 1;
    for (const auto& [answer, what] : invalid) {
        cases.add(
            "13.4." + std::to_string(n++),
            "A response with " + what + ": the client must fail the connection", rfc,
            [answer] { return refusedAnswer(answer); }, client);
    }
}

Script afterDeflate(std::vector<Step> steps, std::vector<std::uint16_t> codes) {
    Script script = fail(std::move(steps), std::move(codes));
    script.needsDeflate = true;
    return script;
}

void addErrors(CaseList& cases) {
    const std::string rfc = "RFC 7692 §6.1";
    cases.add("13.5.1", "RSV1 on a continuation frame", rfc, [] {
        const Bytes compressed = deflated(Bytes(100, 'a'));
        const std::size_t half = compressed.size() / 2;
        FrameStep first =
            frame(kText,
                  bytes(Bytes(compressed.begin(),
                              compressed.begin() + static_cast<std::ptrdiff_t>(half))),
                  false);
        first.rsv1 = true;
        FrameStep second = frame(
            kContinuation,
            bytes(Bytes(compressed.begin() + static_cast<std::ptrdiff_t>(half), compressed.end())));
        second.rsv1 = true;
        return afterDeflate({std::move(first), std::move(second)}, {1002});
    });
    for (const auto& [id, opcode, name] :
         {std::tuple{"13.5.2", kPing, "ping"}, {"13.5.3", kPong, "pong"}}) {
        cases.add(id, std::string("RSV1 on a ") + name, rfc, [opcode] {
            FrameStep step = frame(opcode, bytes(deflated(Bytes(10, 'p'))));
            step.rsv1 = true;
            return afterDeflate({std::move(step)}, {1002});
        });
    }
    cases.add("13.5.4", "RSV1 on a close", rfc, [] {
        FrameStep step = frame(kClose, closeBody(1000));
        step.rsv1 = true;
        return afterDeflate({std::move(step)}, {1002});
    });
    cases.add("13.5.5", "A compressed message that is not DEFLATE data", "RFC 7692 §6.2", [] {
        FrameStep step = frame(kBinary, bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x02}));
        step.rsv1 = true;
        return afterDeflate({std::move(step)}, {1007, 1002});
    });
    cases.add("13.5.6", "Compressed text that inflates to invalid UTF-8", "RFC 6455 §8.1", [] {
        Bytes text = {'a', 'b', 0xED, 0xA0, 0x80, 'c'};
        FrameStep step = frame(kText, bytes(deflated(text)));
        step.rsv1 = true;
        return afterDeflate({std::move(step)}, {1007});
    });
    cases.add("13.5.7", "A compressed text message in three fragments (RSV1 on the first only)",
              std::string(kRfc), [] {
                  const SharedBytes text = wordsPayload(2000);
                  MessageStep step = message(kText, text);
                  step.compress = Compress::Yes;
                  step.fragmentSize = 300;
                  Script script = echo({std::move(step)}, {echoed(kText, text)});
                  script.needsDeflate = true;
                  return script;
              });
    cases.add("13.5.8", "An uncompressed message on a connection with permessage-deflate",
              std::string(kRfc), [] {
                  const SharedBytes text = bytes("not compressed");
                  Script script = echo({frame(kText, text)}, {echoed(kText, text)});
                  script.needsDeflate = true;
                  return script;
              });
    cases.add("13.5.9", "A compressed empty message", std::string(kRfc), [] {
        MessageStep step = message(kBinary, bytes(""));
        step.compress = Compress::Yes;
        Script script = echo({std::move(step)}, {echoed(kBinary, bytes(""))});
        script.needsDeflate = true;
        return script;
    });
    cases.add("13.5.10", "A compressed binary message written one byte at a time",
              std::string(kRfc), [] {
                  const SharedBytes payload = binaryPayload(3000);
                  MessageStep step = message(kBinary, payload);
                  step.compress = Compress::Yes;
                  Script script = echo({std::move(step)}, {echoed(kBinary, payload)});
                  script.needsDeflate = true;
                  script.chop = 1;
                  return script;
              });
}

}  // namespace

void addDeflateCases(CaseList& cases) {
    addMessages(cases);
    addServerNegotiation(cases);
    addClientNegotiation(cases);
    addErrors(cases);
}

}  // namespace sockscope::session::conformance::build
