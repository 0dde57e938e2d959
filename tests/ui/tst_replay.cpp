// Replay (issue 5 §5): the client side of a captured conversation is
// extracted (decompressed payloads, fragment counts, offsets, the request's
// offers), saved and loaded as JSON, replayed against our in-process server
// and against python3-websockets, and the server's new answers are compared
// with the recorded ones. The servers must receive the recorded client
// messages byte for byte. Loopback only, every wait bounded.

#include <sockscope/core/permessage_deflate.h>
#include <sockscope/dissector/conversation_writer.h>

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <memory>

#include "../session/peer_process.h"
#include "inspector/capture_document.h"
#include "inspector/replay_script.h"
#include "pcap_builder.h"
#include "session/answer_comparison.h"
#include "session/replay_runner.h"
#include "session/websocket_server.h"
#include "websocket_conversation.h"
#include "wire.h"

namespace sockscope::session {
QString sizesText(const std::vector<std::uint64_t>& sizes) {
    QStringList parts;
    for (const std::uint64_t size : sizes) {
        parts << QString::number(size);
    }
    return parts.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(parts.join(u'+'));
}
// For QCOMPARE's failure messages.
char* toString(const ReplayStep& s) {
    const QString text =
        QStringLiteral("%1 \"%2\" fragments %3%7 offset %4 ns answers before %5 code %6")
            .arg(replayOpcodeName(s.opcode), QString::fromLatin1(s.payload.toHex()))
            .arg(s.fragments)
            .arg(s.offsetNs)
            .arg(s.answersBefore)
            .arg(s.closeCode ? QString::number(*s.closeCode) : QStringLiteral("none"))
            .arg(sizesText(s.frameSizes));
    return qstrdup(text.toUtf8().constData());
}
}  // namespace sockscope::session

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;
using namespace sockscope::ui;
using namespace Qt::StringLiterals;

