#pragma once
// A handshake as the index keeps it, one per connection: the event's fields,
// with its two header lists packed into one string each ("name\0value\0"
// per line). As vectors of string pairs a dozen lines cost about a
// kilobyte, which on a capture of thousands of connections is more than all
// their frames' records. Qt-free.

#include <sockscope/dissector/events.h>

#include <string>
#include <utility>
#include <vector>

namespace sockscope::ui {

class StoredHandshake {
public:
    explicit StoredHandshake(const dissector::HandshakeEvent& event);

    // Every field of the event but the header lists, which are empty here:
    // event() has them.
    const dissector::HandshakeEvent& info() const { return info_; }
    // The whole event again, header lists unpacked.
    dissector::HandshakeEvent event() const;

private:
    using Headers = std::vector<std::pair<std::string, std::string>>;
    static std::string pack(const Headers& headers);
    static Headers unpack(const std::string& packed);

    dissector::HandshakeEvent info_;
    std::string request_;
    std::string response_;
};

}  // namespace sockscope::ui
