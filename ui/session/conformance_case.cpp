#include "session/conformance_case.h"

#include <array>

namespace sockscope::session::conformance {
namespace {

// Numbered as in the Autobahn TestSuite where it has the group (8 is ours:
// Autobahn has no handshake group; 12 and 13 are its permessage-deflate groups).
constexpr std::array kGroups = {
    Group{"1", "framing", "Framing"},
    Group{"2", "ping-pong", "Pings and pongs"},
    Group{"3", "reserved-bits", "Reserved bits"},
    Group{"4", "opcodes", "Reserved opcodes"},
    Group{"5", "fragmentation", "Fragmentation"},
    Group{"6", "utf8", "UTF-8 handling"},
    Group{"7", "close", "Close handling"},
    Group{"8", "handshake", "Opening handshake"},
    Group{"9", "limits", "Limits and performance"},
    Group{"12", "deflate", "permessage-deflate messages"},
    Group{"13", "deflate-negotiation", "permessage-deflate negotiation and errors"},
};

}  // namespace

bool operator==(const Reply& a, const Reply& b) {
    if (a.kind != b.kind) {
        return false;
    }
    switch (a.kind) {
        case Reply::Kind::Marker:
            return a.marker == b.marker;
        case Reply::Kind::Message:
            if (a.opcode != b.opcode) {
                return false;
            }
            [[fallthrough]];
        case Reply::Kind::Pong: {
            static const Bytes kEmpty;
            const Bytes& x = a.payload ? *a.payload : kEmpty;
            const Bytes& y = b.payload ? *b.payload : kEmpty;
            return x == y;
        }
    }
    return false;
}

std::string_view Case::group() const {
    return groupOf(id);
}

std::string_view verdictName(Verdict verdict) {
    switch (verdict) {
        case Verdict::Pass:
            return "pass";
        case Verdict::NonStrict:
            return "non-strict";
        case Verdict::Fail:
            return "fail";
        case Verdict::Unsupported:
            return "unsupported";
    }
    return "fail";
}

std::span<const Group> groups() {
    return kGroups;
}

std::string_view groupOf(std::string_view id) {
    const std::string_view number = id.substr(0, id.find('.'));
    for (const Group& group : kGroups) {
        if (group.number == number) {
            return group.name;
        }
    }
    return {};
}

}  // namespace sockscope::session::conformance
