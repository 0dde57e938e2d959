// HTTP/1.1 head parsing (RFC 9112 §2-§5) and serialization for the upgrade
// handshake. The parser is strict where a lenient one would hide a peer's bug
// (whitespace before the colon, obs-fold, control bytes) and reports the exact
// byte offset of the first problem, because the inspector highlights it.
//
// The caller re-parses a growing buffer, so a call that cannot complete must
// be cheap: the blank line ending the head is searched first with memchr, and
// until it arrives only the start line is checked (a non-HTTP stream such as
// TLS fails at its first byte instead of after maxBytes).

#include "sockscope/core/http_message.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "http_syntax.h"

namespace sockscope {
namespace {

using Bytes = std::span<const std::uint8_t>;
using detail::describeByte;
using detail::isObsText;
using detail::isOws;
using detail::isTchar;
using detail::isVchar;

struct HeadError {
    std::size_t offset;
    std::string detail;
};
using MaybeError = std::optional<HeadError>;

std::string text(Bytes b, std::size_t from, std::size_t to) {
    return std::string(reinterpret_cast<const char*>(b.data()) + from, to - from);
}

// Quoted excerpt of already validated (printable) bytes for a detail, capped
// so a 16 KiB line does not become a 16 KiB message.
std::string quote(Bytes b, std::size_t from, std::size_t to) {
    constexpr std::size_t kMax = 64;
    return "'" + text(b, from, std::min(to, from + kMax)) + (to - from > kMax ? "...'" : "'");
}

std::size_t findLf(Bytes b, std::size_t from, std::size_t limit) {
    if (from >= limit) {
        return limit;
    }
    const void* lf = std::memchr(b.data() + from, '\n', limit - from);
    return lf ? std::size_t(static_cast<const std::uint8_t*>(lf) - b.data()) : limit;
}

// End of a line's content: the LF, or the CR right before it.
std::size_t contentEnd(Bytes b, std::size_t lineStart, std::size_t lf) {
    return (lf > lineStart && b[lf - 1] == '\r') ? lf - 1 : lf;
}

// Index one past the LF of the empty line that ends the head, or nullopt if it
// is not within [from, limit).
std::optional<std::size_t> findHeadEnd(Bytes b, std::size_t from, std::size_t limit) {
    std::size_t lineStart = from;
    for (;;) {
        const std::size_t lf = findLf(b, lineStart, limit);
        if (lf == limit) {
            return std::nullopt;
        }
        if (contentEnd(b, lineStart, lf) == lineStart) {
            return lf + 1;
        }
        lineStart = lf + 1;
    }
}

// Every "ran out of line" error is reported at `end` (the CR/LF), never
// earlier: a partial start line can then be checked with the same code
// without reporting truncation as an error (see checkPartialStartLine).

// HTTP-version = "HTTP" "/" DIGIT "." DIGIT (RFC 9112 §2.3); case-sensitive.
MaybeError parseVersion(Bytes b, std::size_t& i, std::size_t end, std::string& out) {
    static constexpr std::string_view kPattern = "HTTP/0.0";
    const std::size_t start = i;
    for (const char expected : kPattern) {
        if (i == end) {
            return HeadError{i, "bad HTTP version: truncated " + quote(b, start, i)};
        }
        const unsigned char c = b[i];
        const bool ok = expected == '0' ? (c >= '0' && c <= '9') : c == expected;
        if (!ok) {
            return HeadError{
                i, "bad HTTP version: unexpected " + describeByte(c) + " (expected HTTP/x.y)"};
        }
        ++i;
    }
    out = text(b, start, i);
    return std::nullopt;
}

// request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
MaybeError parseRequestLine(Bytes b, std::size_t start, std::size_t end, HttpRequest& request) {
    std::size_t i = start;
    while (i < end && isTchar(b[i])) {
        ++i;
    }
    if (i == end) {
        return HeadError{i, "bad request line: it ends after the method"};
    }
    if (b[i] != ' ' || i == start) {
        return HeadError{i, "bad request line: " + describeByte(b[i]) +
                                (i == start ? " where the method should start"
                                            : " in the method (a token, then one SP)")};
    }
    request.method = text(b, start, i);
    const std::size_t targetStart = ++i;
    while (i < end && isVchar(b[i])) {
        ++i;
    }
    if (i == end) {
        return HeadError{i, "bad request line: no HTTP version after the target"};
    }
    if (b[i] != ' ' || i == targetStart) {
        return HeadError{i, "bad request line: " + describeByte(b[i]) +
                                (i == targetStart ? " where the request target should start"
                                                  : " in the request target")};
    }
    request.target = text(b, targetStart, i);
    ++i;
    if (auto error = parseVersion(b, i, end, request.version)) {
        return error;
    }
    if (i != end) {
        return HeadError{i, "bad HTTP version: unexpected " + describeByte(b[i]) + " after '" +
                                request.version + "'"};
    }
    return std::nullopt;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).
// A missing SP after the code is tolerated: many servers omit it with an empty reason.
MaybeError parseStatusLine(Bytes b, std::size_t start, std::size_t end, HttpResponse& response) {
    std::size_t i = start;
    if (auto error = parseVersion(b, i, end, response.version)) {
        return error;
    }
    if (i == end) {
        return HeadError{i, "bad status line: it ends after the HTTP version"};
    }
    if (b[i] != ' ') {
        return HeadError{i, "bad HTTP version: unexpected " + describeByte(b[i]) + " after '" +
                                response.version + "'"};
    }
    const std::size_t codeStart = ++i;
    int status = 0;
    for (; i < codeStart + 3; ++i) {
        if (i == end) {
            return HeadError{i, "bad status code: fewer than three digits"};
        }
        if (b[i] < '0' || b[i] > '9') {
            return HeadError{i, "bad status code: " + describeByte(b[i]) + " is not a digit"};
        }
        status = status * 10 + (b[i] - '0');
    }
    if (status < 100) {
        return HeadError{codeStart, "bad status code: " + text(b, codeStart, i) +
                                        " is below 100 (RFC 9110 §15)"};
    }
    response.status = status;
    if (i == end) {
        return std::nullopt;
    }
    if (b[i] != ' ') {
        return HeadError{i, "bad status code: " + describeByte(b[i]) + " after three digits"};
    }
    const std::size_t reasonStart = ++i;
    for (; i < end; ++i) {
        if (!isVchar(b[i]) && !isObsText(b[i]) && !isOws(b[i])) {
            return HeadError{i, "bad status line: control character " + describeByte(b[i]) +
                                    " in the reason phrase"};
        }
    }
    response.reason = text(b, reasonStart, end);
    return std::nullopt;
}

// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5)
MaybeError parseFieldLine(Bytes b, std::size_t start, std::size_t end, HttpFields& fields) {
    if (isOws(b[start])) {
        return HeadError{start,
                         "obsolete line folding: a field line starts with whitespace "
                         "(RFC 9112 §5.2)"};
    }
    std::size_t i = start;
    while (i < end && isTchar(b[i])) {
        ++i;
    }
    if (i == end) {
        return HeadError{i, "field line without a colon: " + quote(b, start, end)};
    }
    if (isOws(b[i])) {
        return HeadError{i, "whitespace between field name " + quote(b, start, i) +
                                " and colon (RFC 9112 §5.1)"};
    }
    if (b[i] != ':') {
        return HeadError{i, "invalid character " + describeByte(b[i]) + " in a field name"};
    }
    if (i == start) {
        return HeadError{i, "empty field name"};
    }
    const std::size_t colon = i;
    for (i = colon + 1; i < end; ++i) {
        const unsigned char c = b[i];
        if (isVchar(c) || isObsText(c) || isOws(c)) {
            continue;
        }
        const std::string what = c == 0      ? std::string("NUL byte")
                                 : c == '\r' ? std::string("bare CR")
                                             : "control character " + describeByte(c);
        return HeadError{i, what + " in the value of field " + quote(b, start, colon)};
    }
    std::string_view value(reinterpret_cast<const char*>(b.data()) + colon + 1, end - colon - 1);
    fields.add(text(b, start, colon), std::string(detail::trimOws(value)));
    return std::nullopt;
}

MaybeError parseStartLine(Bytes b, std::size_t start, std::size_t end, HttpRequest& message) {
    return parseRequestLine(b, start, end, message);
}
MaybeError parseStartLine(Bytes b, std::size_t start, std::size_t end, HttpResponse& message) {
    return parseStatusLine(b, start, end, message);
}

// Checks the start line before the whole head is there. Only the bytes up to
// the first CR count (it may turn out to be the line's CRLF), and an error is
// only reported at a byte already received, so the result never contradicts
// what the complete head will give.
template <typename Message>
MaybeError checkPartialStartLine(Bytes b, std::size_t start, std::size_t limit) {
    const std::size_t lf = findLf(b, start, limit);
    std::size_t end = lf;
    if (lf == limit) {
        const void* cr = std::memchr(b.data() + start, '\r', limit - start);
        end = cr ? std::size_t(static_cast<const std::uint8_t*>(cr) - b.data()) : limit;
    } else {
        end = contentEnd(b, start, lf);
    }
    Message scratch;
    MaybeError error = parseStartLine(b, start, end, scratch);
    if (error && lf == limit && error->offset >= end) {
        return std::nullopt;  // ran out of bytes, not an error yet
    }
    return error;
}

// Requests may be preceded by empty lines (RFC 9112 §2.2: a server SHOULD
// ignore at least one). Returns where the request line starts, or nullopt if
// the buffer ends inside the empty lines.
std::optional<std::size_t> skipLeadingEmptyLines(Bytes b, std::size_t limit) {
    std::size_t i = 0;
    while (i < limit) {
        if (b[i] == '\n') {
            ++i;
        } else if (b[i] == '\r' && i + 1 < limit && b[i + 1] == '\n') {
            i += 2;
        } else if (b[i] == '\r' && i + 1 == limit) {
            return std::nullopt;
        } else {
            return i;
        }
    }
    return std::nullopt;
}

template <typename Message>
HttpParse<Message> parseHead(Bytes bytes, std::size_t maxBytes, std::size_t maxFields,
                             bool skipEmptyLines) {
    HttpParse<Message> result;
    const auto fail = [&](ViolationKind kind, HeadError error) {
        result.status = ParseStatus::Error;
        result.error = ProtocolError{kind, error.offset, std::move(error.detail)};
        return result;
    };
    const std::size_t limit = std::min(bytes.size(), maxBytes);
    const bool full = bytes.size() >= maxBytes;
    const auto tooLarge = [&] {
        return fail(
            ViolationKind::HandshakeTooLarge,
            {maxBytes, "no end of the HTTP head within " + std::to_string(maxBytes) + " bytes"});
    };

    std::size_t start = 0;
    if (skipEmptyLines) {
        const auto first = skipLeadingEmptyLines(bytes, limit);
        if (!first) {
            return full ? tooLarge() : result;
        }
        start = *first;
    }
    const auto headEnd = findHeadEnd(bytes, start, limit);
    if (!headEnd) {
        if (auto error = checkPartialStartLine<Message>(bytes, start, limit)) {
            return fail(ViolationKind::HandshakeMalformed, std::move(*error));
        }
        return full ? tooLarge() : result;
    }

    std::size_t lf = findLf(bytes, start, *headEnd);
    if (auto error = parseStartLine(bytes, start, contentEnd(bytes, start, lf), result.message)) {
        return fail(ViolationKind::HandshakeMalformed, std::move(*error));
    }
    for (std::size_t lineStart = lf + 1; lineStart < *headEnd; lineStart = lf + 1) {
        lf = findLf(bytes, lineStart, *headEnd);
        const std::size_t end = contentEnd(bytes, lineStart, lf);
        if (end == lineStart) {
            break;  // the empty line: lf + 1 == *headEnd
        }
        // A bound of its own: a 16 KiB head holds thousands of tiny fields, and
        // every one costs a pair of strings (ws crashed on too many, 2024).
        if (result.message.fields.list.size() >= maxFields) {
            return fail(ViolationKind::HandshakeTooLarge,
                        {lineStart,
                         "more than " + std::to_string(maxFields) + " header fields (the limit)"});
        }
        if (auto error = parseFieldLine(bytes, lineStart, end, result.message.fields)) {
            return fail(ViolationKind::HandshakeMalformed, std::move(*error));
        }
    }
    result.status = ParseStatus::Complete;
    result.consumed = *headEnd;
    return result;
}

void appendFields(std::string& out, const HttpFields& fields) {
    for (const HttpField& field : fields.list) {
        out += field.name;
        out += ": ";
        out += field.value;
        out += "\r\n";
    }
    out += "\r\n";
}

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (detail::asciiLower(a[i]) != detail::asciiLower(b[i])) {
            return false;
        }
    }
    return true;
}

