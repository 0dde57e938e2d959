// `sockscope-cli read --keylog` end to end, running the built binary on a
// wss:// capture made in this process: real TLS 1.3 from OpenSSL (an
// in-memory client and server, tests/dissector/tls_websocket_session.h)
// carrying a WebSocket upgrade and a few messages, written as pcapng. Checked: a missing or
// unreadable key log is exit 1 with one line; a key log with bad lines decrypts what its good lines
// allow and warns about each bad one, naming the file and the line; keys embedded in the pcapng (a
// Decryption Secrets Block, built by hand and by Debian's `editcap --inject-secrets` when
// installed) decrypt without --keylog.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

#include "../dissector/tls_websocket_session.h"
#include "cli_process.h"
#include "pcap_builder.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 20000;
constexpr std::uint32_t kSecretsTlsKeyLog = 0x544c534b;  // "TLSK" (pcapng DSB)

struct TlsCapture {
    Bytes pcapng;
    std::string keyLog;
    std::string error;
};

// The session of tls_websocket_session.h (TLS 1.3, AES-128-GCM) as a pcapng.
TlsCapture makeTlsCapture() {
    const TlsWebSocketSession session = makeTlsWebSocketSession();
    PcapBuilder builder;
    builder.addAll(session.frames);
    return {builder.pcapngBytes(), session.keyLog, session.error};
}

// A Decryption Secrets Block with `keyLog` (pcapng spec §4.8), little-endian.
Bytes secretsBlock(const std::string& keyLog) {
    Bytes body(keyLog.begin(), keyLog.end());
    while (body.size() % 4 != 0) {
        body.push_back(0);
    }
    const auto total = std::uint32_t(20 + body.size());
    Bytes block;
    pcapbytes::le32(block, 0x0000000A);
    pcapbytes::le32(block, total);
    pcapbytes::le32(block, kSecretsTlsKeyLog);
    pcapbytes::le32(block, std::uint32_t(keyLog.size()));
    pcapbytes::append(block, body);
    pcapbytes::le32(block, total);
    return block;
}

// The pcapng with the block right after its Section Header Block.
Bytes withSecretsBlock(const Bytes& pcapng, const std::string& keyLog) {
    const std::uint32_t shbLength = std::uint32_t(pcapng[4]) | std::uint32_t(pcapng[5]) << 8 |
                                    std::uint32_t(pcapng[6]) << 16 | std::uint32_t(pcapng[7]) << 24;
    Bytes out(pcapng.begin(), pcapng.begin() + shbLength);
    pcapbytes::append(out, secretsBlock(keyLog));
    out.insert(out.end(), pcapng.begin() + shbLength, pcapng.end());
    return out;
}

bool writeBytes(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray toQt(const Bytes& bytes) {
    return QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
}

// The messages of a JSON Lines output as "dir opcode payload", and the
// connection's key status.
struct Decrypted {
    QStringList messages;
    QString keys;
    QStringList anomalies;
};

Decrypted decrypted(const QByteArray& jsonl) {
    Decrypted out;
    for (const QByteArray& line : jsonl.split('\n')) {
        const QJsonObject e = QJsonDocument::fromJson(line).object();
        const QString event = e.value(u"event"_s).toString();
        if (event == u"connection"_s) {
            out.keys = e.value(u"tls"_s).toObject().value(u"keys"_s).toString();
        } else if (event == u"anomaly"_s) {
            out.anomalies << e.value(u"kind"_s).toString();
        } else if (event == u"message"_s) {
            const QString opcode = e.value(u"opcode"_s).toString();
            const QString content = opcode == u"close"_s
                                        ? QString::number(e.value(u"close_code"_s).toInt()) + u' ' +
                                              e.value(u"close_reason"_s).toString()
                                        : QString::fromUtf8(QByteArray::fromBase64(
                                              e.value(u"payload_b64"_s).toString().toLatin1()));
            out.messages << e.value(u"dir"_s).toString() + u' ' + opcode + u' ' + content;
        }
    }
    return out;
}

const QStringList kMessages{u"client text hello over tls"_s, u"server text hello back"_s,
                            u"client close 1000 bye"_s, u"server close 1000 bye"_s};

}  // namespace

