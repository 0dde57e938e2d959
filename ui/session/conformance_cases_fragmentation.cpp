// Group 5, fragmentation (RFC 6455 §5.4): control frames may not be
// fragmented but may come between fragments; a continuation needs a message
// in progress; a new data frame may not start inside one.

#include <string>

#include "session/conformance_builders.h"

namespace sockscope::session::conformance::build {
namespace {

constexpr std::string_view kRfc = "RFC 6455 §5.4";
constexpr int kGapMs = 50;

// Each frame in its own write, with a short pause between frames.
std::vector<Step> paced(std::vector<Step> frames) {
    std::vector<Step> out;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        if (i > 0) {
            out.emplace_back(pause(kGapMs));
        }
        out.emplace_back(std::move(frames[i]));
    }
    return out;
}

enum class Pace : std::uint8_t { Frames, Octets, Paused };

std::string paceText(Pace pace) {
    switch (pace) {
        case Pace::Frames:
            return "";
        case Pace::Octets:
            return ", written one byte at a time";
        case Pace::Paused:
            return ", with pauses between frames";
    }
    return "";
}

Script paceScript(Script script, Pace pace) {
    if (pace == Pace::Octets) {
        script.chop = 1;
    } else if (pace == Pace::Paused) {
        script.steps = paced(std::move(script.steps));
    }
    return script;
}

Script twoFragments(Pace pace, bool pingBetween) {
    std::vector<Step> steps{frame(kText, bytes("fragment1"), false)};
    std::vector<Reply> replies;
    if (pingBetween) {
        const SharedBytes ping = bytes("ping payload");
        steps.emplace_back(frame(kPing, ping));
        replies.push_back(pong(ping));
    }
    steps.emplace_back(frame(kContinuation, bytes("fragment2")));
    replies.push_back(echoed(kText, bytes("fragment1fragment2")));
    return paceScript(echo(std::move(steps), std::move(replies)), pace);
}

// A message in `sizes.size()` text fragments with these payload sizes.
Script textInFragments(const std::vector<std::size_t>& sizes) {
    std::vector<Step> steps;
    Bytes whole;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        const SharedBytes part = filled(sizes[i], std::string(1, static_cast<char>('a' + i % 26)));
        whole.insert(whole.end(), part->begin(), part->end());
        steps.emplace_back(frame(i == 0 ? kText : kContinuation, part, i + 1 == sizes.size()));
    }
    return echo(std::move(steps), {echoed(kText, bytes(std::move(whole)))});
}

void addAutobahnShapes(CaseList& cases) {
    const std::string rfc(kRfc);
    cases.add("5.1", "A ping in two fragments", rfc, [] {
        return fail(
            {frame(kPing, bytes("fragment1"), false), frame(kContinuation, bytes("fragment2"))},
            {1002});
    });
    cases.add("5.2", "A pong in two fragments", rfc, [] {
        return fail(
            {frame(kPong, bytes("fragment1"), false), frame(kContinuation, bytes("fragment2"))},
            {1002});
    });
    int n = 3;
    for (const bool ping : {false, true}) {
        for (const Pace pace : {Pace::Frames, Pace::Octets, Pace::Paused}) {
            cases.add("5." + std::to_string(n++),
                      std::string("A text message in two fragments") +
                          (ping ? " with a ping between them" : "") + paceText(pace),
                      rfc, [pace, ping] { return twoFragments(pace, ping); });
        }
    }
    // 5.9-5.14: a continuation with nothing to continue, FIN set and clear.
    for (const bool fin : {true, false}) {
        for (const Pace pace : {Pace::Frames, Pace::Octets, Pace::Paused}) {
            cases.add("5." + std::to_string(n++),
                      std::string("A continuation frame (FIN ") + (fin ? "set" : "clear") +
                          ") with no message to continue, then a text message" + paceText(pace),
                      rfc, [pace, fin] {
                          Script script = fail({frame(kContinuation, bytes("fragment1"), fin),
                                                frame(kText, bytes("fragment2"), false),
                                                frame(kContinuation, bytes("fragment3"))},
                                               {1002});
                          return paceScript(std::move(script), pace);
                      });
        }
    }
    cases.add(
        "5.15",
        "A text message in two fragments, then a continuation with nothing to continue, in "
        "one write",
        rfc, [] {
            const SharedBytes whole = bytes("fragment1fragment2");
            Script script = fail(
                {frame(kText, bytes("fragment1"), false), frame(kContinuation, bytes("fragment2")),
                 frame(kContinuation, bytes("fragment3"), false),
                 frame(kText, bytes("fragment4"), false), frame(kContinuation, bytes("fragment5"))},
                {1002}, {echoed(kText, whole)}, std::vector<Reply>{},
                "failed the connection without echoing the valid message before it");
            script.chop = kOneWrite;
            return script;
        });
    cases.add("5.16",
              "Twice: a continuation (FIN clear) with nothing to continue, a text fragment, a "
              "last continuation",
              rfc, [] {
                  std::vector<Step> steps;
                  for (int i = 0; i < 2; ++i) {
                      steps.emplace_back(frame(kContinuation, bytes("fragment1"), false));
                      steps.emplace_back(frame(kText, bytes("fragment2"), false));
                      steps.emplace_back(frame(kContinuation, bytes("fragment3")));
                  }
                  return fail(std::move(steps), {1002});
              });
    cases.add("5.17",
              "Twice: a continuation (FIN set) with nothing to continue, a text fragment, a last "
              "continuation",
              rfc, [] {
                  std::vector<Step> steps;
                  for (int i = 0; i < 2; ++i) {
                      steps.emplace_back(frame(kContinuation, bytes("fragment1")));
                      steps.emplace_back(frame(kText, bytes("fragment2"), false));
                      steps.emplace_back(frame(kContinuation, bytes("fragment3")));
                  }
                  return fail(std::move(steps), {1002});
              });
    cases.add("5.18", "A text fragment (FIN clear) followed by a new text frame", rfc, [] {
        return fail({frame(kText, bytes("fragment1"), false), frame(kText, bytes("fragment2"))},
                    {1002});
    });
    for (const Pace pace : {Pace::Paused, Pace::Octets}) {
        cases.add(pace == Pace::Paused ? "5.19" : "5.20",
                  "A text message in five fragments with two pings between them" + paceText(pace),
                  rfc, [pace] {
                      const SharedBytes p1 = bytes("pongme 1!");
                      const SharedBytes p2 = bytes("pongme 2!");
                      Script script = echo(
                          {frame(kText, bytes("fragment1"), false),
                           frame(kContinuation, bytes("fragment2"), false), frame(kPing, p1),
                           frame(kContinuation, bytes("fragment3"), false),
                           frame(kContinuation, bytes("fragment4"), false), frame(kPing, p2),
                           frame(kContinuation, bytes("fragment5"))},
                          {pong(p1), pong(p2),
                           echoed(kText, bytes("fragment1fragment2fragment3fragment4fragment5"))});
                      return paceScript(std::move(script), pace);
                  });
    }
}

