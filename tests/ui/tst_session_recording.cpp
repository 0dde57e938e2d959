// Console sessions shown like captures (issue 5): our WebSocketClient against
// our WebSocketServer in this process, each side recorded by its own
// SessionRecorder and read by a CaptureDocument through openStream. The
// documents must show exactly what went over the sockets: messages (payload,
// opcode, direction, frame count, compression), every frame with the client's
// real mask keys, the handshake's headers, the close code and reason, how the
// connection ended and the sockets' real addresses. A saved session reopens
// with the same messages, tshark reads the same payloads from it, and its
// JSON Lines export equals the CLI's output for the saved file.
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "../dissector/tshark_messages.h"
#include "inspector/capture_document.h"
#include "inspector/jsonl_export.h"
#include "session/session_recorder.h"
#include "session/websocket_client.h"
#include "session/websocket_server.h"
#include "test_certificate.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::ui;
using dissector::Direction;
using dissector::EndHow;
using namespace Qt::StringLiterals;

namespace {

constexpr int kWaitMs = 20000;
// What a person watching the session would call "at once" (batches go every 100 ms).
constexpr int kLiveMs = 2000;

QByteArray bytes(std::span<const std::uint8_t> data) {
    return QByteArray(reinterpret_cast<const char*>(data.data()), qsizetype(data.size()));
}

std::span<const std::uint8_t> span(const QByteArray& data) {
    return {reinterpret_cast<const std::uint8_t*>(data.constData()), std::size_t(data.size())};
}

// A message as expected, or as a document shows it.
struct Seen {
    bool fromServer = false;
    int opcode = 0;
    std::uint32_t frames = 0;
    bool compressed = false;
    QByteArray payload;  // a close message's whole body (code and reason)
    std::optional<std::uint16_t> closeCode;
    bool operator==(const Seen&) const = default;
};

QString describe(const Seen& m) {
    return QStringLiteral("%1 op=%2 frames=%3 %4 len=%5 code=%6 [%7]")
        .arg(m.fromServer ? u"server" : u"client")
        .arg(m.opcode)
        .arg(m.frames)
        .arg(m.compressed ? u"deflated" : u"plain")
        .arg(m.payload.size())
        .arg(m.closeCode ? int(*m.closeCode) : -1)
        .arg(QString::fromLatin1(m.payload.left(24).toHex()));
}

QString difference(const std::vector<Seen>& actual, const std::vector<Seen>& expected) {
    QString out;
    for (std::size_t i = 0; i < std::max(actual.size(), expected.size()); ++i) {
        const QString a = i < actual.size() ? describe(actual[i]) : QStringLiteral("(none)");
        const QString e = i < expected.size() ? describe(expected[i]) : QStringLiteral("(none)");
        if (i >= actual.size() || i >= expected.size() || !(actual[i] == expected[i]))
            out += QStringLiteral("\n  #%1 got %2\n      want %3").arg(i).arg(a, e);
    }
    return out;
}

std::vector<Seen> messagesOf(const CaptureDocument& doc, std::uint32_t conn = 0) {
    std::vector<Seen> out;
    const CaptureIndex& index = doc.index();
    for (RowId row = 0; row < index.messageCount(); ++row) {
        const MessageRecord m = index.message(row);
        if (conn != 0 && m.conn != conn)
            continue;
        const MessageBytes payload = doc.messageBytes(row, std::size_t(-1));
        Seen seen{m.fromServer(),
                  m.opcode,
                  m.frames,
                  (m.flags & message_flag::Compressed) != 0,
                  payload.complete ? bytes(payload.payload) : QByteArray("(incomplete)"),
                  std::nullopt};
        if (m.flags & message_flag::HasCloseCode)
            seen.closeCode = m.closeCode;
        out.push_back(std::move(seen));
    }
    return out;
}

// A frame as one side sent it, or as a document shows it.
struct FrameSeen {
    bool fromServer = false;
    int opcode = 0;
    bool fin = false;
    bool rsv1 = false;
    bool masked = false;
    MaskKey key{};
    std::uint64_t length = 0;
    bool operator==(const FrameSeen&) const = default;
};

std::vector<FrameSeen> framesOf(const CaptureDocument& doc, Direction dir, std::uint32_t conn) {
    std::vector<FrameSeen> out;
    const CaptureIndex& index = doc.index();
    for (RowId row = 0; row < index.frameCount(); ++row) {
        const FrameRecord f = index.frame(row);
        if (f.conn != conn || f.direction() != dir)
            continue;
        FrameSeen seen{f.fromServer(),
                       f.opcode,
                       (f.flags & frame_flag::Fin) != 0,
                       (f.flags & frame_flag::Rsv1) != 0,
                       (f.flags & frame_flag::Masked) != 0,
                       {},
                       f.payloadLength};
        if (seen.masked) {
            const FrameBytes read = doc.frameBytes(row, 0);
            if (read.maskKey)
                seen.key = *read.maskKey;
        }
        out.push_back(seen);
    }
    return out;
}

FrameSeen sentFrame(const FrameHeader& h, bool fromServer) {
    return {fromServer,     h.opcode, h.fin, h.rsv1, h.masked, h.masked ? h.maskKey : MaskKey{},
            h.payloadLength};
}

QByteArray closeBody(std::uint16_t code, const QByteArray& reason) {
    QByteArray body;
    body.append(char(code >> 8)).append(char(code & 0xFF)).append(reason);
    return body;
}

// Everything one of our connections reported, for the expectations.
struct Peer {
    WebSocketConnection* connection = nullptr;
    bool server = false;
    std::optional<event::HandshakeDone> handshake;
    std::optional<dissector::SocketAddress> local;  // kept: a closed socket forgets it
    std::vector<FrameHeader> sent;
    std::vector<event::Message> messages;
    std::vector<event::Pong> pongs;
    std::vector<event::Ping> pings;
    std::optional<event::Closed> closed;
    QObject context;

