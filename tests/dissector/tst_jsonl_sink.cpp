// The JSON Lines sink against DESIGN.md's held contract: every event type
// becomes exactly the documented line (field names and order), strings are
// escaped so any capture bytes still give valid JSON and UTF-8, and the
// --only / --conn filter picks the right lines. Every line is also parsed by
// Qt's JSON parser, an independent oracle for "valid JSON".
#include <sockscope/dissector/jsonl_sink.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <type_traits>

#include "wire.h"

using namespace sockscope;
using namespace sockscope::dissector;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

constexpr Timestamp kTs{1700000000, 123456789};  // prints as 1700000000.123456

SocketAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                 std::uint16_t port) {
    SocketAddress s;
    s.ip = {a, b, c, d};
    s.port = port;
    return s;
}

SocketAddress v6Loopback(std::uint16_t port) {
    SocketAddress s;
    s.v6 = true;
    s.ip[15] = 1;
    s.port = port;
    return s;
}

MessageEvent message(std::uint8_t opcode, Bytes payload, Direction dir = Direction::Client) {
    MessageEvent m;
    m.conn = 1;
    m.dir = dir;
    m.ts = kTs;
    m.packet = 17;
    m.opcode = opcode;
    m.length = payload.size();
    m.wireLength = payload.size();
    m.payload = std::move(payload);
    return m;
}

MessageEvent closeMessage(std::optional<std::uint16_t> code, std::string reason) {
    MessageEvent m = message(0x8, {}, Direction::Server);
    m.closeCode = code;
    m.closeReason = std::move(reason);
    return m;
}

HandshakeEvent handshake() {
    HandshakeEvent h;
    h.conn = 1;
    h.ts = kTs;
    h.packet = 5;
    h.target = "/chat";
    h.status = 101;
    h.acceptOk = true;
    h.extensions = "permessage-deflate; client_max_window_bits=15";
    h.requestHeaders = {{"Host", "127.0.0.1:8765"}, {"Upgrade", "websocket"}};
    h.responseHeaders = {{"Upgrade", "websocket"}};
    return h;
}

FrameEvent frame(Direction dir, FrameHeader header) {
    FrameEvent f;
    f.conn = 1;
    f.dir = dir;
    f.ts = kTs;
    f.packet = 17;
    f.header = header;
    return f;
}

struct Case {
    const char* name;
    std::function<std::string()> line;
    std::string expected;
};