namespace {

constexpr int kWaitMs = 20000;
constexpr std::int64_t kT0 = 1715682600;
constexpr std::uint8_t kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10;

const QByteArray kBinaryPayload = QByteArray::fromHex("00ff807f01");
const QByteArray kCompressedText = "compressed, compressed, compressed and compressed again"_ba;

dissector::Timestamp at(int ms) {
    return {kT0 + ms / 1000, std::uint32_t(ms % 1000) * 1000000u};
}

std::span<const std::uint8_t> span(const QByteArray& b) {
    return {reinterpret_cast<const std::uint8_t*>(b.constData()), std::size_t(b.size())};
}

std::span<const std::uint8_t> span(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

QByteArray qbytes(const std::vector<std::uint8_t>& b) {
    return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
}

const std::string kRequest =
    "GET /chat?room=1 HTTP/1.1\r\nHost: 127.0.0.1:8765\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\nOrigin: http://example.test\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\nX-Token: abc 123\r\n\r\n";

ReplayStep step(std::uint8_t opcode, const QByteArray& payload, int fragments, qint64 offsetMs,
                int answersBefore, std::optional<std::uint16_t> closeCode = std::nullopt) {
    ReplayStep s;
    s.opcode = opcode;
    s.payload = payload;
    s.fragments = fragments;
    s.offsetNs = offsetMs * 1'000'000;
    s.answersBefore = answersBefore;
    s.closeCode = closeCode;
    return s;
}

ReplayStep sized(ReplayStep s, std::vector<std::uint64_t> sizes) {
    s.frameSizes = std::move(sizes);
    return s;
}

// Connection 1: five client messages (a text, a text in three frames, a
// binary, a ping, a close), each answered by an echo server (the close with
// its code and no reason, like our endpoint). Connection 2: a compressed text
// (permessage-deflate), echoed compressed. Connection 3: a refused upgrade.
bool writeConversations(const QString& path, QString& why) {
    std::string error;
    auto writer = dissector::ConversationWriter::create(path.toStdString(), error);
    if (!writer) {
        why = QString::fromStdString(error);
        return false;
    }
    dissector::SocketAddress client, server;
    client.ip = {127, 0, 0, 1};
    client.port = 53422;
    server.ip = {127, 0, 0, 1};
    server.port = 8765;
    using dissector::Direction;
    bool ok = true;
    const auto id = writer->open(client, server, at(0));
    ok = ok && id && writer->send(*id, Direction::Client, span(kRequest), at(1)) &&
         writer->send(*id, Direction::Server, span(response("Sec-WebSocket-Protocol: chat\r\n")),
                      at(2));
    ok = ok && writer->sendFrame(*id, Direction::Client, kText, span("hello"_ba), at(10)) &&
         writer->sendFrame(*id, Direction::Server, kText, span("hello"_ba), at(11));
    ok = ok &&
         writer->send(*id, Direction::Client, clientFrame(1, bytesOf("frag"), false), at(110)) &&
         writer->send(*id, Direction::Client, clientFrame(0, bytesOf("men"), false), at(111)) &&
         writer->send(*id, Direction::Client, clientFrame(0, bytesOf("ted"), true), at(112)) &&
         writer->sendFrame(*id, Direction::Server, kText, span("fragmented"_ba), at(113));
    ok = ok && writer->sendFrame(*id, Direction::Client, kBinary, span(kBinaryPayload), at(210)) &&
         writer->sendFrame(*id, Direction::Server, kBinary, span(kBinaryPayload), at(211));
    ok = ok && writer->sendFrame(*id, Direction::Client, kPing, span("p1"_ba), at(310)) &&
         writer->sendFrame(*id, Direction::Server, kPong, span("p1"_ba), at(311));
    ok = ok &&
         writer->sendFrame(*id, Direction::Client, kClose,
                           span("\x03\xe8"
                                "bye"_ba),
                           at(410)) &&
         writer->sendFrame(*id, Direction::Server, kClose, span("\x03\xe8"_ba), at(411)) &&
         writer->close(*id, Direction::Server, at(412));

    client.port = 53423;
    const auto deflated = writer->open(client, server, at(1000));
    ok = ok && deflated &&
         writer->send(*deflated, Direction::Client,
                      span(request("Sec-WebSocket-Extensions: permessage-deflate; "
                                   "client_max_window_bits\r\n")),
                      at(1001)) &&
         writer->send(*deflated, Direction::Server,
                      span(response("Sec-WebSocket-Extensions: permessage-deflate\r\n")), at(1002));
    if (ok) {
        std::vector<std::uint8_t> compressed;
        MessageDeflater(15, false).compress(span(kCompressedText), compressed);
        WireFrame f;
        f.rsv = 4;  // RSV1: compressed (RFC 7692 §6)
        f.payload = compressed;
        f.masked = true;
        ok = writer->send(*deflated, Direction::Client, encode(f), at(1010));
        f.masked = false;
        ok = ok && writer->send(*deflated, Direction::Server, encode(f), at(1011)) &&
             writer->close(*deflated, Direction::Client, at(1020));
    }

    client.port = 53424;
    const auto refused = writer->open(client, server, at(2000));
    ok = ok && refused && writer->send(*refused, Direction::Client, span(request()), at(2001)) &&
         writer->send(*refused, Direction::Server,
                      span("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"_ba), at(2002)) &&
         writer->close(*refused, Direction::Server, at(2003));
    ok = writer->finish() && ok;
    if (!ok) {
        why = QString::fromStdString(writer->error());
    }
    return ok;
}

// A capture whose client frame payload was cut by the snap length.
bool writeCutCapture(const QString& path) {
    Conversation cut;
    cut.handshakeTcp();
    cut.client(bytesOf(request()));
    cut.server(bytesOf(response()));
    cut.client(clientFrame(1, bytesOf("first")));
    const Bytes big = clientFrame(2, Bytes(200, 0x5a));
    cut.client(Bytes(big.begin(), big.begin() + 8));  // the header: 2 + 2 + mask key
    cut.clientCut(200);
    cut.client(clientFrame(1, bytesOf("after")));
    PcapBuilder builder;
    for (std::size_t i = 0; i < cut.packets.size(); ++i) {
        const std::uint32_t missing = i < cut.cutBytes.size() ? cut.cutBytes[i] : 0;
        builder.add(cut.packets[i], 1700000000, std::uint32_t(i) * 1000000u,
                    missing ? std::uint32_t(cut.packets[i].size()) + missing : 0);
    }
    return builder.save(path.toStdString());
}

std::unique_ptr<CaptureDocument> load(const QString& path) {
    auto document = std::make_unique<CaptureDocument>();
    QSignalSpy finished(document.get(), &CaptureDocument::finished);
    if (!document->open(path) || !finished.wait(kWaitMs) ||
        !finished.at(0).at(0).toString().isEmpty()) {
        return nullptr;
    }
    return document;
}

// What a server connection received, in order, as steps (offsets left 0).
struct ServerSide {
    std::vector<ReplayStep> received;
    // The payload length of every text/binary/continuation frame received, in order.
    std::vector<std::uint64_t> framePayloads;
    int connections = 0;

    void attach(WebSocketServer& server) {
        QObject::connect(
            &server, &WebSocketServer::newConnection, &server,
            [this](WebSocketConnection* c, quint64) {
                ++connections;
                QObject::connect(c, &WebSocketConnection::frameReceived, c,
                                 [this](const event::FrameReceived& f) {
                                     if (!isControlOpcode(f.header.opcode)) {
                                         framePayloads.push_back(f.header.payloadLength);
                                     }
                                 });
                QObject::connect(
                    c, &WebSocketConnection::messageReceived, c, [this](const event::Message& m) {
                        received.push_back(step(m.opcode, qbytes(m.payload), int(m.frames), 0, 0));
                    });
                QObject::connect(c, &WebSocketConnection::pingReceived, c,
                                 [this](const event::Ping& p) {
                                     received.push_back(step(kPing, qbytes(p.payload), 1, 0, 0));
                                 });
                QObject::connect(c, &WebSocketConnection::pongReceived, c,
                                 [this](const event::Pong& p) {
                                     received.push_back(step(kPong, qbytes(p.payload), 1, 0, 0));
                                 });
                QObject::connect(
                    c, &WebSocketConnection::closeReceived, c,
                    [this](const event::CloseReceived& cr) {
                        received.push_back(
                            step(kClose, QByteArray::fromStdString(cr.reason), 1, 0, 0, cr.code));
                    });
            });
    }
};

// The steps without their timing, as a server sees them.
std::vector<ReplayStep> untimed(std::vector<ReplayStep> steps) {
    for (ReplayStep& s : steps) {
        s.offsetNs = 0;
        s.answersBefore = 0;
        s.frameSizes.clear();  // a receiver sees them as frames (ServerSide::framePayloads)
    }
    return steps;
}

struct Run {
    std::unique_ptr<ReplayRunner> runner;
    QString error;
    bool finished = false;
    QStringList order;  // "s0", "a0", ...: steps sent and answers received
};

std::unique_ptr<Run> replay(const ReplayScript& script, const QString& url, ReplayOptions options,
                            QString* startError = nullptr) {
    auto run = std::make_unique<Run>();
    run->runner = std::make_unique<ReplayRunner>(replayClientOptions(script), options);
    Run* r = run.get();
    QObject::connect(r->runner.get(), &ReplayRunner::stepSent,
                     [r](int i) { r->order << u"s"_s + QString::number(i); });
    QObject::connect(r->runner.get(), &ReplayRunner::answerReceived,
                     [r](int i) { r->order << u"a"_s + QString::number(i); });
    QObject::connect(r->runner.get(), &ReplayRunner::finished, [r](const QString& error) {
        r->error = error;
        r->finished = true;
    });
    const auto parsed = parseWebSocketUrl(url);
    if (!parsed.url || !r->runner->start(*parsed.url, script.steps,
                                         int(script.recordedAnswers.size()), startError)) {
        return nullptr;
    }
    return run;
}

// python3-websockets stops echoing once a close arrived, so a close sent right
// behind the messages loses their echoes: wait for each answer as recorded.
ReplayOptions answerPaced() {
    ReplayOptions options;
    options.pacing = ReplayPacing::AnswerPaced;
    return options;
}

ReplayOptions fast() {
    ReplayOptions options;
    options.pacing = ReplayPacing::AsFastAsPossible;
    return options;
}

}  // namespace

class Replay : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const QString path = dir_.filePath(u"conversations.pcapng"_s);
        QString why;
        QVERIFY2(writeConversations(path, why), qPrintable(why));
        document_ = load(path);
        QVERIFY(document_);
        QCOMPARE(document_->index().connections().size(), std::size_t(3));
    }

    // --- extraction ---------------------------------------------------------

    void extractsTheClientSideInOrder() {
        QString error;
        const auto script = replayScriptFromCapture(*document_, 1, &error);
        QVERIFY2(script, qPrintable(error));
        QCOMPARE(script->target, u"/chat?room=1"_s);
        QCOMPARE(script->host, u"127.0.0.1:8765"_s);
        QCOMPARE(script->subprotocols, (QStringList{u"chat"_s, u"superchat"_s}));
        QCOMPARE(script->extensions, QString());
        const std::vector<std::pair<QString, QString>> headers{
            {u"Origin"_s, u"http://example.test"_s}, {u"X-Token"_s, u"abc 123"_s}};
        QCOMPARE(script->headers, headers);
        // Offsets from the first client message (sent at 10 ms); a fragmented
        // message starts with its first frame.
        const std::vector<ReplayStep> steps{
            step(kText, "hello"_ba, 1, 0, 0),
            sized(step(kText, "fragmented"_ba, 3, 100, 1), {4, 3, 3}),
            step(kBinary, kBinaryPayload, 1, 200, 2),
            step(kPing, "p1"_ba, 1, 300, 3),
            step(kClose, "bye"_ba, 1, 400, 4, 1000),
        };
        QCOMPARE(script->steps.size(), steps.size());
        for (std::size_t i = 0; i < steps.size(); ++i) {
            QCOMPARE(script->steps[i], steps[i]);
        }
        // "frag" + "men" + "ted", as the three frames were recorded.
        QCOMPARE(script->steps[1].frameSizes, (std::vector<std::uint64_t>{4, 3, 3}));
        const std::vector<ReplayStep> answers{
            step(kText, "hello"_ba, 1, 1, 0),         step(kText, "fragmented"_ba, 1, 103, 1),
            step(kBinary, kBinaryPayload, 1, 201, 2), step(kPong, "p1"_ba, 1, 301, 3),
            step(kClose, {}, 1, 401, 4, 1000),
        };
        QCOMPARE(script->recordedAnswers.size(), answers.size());
        for (std::size_t i = 0; i < answers.size(); ++i) {
            QCOMPARE(script->recordedAnswers[i], answers[i]);
        }
        QCOMPARE(replayDefaultUrl(*script), u"ws://127.0.0.1:8765/chat?room=1"_s);
        const ClientOptions options = replayClientOptions(*script);
        QCOMPARE(options.subprotocols, (std::vector<std::string>{"chat", "superchat"}));
        QCOMPARE(options.extraHeaders.size(), std::size_t(2));
        QCOMPARE(options.extraHeaders[1].name, std::string("X-Token"));
        QCOMPARE(options.extraHeaders[1].value, std::string("abc 123"));
        QVERIFY(!options.deflate);
        QVERIFY(options.autoPong);
        ReplayScript withPong = *script;
        withPong.steps.push_back(step(kPong, "p"_ba, 1, 450, 5));
        QVERIFY(!replayClientOptions(withPong).autoPong);
    }

    void extractsDecompressedPayloads() {
        QString error;
        const auto script = replayScriptFromCapture(*document_, 2, &error);
        QVERIFY2(script, qPrintable(error));
        QCOMPARE(script->target, u"/chat"_s);
        QCOMPARE(script->extensions, u"permessage-deflate; client_max_window_bits"_s);
        QCOMPARE(script->steps.size(), std::size_t(1));
        QCOMPARE(script->steps[0], step(kText, kCompressedText, 1, 0, 0));
        QCOMPARE(script->recordedAnswers.size(), std::size_t(1));
        QCOMPARE(script->recordedAnswers[0], step(kText, kCompressedText, 1, 1, 0));
        const ClientOptions options = replayClientOptions(*script);
        QVERIFY(options.deflate);
        QVERIFY(options.deflateOffer.clientMaxWindowBitsValueless);
        QVERIFY(!options.deflateOffer.serverNoContextTakeover);
        QCOMPARE(options.deflateOffer.serverMaxWindowBits, std::optional<int>());

        const auto offer = recordedDeflateOffer(
            u"x-webkit-deflate-frame, Permessage-Deflate; server_no_context_takeover; "
            "server_max_window_bits=10; client_max_window_bits=12, permessage-deflate"_s);
        QVERIFY(offer);
        QVERIFY(offer->serverNoContextTakeover);
        QVERIFY(!offer->clientNoContextTakeover);
        QCOMPARE(offer->serverMaxWindowBits, std::optional<int>(10));
        QCOMPARE(offer->clientMaxWindowBits, std::optional<int>(12));
        QVERIFY(!offer->clientMaxWindowBitsValueless);
        QVERIFY(!recordedDeflateOffer(u"x-webkit-deflate-frame"_s));
        QVERIFY(!recordedDeflateOffer(u"permessage-deflate; ="_s));
        QVERIFY(!recordedDeflateOffer(QString()));
    }

    void refusesWhatCannotBeReplayed() {
        QString error;
        QVERIFY(!replayScriptFromCapture(*document_, 9, &error));
        QCOMPARE(error, u"connection 9 is not in this capture (it has connections 1 to 3)"_s);
        QVERIFY(!replayScriptFromCapture(*document_, 3, &error));
        QCOMPARE(error,
                 u"connection 3 carries no WebSocket: the server answered the upgrade "
                 "request with HTTP 403"_s);

        const QString cutPath = dir_.filePath(u"cut.pcap"_s);
        QVERIFY(writeCutCapture(cutPath));
        const auto cut = load(cutPath);
        QVERIFY(cut);
        QVERIFY(!replayScriptFromCapture(*cut, 1, &error));
        // Packets 1-3 open TCP, 4 and 5 are the handshake, 6 "first", 7 the cut frame's header.
        QCOMPARE(error,
                 u"client frame 2 (binary, 200 bytes, packet 7) belongs to no complete "
                 "message: its payload is not in the capture (a truncated capture, or a "
                 "snap length cut it)"_s);
    }

    // --- JSON ------------------------------------------------------------------

    void jsonRoundTrip() {
        auto script = replayScriptFromCapture(*document_, 1);
        QVERIFY(script);
        script->steps.push_back(step(kClose, {}, 1, 500, 5));  // a close with an empty body
        script->steps.push_back(step(kPong, QByteArray("\x00\xff", 2), 1, -7, 0));
        const QByteArray json = toJson(*script);
        QString error;
        const auto back = replayScriptFromJson(json, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->steps.size(), script->steps.size());
        for (std::size_t i = 0; i < script->steps.size(); ++i) {
            QCOMPARE(back->steps[i], script->steps[i]);
        }
        QVERIFY(*back == *script);
        QVERIFY(json.contains(R"("opcode": "binary")"));
        QVERIFY(json.contains(R"("payload_b64": "AP+AfwE=")"));
        QVERIFY(json.contains(R"("close_code": 1000)"));
        QVERIFY(json.contains(R"("close_code": null)"));
        QCOMPARE(back->steps[1].frameSizes, (std::vector<std::uint64_t>{4, 3, 3}));
        QCOMPARE(json.count("\"frame_sizes\""), 1);  // written only where there are sizes
        QVERIFY(json.contains(QByteArray(R"("frame_sizes": [
                4,
                3,
                3
            ])")));

        const QString path = dir_.filePath(u"script.json"_s);
        QVERIFY2(saveReplayScript(*script, path, &error), qPrintable(error));
        const auto loaded = loadReplayScript(path, &error);
        QVERIFY2(loaded, qPrintable(error));
        QVERIFY(*loaded == *script);
        QVERIFY(!loadReplayScript(dir_.filePath(u"none.json"_s), &error));
        QVERIFY2(error.startsWith(u"cannot read "_s), qPrintable(error));
    }

    void jsonLoadErrors_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        const QByteArray head = R"({"format": "sockscope-replay", "version": 1, )";
        QTest::newRow("not JSON") << "{"_ba << u"not JSON: unterminated object at byte 1"_s;
        QTest::newRow("array") << "[]"_ba
                               << u"not a Sockscope replay script: the top level is not an "
                                  "object"_s;
        QTest::newRow("format") << R"({"format": "har", "version": 1})"_ba
                                << u"not a Sockscope replay script: \"format\" is not "
                                   "\"sockscope-replay\""_s;
        QTest::newRow("version newer") << R"({"format": "sockscope-replay", "version": 2})"_ba
                                       << u"version: 2 is newer than this Sockscope reads (1)"_s;
        QTest::newRow("version text") << R"({"format": "sockscope-replay", "version": "1"})"_ba
                                      << u"version: expected a whole number from 1, got a string"_s;
        QTest::newRow("target") << head + R"("target": 5})"
                                << u"target: expected a string, got a number"_s;
        QTest::newRow("subprotocol") << head + R"("subprotocols": ["a", 1]})"
                                     << u"subprotocols[1]: expected a string, got a number"_s;
        QTest::newRow("header")
            << head + R"("headers": [{"name": "", "value": "x"}]})"
            << u"headers[0]: expected {\"name\": a non-empty string, \"value\": a string}"_s;
        QTest::newRow("steps object")
            << head + R"("steps": {}})" << u"steps: expected an array, got an object"_s;
        QTest::newRow("step not object") << head + R"("steps": [{"opcode": "text"}, 3]})"
                                         << u"steps[1]: expected an object, got a number"_s;
        QTest::newRow("opcode missing")
            << head + R"("steps": [{"payload_b64": ""}]})"
            << u"steps[0].opcode: expected a string (text, binary, close, ping or pong), got "
               "missing"_s;
        QTest::newRow("opcode unknown")
            << head + R"("steps": [{"opcode": "txt"}]})"
            << u"steps[0].opcode: unknown opcode \"txt\" (text, binary, close, ping or pong)"_s;
        QTest::newRow("base64") << head + R"("steps": [{"opcode": "text", "payload_b64": "a*=="}]})"
                                << u"steps[0].payload_b64: not valid base64"_s;
        QTest::newRow("base64 type")
            << head + R"("steps": [{"opcode": "text", "payload_b64": null}]})"
            << u"steps[0].payload_b64: expected a base64 string, got null"_s;
        QTest::newRow("fragments zero")
            << head + R"("steps": [{"opcode": "text"}, {"opcode": "text", "fragments": 0}]})"
            << u"steps[1].fragments: expected a whole number from 1 to 1048576"_s;
        QTest::newRow("fragments fraction")
            << head + R"("steps": [{"opcode": "text", "fragments": 1.5}]})"
            << u"steps[0].fragments: expected a whole number from 1 to 1048576"_s;
        QTest::newRow("offset") << head + R"("steps": [{"opcode": "text", "offset_ns": "soon"}]})"
                                << u"steps[0].offset_ns: expected a whole number of nanoseconds"_s;
        QTest::newRow("answers before")
            << head + R"("steps": [{"opcode": "text", "answers_before": -1}]})"
            << u"steps[0].answers_before: expected a whole number of at least 0"_s;
        QTest::newRow("close code on text")
            << head + R"("steps": [{"opcode": "text", "close_code": 1000}]})"
            << u"steps[0].close_code: only a close has a close code (opcode is text)"_s;
        QTest::newRow("close code range")
            << head + R"("steps": [{"opcode": "close", "close_code": 70000}]})"
            << u"steps[0].close_code: expected null or a whole number from 0 to 65535"_s;
        QTest::newRow("frame sizes type")
            << head + R"("steps": [{"opcode": "text", "frame_sizes": 3}]})"
            << u"steps[0].frame_sizes: expected an array of whole numbers, got a number"_s;
        QTest::newRow("frame sizes on ping")
            << head + R"("steps": [{"opcode": "ping", "payload_b64": "YQ==", "frame_sizes": [1]}]})"
            << u"steps[0].frame_sizes: only a text or binary message has frame sizes (opcode is "
               "ping)"_s;
        QTest::newRow("frame sizes empty")
            << head + R"("steps": [{"opcode": "text", "frame_sizes": []}]})"
            << u"steps[0].frame_sizes: 0 entries, expected 1 to 65536"_s;
        QTest::newRow("frame sizes too many")
            << head + R"("steps": [{"opcode": "text", "frame_sizes": [)" +
                   QByteArray("0,").repeated(65536) + "0]}]}"
            << u"steps[0].frame_sizes: 65537 entries, expected 1 to 65536"_s;
        QTest::newRow("frame sizes negative")
            << head + R"("steps": [{"opcode": "text", "frame_sizes": [1, -1]}]})"
            << u"steps[0].frame_sizes[1]: expected a whole number from 0 to 67108864"_s;
        QTest::newRow("frame sizes fraction")
            << head + R"("steps": [{"opcode": "text", "frame_sizes": [0.5]}]})"
            << u"steps[0].frame_sizes[0]: expected a whole number from 0 to 67108864"_s;
        QTest::newRow("frame sizes vs fragments")
            << head +
                   R"("steps": [{"opcode": "text", "payload_b64": "YWJj", "fragments": 2, "frame_sizes": [1, 1, 1]}]})"
            << u"steps[0].frame_sizes: 3 entries, but fragments is 2"_s;
        QTest::newRow("frame sizes sum")
            << head +
                   R"("steps": [{"opcode": "text"}, {"opcode": "binary"}, {"opcode": "text", "payload_b64": "MTIzNDU2Nzg5", "frame_sizes": [4, 4, 2]}]})"
            << u"steps[2].frame_sizes: add up to 10 bytes, the payload has 9"_s;
        QTest::newRow("answer")
            << head + R"("recorded_answers": [{"opcode": "pong"}, {"opcode": "continuation"}]})"
            << u"recorded_answers[1].opcode: unknown opcode \"continuation\" (text, binary, "
               "close, ping or pong)"_s;
    }

    void jsonLoadErrors() {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!replayScriptFromJson(json, &error));
        QCOMPARE(error, expected);
    }

    void frameSizesSetFragments() {
        QString error;
        const auto script = replayScriptFromJson(
            R"({"format": "sockscope-replay", "version": 1, "steps": [{"opcode": "binary",
                "payload_b64": "YWJj", "frame_sizes": [0, 3, 0]}]})",
            &error);
        QVERIFY2(script, qPrintable(error));
        QCOMPARE(script->steps.at(0).fragments, 3);
        QCOMPARE(script->steps.at(0).frameSizes, (std::vector<std::uint64_t>{0, 3, 0}));
    }

    void minimalJsonLoads() {
        QString error;
        const auto script = replayScriptFromJson(
            R"({"format": "sockscope-replay", "version": 1, "steps": [{"opcode": "ping"}]})",
            &error);
        QVERIFY2(script, qPrintable(error));
        QCOMPARE(script->target, u"/"_s);
        QCOMPARE(script->steps.size(), std::size_t(1));
        QCOMPARE(script->steps[0], step(kPing, {}, 1, 0, 0));
    }

    // --- comparison ------------------------------------------------------------

    void comparesByIndex() {
        const std::vector<ReplayStep> recorded{
            step(kText, "same"_ba, 1, 0, 0), step(kText, "abcdef"_ba, 1, 0, 0),
            step(kBinary, "abc"_ba, 1, 0, 0), step(kClose, "x"_ba, 1, 0, 0, 1000),
            step(kPong, {}, 1, 0, 0)};
        const std::vector<ReplayStep> replayed{
            step(kText, "same"_ba, 2, 5, 0), step(kText, "abcXef"_ba, 1, 0, 0),
            step(kBinary, "abcd"_ba, 1, 0, 0), step(kClose, "x"_ba, 1, 0, 0, 1001)};
        AnswerComparison c = compareAnswers(recorded, replayed);
        QCOMPARE(c.rows.size(), std::size_t(5));
        QCOMPARE(c.rows[0].verdict, AnswerVerdict::Same);
        QVERIFY(c.rows[0].fragmentsDiffer);
        QCOMPARE(c.rows[0].detail, u"fragments 1 vs 2"_s);
        QCOMPARE(c.rows[1].verdict, AnswerVerdict::Different);
        QCOMPARE(c.rows[1].firstDifferentByte, std::optional<qint64>(3));
        QCOMPARE(c.rows[1].detail, u"payload differs at byte 3 (0x64 vs 0x58; 6 vs 6 bytes)"_s);
        QCOMPARE(c.rows[2].firstDifferentByte, std::optional<qint64>(3));
        QCOMPARE(c.rows[2].detail, u"payload differs at byte 3 (end vs 0x64; 3 vs 4 bytes)"_s);
        QVERIFY(c.rows[3].closeCodeDiffers);
        QCOMPARE(c.rows[3].detail, u"close code 1000 vs 1001"_s);
        QCOMPARE(c.rows[4].verdict, AnswerVerdict::Missing);
        QCOMPARE(c.rows[4].detail, u"missing: pong, 0 bytes"_s);
        QCOMPARE(c.summary(), u"5 answers: 1 same, 3 different (first #2), 1 missing (first #5)"_s);

        c = compareAnswers({}, {step(kPing, "?"_ba, 1, 0, 0)});
        QCOMPARE(c.rows[0].verdict, AnswerVerdict::Extra);
        QCOMPARE(c.rows[0].detail, u"extra: ping, 1 bytes"_s);
        QCOMPARE(c.summary(), u"1 answers: 0 same, 1 extra (first #1)"_s);
        QCOMPARE(compareAnswers(recorded, recorded).summary(), u"5 answers, all the same"_s);
        QCOMPARE(compareAnswers({}, {}).summary(), u"no answers recorded and none received"_s);
        QCOMPARE(answerVerdictName(AnswerVerdict::Missing), u"missing"_s);
    }

    void checksStepsBeforeRunning() {
        QCOMPARE(replayStepsProblem({step(kText, "a"_ba, 1, 0, 0), step(3, {}, 1, 0, 0)}),
                 u"step 2: opcode 0x3 cannot be sent (text, binary, ping, pong or close)"_s);
        QCOMPARE(replayStepsProblem({step(kPing, "a"_ba, 2, 0, 0)}),
                 u"step 1: a ping frame cannot be fragmented (fragments 2)"_s);
        QCOMPARE(replayStepsProblem({step(kText, "a"_ba, 0, 0, 0)}),
                 u"step 1: fragments must be at least 1 (got 0)"_s);
        QCOMPARE(replayStepsProblem({step(kClose, QByteArray(124, 'r'), 1, 0, 0, 1000)}),
                 u"step 1: a close payload is at most 125 bytes (got 126)"_s);
        QCOMPARE(replayStepsProblem({step(kClose, "r"_ba, 1, 0, 0)}),
                 u"step 1: a close with a reason needs a code"_s);
        for (const std::uint16_t code : {0, 999, 1005, 1006, 1015, 2999, 5000}) {
            QCOMPARE(
                replayStepsProblem({step(kClose, "r"_ba, 1, 0, 0, code)}),
                u"step 1: close code %1 may not be sent in a close frame (RFC 6455 §7.4)"_s.arg(
                    code));
        }
        QCOMPARE(replayStepsProblem({step(kClose, {}, 1, 0, 0, 4999)}), QString());
        QCOMPARE(replayStepsProblem({step(kClose, {}, 1, 0, 0, 1000), step(kText, {}, 1, 0, 0),
                                     step(kText, {}, 1, 0, 0)}),
                 u"step 1: a close must be the last step (2 more follow)"_s);
        QCOMPARE(replayStepsProblem({step(kText, {}, 1, 0, 0), step(kClose, {}, 1, 0, 0)}),
                 QString());
    }

    // --- replaying ---------------------------------------------------------------

    void replaysAgainstOurServer() {
        const auto script = replayScriptFromCapture(*document_, 1);
        QVERIFY(script);
        ServerOptions options;
        options.echo = true;
        WebSocketServer server(options);
        QVERIFY2(server.listen(), qPrintable(server.errorString()));
        ServerSide side;
        side.attach(server);

        QString error;
        auto run = replay(*script, u"ws://127.0.0.1:%1/chat?room=1"_s.arg(server.serverPort()),
                          fast(), &error);
        QVERIFY2(run, qPrintable(error));
        QVERIFY(run->runner->connection());
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QCOMPARE(run->error, QString());
        QCOMPARE(side.connections, 1);
        // Byte for byte, with the recorded fragment counts and the close's code and reason.
        QCOMPARE(side.received, untimed(script->steps));
        QCOMPARE(run->runner->stepsSent(), 5);
        // The fragmented message went in its recorded frames.
        QCOMPARE(side.framePayloads, (std::vector<std::uint64_t>{5, 4, 3, 3, 5}));

        const AnswerComparison comparison =
            compareAnswers(script->recordedAnswers, run->runner->answers());
        QCOMPARE(comparison.summary(), u"5 answers, all the same"_s);
        QVERIFY(comparison.allSame());
        // Offsets count from the first step; each answer comes after it.
        QVERIFY(run->runner->answers().front().offsetNs >= 0);
    }

    void replaysRecordedFrameSizes() {
        auto script = replayScriptFromCapture(*document_, 1);
        QVERIFY(script);
        // Sizes an even split never makes, an empty frame among them.
        script->steps[1].frameSizes = {7, 0, 3};
        ServerOptions options;
        options.echo = true;
        WebSocketServer server(options);
        QVERIFY2(server.listen(), qPrintable(server.errorString()));
        ServerSide side;
        side.attach(server);
        QString error;
        auto run = replay(*script, u"ws://127.0.0.1:%1/chat?room=1"_s.arg(server.serverPort()),
                          fast(), &error);
        QVERIFY2(run, qPrintable(error));
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QCOMPARE(run->error, QString());
        QCOMPARE(side.framePayloads, (std::vector<std::uint64_t>{5, 7, 0, 3, 5}));
        QCOMPARE(side.received, untimed(script->steps));

        // Without sizes the count splits it evenly.
        script->steps[1].frameSizes.clear();
        ServerSide evenSide;
        evenSide.attach(server);
        auto even = replay(*script, u"ws://127.0.0.1:%1/chat?room=1"_s.arg(server.serverPort()),
                           fast(), &error);
        QVERIFY2(even, qPrintable(error));
        QVERIFY(spinUntil([&] { return even->finished; }, kWaitMs));
        QCOMPARE(evenSide.framePayloads, (std::vector<std::uint64_t>{5, 4, 3, 3, 5}));
    }

    void checksFrameSizesBeforeRunning() {
        QCOMPARE(replayStepsProblem({sized(step(kText, "abc"_ba, 2, 0, 0), {1, 1})}),
                 u"step 1: the frame sizes add up to 2 bytes, the payload has 3"_s);
        QCOMPARE(replayStepsProblem({sized(step(kText, "abc"_ba, 2, 0, 0), {1, 9})}),
                 u"step 1: the frame sizes add up to more than the payload's 3 bytes"_s);
        QCOMPARE(replayStepsProblem({sized(step(kBinary, "abc"_ba, 3, 0, 0), {1, 2})}),
                 u"step 1: 2 frame sizes for 3 fragments"_s);
        QCOMPARE(replayStepsProblem({sized(step(kPing, "abc"_ba, 1, 0, 0), {3})}),
                 u"step 1: only a text or binary message has frame sizes (opcode is ping)"_s);
        QCOMPARE(replayStepsProblem({sized(step(kText, "abc"_ba, 2, 0, 0), {3, 0})}), QString());
    }

    void reportsTheFirstDifferingByte() {
        const auto script = replayScriptFromCapture(*document_, 1);
        QVERIFY(script);
        WebSocketServer server(ServerOptions{});  // no echo: the test answers
        QVERIFY2(server.listen(), qPrintable(server.errorString()));
        int messages = 0;
        connect(&server, &WebSocketServer::newConnection, this,
                [&messages](WebSocketConnection* c, quint64) {
                    connect(c, &WebSocketConnection::messageReceived, c,
                            [c, &messages](const event::Message& m) {
                                std::vector<std::uint8_t> answer = m.payload;
                                if (++messages == 2) {
                                    answer[4] = 'M';  // "fragmented" -> "fragMented"
                                }
                                c->sendMessage(m.opcode, answer);
                            });
                });
        auto run = replay(*script, u"ws://127.0.0.1:%1/"_s.arg(server.serverPort()), fast());
        QVERIFY(run);
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QCOMPARE(run->error, QString());
        const AnswerComparison c = compareAnswers(script->recordedAnswers, run->runner->answers());
        QCOMPARE(c.summary(), u"5 answers: 4 same, 1 different (first #2)"_s);
        QCOMPARE(c.rows[1].verdict, AnswerVerdict::Different);
        QCOMPARE(c.rows[1].firstDifferentByte, std::optional<qint64>(4));
        QCOMPARE(c.rows[1].detail, u"payload differs at byte 4 (0x6d vs 0x4d; 10 vs 10 bytes)"_s);
    }

    void replaysAgainstPythonEchoServer() {
        const QString missing = pythonWebsocketsMissing();
        if (!missing.isEmpty()) {
            QSKIP(qPrintable(missing));
        }
        auto script = replayScriptFromCapture(*document_, 1);
        QVERIFY(script);
        // python3-websockets answers a close with the client's code and reason.
        script->recordedAnswers.back().payload = "bye"_ba;
        PythonEchoServer python({u"--subprotocol"_s, u"chat"_s});
        QVERIFY2(python.port() != 0, python.errorOutput().constData());
        auto run = replay(*script, python.url(), answerPaced());
        QVERIFY(run);
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QCOMPARE(run->error, QString());
        QCOMPARE(run->runner->connection()->endpoint().subprotocol(), std::string("chat"));
        // What it echoes is what it received: the recorded messages, byte for byte.
        const std::vector<ReplayStep>& answers = run->runner->answers();
        QCOMPARE(answers.size(), std::size_t(5));
        for (int i : {0, 1, 2}) {
            QCOMPARE(answers[std::size_t(i)].opcode, script->steps[std::size_t(i)].opcode);
            QCOMPARE(answers[std::size_t(i)].payload, script->steps[std::size_t(i)].payload);
        }
        const AnswerComparison c = compareAnswers(script->recordedAnswers, answers);
        QCOMPARE(c.summary(), u"5 answers, all the same"_s);
    }

    void replaysACompressedMessageAgainstPython() {
        const QString missing = pythonWebsocketsMissing();
        if (!missing.isEmpty()) {
            QSKIP(qPrintable(missing));
        }
        const auto script = replayScriptFromCapture(*document_, 2);
        QVERIFY(script);
        PythonEchoServer python({u"--compression"_s, u"deflate"_s});
        QVERIFY2(python.port() != 0, python.errorOutput().constData());
        auto run = replay(*script, python.url(), fast());
        QVERIFY(run);
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QCOMPARE(run->error, QString());
        QVERIFY(run->runner->connection()->endpoint().deflate().has_value());
        const AnswerComparison c = compareAnswers(script->recordedAnswers, run->runner->answers());
        QCOMPARE(c.summary(), u"1 answer, the same"_s);
        QCOMPARE(run->runner->answers()[0].payload, kCompressedText);
    }

    // --- pacing ------------------------------------------------------------------

    void pacesAsRecorded() {
        const auto script = replayScriptFromCapture(*document_, 1);
        QVERIFY(script);
        ServerOptions serverOptions;
        serverOptions.echo = true;
        WebSocketServer server(serverOptions);
        QVERIFY(server.listen());
        ReplayOptions options;
        options.pacing = ReplayPacing::AsRecorded;
        options.speed = 2.0;  // recorded gaps of 100 ms become 50 ms
        auto run = replay(*script, u"ws://127.0.0.1:%1/"_s.arg(server.serverPort()), options);
        QVERIFY(run);
        QElapsedTimer first;
        qint64 lastMs = -1;
        connect(run->runner.get(), &ReplayRunner::stepSent, this, [&](int i) {
            if (i == 0) {
                first.start();
            } else if (i == 4) {
                lastMs = first.elapsed();
            }
        });
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QCOMPARE(run->error, QString());
        QVERIFY2(lastMs >= 195, qPrintable(QString::number(lastMs)));  // 400 ms recorded / 2
    }

    void capsLongGaps() {
        ReplayScript script;
        script.steps = {step(kText, "a"_ba, 1, 0, 0), step(kText, "b"_ba, 1, 3'600'000, 0)};
        ServerOptions serverOptions;
        serverOptions.echo = true;
        WebSocketServer server(serverOptions);
        QVERIFY(server.listen());
        ReplayOptions options;
        options.maxGap = std::chrono::milliseconds(100);  // not the hour recorded
        auto run = replay(script, u"ws://127.0.0.1:%1/"_s.arg(server.serverPort()), options);
        QVERIFY(run);
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QCOMPARE(run->runner->stepsSent(), 2);
        QCOMPARE(run->runner->answers().size(), std::size_t(2));
    }

    void pacesByAnswers() {
        const auto script = replayScriptFromCapture(*document_, 1);
        QVERIFY(script);
        WebSocketServer server(ServerOptions{});
        QVERIFY(server.listen());
        // Echoes each message a little later, so a step sent too early shows in the order.
        connect(
            &server, &WebSocketServer::newConnection, this, [](WebSocketConnection* c, quint64) {
                connect(c, &WebSocketConnection::messageReceived, c, [c](const event::Message& m) {
                    QTimer::singleShot(50, c, [c, m] { c->sendMessage(m.opcode, m.payload); });
                });
            });
        ReplayOptions options;
        options.pacing = ReplayPacing::AnswerPaced;
        auto run = replay(*script, u"ws://127.0.0.1:%1/"_s.arg(server.serverPort()), options);
        QVERIFY(run);
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QCOMPARE(run->error, QString());
        QCOMPARE(run->order, (QStringList{u"s0"_s, u"a0"_s, u"s1"_s, u"a1"_s, u"s2"_s, u"a2"_s,
                                          u"s3"_s, u"a3"_s, u"s4"_s, u"a4"_s}));
    }

    // --- failures -----------------------------------------------------------------

    void stopsARun() {
        ReplayScript script;
        script.steps = {step(kText, "a"_ba, 1, 0, 0), step(kText, "b"_ba, 1, 60'000, 0)};
        ServerOptions serverOptions;
        serverOptions.echo = true;
        WebSocketServer server(serverOptions);
        QVERIFY(server.listen());
        ReplayOptions options;
        options.maxGap = std::chrono::milliseconds(60'000);
        auto run = replay(script, u"ws://127.0.0.1:%1/"_s.arg(server.serverPort()), options);
        QVERIFY(run);
        QVERIFY(spinUntil([&] { return run->runner->answers().size() == 1; }, kWaitMs));
        run->runner->stop();
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QCOMPARE(run->error, u"stopped"_s);
        QCOMPARE(run->runner->stepsSent(), 1);
        QVERIFY(!run->runner->running());
    }

    void reportsARefusedConnection() {
        quint16 port = 0;
        {
            WebSocketServer closed(ServerOptions{});
            QVERIFY(closed.listen());
            port = closed.serverPort();
        }
        ReplayScript script;
        script.steps = {step(kText, "a"_ba, 1, 0, 0)};
        auto run = replay(script, u"ws://127.0.0.1:%1/"_s.arg(port), fast());
        QVERIFY(run);
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QVERIFY2(run->error.contains(u"refused"_s, Qt::CaseInsensitive), qPrintable(run->error));
        QCOMPARE(run->runner->stepsSent(), 0);
        QVERIFY(!run->runner->running());
    }

    void reportsAServerThatClosesEarly() {
        ReplayScript script;
        // The server closes after the first message: the step after it cannot go.
        script.steps = {step(kText, "first"_ba, 1, 0, 0), step(kText, "late"_ba, 1, 1000, 1)};
        WebSocketServer server(ServerOptions{});
        QVERIFY(server.listen());
        connect(&server, &WebSocketServer::newConnection, this,
                [](WebSocketConnection* c, quint64) {
                    connect(c, &WebSocketConnection::messageReceived, c,
                            [c](const event::Message&) { c->close(4000, "enough"); });
                });
        ReplayOptions options;
        options.pacing = ReplayPacing::AnswerPaced;
        auto run = replay(script, u"ws://127.0.0.1:%1/"_s.arg(server.serverPort()), options);
        QVERIFY(run);
        QVERIFY(spinUntil([&] { return run->finished; }, kWaitMs));
        QCOMPARE(run->runner->stepsSent(), 1);
        QCOMPARE(
            run->error,
            u"the server closed the connection (close code 4000) before step 2 of 2 was sent"_s);
        QCOMPARE(run->runner->answers().size(), std::size_t(1));
        ReplayStep expected = step(kClose, "enough"_ba, 1, 0, 0, 4000);
        expected.offsetNs = run->runner->answers()[0].offsetNs;
        QCOMPARE(run->runner->answers()[0], expected);
    }

private:
    QTemporaryDir dir_;
    std::unique_ptr<CaptureDocument> document_;
};

QTEST_MAIN(Replay)
#include "tst_replay.moc"
