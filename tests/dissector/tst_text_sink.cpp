// The text sink: one readable line per event (tshark-like), with times
// relative to the capture's first packet, escaped and cut previews, and the
// same --only / --conn filter as the JSON Lines sink.
#include <sockscope/dissector/text_sink.h>

#include <QTest>
#include <cstdio>
#include <functional>

#include "wire.h"

using namespace sockscope;
using namespace sockscope::dissector;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

constexpr Timestamp kOrigin{1700000000, 0};
constexpr Timestamp kTs{1700000000, 123456};  // 0.000123 after the origin

SocketAddress address(std::uint8_t last, std::uint16_t port) {
    SocketAddress s;
    s.ip = {127, 0, 0, last};
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
    m.payload = std::move(payload);
    return m;
}

// Feeds one event to a fresh sink (time origin kOrigin) and returns its output.
std::string render(const std::function<void(TextSink&)>& feed, TextSinkOptions options = {}) {
    char* data = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&data, &size);
    {
        TextSink sink(out, options);
        sink.setTimeOrigin(kOrigin);
        feed(sink);
    }
    std::fclose(out);
    std::string text(data, size);
    std::free(data);
    return text;
}

struct Case {
    const char* name;
    std::function<void(TextSink&)> feed;
    std::string expected;
};

const std::vector<Case>& cases() {
    static const std::vector<Case> all = {
        {"connection",
         [](TextSink& s) {
             s.onConnection({1, address(1, 53422), address(2, 8765), kTs, 3, {}});
         },
         "3 0.000123 1 connection 127.0.0.1:53422 → 127.0.0.2:8765\n"},
        {"connection inside TLS",
         [](TextSink& s) {
             ConnectionEvent e{1, address(1, 53422), address(2, 443), kTs, 3, {}};
             e.tls = TlsConnectionInfo{"TLS 1.2",    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                       "ws.example", {"http/1.1"},
                                       "",           "missing"};
             s.onConnection(e);
         },
         "3 0.000123 1 connection 127.0.0.1:53422 → 127.0.0.2:443 TLS 1.2 "
         "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 sni=\"ws.example\" alpn=- keys=missing\n"},
        {"handshake",
         [](TextSink& s) {
             HandshakeEvent h;
             h.conn = 1;
             h.ts = kTs;
             h.packet = 5;
             h.target = "/chat";
             h.status = 101;
             h.acceptOk = true;
             h.subprotocol = "chat";
             h.extensions = "permessage-deflate";
             s.onHandshake(h);
         },
         "5 0.000123 1 handshake GET \"/chat\" → 101 accept=ok subprotocol=\"chat\" "
         "extensions=\"permessage-deflate\"\n"},
        {"handshake with a wrong accept and nothing negotiated",
         [](TextSink& s) {
             HandshakeEvent h;
             h.conn = 2;
             h.ts = kTs;
             h.packet = 5;
             h.target = "/";
             h.status = 101;
             s.onHandshake(h);
         },
         "5 0.000123 2 handshake GET \"/\" → 101 accept=WRONG subprotocol=- extensions=-\n"},
        {"handshake not seen",
         [](TextSink& s) {
             HandshakeEvent h;
             h.conn = 1;
             h.ts = kTs;
             h.packet = 9;
             h.detectedWithoutHandshake = true;
             h.detection = "--ws-port 8765";
             s.onHandshake(h);
         },
         "9 0.000123 1 handshake not seen: --ws-port 8765\n"},
        {"masked client frame",
         [](TextSink& s) {
             FrameEvent f;
             f.conn = 1;
             f.ts = kTs;
             f.packet = 17;
             f.header.opcode = 1;
             f.header.masked = true;
             f.header.maskKey = {0x37, 0xfa, 0x21, 0x3d};
             f.header.payloadLength = 5;
             s.onFrame(f);
         },
         "17 0.000123 1 client→server frame fin=1 op=text mask=37fa213d len=5\n"},
        {"unmasked server continuation with rsv1",
         [](TextSink& s) {
             FrameEvent f;
             f.conn = 1;
             f.dir = Direction::Server;
             f.ts = kTs;
             f.packet = 18;
             f.header.fin = false;
             f.header.rsv1 = true;
             f.header.opcode = 0;
             f.header.payloadLength = 70000;
             s.onFrame(f);
         },
         "18 0.000123 1 server→client frame fin=0 rsv=100 op=continuation mask=- len=70000\n"},
        {"text message", [](TextSink& s) { s.onMessage(message(1, bytesOf("Hello"))); },
         "17 0.000123 1 client→server message text 5 B \"Hello\"\n"},
        {"text message escaped",
         [](TextSink& s) { s.onMessage(message(1, bytesOf("a\"b\\\n\x01\xff"))); },
         "17 0.000123 1 client→server message text 7 B \"a\\\"b\\\\\\n\\x01\\xff\"\n"},
        {"long text message cut at a character boundary",
         [](TextSink& s) {
             std::string text(79, 'x');
             text += "\xc3\xa9tail";  // é straddles the 80-byte cut
             s.onMessage(message(1, bytesOf(text)));
         },
         "17 0.000123 1 client→server message text 85 B \"" + std::string(79, 'x') + "\"…\n"},
        {"fragmented compressed binary message",
         [](TextSink& s) {
             MessageEvent m = message(2, {0x00, 0x01, 0xfe}, Direction::Server);
             m.frames = 3;
             m.compressed = true;
             m.wireLength = 9;
             s.onMessage(m);
         },
         "17 0.000123 1 server→client message binary 3 B frames=3 deflate=9B 0001fe\n"},
        {"close with code and reason",
         [](TextSink& s) {
             MessageEvent m = message(8, {}, Direction::Server);
             m.closeCode = 1000;
             m.closeReason = "bye";
             s.onMessage(m);
         },
         "17 0.000123 1 server→client message close 1000 (Normal Closure) \"bye\"\n"},
        {"close without code", [](TextSink& s) { s.onMessage(message(8, {})); },
         "17 0.000123 1 client→server message close no-code\n"},
        {"invalid message cut by the payload limit",
         [](TextSink& s) {
             MessageEvent m = message(1, bytesOf("ab"));
             m.length = 10;
             m.payloadTruncated = true;
             m.valid = false;
             s.onMessage(m);
         },
         "17 0.000123 1 client→server message text 10 B \"ab\" (payload cut at 2 B) INVALID\n"},
        {"anomaly",
         [](TextSink& s) {
             s.onAnomaly({1, Direction::Client, kTs, 17, "unmasked-client-frame",
                          "frame 2 is not masked", "RFC 6455 §5.1"});
         },
         "17 0.000123 1 client→server ! unmasked-client-frame (RFC 6455 §5.1): frame 2 is not "
         "masked\n"},
        {"anomaly without connection or rfc",
         [](TextSink& s) {
             s.onAnomaly({0, std::nullopt, kTs, 4, "malformed-packet", "bad\nline", ""});
         },
         "4 0.000123 - ! malformed-packet: bad\\nline\n"},
        {"end",
         [](TextSink& s) {
             s.onEnd({1, {1700000002, 500000000}, EndHow::CloseHandshake});
         },
         "- 2.500000 1 end close-handshake\n"},
    };
    return all;
}

}  // namespace