const std::vector<Case>& cases() {
    static const std::
        vector<Case>
            all =
                {
                    {"connection/ipv4",
                     [] {
                         ConnectionEvent c{
                             1, v4(127, 0, 0, 1, 53422), v4(127, 0, 0, 1, 8765), kTs, 3, {}};
                         return JsonlSink::line(c);
                     },
                     R"({"event":"connection","conn":1,"client":"127.0.0.1:53422","server":"127.0.0.1:8765","ts":1700000000.123456,"packet":3})"},
                    {"connection/tls",
                     [] {
                         ConnectionEvent c{
                             4, v4(127, 0, 0, 1, 53422), v4(127, 0, 0, 1, 443), kTs, 3, {}};
                         c.tls = TlsConnectionInfo{"TLS 1.3",    "TLS_AES_128_GCM_SHA256",
                                                   "ws.example", {"h2", "http/1.1"},
                                                   "http/1.1",   "found"};
                         return JsonlSink::line(c);
                     },
                     R"({"event":"connection","conn":4,"client":"127.0.0.1:53422","server":"127.0.0.1:443","ts":1700000000.123456,"packet":3,"tls":{"version":"TLS 1.3","cipher_suite":"TLS_AES_128_GCM_SHA256","sni":"ws.example","alpn":"http/1.1","alpn_offered":["h2","http/1.1"],"keys":"found"}})"},
                    {"connection/tls without a ServerHello",
                     [] {
                         ConnectionEvent c{
                             5, v4(127, 0, 0, 1, 53422), v4(127, 0, 0, 1, 443), kTs, 3, {}};
                         c.tls = TlsConnectionInfo{"", "", "", {}, "", "pending"};
                         return JsonlSink::line(c);
                     },
                     R"({"event":"connection","conn":5,"client":"127.0.0.1:53422","server":"127.0.0.1:443","ts":1700000000.123456,"packet":3,"tls":{"version":null,"cipher_suite":null,"sni":null,"alpn":null,"alpn_offered":[],"keys":"pending"}})"},
                    {"connection/ipv6",
                     [] {
                         ConnectionEvent c{2, v6Loopback(40000), v6Loopback(8765), {5, 1000}, 1,
                                           {}};
                         return JsonlSink::line(c);
                     },
                     R"({"event":"connection","conn":2,"client":"[::1]:40000","server":"[::1]:8765","ts":5.000001,"packet":1})"},
                    {"handshake/no subprotocol is null",
                     [] { return JsonlSink::line(handshake()); },
                     R"({"event":"handshake","conn":1,"ts":1700000000.123456,"target":"/chat","status":101,"accept_ok":true,"subprotocol":null,"extensions":"permessage-deflate; client_max_window_bits=15","request_headers":[["Host","127.0.0.1:8765"],["Upgrade","websocket"]],"response_headers":[["Upgrade","websocket"]],"packet":5})"},
                    {"handshake/subprotocol and wrong accept",
                     [] {
                         HandshakeEvent h = handshake();
                         h.subprotocol = "chat";
                         h.acceptOk = false;
                         h.extensions.clear();
                         h.responseHeaders.clear();
                         return JsonlSink::line(h);
                     },
                     R"({"event":"handshake","conn":1,"ts":1700000000.123456,"target":"/chat","status":101,"accept_ok":false,"subprotocol":"chat","extensions":"","request_headers":[["Host","127.0.0.1:8765"],["Upgrade","websocket"]],"response_headers":[],"packet":5})"},
                    {"handshake/detected without one",
                     [] {
                         HandshakeEvent h;
                         h.conn = 3;
                         h.ts = kTs;
                         h.packet = 9;
                         h.detectedWithoutHandshake = true;
                         h.detection = "--ws-port 8765";
                         return JsonlSink::line(h);
                     },
                     R"({"event":"handshake","conn":3,"ts":1700000000.123456,"target":"","status":0,"accept_ok":false,"subprotocol":null,"extensions":"","request_headers":[],"response_headers":[],"packet":9,"detected_without_handshake":true,"detection":"--ws-port 8765"})"},
                    {"frame/masked client text",
                     [] {
                         FrameHeader h;
                         h.opcode = 1;
                         h.masked = true;
                         h.maskKey = {0x37, 0xfa, 0x21, 0x3d};
                         h.payloadLength = 5;
                         return JsonlSink::line(frame(Direction::Client, h));
                     },
                     R"({"event":"frame","conn":1,"dir":"client","ts":1700000000.123456,"packet":17,"fin":true,"rsv1":false,"rsv2":false,"rsv3":false,"opcode":1,"masked":true,"mask":"37fa213d","length":5})"},
                    {"frame/unmasked server, rsv1, 64-bit length",
                     [] {
                         FrameHeader h;
                         h.fin = false;
                         h.rsv1 = true;
                         h.rsv3 = true;
                         h.opcode = 2;
                         h.payloadLength = (1ull << 32) + 5;
                         return JsonlSink::line(frame(Direction::Server, h));
                     },
                     R"({"event":"frame","conn":1,"dir":"server","ts":1700000000.123456,"packet":17,"fin":false,"rsv1":true,"rsv2":false,"rsv3":true,"opcode":2,"masked":false,"mask":null,"length":4294967301})"},
                    {"message/text", [] { return JsonlSink::line(message(0x1, bytesOf("Hello"))); },
                     R"({"event":"message","conn":1,"dir":"client","ts":1700000000.123456,"opcode":"text","frames":1,"compressed":false,"length":5,"payload_b64":"SGVsbG8=","packet":17})"},
                    {"message/binary base64",
                     [] {
                         MessageEvent m = message(0x2, {0x00, 0xff, 0x80, 0x0a}, Direction::Server);
                         m.frames = 3;
                         return JsonlSink::line(m);
                     },
                     R"({"event":"message","conn":1,"dir":"server","ts":1700000000.123456,"opcode":"binary","frames":3,"compressed":false,"length":4,"payload_b64":"AP+ACg==","packet":17})"},
                    {"message/ping empty", [] { return JsonlSink::line(message(0x9, {})); }, R"({"event":"message","conn":1,"dir":"client","ts":1700000000.123456,"opcode":"ping","frames":1,"compressed":false,"length":0,"payload_b64":"","packet":17})"},
                    {"message/pong",
                     [] { return JsonlSink::line(message(0xA, bytesOf("hi"), Direction::Server)); },
                     R"({"event":"message","conn":1,"dir":"server","ts":1700000000.123456,"opcode":"pong","frames":1,"compressed":false,"length":2,"payload_b64":"aGk=","packet":17})"},
                    {"message/close with code",
                     [] {
                         MessageEvent m = closeMessage(1000, "bye");
                         m.payload = {0x03, 0xe8, 'b', 'y', 'e'};
                         m.length = 5;
                         return JsonlSink::line(m);
                     },
                     R"({"event":"message","conn":1,"dir":"server","ts":1700000000.123456,"opcode":"close","frames":1,"compressed":false,"length":5,"payload_b64":"A+hieWU=","close_code":1000,"close_reason":"bye","packet":17})"},
                    {"message/close without code is null",
                     [] { return JsonlSink::line(closeMessage(std::nullopt, "")); },
                     R"({"event":"message","conn":1,"dir":"server","ts":1700000000.123456,"opcode":"close","frames":1,"compressed":false,"length":0,"payload_b64":"","close_code":null,"close_reason":"","packet":17})"},
                    {"message/close reason not UTF-8",
                     [] {
                         MessageEvent m = closeMessage(1002, std::string("a\xff") + "b");
                         m.valid = false;
                         return JsonlSink::line(m);
                     },
                     R"({"event":"message","conn":1,"dir":"server","ts":1700000000.123456,"opcode":"close","frames":1,"compressed":false,"length":0,"payload_b64":"","close_code":1002,"close_reason":"a\ufffdb","packet":17,"valid":false,"close_reason_b64":"Yf9i"})"},
                    {"message/compressed and cut by the payload limit",
                     [] {
                         MessageEvent m = message(0x1, bytesOf("abc"));
                         m.compressed = true;
                         m.length = 1000;
                         m.wireLength = 12;
                         m.payloadTruncated = true;
                         return JsonlSink::line(m);
                     },
                     R"({"event":"message","conn":1,"dir":"client","ts":1700000000.123456,"opcode":"text","frames":1,"compressed":true,"length":1000,"payload_b64":"YWJj","packet":17,"wire_length":12,"payload_truncated":true})"},
                    {"anomaly/with direction",
                     [] {
                         AnomalyEvent a{1,
                                        Direction::Client,
                                        kTs,
                                        17,
                                        "unmasked-client-frame",
                                        "frame at stream offset 0 is not masked",
                                        "RFC 6455 §5.1"};
                         return JsonlSink::line(a);
                     },
                     R"({"event":"anomaly","conn":1,"dir":"client","ts":1700000000.123456,"packet":17,"kind":"unmasked-client-frame","detail":"frame at stream offset 0 is not masked","rfc":"RFC 6455 §5.1"})"},
                    {"anomaly/no connection, no direction, escaped detail",
                     [] {
                         AnomalyEvent a{
                             0, std::nullopt,       kTs,
                             2, "malformed-packet", std::string("say \"hi\"\\\n\t\x01\x7f\0!", 15),
                             ""};
                         return JsonlSink::line(a);
                     },
                     R"({"event":"anomaly","conn":0,"dir":null,"ts":1700000000.123456,"packet":2,"kind":"malformed-packet","detail":"say \"hi\"\\\n\t\u0001\u007f\u0000!","rfc":""})"},
                    {"end/close-handshake",
                     [] {
                         return JsonlSink::line(EndEvent{1, kTs, EndHow::CloseHandshake});
                     },
                     R"({"event":"end","conn":1,"ts":1700000000.123456,"how":"close-handshake"})"},
                    {"end/fin",
                     [] {
                         return JsonlSink::line(EndEvent{1, {0, 0}, EndHow::Fin});
                     },
                     R"({"event":"end","conn":1,"ts":0.000000,"how":"fin"})"},
                    {"end/rst",
                     [] {
                         return JsonlSink::line(EndEvent{4, {1, 999999999}, EndHow::Rst});
                     },
                     R"({"event":"end","conn":4,"ts":1.999999,"how":"rst"})"},
                    {"end/capture-end",
                     [] {
                         return JsonlSink::line(EndEvent{1, kTs, EndHow::CaptureEnd});
                     },
                     R"({"event":"end","conn":1,"ts":1700000000.123456,"how":"capture-end"})"},
                };
    return all;
}

