// The server's side of the RFC 6455 opening handshake (§4.2): every check of
// the client's request with its HTTP status and violation, recorded requests
// from real clients, subprotocol choice (server preference) and
// permessage-deflate negotiation.

#include "sockscope/core/handshake.h"

#include <QTest>

using namespace sockscope;

namespace {

constexpr std::string_view kSampleKey = "dGhlIHNhbXBsZSBub25jZQ==";         // RFC 6455 §1.3
constexpr std::string_view kSampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";  // RFC 6455 §1.3

QString q(std::string_view text) {
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

// A valid upgrade request, minus the field named `drop`, plus `add` lines.
QByteArray upgradeRequest(const QByteArray& requestLine, const QByteArray& drop,
                          const QByteArray& add) {
    const QList<QByteArray> lines = {
        "Host: example.com:8080",    "Upgrade: websocket",
        "Connection: Upgrade",       "Sec-WebSocket-Key: " + QByteArray(kSampleKey.data()),
        "Sec-WebSocket-Version: 13",
    };
    QByteArray out = requestLine + "\r\n";
    for (const QByteArray& line : lines) {
        if (drop.isEmpty() || !line.startsWith(drop + ":")) {
            out += line + "\r\n";
        }
    }
    return out + add + "\r\n";
}

std::span<const std::uint8_t> bytesOf(const QByteArray& text) {
    return {reinterpret_cast<const std::uint8_t*>(text.constData()), std::size_t(text.size())};
}

HttpParse<HttpRequest> parseRequest(const QByteArray& text) {
    return parseHttpRequest(bytesOf(text));
}

}  // namespace

class TestHandshakeServer : public QObject {
    Q_OBJECT

private slots:
    void answersClientRequest_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<bool>("restrictOrigin");  // only https://good.example is allowed
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("violation");       // empty: accepted
        QTest::addColumn<QByteArray>("expectField");  // "Name: value" the response must carry

