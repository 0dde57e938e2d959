#pragma once
// Minimal, exact HTTP/1.1 request/response head parsing for the WebSocket
// upgrade (RFC 9112 message syntax, RFC 9110 field semantics). Only the head
// (start line + fields + CRLF) is parsed: bytes after it belong to the
// WebSocket stream and are left to the caller.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sockscope/core/limits.h"
#include "sockscope/core/violation.h"

namespace sockscope {

struct HttpField {
    std::string name;   // as received (case preserved)
    std::string value;  // leading/trailing whitespace removed
};

class HttpFields {
public:
    std::vector<HttpField> list;

    // First value of a field, names compared case-insensitively.
    std::optional<std::string_view> get(std::string_view name) const;
    // All values of a repeated field joined with ", " (RFC 9110 §5.3); empty if absent.
    std::string combined(std::string_view name) const;
    // Number of field lines with this name.
    std::size_t count(std::string_view name) const;
    // Whether the comma-separated list value(s) of a field contain `token`
    // (case-insensitive), e.g. hasToken("Connection", "upgrade") for
    // "Connection: keep-alive, Upgrade".
    bool hasToken(std::string_view name, std::string_view token) const;
    void add(std::string name, std::string value) {
        list.push_back({std::move(name), std::move(value)});
    }
};

struct HttpRequest {
    std::string method;
    std::string target;
    std::string version;  // "HTTP/1.1"
    HttpFields fields;
};

struct HttpResponse {
    std::string version;
    int status = 0;
    std::string reason;
    HttpFields fields;
};

enum class ParseStatus : std::uint8_t { Complete, NeedMore, Error };

template <typename Message>
struct HttpParse {
    ParseStatus status = ParseStatus::NeedMore;
    Message message;
    std::size_t consumed = 0;            // bytes of the head, including the final CRLF
    std::optional<ProtocolError> error;  // offset = position of the offending byte
};

// Both accept CRLF line endings (and bare LF, as RFC 9112 §2.2 allows a
// recipient to), reject obsolete line folding, control characters, and header
// blocks larger than maxBytes or with more than maxFields fields
// (HandshakeTooLarge).
HttpParse<HttpRequest> parseHttpRequest(std::span<const std::uint8_t> bytes,
                                        std::size_t maxBytes = kDefaultMaxHandshakeBytes,
                                        std::size_t maxFields = kDefaultMaxHeaderFields);
HttpParse<HttpResponse> parseHttpResponse(std::span<const std::uint8_t> bytes,
                                          std::size_t maxBytes = kDefaultMaxHandshakeBytes,
                                          std::size_t maxFields = kDefaultMaxHeaderFields);

// Says when a head that arrives in pieces is worth parsing again: when its
// end (an empty line) has arrived, when it reached maxBytes, or when it has
// doubled since the last parse (so a bad start line is still refused early).
// Only new bytes are scanned, so a head of n bytes costs O(n) however it is
// split, where parsing after every read would cost O(n^2) (tungstenite spent
// minutes on a 20 MB header line sent in small pieces).
class HttpHeadScan {
public:
    // `buffered`: every byte of the head so far, the earlier ones unchanged.
    bool due(std::span<const std::uint8_t> buffered, std::size_t maxBytes);
    // The buffer was emptied (the head was taken).
    void reset();
    // How often due() was asked and how often it said yes (tests check the bound).
    std::uint64_t calls() const { return calls_; }
    std::uint64_t parses() const { return parses_; }

private:
    std::size_t scanned_ = 0;
    std::size_t nextParseAt_ = 0;
    std::uint64_t calls_ = 0;
    std::uint64_t parses_ = 0;
};

std::string serializeRequest(const HttpRequest& request);
std::string serializeResponse(const HttpResponse& response);

bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace sockscope