    void attach(WebSocketConnection* c, bool isServer) {
        connection = c;
        server = isServer;
        QObject::connect(c, &WebSocketConnection::handshakeDone, &context,
                         [this](const event::HandshakeDone& e) {
                             handshake = e;
                             local = toSocketAddress(connection->socket()->localAddress(),
                                                     connection->socket()->localPort());
                         });
        QObject::connect(c, &WebSocketConnection::frameSent, &context,
                         [this](const event::FrameSent& e) { sent.push_back(e.header); });
        QObject::connect(c, &WebSocketConnection::messageReceived, &context,
                         [this](const event::Message& e) { messages.push_back(e); });
        QObject::connect(c, &WebSocketConnection::pongReceived, &context,
                         [this](const event::Pong& e) { pongs.push_back(e); });
        QObject::connect(c, &WebSocketConnection::pingReceived, &context,
                         [this](const event::Ping& e) { pings.push_back(e); });
        QObject::connect(c, &WebSocketConnection::closed, &context,
                         [this](const event::Closed& e) { closed = e; });
    }
    std::vector<FrameSeen> sentFrames() const {
        std::vector<FrameSeen> out;
        for (const FrameHeader& h : sent)
            out.push_back(sentFrame(h, server));
        return out;
    }
};

// A recorder whose stream a document reads.
struct Recorded {
    SessionRecorder recorder;
    CaptureDocument document;

    bool start(const QString& name) {
        QString error;
        if (!recorder.start(&error)) {
            qWarning() << "recorder:" << error;
            return false;
        }
        if (!document.openStream(recorder.takeReadFd(), name)) {
            qWarning() << "openStream:" << document.error();
            return false;
        }
        return true;
    }
    // Ends the stream and waits for the document to finish; its error (empty: fine).
    QString finish() {
        recorder.finish();
        if (!QTest::qWaitFor([this] { return !document.loading(); }, kWaitMs))
            return QStringLiteral("the document did not finish");
        return document.error().isEmpty() ? QString() : document.error();
    }
};

// Our server and clients, each side recorded.
struct Rig {
    explicit Rig(bool deflate) {
        ServerOptions serverOptions;
        serverOptions.deflate = deflate;
        server = std::make_unique<WebSocketServer>(serverOptions);
        clientOptions.deflate = deflate;
        QObject::connect(server.get(), &WebSocketServer::newConnection, &context,
                         [this](WebSocketConnection* c, quint64) {
                             // Recorded before any of its bytes are read.
                             serverSide.recorder.record(c);
                             auto peer = std::make_unique<Peer>();
                             peer->attach(c, true);
                             serverPeers.push_back(std::move(peer));
                         });
    }
    bool start(const QHostAddress& address = QHostAddress(QHostAddress::LocalHost)) {
        return server->listen(address, 0) && clientSide.start(QStringLiteral("client session")) &&
               serverSide.start(QStringLiteral("server session"));
    }
    // Opens a client connection (recorded) and waits for both handshakes.
    Peer* connect(const QString& host = QStringLiteral("127.0.0.1")) {
        auto client = std::make_unique<WebSocketClient>(clientOptions);
        const auto parsed = parseWebSocketUrl(
            QStringLiteral("ws://%1:%2/chat?x=1").arg(host).arg(server->serverPort()));
        if (!parsed.url)
            return nullptr;
        WebSocketConnection* c = client->open(*parsed.url);
        if (c == nullptr)
            return nullptr;
        clientSide.recorder.record(c);
        auto peer = std::make_unique<Peer>();
        peer->attach(c, false);
        Peer* p = peer.get();
        clients.push_back(std::move(client));
        clientPeers.push_back(std::move(peer));
        const std::size_t index = clientPeers.size() - 1;
        if (!QTest::qWaitFor(
                [&] {
                    return p->handshake && serverPeers.size() > index &&
                           serverPeers[index]->handshake;
                },
                kWaitMs))
            return nullptr;
        return p;
    }
    Peer& serverPeer(std::size_t i) { return *serverPeers.at(i); }