void addMoreShapes(CaseList& cases) {
    const std::string rfc(kRfc);
    cases.add("5.21", "A text message in three fragments", rfc, [] {
        return textInFragments({5, 6, 7});
    });
    cases.add("5.22", "A text message in ten fragments", rfc,
              [] { return textInFragments(std::vector<std::size_t>(10, 10)); });
    cases.add("5.23", "A text message in a hundred one-byte fragments", rfc,
              [] { return textInFragments(std::vector<std::size_t>(100, 1)); });
    cases.add("5.24", "A binary message in two fragments", rfc, [] {
        const SharedBytes whole = binaryPayload(64);
        const SharedBytes a = bytes(Bytes(whole->begin(), whole->begin() + 20));
        const SharedBytes b = bytes(Bytes(whole->begin() + 20, whole->end()));
        return echo({frame(kBinary, a, false), frame(kContinuation, b)}, {echoed(kBinary, whole)});
    });
    cases.add("5.25", "A binary message of 65536 bytes in 64 fragments", rfc, [] {
        const SharedBytes whole = binaryPayload(65536);
        return echo({message(kBinary, whole, 1024)}, {echoed(kBinary, whole)});
    });
    cases.add("5.26", "A text message whose first fragment is empty", rfc, [] {
        return textInFragments({0, 5});
    });
    cases.add("5.27", "A text message with an empty middle fragment", rfc, [] {
        return textInFragments({5, 0, 5});
    });
    cases.add("5.28", "A text message whose last fragment is empty", rfc, [] {
        return textInFragments({5, 0});
    });
    cases.add("5.29", "A text message of three empty fragments", rfc, [] {
        return textInFragments({0, 0, 0});
    });
    cases.add("5.30", "A text message in two fragments with a pong between them", rfc, [] {
        return echo({frame(kText, bytes("fragment1"), false), frame(kPong, bytes("unsolicited")),
                     frame(kContinuation, bytes("fragment2"))},
                    {echoed(kText, bytes("fragment1fragment2"))});
    });
    cases.add("5.31", "A text message in two fragments with a pong and a ping between them", rfc,
              [] {
                  const SharedBytes ping = bytes("ping between fragments");
                  return echo({frame(kText, bytes("fragment1"), false), frame(kPong, bytes("")),
                               frame(kPing, ping), frame(kContinuation, bytes("fragment2"))},
                              {pong(ping), echoed(kText, bytes("fragment1fragment2"))});
              });
    cases.add("5.32", "A binary fragment (FIN clear) followed by a new text frame", rfc, [] {
        return fail({frame(kBinary, bytes("fragment1"), false), frame(kText, bytes("fragment2"))},
                    {1002});
    });
    cases.add("5.33", "Two fragmented messages, text then binary, back to back", rfc, [] {
        const SharedBytes bin = binaryPayload(10);
        return echo({frame(kText, bytes("one"), false), frame(kContinuation, bytes("two")),
                     frame(kBinary, bytes(Bytes(bin->begin(), bin->begin() + 4)), false),
                     frame(kContinuation, bytes(Bytes(bin->begin() + 4, bin->end())))},
                    {echoed(kText, bytes("onetwo")), echoed(kBinary, bin)});
    });
    cases.add("5.34", "A text message in two fragments written in one write", rfc, [] {
        Script script = twoFragments(Pace::Frames, false);
        script.chop = kOneWrite;
        return script;
    });
    cases.add("5.35", "A text fragment, then a close, then the last fragment: close answered",
              "RFC 6455 §5.5.1", [] {
                  return closeWith(
                      {frame(kText, bytes("fragment1"), false), frame(kClose, closeBody(1000)),
                       frame(kContinuation, bytes("fragment2"))},
                      {1000});
              });
}

}  // namespace

void addFragmentationCases(CaseList& cases) {
    addAutobahnShapes(cases);
    addMoreShapes(cases);
}

}  // namespace sockscope::session::conformance::build