std::optional<std::string_view> HttpFields::get(std::string_view name) const {
    for (const HttpField& field : list) {
        if (equalsIgnoreCase(field.name, name)) {
            return field.value;
        }
    }
    return std::nullopt;
}

std::string HttpFields::combined(std::string_view name) const {
    std::string out;
    bool first = true;
    for (const HttpField& field : list) {
        if (!equalsIgnoreCase(field.name, name)) {
            continue;
        }
        if (!first) {
            out += ", ";
        }
        out += field.value;
        first = false;
    }
    return out;
}

std::size_t HttpFields::count(std::string_view name) const {
    std::size_t n = 0;
    for (const HttpField& field : list) {
        n += equalsIgnoreCase(field.name, name) ? 1 : 0;
    }
    return n;
}

bool HttpFields::hasToken(std::string_view name, std::string_view token) const {
    for (const HttpField& field : list) {
        if (!equalsIgnoreCase(field.name, name)) {
            continue;
        }
        std::string_view rest = field.value;
        while (!rest.empty()) {
            const std::size_t comma = rest.find(',');
            if (equalsIgnoreCase(detail::trimOws(rest.substr(0, comma)), token)) {
                return true;
            }
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
    }
    return false;
}

HttpParse<HttpRequest> parseHttpRequest(std::span<const std::uint8_t> bytes, std::size_t maxBytes,
                                        std::size_t maxFields) {
    return parseHead<HttpRequest>(bytes, maxBytes, maxFields, true);
}

HttpParse<HttpResponse> parseHttpResponse(std::span<const std::uint8_t> bytes, std::size_t maxBytes,
                                          std::size_t maxFields) {
    return parseHead<HttpResponse>(bytes, maxBytes, maxFields, false);
}

bool HttpHeadScan::due(std::span<const std::uint8_t> buffered, std::size_t maxBytes) {
    if (buffered.size() < scanned_)
        reset();  // the caller dropped bytes without saying so: start over
    ++calls_;
    bool parse = buffered.size() >= maxBytes || buffered.size() >= nextParseAt_;
    // The head ends at an empty line: LF, then LF or CR LF. Only the new
    // bytes (and the two before them, which may start the ending) are read.
    for (std::size_t i = scanned_ < 2 ? 0 : scanned_ - 2; !parse && i < buffered.size();) {
        const void* found = std::memchr(buffered.data() + i, '\n', buffered.size() - i);
        if (!found)
            break;
        const std::size_t lf =
            std::size_t(static_cast<const std::uint8_t*>(found) - buffered.data());
        const std::size_t next = lf + 1;
        parse =
            (next < buffered.size() && buffered[next] == '\n') ||
            (next + 1 < buffered.size() && buffered[next] == '\r' && buffered[next + 1] == '\n');
        i = next;
    }
    scanned_ = buffered.size();
    if (parse) {
        ++parses_;
        // Without an end, parse again (to reject a bad start line early) only
        // once the head has doubled: a head of n bytes costs O(n) in all.
        nextParseAt_ = std::max<std::size_t>(2 * buffered.size(), 64);
    }
    return parse;
}

void HttpHeadScan::reset() {
    scanned_ = 0;
    nextParseAt_ = 0;
}

std::string serializeRequest(const HttpRequest& request) {
    std::string out;
    out.reserve(256);
    out += request.method;
    out += ' ';
    out += request.target;
    out += ' ';
    out += request.version.empty() ? std::string_view("HTTP/1.1") : request.version;
    out += "\r\n";
    appendFields(out, request.fields);
    return out;
}

std::string serializeResponse(const HttpResponse& response) {
    std::string out;
    out.reserve(256);
    out += response.version.empty() ? std::string_view("HTTP/1.1") : response.version;
    out += ' ';
    // status-code is exactly three digits (RFC 9112 §4).
    const int status = std::clamp(response.status, 0, 999);
    out += char('0' + (status / 100) % 10);
    out += char('0' + (status / 10) % 10);
    out += char('0' + status % 10);
    out += ' ';
    out += response.reason;
    out += "\r\n";
    appendFields(out, response.fields);
    return out;
}

}  // namespace sockscope
