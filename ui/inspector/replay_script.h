#pragma once
// A replay script from a capture: the client side of one WebSocket
// connection (every message the client sent, decompressed, with its fragment
// count, recorded frame sizes and time offset), what its upgrade request offered, and the server's
// answers as recorded. Saved and loaded as JSON (payloads in base64, opcodes
// by name), so a script can be edited, kept and run again later.
//
// JSON, version 1:
//   {"format": "sockscope-replay", "version": 1, "target": "/chat",
//    "host": "127.0.0.1:8765", "subprotocols": ["chat"], "extensions": "...",
//    "headers": [{"name": "Origin", "value": "http://x"}],
//    "steps": [{"opcode": "text", "payload_b64": "aGk=", "fragments": 1,
//               "offset_ns": 0, "answers_before": 0}, ...,
//              {"opcode": "close", "close_code": 1000, "payload_b64": "<reason>"}],
//    "recorded_answers": [same shape as steps]}
// A text/binary step may carry "frame_sizes": [4, 3, 3] (each frame's payload
// length as recorded; written only when known, i.e. for an uncompressed
// message of more than one frame): they add up to the payload and set "fragments".
// Only "format", "version" and each step's "opcode" are required.

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <optional>

#include "session/replay_step.h"

namespace sockscope::ui {

class CaptureDocument;

using session::ReplayScript;
using session::ReplayStep;

// The script of connection `connection` (the index's id). nullopt and `error`
// when there is no such connection, it carries no WebSocket, or a message's
// payload is not in the capture (which one is named).
std::optional<ReplayScript> replayScriptFromCapture(const CaptureDocument& document,
                                                    std::uint32_t connection,
                                                    QString* error = nullptr);

// Indented JSON (see above).
QByteArray toJson(const ReplayScript& script);
// nullopt and `error` naming the place ("steps[2].payload_b64: not valid base64").
std::optional<ReplayScript> replayScriptFromJson(const QByteArray& json, QString* error = nullptr);

// Both refuse a script over 128 MiB as JSON (it is parsed whole, at a few
// times its size in memory), naming the cap.
bool saveReplayScript(const ReplayScript& script, const QString& path, QString* error = nullptr);
std::optional<ReplayScript> loadReplayScript(const QString& path, QString* error = nullptr);

}  // namespace sockscope::ui
