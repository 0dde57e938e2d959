// libFuzzer target: the NSS key log parser (KeyLog). Byte 0 picks the limits
// (bits 0-1 entries, bits 2-3 line length, bit 4 issues kept) and whether
// the text is split into several texts at 0x00 bytes (bit 5, as a pcapng file
// carries one per secrets block); byte 1 seeds the piece sizes; the rest is
// key log text. Besides crashes it checks that
// - feeding the text in pieces gives exactly what feeding it whole gives
//   (secrets, counts, generation, every issue with its line number);
// - every well-formed line (label, 64 hex digits, 96 or 64 hex digits,
//   single spaces) is found by find() with the last value given for it,
//   whenever the entry limit was not reached;
// - the limits hold (entries, issues kept).
#include <sockscope/dissector/key_log.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.h"

namespace {

using sockscope::dissector::ClientRandom;
using sockscope::dissector::KeyLog;
using sockscope::dissector::KeyLogIssue;
using sockscope::dissector::KeyLogLabel;
using sockscope::dissector::KeyLogLimits;
using sockscope::dissector::KeyLogSecret;

constexpr std::size_t kEntries[] = {1'000'000, 0, 1, 3};
constexpr std::size_t kLineLengths[] = {1024, 0, 80, 200};

KeyLogLimits limitsFor(std::uint8_t s) {
    KeyLogLimits limits;
    limits.maxEntries = kEntries[s & 3];
    limits.maxLineLength = kLineLengths[(s >> 2) & 3];
    limits.maxIssues = (s & 0x10) ? 2 : 1000;
    return limits;
}

// The texts of the input: one, or several separated by 0x00.
std::vector<std::string_view> textsOf(std::string_view all, bool split) {
    std::vector<std::string_view> texts;
    if (!split) {
        texts.push_back(all);
        return texts;
    }
    for (;;) {
        const std::size_t nul = all.find('\0');
        texts.push_back(all.substr(0, nul));
        if (nul == std::string_view::npos)
            return texts;
        all.remove_prefix(nul + 1);
    }
}

struct Result {
    std::size_t entries = 0;
    std::size_t randoms = 0;
    std::uint64_t generation = 0;
    std::vector<KeyLogIssue> issues;
    std::uint64_t dropped = 0;
};

Result run(KeyLog& log, const std::vector<std::string_view>& texts, fuzz::ChunkSizes* sizes) {
    for (std::string_view text : texts) {
        if (!sizes) {
            log.addCompleteText(text);
            continue;
        }
        while (!text.empty()) {
            const std::size_t n = std::min(sizes->next(), text.size());
            log.addText(text.substr(0, n));
            text.remove_prefix(n);
        }
        log.finishText();
    }
    return {log.entryCount(), log.clientRandomCount(), log.generation(), log.takeIssues(),
            log.droppedIssues()};
}

int hexDigit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::optional<std::vector<std::uint8_t>> strictHex(std::string_view text) {
    if (text.size() % 2 != 0)
        return std::nullopt;
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int high = hexDigit(text[i]);
        const int low = hexDigit(text[i + 1]);
        if (high < 0 || low < 0)
            return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(high * 16 + low));
    }
    return out;
}

std::optional<KeyLogLabel> labelOf(std::string_view name) {
    for (std::size_t i = 0; i < sockscope::dissector::kKeyLogLabelCount; ++i) {
        const auto label = static_cast<KeyLogLabel>(i);
        if (sockscope::dissector::keyLogLabelName(label) == name)
            return label;
    }
    return std::nullopt;
}

