// The Endpoint state machine, client and server in memory: handshake, echo,
// close handshake, pongs, failures with the right close code, limits,
// permessage-deflate, fragmentation.
#include <sockscope/core/endpoint.h>

#include <QTest>

#include <random>
#include <set>

#include "wire.h"

using namespace sockscope;
using namespace sockscope::test;

namespace {

struct Pair {
    Endpoint client;
    Endpoint server;
    std::vector<EndpointEvent> clientEvents, serverEvents;

    explicit Pair(EndpointConfig c = clientConfig(), EndpointConfig s = serverConfig())
        : client(std::move(c)), server(std::move(s)) {}

    static EndpointConfig clientConfig() {
        EndpointConfig c;
        c.role = Role::Client;
        c.client.host = "localhost:9001";
        c.client.target = "/chat";
        return c;
    }
    static EndpointConfig serverConfig() {
        EndpointConfig s;
        s.role = Role::Server;
        return s;
    }

    // Moves bytes both ways until nothing moves (bounded).
    void pump(std::size_t chunk = SIZE_MAX) {
        for (int round = 0; round < 100000; ++round) {
            bool moved = transfer(client, server, chunk) | transfer(server, client, chunk);
            drain();
            if (!moved)
                return;
        }
        QFAIL("pump did not settle");
    }
    static bool transfer(Endpoint& from, Endpoint& to, std::size_t chunk) {
        auto out = from.pendingOutput();
        if (out.empty())
            return false;
        const std::size_t n = std::min(chunk, out.size());
        Bytes bytes(out.begin(), out.begin() + std::ptrdiff_t(n));
        from.consumeOutput(n);
        to.receive(std::span<std::uint8_t>(bytes));
        return true;
    }
    void drain() {
        while (auto e = client.nextEvent())
            clientEvents.push_back(std::move(*e));
        while (auto e = server.nextEvent())
            serverEvents.push_back(std::move(*e));
    }
    template <typename T>
    static std::vector<T> all(const std::vector<EndpointEvent>& events) {
        std::vector<T> found;
        for (const auto& e : events)
            if (auto* p = std::get_if<T>(&e))
                found.push_back(*p);
        return found;
    }
};

Bytes serverWire(Endpoint& server) {
    auto out = server.pendingOutput();
    return Bytes(out.begin(), out.end());
}

}  // namespace

class TestEndpoint : public QObject {
    Q_OBJECT
private slots:
    void completesHandshakeAndExchangesMessages() {
        Pair p;
        QCOMPARE(p.client.state(), EndpointState::Connecting);
        p.pump();
        QCOMPARE(p.client.state(), EndpointState::Open);
        QCOMPARE(p.server.state(), EndpointState::Open);
        const auto done = Pair::all<event::HandshakeDone>(p.serverEvents);
        QCOMPARE(done.size(), std::size_t(1));
        QCOMPARE(done[0].request.target, std::string("/chat"));
        QCOMPARE(done[0].response.status, 101);

        QVERIFY(p.client.sendText("Hello"));
        QVERIFY(p.server.sendBinary(bytesOf("\x01\x02")));
        p.pump();
        const auto atServer = Pair::all<event::Message>(p.serverEvents);
        QCOMPARE(atServer.size(), std::size_t(1));
        QCOMPARE(atServer[0].text(), std::string_view("Hello"));
        QCOMPARE(int(atServer[0].opcode), int(Opcode::Text));
        const auto atClient = Pair::all<event::Message>(p.clientEvents);
        QCOMPARE(atClient.size(), std::size_t(1));
        QCOMPARE(atClient[0].payload, bytesOf("\x01\x02"));
        // Frames are reported in both directions; client frames are masked.
        const auto sent = Pair::all<event::FrameSent>(p.clientEvents);
        QVERIFY(!sent.empty() && sent.back().header.masked);
        const auto received = Pair::all<event::FrameReceived>(p.clientEvents);
        QVERIFY(!received.empty() && !received.back().header.masked);
    }