// A detail string holding `bytes`, rendered and cut back to the JSON string literal.
std::string escapedDetail(const std::string& bytes) {
    AnomalyEvent a{1, std::nullopt, kTs, 1, "k", bytes, ""};
    const std::string line = JsonlSink::line(a);
    const std::string start = "\"detail\":";
    const std::size_t from = line.find(start) + start.size();
    const std::size_t to = line.find(",\"rfc\":");
    return line.substr(from, to - from);
}

// Runs a sink over one event of each kind (conn 1 and 2) and returns its output.
std::string sinkOutput(JsonlSinkOptions options) {
    char* data = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&data, &size);
    {
        JsonlSink sink(out, options);
        for (std::uint32_t conn : {1u, 2u}) {
            sink.onConnection({conn, v4(10, 0, 0, 1, 1000), v4(10, 0, 0, 2, 80), kTs, 1, {}});
            HandshakeEvent h = handshake();
            h.conn = conn;
            sink.onHandshake(h);
            FrameEvent f = frame(Direction::Client, {});
            f.conn = conn;
            sink.onFrame(f);
            MessageEvent m = message(0x1, bytesOf("x"));
            m.conn = conn;
            sink.onMessage(m);
            sink.onAnomaly({conn, Direction::Server, kTs, 2, "masked-server-frame", "", ""});
            sink.onEnd({conn, kTs, EndHow::Fin});
        }
        sink.onAnomaly({0, std::nullopt, kTs, 3, "malformed-packet", "", ""});
        if (!sink.ok()) {
            return "write failed";
        }
    }
    std::fclose(out);
    std::string text(data, size);
    std::free(data);
    return text;
}

