// The bundled sample capture (resources/sample.pcapng): the committed file
// is exactly what its generator (tests/support/sample_capture.h) writes, the
// inspector finds every feature it was made to show, and the CLI and tshark
// read the same file to the same counts.
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <array>
#include <set>

#include "inspector/capture_document.h"
#include "inspector/connection_table_model.h"
#include "inspector/message_table_model.h"
#include "sample_capture.h"

using namespace Qt::StringLiterals;
using namespace sockscope;
using namespace sockscope::ui;
namespace sample = sockscope::test::sample;

namespace {

QString samplePath() {
    return QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/sample.pcapng");
}

QByteArray bytesOf(std::string_view s) {
    return QByteArray(s.data(), qsizetype(s.size()));
}

QByteArray bytesOf(const std::vector<std::uint8_t>& v) {
    return QByteArray(reinterpret_cast<const char*>(v.data()), qsizetype(v.size()));
}

// One message with its payload read back through the document.
struct Message {
    RowId row = kNoRow;
    MessageRecord record;
    QByteArray payload;
};

// The messages of one connection and direction, in completion order.
std::vector<Message> messagesOf(const CaptureDocument& document, std::uint32_t conn,
                                dissector::Direction dir) {
    std::vector<Message> out;
    const CaptureIndex& index = document.index();
    for (RowId row = 0; row < index.messageCount(); ++row) {
        const MessageRecord m = index.message(row);
        if (m.conn == conn && m.fromServer() == (dir == dissector::Direction::Server))
            out.push_back({row, m, bytesOf(document.messageBytes(row, 4096).payload)});
    }
    return out;
}

const auto kClient = dissector::Direction::Client;
const auto kServer = dissector::Direction::Server;

}  // namespace

class TestSampleCapture : public QObject {
    Q_OBJECT

private:
    QString cell(const QAbstractItemModel& model, int row, int column) {
        return model.data(model.index(row, column), Qt::DisplayRole).toString();
    }

    // Runs a program to its end (at most a minute); its standard output, or
    // a failed check with what it said on standard error.
    static bool run(const QString& program, const QStringList& arguments, QByteArray& out) {
        QProcess process;
        process.start(program, arguments);
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished(3000);
            out = "did not finish within a minute";
            return false;
        }
        out = process.readAllStandardOutput();
        if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
            out = process.readAllStandardError();
            return false;
        }
        return true;
    }