    void worksWithInputSplitIntoSingleBytes() {
        Pair p;
        p.pump(1);
        QVERIFY(p.client.sendMessage(std::uint8_t(Opcode::Text), bytesOf("fragmented text"), 4));
        QVERIFY(p.client.ping(bytesOf("p")));
        p.pump(1);
        const auto msgs = Pair::all<event::Message>(p.serverEvents);
        QCOMPARE(msgs.size(), std::size_t(1));
        QCOMPARE(msgs[0].text(), std::string_view("fragmented text"));
        QCOMPARE(msgs[0].frames, std::uint32_t(4));
        QCOMPARE(Pair::all<event::Pong>(p.clientEvents).size(), std::size_t(1));
    }

    void runsTheCloseHandshake() {
        Pair p;
        p.pump();
        QVERIFY(p.client.close(1000, "bye"));
        QCOMPARE(p.client.state(), EndpointState::Closing);
        QVERIFY(!p.client.sendText("too late"));
        p.pump();
        const auto received = Pair::all<event::CloseReceived>(p.serverEvents);
        QCOMPARE(received.size(), std::size_t(1));
        QCOMPARE(*received[0].code, std::uint16_t(1000));
        QCOMPARE(received[0].reason, std::string("bye"));
        QCOMPARE(p.server.state(), EndpointState::Closed);
        QCOMPARE(p.client.state(), EndpointState::Closed);
        QVERIFY(p.server.shouldCloseTransport());
        const auto serverClosed = Pair::all<event::Closed>(p.serverEvents);
        QCOMPARE(serverClosed.size(), std::size_t(1));
        QVERIFY(serverClosed[0].clean);
        QVERIFY(!serverClosed[0].closedByUs);
        const auto clientClosed = Pair::all<event::Closed>(p.clientEvents);
        QCOMPARE(clientClosed.size(), std::size_t(1));
        QVERIFY(clientClosed[0].clean);
        QVERIFY(clientClosed[0].closedByUs);
        QCOMPARE(*clientClosed[0].code, std::uint16_t(1000));  // the server echoed the code
    }

    void echoesMessagesThatShareAReadWithTheClose() {
        Pair p;
        p.pump();
        QVERIFY(p.client.sendText("one"));
        QVERIFY(p.client.sendText("two"));
        QVERIFY(p.client.close(1000, {}));
        Pair::transfer(p.client, p.server, SIZE_MAX);
        int echoed = 0;
        while (auto e = p.server.nextEvent()) {
            if (auto* m = std::get_if<event::Message>(&*e)) {
                QVERIFY(p.server.sendText(m->text()));
                ++echoed;
            }
            p.serverEvents.push_back(std::move(*e));
        }
        QCOMPARE(echoed, 2);
        QCOMPARE(p.server.state(), EndpointState::Closed);
        p.pump();
        const auto atClient = Pair::all<event::Message>(p.clientEvents);
        QCOMPARE(atClient.size(), std::size_t(2));
        QCOMPARE(atClient[1].text(), std::string_view("two"));
        QVERIFY(Pair::all<event::Closed>(p.clientEvents).at(0).clean);
    }

    void letsTheApplicationAnswerACloseItself() {
        EndpointConfig s = Pair::serverConfig();
        s.autoCloseReply = false;
        Pair p(Pair::clientConfig(), s);
        p.pump();
        QVERIFY(p.client.close(4001, "done"));
        p.pump();
        QCOMPARE(p.server.state(), EndpointState::Closing);
        QVERIFY(p.server.sendText("last words"));
        QVERIFY(p.server.close(4001, {}));
        QCOMPARE(p.server.state(), EndpointState::Closed);
        p.pump();
        QCOMPARE(Pair::all<event::Message>(p.clientEvents).size(), std::size_t(1));
        QCOMPARE(*Pair::all<event::Closed>(p.clientEvents).at(0).code, std::uint16_t(4001));
    }