QStringList eventsAndConns(const std::string& output) {
    QStringList summary;
    for (const QByteArray& line : QByteArray::fromStdString(output).split('\n')) {
        if (line.isEmpty()) {
            continue;
        }
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        summary << o.value(QStringLiteral("event")).toString() + QLatin1Char(' ') +
                       QString::number(o.value(QStringLiteral("conn")).toInt());
    }
    return summary;
}

// What a sink wrote for `events` (each a callable feeding it one event), to a
// memory stream (no descriptor), a file, or a file line by line (live output).
enum class Output { Memory, File, FileEachLine };

std::string written(Output output, const std::vector<std::function<void(JsonlSink&)>>& events) {
    char* data = nullptr;
    std::size_t size = 0;
    std::FILE* out = output == Output::Memory ? open_memstream(&data, &size) : std::tmpfile();
    if (!out) {
        return "cannot open the output";
    }
    {
        JsonlSinkOptions options;
        options.flushEachLine = output == Output::FileEachLine;
        JsonlSink sink(out, options);
        for (const auto& event : events) {
            event(sink);
        }
        if (!sink.flush()) {
            return "write failed";
        }
    }
    std::string text;
    if (output == Output::Memory) {
        std::fclose(out);
        text.assign(data, size);
        std::free(data);
        return text;
    }
    std::rewind(out);
    char buffer[65536];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, out)) > 0;) {
        text.append(buffer, n);
    }
    std::fclose(out);
    return text;
}

FrameEvent frameAt(Timestamp ts) {
    FrameEvent f = frame(Direction::Server, {});
    f.ts = ts;
    return f;
}

}  // namespace