    QObject context;
    ClientOptions clientOptions;
    std::unique_ptr<WebSocketServer> server;
    Recorded clientSide;
    Recorded serverSide;
    std::vector<std::unique_ptr<WebSocketClient>> clients;
    std::vector<std::unique_ptr<Peer>> clientPeers;
    std::vector<std::unique_ptr<Peer>> serverPeers;
};

std::vector<std::pair<std::string, std::string>> pairs(const HttpFields& fields) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const HttpField& f : fields.list)
        out.emplace_back(f.name, f.value);
    return out;
}

QByteArray pattern(qsizetype size) {
    QByteArray out(size, '\0');
    std::mt19937 random(12345);
    for (char& c : out)
        c = char(random() & 0xFF);
    return out;
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class TestSessionRecording : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString cliPath() const {
        return QCoreApplication::applicationDirPath() + QStringLiteral("/../bin/sockscope-cli");
    }

    // The messages of the conversation in `fullSession`, in the order they completed.
    static std::vector<Seen> expectedSession(bool deflate, const QByteArray& big) {
        const bool z = deflate;
        return {
            {false, 1, 1, z, QByteArray("hello"), std::nullopt},
            {false, 2, 1, z, QByteArray::fromHex("000102ff"), std::nullopt},
            {false, 2, 1, z, big, std::nullopt},
            {false, 1, 3, z, QByteArray("three fragments of one text message"), std::nullopt},
            {false, 9, 1, false, QByteArray("p1"), std::nullopt},
            {true, 10, 1, false, QByteArray("p1"), std::nullopt},
            {true, 1, 1, z, QByteArray("welcome \xE2\x9C\x93"), std::nullopt},
            {true, 2, 4, z, QByteArray::fromHex("0102030405060708090a0b0c"), std::nullopt},
            {true, 9, 1, false, QByteArray("sp"), std::nullopt},
            {false, 10, 1, false, QByteArray("sp"), std::nullopt},
            {false, 8, 1, false, closeBody(4000, "bye now"), 4000},
            {true, 8, 1, false, closeBody(4000, ""), 4000},
        };
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void fullSession_data() {
        QTest::addColumn<bool>("deflate");
        QTest::newRow("plain") << false;
        QTest::newRow("permessage-deflate") << true;
    }

    void fullSession() {
        QFETCH(bool, deflate);
        Rig rig(deflate);
        QVERIFY(rig.start());
        QVERIFY(rig.clientSide.document.live());
        Peer* client = rig.connect();
        QVERIFY(client);
        Peer& server = rig.serverPeer(0);
        WebSocketConnection* c = client->connection;
        WebSocketConnection* s = server.connection;

        // One step at a time, each received before the next: the order is known.
        const QByteArray big = pattern(1 << 20);
        QVERIFY(c->sendText("hello"));
        QTRY_COMPARE_WITH_TIMEOUT(server.messages.size(), std::size_t(1), kWaitMs);
        // Live: the rows come while the session goes on, not when it ends.
        for (Recorded* side : {&rig.clientSide, &rig.serverSide}) {
            QTRY_COMPARE_WITH_TIMEOUT(side->document.index().messageCount(), RowId(1), kWaitMs);
            QVERIFY(side->document.live());
            QCOMPARE(side->document.index().connections().size(), std::size_t(1));
        }
        QVERIFY(c->sendBinary(span(QByteArray::fromHex("000102ff"))));
        QTRY_COMPARE_WITH_TIMEOUT(server.messages.size(), std::size_t(2), kWaitMs);
        QVERIFY(c->sendBinary(span(big)));
        QTRY_COMPARE_WITH_TIMEOUT(server.messages.size(), std::size_t(3), kWaitMs);
        QVERIFY(c->sendMessage(1, span(QByteArray("three fragments of one text message")), 3));
        QTRY_COMPARE_WITH_TIMEOUT(server.messages.size(), std::size_t(4), kWaitMs);
        QVERIFY(c->ping(span(QByteArray("p1"))));
        QTRY_COMPARE_WITH_TIMEOUT(client->pongs.size(), std::size_t(1), kWaitMs);
        QVERIFY(s->sendText("welcome \xE2\x9C\x93"));
        QTRY_COMPARE_WITH_TIMEOUT(client->messages.size(), std::size_t(1), kWaitMs);
        QVERIFY(s->sendMessage(2, span(QByteArray::fromHex("0102030405060708090a0b0c")), 4));
        QTRY_COMPARE_WITH_TIMEOUT(client->messages.size(), std::size_t(2), kWaitMs);
        QVERIFY(s->ping(span(QByteArray("sp"))));
        QTRY_COMPARE_WITH_TIMEOUT(server.pongs.size(), std::size_t(1), kWaitMs);
        QVERIFY(c->close(4000, "bye now"));
        QTRY_VERIFY_WITH_TIMEOUT(client->closed && server.closed, kWaitMs);
        QVERIFY(client->closed->clean);
        QCOMPARE(server.messages.at(2).payload.size(), std::size_t(big.size()));

        // The stream stays open for more connections until the recorder finishes.
        QVERIFY(rig.clientSide.document.live());
        QCOMPARE(rig.clientSide.finish(), QString());
        QCOMPARE(rig.serverSide.finish(), QString());
        QVERIFY(!rig.clientSide.document.live());

        const std::vector<Seen> expected = expectedSession(deflate, big);
        for (Recorded* side : {&rig.clientSide, &rig.serverSide}) {
            const CaptureDocument& doc = side->document;
            const QString diff = difference(messagesOf(doc), expected);
            QVERIFY2(diff.isEmpty(), qPrintable(diff));
            QCOMPARE(doc.index().connections().size(), std::size_t(1));
            const ConnectionRecord& conn = doc.index().connections().begin()->second;
            // The sockets' real addresses, the WebSocket client as the client.
            QCOMPARE(std::optional(conn.client), client->local);
            QCOMPARE(
                std::optional(conn.server),
                toSocketAddress(QHostAddress(QHostAddress::LocalHost), rig.server->serverPort()));
            QVERIFY(conn.handshake);
            const dissector::HandshakeEvent hs = conn.handshake->event();
            QCOMPARE(hs.target, std::string("/chat?x=1"));
            QCOMPARE(hs.status, 101);
            QVERIFY(hs.acceptOk);
            QCOMPARE(hs.requestHeaders, pairs(client->handshake->request.fields));
            QCOMPARE(hs.responseHeaders, pairs(client->handshake->response.fields));
            QCOMPARE(hs.deflate.has_value(), deflate);
            QCOMPARE(hs.extensions, client->handshake->extensions);
            QCOMPARE(conn.end, std::optional(EndHow::CloseHandshake));
            QCOMPARE(conn.closeCode, std::optional<std::uint16_t>(4000));
            QCOMPARE(conn.closedFirstBy, std::optional(Direction::Client));
            QCOMPARE(doc.index().anomalyCount(), RowId(0));

            // Every frame as sent, the client's with the mask keys it really used.
            const std::vector<FrameSeen> clientFrames = framesOf(doc, Direction::Client, conn.conn);
            QCOMPARE(clientFrames.size(), client->sent.size());
            QVERIFY(clientFrames == client->sentFrames());
            QVERIFY(std::all_of(clientFrames.begin(), clientFrames.end(),
                                [](const FrameSeen& f) { return f.masked; }));
            QVERIFY(framesOf(doc, Direction::Server, conn.conn) == server.sentFrames());
        }
        // Mask keys from a CSPRNG: different per frame (a fixed key would be a bug).
        QVERIFY(client->sent.at(0).maskKey != client->sent.at(1).maskKey);

        // Saved as pcapng and reopened: the same messages and frames.
        const QString saved =
            dir_.filePath(QStringLiteral("session-%1.pcapng").arg(deflate ? u"deflate" : u"plain"));
        QString error;
        QVERIFY2(rig.clientSide.document.saveCapture(saved, error), qPrintable(error));
        CaptureDocument reopened;
        QVERIFY(reopened.open(saved));
        QTRY_VERIFY_WITH_TIMEOUT(!reopened.loading(), kWaitMs);
        QCOMPARE(reopened.error(), QString());
        QCOMPARE(reopened.format(), dissector::CaptureFormat::Pcapng);
        const QString diff = difference(messagesOf(reopened), expected);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        QVERIFY(framesOf(reopened, Direction::Client, 1) == client->sentFrames());

        checkWithTshark(saved, rig.server->serverPort(), expected, deflate);
        checkJsonl(saved);
    }

    void quietConnectionShowsAtOnce() {
        // Nothing follows the handshake, then nothing follows the close: both
        // must reach the document while the stream is still open (a console
        // user looks at an idle connection, not at a finished recording).
        Rig rig(false);
        QVERIFY(rig.start());
        Peer* client = rig.connect();
        QVERIFY(client);
        const auto handshakeShown = [&](Recorded& side) {
            const auto& connections = side.document.index().connections();
            return connections.size() == 1 && connections.begin()->second.handshake.has_value();
        };
        QTRY_VERIFY_WITH_TIMEOUT(handshakeShown(rig.clientSide), kLiveMs);
        QTRY_VERIFY_WITH_TIMEOUT(handshakeShown(rig.serverSide), kLiveMs);
        QVERIFY(client->connection->close(4001, "quiet"));
        QTRY_VERIFY_WITH_TIMEOUT(client->closed && rig.serverPeer(0).closed, kWaitMs);
        const auto ended = [&](Recorded& side) {
            const auto& connections = side.document.index().connections();
            return connections.size() == 1 && connections.begin()->second.end.has_value();
        };
        QTRY_VERIFY_WITH_TIMEOUT(ended(rig.clientSide), kLiveMs);
        QTRY_VERIFY_WITH_TIMEOUT(ended(rig.serverSide), kLiveMs);
        QVERIFY(rig.clientSide.document.loading());
        QCOMPARE(rig.clientSide.document.index().connections().begin()->second.end,
                 std::optional(EndHow::CloseHandshake));
    }

    void abortedConnectionEndsWithRst() {
        Rig rig(false);
        QVERIFY(rig.start());
        Peer* client = rig.connect();
        QVERIFY(client);
        QVERIFY(client->connection->sendText("before the abort"));
        QTRY_COMPARE_WITH_TIMEOUT(rig.serverPeer(0).messages.size(), std::size_t(1), kWaitMs);
        client->connection->abort();
        QTRY_VERIFY_WITH_TIMEOUT(client->closed && rig.serverPeer(0).closed, kWaitMs);
        QVERIFY(!client->closed->clean);
        QCOMPARE(rig.clientSide.finish(), QString());
        QCOMPARE(rig.serverSide.finish(), QString());

        const std::vector<Seen> expected = {
            {false, 1, 1, false, QByteArray("before the abort"), std::nullopt}};
        for (Recorded* side : {&rig.clientSide, &rig.serverSide}) {
            const QString diff = difference(messagesOf(side->document), expected);
            QVERIFY2(diff.isEmpty(), qPrintable(diff));
        }
        // We dropped it: a reset from us. The server saw the client's TCP end
        // (the kernel closes an aborted socket with a FIN when nothing is unread).
        const auto& clientConn = rig.clientSide.document.index().connections();
        QCOMPARE(clientConn.size(), std::size_t(1));
        QCOMPARE(clientConn.begin()->second.end, std::optional(EndHow::Rst));
        const auto& serverConn = rig.serverSide.document.index().connections();
        QCOMPARE(serverConn.size(), std::size_t(1));
        QCOMPARE(serverConn.begin()->second.end, std::optional(EndHow::Fin));
        QVERIFY(!serverConn.begin()->second.closeCode);
    }

    void serverClosesWithoutHandshake() {
        // The server drops TCP without a close frame: a FIN the client records as the server's.
        Rig rig(false);
        QVERIFY(rig.start());
        Peer* client = rig.connect();
        QVERIFY(client);
        QVERIFY(rig.serverPeer(0).connection->sendText("last words"));
        QTRY_COMPARE_WITH_TIMEOUT(client->messages.size(), std::size_t(1), kWaitMs);
        rig.serverPeer(0).connection->socket()->disconnectFromHost();
        QTRY_VERIFY_WITH_TIMEOUT(client->closed && rig.serverPeer(0).closed, kWaitMs);
        QCOMPARE(rig.clientSide.finish(), QString());
        const auto& connections = rig.clientSide.document.index().connections();
        QCOMPARE(connections.size(), std::size_t(1));
        QCOMPARE(connections.begin()->second.end, std::optional(EndHow::Fin));
        const std::vector<Seen> expected = {
            {true, 1, 1, false, QByteArray("last words"), std::nullopt}};
        const QString diff = difference(messagesOf(rig.clientSide.document), expected);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    void twoConnectionsInOneRecorder() {
        Rig rig(false);
        QVERIFY(rig.start());
        Peer* first = rig.connect();
        QVERIFY(first);
        Peer* second = rig.connect();
        QVERIFY(second);
        rig.clientSide.recorder.record(first->connection);  // once is enough: no second copy
        // Interleaved: the second speaks before the first.
        QVERIFY(second->connection->sendText("from the second"));
        QTRY_COMPARE_WITH_TIMEOUT(rig.serverPeer(1).messages.size(), std::size_t(1), kWaitMs);
        QVERIFY(first->connection->sendText("from the first"));
        QTRY_COMPARE_WITH_TIMEOUT(rig.serverPeer(0).messages.size(), std::size_t(1), kWaitMs);
        QVERIFY(rig.serverPeer(0).connection->sendText("to the first"));
        QTRY_COMPARE_WITH_TIMEOUT(first->messages.size(), std::size_t(1), kWaitMs);
        QVERIFY(first->connection->close(1000, "first done"));
        QTRY_VERIFY_WITH_TIMEOUT(first->closed && rig.serverPeer(0).closed, kWaitMs);
        QVERIFY(second->connection->close(1001, "second done"));
        QTRY_VERIFY_WITH_TIMEOUT(second->closed && rig.serverPeer(1).closed, kWaitMs);
        QCOMPARE(rig.clientSide.finish(), QString());
        QCOMPARE(rig.serverSide.finish(), QString());

        for (Recorded* side : {&rig.clientSide, &rig.serverSide}) {
            const CaptureDocument& doc = side->document;
            QCOMPARE(doc.index().connections().size(), std::size_t(2));
            const ConnectionRecord* one = doc.index().connection(1);
            const ConnectionRecord* two = doc.index().connection(2);
            QVERIFY(one && two);
            QCOMPARE(std::optional(one->client), first->local);
            QCOMPARE(std::optional(two->client), second->local);
            QCOMPARE(one->end, std::optional(EndHow::CloseHandshake));
            QCOMPARE(two->end, std::optional(EndHow::CloseHandshake));
            QCOMPARE(one->closeCode, std::optional<std::uint16_t>(1000));
            QCOMPARE(two->closeCode, std::optional<std::uint16_t>(1001));
            const std::vector<Seen> firstExpected = {
                {false, 1, 1, false, QByteArray("from the first"), std::nullopt},
                {true, 1, 1, false, QByteArray("to the first"), std::nullopt},
                {false, 8, 1, false, closeBody(1000, "first done"), 1000},
                {true, 8, 1, false, closeBody(1000, ""), 1000},
            };
            const std::vector<Seen> secondExpected = {
                {false, 1, 1, false, QByteArray("from the second"), std::nullopt},
                {false, 8, 1, false, closeBody(1001, "second done"), 1001},
                {true, 8, 1, false, closeBody(1001, ""), 1001},
            };
            QString diff = difference(messagesOf(doc, 1), firstExpected);
            QVERIFY2(diff.isEmpty(), qPrintable(diff));
            diff = difference(messagesOf(doc, 2), secondExpected);
            QVERIFY2(diff.isEmpty(), qPrintable(diff));
        }
    }

    void addressesAsTheSocketsHaveThem_data() {
        QTest::addColumn<QString>("listen");
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("client");
        QTest::addColumn<QString>("server");
        // A dual-stack listener's peers are IPv4-mapped IPv6 in Qt: recorded as IPv4.
        QTest::newRow("dual-stack")
            << u"any"_s << u"127.0.0.1"_s << u"127.0.0.1"_s << u"127.0.0.1"_s;
        QTest::newRow("ipv6") << u"::1"_s << u"[::1]"_s << u"::1"_s << u"::1"_s;
    }

    void addressesAsTheSocketsHaveThem() {
        QFETCH(QString, listen);
        QFETCH(QString, host);
        QFETCH(QString, client);
        QFETCH(QString, server);
        Rig rig(false);
        const QHostAddress address =
            listen == u"any" ? QHostAddress(QHostAddress::Any) : QHostAddress(listen);
        if (!rig.start(address))
            QSKIP(qPrintable(u"cannot listen on "_s + listen + u" here: "_s +
                             rig.server->errorString()));
        Peer* peer = rig.connect(host);
        QVERIFY(peer);
        QVERIFY(peer->connection->sendText("addressed"));
        QTRY_COMPARE_WITH_TIMEOUT(rig.serverPeer(0).messages.size(), std::size_t(1), kWaitMs);
        QVERIFY(peer->connection->close());
        QTRY_VERIFY_WITH_TIMEOUT(peer->closed && rig.serverPeer(0).closed, kWaitMs);
        QCOMPARE(rig.clientSide.finish(), QString());
        QCOMPARE(rig.serverSide.finish(), QString());
        QVERIFY(peer->local);
        for (Recorded* side : {&rig.clientSide, &rig.serverSide}) {
            const ConnectionRecord* conn = side->document.index().connection(1);
            QVERIFY(conn);
            QCOMPARE(QString::fromStdString(conn->client.toString()),
                     QStringLiteral("%1:%2")
                         .arg(client.contains(u':') ? u'[' + client + u']' : client)
                         .arg(peer->local->port));
            QCOMPARE(QString::fromStdString(conn->server.toString()),
                     QStringLiteral("%1:%2")
                         .arg(server.contains(u':') ? u'[' + server + u']' : server)
                         .arg(rig.server->serverPort()));
            QCOMPARE(messagesOf(side->document).size(), std::size_t(3));
        }
    }

    void tlsSessionShowsThePlaintext() {
        // wss:// against Qt's own server: the recording holds what the TLS
        // socket gave and took (the WebSocket bytes), not TLS records, and
        // starts only once TLS is up (the recorded connection opens with the
        // HTTP request, the TLS handshake is not in it).
        if (!QSslSocket::supportsSsl())
            QSKIP("Qt has no TLS backend here");
        bool missing = false;
        const QString why = test::makeSelfSignedCertificate(dir_.filePath(u"cert.pem"_s),
                                                            dir_.filePath(u"key.pem"_s), &missing);
        if (missing)
            QSKIP(qPrintable(why));
        QVERIFY2(why.isEmpty(), qPrintable(why));
        const QSslCertificate certificate(readAll(dir_.filePath(u"cert.pem"_s)), QSsl::Pem);
        const QSslKey key(readAll(dir_.filePath(u"key.pem"_s)), QSsl::Ec, QSsl::Pem);
        QVERIFY(!certificate.isNull() && !key.isNull());

        QWebSocketServer server(u"tls-echo"_s, QWebSocketServer::SecureMode);
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(certificate);
        tls.setPrivateKey(key);
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        server.setSslConfiguration(tls);
        QObject::connect(&server, &QWebSocketServer::newConnection, &server, [&server] {
            while (QWebSocket* socket = server.nextPendingConnection()) {
                socket->setParent(&server);
                QObject::connect(socket, &QWebSocket::textMessageReceived, socket,
                                 [socket](const QString& m) { socket->sendTextMessage(m); });
            }
        });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));

        Recorded recorded;
        QVERIFY(recorded.start(u"tls session"_s));
        ClientOptions options;
        options.caCertificates = {certificate};
        WebSocketClient client(options);
        const auto parsed =
            parseWebSocketUrl(QStringLiteral("wss://127.0.0.1:%1/secure").arg(server.serverPort()));
        QVERIFY(parsed.url);
        WebSocketConnection* c = client.open(*parsed.url);
        QVERIFY(c);
        recorded.recorder.record(c);
        Peer peer;
        peer.attach(c, false);
        QTRY_VERIFY_WITH_TIMEOUT(peer.handshake, kWaitMs);
        QVERIFY(qobject_cast<QSslSocket*>(c->socket())->isEncrypted());
        QVERIFY(c->sendText("secret over TLS"));
        QTRY_COMPARE_WITH_TIMEOUT(peer.messages.size(), std::size_t(1), kWaitMs);
        QVERIFY(c->close(1000, "done"));
        QTRY_VERIFY_WITH_TIMEOUT(peer.closed, kWaitMs);
        QCOMPARE(recorded.finish(), QString());

        const CaptureDocument& doc = recorded.document;
        const std::vector<Seen> expected = {
            {false, 1, 1, false, QByteArray("secret over TLS"), std::nullopt},
            {true, 1, 1, false, QByteArray("secret over TLS"), std::nullopt},
            {false, 8, 1, false, closeBody(1000, "done"), 1000},
            {true, 8, 1, false, closeBody(1000, "done"), 1000},  // Qt echoes the reason too
        };
        const QString diff = difference(messagesOf(doc), expected);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        const ConnectionRecord* conn = doc.index().connection(1);
        QVERIFY(conn && conn->handshake);
        QCOMPARE(conn->handshake->info().target, std::string("/secure"));
        QCOMPARE(std::optional(conn->client), peer.local);
        QCOMPARE(conn->server.port, server.serverPort());
        QCOMPARE(conn->end, std::optional(EndHow::CloseHandshake));
        QVERIFY(framesOf(doc, Direction::Client, 1) == peer.sentFrames());
        QCOMPARE(doc.index().anomalyCount(), RowId(0));
    }

    void readerGoneIsReportedOnceWithoutSignal() {
        // A stream nobody reads any more: EPIPE, not SIGPIPE (which would end this test).
        SessionRecorder recorder;
        QVERIFY(recorder.start());
        ::close(recorder.takeReadFd());
        QSignalSpy failed(&recorder, &SessionRecorder::failed);
        const auto id = recorder.openConversation(
            *toSocketAddress(QHostAddress(QStringLiteral("127.0.0.1")), 40000),
            *toSocketAddress(QHostAddress(QStringLiteral("127.0.0.1")), 80));
        if (id)
            recorder.recordBytes(*id, Direction::Client, span(QByteArray(5000, 'x')));
        if (id)
            recorder.closeConversation(*id, Direction::Client, false);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(recorder.error(), QStringLiteral("recording stopped: the session view is gone"));
        QVERIFY(!recorder.isRecording());
        QVERIFY(!recorder.openConversation({}, {}));
        recorder.finish();
        recorder.finish();  // idempotent
        QCOMPARE(failed.size(), 1);
    }

    void stalledReaderFailsWithinBound() {
        // A reader that takes nothing: the recorder gives up instead of blocking forever.
        SessionRecorder recorder;
        QVERIFY(recorder.start());
        const int fd = recorder.takeReadFd();
        QVERIFY(fd >= 0);
        QSignalSpy failed(&recorder, &SessionRecorder::failed);
        const auto id =
            recorder.openConversation(*toSocketAddress(QHostAddress(QStringLiteral("::1")), 40000),
                                      *toSocketAddress(QHostAddress(QStringLiteral("::1")), 80));
        QVERIFY(id);
        const auto start = std::chrono::steady_clock::now();
        const QByteArray chunk(1 << 20, 'y');
        for (int i = 0; i < 64 && failed.isEmpty(); ++i)
            recorder.recordBytes(*id, Direction::Server, span(chunk));
        const auto waited = std::chrono::steady_clock::now() - start;
        QCOMPARE(failed.size(), 1);
        QVERIFY2(recorder.error().contains(u"stopped reading"), qPrintable(recorder.error()));
        // One stall timeout, plus the time to fill the buffer.
        QVERIFY(waited < std::chrono::milliseconds(SessionRecorder::kStallTimeoutMs + 5000));
        recorder.finish();  // must not wait out another timeout
        QVERIFY(std::chrono::steady_clock::now() - start <
                std::chrono::milliseconds(SessionRecorder::kStallTimeoutMs + 5000));
        ::close(fd);
    }

    void streamOpenFailures() {
        // Not pcapng: refused at once with the stream's name.
        int ends[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends), 0);
        const char junk[] = "GET / HTTP/1.1\r\n\r\n";
        QCOMPARE(::write(ends[1], junk, sizeof junk), ssize_t(sizeof junk));
        CaptureDocument doc;
        QVERIFY(!doc.openStream(ends[0], QStringLiteral("junk")));
        QVERIFY2(doc.error().contains(u"junk"), qPrintable(doc.error()));
        ::close(ends[1]);

        // Ended before the interface block.
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends), 0);
        ::close(ends[1]);
        CaptureDocument empty;
        QVERIFY(!empty.openStream(ends[0], QStringLiteral("empty")));
        QCOMPARE(empty.error(),
                 QStringLiteral("the stream empty ended before its interface description"));

        // A document holds one capture.
        SessionRecorder recorder;
        QVERIFY(recorder.start());
        CaptureDocument twice;
        QVERIFY(twice.openStream(recorder.takeReadFd(), QStringLiteral("a")));
        QCOMPARE(recorder.takeReadFd(), -1);
        QVERIFY(!twice.openStream(-1, QStringLiteral("b")));
        recorder.finish();
        QTRY_VERIFY_WITH_TIMEOUT(!twice.loading(), kWaitMs);
        QCOMPARE(twice.error(), QString());
        QCOMPARE(twice.index().connections().size(), std::size_t(0));
    }

