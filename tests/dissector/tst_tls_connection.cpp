// The Dissector's TLS connections (dissector/src/connection_tls.cpp) on a
// wss:// session made with OpenSSL in this process (tls_websocket_session.h):
// - the connection is announced with its first plaintext (the upgrade
//   request, as for cleartext) or with the anomaly saying why nothing
//   decrypts, so its key status is settled when the event goes out;
// - with the client's application key missing, the server's 101 response
//   alone opens the WebSocket and the server's messages are dissected;
// - a live capture (tlsKeyWaitSeconds) holds "no key" back while the key
//   log may still catch up: keys that come late leave no anomaly, keys that
//   never come are reported once, when the wait is over or the connection ends.
#include <sockscope/dissector/dissector.h>
#include <sockscope/dissector/key_log.h>

#include <QTest>

#include <functional>

#include "dissection_recorder.h"
#include "tls_websocket_session.h"

using namespace sockscope;
using namespace sockscope::dissector;
using namespace sockscope::test;

namespace {

std::string withoutLabel(const std::string& keyLog, const std::string& label) {
    std::string out;
    std::size_t at = 0;
    while (at < keyLog.size()) {
        std::size_t end = keyLog.find('\n', at);
        end = end == std::string::npos ? keyLog.size() : end + 1;
        const std::string line = keyLog.substr(at, end - at);
        if (!line.starts_with(label + " "))
            out += line;
        at = end;
    }
    return out;
}

QString joined(const std::vector<std::string>& lines) {
    QStringList out;
    for (const auto& l : lines)
        out << QString::fromStdString(l);
    return out.join(QLatin1String(" | "));
}

struct Run {
    DissectionRecorder events;
    std::vector<std::string> anomalies;  // "kind dir"
};

// Feeds the session's frames `secondsApart` apart; before frame i,
// `beforeFrame(i, dissector)` may add keys.
void dissect(const TlsWebSocketSession& session, DissectorOptions options, Run& run,
             double secondsApart = 0.001,
             const std::function<void(std::size_t, Dissector&)>& beforeFrame = {}) {
    Dissector dissector(options, run.events);
    for (std::size_t i = 0; i < session.frames.size(); ++i) {
        if (beforeFrame)
            beforeFrame(i, dissector);
        const Bytes& frame = session.frames[i];
        RawPacket packet;
        packet.number = i + 1;
        const auto ns = std::int64_t(double(i) * secondsApart * 1e9);
        packet.ts = {1700000000 + ns / 1000000000, std::uint32_t(ns % 1000000000)};
        packet.linkType = linktype::Ethernet;
        packet.capturedLength = packet.originalLength = std::uint32_t(frame.size());
        packet.data = frame;
        dissector.packet(packet);
    }
    dissector.finish();
    for (const AnomalyEvent& a : run.events.anomalies)
        run.anomalies.push_back(a.kind + " " +
                                (a.dir ? std::string(directionName(*a.dir)) : std::string("-")));
}

}  // namespace

class TlsConnection : public QObject {
    Q_OBJECT

    TlsWebSocketSession session_;

private slots:
    void initTestCase() {
        session_ = makeTlsWebSocketSession();
        QVERIFY2(session_.error.empty(), session_.error.c_str());
        QVERIFY(session_.requestFrame > 0 && session_.responseFrame > session_.requestFrame);
    }

    void announcedWithTheRequest() {
        KeyLog keys;
        keys.addCompleteText(session_.keyLog);
        DissectorOptions options;
        options.keyLog = &keys;
        Run run;
        dissect(session_, options, run);
        QCOMPARE(run.events.connections.size(), 1u);
        QCOMPARE(run.events.connections[0].packet, std::uint64_t(session_.requestFrame + 1));
        QCOMPARE(run.events.connections[0].tls->keys, std::string("found"));
        QCOMPARE(run.events.connections[0].tls->alpnSelected, std::string("http/1.1"));
        QVERIFY2(run.anomalies.empty(), qPrintable(joined(run.anomalies)));
        QCOMPARE(run.events.handshakes.size(), 1u);
        QVERIFY(!run.events.handshakes[0].detectedWithoutHandshake);
        QCOMPARE(run.events.messageLines(), tlsWebSocketSessionLines());
    }