    void answersPingsAutomaticallyUnlessTurnedOff() {
        Pair on;
        on.pump();
        QVERIFY(on.server.ping(bytesOf("abc")));
        on.pump();
        const auto pongs = Pair::all<event::Pong>(on.serverEvents);
        QCOMPARE(pongs.size(), std::size_t(1));
        QCOMPARE(pongs[0].payload, bytesOf("abc"));

        EndpointConfig quiet = Pair::clientConfig();
        quiet.autoPong = false;
        Pair off(quiet);
        off.pump();
        QVERIFY(off.server.ping(bytesOf("abc")));
        off.pump();
        QCOMPARE(Pair::all<event::Ping>(off.clientEvents).size(), std::size_t(1));
        QVERIFY(Pair::all<event::Pong>(off.serverEvents).empty());
    }

    void answersCloseInsideFragmentedMessageWithNormalClose() {
        Pair p;
        p.pump();
        QVERIFY(p.client.sendFrame(std::uint8_t(Opcode::Text), bytesOf("Hel"), false));
        QVERIFY(p.client.close(1000, {}));
        p.pump();
        QVERIFY(Pair::all<event::ProtocolFailed>(p.serverEvents).empty());
        const auto closed = Pair::all<event::Closed>(p.serverEvents);
        QCOMPARE(closed.size(), std::size_t(1));
        QVERIFY(closed[0].clean);
        QCOMPARE(*closed[0].code, std::uint16_t(1000));
    }

    void failsWithTheRightCloseCode_data() {
        QTest::addColumn<QByteArray>("rawHex");
        QTest::addColumn<int>("closeCode");
        QTest::addColumn<QString>("violation");
        auto hex = [](WireFrame f) { return QByteArray::fromStdString(toHex(encode(f))); };
        auto m = [](int op, Bytes payload, bool fin = true, int rsv = 0) {
            WireFrame f;
            f.opcode = op;
            f.payload = std::move(payload);
            f.fin = fin;
            f.rsv = rsv;
            f.masked = true;
            return f;
        };
        WireFrame unmasked{true, 0, 1, bytesOf("x"), false};
        QTest::newRow("unmasked frame 1002") << hex(unmasked) << 1002 << "unmasked-client-frame";
        QTest::newRow("reserved opcode 1002") << hex(m(5, {})) << 1002 << "reserved-opcode";
        QTest::newRow("RSV1 without deflate 1002")
            << hex(m(1, bytesOf("x"), true, 4)) << 1002 << "reserved-bit-set";
        QTest::newRow("long ping 1002")
            << hex(m(9, Bytes(126, 0))) << 1002 << "control-frame-too-long";
        QTest::newRow("invalid utf-8 1007") << hex(m(1, fromHex("ff"))) << 1007 << "invalid-utf8";
        QTest::newRow("invalid close reason 1007")
            << hex(m(8, fromHex("03e8ff"))) << 1007 << "invalid-close-reason";
        QTest::newRow("invalid close code 1002")
            << hex(m(8, fromHex("03ec"))) << 1002 << "invalid-close-code";
        QTest::newRow("too big 1009") << hex(m(2, Bytes(2048, 0))) << 1009 << "message-too-big";
    }
    void failsWithTheRightCloseCode() {
        QFETCH(QByteArray, rawHex);
        QFETCH(int, closeCode);
        QFETCH(QString, violation);
        EndpointConfig s = Pair::serverConfig();
        s.limits.maxMessageSize = 1024;
        Pair p(Pair::clientConfig(), s);
        p.pump();
        // A valid message first: it must be delivered before the failure.
        QVERIFY(p.client.sendText("valid"));
        p.client.sendRaw(fromHex(rawHex.toStdString()));
        Pair::transfer(p.client, p.server, SIZE_MAX);  // both frames in one read
        // Until the application takes the events, nothing is answered: it can
        // still echo the valid message ahead of the failing close.
        QVERIFY(serverWire(p.server).empty());
        std::optional<EndpointEvent> first = p.server.nextEvent();
        while (first && !std::holds_alternative<event::Message>(*first))
            first = p.server.nextEvent();
        QVERIFY(first);
        QVERIFY(p.server.sendText(std::get<event::Message>(*first).text()));
        p.serverEvents.push_back(std::move(*first));
        p.drain();
        Bytes answer = serverWire(p.server);
        const auto msgs = Pair::all<event::Message>(p.serverEvents);
        QCOMPARE(msgs.size(), std::size_t(1));
        QCOMPARE(msgs[0].text(), std::string_view("valid"));
        // The echo (81 05 "valid") comes first, then the close.
        QCOMPARE(toHex(std::span(answer).first(7)),
                 toHex(encode({true, 0, 1, bytesOf("valid"), false})));
        answer.erase(answer.begin(), answer.begin() + 7);
        const auto failed = Pair::all<event::ProtocolFailed>(p.serverEvents);
        QCOMPARE(failed.size(), std::size_t(1));
        QCOMPARE(QString::fromUtf8(failed[0].error.id()), violation);
        // The server's close frame carries the code: 88 len code-hi code-lo ...
        QVERIFY(answer.size() >= 4);
        QCOMPARE(int(answer[0]), 0x88);
        QCOMPARE((answer[2] << 8) | answer[3], closeCode);
        QVERIFY(p.server.shouldCloseTransport());
        QCOMPARE(p.server.state(), EndpointState::Closed);
    }

