#include "tls_handshake_reader.h"

#include <algorithm>

namespace sockscope::dissector::tls {

void HandshakeReader::reset() {
    headerHave_ = 0;
    bodyLength_ = 0;
    bodyHave_ = 0;
    keep_ = false;
    tooLarge_ = false;
    body_.clear();
}

void HandshakeReader::feed(std::span<const std::uint8_t> bytes, HandshakeSink& sink) {
    while (!bytes.empty()) {
        if (headerHave_ == 0 && bytes.size() >= 4) {
            // A whole message in the bytes at hand: no copy.
            const std::size_t length =
                static_cast<std::size_t>(bytes[1]) << 16 | bytes[2] << 8 | bytes[3];
            if (bytes.size() - 4 >= length) {
                const std::uint8_t type = bytes[0];
                const bool wanted = sink.wantsBody(type);
                if (wanted && length > maxMessage_) {
                    sink.onMessageTooLarge(type, length);
                } else {
                    sink.onMessage(
                        type, wanted ? bytes.subspan(4, length) : std::span<const std::uint8_t>());
                }
                bytes = bytes.subspan(4 + length);
                continue;
            }
        }
        if (headerHave_ < 4) {
            const std::size_t take = std::min<std::size_t>(4 - headerHave_, bytes.size());
            std::copy_n(bytes.begin(), take, header_.begin() + headerHave_);
            headerHave_ += take;
            bytes = bytes.subspan(take);
            if (headerHave_ < 4)
                return;
            bodyLength_ = static_cast<std::size_t>(header_[1]) << 16 | header_[2] << 8 | header_[3];
            bodyHave_ = 0;
            keep_ = sink.wantsBody(header_[0]);
            tooLarge_ = keep_ && bodyLength_ > maxMessage_;
            if (tooLarge_) {
                sink.onMessageTooLarge(header_[0], bodyLength_);
                keep_ = false;
            }
            body_.clear();
            if (keep_)
                body_.reserve(bodyLength_);
        }
        const std::size_t take = std::min(bodyLength_ - bodyHave_, bytes.size());
        if (keep_)
            body_.insert(body_.end(), bytes.begin(), bytes.begin() + take);
        bodyHave_ += take;
        bytes = bytes.subspan(take);
        if (bodyHave_ == bodyLength_) {
            const std::uint8_t type = header_[0];
            headerHave_ = 0;
            if (!tooLarge_)
                sink.onMessage(type, keep_ ? std::span<const std::uint8_t>(body_)
                                           : std::span<const std::uint8_t>());
            if (body_.capacity() > 64u << 10)
                std::vector<std::uint8_t>().swap(body_);  // a big message is not kept around
        }
    }
}

}  // namespace sockscope::dissector::tls