class CliKeyLog : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    TlsCapture capture_;
    QString capturePath_;

    QString path(const QString& name) const { return dir_.filePath(name); }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        capture_ = makeTlsCapture();
        QVERIFY2(capture_.error.empty(), capture_.error.c_str());
        QVERIFY(capture_.keyLog.find("CLIENT_TRAFFIC_SECRET_0 ") != std::string::npos);
        capturePath_ = path(u"tls.pcapng"_s);
        QVERIFY(writeBytes(capturePath_, toQt(capture_.pcapng)));
    }

    // The capture and its key log as a baseline: every message decrypted.
    void decryptsWithKeyLog() {
        const QString keys = path(u"good.keys"_s);
        QVERIFY(writeBytes(keys, QByteArray::fromStdString(capture_.keyLog)));
        CliProcess cli({u"read"_s, capturePath_, u"--keylog"_s, keys, u"--format"_s, u"jsonl"_s});
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 0);
        QCOMPARE(cli.err(), QByteArray());
        const Decrypted out = decrypted(cli.out());
        QCOMPARE(out.keys, u"found"_s);
        QCOMPARE(out.anomalies, QStringList());
        QCOMPARE(out.messages, kMessages);
    }

    void unreadableKeyLog_data() {
        QTest::addColumn<QString>("keyLog");
        QTest::addColumn<QString>("why");
        QTest::newRow("missing") << u"no-such.keys"_s << u"No such file or directory"_s;
        QTest::newRow("directory") << u"."_s << u"is not a regular file"_s;
    }
    // Exit 1 and one line on stderr naming the file; nothing on stdout.
    void unreadableKeyLog() {
        QFETCH(QString, keyLog);
        QFETCH(QString, why);
        const QString file = path(keyLog);
        CliProcess cli({u"read"_s, capturePath_, u"--keylog"_s, file, u"--format"_s, u"jsonl"_s});
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 1);
        QCOMPARE(cli.out(), QByteArray());
        QCOMPARE(cli.errLines().size(), 1);
        const QString line = QString::fromUtf8(cli.errLines().first());
        QVERIFY2(line.startsWith(u"sockscope-cli: --keylog: "_s), qPrintable(line));
        QVERIFY2(line.contains(file) && line.contains(why), qPrintable(line));
    }

    // Bad lines are skipped with a warning each (file and line number); the
    // good ones still decrypt, and the exit status is 0.
    void keyLogWithBadLines() {
        const QString keys = path(u"bad-lines.keys"_s);
        const QByteArray text =
            "# a comment\n"
            "CLIENT_RANDOM nothex 00\n" +
            QByteArray::fromStdString(capture_.keyLog) +
            "SERVER_TRAFFIC_SECRET_0 abcd\n"
            "this is not a key log line\n";
        QVERIFY(writeBytes(keys, text));
        CliProcess cli({u"read"_s, capturePath_, u"--keylog"_s, keys, u"--format"_s, u"jsonl"_s});
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 0);
        const int lines = int(std::count(capture_.keyLog.begin(), capture_.keyLog.end(), '\n'));
        const QList<int> badLines{2, lines + 3, lines + 4};
        QCOMPARE(cli.errLines().size(), badLines.size());
        for (qsizetype i = 0; i < badLines.size(); ++i) {
            const QString prefix = u"sockscope-cli: warning: "_s + keys + u" line "_s +
                                   QString::number(badLines[i]) + u": "_s;
            QVERIFY2(QString::fromUtf8(cli.errLines()[i]).startsWith(prefix),
                     cli.errLines()[i].constData());
        }
        const Decrypted out = decrypted(cli.out());
        QCOMPARE(out.keys, u"found"_s);
        QCOMPARE(out.messages, kMessages);
    }

    void secretsBlock_data() {
        QTest::addColumn<bool>("editcap");
        QTest::newRow("hand-built") << false;
        QTest::newRow("editcap") << true;
    }
    // A pcapng carrying its keys decrypts without --keylog.
    void secretsBlock() {
        QFETCH(bool, editcap);
        const QString withKeys = path(editcap ? u"editcap.pcapng"_s : u"dsb.pcapng"_s);
        if (editcap) {
            const QString tool = u"/usr/bin/editcap"_s;
            if (!QFile::exists(tool)) {
                QSKIP("editcap is not installed (Debian package wireshark-common)");
            }
            const QString keys = path(u"inject.keys"_s);
            QVERIFY(writeBytes(keys, QByteArray::fromStdString(capture_.keyLog)));
            QProcess process;
            process.start(tool, {u"--inject-secrets"_s, u"tls,"_s + keys, capturePath_, withKeys});
            QVERIFY(process.waitForFinished(kTimeoutMs));
            QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
        } else {
            QVERIFY(writeBytes(withKeys, toQt(withSecretsBlock(capture_.pcapng, capture_.keyLog))));
        }
        CliProcess cli({u"read"_s, withKeys, u"--format"_s, u"jsonl"_s});
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 0);
        QCOMPARE(cli.err(), QByteArray());
        const Decrypted out = decrypted(cli.out());
        QCOMPARE(out.keys, u"found"_s);
        QCOMPARE(out.anomalies, QStringList());
        QCOMPARE(out.messages, kMessages);
    }

    // Without keys anywhere: the TLS connection, one no-key anomaly, no message.
    void noKeys() {
        CliProcess cli({u"read"_s, capturePath_, u"--format"_s, u"jsonl"_s});
        QVERIFY(cli.waitForExit(kTimeoutMs));
        QCOMPARE(cli.exitCode(), 0);
        const Decrypted out = decrypted(cli.out());
        QCOMPARE(out.keys, u"missing"_s);
        QCOMPARE(out.anomalies, QStringList{u"tls-no-key"_s});
        QCOMPARE(out.messages, QStringList());
    }
};

QTEST_GUILESS_MAIN(CliKeyLog)
#include "tst_cli_keylog.moc"