class TestJsonlSink : public QObject {
    Q_OBJECT

private slots:
    void everyEventIsTheContractLine_data() {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < cases().size(); ++i) {
            QTest::newRow(cases()[i].name) << int(i);
        }
    }
    void everyEventIsTheContractLine() {
        QFETCH(int, index);
        const Case& c = cases()[std::size_t(index)];
        const std::string line = c.line();
        QCOMPARE(QString::fromStdString(line), QString::fromStdString(c.expected));
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(line), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QVERIFY(doc.isObject());
    }

    void stringsAreEscapedToValidJsonAndUtf8_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("escaped");
        QTest::addColumn<QString>("parsed");  // what a JSON parser reads back
        QTest::newRow("plain") << QByteArray("abc") << QByteArray(R"("abc")") << u"abc"_s;
        QTest::newRow("two-byte utf-8 kept")
            << QByteArray("caf\xc3\xa9") << QByteArray("\"caf\xc3\xa9\"") << u"café"_s;
        QTest::newRow("four-byte utf-8 kept")
            << QByteArray("\xf0\x9f\x98\x80") << QByteArray("\"\xf0\x9f\x98\x80\"")
            << QString::fromUtf8("\xf0\x9f\x98\x80");
        QTest::newRow("stray continuation byte")
            << QByteArray("a\x80z") << QByteArray(R"("a\ufffdz")") << u"a\ufffdz"_s;
        QTest::newRow("overlong nul, each byte replaced")
            << QByteArray("\xc0\x80") << QByteArray(R"("\ufffd\ufffd")") << u"\ufffd\ufffd"_s;
        QTest::newRow("utf-16 surrogate")
            << QByteArray("\xed\xa0\x80") << QByteArray(R"("\ufffd\ufffd\ufffd")")
            << u"\ufffd\ufffd\ufffd"_s;
        QTest::newRow("above U+10FFFF")
            << QByteArray("\xf4\x90\x80\x80") << QByteArray(R"("\ufffd\ufffd\ufffd\ufffd")")
            << u"\ufffd\ufffd\ufffd\ufffd"_s;
        QTest::newRow("truncated sequence at the end")
            << QByteArray("x\xe2\x82") << QByteArray(R"("x\ufffd\ufffd")") << u"x\ufffd\ufffd"_s;
        QTest::newRow("control characters")
            << QByteArray("\b\f\x1f", 3) << QByteArray(R"("\b\f\u001f")") << u"\b\f\u001f"_s;
        QTest::newRow("nul byte") << QByteArray("a\0b", 3) << QByteArray(R"("a\u0000b")")
                                  << QString(QStringLiteral("a") + QChar(0) + u"b"_s);
    }
    void stringsAreEscapedToValidJsonAndUtf8() {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, escaped);
        QFETCH(QString, parsed);
        const std::string out = escapedDetail(bytes.toStdString());
        QCOMPARE(QByteArray::fromStdString(out), escaped);
        const QJsonDocument doc =
            QJsonDocument::fromJson("[" + QByteArray::fromStdString(out) + "]");
        QCOMPARE(doc.array().at(0).toString(), parsed);
    }

    void filterKeepsOnlyTheChosenKinds_data() {
        QTest::addColumn<QString>("only");
        QTest::addColumn<int>("conn");  // 0: every connection
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("everything")
            << QString() << 0
            << QStringList{u"connection 1"_s, u"handshake 1"_s, u"frame 1"_s,      u"message 1"_s,
                           u"anomaly 1"_s,    u"end 1"_s,       u"connection 2"_s, u"handshake 2"_s,
                           u"frame 2"_s,      u"message 2"_s,   u"anomaly 2"_s,    u"end 2"_s,
                           u"anomaly 0"_s};
        QTest::newRow("messages") << u"messages"_s << 0
                                  << QStringList{u"message 1"_s, u"message 2"_s};
        QTest::newRow("frames of conn 2") << u"frames"_s << 2 << QStringList{u"frame 2"_s};
        QTest::newRow("anomalies, also without a connection")
            << u"anomalies"_s << 0 << QStringList{u"anomaly 1"_s, u"anomaly 2"_s, u"anomaly 0"_s};
        QTest::newRow("messages and anomalies of conn 1")
            << u"messages,anomalies"_s << 1 << QStringList{u"message 1"_s, u"anomaly 1"_s};
    }
    void filterKeepsOnlyTheChosenKinds() {
        QFETCH(QString, only);
        QFETCH(int, conn);
        QFETCH(QStringList, expected);
        JsonlSinkOptions options;
        if (!only.isEmpty()) {
            std::string error;
            const auto kinds = parseEventKinds(only.toStdString(), error);
            QVERIFY2(kinds, error.c_str());
            options.filter.kinds = *kinds;
        }
        if (conn != 0) {
            options.filter.conn = std::uint32_t(conn);
        }
        QCOMPARE(eventsAndConns(sinkOutput(options)), expected);
    }

    void unknownEventKindIsAnError() {
        std::string error;
        QVERIFY(!parseEventKinds("messages,packets", error));
        QCOMPARE(QString::fromStdString(error),
                 u"unknown event kind 'packets' (connections, handshakes, frames, messages, "
                 "anomalies, ends)"_s);
        QVERIFY(!parseEventKinds("", error));
    }

    void everyLineEndsWithANewline() {
        const std::string out = sinkOutput({});
        QCOMPARE(std::count(out.begin(), out.end(), '\n'), 13);
        QVERIFY(out.ends_with('\n'));
    }

    // Payloads of 16 KiB and more are encoded in chunks and written straight
    // to a real descriptor; the lines must equal the ones built in memory,
    // in order with the lines around them, at chunk boundaries too.
    void largePayloadsWrittenDirectlyAreTheSameLines() {
        std::FILE* out = std::tmpfile();
        QVERIFY(out != nullptr);
        std::string expected;
        {
            JsonlSink sink(out, {});
            // 16 KiB: written directly from here on; 48 KiB: one chunk.
            for (std::size_t size : {std::size_t(16383), std::size_t(16384), std::size_t(49151),
                                     std::size_t(49152), std::size_t(49153), std::size_t(98304),
                                     std::size_t(98305), std::size_t(300001)}) {
                Bytes payload(size);
                for (std::size_t i = 0; i < size; ++i)
                    payload[i] = std::uint8_t(i * 7 + size);
                const MessageEvent m = message(0x2, payload);
                sink.onMessage(m);
                expected += JsonlSink::line(m) + '\n';
                const EndEvent end{1, kTs, EndHow::Fin};
                sink.onEnd(end);
                expected += JsonlSink::line(end) + '\n';
            }
            QVERIFY(sink.flush());
        }
        std::rewind(out);
        std::string written;
        char buffer[65536];
        for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, out)) > 0;)
            written.append(buffer, n);
        std::fclose(out);
        QCOMPARE(written.size(), expected.size());
        QVERIFY(written == expected);
    }

    // Frame and message lines write their numbers in place: every digit
    // count, both sides of 2^32 (32-bit fast path) and the 64-bit maximum.
    void numbersOfEveryWidth() {
        std::vector<std::uint64_t> values{0, 4294967295ull, 4294967296ull, ~0ull};
        for (std::uint64_t power = 1; power <= 10000000000000000000ull; power *= 10) {
            values.push_back(power - 1);
            values.push_back(power);
            values.push_back(power + 1);
            if (power == 10000000000000000000ull) {
                break;
            }
        }
        for (const std::uint64_t v : values) {
            FrameHeader h;
            h.opcode = 2;
            h.payloadLength = v;
            FrameEvent f = frame(Direction::Server, h);
            f.packet = v;
            f.conn = std::uint32_t(v);
            const std::string n = std::to_string(v);
            QCOMPARE(QString::fromStdString(JsonlSink::line(f)),
                     QString::fromStdString(
                         R"({"event":"frame","conn":)" + std::to_string(std::uint32_t(v)) +
                         R"(,"dir":"server","ts":1700000000.123456,"packet":)" + n +
                         R"(,"fin":true,"rsv1":false,"rsv2":false,"rsv3":false,"opcode":2,)"
                         R"("masked":false,"mask":null,"length":)" +
                         n + "}"));
            MessageEvent m = message(0x2, {});
            m.length = v;
            m.frames = std::uint32_t(v);
            m.compressed = true;
            m.wireLength = v;
            QCOMPARE(QString::fromStdString(JsonlSink::line(m)),
                     QString::fromStdString(
                         R"({"event":"message","conn":1,"dir":"client","ts":1700000000.123456,)"
                         R"("opcode":"binary","frames":)" +
                         std::to_string(std::uint32_t(v)) + R"(,"compressed":true,"length":)" + n +
                         R"(,"payload_b64":"","packet":17,"wire_length":)" + n + "}"));
        }
    }

    // A sink reuses the text of the last whole seconds: the seconds must
    // change when they change, negative ones never come from that text, and
    // nanoseconds past 999999999 still print as .999999.
    void timestampsInSequence() {
        const std::vector<std::pair<Timestamp, std::string>> times = {
            {{1700000000, 123456789}, "1700000000.123456"},
            {{1700000000, 999}, "1700000000.000000"},
            {{1700000001, 5000}, "1700000001.000005"},
            {{9, 1999999999}, "9.999999"},
            {{-1, 250000000}, "-0.750000"},
            {{-1, 0}, "-1.000000"},
            {{0, 0}, "0.000000"},
            {{1700000001, 0}, "1700000001.000000"},
            {{std::numeric_limits<std::int64_t>::max(), 1000}, "9223372036854775807.000001"},
            {{std::numeric_limits<std::int64_t>::min(), 0}, "-9223372036854775808.000000"},
            {{std::numeric_limits<std::int64_t>::min(), 1}, "-9223372036854775807.999999"},
            {{1700000000, 123456789}, "1700000000.123456"},
        };
        std::vector<std::function<void(JsonlSink&)>> events;
        std::string expected;
        for (const auto& [ts, text] : times) {
            events.push_back([ts](JsonlSink& sink) { sink.onFrame(frameAt(ts)); });
            MessageEvent m = message(0x1, bytesOf("t"), Direction::Server);
            m.ts = ts;
            events.push_back([m](JsonlSink& sink) { sink.onMessage(m); });
            expected += R"({"event":"frame","conn":1,"dir":"server","ts":)" + text +
                        R"(,"packet":17,"fin":true,"rsv1":false,"rsv2":false,"rsv3":false,)"
                        R"("opcode":0,"masked":false,"mask":null,"length":0})"
                        "\n";
            expected += R"({"event":"message","conn":1,"dir":"server","ts":)" + text +
                        R"(,"opcode":"text","frames":1,"compressed":false,"length":1,)"
                        R"("payload_b64":"dA==","packet":17})"
                        "\n";
        }
        QCOMPARE(QString::fromStdString(written(Output::Memory, events)),
                 QString::fromStdString(expected));
    }

    // Lines built in place and lines built as text (close messages, anomalies,
    // handshakes), payloads in the batch and written directly, many batches:
    // whatever the output, the sink writes exactly line() of each event.
    void sinkWritesExactlyTheLinesOfItsEvents_data() {
        QTest::addColumn<int>("output");
        QTest::newRow("memory stream") << int(Output::Memory);
        QTest::newRow("file") << int(Output::File);
        QTest::newRow("file, line by line") << int(Output::FileEachLine);
    }
    void sinkWritesExactlyTheLinesOfItsEvents() {
        QFETCH(int, output);
        std::mt19937 rng(17);
        std::vector<std::function<void(JsonlSink&)>> events;
        std::string expected;
        const auto add = [&](const auto& event) {
            events.push_back([event](JsonlSink& sink) {
                if constexpr (std::is_same_v<std::decay_t<decltype(event)>, FrameEvent>) {
                    sink.onFrame(event);
                } else if constexpr (std::is_same_v<std::decay_t<decltype(event)>, MessageEvent>) {
                    sink.onMessage(event);
                } else if constexpr (std::is_same_v<std::decay_t<decltype(event)>, AnomalyEvent>) {
                    sink.onAnomaly(event);
                } else {
                    sink.onHandshake(event);
                }
            });
            expected += JsonlSink::line(event) + '\n';
        };
        const std::size_t sizes[] = {0, 1, 2, 3, 47, 48, 49, 500, 16383, 16384, 49152, 70001};
        for (int i = 0; i < 600; ++i) {
            const Timestamp ts{1700000000 + i / 50, std::uint32_t(rng() % 1000000000)};
            FrameHeader h;
            h.masked = i % 2 == 0;
            h.maskKey = {std::uint8_t(rng()), std::uint8_t(rng()), std::uint8_t(rng()),
                         std::uint8_t(rng())};
            h.payloadLength = rng();
            FrameEvent f = frame(h.masked ? Direction::Client : Direction::Server, h);
            f.ts = ts;
            f.packet = std::uint64_t(i) * 1000;
            add(f);
            Bytes payload(sizes[std::size_t(i) % std::size(sizes)]);
            for (auto& b : payload) {
                b = std::uint8_t(rng());
            }
            MessageEvent m = message(i % 3 == 0 ? 0x1 : 0x2, payload,
                                     h.masked ? Direction::Client : Direction::Server);
            m.ts = ts;
            m.compressed = i % 4 == 0;
            m.valid = i % 5 != 0;
            m.payloadTruncated = i % 7 == 0;
            add(m);
            if (i % 10 == 0) {
                MessageEvent close =
                    closeMessage(i % 20 == 0 ? std::optional<std::uint16_t>(1000) : std::nullopt,
                                 i % 30 == 0 ? "bye \xff\"" : "bye");
                close.ts = ts;
                add(close);
                add(AnomalyEvent{1, Direction::Client, ts, 3, "kind", "detail \"x\"\n", "rfc"});
                add(handshake());
            }
        }
        const std::string out = written(Output(output), events);
        QCOMPARE(out.size(), expected.size());
        QVERIFY(out == expected);
    }
};

QTEST_APPLESS_MAIN(TestJsonlSink)
#include "tst_jsonl_sink.moc"
