// The RFC 6455 §4 opening handshake: key and accept (§1.3, §4.2.2), base64,
// the client request (§4.1), the client's checks of the response, and full
// build → parse → answer → check round trips, with subprotocols and
// permessage-deflate. The server's checks are in tst_handshake_server.cpp.

#include "sockscope/core/handshake.h"

#include <QTest>

#include <set>

using namespace sockscope;

namespace {

constexpr std::string_view kSampleKey = "dGhlIHNhbXBsZSBub25jZQ==";         // RFC 6455 §1.3
constexpr std::string_view kSampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";  // RFC 6455 §1.3

std::span<const std::uint8_t> bytesOf(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

QString q(std::string_view text) {
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

HttpParse<HttpResponse> parseResponse(const QByteArray& text) {
    return parseHttpResponse(bytesOf(std::string_view(text.constData(), std::size_t(text.size()))));
}

QString describe(const std::optional<DeflateParams>& params) {
    if (!params) {
        return QStringLiteral("none");
    }
    return QStringLiteral("snct=%1 cnct=%2 smwb=%3 cmwb=%4")
        .arg(params->serverNoContextTakeover)
        .arg(params->clientNoContextTakeover)
        .arg(params->serverMaxWindowBits)
        .arg(params->clientMaxWindowBits);
}

}  // namespace

class TestHandshake : public QObject {
    Q_OBJECT

private slots:
    void rfcSampleKeyGivesRfcAccept() {
        QCOMPARE(computeWebSocketAccept(kSampleKey), std::string(kSampleAccept));
        QVERIFY(isValidWebSocketKey(kSampleKey));
        QCOMPARE(kWebSocketGuid, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    }

    // RFC 4648 §10 test vectors.
    void encodesAndDecodesBase64_data() {
        QTest::addColumn<QByteArray>("plain");
        QTest::addColumn<QByteArray>("encoded");
        QTest::newRow("empty") << QByteArray("") << QByteArray("");
        QTest::newRow("f") << QByteArray("f") << QByteArray("Zg==");
        QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8=");
        QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
        QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg==");
        QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE=");
        QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy");
        QTest::newRow("binary with + and /")
            << QByteArray::fromHex("fbff00fe") << QByteArray("+/8A/g==");
        QTest::newRow("rfc 6455 nonce")
            << QByteArray("the sample nonce") << QByteArray(kSampleKey.data());
    }
    void encodesAndDecodesBase64() {
        QFETCH(QByteArray, plain);
        QFETCH(QByteArray, encoded);
        const std::string_view plainView(plain.constData(), std::size_t(plain.size()));
        QCOMPARE(QByteArray::fromStdString(base64Encode(bytesOf(plainView))), encoded);
        const auto decoded = base64Decode(encoded.toStdString());
        QVERIFY(decoded);
        QCOMPARE(
            QByteArray(reinterpret_cast<const char*>(decoded->data()), qsizetype(decoded->size())),
            plain);
    }

    void rejectsInvalidBase64_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("length not a multiple of 4") << QByteArray("Zg=");
        QTest::newRow("padding missing") << QByteArray("Zg");
        QTest::newRow("three padding characters") << QByteArray("Z===");
        QTest::newRow("only padding") << QByteArray("====");
        QTest::newRow("padding in the middle") << QByteArray("Zg==Zm8=");
        QTest::newRow("padding then data") << QByteArray("Zg=A");
        QTest::newRow("trailing newline") << QByteArray("Zm9vYmFy\n");
        QTest::newRow("space inside") << QByteArray("Zm9 vYmFy");
        QTest::newRow("leading space") << QByteArray(" Zm9vYmF");
        QTest::newRow("url-safe alphabet") << QByteArray("-_8A");
        QTest::newRow("non-ASCII") << QByteArray("Zm9\xc3");
    }
    void rejectsInvalidBase64() {
        QFETCH(QByteArray, text);
        QVERIFY(!base64Decode(text.toStdString()));
    }

    void generatesRandomValidKeys() {
        std::set<std::string> keys;
        for (int i = 0; i < 64; ++i) {
            const std::string key = generateWebSocketKey();
            QCOMPARE(key.size(), std::size_t(24));
            QVERIFY(isValidWebSocketKey(key));
            keys.insert(key);
        }
        QCOMPARE(keys.size(), std::size_t(64));  // 128-bit nonces never repeat in practice
    }

    void validatesKeys_data() {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<bool>("valid");
        QTest::newRow("rfc sample") << QByteArray(kSampleKey.data()) << true;
        QTest::newRow("16 zero bytes") << QByteArray("AAAAAAAAAAAAAAAAAAAAAA==") << true;
        QTest::newRow("15 bytes") << QByteArray("AAAAAAAAAAAAAAAAAAAA") << false;
        QTest::newRow("17 bytes") << QByteArray("AAAAAAAAAAAAAAAAAAAAAAA=") << false;
        QTest::newRow("24 chars but not base64") << QByteArray("not a base64 key at all!") << false;
        QTest::newRow("missing padding") << QByteArray("dGhlIHNhbXBsZSBub25jZQ") << false;
        QTest::newRow("empty") << QByteArray("") << false;
    }
    void validatesKeys() {
        QFETCH(QByteArray, key);
        QFETCH(bool, valid);
        QCOMPARE(isValidWebSocketKey(key.toStdString()), valid);
    }

    void buildsClientRequest() {
        ClientHandshakeOptions options;
        options.host = "example.com:8080";
        options.target = "/chat?room=1";
        options.origin = "https://example.com";
        options.subprotocols = {"v2.chat", "v1.chat"};
        options.extraFields = {{"Authorization", "Bearer t"}};
        QCOMPARE(serializeRequest(buildClientRequest(options, kSampleKey)),
                 "GET /chat?room=1 HTTP/1.1\r\n"
                 "Host: example.com:8080\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 "Sec-WebSocket-Version: 13\r\n"
                 "Origin: https://example.com\r\n"
                 "Sec-WebSocket-Protocol: v2.chat, v1.chat\r\n"
                 "Authorization: Bearer t\r\n"
                 "\r\n");
    }

    void buildsMinimalClientRequest() {
        ClientHandshakeOptions options;
        options.host = "h";
        const HttpRequest request = buildClientRequest(options, kSampleKey);
        QCOMPARE(request.target, "/");
        QVERIFY(!request.fields.get("Origin"));
        QVERIFY(!request.fields.get("Sec-WebSocket-Protocol"));
        QVERIFY(!request.fields.get("Sec-WebSocket-Extensions"));
    }

    void offersDeflateInTheRequest() {
        ClientHandshakeOptions options;
        options.host = "h";
        options.deflate = DeflateClientOffer{};
        options.deflate->serverNoContextTakeover = true;
        const HttpRequest request = buildClientRequest(options, kSampleKey);
        const auto header = request.fields.get("Sec-WebSocket-Extensions");
        QVERIFY(header);
        QCOMPARE(std::string(*header), formatExtension(makeDeflateOffer(*options.deflate)));
        const ExtensionListParse parsed = parseExtensionList(*header);
        QVERIFY(!parsed.error);
        QCOMPARE(parsed.extensions.size(), std::size_t(1));
        QCOMPARE(parsed.extensions[0].name, "permessage-deflate");
    }

    void checksServerResponse_data() {
        QTest::addColumn<QByteArray>("response");
        QTest::addColumn<bool>("offerDeflate");
        QTest::addColumn<QString>("violation");  // kebab-case id; empty = the connection is open
        QTest::addColumn<QString>("detail");     // part of the error detail, or the subprotocol

        const QByteArray ok =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
            QByteArray(kSampleAccept.data()) + "\r\n";
        const QByteArray accept =
            "Sec-WebSocket-Accept: " + QByteArray(kSampleAccept.data()) + "\r\n";
        // happy
        QTest::newRow("plain 101") << ok + "\r\n"
                                   << false << ""
                                   << "";
        QTest::newRow("names and values in other case")
            << "HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nCONNECTION: upgrade\r\n"
               "sec-websocket-accept: " +
                   QByteArray(kSampleAccept.data()) + "\r\n\r\n"
            << false << ""
            << "";
        QTest::newRow("Connection list with upgrade")
            << "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
                   accept + "\r\n"
            << false << ""
            << "";
        QTest::newRow("offered subprotocol selected")
            << ok + "Sec-WebSocket-Protocol: v1.chat\r\n\r\n"
            << false << ""
            << "v1.chat";
        QTest::newRow("deflate accepted")
            << ok + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
            << true << ""
            << "";
        QTest::newRow("deflate offered, server declines") << ok + "\r\n"
                                                          << true << ""
                                                          << "";
        // Recorded on loopback from real servers, answering a request with the §1.3 key.
        QTest::newRow("recorded Qt WebSockets 6.4 server response")
            << QByteArray(
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                   "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: v1.chat\r\n"
                   "Server: cap\r\nAccess-Control-Allow-Credentials: false\r\n"
                   "Access-Control-Allow-Methods: GET\r\n"
                   "Access-Control-Allow-Headers: content-type\r\n"
                   "Access-Control-Allow-Origin: *\r\n"
                   "Date: Sat, 21 Nov 2026 14:24:01 GMT\r\n\r\n")
            << false << ""
            << "v1.chat";
        QTest::newRow("recorded python3-websockets 10.4 server response with deflate")
            << QByteArray(
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                   "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: "
                   "permessage-deflate; server_max_window_bits=12; "
                   "client_max_window_bits=12\r\nSec-WebSocket-Protocol: v1.chat\r\n"
                   "Date: Sat, 21 Nov 2026 14:23:46 GMT\r\n"
                   "Server: Python/3.11 websockets/10.4\r\n\r\n")
            << true << ""
            << "v1.chat";
        // rainy day
        QTest::newRow("200 instead of 101")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") << false
            << "handshake-bad-status"
            << "expected status 101, got 200 OK";
        QTest::newRow("403 rejection")
            << QByteArray("HTTP/1.1 403 Forbidden\r\n\r\n") << false << "handshake-bad-status"
            << "got 403 Forbidden";
        QTest::newRow("Upgrade missing")
            << "HTTP/1.1 101 OK\r\nConnection: Upgrade\r\n" + accept + "\r\n"
            << false << "handshake-bad-upgrade"
            << "no Upgrade field";
        QTest::newRow("Upgrade names another protocol")
            << "HTTP/1.1 101 OK\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n" + accept + "\r\n"
            << false << "handshake-bad-upgrade"
            << "'h2c'";
        QTest::newRow("Connection without upgrade")
            << "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n" + accept +
                   "\r\n"
            << false << "handshake-bad-connection"
            << "keep-alive";
        QTest::newRow("Accept missing")
            << QByteArray("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
            << false << "handshake-bad-accept"
            << "missing";
        QTest::newRow("Accept for another key")
            << QByteArray(
                   "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
            << false << "handshake-bad-accept"
            << "expected " + q(kSampleAccept) + ", received AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        QTest::newRow("Accept twice") << ok + accept + "\r\n"
                                      << false << "handshake-bad-accept"
                                      << "2 times";
        QTest::newRow("subprotocol not offered") << ok + "Sec-WebSocket-Protocol: v3.chat\r\n\r\n"
                                                 << false << "handshake-bad-subprotocol"
                                                 << "'v3.chat' which was not offered";
        QTest::newRow("two subprotocols selected")
            << ok + "Sec-WebSocket-Protocol: v1.chat, v2.chat\r\n\r\n"
            << false << "handshake-bad-subprotocol"
            << "several";
        QTest::newRow("extension not offered")
            << ok + "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n\r\n"
            << false << "handshake-bad-extension"
            << "'x-webkit-deflate-frame' which was not offered";
        QTest::newRow("deflate accepted but not offered")
            << ok + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
            << false << "handshake-bad-extension"
            << "'permessage-deflate' which was not offered";
        QTest::newRow("deflate accepted twice")
            << ok + "Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n\r\n"
            << true << "handshake-bad-extension"
            << "twice";
        QTest::newRow("invalid deflate response (RFC 7692 §7.1)")
            << ok + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
            << true << "handshake-bad-extension"
            << "invalid permessage-deflate response";
        QTest::newRow("malformed extensions header")
            << ok + "Sec-WebSocket-Extensions: permessage-deflate; =1\r\n\r\n"
            << true << "handshake-bad-extension"
            << "malformed Sec-WebSocket-Extensions";
    }
    void checksServerResponse() {
        QFETCH(QByteArray, response);
        QFETCH(bool, offerDeflate);
        QFETCH(QString, violation);
        QFETCH(QString, detail);
        ClientHandshakeOptions options;
        options.host = "example.com";
        options.subprotocols = {"v1.chat", "v2.chat"};
        if (offerDeflate) {
            options.deflate = DeflateClientOffer{};
        }
        const auto parsed = parseResponse(response);
        QCOMPARE(parsed.status, ParseStatus::Complete);
        const ClientHandshakeResult result =
            checkServerResponse(parsed.message, options, kSampleKey);
        if (violation.isEmpty()) {
            QVERIFY2(!result.error, result.error ? result.error->detail.c_str() : "");
            QCOMPARE(q(result.subprotocol), detail);
            QCOMPARE(result.deflate.has_value(), response.contains("permessage-deflate"));
            return;
        }
        QVERIFY(result.error);
        QCOMPARE(q(result.error->id()), violation);
        QVERIFY2(q(result.error->detail).contains(detail), result.error->detail.c_str());
    }

    void roundTrips_data() {
        QTest::addColumn<QStringList>("clientProtocols");
        QTest::addColumn<QStringList>("serverProtocols");
        QTest::addColumn<bool>("clientDeflate");
        QTest::addColumn<bool>("serverDeflate");
        QTest::addColumn<QString>("subprotocol");
        QTest::addColumn<bool>("compressed");

        QTest::newRow("plain") << QStringList{} << QStringList{} << false << false << "" << false;
        QTest::newRow("subprotocol agreed")
            << QStringList{"mqtt", "wamp.2.json"} << QStringList{"wamp.2.json", "mqtt"} << false
            << false << "wamp.2.json" << false;
        QTest::newRow("no common subprotocol")
            << QStringList{"a"} << QStringList{"b"} << false << false << "" << false;
        QTest::newRow("deflate agreed")
            << QStringList{} << QStringList{} << true << true << "" << true;
        QTest::newRow("deflate offered, server without")
            << QStringList{} << QStringList{} << true << false << "" << false;
        QTest::newRow("deflate and subprotocol")
            << QStringList{"chat"} << QStringList{"chat"} << true << true << "chat" << true;
    }
    void roundTrips() {
        QFETCH(QStringList, clientProtocols);
        QFETCH(QStringList, serverProtocols);
        QFETCH(bool, clientDeflate);
        QFETCH(bool, serverDeflate);
        QFETCH(QString, subprotocol);
        QFETCH(bool, compressed);

        ClientHandshakeOptions client;
        client.host = "127.0.0.1:9001";
        client.target = "/ws";
        client.origin = "http://127.0.0.1";
        for (const QString& p : clientProtocols) {
            client.subprotocols.push_back(p.toStdString());
        }
        if (clientDeflate) {
            client.deflate = DeflateClientOffer{};
            client.deflate->clientNoContextTakeover = true;
        }
        ServerHandshakeOptions server;
        for (const QString& p : serverProtocols) {
            server.subprotocols.push_back(p.toStdString());
        }
        if (serverDeflate) {
            server.deflate = DeflateServerPolicy{};
            server.deflate->serverMaxWindowBits = 12;
        }
        server.extraFields = {{"Server", "sockscope-test"}};

        const std::string key = generateWebSocketKey();
        // Client → wire, with the first frame in the same segment.
        const std::string requestWire =
            serializeRequest(buildClientRequest(client, key)) + "\x81\x80\x01\x02\x03\x04";
        const auto request = parseHttpRequest(bytesOf(requestWire));
        QCOMPARE(request.status, ParseStatus::Complete);
        QCOMPARE(request.consumed, requestWire.size() - 6);

        const ServerHandshakeResult answer = answerClientRequest(request.message, server);
        QVERIFY2(answer.accepted(), answer.error ? answer.error->detail.c_str() : "");
        QCOMPARE(q(answer.subprotocol), subprotocol);
        QCOMPARE(answer.deflate.has_value(), compressed);

        const std::string responseWire = serializeResponse(answer.response);
        const auto response = parseHttpResponse(bytesOf(responseWire));
        QCOMPARE(response.status, ParseStatus::Complete);
        QCOMPARE(response.message.fields.get("Server"),
                 std::optional<std::string_view>("sockscope-test"));

        const ClientHandshakeResult checked = checkServerResponse(response.message, client, key);
        QVERIFY2(!checked.error, checked.error ? checked.error->detail.c_str() : "");
        QCOMPARE(q(checked.subprotocol), subprotocol);
        QCOMPARE(checked.extensions, answer.extensions);
        // Both ends must agree on every compression parameter.
        QCOMPARE(describe(checked.deflate), describe(answer.deflate));
        if (compressed) {
            QCOMPARE(checked.deflate->serverMaxWindowBits, 12);
            QVERIFY(checked.deflate->clientNoContextTakeover);
        }

        // The same response checked against another key must fail.
        const ClientHandshakeResult wrongKey =
            checkServerResponse(response.message, client, generateWebSocketKey());
        QVERIFY(wrongKey.error);
        QCOMPARE(wrongKey.error->kind, ViolationKind::HandshakeBadAccept);
    }
};

QTEST_APPLESS_MAIN(TestHandshake)
#include "tst_handshake.moc"