    // TLS 1.3 without CLIENT_TRAFFIC_SECRET_0: the request stays encrypted.
    void serverSideWithoutClientKey() {
        KeyLog keys;
        keys.addCompleteText(withoutLabel(session_.keyLog, "CLIENT_TRAFFIC_SECRET_0"));
        DissectorOptions options;
        options.keyLog = &keys;
        Run run;
        dissect(session_, options, run);
        QCOMPARE(run.events.connections.size(), 1u);
        QCOMPARE(run.events.connections[0].tls->keys, std::string("partial"));
        QCOMPARE(run.anomalies, std::vector<std::string>{"tls-no-key client"});
        QCOMPARE(run.events.handshakes.size(), 1u);
        const HandshakeEvent& h = run.events.handshakes[0];
        QVERIFY(h.detectedWithoutHandshake);
        QCOMPARE(h.status, 101);
        QCOMPARE(h.target, std::string());
        QVERIFY(h.requestHeaders.empty());
        QCOMPARE(h.responseHeaders.size(), 3u);
        QCOMPARE(h.packet, std::uint64_t(session_.responseFrame + 1));
        QCOMPARE(run.events.messageLines(),
                 (std::vector<std::string>{"conn=1 server text hello back",
                                           "conn=1 server close 1000 bye"}));
        QCOMPARE(run.events.ends.size(), 1u);
    }

    void readWithoutKeys() {
        Run run;
        dissect(session_, {}, run);
        QCOMPARE(run.events.connections.size(), 1u);
        QCOMPARE(run.events.connections[0].tls->keys, std::string("missing"));
        QCOMPARE(run.anomalies, std::vector<std::string>{"tls-no-key server"});
        QVERIFY(run.events.messages.empty());
    }

    // Live: the key log gains the keys after the handshake went by (the
    // browser wrote them, the capture read them a moment later).
    void liveKeysComeLate_data() {
        QTest::addColumn<bool>("clientKeyLater");
        QTest::newRow("all-keys-late") << false;
        QTest::newRow("client-key-after-the-response") << true;
    }
    void liveKeysComeLate() {
        QFETCH(bool, clientKeyLater);
        KeyLog keys;
        DissectorOptions options;
        options.keyLog = &keys;
        options.tlsKeyWaitSeconds = 2;
        const std::string partial = withoutLabel(session_.keyLog, "CLIENT_TRAFFIC_SECRET_0");
        Run run;
        dissect(session_, options, run, 0.001, [&](std::size_t i, Dissector& dissector) {
            if (i == session_.requestFrame + 1) {
                keys.addCompleteText(clientKeyLater ? partial : session_.keyLog);
                dissector.keysAdded();
            }
            if (clientKeyLater && i == session_.responseFrame + 1) {
                keys.addCompleteText(session_.keyLog);
                dissector.keysAdded();
            }
        });
        QVERIFY2(run.anomalies.empty(), qPrintable(joined(run.anomalies)));
        QCOMPARE(run.events.connections.size(), 1u);
        QCOMPARE(run.events.connections[0].tls->keys, std::string("found"));
        QCOMPARE(run.events.handshakes.size(), 1u);
        QVERIFY(!run.events.handshakes[0].detectedWithoutHandshake);
        QCOMPARE(run.events.handshakes[0].target, std::string("/keys"));
        QCOMPARE(run.events.messageLines(), tlsWebSocketSessionLines());
    }

    // Live, keys never come: one "no key", when the connection ends.
    void liveKeysNeverCome() {
        KeyLog keys;
        DissectorOptions options;
        options.keyLog = &keys;
        options.tlsKeyWaitSeconds = 2;
        Run run;
        dissect(session_, options, run);
        QCOMPARE(run.anomalies, std::vector<std::string>{"tls-no-key server"});
        QCOMPARE(run.events.connections.size(), 1u);
        QCOMPARE(run.events.connections[0].tls->keys, std::string("missing"));
        QVERIFY(run.events.messages.empty());
        QCOMPARE(run.events.ends.size(), 1u);
    }

    // Live, keys never come, the connection goes on: "no key" is reported
    // once the wait is over, while the connection still runs.
    void liveKeyWaitExpires() {
        KeyLog keys;
        DissectorOptions options;
        options.keyLog = &keys;
        options.tlsKeyWaitSeconds = 2;
        Run run;
        std::size_t anomaliesBeforeEnd = 0;
        const std::size_t last = session_.frames.size() - 1;
        dissect(session_, options, run, 1.0, [&](std::size_t i, Dissector&) {
            if (i == last)
                anomaliesBeforeEnd = run.events.anomalies.size();
        });
        QCOMPARE(anomaliesBeforeEnd, std::size_t(1));
        QCOMPARE(run.anomalies, std::vector<std::string>{"tls-no-key server"});
        QVERIFY(run.events.messages.empty());
    }
};

QTEST_GUILESS_MAIN(TlsConnection)
#include "tst_tls_connection.moc"
