// Group 6, UTF-8 (RFC 6455 §8.1, RFC 3629): a text message must be valid
// UTF-8, checked as it arrives. Valid text split anywhere (inside a code
// point, across fragments) must be echoed; invalid sequences must fail the
// connection with 1007, and as soon as the bad byte arrives, not when the
// frame or message ends (fail-fast, "6.4"). The byte sequences are computed
// here from the rules of RFC 3629: first and last code points of each
// length, overlong forms, surrogates, 5- and 6-byte forms, stray and missing
// continuation bytes, noncharacters (valid) and more.

#include <array>
#include <string>

#include "session/conformance_builders.h"

namespace sockscope::session::conformance::build {
namespace {

constexpr std::string_view kRfc = "RFC 6455 §8.1";
// A valid text with 1-, 2-, 3- and 4-byte sequences.
constexpr std::string_view kValidText =
    "Sockscope \xE2\x9C\x93 \xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5, "
    "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x9A\x80 end";
constexpr std::string_view kKosme = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5";

// `cp` in the `length`-byte form of the original UTF-8 scheme (1 to 6 bytes),
// whether or not RFC 3629 allows it: overlong forms, surrogates and values
// above U+10FFFF come out as a careless encoder would write them.
Bytes encodeForm(std::uint32_t cp, int length) {
    if (length == 1) {
        return {static_cast<std::uint8_t>(cp)};
    }
    static constexpr std::array<std::uint8_t, 7> kLead = {0, 0, 0xC0, 0xE0, 0xF0, 0xF8, 0xFC};
    Bytes out(static_cast<std::size_t>(length));
    for (int i = length - 1; i > 0; --i) {
        out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    out[0] = static_cast<std::uint8_t>(kLead[static_cast<std::size_t>(length)] | cp);
    return out;
}

// The shortest form (what a correct encoder writes).
Bytes encode(std::uint32_t cp) {
    const int length = cp < 0x80        ? 1
                       : cp < 0x800     ? 2
                       : cp < 0x10000   ? 3
                       : cp < 0x200000  ? 4
                       : cp < 0x4000000 ? 5
                                        : 6;
    return encodeForm(cp, length);
}

Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Bytes fromText(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

std::string hex(const Bytes& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size() && i < 24; ++i) {
        out += i ? " " : "";
        out += kDigits[bytes[i] >> 4];
        out += kDigits[bytes[i] & 0xF];
    }
    return bytes.size() > 24 ? out + " ..." : out;
}

std::string codePoint(std::uint32_t cp) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string digits;
    do {
        digits.insert(digits.begin(), kDigits[cp & 0xF]);
        cp >>= 4;
    } while (cp != 0);
    while (digits.size() < 4) {
        digits.insert(digits.begin(), '0');
    }
    return "U+" + digits;
}

// One text message: echoed when valid, failed with 1007 when not.
Script textCase(Bytes payload, bool valid) {
    const SharedBytes shared = bytes(std::move(payload));
    if (valid) {
        return echo({frame(kText, shared)}, {echoed(kText, shared)});
    }
    return fail({frame(kText, shared)}, {1007});
}

// The same, one byte per frame.
Script fragmentedCase(Bytes payload, bool valid) {
    const SharedBytes whole = bytes(payload);
    std::vector<Step> steps;
    for (std::size_t i = 0; i < payload.size(); ++i) {
        steps.emplace_back(frame(i == 0 ? kText : kContinuation, bytes(Bytes{payload[i]}),
                                 i + 1 == payload.size()));
    }
    if (steps.empty()) {
        steps.emplace_back(frame(kText, whole));
    }
    if (valid) {
        return echo(std::move(steps), {echoed(kText, whole)});
    }
    return fail(std::move(steps), {1007});
}

struct Vector {
    std::string description;
    Bytes bytes;
    bool valid;
};

void addVectors(CaseList& cases, const std::string& section, const std::vector<Vector>& vectors) {
    int n = 1;
    for (const Vector& v : vectors) {
        cases.add(section + "." + std::to_string(n++),
                  (v.valid ? "Valid: " : "Invalid: ") + v.description + " (" + hex(v.bytes) + ")",
                  std::string(kRfc), [v] { return textCase(v.bytes, v.valid); });
    }
}

void addBasics(CaseList& cases) {
    const std::string rfc(kRfc);
    cases.add("6.1.1", "An empty text message", rfc,
              [] { return echo({frame(kText, bytes(""))}, {echoed(kText, bytes(""))}); });
    cases.add("6.1.2", "A text message of three empty fragments", rfc, [] {
        return echo({frame(kText, bytes(""), false), frame(kContinuation, bytes(""), false),
                     frame(kContinuation, bytes(""))},
                    {echoed(kText, bytes(""))});
    });
    cases.add("6.1.3", "A text message: an empty fragment, a non-empty one, an empty one", rfc, [] {
        return echo({frame(kText, bytes(""), false),
                     frame(kContinuation, bytes("middle frame payload"), false),
                     frame(kContinuation, bytes(""))},
                    {echoed(kText, bytes("middle frame payload"))});
    });
    cases.add("6.2.1", "Valid UTF-8 with 1- to 4-byte sequences in one frame", rfc,
              [] { return textCase(fromText(kValidText), true); });
    cases.add("6.2.2", "The same text in fragments split between code points", rfc, [] {
        const Bytes text = fromText(kValidText);
        std::vector<Step> steps;
        std::size_t start = 0;
        for (std::size_t i = 1; i <= text.size(); ++i) {
            if (i == text.size() || (text[i] & 0xC0) != 0x80) {
                steps.emplace_back(
                    frame(start == 0 ? kText : kContinuation,
                          bytes(Bytes(text.begin() + static_cast<std::ptrdiff_t>(start),
                                      text.begin() + static_cast<std::ptrdiff_t>(i))),
                          i == text.size()));
                start = i;
            }
        }
        return echo(std::move(steps), {echoed(kText, bytes(text))});
    });
    cases.add("6.2.3", "The same text, one byte per fragment (split inside code points)", rfc,
              [] { return fragmentedCase(fromText(kValidText), true); });
    cases.add("6.2.4", "The same text in one frame written one byte at a time", rfc, [] {
        Script script = textCase(fromText(kValidText), true);
        script.chop = 1;
        return script;
    });
    cases.add("6.3.1", "Invalid UTF-8 (an encoded surrogate) inside a text message in one frame",
              rfc, [] {
                  return textCase(fromText("Hello-") + encodeForm(0xD800, 3) + fromText("-world"),
                                  false);
              });
    cases.add("6.3.2", "The same message, one byte per fragment", rfc, [] {
        return fragmentedCase(fromText("Hello-") + encodeForm(0xD800, 3) + fromText("-world"),
                              false);
    });
}

// 6.4: the connection must fail when the bad bytes arrive, not later.
void addFailFast(CaseList& cases) {
    const std::string rfc(kRfc);
    const std::string note = "failed only after the rest of the message arrived";
    // valid + U+110000 (above the last code point) + valid
    const Bytes part1 = fromText(kKosme);
    const Bytes bad = encodeForm(0x110000, 4);
    const Bytes part3 = fromText("edited");
    auto expectA = [note](std::vector<Step> steps) {
        return fail(std::move(steps), {1007}, {marker("A")},
                    std::vector<Reply>{marker("A"), marker("B")}, note);
    };
    cases.add(
        "6.4.1",
        "Three fragments: valid, then one that makes the text invalid, then the rest, with "
        "pauses",
        rfc, [=] {
            return expectA({frame(kText, bytes(part1), false), pause(kFailFastPauseMs, "A"),
                            frame(kContinuation, bytes(bad), false), pause(kFailFastPauseMs, "B"),
                            frame(kContinuation, bytes(part3))});
        });
    cases.add(
        "6.4.2", "The same, split inside the invalid sequence (after its first byte)", rfc, [=] {
            return expectA({frame(kText, bytes(part1 + Bytes{bad[0]}), false),
                            pause(kFailFastPauseMs, "A"),
                            frame(kContinuation, bytes(Bytes(bad.begin() + 1, bad.end())), false),
                            pause(kFailFastPauseMs, "B"), frame(kContinuation, bytes(part3))});
        });
    cases.add("6.4.3", "One frame whose payload arrives in three parts with pauses", rfc, [=] {
        FrameStep step = frame(kText, bytes(part1 + bad + part3));
        step.splits = {{part1.size(), kFailFastPauseMs, "A"},
                       {part1.size() + bad.size(), kFailFastPauseMs, "B"}};
        return expectA({std::move(step)});
    });
    cases.add("6.4.4", "One frame, its payload split inside the invalid sequence", rfc, [=] {
        FrameStep step = frame(kText, bytes(part1 + bad + part3));
        step.splits = {{part1.size() + 1, kFailFastPauseMs, "A"},
                       {part1.size() + bad.size(), kFailFastPauseMs, "B"}};
        return expectA({std::move(step)});
    });
    cases.add("6.4.5",
              "One frame whose first part already holds the invalid bytes; the rest follows after "
              "a pause",
              rfc, [=] {
                  FrameStep step = frame(kText, bytes(part1 + bad + part3));
                  step.splits = {{part1.size() + bad.size(), kFailFastPauseMs, "A"}};
                  return fail({std::move(step)}, {1007}, {}, std::vector<Reply>{marker("A")},
                              "failed only after the rest of the frame arrived");
              });
}

std::vector<Vector> kosmePrefixes() {
    std::vector<Vector> out;
    const Bytes kosme = fromText(kKosme);
    for (std::size_t n = 1; n <= kosme.size(); ++n) {
        const bool boundary = n == kosme.size() || (kosme[n] & 0xC0) != 0x80;
        out.push_back({"the first " + std::to_string(n) + " bytes of a Greek word",
                       Bytes(kosme.begin(), kosme.begin() + static_cast<std::ptrdiff_t>(n)),
                       boundary});
    }
    return out;
}

void addCodePointVectors(CaseList& cases) {
    addVectors(cases, "6.5", {{"a Greek word", fromText(kKosme), true}});
    addVectors(cases, "6.6", kosmePrefixes());
    std::vector<Vector> first;
    for (const std::uint32_t cp : {0x0u, 0x80u, 0x800u, 0x10000u}) {
        first.push_back({"the first code point of its length, " + codePoint(cp), encode(cp), true});
    }
    addVectors(cases, "6.7", first);
    addVectors(cases, "6.8",
               {{"a 5-byte sequence (not UTF-8 since RFC 3629)", encodeForm(0x200000, 5), false},
                {"a 6-byte sequence", encodeForm(0x4000000, 6), false}});
    std::vector<Vector> last;
    for (const std::uint32_t cp : {0x7Fu, 0x7FFu, 0xFFFFu, 0x10FFFFu}) {
        last.push_back({"the last code point of its length, " + codePoint(cp), encode(cp), true});
    }
    addVectors(cases, "6.9", last);
    addVectors(cases, "6.10",
               {{"the largest 4-byte form, 0x1FFFFF", encodeForm(0x1FFFFF, 4), false},
                {"the largest 5-byte form", encodeForm(0x3FFFFFF, 5), false},
                {"the largest 6-byte form", encodeForm(0x7FFFFFFF, 6), false}});
    addVectors(cases, "6.11",
               {{"U+D7FF, just below the surrogates", encode(0xD7FF), true},
                {"U+E000, just above the surrogates", encode(0xE000), true},
                {"U+FFFD, the replacement character", encode(0xFFFD), true},
                {"U+10FFFF, the last code point", encode(0x10FFFF), true},
                {"0x110000, one past the last code point", encodeForm(0x110000, 4), false}});
}

void addMalformedVectors(CaseList& cases) {
    std::vector<Vector> continuation;
    for (const Bytes& b : {Bytes{0x80}, Bytes{0xBF}, Bytes{0x80, 0xBF}, Bytes{0x80, 0xBF, 0x80},
                           Bytes{0x80, 0xBF, 0x80, 0xBF}, Bytes{0x80, 0xBF, 0x80, 0xBF, 0x80},
                           Bytes{0x80, 0xBF, 0x80, 0xBF, 0x80, 0xBF}}) {
        continuation.push_back(
            {std::to_string(b.size()) + " stray continuation byte(s)", b, false});
    }
    Bytes all;
    for (int b = 0x80; b <= 0xBF; ++b) {
        all.push_back(static_cast<std::uint8_t>(b));
    }
    continuation.push_back({"all 64 continuation bytes", all, false});
    addVectors(cases, "6.12", continuation);

    std::vector<Vector> lonely;
    for (const auto& [from, to, what] : {std::tuple{0xC0, 0xDF, "2-byte"},
                                         {0xE0, 0xEF, "3-byte"},
                                         {0xF0, 0xF7, "4-byte"},
                                         {0xF8, 0xFB, "5-byte"},
                                         {0xFC, 0xFD, "6-byte"}}) {
        Bytes b;
        for (int lead = from; lead <= to; ++lead) {
            b.push_back(static_cast<std::uint8_t>(lead));
            b.push_back(0x20);
        }
        lonely.push_back(
            {std::string("every ") + what + " lead byte followed by a space", b, false});
    }
    addVectors(cases, "6.13", lonely);

    std::vector<Vector> truncated;
    Bytes concatenated;
    for (const auto& [cp, length] : {std::pair{0x0u, 2},
                                     {0x0u, 3},
                                     {0x0u, 4},
                                     {0x0u, 5},
                                     {0x0u, 6},
                                     {0x7FFu, 2},
                                     {0xFFFFu, 3},
                                     {0x1FFFFFu, 4},
                                     {0x3FFFFFFu, 5},
                                     {0x7FFFFFFFu, 6}}) {
        Bytes b = encodeForm(cp, length);
        b.pop_back();
        concatenated = concatenated + b;
        truncated.push_back(
            {"a " + std::to_string(length) + "-byte sequence missing its last byte", b, false});
    }
    addVectors(cases, "6.14", truncated);
    addVectors(cases, "6.15", {{"all of 6.14 one after another", concatenated, false}});
    addVectors(cases, "6.16",
               {{"the byte 0xFE", {0xFE}, false},
                {"the byte 0xFF", {0xFF}, false},
                {"0xFE 0xFE 0xFF 0xFF", {0xFE, 0xFE, 0xFF, 0xFF}, false}});

    const auto overlong = [](std::uint32_t cp, const std::string& what) {
        std::vector<Vector> out;
        for (int length = 2; length <= 6; ++length) {
            out.push_back({what + " in " + std::to_string(length) + " bytes (overlong)",
                           encodeForm(cp, length), false});
        }
        return out;
    };
    addVectors(cases, "6.17", overlong('/', "'/'"));
    std::vector<Vector> maximal;
    for (const auto& [cp, length] :
         {std::pair{0x7Fu, 2}, {0x7FFu, 3}, {0xFFFFu, 4}, {0x1FFFFFu, 5}, {0x3FFFFFFu, 6}}) {
        maximal.push_back({"the largest overlong " + std::to_string(length) + "-byte form",
                           encodeForm(cp, length), false});
    }
    addVectors(cases, "6.18", maximal);
    addVectors(cases, "6.19", overlong(0, "U+0000"));
}

void addSurrogatesAndSpecials(CaseList& cases) {
    std::vector<Vector> single;
    for (const std::uint32_t cp : {0xD800u, 0xDB7Fu, 0xDB80u, 0xDBFFu, 0xDC00u, 0xDF80u, 0xDFFFu}) {
        single.push_back({"the UTF-16 surrogate " + codePoint(cp), encodeForm(cp, 3), false});
    }
    addVectors(cases, "6.20", single);
    std::vector<Vector> pairs;
    for (const std::uint32_t high : {0xD800u, 0xDB7Fu, 0xDB80u, 0xDBFFu}) {
        for (const std::uint32_t low : {0xDC00u, 0xDFFFu}) {
            pairs.push_back({"the surrogate pair " + codePoint(high) + " " + codePoint(low),
                             encodeForm(high, 3) + encodeForm(low, 3), false});
        }
    }
    addVectors(cases, "6.21", pairs);
    std::vector<Vector> nonCharacters;
    for (std::uint32_t plane = 0; plane <= 16; ++plane) {
        for (const std::uint32_t low : {0xFFFEu, 0xFFFFu}) {
            const std::uint32_t cp = (plane << 16) | low;
            nonCharacters.push_back({"the noncharacter " + codePoint(cp), encode(cp), true});
        }
    }
    addVectors(cases, "6.22", nonCharacters);
    std::vector<Vector> specials;
    for (const std::uint32_t cp : {0xFFF9u, 0xFFFAu, 0xFFFBu, 0xFFFCu, 0xFFFDu, 0xFEFFu, 0x200Bu}) {
        specials.push_back({"the special " + codePoint(cp), encode(cp), true});
    }
    addVectors(cases, "6.23", specials);
}

void addFragmentedVectors(CaseList& cases) {
    const std::vector<Vector> vectors = {
        {"U+0080", encode(0x80), true},
        {"U+0800", encode(0x800), true},
        {"U+10000", encode(0x10000), true},
        {"U+10FFFF", encode(0x10FFFF), true},
        {"the surrogate U+D800", encodeForm(0xD800, 3), false},
        {"'/' in 2 bytes (overlong)", encodeForm('/', 2), false},
        {"0x110000", encodeForm(0x110000, 4), false},
        {"a 4-byte lead byte and a space", {0xF0, 0x20}, false},
    };
    int n = 1;
    for (const Vector& v : vectors) {
        cases.add("6.24." + std::to_string(n++),
                  (v.valid ? "Valid: " : "Invalid: ") + v.description + " (" + hex(v.bytes) +
                      "), one byte per fragment",
                  std::string(kRfc), [v] { return fragmentedCase(v.bytes, v.valid); });
    }
}

}  // namespace

void addUtf8Cases(CaseList& cases) {
    addBasics(cases);
    addFailFast(cases);
    addCodePointVectors(cases);
    addMalformedVectors(cases);
    addSurrogatesAndSpecials(cases);
    addFragmentedVectors(cases);
}

}  // namespace sockscope::session::conformance::build
