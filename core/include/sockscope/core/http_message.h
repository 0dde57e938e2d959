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

#include "sockscope/core/violation.h"

namespace sockscope {

inline constexpr std::size_t kDefaultMaxHandshakeBytes = 16 * 1024;

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
    void add(std::string name, std::string value) { list.push_back({std::move(name), std::move(value)}); }
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
    std::size_t consumed = 0;             // bytes of the head, including the final CRLF
    std::optional<ProtocolError> error;   // offset = position of the offending byte
};

// Both accept CRLF line endings (and bare LF, as RFC 9112 §2.2 allows a
// recipient to), reject obsolete line folding, control characters and header
// blocks larger than maxBytes (HandshakeTooLarge).
HttpParse<HttpRequest> parseHttpRequest(std::span<const std::uint8_t> bytes,
                                        std::size_t maxBytes = kDefaultMaxHandshakeBytes);
HttpParse<HttpResponse> parseHttpResponse(std::span<const std::uint8_t> bytes,
                                          std::size_t maxBytes = kDefaultMaxHandshakeBytes);

std::string serializeRequest(const HttpRequest& request);
std::string serializeResponse(const HttpResponse& response);

bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace sockscope