private:
    void checkWithTshark(const QString& saved, quint16 port, const std::vector<Seen>& expected,
                         bool deflate) {
        if (!QFileInfo(test::tsharkPath()).isExecutable()) {
            qInfo("tshark is not installed: the saved session is not cross-checked");
            return;
        }
        QString error;
        const auto messages = test::tsharkMessages(saved, port, error);
        QVERIFY2(messages, qPrintable(error));
        QCOMPARE(messages->size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const test::TsharkMessage& t = messages->at(i);
            const Seen& e = expected[i];
            QCOMPARE(t.fromServer, e.fromServer);
            QCOMPARE(t.opcode, e.opcode);
            QCOMPARE(t.frames, int(e.frames));
            QCOMPARE(t.compressed, e.compressed);
            QCOMPARE(t.masked, !e.fromServer);
            if (e.closeCode) {
                QCOMPARE(t.closeCode, std::optional<int>(*e.closeCode));
                QCOMPARE(t.closeReason, e.payload.mid(2));
                continue;
            }
            // tshark neither inflates nor reassembles uncompressed fragments,
            // and unmasks at most 256 KiB of a frame (see tshark_messages.h).
            if (!deflate && e.frames == 1 && e.payload.size() <= 256 * 1024)
                QCOMPARE(t.payload, e.payload);
        }
    }

    void checkJsonl(const QString& saved) {
        if (!QFileInfo(cliPath()).isExecutable()) {
            qInfo("sockscope-cli is not built next to the tests: JSON Lines not compared");
            return;
        }
        const QString out = saved + QStringLiteral(".jsonl");
        JsonlExport exporter;
        QSignalSpy finished(&exporter, &JsonlExport::finished);
        QString error;
        QVERIFY2(exporter.start(saved, {}, {}, out, error), qPrintable(error));
        QVERIFY(finished.wait(kWaitMs) || !finished.isEmpty());
        QCOMPARE(finished.at(0).at(0).toString(), QString());
        QProcess cli;
        cli.start(cliPath(), {QStringLiteral("read"), saved, QStringLiteral("--format"),
                              QStringLiteral("jsonl")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        const QByteArray expected = cli.readAllStandardOutput();
        const QByteArray exported = readAll(out);
        QCOMPARE(exported.count("\"event\":\"message\""), 12);
        QVERIFY(exported.contains("\"how\":\"close-handshake\""));
        QCOMPARE(exported, expected);
    }
};

QTEST_MAIN(TestSessionRecording)
#include "tst_session_recording.moc"
