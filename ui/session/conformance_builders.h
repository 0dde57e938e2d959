#pragma once
// Shorthand for writing the catalogue (conformance_cases_*.cpp): payloads,
// frames, replies and the common shapes of a script. Internal to the suite.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "session/conformance_case.h"

namespace sockscope::session::conformance::build {

inline constexpr std::uint8_t kContinuation = 0x0;
inline constexpr std::uint8_t kText = 0x1;
inline constexpr std::uint8_t kBinary = 0x2;
inline constexpr std::uint8_t kClose = 0x8;
inline constexpr std::uint8_t kPing = 0x9;
inline constexpr std::uint8_t kPong = 0xA;

// Script::chop value: every frame until the next pause or wait in one write.
inline constexpr std::size_t kOneWrite = static_cast<std::size_t>(-1);
// How long a case waits to see that nothing comes back.
inline constexpr int kSettleMs = 100;
// The pause of the fail-fast cases: a strict peer fails before it ends.
inline constexpr int kFailFastPauseMs = 300;

SharedBytes bytes(std::string_view text);
SharedBytes bytes(std::initializer_list<std::uint8_t> values);
SharedBytes bytes(Bytes values);
// `size` bytes of `pattern` repeated.
SharedBytes filled(std::size_t size, std::string_view pattern);
// `size` bytes that use every byte value and compress only a little.
SharedBytes binaryPayload(std::size_t size, std::uint32_t seed = 1);
// `size` bytes of ASCII words: text that compresses the way prose does.
SharedBytes wordsPayload(std::size_t size, std::uint32_t seed = 1);
// A close frame body: the code big-endian, then the reason.
SharedBytes closeBody(std::uint16_t code, std::string_view reason = {});

FrameStep frame(std::uint8_t opcode, SharedBytes payload, bool fin = true);
FrameStep withRsv(FrameStep step, int rsv);  // rsv 0..7: RSV1 is 4, RSV2 2, RSV3 1
MessageStep message(std::uint8_t opcode, SharedBytes payload, std::size_t fragmentSize = 0);
PauseStep pause(int ms, std::string marker = {});
AwaitStep await(std::size_t replies);

Reply echoed(std::uint8_t opcode, SharedBytes payload);
Reply pong(SharedBytes payload);
Reply marker(std::string label);

// The peer echoes `replies`, then the close handshake with 1000.
Script echo(std::vector<Step> steps, std::vector<Reply> replies);
// The peer fails the connection with one of `codes`; `nonStrict` replies
// (with `note`) are accepted as non-strict.
Script fail(std::vector<Step> steps, std::vector<std::uint16_t> codes,
            std::vector<Reply> replies = {},
            std::optional<std::vector<Reply>> nonStrict = std::nullopt, std::string note = {});
// A valid message, then `bad` in one write: the message must be echoed before
// the peer fails with `code` (failing first is non-strict).
Script echoThenFail(FrameStep valid, std::vector<Step> bad, std::uint16_t code);
// The script sends a close; the peer answers with one of `codes`.
Script closeWith(std::vector<Step> steps, std::vector<std::uint16_t> codes,
                 std::vector<Reply> replies = {});

// Collects cases for the catalogue.
class CaseList {
public:
    explicit CaseList(std::vector<Case>& out) : out_(out) {}
    void add(std::string id, std::string description, std::string rfc,
             std::function<Script()> script, Applies applies = Applies::Both,
             int timeoutFactor = 1);

private:
    std::vector<Case>& out_;
};

// One function per group file.
void addFramingCases(CaseList& cases);        // 1
void addControlCases(CaseList& cases);        // 2
void addReservedCases(CaseList& cases);       // 3, 4
void addFragmentationCases(CaseList& cases);  // 5
void addUtf8Cases(CaseList& cases);           // 6
void addCloseCases(CaseList& cases);          // 7
void addHandshakeCases(CaseList& cases);      // 8
void addLimitCases(CaseList& cases);          // 9
void addDeflateCases(CaseList& cases);        // 12, 13

}  // namespace sockscope::session::conformance::build
