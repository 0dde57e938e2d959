// TlsStream against real TLS: an OpenSSL client and server in this process
// (tls_pair.h) with each cipher suite forced in turn, TLS 1.2 and 1.3, their
// key log, and every byte they wrote fed back in TCP-like pieces (1 byte, an
// MSS, random sizes, whole writes). The plaintext of each direction must be
// exactly what the peers sent, and the connection facts what they
// negotiated. Then the broken cases: no, partial and wrong keys, a corrupted
// record, a gap, an oversized record, hostile handshakes, a cut stream.
#include <sockscope/dissector/key_log.h>
#include <sockscope/dissector/tls_stream.h>

#include <QTest>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "../../dissector/src/tls_hello_parser.h"
#include "tls_pair.h"
#include "tls_recorder.h"

using namespace sockscope::dissector;
using namespace sockscope::test;

namespace {

TlsPairConfig tls13(const char* suite) {
    TlsPairConfig config;
    config.version = TLS1_3_VERSION;
    config.ciphersuites = suite;
    return config;
}

TlsPairConfig tls12(const char* cipher, bool rsa, bool ems = true) {
    TlsPairConfig config;
    config.version = TLS1_2_VERSION;
    config.cipherList = cipher;
    config.rsaCertificate = rsa;
    config.extendedMasterSecret = ems;
    return config;
}

// The cipher suites and variants every decryption test runs through.
struct Row {
    const char* name;
    TlsPairConfig config;
    const char* suiteName;
    bool keyUpdates;
};

std::vector<Row> rows() {
    std::vector<Row> out = {
        {"tls13-aes128gcm", tls13("TLS_AES_128_GCM_SHA256"), "TLS_AES_128_GCM_SHA256", true},
        {"tls13-aes256gcm", tls13("TLS_AES_256_GCM_SHA384"), "TLS_AES_256_GCM_SHA384", true},
        {"tls13-chacha20", tls13("TLS_CHACHA20_POLY1305_SHA256"), "TLS_CHACHA20_POLY1305_SHA256",
         true},
        {"tls12-ecdsa-aes128gcm-ems", tls12("ECDHE-ECDSA-AES128-GCM-SHA256", false),
         "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false},
        {"tls12-ecdsa-aes128gcm-no-ems", tls12("ECDHE-ECDSA-AES128-GCM-SHA256", false, false),
         "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false},
        {"tls12-ecdsa-aes256gcm", tls12("ECDHE-ECDSA-AES256-GCM-SHA384", false),
         "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false},
        {"tls12-ecdsa-chacha20-no-ems", tls12("ECDHE-ECDSA-CHACHA20-POLY1305", false, false),
         "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", false},
        {"tls12-rsa-aes128gcm", tls12("ECDHE-RSA-AES128-GCM-SHA256", true),
         "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false},
        {"tls12-rsa-aes256gcm-no-ems", tls12("ECDHE-RSA-AES256-GCM-SHA384", true, false),
         "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false},
        {"tls12-rsa-chacha20", tls12("ECDHE-RSA-CHACHA20-POLY1305", true),
         "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false},
    };
    Row retry{"tls13-hello-retry-request", tls13("TLS_AES_128_GCM_SHA256"),
              "TLS_AES_128_GCM_SHA256", false};
    retry.config.clientGroups = "X25519:P-256";  // a key share for X25519 only
    retry.config.serverGroups = "P-256";
    out.push_back(retry);
    Row padded{"tls13-padded-records", tls13("TLS_CHACHA20_POLY1305_SHA256"),
               "TLS_CHACHA20_POLY1305_SHA256", true};
    padded.config.blockPadding = 512;
    out.push_back(padded);
    // Small records: the certificate messages span several records.
    Row small13{"tls13-512-byte-records", tls13("TLS_AES_256_GCM_SHA384"), "TLS_AES_256_GCM_SHA384",
                true};
    small13.config.maxFragment = 512;
    small13.config.rsaCertificate = true;
    out.push_back(small13);
    Row small12{"tls12-512-byte-records", tls12("ECDHE-RSA-AES128-GCM-SHA256", true),
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false};
    small12.config.maxFragment = 512;
    out.push_back(small12);
    Row bare{"tls13-no-sni-no-alpn", tls13("TLS_AES_256_GCM_SHA384"), "TLS_AES_256_GCM_SHA384",
             false};
    bare.config.serverName.clear();
    bare.config.alpn.clear();
    out.push_back(bare);
    return out;
}

QString text(const std::vector<std::string>& v) {
    QStringList out;
    for (const auto& s : v)
        out << QString::fromStdString(s);
    return out.join(QLatin1String(" | "));
}

QString anomalyText(const Recorder& r) {
    QStringList out;
    for (const auto& a : r.anomalies)
        out << QString::fromStdString(a.id + ": " + a.detail);
    return out.join(QLatin1String(" | "));
}

std::vector<std::uint8_t> concat(const std::vector<std::uint8_t>& a,
                                 const std::vector<std::uint8_t>& b) {
    std::vector<std::uint8_t> out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

// The plaintext of the records of `dir` in [first, last) of a clean run.
std::vector<std::uint8_t> plainOfRecords(const Recorder& clean, Direction dir, std::size_t first,
                                         std::size_t last) {
    std::vector<std::uint8_t> out;
    std::size_t index = 0;
    std::size_t at = 0;
    const auto& all = clean.plain[dir == kClient ? 0 : 1];
    for (const auto& r : clean.records) {
        if (r.dir != dir)
            continue;
        if (index >= first && index < last)
            out.insert(out.end(), all.begin() + static_cast<std::ptrdiff_t>(at),
                       all.begin() + static_cast<std::ptrdiff_t>(at + r.size));
        at += r.size;
        ++index;
    }
    return out;
}

std::vector<PlainRecord> recordsOf(const Recorder& r, Direction dir) {
    std::vector<PlainRecord> out;
    for (const auto& p : r.records)
        if (p.dir == dir)
            out.push_back(p);
    return out;
}

// A ClientHello record around `body` (a hand-made, possibly hostile one).
std::vector<std::uint8_t> handshakeRecord(std::uint8_t type,
                                          const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> message = {type, std::uint8_t(body.size() >> 16),
                                         std::uint8_t(body.size() >> 8), std::uint8_t(body.size())};
    message.insert(message.end(), body.begin(), body.end());
    std::vector<std::uint8_t> record = {0x16, 0x03, 0x01, std::uint8_t(message.size() >> 8),
                                        std::uint8_t(message.size())};
    record.insert(record.end(), message.begin(), message.end());
    return record;
}

std::vector<std::uint8_t> clientHelloBody(const std::vector<std::uint8_t>& extensionsField) {
    std::vector<std::uint8_t> body = {0x03, 0x03};
    body.insert(body.end(), 32, 0x11);                        // random
    body.insert(body.end(), {0x00, 0x00, 0x02, 0x13, 0x01});  // session id, suites
    body.insert(body.end(), {0x01, 0x00});                    // compression
    body.insert(body.end(), extensionsField.begin(), extensionsField.end());
    return body;
}

const std::string kRandom11 = std::string(64, '1');

}  // namespace

class TestTlsDecrypt : public QObject {
    Q_OBJECT

private slots:
    void decryptsEverySuiteAtEveryChunking_data() {
        QTest::addColumn<int>("row");
        const auto all = rows();
        for (std::size_t i = 0; i < all.size(); ++i)
            QTest::newRow(all[i].name) << int(i);
    }

    void decryptsEverySuiteAtEveryChunking() {
        QFETCH(int, row);
        const Row r = rows()[std::size_t(row)];
        const Conversation c = converse(r.config, r.keyUpdates);
        QVERIFY2(c.error.empty(), c.error.c_str());
        QCOMPARE(c.clientSent.size(), std::size_t(1 + 16384 + 100000));
        QCOMPARE(c.serverSent.size(), std::size_t(1 + 16384 + 100000));

        KeyLog keyLog = keyLogOf(c.keyLog);
        const auto issues = keyLog.takeIssues();
        QVERIFY2(issues.empty(), issues.empty() ? "" : issues.front().message.c_str());
        const bool is13 = r.config.version == TLS1_3_VERSION;
        // OpenSSL logs 5 secrets per TLS 1.3 connection (with EXPORTER_SECRET), 1 for TLS 1.2.
        QCOMPARE(keyLog.entryCount(), std::size_t(is13 ? 5 : 1));

        const auto events = eventsFrom(c.wire);
        for (Chunking chunking :
             {Chunking::Whole, Chunking::Mss, Chunking::Random, Chunking::OneByte}) {
            const auto result = run(events, &keyLog, chunking, unsigned(row) + 7);
            const Recorder& rec = result->recorder;
            QVERIFY2(rec.offsetError.empty(), rec.offsetError.c_str());
            QVERIFY2(rec.anomalies.empty(), qPrintable(anomalyText(rec)));
            QVERIFY(rec.plain[0] == c.clientSent);
            QVERIFY(rec.plain[1] == c.serverSent);

            const TlsInfo& info = result->stream->info();
            QCOMPARE(info.version, std::uint16_t(is13 ? 0x0304 : 0x0303));
            QCOMPARE(info.versionName, std::string(is13 ? "TLS 1.3" : "TLS 1.2"));
            QCOMPARE(info.cipherSuiteName, std::string(r.suiteName));
            QCOMPARE(info.serverName, r.config.serverName);
            QCOMPARE(text(info.alpnOffered), text(r.config.alpn));
            QCOMPARE(info.alpnSelected, r.config.alpn.empty() ? std::string() : "http/1.1");
            QCOMPARE(info.keys, TlsKeyStatus::Found);
            QCOMPARE(info.helloRetryRequest, !r.config.clientGroups.empty());
            QCOMPARE(info.extendedMasterSecret, !is13 && r.config.extendedMasterSecret);
            const std::vector<KeyLogLabel> used =
                is13 ? std::vector<KeyLogLabel>{KeyLogLabel::ServerHandshakeTrafficSecret,
                                                KeyLogLabel::ClientHandshakeTrafficSecret,
                                                KeyLogLabel::ServerTrafficSecret0,
                                                KeyLogLabel::ClientTrafficSecret0}
                     : std::vector<KeyLogLabel>{KeyLogLabel::ClientRandom};
            QVERIFY(info.keysUsed == used);
            QCOMPARE(info.clientRandom.size(), std::size_t(64));
            QVERIFY(!rec.infos.empty());
            QCOMPARE(rec.infos.back().keys, TlsKeyStatus::Found);
            QVERIFY(!result->stream->waitingForKeys());
            QCOMPARE(result->stream->heldBytes(), std::size_t(0));
        }
    }

    void decryptsAcrossATls12Renegotiation() {
        TlsPair pair(tls12("ECDHE-RSA-AES128-GCM-SHA256", true));
        QVERIFY2(pair.ok() && pair.handshake(), pair.error().c_str());
        QVERIFY(pair.send(kClient, pattern(3000, 1)) && pair.send(kServer, pattern(20000, 2)));
        QVERIFY2(pair.renegotiate(), pair.error().c_str());
        QVERIFY(pair.send(kClient, pattern(5000, 3)) && pair.send(kServer, pattern(7, 4)));
        pair.close();
        // Two master secrets, one per handshake, each under its client random.
        KeyLog keyLog = keyLogOf(pair.keyLog);
        QCOMPARE(keyLog.entryCount(), std::size_t(2));
        for (Chunking chunking : {Chunking::Whole, Chunking::OneByte}) {
            const auto result = run(eventsFrom(pair.wire), &keyLog, chunking);
            QVERIFY2(result->recorder.anomalies.empty(), qPrintable(anomalyText(result->recorder)));
            QVERIFY(result->recorder.plain[0] == pair.clientSent);
            QVERIFY(result->recorder.plain[1] == pair.serverSent);
        }
    }

    // An abbreviated TLS 1.2 handshake (session resumption): the server's
    // ChangeCipherSpec and Finished come first.
    void decryptsAResumedTls12Connection() {
        TlsPair pair(tls12("ECDHE-ECDSA-AES256-GCM-SHA384", false));
        QVERIFY2(pair.ok() && pair.handshake(), pair.error().c_str());
        QVERIFY(pair.send(kServer, pattern(10, 1)));
        SSL_SESSION* session = pair.session();
        QVERIFY(session != nullptr);
        const bool reconnected = pair.reconnect(session);
        SSL_SESSION_free(session);
        QVERIFY2(reconnected && pair.handshake(), pair.error().c_str());
        QVERIFY(pair.send(kClient, pattern(700, 2)) && pair.send(kServer, pattern(20000, 3)));
        pair.close();
        // The server's flight after the ServerHello is ChangeCipherSpec (20).
        const auto server = pair.stream(kServer);
        QVERIFY(server.size() > 5);
        const std::size_t afterHello = 5 + (std::size_t(server[3]) << 8 | server[4]);
        QCOMPARE(int(server[afterHello]), 20);

        KeyLog keyLog = keyLogOf(pair.keyLog);
        QCOMPARE(keyLog.entryCount(), std::size_t(1));
        for (Chunking chunking : {Chunking::Whole, Chunking::Random}) {
            const auto result = run(eventsFrom(pair.wire), &keyLog, chunking);
            QVERIFY2(result->recorder.anomalies.empty(), qPrintable(anomalyText(result->recorder)));
            QVERIFY(result->recorder.plain[0] == pair.clientSent);
            QVERIFY(result->recorder.plain[1] == pair.serverSent);
        }
    }

    // A resumed TLS 1.3 connection with 0-RTT data: the early data (and
    // EndOfEarlyData) are skipped as early data, everything after decrypts.
    void skipsEarlyDataOfAResumedConnection() {
        TlsPairConfig config = tls13("TLS_AES_128_GCM_SHA256");
        config.earlyData = true;
        TlsPair pair(config);
        QVERIFY2(pair.ok() && pair.handshake(), pair.error().c_str());
        // The client takes its ticket with the server's first data.
        QVERIFY2(pair.send(kServer, pattern(10, 1)), pair.error().c_str());
        SSL_SESSION* session = pair.session();
        QVERIFY(session != nullptr);
        QVERIFY(SSL_SESSION_get_max_early_data(session) > 0);
        const bool reconnected = pair.reconnect(session);
        SSL_SESSION_free(session);
        QVERIFY2(reconnected, pair.error().c_str());
        QVERIFY2(pair.earlyDataAndHandshake(pattern(3000, 9)), pair.error().c_str());
        QVERIFY(pair.send(kClient, pattern(5000, 2)) && pair.send(kServer, pattern(20000, 3)));
        pair.close();

        KeyLog keyLog = keyLogOf(pair.keyLog);
        QVERIFY(keyLog.takeIssues().empty());
        for (Chunking chunking : {Chunking::Whole, Chunking::OneByte}) {
            const auto result = run(eventsFrom(pair.wire), &keyLog, chunking);
            const Recorder& rec = result->recorder;
            QCOMPARE(text(rec.anomalyIds()), QStringLiteral("tls-early-data-not-decrypted/client"));
            QCOMPARE(rec.anomalies[0].detail,
                     std::string("the client's 0-RTT early data is not decrypted"));
            QVERIFY(rec.plain[0] == pair.clientSent);  // without the early data
            QVERIFY(rec.plain[1] == pair.serverSent);
            QCOMPARE(result->stream->info().keys, TlsKeyStatus::Found);
            QCOMPARE(result->stream->info().alpnSelected, std::string("http/1.1"));
        }
    }

    void reportsNoKeyOnceAndDecryptsAfterRetry_data() {
        QTest::addColumn<bool>("tls13");
        QTest::newRow("tls13") << true;
        QTest::newRow("tls12") << false;
    }

    void reportsNoKeyOnceAndDecryptsAfterRetry() {
        QFETCH(bool, tls13);
        const Conversation c = converse(tls13 ? ::tls13("TLS_AES_128_GCM_SHA256")
                                              : tls12("ECDHE-ECDSA-AES256-GCM-SHA384", false),
                                        tls13, {1, 16384, 100000});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog;  // empty for now
        const auto result = run(eventsFrom(c.wire), &keyLog, Chunking::Mss);
        Recorder& rec = result->recorder;
        const TlsInfo& info = result->stream->info();
        QCOMPARE(text(rec.anomalyIds()), QStringLiteral("tls-no-key/server"));
        QCOMPARE(rec.anomalies[0].detail,
                 "no key in the key log for client random " + info.clientRandom);
        QVERIFY(rec.plain[0].empty() && rec.plain[1].empty());
        // Still known as TLS, with its SNI.
        QCOMPARE(info.serverName, std::string("example.test"));
        QCOMPARE(info.keys, TlsKeyStatus::Missing);
        QVERIFY(info.keysUsed.empty());
        QVERIFY(result->stream->waitingForKeys());
        QVERIFY(result->stream->heldBytes() > 200000);

        // Nothing new in the key log: nothing to retry.
        QVERIFY(!result->stream->retryKeys());
        keyLog.addCompleteText(c.keyLog);
        QVERIFY(result->stream->retryKeys());
        QVERIFY2(rec.offsetError.empty(), rec.offsetError.c_str());
        QCOMPARE(rec.anomalies.size(), std::size_t(1));
        QVERIFY(rec.plain[0] == c.clientSent);
        QVERIFY(rec.plain[1] == c.serverSent);
        QCOMPARE(info.keys, TlsKeyStatus::Found);
        QCOMPARE(rec.infos.back().keys, TlsKeyStatus::Found);
        QVERIFY(!result->stream->waitingForKeys());
        QCOMPARE(result->stream->heldBytes(), std::size_t(0));
    }

    void saysWhenThereIsNoKeyLogAtAll() {
        const Conversation c = converse(tls13("TLS_AES_128_GCM_SHA256"), false, {5});
        QVERIFY2(c.error.empty(), c.error.c_str());
        const auto result = run(eventsFrom(c.wire), nullptr);
        QCOMPARE(text(result->recorder.anomalyIds()), QStringLiteral("tls-no-key/server"));
        QCOMPARE(result->recorder.anomalies[0].detail, "no key in the key log for client random " +
                                                           result->stream->info().clientRandom +
                                                           " (no key log given)");
        QCOMPARE(result->stream->heldBytes(), std::size_t(0));
        QVERIFY(!result->stream->waitingForKeys());
    }

    void heldRecordsAreBounded() {
        const Conversation c =
            converse(tls12("ECDHE-ECDSA-AES128-GCM-SHA256", false), false, {1, 16384, 100000});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog;
        TlsLimits limits;
        limits.maxHeldBytes = 50000;
        const auto result = run(eventsFrom(c.wire), &keyLog, Chunking::Random, 3, limits);
        QVERIFY(result->stream->heldBytes() <= 50000);
        // Both directions sent more than the bound: no retry can work.
        QVERIFY(!result->stream->waitingForKeys());
        keyLog.addCompleteText(c.keyLog);
        QVERIFY(!result->stream->retryKeys() || result->recorder.plain[0].empty());
        QVERIFY(result->recorder.plain[0].empty() && result->recorder.plain[1].empty());
        QCOMPARE(text(result->recorder.anomalyIds()), QStringLiteral("tls-no-key/server"));
    }

    void dropHeldRecordsGivesUpTheRetry() {
        const Conversation c = converse(tls13("TLS_AES_256_GCM_SHA384"), false, {10});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog;
        const auto result = run(eventsFrom(c.wire), &keyLog);
        QVERIFY(result->stream->heldBytes() > 0);
        result->stream->dropHeldRecords();
        QCOMPARE(result->stream->heldBytes(), std::size_t(0));
        QCOMPARE(text(result->recorder.anomalyIds()),
                 QStringLiteral("tls-no-key/server | tls-held-records-dropped/client | "
                                "tls-held-records-dropped/server"));
        keyLog.addCompleteText(c.keyLog);
        result->stream->retryKeys();
        QVERIFY(result->recorder.plain[0].empty() && result->recorder.plain[1].empty());
    }

    void reportsAWrongKeyPerDirection_data() {
        QTest::addColumn<bool>("tls13");
        QTest::newRow("tls13") << true;
        QTest::newRow("tls12") << false;
    }

    void reportsAWrongKeyPerDirection() {
        QFETCH(bool, tls13);
        const Conversation c = converse(tls13 ? ::tls13("TLS_CHACHA20_POLY1305_SHA256")
                                              : tls12("ECDHE-RSA-CHACHA20-POLY1305", true),
                                        false, {1, 300});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog = keyLogOf(corruptKeyLog(c.keyLog));
        const auto result = run(eventsFrom(c.wire), &keyLog, Chunking::Random);
        const Recorder& rec = result->recorder;
        QVERIFY(rec.plain[0].empty() && rec.plain[1].empty());
        const std::string random = result->stream->info().clientRandom;
        // Whose first protected record comes first: TLS 1.3 the server's
        // EncryptedExtensions, TLS 1.2 the client's Finished.
        QCOMPARE(text(rec.anomalyIds()),
                 tls13 ? QStringLiteral("tls-wrong-key/server | tls-wrong-key/client")
                       : QStringLiteral("tls-wrong-key/client | tls-wrong-key/server"));
        const Anomaly& server = rec.anomalies[tls13 ? 0 : 1];
        const std::string serverLabel = tls13 ? "SERVER_HANDSHAKE_TRAFFIC_SECRET" : "CLIENT_RANDOM";
        QCOMPARE(server.detail,
                 "the first record of the server under the " + serverLabel +
                     "-derived key fails authentication: the key log's secret for client "
                     "random " +
                     random + " is wrong: decryption of this direction stops");
        QVERIFY(!result->stream->waitingForKeys());
    }

    void partialKeyLogDecryptsTheHandshakeOnly() {
        const Conversation c = converse(tls13("TLS_AES_128_GCM_SHA256"), true, {1, 16384});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog = keyLogOf(
            withoutLabels(c.keyLog, {"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"}));
        const auto result = run(eventsFrom(c.wire), &keyLog, Chunking::Mss);
        const Recorder& rec = result->recorder;
        const TlsInfo& info = result->stream->info();
        QVERIFY(rec.plain[0].empty() && rec.plain[1].empty());
        // The selected ALPN is only in the encrypted EncryptedExtensions.
        QCOMPARE(info.alpnSelected, std::string("http/1.1"));
        QCOMPARE(info.keys, TlsKeyStatus::Partial);
        QCOMPARE(text(rec.anomalyIds()), QStringLiteral("tls-no-key/server | tls-no-key/client"));
        QCOMPARE(rec.anomalies[0].detail,
                 "no SERVER_TRAFFIC_SECRET_0 in the key log for client random " +
                     info.clientRandom + ": the server's application data is not decrypted");
        QCOMPARE(rec.anomalies[1].detail,
                 "no CLIENT_TRAFFIC_SECRET_0 in the key log for client random " +
                     info.clientRandom + ": the client's application data is not decrypted");
        QVERIFY(result->stream->waitingForKeys());

        // The rest of the key log arrives (a file being followed).
        keyLog.addCompleteText(c.keyLog);
        QVERIFY(result->stream->retryKeys());
        QVERIFY(rec.plain[0] == c.clientSent);
        QVERIFY(rec.plain[1] == c.serverSent);
        QCOMPARE(info.keys, TlsKeyStatus::Found);
    }

    void aCorruptedRecordStopsItsDirection_data() {
        QTest::addColumn<bool>("tls13");
        QTest::newRow("tls13") << true;
        QTest::newRow("tls12") << false;
    }

    void aCorruptedRecordStopsItsDirection() {
        QFETCH(bool, tls13);
        const Conversation c = converse(tls13 ? ::tls13("TLS_AES_256_GCM_SHA384")
                                              : tls12("ECDHE-ECDSA-AES128-GCM-SHA256", false),
                                        false, {1, 16384, 100000});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog = keyLogOf(c.keyLog);
        auto events = eventsFrom(c.wire);
        const auto clean = run(events, &keyLog);
        const auto serverRecords = recordsOf(clean->recorder, kServer);
        QVERIFY(serverRecords.size() > 5);
        // One bit of the fourth server application data record.
        QVERIFY(editByte(events, kServer, serverRecords[3].start + 40,
                         [](std::uint8_t& b) { b ^= 0x08; }));
        const auto result = run(events, &keyLog, Chunking::Random);
        const Recorder& rec = result->recorder;
        QCOMPARE(text(rec.anomalyIds()), QStringLiteral("tls-record-authentication-failed/server"));
        QCOMPARE(rec.anomalies[0].offset, serverRecords[3].start);
        QVERIFY(rec.plain[1] == plainOfRecords(clean->recorder, kServer, 0, 3));
        QVERIFY(rec.plain[0] == c.clientSent);  // the other direction goes on
    }

    void resynchronisesAfterAGap_data() {
        QTest::addColumn<bool>("tls13");
        QTest::newRow("tls13") << true;
        QTest::newRow("tls12-gcm") << false;
    }

    void resynchronisesAfterAGap() {
        QFETCH(bool, tls13);
        const Conversation c = converse(tls13 ? ::tls13("TLS_CHACHA20_POLY1305_SHA256")
                                              : tls12("ECDHE-RSA-AES256-GCM-SHA384", true),
                                        false, {1, 16384, 100000});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog = keyLogOf(c.keyLog);
        auto events = eventsFrom(c.wire);
        const auto clean = run(events, &keyLog);
        const auto records = recordsOf(clean->recorder, kClient);
        QVERIFY(records.size() > 6);
        // Lose the end of record 2, all of record 3 and the start of record 4.
        const std::uint64_t from = records[2].start + 100;
        const std::uint64_t length = records[4].start + 50 - from;
        cutGap(events, kClient, from, length);
        for (Chunking chunking : {Chunking::Whole, Chunking::OneByte}) {
            const auto result = run(events, &keyLog, chunking);
            const Recorder& rec = result->recorder;
            QVERIFY2(rec.offsetError.empty(), rec.offsetError.c_str());
            QCOMPARE(text(rec.anomalyIds()),
                     QStringLiteral("tls-gap/client | tls-resynchronized/client"));
            QCOMPARE(rec.anomalies[0].offset, from);
            QCOMPARE(rec.anomalies[1].offset, records[5].start);
            QCOMPARE(rec.anomalies[1].detail,
                     "decryption of the client resumed at the record at stream offset " +
                         std::to_string(records[5].start) + " (3 records lost in the gap)");
            QVERIFY(rec.plain[0] ==
                    concat(plainOfRecords(clean->recorder, kClient, 0, 2),
                           plainOfRecords(clean->recorder, kClient, 5, records.size())));
            QVERIFY(rec.plain[1] == c.serverSent);
        }
    }

    void aGapInTheCleartextHandshakeStopsTheDirection() {
        const Conversation c = converse(tls12("ECDHE-RSA-AES128-GCM-SHA256", true), false, {10});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog = keyLogOf(c.keyLog);
        auto events = eventsFrom(c.wire);
        cutGap(events, kServer, 200, 10);  // inside the server's certificate
        const auto result = run(events, &keyLog);
        const Recorder& rec = result->recorder;
        QCOMPARE(text(rec.anomalyIds()), QStringLiteral("tls-gap/server"));
        QCOMPARE(rec.anomalies[0].detail,
                 std::string("10 bytes of the server missing at stream offset 200: the record "
                             "boundary and sequence number are lost: decryption of this "
                             "direction stops"));
        QVERIFY(rec.plain[1].empty());
        QVERIFY(rec.plain[0] == c.clientSent);
    }

    void anOversizedRecordEndsItsDirection_data() {
        QTest::addColumn<bool>("tls13");
        QTest::addColumn<int>("length");
        QTest::addColumn<QString>("id");
        QTest::newRow("over-tls12-limit")
            << false << 0x4801 << QStringLiteral("tls-record-overflow");
        QTest::newRow("over-tls13-limit")
            << true << 0x4101 << QStringLiteral("tls-record-overflow");
    }

    void anOversizedRecordEndsItsDirection() {
        QFETCH(bool, tls13);
        QFETCH(int, length);
        QFETCH(QString, id);
        const Conversation c = converse(tls13 ? ::tls13("TLS_AES_128_GCM_SHA256")
                                              : tls12("ECDHE-ECDSA-CHACHA20-POLY1305", false),
                                        false, {1, 100000});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog = keyLogOf(c.keyLog);
        auto events = eventsFrom(c.wire);
        const auto clean = run(events, &keyLog);
        const auto records = recordsOf(clean->recorder, kServer);
        QVERIFY(records.size() > 3);
        QVERIFY(editByte(events, kServer, records[2].start + 3,
                         [&](std::uint8_t& b) { b = std::uint8_t(length >> 8); }));
        QVERIFY(editByte(events, kServer, records[2].start + 4,
                         [&](std::uint8_t& b) { b = std::uint8_t(length); }));
        const auto result = run(events, &keyLog, Chunking::Mss);
        const Recorder& rec = result->recorder;
        QCOMPARE(text(rec.anomalyIds()), id + QStringLiteral("/server"));
        QCOMPARE(rec.anomalies[0].offset, records[2].start);
        QCOMPARE(rec.anomalies[0].detail,
                 tls13 ? "protected record of 16641 bytes is over the 16640-byte TLS 1.3 limit: "
                         "decryption of this direction stops"
                       : "record length 18433 is over the 18432-byte limit of TLSCiphertext: the "
                         "rest of this direction is not read");
        QVERIFY(rec.plain[1] == plainOfRecords(clean->recorder, kServer, 0, 2));
        QVERIFY(rec.plain[0] == c.clientSent);
    }

    void reportsAStreamCutInsideARecord() {
        const Conversation c = converse(tls13("TLS_AES_128_GCM_SHA256"), false, {1, 20000});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog = keyLogOf(c.keyLog);
        auto events = eventsFrom(c.wire);
        const auto clean = run(events, &keyLog);
        const auto records = recordsOf(clean->recorder, kClient);
        QVERIFY(records.size() > 2);
        // Keep the client's stream up to 1000 bytes into its second data record.
        const std::uint64_t keep = records[1].start + 1000;
        std::vector<FeedEvent> cut;
        std::uint64_t at = 0;
        for (const auto& e : events) {
            if (e.dir == kServer) {
                cut.push_back(e);
                continue;
            }
            if (at < keep)
                cut.push_back(
                    {kClient,
                     {e.bytes.begin(), e.bytes.begin() + std::ptrdiff_t(std::min<std::uint64_t>(
                                                             e.bytes.size(), keep - at))},
                     0});
            at += e.bytes.size();
        }
        const auto result = run(cut, &keyLog);
        const Recorder& rec = result->recorder;
        QCOMPARE(text(rec.anomalyIds()), QStringLiteral("tls-truncated-record/client"));
        QCOMPARE(rec.anomalies[0].detail, "the stream ends inside a record (1000 of " +
                                              std::to_string(records[1].end - records[1].start) +
                                              " bytes)");
        QCOMPARE(rec.anomalies[0].offset, records[1].start);
        QVERIFY(rec.plain[0] == plainOfRecords(clean->recorder, kClient, 0, 1));
    }

    void rejectsAnUnsupportedCipherSuite() {
        const Conversation c = converse(tls12("ECDHE-RSA-AES128-SHA", true), false, {100});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog = keyLogOf(c.keyLog);
        const auto result = run(eventsFrom(c.wire), &keyLog);
        const Recorder& rec = result->recorder;
        QCOMPARE(text(rec.anomalyIds()), QStringLiteral("tls-unsupported-cipher-suite/server"));
        QCOMPARE(rec.anomalies[0].detail,
                 std::string("cipher suite TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (0xc013) is not "
                             "decrypted: only AEAD suites with AES-GCM or ChaCha20-Poly1305 are "
                             "(CBC, CCM and others are not)"));
        QCOMPARE(result->stream->info().keys, TlsKeyStatus::NotDecryptable);
        QCOMPARE(result->stream->info().serverName, std::string("example.test"));
        QVERIFY(rec.plain[0].empty() && rec.plain[1].empty());
        QVERIFY(!result->stream->waitingForKeys());
    }

    void hostileClientHellos_data() {
        QTest::addColumn<QByteArray>("extensions");
        QTest::addColumn<QString>("detail");
        auto bytes = [](std::initializer_list<int> v) {
            QByteArray out;
            for (int b : v)
                out.append(char(b));
            return out;
        };
        QTest::newRow("extensions-past-end")
            << bytes({0x00, 0x10, 1, 2, 3, 4, 5, 6})
            << QStringLiteral("ClientHello: extensions length 16 runs past the end (6 bytes left)");
        QTest::newRow("extension-past-end")
            << bytes({0x00, 0x06, 0x00, 0x00, 0x00, 0x09, 0x00, 0x07})
            << QStringLiteral(
                   "ClientHello: extension server_name length 9 runs past the end (2 bytes left)");
        QTest::newRow("host-name-past-end")
            << bytes({0x00, 0x0d, 0x00, 0x00, 0x00, 0x09, 0x00, 0x07, 0x00, 0x01, 0x2c, 'a', 'b',
                      'c', 'd'})
            << QStringLiteral(
                   "ClientHello: extension server_name: host_name length 300 runs "
                   "past the end (4 bytes left)");
        QTest::newRow("empty-alpn-name")
            << bytes({0x00, 0x09, 0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x00, 0x01, 'h'})
            << QStringLiteral(
                   "ClientHello: extension application_layer_protocol_negotiation: an empty "
                   "protocol name");
        QTest::newRow("odd-versions")
            << bytes({0x00, 0x08, 0x00, 0x2b, 0x00, 0x04, 0x03, 0x03, 0x04, 0x03})
            << QStringLiteral(
                   "ClientHello: extension supported_versions: versions length 3 is odd");
        QTest::newRow("cut-extension-header")
            << bytes({0x00, 0x03, 0x00, 0x00, 0x00})
            << QStringLiteral(
                   "ClientHello: extension server_name length is cut off (1 of 2 bytes)");
        QTest::newRow("bytes-after-extensions")
            << bytes({0x00, 0x00, 0x99})
            << QStringLiteral("ClientHello: 1 bytes after the extensions");
    }

    void hostileClientHellos() {
        QFETCH(QByteArray, extensions);
        QFETCH(QString, detail);
        const std::vector<std::uint8_t> field(extensions.begin(), extensions.end());
        const auto record = handshakeRecord(1, clientHelloBody(field));
        for (Chunking chunking : {Chunking::Whole, Chunking::OneByte}) {
            Recorder rec;
            TlsStream stream(rec, nullptr);
            feedAll(stream, rec, {{kClient, record, 0}}, chunking, 1);
            QCOMPARE(text(rec.anomalyIds()), QStringLiteral("tls-malformed-handshake/client"));
            QCOMPARE(QString::fromStdString(rec.anomalies[0].detail), detail);
            QCOMPARE(rec.anomalies[0].offset, std::uint64_t(0));
            // The random came before the damage: the connection can still be looked up.
            QCOMPARE(stream.info().clientRandom, kRandom11);
        }
    }

    void hostileServerHelloAndOversizedMessages() {
        Recorder rec;
        TlsStream stream(rec, nullptr);
        stream.feed(kClient, handshakeRecord(1, clientHelloBody({0x00, 0x00})));
        // A ServerHello that ends inside its cipher suite.
        std::vector<std::uint8_t> body = {0x03, 0x03};
        body.insert(body.end(), 32, 0x22);
        body.insert(body.end(), {0x00, 0x13});
        stream.feed(kServer, handshakeRecord(2, body));
        QCOMPARE(text(rec.anomalyIds()),
                 QStringLiteral("tls-malformed-handshake/server | tls-malformed-handshake/server"));
        QCOMPARE(rec.anomalies[0].detail,
                 std::string("ServerHello: cipher_suite is cut off (1 of 2 bytes)"));
        QCOMPARE(stream.info().keys, TlsKeyStatus::NotDecryptable);

        // A 300000-byte ClientHello over many records: skipped, never buffered whole.
        Recorder big;
        TlsStream second(big, nullptr);
        std::vector<std::uint8_t> message = {0x01, 0x04, 0x93, 0xe0};  // 300000
        message.resize(4 + 300000, 0x41);
        for (std::size_t at = 0; at < message.size(); at += 16384) {
            const std::size_t n = std::min<std::size_t>(16384, message.size() - at);
            std::vector<std::uint8_t> record = {0x16, 0x03, 0x03, std::uint8_t(n >> 8),
                                                std::uint8_t(n)};
            record.insert(record.end(), message.begin() + std::ptrdiff_t(at),
                          message.begin() + std::ptrdiff_t(at + n));
            second.feed(kClient, record);
        }
        second.finish();
        QCOMPARE(text(big.anomalyIds()), QStringLiteral("tls-malformed-handshake/client"));
        QCOMPARE(big.anomalies[0].detail,
                 std::string("ClientHello of 300000 bytes is over the 262144-byte limit: skipped"));
    }

    void rejectsBytesThatAreNotTls() {
        Recorder rec;
        TlsStream stream(rec, nullptr);
        const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        stream.feed(kClient,
                    std::span(reinterpret_cast<const std::uint8_t*>(get.data()), get.size()));
        stream.feed(kClient,
                    std::span(reinterpret_cast<const std::uint8_t*>(get.data()), get.size()));
        stream.finish();
        QCOMPARE(text(rec.anomalyIds()), QStringLiteral("tls-malformed-record/client"));
        QCOMPARE(rec.anomalies[0].detail,
                 std::string("the bytes at stream offset 0 are not a TLS record header (content "
                             "type 71, version 0x4554): the rest of this direction is not read"));
    }

    void detectsAClientHello() {
        const Conversation c = converse(tls13("TLS_AES_128_GCM_SHA256"), false, {1});
        QVERIFY2(c.error.empty(), c.error.c_str());
        const auto& first = c.wire.front().bytes;
        QCOMPARE(c.wire.front().dir, kClient);
        QCOMPARE(detectTlsClientHello(first), TlsDetection::ClientHello);
        QCOMPARE(detectTlsClientHello(std::span(first).first(3)), TlsDetection::NeedMoreData);
        QCOMPARE(detectTlsClientHello({}), TlsDetection::NeedMoreData);
        const std::string get = "GET /chat HTTP/1.1";
        QCOMPARE(detectTlsClientHello(
                     std::span(reinterpret_cast<const std::uint8_t*>(get.data()), get.size())),
                 TlsDetection::NotTls);
        const std::vector<std::uint8_t> serverHelloRecord = {0x16, 0x03, 0x03, 0x00, 0x40, 0x02};
        QCOMPARE(detectTlsClientHello(serverHelloRecord), TlsDetection::NotTls);
    }

    void startAtOffsetsTheReportedRecords() {
        const Conversation c = converse(tls12("ECDHE-ECDSA-AES128-GCM-SHA256", false), false, {9});
        QVERIFY2(c.error.empty(), c.error.c_str());
        KeyLog keyLog = keyLogOf(c.keyLog);
        const auto clean = run(eventsFrom(c.wire), &keyLog);
        Recorder rec;
        rec.fed[0] = 1000;
        rec.fed[1] = 5000;
        TlsStream stream(rec, &keyLog);
        stream.startAt(kClient, 1000);
        stream.startAt(kServer, 5000);
        feedAll(stream, rec, eventsFrom(c.wire), Chunking::Whole, 1);
        QCOMPARE(rec.records.size(), clean->recorder.records.size());
        for (std::size_t i = 0; i < rec.records.size(); ++i) {
            const std::uint64_t shift = rec.records[i].dir == kClient ? 1000 : 5000;
            QCOMPARE(rec.records[i].start, clean->recorder.records[i].start + shift);
            QCOMPARE(rec.records[i].end, clean->recorder.records[i].end + shift);
        }
    }

    // Any one damaged byte or a gap anywhere: never a crash, and every
    // plaintext record reported is one the clean run reported, at the same
    // stream offsets, with the same bytes (AEAD: no garbage).
    void damagedStreamsNeverYieldGarbage() {
        const Conversation c13 = converse(tls13("TLS_AES_128_GCM_SHA256"), true, {1, 16384, 3000});
        const Conversation c12 =
            converse(tls12("ECDHE-RSA-CHACHA20-POLY1305", true), false, {1, 16384, 3000});
        QVERIFY2(c13.error.empty() && c12.error.empty(), (c13.error + c12.error).c_str());
        std::mt19937 rng(12345);
        for (const Conversation* c : {&c13, &c12}) {
            KeyLog keyLog = keyLogOf(c->keyLog);
            const auto clean = eventsFrom(c->wire);
            const auto reference = run(clean, &keyLog);
            std::map<std::pair<int, std::uint64_t>, std::vector<std::uint8_t>> truth;
            for (std::size_t i = 0; i < reference->recorder.records.size(); ++i) {
                const auto& r = reference->recorder.records[i];
                truth[{int(r.dir), r.start}] = reference->recorder.recordBytes[i];
            }
            std::uint64_t streamLength[2] = {0, 0};
            for (const auto& e : clean)
                streamLength[e.dir == kClient ? 0 : 1] += e.bytes.size();
            for (int round = 0; round < 150; ++round) {
                auto events = clean;
                const Direction dir = round % 2 ? kServer : kClient;
                const std::uint64_t at = rng() % streamLength[dir == kClient ? 0 : 1];
                if (round % 3 == 2) {
                    cutGap(events, dir, at, 1 + rng() % 40);
                } else {
                    const auto mask = std::uint8_t(1u << (rng() % 8));
                    QVERIFY(editByte(events, dir, at, [&](std::uint8_t& b) { b ^= mask; }));
                }
                const auto result = run(events, &keyLog, Chunking::Random, unsigned(round));
                const Recorder& rec = result->recorder;
                QVERIFY2(rec.offsetError.empty(), rec.offsetError.c_str());
                for (std::size_t i = 0; i < rec.records.size(); ++i) {
                    const auto& r = rec.records[i];
                    const auto found = truth.find({int(r.dir), r.start});
                    QVERIFY2(found != truth.end() && found->second == rec.recordBytes[i],
                             qPrintable(QStringLiteral("round %1 offset %2").arg(round).arg(at)));
                }
            }
        }
    }

    void parsesAClientHelloExactly() {
        const Conversation c = converse(tls13("TLS_AES_128_GCM_SHA256"), false, {1});
        QVERIFY2(c.error.empty(), c.error.c_str());
        const auto& record = c.wire.front().bytes;
        sockscope::dissector::tls::ClientHello hello;
        const std::size_t length =
            std::size_t(record[6]) << 16 | std::size_t(record[7]) << 8 | record[8];
        QCOMPARE(sockscope::dissector::tls::parseClientHello(std::span(record).subspan(9, length),
                                                             hello),
                 std::string());
        QCOMPARE(hello.serverName, std::string("example.test"));
        QCOMPARE(text(hello.alpn), QStringLiteral("h2 | http/1.1"));
        QVERIFY(hello.supportedVersions == std::vector<std::uint16_t>{0x0304});
        QVERIFY(hello.extendedMasterSecret);  // OpenSSL offers it in a 1.3-only hello too
        QVERIFY(!hello.earlyData);

        bool requested = false;
        const std::uint8_t two[] = {2};
        QCOMPARE(sockscope::dissector::tls::parseKeyUpdate(two, requested),
                 std::string("KeyUpdate: request_update 2 is neither 0 nor 1"));
        const std::uint8_t one[] = {1};
        QCOMPARE(sockscope::dissector::tls::parseKeyUpdate(one, requested), std::string());
        QVERIFY(requested);
    }
};

QTEST_GUILESS_MAIN(TestTlsDecrypt)
#include "tst_tls_decrypt.moc"
