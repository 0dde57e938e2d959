#pragma once
// Handshake messages (RFC 8446 §4, RFC 5246 §7.4) from one direction's
// handshake-record bytes: a message may span records and several may share
// one. Only the messages the caller wants are reassembled (bounded); the
// rest (certificates, key exchanges) are skipped by length without a copy.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sockscope::dissector::tls {

class HandshakeSink {
public:
    virtual ~HandshakeSink() = default;
    // Whether the body of a message of `type` is needed.
    virtual bool wantsBody(std::uint8_t type) const = 0;
    // A complete message (the body is empty when it was not wanted). Valid
    // during the call.
    virtual void onMessage(std::uint8_t type, std::span<const std::uint8_t> body) = 0;
    // A wanted message longer than the limit: skipped (no onMessage).
    virtual void onMessageTooLarge(std::uint8_t type, std::size_t length) = 0;
};

class HandshakeReader {
public:
    explicit HandshakeReader(std::size_t maxMessage) : maxMessage_(maxMessage) {}

    void feed(std::span<const std::uint8_t> bytes, HandshakeSink& sink);
    // Forget a message in progress (its bytes were lost).
    void reset();
    // Inside a message: its remaining bytes must come first.
    bool midMessage() const { return headerHave_ > 0; }

private:
    std::size_t maxMessage_;
    std::array<std::uint8_t, 4> header_{};
    std::size_t headerHave_ = 0;
    std::size_t bodyLength_ = 0;
    std::size_t bodyHave_ = 0;
    bool keep_ = false;  // the body is being collected (else skipped)
    bool tooLarge_ = false;
    std::vector<std::uint8_t> body_;
};

}  // namespace sockscope::dissector::tls
