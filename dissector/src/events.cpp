#include "sockscope/dissector/events.h"

namespace sockscope::dissector {

std::string_view directionName(Direction d) {
    return d == Direction::Client ? "client" : "server";
}

std::string_view endHowName(EndHow how) {
    switch (how) {
        case EndHow::CloseHandshake:
            return "close-handshake";
        case EndHow::Fin:
            return "fin";
        case EndHow::Rst:
            return "rst";
        case EndHow::CaptureEnd:
            break;
    }
    return "capture-end";
}

}  // namespace sockscope::dissector
