#pragma once
// A replay script as plain values: the client side of a recorded
// conversation (what to send, in order, and when) and the server's recorded
// answers to compare a new run with. Filled from a capture by the inspector
// (inspector/replay_script.h) or loaded from JSON; run by ReplayRunner. Kept
// free of inspector types so the widget-free session library can run it.

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace sockscope::session {

struct ReplayStep {
    std::uint8_t opcode = 0x1;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
    // Unmasked, decompressed. For a close: the reason only (the code is `closeCode`).
    QByteArray payload;
    int fragments = 1;  // frames the message was sent in (1 for control frames)
    // Text/binary only: the payload length of each data frame as recorded
    // (control frames between them excluded); their sum is payload.size() and
    // fragments == frameSizes.size(). Empty: split into `fragments` nearly equal
    // frames. A step with sizes is sent frame by frame, never compressed (a new
    // compressor's output would not have the recorded sizes).
    std::vector<std::uint64_t> frameSizes;
    // From the conversation's first client message (answers: the same origin,
    // so an answer sent before it is negative).
    qint64 offsetNs = 0;
    std::optional<std::uint16_t> closeCode;  // a close; nullopt: an empty close body
    // Server answers recorded before this step was sent (answer-paced replay waits for as many).
    int answersBefore = 0;

    friend bool operator==(const ReplayStep&, const ReplayStep&) = default;
};

struct ReplayScript {
    QString target = QStringLiteral("/");  // the request target, "/chat?room=1"
    QString host;                          // the recorded Host header ("example.com:8080")
    QStringList subprotocols;              // offered (Sec-WebSocket-Protocol), in order
    QString extensions;                    // offered (Sec-WebSocket-Extensions), verbatim
    // Every other request header but Host, Sec-WebSocket-Key, Sec-WebSocket-Version,
    // Upgrade and Connection, in order.
    std::vector<std::pair<QString, QString>> headers;
    std::vector<ReplayStep> steps;
    std::vector<ReplayStep> recordedAnswers;

    friend bool operator==(const ReplayScript&, const ReplayScript&) = default;
};

// A short name for an opcode: "text", "binary", "close", "ping", "pong", else "0x3".
QString replayOpcodeName(std::uint8_t opcode);
// The opcode named by replayOpcodeName (the five names only); nullopt for anything else.
std::optional<std::uint8_t> replayOpcodeFromName(const QString& name);
// Whether a step with this opcode can be sent (the five opcodes above).
bool isReplayableOpcode(std::uint8_t opcode);
// At most this many recorded frame sizes per step (more is no script to edit).
inline constexpr std::size_t kMaxReplayFrameSizes = 65536;

}  // namespace sockscope::session