        const QByteArray get = "GET /chat HTTP/1.1";
        const auto row = [](const char* name, QByteArray request, bool restrictOrigin, int status,
                            const char* violation, QByteArray field) {
            QTest::newRow(name) << request << restrictOrigin << status << QString(violation)
                                << field;
        };
        // happy
        row("valid upgrade", upgradeRequest(get, "", ""), false, 101, "",
            "Sec-WebSocket-Accept: " + QByteArray(kSampleAccept.data()));
        row("names and tokens in other case",
            "GET / HTTP/1.1\r\nhost: h\r\nUPGRADE: WebSocket\r\nconnection: UPGRADE\r\n"
            "sec-websocket-key: " +
                QByteArray(kSampleKey.data()) + "\r\nsec-websocket-version: 13\r\n\r\n",
            false, 101, "", "Upgrade: websocket");
        row("Connection on two lines",
            upgradeRequest(get, "Connection", "Connection: keep-alive\r\nConnection: Upgrade\r\n"),
            false, 101, "", "Connection: Upgrade");
        row("HTTP/2.0 request line", upgradeRequest("GET / HTTP/2.0", "", ""), false, 101, "",
            "Connection: Upgrade");
        row("allowed origin", upgradeRequest(get, "", "Origin: https://good.example\r\n"), true,
            101, "", "");
        row("any origin when no policy",
            upgradeRequest(get, "", "Origin: https://evil.example\r\n"), false, 101, "", "");
        // Recorded from real clients on loopback (only the Host port differs per run).
        row("recorded python3-websockets 10.4 request",
            "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:33445\r\nOrigin: http://localhost\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: vNy3YFp26MWv751TQmmkVQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            "Sec-WebSocket-Protocol: v1.chat\r\nUser-Agent: Python/3.11 websockets/10.4\r\n\r\n",
            false, 101, "", "Sec-WebSocket-Accept: W3o+hlAJMO2GWvujURjIlfFsxmA=");
        row("recorded Qt WebSockets 6.4 request",
            "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:36905\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dTNBSlNaKskHB4SGWRAvbA==\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v1.chat\r\n\r\n",
            false, 101, "", "Sec-WebSocket-Accept: JhYirdQRjLHIQfNzyPmvG+Ds5rI=");
        row("Firefox-style request (keep-alive, Upgrade)",
            "GET /chat HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: Mozilla/5.0\r\n"
            "Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\n"
            "Accept-Encoding: gzip, deflate, br\r\nSec-WebSocket-Version: 13\r\n"
            "Origin: http://localhost:8080\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate\r\n"
            "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\nConnection: keep-alive, Upgrade\r\n"
            "Pragma: no-cache\r\nCache-Control: no-cache\r\nUpgrade: websocket\r\n\r\n",
            false, 101, "", "Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
        row("unknown extension ignored",
            upgradeRequest(get, "", "Sec-WebSocket-Extensions: x-foo; bar=1\r\n"), false, 101, "",
            "");
        // rainy day
        row("POST instead of GET", upgradeRequest("POST /chat HTTP/1.1", "", ""), false, 405,
            "handshake-bad-method", "Allow: GET");
        row("lowercase get", upgradeRequest("get /chat HTTP/1.1", "", ""), false, 405,
            "handshake-bad-method", "Allow: GET");
        row("HTTP/1.0", upgradeRequest("GET /chat HTTP/1.0", "", ""), false, 400,
            "handshake-malformed", "Connection: close");
        row("Host missing", upgradeRequest(get, "Host", ""), false, 400, "handshake-malformed",
            "Connection: close");
        row("Host twice (RFC 9112 §3.2)", upgradeRequest(get, "", "Host: other\r\n"), false, 400,
            "handshake-malformed", "");
        row("Upgrade missing", upgradeRequest(get, "Upgrade", ""), false, 400,
            "handshake-bad-upgrade", "");
        row("Upgrade names h2c", upgradeRequest(get, "Upgrade", "Upgrade: h2c\r\n"), false, 400,
            "handshake-bad-upgrade", "");
        row("Connection keep-alive only",
            upgradeRequest(get, "Connection", "Connection: keep-alive\r\n"), false, 400,
            "handshake-bad-connection", "");
        row("key missing", upgradeRequest(get, "Sec-WebSocket-Key", ""), false, 400,
            "handshake-missing-key", "");
        row("key of 15 bytes",
            upgradeRequest(get, "Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA\r\n"),
            false, 400, "handshake-bad-key", "");
        row("key not base64",
            upgradeRequest(get, "Sec-WebSocket-Key", "Sec-WebSocket-Key: !!!!\r\n"), false, 400,
            "handshake-bad-key", "");
        row("key twice",
            upgradeRequest(get, "", "Sec-WebSocket-Key: " + QByteArray(kSampleKey.data()) + "\r\n"),
            false, 400, "handshake-bad-key", "");
        row("version 8",
            upgradeRequest(get, "Sec-WebSocket-Version", "Sec-WebSocket-Version: 8\r\n"), false,
            426, "handshake-bad-version", "Sec-WebSocket-Version: 13");
        row("version missing", upgradeRequest(get, "Sec-WebSocket-Version", ""), false, 426,
            "handshake-bad-version", "Upgrade: websocket");
        row("version list 13, 8",
            upgradeRequest(get, "Sec-WebSocket-Version", "Sec-WebSocket-Version: 13, 8\r\n"), false,
            426, "handshake-bad-version", "Sec-WebSocket-Version: 13");
        row("forbidden origin", upgradeRequest(get, "", "Origin: https://evil.example\r\n"), true,
            403, "handshake-forbidden-origin", "Connection: close");
        row("origin missing under a policy", upgradeRequest(get, "", ""), true, 403,
            "handshake-forbidden-origin", "");
        row("malformed extensions header",
            upgradeRequest(get, "", "Sec-WebSocket-Extensions: permessage-deflate;;\r\n"), false,
            400, "handshake-bad-extension", "");
    }
    void answersClientRequest() {
        QFETCH(QByteArray, request);
        QFETCH(bool, restrictOrigin);
        QFETCH(int, status);
        QFETCH(QString, violation);
        QFETCH(QByteArray, expectField);
        ServerHandshakeOptions options;
        if (restrictOrigin) {
            options.originAllowed = [](std::string_view origin) {
                return origin == "https://good.example";
            };
        }
        const auto parsed = parseRequest(request);
        QCOMPARE(parsed.status, ParseStatus::Complete);
        const ServerHandshakeResult result = answerClientRequest(parsed.message, options);
        QCOMPARE(result.response.status, status);
        QCOMPARE(result.response.version, "HTTP/1.1");
        const QByteArray wire = QByteArray::fromStdString(serializeResponse(result.response));
        if (!expectField.isEmpty()) {
            QVERIFY2(wire.contains("\r\n" + expectField + "\r\n"), wire.constData());
        }
        // Whatever the answer, it must parse back as a response.
        const auto reparsed = parseHttpResponse(bytesOf(wire));
        QCOMPARE(reparsed.status, ParseStatus::Complete);
        const HttpFields& fields = result.response.fields;

        if (violation.isEmpty()) {
            QVERIFY2(result.accepted(), result.error ? result.error->detail.c_str() : "");
            QCOMPARE(result.response.reason, "Switching Protocols");
            QCOMPARE(fields.get("Upgrade"), std::optional<std::string_view>("websocket"));
            QCOMPARE(fields.get("Connection"), std::optional<std::string_view>("Upgrade"));
            QCOMPARE(fields.count("Sec-WebSocket-Accept"), std::size_t(1));
            QVERIFY(!fields.get("Sec-WebSocket-Extensions"));
            QVERIFY(result.body.empty());
            return;
        }
        QVERIFY(!result.accepted());
        QCOMPARE(q(result.error->id()), violation);
        // A rejection explains itself in a plain-text body and closes the connection.
        QVERIFY(!result.body.empty());
        QVERIFY(q(result.body).contains(q(result.error->detail)));
        QCOMPARE(fields.get("Content-Length"),
                 std::optional<std::string_view>(std::to_string(result.body.size())));
        QVERIFY(fields.hasToken("Connection", "close"));
        QVERIFY(!fields.get("Sec-WebSocket-Accept"));
    }

