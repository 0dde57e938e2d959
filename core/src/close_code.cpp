#include "sockscope/core/close_code.h"

#include <array>

#include "sockscope/core/utf8.h"

namespace sockscope {
namespace {

// IANA "WebSocket Close Code Number Registry", 1000-1015.
constexpr std::array kRegistered = {
    CloseCodeInfo{1000, "Normal Closure",
                  "The purpose for which the connection was established has been fulfilled.", true},
    CloseCodeInfo{1001, "Going Away",
                  "The endpoint is going away (server shutdown, page navigated away).", true},
    CloseCodeInfo{1002, "Protocol Error",
                  "The endpoint is terminating the connection due to a protocol error.", true},
    CloseCodeInfo{1003, "Unsupported Data",
                  "The endpoint received a type of data it cannot accept.", true},
    CloseCodeInfo{1004, "Reserved",
                  "Reserved; its meaning might be defined in the future. Never sent.", false},
    CloseCodeInfo{1005, "No Status Received",
                  "Stands for a close frame without a status code; never sent.", false},
    CloseCodeInfo{1006, "Abnormal Closure",
                  "Stands for a connection lost without a close frame; never sent.", false},
    CloseCodeInfo{1007, "Invalid Frame Payload Data",
                  "A message contained data inconsistent with its type (e.g. invalid UTF-8).",
                  true},
    CloseCodeInfo{1008, "Policy Violation", "A message violates the endpoint's policy.", true},
    CloseCodeInfo{1009, "Message Too Big", "A message is too big for the endpoint to process.",
                  true},
    CloseCodeInfo{1010, "Mandatory Extension",
                  "The client expected the server to negotiate an extension it did not.", true},
    CloseCodeInfo{
        1011, "Internal Error",
        "The server met an unexpected condition that prevented it from fulfilling the request.",
        true},
    CloseCodeInfo{1012, "Service Restart", "The service is restarting.", true},
    CloseCodeInfo{1013, "Try Again Later", "The service is overloaded or temporarily unavailable.",
                  true},
    CloseCodeInfo{1014, "Bad Gateway",
                  "A gateway or proxy received an invalid response from the upstream server.",
                  true},
    CloseCodeInfo{1015, "TLS Handshake", "Stands for a failed TLS handshake; never sent.", false},
};

}  // namespace

CloseCodeRange closeCodeRange(std::uint16_t code) {
    if (code < 1000)
        return CloseCodeRange::Invalid;
    if (code < 3000)
        return CloseCodeRange::Protocol;
    if (code < 4000)
        return CloseCodeRange::Registered;
    if (code < 5000)
        return CloseCodeRange::Private;
    return CloseCodeRange::OutOfRange;
}

CloseCodeInfo closeCodeInfo(std::uint16_t code) {
    if (code >= 1000 && code <= 1015)
        return kRegistered[code - 1000];
    switch (closeCodeRange(code)) {
        case CloseCodeRange::Invalid:
            return {code, "Invalid", "Codes below 1000 are not used.", false};
        case CloseCodeRange::Protocol:
            return {code, "Unassigned",
                    "Reserved for future revisions of the protocol and its extensions.", false};
        case CloseCodeRange::Registered:
            return {code, "Registered",
                    "Registered with IANA for use by libraries, frameworks and applications.",
                    true};
        case CloseCodeRange::Private:
            return {code, "Private Use", "Reserved for private use by applications.", true};
        case CloseCodeRange::OutOfRange:
            break;
    }
    return {code, "Out of Range", "Codes of 5000 and above are not defined.", false};
}

bool isValidCloseCodeOnWire(std::uint16_t code) {
    return closeCodeInfo(code).validOnWire;
}

std::span<const CloseCodeInfo> registeredCloseCodes() {
    return kRegistered;
}

ClosePayloadResult parseClosePayload(std::span<const std::uint8_t> body) {
    ClosePayloadResult result;
    if (body.empty())
        return result;
    if (body.size() == 1) {
        result.error = ProtocolError{ViolationKind::ClosePayloadTooShort, 0,
                                     "close body is 1 byte; a status code needs 2"};
        return result;
    }
    const auto code = static_cast<std::uint16_t>((body[0] << 8) | body[1]);
    result.payload.code = code;
    const auto reason = body.subspan(2);
    result.payload.reason.assign(reinterpret_cast<const char*>(reason.data()), reason.size());
    if (!isValidCloseCodeOnWire(code)) {
        result.error =
            ProtocolError{ViolationKind::InvalidCloseCode, 0,
                          "close code " + std::to_string(code) + " (" +
                              std::string(closeCodeInfo(code).name) + ") is not valid on the wire"};
        return result;
    }
    Utf8Validator utf8;
    if (!utf8.feed(reason) || !utf8.complete()) {
        const std::size_t at = utf8.failed() ? utf8.errorIndex() : reason.size();
        result.error = ProtocolError{ViolationKind::InvalidCloseReason, 2 + at,
                                     "close reason is not valid UTF-8 at byte " +
                                         std::to_string(2 + at) + " of the close body"};
    }
    return result;
}

std::vector<std::uint8_t> buildClosePayload(std::optional<std::uint16_t> code,
                                            std::string_view reason) {
    std::vector<std::uint8_t> body;
    if (!code)
        return body;
    body.reserve(2 + reason.size());
    body.push_back(static_cast<std::uint8_t>(*code >> 8));
    body.push_back(static_cast<std::uint8_t>(*code & 0xFF));
    body.insert(body.end(), reason.begin(), reason.end());
    return body;
}

}  // namespace sockscope
