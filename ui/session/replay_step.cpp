#include "session/replay_step.h"

#include "sockscope/core/opcode.h"

namespace sockscope::session {

namespace {

struct OpcodeName {
    Opcode opcode;
    const char16_t* name;
};

constexpr OpcodeName kNames[] = {
    {Opcode::Text, u"text"}, {Opcode::Binary, u"binary"}, {Opcode::Close, u"close"},
    {Opcode::Ping, u"ping"}, {Opcode::Pong, u"pong"},
};

}  // namespace

QString replayOpcodeName(std::uint8_t opcode) {
    for (const OpcodeName& n : kNames) {
        if (std::uint8_t(n.opcode) == opcode) {
            return QString::fromUtf16(n.name);
        }
    }
    return QStringLiteral("0x%1").arg(opcode, 1, 16);
}

std::optional<std::uint8_t> replayOpcodeFromName(const QString& name) {
    for (const OpcodeName& n : kNames) {
        if (name == QString::fromUtf16(n.name)) {
            return std::uint8_t(n.opcode);
        }
    }
    return std::nullopt;
}

bool isReplayableOpcode(std::uint8_t opcode) {
    return replayOpcodeFromName(replayOpcodeName(opcode)).has_value();
}

}  // namespace sockscope::session