class TestTextSink : public QObject {
    Q_OBJECT

private slots:
    void everyEventIsOneReadableLine_data() {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < cases().size(); ++i) {
            QTest::newRow(cases()[i].name) << int(i);
        }
    }
    void everyEventIsOneReadableLine() {
        QFETCH(int, index);
        const Case& c = cases()[std::size_t(index)];
        QCOMPARE(QString::fromStdString(render(c.feed)), QString::fromStdString(c.expected));
    }

    void timesAreRelativeToTheFirstEventWithoutAnOrigin() {
        char* data = nullptr;
        std::size_t size = 0;
        std::FILE* out = open_memstream(&data, &size);
        {
            TextSink sink(out);
            sink.onEnd({1, {10, 0}, EndHow::Fin});
            sink.onEnd({2, {11, 250000000}, EndHow::Rst});
        }
        std::fclose(out);
        const QString text = QString::fromUtf8(data, qsizetype(size));
        std::free(data);
        QCOMPARE(text, u"- 0.000000 1 end fin\n- 1.250000 2 end rst\n"_s);
    }

    void filterDropsOtherKindsAndConnections() {
        TextSinkOptions options;
        options.filter.kinds = static_cast<std::uint32_t>(EventKind::Message);
        options.filter.conn = 2;
        const std::string out = render(
            [](TextSink& s) {
                s.onEnd({2, kTs, EndHow::Fin});
                s.onMessage(message(1, bytesOf("one")));
                MessageEvent m = message(1, bytesOf("two"));
                m.conn = 2;
                s.onMessage(m);
            },
            options);
        QCOMPARE(QString::fromStdString(out),
                 u"17 0.000123 2 client→server message text 3 B \"two\"\n"_s);
    }
};

QTEST_APPLESS_MAIN(TestTextSink)
#include "tst_text_sink.moc"
