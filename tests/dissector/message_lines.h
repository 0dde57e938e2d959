#pragma once
// Helpers for tests that compare recovered WebSocket messages with what real
// peers sent: one short line per message (direction, opcode, size, a hash of
// every payload byte, the first bytes in readable form, close code and
// reason), so a QCOMPARE of two lists names the first message that differs
// without printing a megabyte; running the dissector over a capture file; and
// the payloads the python peer sends, computed by the peer's own code.

#include <sockscope/core/opcode.h>
#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/dissector.h>

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <string>

#include "../session/peer_process.h"
#include "dissection_recorder.h"

namespace sockscope::test {

// 64-bit FNV-1a: enough to tell payloads apart in a test.
inline std::uint64_t fnv1a(const QByteArray& bytes) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const char c : bytes) {
        h = (h ^ static_cast<std::uint8_t>(c)) * 0x100000001b3ull;
    }
    return h;
}

inline QString messageLine(bool fromServer, int opcode, const QByteArray& payload,
                           std::optional<int> closeCode = std::nullopt,
                           const QByteArray& closeReason = {}) {
    QString line = QString::fromLatin1(fromServer ? "server " : "client ") +
                   QString::fromLatin1(opcodeName(static_cast<std::uint8_t>(opcode)));
    if (opcode == 0x8) {
        return line + u' ' + (closeCode ? QString::number(*closeCode) : QStringLiteral("none")) +
               QStringLiteral(" \"") + QString::fromUtf8(closeReason) + u'"';
    }
    const QByteArray head = payload.left(12);
    return line +
           QStringLiteral(" %1 B fnv=%2 [%3]")
               .arg(payload.size())
               .arg(fnv1a(payload), 16, 16, QLatin1Char('0'))
               .arg(opcode == 0x1 ? QString::fromUtf8(head) : QString::fromLatin1(head.toHex()));
}

inline QByteArray payloadOf(const dissector::MessageEvent& m) {
    return QByteArray(reinterpret_cast<const char*>(m.payload.data()),
                      static_cast<qsizetype>(m.payload.size()));
}

inline QString messageLine(const dissector::MessageEvent& m) {
    return messageLine(m.dir == dissector::Direction::Server, m.opcode, payloadOf(m),
                       m.closeCode ? std::optional<int>(*m.closeCode) : std::nullopt,
                       QByteArray::fromStdString(m.closeReason));
}

// The lines of one direction's messages (a capture's two directions interleave
// in whatever order the peers' writes happened to reach the wire).
inline QStringList messageLines(const std::vector<dissector::MessageEvent>& messages,
                                dissector::Direction dir) {
    QStringList lines;
    for (const auto& m : messages) {
        if (m.dir == dir) {
            lines << messageLine(m);
        }
    }
    return lines;
}

// Runs the dissector (default options) over a capture file.
inline bool dissectFile(const QString& path, DissectionRecorder& events, QString& error) {
    std::string openError;
    auto reader = dissector::CaptureReader::open(path.toStdString(), openError);
    if (!reader) {
        error = QString::fromStdString(openError);
        return false;
    }
    dissector::Dissector dissector(dissector::DissectorOptions{}, events);
    while (const auto packet = reader->next()) {
        dissector.packet(*packet);
    }
    dissector.finish();
    error = QString::fromStdString(reader->error());
    return error.isEmpty();
}

// The exact bytes echo_client.py sends for every kind ("text", "binary") and
// size, in its order (kinds outer, sizes inner): made by importing the peer
// itself, so the test and the peer can never disagree on the generator.
inline std::optional<QList<QByteArray>> pythonPeerPayloads(const QString& kinds,
                                                           const QString& sizes, QString& error) {
    static const char* const script = R"(
import sys
sys.path.insert(0, sys.argv[1])
import echo_client
out = sys.stdout.buffer
for kind in sys.argv[2].split(","):
    for size in (int(s) for s in sys.argv[3].split(",")):
        data = echo_client.make_text(size).encode() if kind == "text" else echo_client.make_binary(size)
        out.write(len(data).to_bytes(8, "big") + data)
)";
    QProcess python;
    python.start(systemPython(),
                 {QStringLiteral("-c"), QString::fromLatin1(script),
                  QStringLiteral(SOCKSCOPE_SOURCE_DIR "/tests/session/peers"), kinds, sizes});
    if (!python.waitForFinished(30000) || python.exitCode() != 0) {
        python.kill();
        python.waitForFinished(3000);
        error = QStringLiteral("the payload generator failed: ") +
                QString::fromUtf8(python.readAllStandardError());
        return std::nullopt;
    }
    const QByteArray out = python.readAllStandardOutput();
    QList<QByteArray> payloads;
    for (qsizetype at = 0; at + 8 <= out.size();) {
        std::uint64_t size = 0;
        for (int i = 0; i < 8; ++i) {
            size = size << 8 | static_cast<std::uint8_t>(out[at + i]);
        }
        at += 8;
        if (size > static_cast<std::uint64_t>(out.size() - at)) {
            error = QStringLiteral("the payload generator's output is cut short");
            return std::nullopt;
        }
        payloads << out.mid(at, static_cast<qsizetype>(size));
        at += static_cast<qsizetype>(size);
    }
    return payloads;
}

// Every anomaly as "kind: detail", one per line, for failure messages.
inline QString anomalyList(const DissectionRecorder& events) {
    QStringList lines;
    for (const auto& a : events.anomalies) {
        lines << QString::fromStdString(a.kind + ": " + a.detail);
    }
    return lines.join(u'\n');
}

}  // namespace sockscope::test
