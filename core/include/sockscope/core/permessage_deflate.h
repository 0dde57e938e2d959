#pragma once
// permessage-deflate (RFC 7692) with zlib: negotiation and per-message
// compression/decompression with or without context takeover.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sockscope/core/extension_header.h"

namespace sockscope {

inline constexpr std::string_view kPermessageDeflate = "permessage-deflate";

// What was agreed for one connection (RFC 7692 §7.1).
struct DeflateParams {
    bool serverNoContextTakeover = false;
    bool clientNoContextTakeover = false;
    int serverMaxWindowBits = 15;  // 8..15: the window the server compresses with
    int clientMaxWindowBits = 15;  // 8..15: the window the client compresses with
};

// A client's offer.
struct DeflateClientOffer {
    bool serverNoContextTakeover = false;
    bool clientNoContextTakeover = false;
    std::optional<int> serverMaxWindowBits;
    // Valueless "client_max_window_bits" (the client supports any window the server picks).
    bool clientMaxWindowBitsValueless = true;
    std::optional<int> clientMaxWindowBits;  // with a value; takes precedence over valueless
};

// What a server is willing to accept.
struct DeflateServerPolicy {
    bool serverNoContextTakeover = false;  // ask for it even if the client did not
    bool clientNoContextTakeover = false;
    int serverMaxWindowBits = 15;            // upper bound for our own window
    std::optional<int> clientMaxWindowBits;  // ask the client to use at most this (needs its offer)
};

Extension makeDeflateOffer(const DeflateClientOffer& offer);

struct DeflateNegotiation {
    std::optional<DeflateParams> params;  // nullopt: declined (or not offered)
    std::optional<Extension> response;    // what the server puts in its response header
    std::optional<std::string> error;     // a malformed offer/response, with why
};

// Server side: takes the first acceptable permessage-deflate offer in the list
// (RFC 7692 §5.1); declines offers with unknown or invalid parameters. `error`
// is set only when nothing was accepted and an offer was declined (the first
// reason); the server then goes on without the extension.
DeflateNegotiation acceptDeflateOffer(const std::vector<Extension>& offers,
                                      const DeflateServerPolicy& policy);
// Client side: checks the server's response against what we offered (§5.1:
// the client must fail the connection on an invalid response).
DeflateNegotiation checkDeflateResponse(const Extension& response,
                                        const DeflateClientOffer& offered);

// Compresses messages for one direction. Thread-compatible, not thread-safe.
// windowBits 8 compresses with zlib's 512-byte window, whose matches never
// reach back more than 250 bytes, so a 256-byte peer window holds (see .cpp).
// A moved-from object may only be destroyed or assigned to.
class MessageDeflater {
public:
    MessageDeflater(int windowBits, bool noContextTakeover, int level = 6);
    ~MessageDeflater();
    MessageDeflater(MessageDeflater&&) noexcept;
    MessageDeflater& operator=(MessageDeflater&&) noexcept;

    // Appends the compressed message to `out`, with the trailing 00 00 ff ff
    // removed (§7.2.1). Resets the context afterwards when no context takeover.
    void compress(std::span<const std::uint8_t> message, std::vector<std::uint8_t>& out);

private:
    struct State;
    std::unique_ptr<State> state_;
};

enum class InflateStatus : std::uint8_t { Ok, Error, TooBig };

// Receives inflated bytes as zlib produces them, in order. The span is only
// valid during the call: the bytes live in a buffer the next call reuses.
class InflateOutput {
public:
    virtual void write(std::span<const std::uint8_t> bytes) = 0;

protected:
    ~InflateOutput() = default;
};

// Decompresses messages for one direction, fed in chunks as frames arrive.
// After Error or TooBig the rest of that message returns the same status and
// produces nothing; the message ends with the fin=true call. Without context
// takeover the next message starts clean; with it, the shared window is lost
// and every later message returns Error.
class MessageInflater {
public:
    // maxOutput: cap on one message's decompressed size; maxRatio: cap on
    // decompressed/compressed bytes once output exceeds 64 KiB (0 = no ratio cap).
    // windowBits is the peer's agreed window; inflation always uses 32 KiB so
    // results never depend on chunking (see .cpp).
    MessageInflater(int windowBits, bool noContextTakeover, std::uint64_t maxOutput,
                    double maxRatio = 0);
    ~MessageInflater();
    MessageInflater(MessageInflater&&) noexcept;
    MessageInflater& operator=(MessageInflater&&) noexcept;

    // Feeds the next compressed bytes of the current message and appends the
    // output. On the message's last chunk pass fin=true: the 00 00 ff ff tail
    // is appended internally (§7.2.2). Never grows `out` past maxOutput.
    InflateStatus inflate(std::span<const std::uint8_t> compressed, bool fin,
                          std::vector<std::uint8_t>& out);
    // The same, handing the output over piece by piece instead of collecting
    // it: a reader that consumes it at once saves a copy of every byte.
    InflateStatus inflate(std::span<const std::uint8_t> compressed, bool fin, InflateOutput& out);
    // Why the last Error or TooBig happened (zlib's message for corrupt data).
    std::string lastError() const;
    // Total decompressed bytes of the current message so far (after the fin
    // call: of the message just finished).
    std::uint64_t messageOutput() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace sockscope
