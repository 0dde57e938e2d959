#include "sockscope/dissector/key_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <system_error>

namespace sockscope::dissector {

namespace {

constexpr std::array<std::string_view, kKeyLogLabelCount> kLabelNames = {
    "CLIENT_RANDOM",           "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0",         "EXPORTER_SECRET",
    "EARLY_EXPORTER_SECRET",   "CLIENT_EARLY_TRAFFIC_SECRET",
};

bool isBlank(char c) {
    return c == ' ' || c == '\t';
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// A character of a stranger's line, quoted so that control bytes stay visible.
std::string quoted(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f)
        return std::string("'") + c + "'";
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "0x%02x", u);
    return buffer;
}

std::string shortened(std::string_view s) {
    constexpr std::size_t kShown = 40;
    std::string out;
    for (char c : s.substr(0, kShown))
        out += (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f)
                   ? c
                   : '?';
    if (s.size() > kShown)
        out += "...";
    return out;
}

struct Field {
    std::string_view text;
    std::size_t column = 0;  // 1-based, in the line as written
};

// Decodes `field` into `out`; an empty string on success, else what is wrong.
std::string decodeHex(const Field& field, std::string_view what,
                      std::span<const std::size_t> byteLengths, std::uint8_t* out,
                      std::size_t& length) {
    for (std::size_t i = 0; i < field.text.size(); ++i) {
        if (hexValue(field.text[i]) < 0)
            return std::string(what) + " has a non-hex character " + quoted(field.text[i]) +
                   " at column " + std::to_string(field.column + i);
    }
    const std::size_t digits = field.text.size();
    const bool lengthOk = digits % 2 == 0 && std::find(byteLengths.begin(), byteLengths.end(),
                                                       digits / 2) != byteLengths.end();
    if (!lengthOk) {
        std::string expected;
        for (std::size_t n : byteLengths) {
            if (!expected.empty())
                expected += " or ";
            expected += std::to_string(n * 2);
        }
        return std::string(what) + " must be " + expected + " hex digits, found " +
               std::to_string(digits);
    }
    length = digits / 2;
    for (std::size_t i = 0; i < length; ++i)
        out[i] = static_cast<std::uint8_t>(hexValue(field.text[2 * i]) * 16 +
                                           hexValue(field.text[2 * i + 1]));
    return {};
}

std::string errnoText() {
    return std::system_category().message(errno);
}

}  // namespace

std::string_view keyLogLabelName(KeyLogLabel label) {
    return kLabelNames[static_cast<std::size_t>(label)];
}

std::size_t KeyLog::RandomHash::operator()(const ClientRandom& r) const {
    // Client randoms are random: their first bytes hash well enough (and a
    // key log is the user's own file, not the capture's).
    std::size_t h = 0;
    std::memcpy(&h, r.data(), sizeof h);
    return h;
}

KeyLog::KeyLog(KeyLogLimits limits) : limits_(limits) {}

void KeyLog::issue(std::string message) {
    if (issues_.size() >= limits_.maxIssues) {
        ++droppedIssues_;
        return;
    }
    issues_.push_back({line_, std::move(message)});
}

std::vector<KeyLogIssue> KeyLog::takeIssues() {
    std::vector<KeyLogIssue> out;
    out.swap(issues_);
    return out;
}

void KeyLog::addText(std::string_view text) {
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        const std::string_view piece = text.substr(0, newline);
        if (newline == std::string_view::npos) {
            // Unfinished: keep at most one character past the line limit, so
            // a text without newlines cannot grow the buffer.
            const std::size_t room =
                limits_.maxLineLength + 1 - std::min(partial_.size(), limits_.maxLineLength + 1);
            partial_.append(piece.substr(0, room));
            partialTooLong_ = partialTooLong_ || piece.size() > room;
            return;
        }
        if (partial_.empty() && !partialTooLong_) {
            parseLine(piece);
        } else {
            const std::size_t room =
                limits_.maxLineLength + 1 - std::min(partial_.size(), limits_.maxLineLength + 1);
            partial_.append(piece.substr(0, room));
            partialTooLong_ = partialTooLong_ || piece.size() > room;
            const std::string line = std::move(partial_);
            partial_.clear();
            parseLine(line);
        }
        text.remove_prefix(newline + 1);
    }
}

void KeyLog::finishText() {
    if (!partial_.empty() || partialTooLong_) {
        const std::string line = std::move(partial_);
        partial_.clear();
        parseLine(line);
    }
    line_ = 0;
}