    void choosesTheServersPreferredSubprotocol_data() {
        QTest::addColumn<QStringList>("ours");
        QTest::addColumn<QByteArray>("offeredLines");
        QTest::addColumn<QString>("chosen");
        QTest::newRow("server preference wins")
            << QStringList{"v2", "v1"} << QByteArray("Sec-WebSocket-Protocol: v1, v2\r\n") << "v2";
        QTest::newRow("only overlap")
            << QStringList{"a", "b", "c"} << QByteArray("Sec-WebSocket-Protocol: x, c\r\n") << "c";
        QTest::newRow("offers over two lines")
            << QStringList{"b"}
            << QByteArray("Sec-WebSocket-Protocol: a\r\nSec-WebSocket-Protocol: b\r\n") << "b";
        QTest::newRow("no overlap")
            << QStringList{"a"} << QByteArray("Sec-WebSocket-Protocol: b\r\n") << "";
        QTest::newRow("client offers none") << QStringList{"a"} << QByteArray() << "";
        QTest::newRow("server supports none")
            << QStringList{} << QByteArray("Sec-WebSocket-Protocol: a\r\n") << "";
        QTest::newRow("case-sensitive")
            << QStringList{"Chat"} << QByteArray("Sec-WebSocket-Protocol: chat\r\n") << "";
    }
    void choosesTheServersPreferredSubprotocol() {
        QFETCH(QStringList, ours);
        QFETCH(QByteArray, offeredLines);
        QFETCH(QString, chosen);
        ServerHandshakeOptions options;
        for (const QString& protocol : ours) {
            options.subprotocols.push_back(protocol.toStdString());
        }
        const auto parsed = parseRequest(upgradeRequest("GET / HTTP/1.1", "", offeredLines));
        QCOMPARE(parsed.status, ParseStatus::Complete);
        const ServerHandshakeResult result = answerClientRequest(parsed.message, options);
        QVERIFY(result.accepted());
        QCOMPARE(q(result.subprotocol), chosen);
        const auto header = result.response.fields.get("Sec-WebSocket-Protocol");
        QCOMPARE(header.has_value(), !chosen.isEmpty());
        if (header) {
            QCOMPARE(q(*header), chosen);
        }
    }

    void negotiatesDeflateOnTheServer_data() {
        QTest::addColumn<QByteArray>("offer");
        QTest::addColumn<bool>("serverDeflate");
        QTest::addColumn<QString>("extensions");  // the response's header, empty = none
        QTest::newRow("plain offer")
            << QByteArray("permessage-deflate") << true << "permessage-deflate";
        QTest::newRow("offer with valueless client_max_window_bits")
            << QByteArray("permessage-deflate; client_max_window_bits") << true
            << "permessage-deflate";
        QTest::newRow("server_no_context_takeover requested")
            << QByteArray("permessage-deflate; server_no_context_takeover") << true
            << "permessage-deflate; server_no_context_takeover";
        QTest::newRow("unknown extension before deflate")
            << QByteArray("x-foo, permessage-deflate") << true << "permessage-deflate";
        QTest::newRow("invalid offer declined, next accepted")
            << QByteArray("permessage-deflate; bogus, permessage-deflate") << true
            << "permessage-deflate";
        QTest::newRow("only an invalid offer: no compression")
            << QByteArray("permessage-deflate; server_max_window_bits=99") << true << "";
        QTest::newRow("server without deflate") << QByteArray("permessage-deflate") << false << "";
    }
    void negotiatesDeflateOnTheServer() {
        QFETCH(QByteArray, offer);
        QFETCH(bool, serverDeflate);
        QFETCH(QString, extensions);
        ServerHandshakeOptions options;
        if (serverDeflate) {
            options.deflate = DeflateServerPolicy{};
        }
        const auto parsed = parseRequest(
            upgradeRequest("GET / HTTP/1.1", "", "Sec-WebSocket-Extensions: " + offer + "\r\n"));
        QCOMPARE(parsed.status, ParseStatus::Complete);
        const ServerHandshakeResult result = answerClientRequest(parsed.message, options);
        QVERIFY(result.accepted());
        QCOMPARE(q(result.extensions), extensions);
        QCOMPARE(result.deflate.has_value(), !extensions.isEmpty());
        const auto header = result.response.fields.get("Sec-WebSocket-Extensions");
        QCOMPARE(header.has_value(), !extensions.isEmpty());
        if (header) {
            QCOMPARE(q(*header), extensions);
        }
    }
};

QTEST_APPLESS_MAIN(TestHandshakeServer)
#include "tst_handshake_server.moc"
