#pragma once
// Close status codes (RFC 6455 §7.4, IANA "WebSocket Close Code Number Registry").

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sockscope/core/violation.h"

namespace sockscope {

enum class CloseCodeRange : std::uint8_t {
    Invalid,     // 0-999: never used
    Protocol,    // 1000-2999: defined by RFC 6455 or its extensions
    Registered,  // 3000-3999: registered with IANA for libraries and frameworks
    Private,     // 4000-4999: private use by applications
    OutOfRange,  // 5000 and above
};

struct CloseCodeInfo {
    std::uint16_t code;
    std::string_view name;     // e.g. "Normal Closure"
    std::string_view meaning;  // one sentence
    bool validOnWire;          // may appear in a close frame
};

CloseCodeRange closeCodeRange(std::uint16_t code);
// Info for a code: registered names for 1000-1015; a generic description for
// other codes in each range.
CloseCodeInfo closeCodeInfo(std::uint16_t code);
// Whether an endpoint may send / accept this code in a close frame (§7.4.1, §7.4.2).
bool isValidCloseCodeOnWire(std::uint16_t code);
// The registered codes 1000-1015, for pickers.
std::span<const CloseCodeInfo> registeredCloseCodes();

namespace close_code {
inline constexpr std::uint16_t Normal = 1000;
inline constexpr std::uint16_t GoingAway = 1001;
inline constexpr std::uint16_t ProtocolError = 1002;
inline constexpr std::uint16_t UnsupportedData = 1003;
inline constexpr std::uint16_t NoStatusReceived = 1005;
inline constexpr std::uint16_t Abnormal = 1006;
inline constexpr std::uint16_t InvalidPayload = 1007;
inline constexpr std::uint16_t PolicyViolation = 1008;
inline constexpr std::uint16_t MessageTooBig = 1009;
inline constexpr std::uint16_t MandatoryExtension = 1010;
inline constexpr std::uint16_t InternalError = 1011;
}  // namespace close_code

struct ClosePayload {
    std::optional<std::uint16_t> code;  // nullopt: empty body (reported as 1005)
    std::string reason;
};

// Parses a close frame body. Errors: ClosePayloadTooShort (1 byte),
// InvalidCloseCode, InvalidCloseReason (with the offset of the bad byte in the body).
struct ClosePayloadResult {
    ClosePayload payload;
    std::optional<ProtocolError> error;
};
ClosePayloadResult parseClosePayload(std::span<const std::uint8_t> body);
// Builds a close body: 2-byte code + reason (the caller keeps it ≤ 123 bytes).
std::vector<std::uint8_t> buildClosePayload(std::optional<std::uint16_t> code,
                                            std::string_view reason);

}  // namespace sockscope