// The secrets that well-formed lines set, in order (later lines win). A
// client random that any other line mentions is left out: the parser is
// free to read such lines more leniently than this model.
void checkWellFormedLines(const KeyLog& log, const std::vector<std::string_view>& texts,
                          const KeyLogLimits& limits) {
    std::map<std::pair<ClientRandom, KeyLogLabel>, KeyLogSecret> expected;
    std::string unclear;  // the other lines, lowercase
    std::size_t lines = 0;
    for (std::string_view text : texts) {
        while (!text.empty()) {
            const std::size_t newline = text.find('\n');
            std::string_view line = text.substr(0, newline);
            text =
                newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
            ++lines;
            const std::size_t fullLength = line.size();
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            const std::size_t first = line.find(' ');
            const std::size_t second =
                first == std::string_view::npos ? first : line.find(' ', first + 1);
            bool wellFormed = fullLength <= limits.maxLineLength &&
                              second != std::string_view::npos &&
                              line.find(' ', second + 1) == std::string_view::npos;
            std::optional<KeyLogLabel> label;
            std::optional<std::vector<std::uint8_t>> random;
            std::optional<std::vector<std::uint8_t>> secret;
            if (wellFormed) {
                label = labelOf(line.substr(0, first));
                random = strictHex(line.substr(first + 1, second - first - 1));
                secret = strictHex(line.substr(second + 1));
                const std::size_t secretSize = secret ? secret->size() : 0;
                wellFormed = label && random && random->size() == 32 && secret &&
                             (*label == KeyLogLabel::ClientRandom
                                  ? secretSize == 48
                                  : (secretSize == 32 || secretSize == 48)) &&
                             line.find('\t') == std::string_view::npos;
            }
            if (!wellFormed) {
                for (const char c : line)
                    unclear += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                unclear += '\n';
                continue;
            }
            ClientRandom key;
            std::copy(random->begin(), random->end(), key.begin());
            KeyLogSecret value;
            std::copy(secret->begin(), secret->end(), value.bytes.begin());
            value.length = static_cast<std::uint8_t>(secret->size());
            expected[{key, *label}] = value;
        }
    }
    if (expected.size() > limits.maxEntries || lines > limits.maxEntries)
        return;
    for (const auto& [where, secret] : expected) {
        std::string hex;
        for (const std::uint8_t b : where.first) {
            static constexpr char kDigits[] = "0123456789abcdef";
            hex += kDigits[b >> 4];
            hex += kDigits[b & 15];
        }
        if (unclear.find(hex) != std::string::npos)
            continue;
        const KeyLogSecret* found = log.find(where.first, where.second);
        FUZZ_CHECK(found && *found == secret);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    const KeyLogLimits limits = limitsFor(data[0]);
    const std::string_view all(reinterpret_cast<const char*>(data + 2), size - 2);
    const std::vector<std::string_view> texts = textsOf(all, (data[0] & 0x20) != 0);

    KeyLog whole(limits);
    const Result a = run(whole, texts, nullptr);
    KeyLog pieces(limits);
    fuzz::ChunkSizes sizes(data[1]);
    const Result b = run(pieces, texts, &sizes);

    if (a.issues.size() != b.issues.size() || a.dropped != b.dropped) {
        for (const Result* r : {&a, &b}) {
            std::fprintf(stderr, "%s: %zu issues, %llu dropped\n", r == &a ? "whole" : "pieces",
                         r->issues.size(), static_cast<unsigned long long>(r->dropped));
            for (const KeyLogIssue& issue : r->issues)
                std::fprintf(stderr, "  line %llu: %s\n",
                             static_cast<unsigned long long>(issue.line), issue.message.c_str());
        }
    }
    FUZZ_CHECK(a.entries == b.entries && a.randoms == b.randoms && a.generation == b.generation);
    FUZZ_CHECK(a.dropped == b.dropped && a.issues.size() == b.issues.size());
    for (std::size_t i = 0; i < a.issues.size(); ++i)
        FUZZ_CHECK(a.issues[i].line == b.issues[i].line &&
                   a.issues[i].message == b.issues[i].message);
    FUZZ_CHECK(a.entries <= limits.maxEntries && a.randoms <= a.entries);
    FUZZ_CHECK(a.issues.size() <= limits.maxIssues);
    checkWellFormedLines(whole, texts, limits);
    return 0;
}
