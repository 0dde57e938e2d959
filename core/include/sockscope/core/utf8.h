#pragma once
// Incremental UTF-8 validation (RFC 3629, as RFC 6455 §8.1 requires for text
// messages and close reasons). Input may be split at any byte; validation fails
// at the first byte that makes the sequence invalid (overlong forms, UTF-16
// surrogates, code points above U+10FFFF, stray continuation bytes), without
// waiting for the end of the message. ASCII runs take a SIMD fast path.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sockscope {

class Utf8Validator {
public:
    // Feeds the next bytes. Returns false as soon as a byte is invalid;
    // errorIndex() then tells its position within this call's span. Once
    // failed, the validator stays failed until reset().
    bool feed(std::span<const std::uint8_t> bytes) noexcept;
    bool feed(std::string_view text) noexcept {
        return feed(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    }

    // True when no multi-byte sequence is left open (call at FIN).
    bool complete() const noexcept { return !failed_ && needed_ == 0; }
    bool failed() const noexcept { return failed_; }
    // Index in the last fed span of the first invalid byte.
    std::size_t errorIndex() const noexcept { return errorIndex_; }
    // Bytes fed before the current call plus errorIndex(): the error's offset in the whole input.
    std::uint64_t errorOffset() const noexcept { return errorOffset_; }
    void reset() noexcept { *this = Utf8Validator{}; }

private:
    std::uint32_t needed_ = 0;   // continuation bytes still expected
    std::uint8_t lower_ = 0x80;  // allowed range of the next continuation byte
    std::uint8_t upper_ = 0xBF;
    bool failed_ = false;
    std::size_t errorIndex_ = 0;
    std::uint64_t fedBefore_ = 0;
    std::uint64_t errorOffset_ = 0;
};

// One-shot check of a complete buffer.
bool isValidUtf8(std::span<const std::uint8_t> bytes) noexcept;
inline bool isValidUtf8(std::string_view text) noexcept {
    return isValidUtf8(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace sockscope