    void failsFastOnInvalidUtf8WhileFrameIsArriving() {
        Pair p;
        p.pump();
        WireFrame f{true, 0, 1, Bytes(100000, 'a'), true};
        f.payload[10] = 0xC0;  // overlong lead byte
        const Bytes wire = encode(f);
        p.server.receive(std::span<const std::uint8_t>(wire.data(), 64));
        p.drain();  // taking ProtocolFailed writes the close
        QCOMPARE(Pair::all<event::ProtocolFailed>(p.serverEvents).size(), std::size_t(1));
        const Bytes answer = serverWire(p.server);
        QCOMPARE((answer[2] << 8) | answer[3], 1007);
    }

    void carries16MiBIn65536Fragments() {
        Pair p;
        p.pump();
        Bytes big(16u << 20);
        std::mt19937 rng(7);
        for (auto& b : big)
            b = std::uint8_t(rng());
        QVERIFY(p.client.sendMessage(std::uint8_t(Opcode::Binary), big, 65536));
        p.pump(1 << 16);
        const auto msgs = Pair::all<event::Message>(p.serverEvents);
        QCOMPARE(msgs.size(), std::size_t(1));
        QCOMPARE(msgs[0].frames, std::uint32_t(65536));
        QVERIFY(msgs[0].payload == big);
    }