private slots:
    void committedFileIsWhatTheGeneratorWrites() {
        const test::Bytes generated = sample::captureBytes();
        QVERIFY(!generated.empty());
        QCOMPARE(sample::captureBytes(), generated);  // no randomness, no clock
        QFile committed(samplePath());
        QVERIFY2(committed.open(QIODevice::ReadOnly), qPrintable(committed.errorString()));
        const QByteArray bytes = committed.readAll();
        QVERIFY2(bytes == bytesOf(generated),
                 "resources/sample.pcapng differs from its generator: run "
                 "make_sample_capture resources/sample.pcapng (resources/README.md)");
        QCOMPARE(bytes.size(), qsizetype(7556));  // a few KB
    }

    void inspectorShowsEveryFeature() {
        CaptureDocument document;
        ConnectionTableModel connections(document);
        MessageTableModel messages(document);
        QSignalSpy finished(&document, &CaptureDocument::finished);
        QVERIFY2(document.open(samplePath()), qPrintable(document.error()));
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.at(0).at(0).toString(), QString());
        const CaptureIndex& index = document.index();

        // Two connections: the compressed chat and the plain echo service.
        QCOMPARE(connections.rowCount(), 2);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::Client), u"127.0.0.1:51874"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::Server), u"127.0.0.1:8765"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::Target), u"/chat"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::Subprotocol), u"chat.v2"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::Extensions),
                 u"permessage-deflate; client_max_window_bits=12"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::MessagesOut), u"6"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::MessagesIn), u"7"_s);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::End),
                 u"close 1000 (Normal Closure) by client"_s);
        QCOMPARE(cell(connections, 1, ConnectionTableModel::Client), u"127.0.0.1:51890"_s);
        QCOMPARE(cell(connections, 1, ConnectionTableModel::Server), u"127.0.0.1:9001"_s);
        QCOMPARE(cell(connections, 1, ConnectionTableModel::Target), u"/echo"_s);
        QCOMPARE(cell(connections, 1, ConnectionTableModel::Extensions), QString());
        QCOMPARE(cell(connections, 1, ConnectionTableModel::MessagesOut), u"4"_s);
        QCOMPARE(cell(connections, 1, ConnectionTableModel::MessagesIn), u"4"_s);
        QCOMPARE(cell(connections, 1, ConnectionTableModel::End),
                 u"close 1001 (Going Away) by server"_s);

        // permessage-deflate negotiated on the first only, with its window parameter.
        const ConnectionRecord* chat = index.connection(1);
        QVERIFY(chat && chat->handshake && chat->handshake->info().acceptOk);
        QVERIFY(chat->handshake->info().deflate.has_value());
        QCOMPARE(chat->handshake->info().deflate->clientMaxWindowBits, 12);
        QCOMPARE(chat->handshake->info().deflate->serverMaxWindowBits, 15);
        QVERIFY(!chat->handshake->info().deflate->clientNoContextTakeover);
        QVERIFY(!chat->handshake->info().deflate->serverNoContextTakeover);
        const ConnectionRecord* echo = index.connection(2);
        QVERIFY(echo && echo->handshake && echo->handshake->info().acceptOk);
        QVERIFY(!echo->handshake->info().deflate.has_value());

        QCOMPARE(index.messageCount(), RowId(21));
        QCOMPARE(index.frameCount(), RowId(23));
        QCOMPARE(index.packetCount(), RowId(64));
        // Times are real-looking: from the start second on, in capture order.
        QCOMPARE(index.frame(0).tsNs / 1000000000, sample::kStartSeconds);
        for (RowId f = 1; f < index.frameCount(); ++f)
            QVERIFY(index.frame(f).tsNs > index.frame(f - 1).tsNs);

        // Chat, server side: compressed JSON, the second tick much smaller
        // than the first because the window carries over (context takeover).
        const auto chatServer = messagesOf(document, 1, kServer);
        QCOMPARE(chatServer.size(), std::size_t(7));
        const std::string_view serverTexts[] = {sample::kWelcome, sample::kSubscribed,
                                                sample::kTick1,   sample::kTick2,
                                                sample::kPing,    sample::kReply};
        const std::uint8_t serverOpcodes[] = {1, 1, 1, 1, 10, 1};
        for (std::size_t i = 0; i < std::size(serverTexts); ++i) {
            QCOMPARE(chatServer[i].record.opcode, serverOpcodes[i]);
            QCOMPARE(chatServer[i].payload, bytesOf(serverTexts[i]));
            QCOMPARE(bool(chatServer[i].record.flags & message_flag::Compressed),
                     serverOpcodes[i] == 1);
        }
        QCOMPARE(chatServer[2].record.wireLength, std::uint64_t(39));
        QCOMPARE(chatServer[3].record.wireLength, std::uint64_t(16));
        QCOMPARE(chatServer[3].record.length, std::uint64_t(sample::kTick2.size()));

        // Chat, client side: plain text, compressed JSON, binary, the ping, the
        // fragmented text and the close.
        const auto chatClient = messagesOf(document, 1, kClient);
        QCOMPARE(chatClient.size(), std::size_t(6));
        QCOMPARE(chatClient[0].payload, bytesOf(sample::kHello));
        QVERIFY(!(chatClient[0].record.flags & message_flag::Compressed));
        QCOMPARE(chatClient[1].payload, bytesOf(sample::kSubscribe));
        QVERIFY(chatClient[1].record.flags & message_flag::Compressed);
        QCOMPARE(chatClient[1].record.wireLength, std::uint64_t(74));
        QCOMPARE(chatClient[2].record.opcode, std::uint8_t(2));
        QCOMPARE(chatClient[2].payload, QByteArray(reinterpret_cast<const char*>(sample::kBinary),
                                                   qsizetype(sizeof sample::kBinary)));
        QCOMPARE(chatClient[3].record.opcode, std::uint8_t(9));
        QCOMPARE(chatClient[3].payload, bytesOf(sample::kPing));

        // The fragmented message: three frames, the client's ping between the
        // first two (the server's pong too, on the other side).
        const Message& fragmented = chatClient[4];
        QCOMPARE(fragmented.record.opcode, std::uint8_t(1));
        QCOMPARE(fragmented.record.frames, std::uint32_t(3));
        QCOMPARE(fragmented.payload,
                 QByteArray(bytesOf(sample::kFragments[0]) + bytesOf(sample::kFragments[1]) +
                            bytesOf(sample::kFragments[2])));
        const std::vector<RowId> parts = index.framesOf(fragmented.row);
        QCOMPARE(parts.size(), std::size_t(3));
        QCOMPARE(index.frame(parts[0]).opcode, std::uint8_t(1));
        QCOMPARE(index.frame(parts[1]).opcode, std::uint8_t(0));
        QCOMPARE(index.frame(parts[2]).opcode, std::uint8_t(0));
        QVERIFY(!(index.frame(parts[0]).flags & frame_flag::Fin));
        QVERIFY(index.frame(parts[2]).flags & frame_flag::Fin);
        QCOMPARE(parts[1] - parts[0], RowId(3));  // the ping and the pong
        const FrameRecord ping = index.frame(parts[0] + 1);
        QCOMPARE(ping.opcode, std::uint8_t(9));
        QCOMPARE(ping.conn, std::uint32_t(1));
        QVERIFY(!ping.fromServer());
        QCOMPARE(ping.message, chatClient[3].row);
        const FrameRecord pong = index.frame(parts[0] + 2);
        QCOMPARE(pong.opcode, std::uint8_t(10));
        QVERIFY(pong.fromServer());
        QCOMPARE(pong.message, chatServer[4].row);

        // The close handshakes: 1000 "bye" from the chat client, answered;
        // 1001 "going away" from the echo server, answered.
        const auto closeOf = [](const Message& m) {
            return std::make_pair(int(m.record.closeCode), m.payload.mid(2));
        };
        const auto expectClose = [](int code, const char* reason) {
            return std::make_pair(code, QByteArray(reason));
        };
        QCOMPARE(chatClient[5].record.opcode, std::uint8_t(8));
        QCOMPARE(closeOf(chatClient[5]), expectClose(1000, "bye"));
        QCOMPARE(chatServer[6].record.opcode, std::uint8_t(8));
        QCOMPARE(closeOf(chatServer[6]), expectClose(1000, "bye"));
        QVERIFY(chatClient[5].row < chatServer[6].row);

        const auto echoClient = messagesOf(document, 2, kClient);
        const auto echoServer = messagesOf(document, 2, kServer);
        QCOMPARE(echoClient.size(), std::size_t(4));
        QCOMPARE(echoServer.size(), std::size_t(4));
        QCOMPARE(echoClient[0].payload, bytesOf(sample::kEcho1));
        QCOMPARE(echoServer[0].payload, bytesOf(sample::kEcho1));
        QCOMPARE(echoClient[1].payload, bytesOf(sample::kEcho2));
        QCOMPARE(echoServer[1].payload, bytesOf(sample::kEcho2Answer));
        QCOMPARE(echoServer[3].record.opcode, std::uint8_t(8));
        QCOMPARE(closeOf(echoServer[3]), expectClose(1001, "going away"));
        QCOMPARE(echoClient[3].record.opcode, std::uint8_t(8));
        QCOMPARE(closeOf(echoClient[3]), expectClose(1001, "going away"));
        QVERIFY(echoServer[3].row < echoClient[3].row);

        // Exactly one protocol violation: the echo client's unmasked frame.
        QCOMPARE(index.anomalyCount(), RowId(1));
        const AnomalyRecord& anomaly = index.anomaly(0);
        QCOMPARE(anomaly.kind, std::string("unmasked-client-frame"));
        QCOMPARE(anomaly.rfc, std::string("RFC 6455 §5.1"));
        QCOMPARE(anomaly.conn, std::uint32_t(2));
        QVERIFY(anomaly.dir == kClient);
        QCOMPARE(echoClient[2].payload, bytesOf(sample::kUnmasked));
        QVERIFY(echoClient[2].record.flags & message_flag::Invalid);
        QVERIFY(anomaly.frame != kNoRow);
        QVERIFY(!(index.frame(anomaly.frame).flags & frame_flag::Masked));
        QCOMPARE(index.frame(anomaly.frame).message, echoClient[2].row);
        QCOMPARE(chat->anomalies, std::uint64_t(0));
        QCOMPARE(echo->anomalies, std::uint64_t(1));
        // Every other client frame is masked, with keys that differ.
        std::set<std::array<std::uint8_t, 4>> keys;
        for (RowId f = 0; f < index.frameCount(); ++f) {
            const FrameRecord frame = index.frame(f);
            if (!frame.fromServer() && f != anomaly.frame) {
                QVERIFY(frame.flags & frame_flag::Masked);
                const FrameBytes bytes = document.frameBytes(f, 16);
                QVERIFY(bytes.maskKey);
                keys.insert(*bytes.maskKey);
            }
        }
        QCOMPARE(keys.size(), std::size_t(11));

        // What the table shows: the decompressed tick as its preview, the
        // anomaly filter down to the one message.
        const int tickRow = messages.rowOf(chatServer[3].row);
        QCOMPARE(cell(messages, tickRow, MessageTableModel::Preview),
                 QString::fromUtf8(bytesOf(sample::kTick2)));
        QCOMPARE(cell(messages, tickRow, MessageTableModel::Compressed), u"✓"_s);
        QCOMPARE(cell(messages, tickRow, MessageTableModel::WireLength), u"16"_s);
        RowFilter anomalies;
        anomalies.anomaliesOnly = true;
        messages.setFilter(anomalies);
        QCOMPARE(messages.rowCount(), 1);
        QCOMPARE(cell(messages, 0, MessageTableModel::Preview),
                 QString::fromUtf8(bytesOf(sample::kUnmasked)));
        // A client message is shown masked as its frame was, not as clients should.
        QCOMPARE(cell(messages, 0, MessageTableModel::Masked), QString());
        messages.setFilter({});
        QCOMPARE(cell(messages, messages.rowOf(echoClient[0].row), MessageTableModel::Masked),
                 u"✓"_s);
    }

    void cliReadsTheSameMessages() {
        QByteArray out;
        QVERIFY2(run(QStringLiteral(SOCKSCOPE_CLI_PATH),
                     {u"read"_s, samplePath(), u"--format"_s, u"jsonl"_s}, out),
                 out.constData());
        int messages = 0, frames = 0, anomalies = 0, connections = 0;
        QByteArray anomalyLine;
        for (const QByteArray& line : out.split('\n')) {
            messages += line.startsWith(R"({"event":"message",)");
            frames += line.startsWith(R"({"event":"frame",)");
            connections += line.startsWith(R"({"event":"connection",)");
            if (line.startsWith(R"({"event":"anomaly",)")) {
                ++anomalies;
                anomalyLine = line;
            }
        }
        QCOMPARE(messages, 21);
        QCOMPARE(frames, 23);
        QCOMPARE(connections, 2);
        QCOMPARE(anomalies, 1);
        QVERIFY2(anomalyLine.contains(R"("conn":2,"dir":"client",)") &&
                     anomalyLine.contains(R"("kind":"unmasked-client-frame")"),
                 anomalyLine.constData());
    }

    void tsharkSeesTheSameFrames() {
        const QString tshark = QStandardPaths::findExecutable(u"tshark"_s);
        if (tshark.isEmpty())
            QSKIP("tshark is not installed (apt-get install tshark)");
        // PDML has one websocket proto per frame, also when a segment holds
        // several (or the 101 response and a frame).
        QByteArray pdml;
        QVERIFY2(
            run(tshark, {u"-r"_s, samplePath(), u"-Y"_s, u"websocket"_s, u"-T"_s, u"pdml"_s}, pdml),
            pdml.constData());
        QCOMPARE(pdml.count(R"(<proto name="websocket")"), qsizetype(23));
        QCOMPARE(pdml.count(R"(name="_ws.malformed")"), qsizetype(0));
        // Including the compressed ones, inflated by tshark to our texts.
        QVERIFY(pdml.contains(bytesOf(sample::kTick2).toHex()));
        QVERIFY(pdml.contains(bytesOf(sample::kSubscribe).toHex()));
    }
};

QTEST_GUILESS_MAIN(TestSampleCapture)
#include "tst_sample_capture.moc"
