#pragma once
// The RFC 6455 §4 opening handshake: building and checking upgrade requests
// and 101 responses. Randomness for the key comes from OpenSSL's CSPRNG.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sockscope/core/base64.h"
#include "sockscope/core/http_message.h"
#include "sockscope/core/permessage_deflate.h"
#include "sockscope/core/violation.h"

namespace sockscope {

inline constexpr std::string_view kWebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// 16 random bytes, base64 (§4.1).
std::string generateWebSocketKey();
// base64(SHA-1(key + GUID)) (§4.2.2).
std::string computeWebSocketAccept(std::string_view key);
// Whether a Sec-WebSocket-Key value is base64 of exactly 16 bytes.
bool isValidWebSocketKey(std::string_view key);

struct ClientHandshakeOptions {
    std::string host;    // Host header value, "example.com:8080"
    std::string target = "/";
    std::optional<std::string> origin;
    std::vector<std::string> subprotocols;       // offered, in preference order
    std::optional<DeflateClientOffer> deflate;   // offer permessage-deflate
    std::vector<HttpField> extraFields;          // added verbatim
};

HttpRequest buildClientRequest(const ClientHandshakeOptions& options, std::string_view key);

struct ClientHandshakeResult {
    std::optional<ProtocolError> error;  // nullopt: the connection is open
    std::string subprotocol;              // empty: none
    std::optional<DeflateParams> deflate;
    std::string extensions;               // the response's Sec-WebSocket-Extensions
};

// Checks a server response (§4.1, "the client MUST validate the server's response").
ClientHandshakeResult checkServerResponse(const HttpResponse& response,
                                          const ClientHandshakeOptions& options,
                                          std::string_view key);

struct ServerHandshakeOptions {
    std::vector<std::string> subprotocols;  // supported, in our preference order
    // Empty: any Origin (or none) is accepted.
    std::function<bool(std::string_view origin)> originAllowed;
    std::optional<DeflateServerPolicy> deflate;  // nullopt: never negotiate compression
    std::vector<HttpField> extraFields;           // added to the 101 response
};

struct ServerHandshakeResult {
    HttpResponse response;                // 101, or a 4xx with a plain-text body reason
    std::string body;                     // body for a rejection (Content-Length is set)
    std::optional<ProtocolError> error;   // why a request was rejected
    std::string subprotocol;
    std::optional<DeflateParams> deflate;
    std::string extensions;
    bool accepted() const { return !error.has_value(); }
};

// Validates an upgrade request and builds the answer: 101 Switching Protocols,
// 400 for a malformed upgrade, 403 for a forbidden Origin, 426 with
// "Sec-WebSocket-Version: 13" for a version mismatch, 405 for a method other than GET.
ServerHandshakeResult answerClientRequest(const HttpRequest& request,
                                          const ServerHandshakeOptions& options);

}  // namespace sockscope
