#include "inspector/stored_handshake.h"

namespace sockscope::ui {

StoredHandshake::StoredHandshake(const dissector::HandshakeEvent& event)
    : request_(pack(event.requestHeaders)), response_(pack(event.responseHeaders)) {
    info_ = event;
    info_.requestHeaders = {};
    info_.responseHeaders = {};
}

dissector::HandshakeEvent StoredHandshake::event() const {
    dissector::HandshakeEvent e = info_;
    e.requestHeaders = unpack(request_);
    e.responseHeaders = unpack(response_);
    return e;
}

// A NUL cannot be in a header the dissector accepted (RFC 9110 §5.5 allows
// no control characters but tab), so it separates the fields unambiguously.
std::string StoredHandshake::pack(const Headers& headers) {
    std::string out;
    std::size_t size = 0;
    for (const auto& [name, value] : headers)
        size += name.size() + value.size() + 2;
    out.reserve(size);
    for (const auto& [name, value] : headers) {
        out += name;
        out += '\0';
        out += value;
        out += '\0';
    }
    return out;
}

StoredHandshake::Headers StoredHandshake::unpack(const std::string& packed) {
    Headers headers;
    std::size_t at = 0;
    while (at < packed.size()) {
        const std::size_t nameEnd = packed.find('\0', at);
        if (nameEnd == std::string::npos)
            break;
        const std::size_t valueEnd = packed.find('\0', nameEnd + 1);
        if (valueEnd == std::string::npos)
            break;
        headers.emplace_back(packed.substr(at, nameEnd - at),
                             packed.substr(nameEnd + 1, valueEnd - nameEnd - 1));
        at = valueEnd + 1;
    }
    return headers;
}

}  // namespace sockscope::ui