    void rejectsBadHandshakes_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("violation");
        const QByteArray ok =
            "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        QTest::newRow("wrong version 426")
            << QByteArray("GET / HTTP/1.1\r\n" + ok + "Sec-WebSocket-Version: 8\r\n\r\n") << 426
            << "handshake-bad-version";
        QTest::newRow("POST 405") << QByteArray("POST / HTTP/1.1\r\n" + ok +
                                                "Sec-WebSocket-Version: 13\r\n\r\n")
                                  << 405 << "handshake-bad-method";
        QTest::newRow("garbage 400")
            << QByteArray("\x16\x03\x01\x02\x00\x01\r\n\r\n") << 400 << "handshake-malformed";
    }
    void rejectsBadHandshakes() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, violation);
        Endpoint server(Pair::serverConfig());
        server.receive(std::span(reinterpret_cast<const std::uint8_t*>(request.constData()),
                                 std::size_t(request.size())));
        auto e = server.nextEvent();
        QVERIFY(e);
        auto* failed = std::get_if<event::HandshakeFailed>(&*e);
        QVERIFY(failed);
        QCOMPARE(failed->status, status);
        QCOMPARE(QString::fromUtf8(failed->error.id()), violation);
        const auto out = server.pendingOutput();
        const std::string answer(out.begin(), out.end());
        QVERIFY2(answer.rfind("HTTP/1.1 " + std::to_string(status), 0) == 0, answer.c_str());
        if (status == 426)
            QVERIFY(answer.find("Sec-WebSocket-Version: 13\r\n") != std::string::npos);
        QVERIFY(server.shouldCloseTransport());
    }

    void rejectsOversizeHandshake() {
        EndpointConfig s = Pair::serverConfig();
        s.limits.maxHandshakeBytes = 1024;
        Endpoint server(s);
        const std::string flood = "GET / HTTP/1.1\r\nX: " + std::string(2000, 'a');
        server.receive(
            std::span(reinterpret_cast<const std::uint8_t*>(flood.data()), flood.size()));
        auto e = server.nextEvent();
        QVERIFY(e);
        auto* failed = std::get_if<event::HandshakeFailed>(&*e);
        QVERIFY(failed);
        QCOMPARE(failed->status, 431);
    }

    void reportsAbnormalClosureOnEof() {
        Pair p;
        p.pump();
        p.server.receiveEof();
        p.drain();
        const auto closed = Pair::all<event::Closed>(p.serverEvents);
        QCOMPARE(closed.size(), std::size_t(1));
        QVERIFY(!closed[0].clean);
        QCOMPARE(*closed[0].code, std::uint16_t(1006));
    }

    void usesFreshMaskKeys() {
        Pair p;
        p.pump();
        for (int i = 0; i < 50; ++i)
            p.client.sendText("x");
        p.drain();
        std::set<std::array<std::uint8_t, 4>> keys;
        for (const auto& s : Pair::all<event::FrameSent>(p.clientEvents))
            keys.insert(s.header.maskKey);
        QVERIFY(keys.size() >= 49);
    }

    void negotiatesAndUsesPermessageDeflate_data() {
        QTest::addColumn<bool>("clientNoContext");
        QTest::addColumn<bool>("serverNoContext");
        QTest::addColumn<int>("fragments");
        QTest::newRow("context takeover") << false << false << 1;
        QTest::newRow("no context takeover") << true << true << 1;
        QTest::newRow("fragmented, mixed") << true << false << 5;
    }
    void negotiatesAndUsesPermessageDeflate() {
        QFETCH(bool, clientNoContext);
        QFETCH(bool, serverNoContext);
        QFETCH(int, fragments);
        EndpointConfig c = Pair::clientConfig();
        c.client.deflate = DeflateClientOffer{};
        c.client.deflate->clientNoContextTakeover = clientNoContext;
        c.client.deflate->serverNoContextTakeover = serverNoContext;
        EndpointConfig s = Pair::serverConfig();
        s.server.deflate = DeflateServerPolicy{};
        Pair p(c, s);
        p.pump();
        QVERIFY(p.client.deflate());
        QVERIFY(p.server.deflate());
        QCOMPARE(p.server.deflate()->clientNoContextTakeover, clientNoContext);
        std::mt19937 rng(3);
        std::vector<Bytes> sent;
        for (int i = 0; i < 20; ++i) {
            Bytes m(std::size_t(rng() % 5000));
            for (auto& b : m)
                b = std::uint8_t('a' + rng() % 4);  // compressible text
            sent.push_back(m);
            QVERIFY(p.client.sendMessage(std::uint8_t(Opcode::Text), m, std::size_t(fragments)));
            QVERIFY(p.server.sendMessage(std::uint8_t(Opcode::Binary), m, std::size_t(fragments)));
        }
        p.pump(777);
        const auto atServer = Pair::all<event::Message>(p.serverEvents);
        const auto atClient = Pair::all<event::Message>(p.clientEvents);
        QCOMPARE(atServer.size(), sent.size());
        QCOMPARE(atClient.size(), sent.size());
        for (std::size_t i = 0; i < sent.size(); ++i) {
            QVERIFY(atServer[i].payload == sent[i]);
            QVERIFY(atClient[i].payload == sent[i]);
            if (!sent[i].empty())
                QVERIFY(atServer[i].compressed);
        }
        // RSV1 only on the first frame of each message.
        for (const auto& f : Pair::all<event::FrameSent>(p.clientEvents))
            if (f.header.opcode == 0)
                QVERIFY(!f.header.rsv1);
    }
};

QTEST_APPLESS_MAIN(TestEndpoint)
#include "tst_endpoint.moc"
