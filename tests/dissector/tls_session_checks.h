#pragma once
// The checks tst_tls_real_peers makes on each wss:// capture: decrypted
// in-process with a key log (a Dissector and a KeyLog) and through
// `sockscope-cli read --keylog --format jsonl`, the session must be exactly
// the expected one: the connection's TLS facts, the 101, no anomaly, every
// message of both directions (message_lines.h), a close handshake at the end.

#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/dissector.h>
#include <sockscope/dissector/key_log.h>

#include <QJsonObject>
#include <QStringList>
#include <QTest>

#include "dissection_recorder.h"
#include "message_lines.h"
#include "tls_peers.h"

#ifdef SOCKSCOPE_CLI_PATH
#include "../cli/cli_process.h"
#endif

namespace sockscope::test {

// How long the CLI may take to read one capture.
constexpr int kCliReadTimeoutMs = 30000;

struct Expected {
    QStringList client;
    QStringList server;
};

// The messages of an echo session: `payloads` (text first half, binary
// second half) sent and echoed, a ping and its pong, the close and its echo.
inline Expected echoSession(const QList<QByteArray>& payloads, std::optional<int> closeCode,
                            const QByteArray& clientReason, const QByteArray& serverReason) {
    Expected e;
    for (qsizetype i = 0; i < payloads.size(); ++i) {
        const int opcode = i < payloads.size() / 2 ? 0x1 : 0x2;
        e.client << messageLine(false, opcode, payloads[i]);
        e.server << messageLine(true, opcode, payloads[i]);
    }
    e.client << messageLine(false, 0x9, QByteArray("\x00\xff", 2))
             << messageLine(false, 0x8, {}, closeCode, clientReason);
    e.server << messageLine(true, 0xA, QByteArray("\x00\xff", 2))
             << messageLine(true, 0x8, {}, closeCode, serverReason);
    return e;
}

inline QString fromStd(const std::string& s) {
    return QString::fromStdString(s);
}

inline QJsonObject tlsObjectOf(const dissector::TlsConnectionInfo& tls) {
    QStringList offered;
    for (const std::string& p : tls.alpnOffered) {
        offered << fromStd(p);
    }
    return tlsObject(fromStd(tls.version), fromStd(tls.cipherSuite), fromStd(tls.serverName),
                     fromStd(tls.alpnSelected), offered, fromStd(tls.keys));
}

// Runs the dissector over a capture, decrypting with `keyLogText` (none when null).
inline bool dissectWithKeys(const QString& path, const QByteArray* keyLogText,
                            DissectionRecorder& events, QString& error) {
    std::string openError;
    auto reader = dissector::CaptureReader::open(path.toStdString(), openError);
    if (!reader) {
        error = fromStd(openError);
        return false;
    }
    dissector::KeyLog keyLog;
    dissector::DissectorOptions options;
    if (keyLogText != nullptr) {
        keyLog.addCompleteText(keyLogText->toStdString());
        if (const auto issues = keyLog.takeIssues(); !issues.empty()) {
            error = QStringLiteral("key log line %1: ").arg(issues[0].line) +
                    fromStd(issues[0].message);
            return false;
        }
        options.keyLog = &keyLog;
    }
    dissector::Dissector dissector(options, events);
    while (const auto packet = reader->next()) {
        dissector.packet(*packet);
    }
    dissector.finish();
    error = fromStd(reader->error());
    return error.isEmpty();
}

inline QStringList anomalyKinds(const DissectionRecorder& events) {
    QStringList kinds;
    for (const dissector::AnomalyEvent& a : events.anomalies) {
        kinds << fromStd(a.kind) + u' ' +
                     (a.dir ? fromStd(std::string(dissector::directionName(*a.dir)))
                            : QStringLiteral("-"));
    }
    return kinds;
}

// One TLS WebSocket session in the capture, decrypted: its TLS facts,
// the 101, no anomaly, exactly the expected messages, a close handshake.
inline void checkSession(const DissectionRecorder& events, quint16 serverPort, bool deflate,
                         const QJsonObject& tls, const Expected& expected) {
    QCOMPARE(events.connections.size(), 1u);
    const dissector::ConnectionEvent& connection = events.connections[0];
    QCOMPARE(connection.server.port, serverPort);
    QVERIFY(connection.tls.has_value());
    QCOMPARE(tlsObjectOf(*connection.tls), tls);
    QVERIFY2(events.anomalies.empty(), qPrintable(anomalyList(events)));
    QCOMPARE(events.handshakes.size(), 1u);
    QCOMPARE(events.handshakes[0].status, 101);
    QVERIFY(events.handshakes[0].acceptOk);
    QCOMPARE(events.handshakes[0].deflate.has_value(), deflate);
    QCOMPARE(messageLines(events.messages, dissector::Direction::Client), expected.client);
    QCOMPARE(messageLines(events.messages, dissector::Direction::Server), expected.server);
    for (const dissector::MessageEvent& m : events.messages) {
        QVERIFY(m.valid);
        QVERIFY(!m.payloadTruncated);
        if (m.opcode == 0x1 || m.opcode == 0x2) {
            QCOMPARE(m.compressed, deflate);
        }
    }
    QCOMPARE(events.ends.size(), 1u);
    QCOMPARE(dissector::endHowName(events.ends[0].how), std::string_view("close-handshake"));
}

// The same capture through `sockscope-cli read --keylog --format jsonl`.
inline void checkCli(const QString& capture, const QString& keyLog, const QJsonObject& tls,
                     const Expected& expected) {
#ifdef SOCKSCOPE_CLI_PATH
    CliProcess cli({QStringLiteral("read"), capture, QStringLiteral("--keylog"), keyLog,
                    QStringLiteral("--format"), QStringLiteral("jsonl")});
    QVERIFY2(cli.waitForExit(kCliReadTimeoutMs), "sockscope-cli read did not finish");
    QVERIFY2(cli.exitCode() == 0, cli.err().constData());
    QVERIFY2(cli.err().isEmpty(), cli.err().constData());
    const JsonlCapture out = parseJsonl(cli.out());
    QVERIFY2(out.error.isEmpty(), qPrintable(out.error));
    QCOMPARE(out.connections.size(), 1);
    QCOMPARE(out.connections[0].value(QStringLiteral("tls")).toObject(), tls);
    QCOMPARE(out.anomalies, QStringList());
    QCOMPARE(out.client, expected.client);
    QCOMPARE(out.server, expected.server);
    QCOMPARE(out.ends, QStringList{QStringLiteral("close-handshake")});
#else
    Q_UNUSED(capture);
    Q_UNUSED(keyLog);
    Q_UNUSED(tls);
    Q_UNUSED(expected);
#endif
}

}  // namespace sockscope::test