void KeyLog::parseLine(std::string_view line) {
    ++line_;
    const bool tooLong = partialTooLong_ || line.size() > limits_.maxLineLength;
    partialTooLong_ = false;
    // A line read in pieces keeps only its first maxLineLength + 1 characters;
    // judge a whole line by the same prefix, so that whether a long line is a
    // comment does not depend on how the file's bytes arrived.
    line = line.substr(0, limits_.maxLineLength + 1);
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    if (line_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF")  // a UTF-8 byte order mark
        line.remove_prefix(3);

    std::array<Field, 4> fields;
    std::size_t count = 0;
    for (std::size_t i = 0; i < line.size() && count < fields.size();) {
        if (isBlank(line[i])) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < line.size() && !isBlank(line[end]))
            ++end;
        fields[count++] = {line.substr(i, end - i), i + 1};
        i = end;
    }
    if (count == 0 || fields[0].text.front() == '#')
        return;
    if (tooLong) {
        issue("longer than " + std::to_string(limits_.maxLineLength) + " characters: skipped");
        return;
    }
    if (count != 3) {
        issue("expected 3 fields (label, client random, secret), found " +
              (count > 3 ? std::string("more") : std::to_string(count)));
        return;
    }
    // OpenSSL 3 also logs the secret after each KeyUpdate under these
    // labels, without saying which update: the updates are derived from
    // *_TRAFFIC_SECRET_0 instead (RFC 8446 §7.2).
    if (fields[0].text == "CLIENT_TRAFFIC_SECRET_N" || fields[0].text == "SERVER_TRAFFIC_SECRET_N")
        return;
    const auto found = std::find(kLabelNames.begin(), kLabelNames.end(), fields[0].text);
    if (found == kLabelNames.end()) {
        issue("unknown label '" + shortened(fields[0].text) +
              "' (RSA and other kinds are not used)");
        return;
    }
    const auto label = static_cast<KeyLogLabel>(found - kLabelNames.begin());

    ClientRandom random;
    std::size_t randomLength = 0;
    static constexpr std::size_t kRandomLength[] = {32};
    if (auto error =
            decodeHex(fields[1], "the client random", kRandomLength, random.data(), randomLength);
        !error.empty()) {
        issue(std::move(error));
        return;
    }
    KeyLogSecret secret;
    std::size_t secretLength = 0;
    const std::string what = "the " + std::string(fields[0].text) + " secret";
    // A master secret is 48 bytes; a TLS 1.3 secret is as long as the suite's hash.
    static constexpr std::size_t kMaster[] = {48};
    static constexpr std::size_t kTraffic[] = {32, 48};
    const std::span<const std::size_t> lengths =
        label == KeyLogLabel::ClientRandom ? std::span<const std::size_t>(kMaster) : kTraffic;
    if (auto error = decodeHex(fields[2], what, lengths, secret.bytes.data(), secretLength);
        !error.empty()) {
        issue(std::move(error));
        return;
    }
    secret.length = static_cast<std::uint8_t>(secretLength);

    const auto existing = byRandom_.find(random);
    if (existing != byRandom_.end()) {
        for (auto& [kept, value] : existing->second.secrets) {
            if (kept != label)
                continue;
            if (value != secret) {
                value = secret;
                ++generation_;
                issue("replaces a different " + std::string(fields[0].text) +
                      " secret for the same client random given earlier");
            }
            return;
        }
    }
    if (entries_ >= limits_.maxEntries) {
        if (!entryLimitReported_)
            issue("the key log holds " + std::to_string(limits_.maxEntries) +
                  " secrets, its limit: this and later new secrets are skipped");
        entryLimitReported_ = true;
        return;
    }
    byRandom_[random].secrets.emplace_back(label, secret);
    ++entries_;
    ++generation_;
}

const KeyLogSecret* KeyLog::find(std::span<const std::uint8_t, 32> clientRandom,
                                 KeyLogLabel label) const {
    ClientRandom key;
    std::copy(clientRandom.begin(), clientRandom.end(), key.begin());
    const auto it = byRandom_.find(key);
    if (it == byRandom_.end())
        return nullptr;
    for (const auto& [kept, value] : it->second.secrets)
        if (kept == label)
            return &value;
    return nullptr;
}

bool KeyLog::followFile(const std::string& path, std::uint64_t& offset, std::string& error) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = "cannot open " + path + ": " + errnoText();
        return false;
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        error = "cannot read " + path + ": " + errnoText();
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        error = path + " is not a regular file";
        return false;
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > limits_.maxFileBytes) {
        const std::uint64_t limit = limits_.maxFileBytes;
        error = path + " is " + std::to_string(size) + " bytes, over the " +
                (limit % (1u << 20) == 0 ? std::to_string(limit >> 20) + " MiB"
                                         : std::to_string(limit) + "-byte") +
                " key log limit: not read";
        return false;
    }
    if (size < offset) {
        // Rewritten from the start: its old unfinished line is gone.
        offset = 0;
        partial_.clear();
        partialTooLong_ = false;
        line_ = 0;
    }
    std::string buffer;
    buffer.resize(std::size_t{1} << 20);
    while (offset < size) {
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - offset));
        const ssize_t got = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
        if (got < 0) {
            if (errno == EINTR)
                continue;
            error = "cannot read " + path + ": " + errnoText();
            return false;
        }
        if (got == 0)
            break;  // shortened while being read: the rest comes with the next call
        addText(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
        offset += static_cast<std::uint64_t>(got);
    }
    return true;
}

bool KeyLog::loadFile(const std::string& path, std::string& error) {
    finishText();
    std::uint64_t offset = 0;
    const bool ok = followFile(path, offset, error);
    finishText();
    return ok;
}

}  // namespace sockscope::dissector
