// HTTP/1.1 head parsing for the upgrade handshake (RFC 9112): the happy
// paths, every rejection with its exact byte offset, incremental parsing
// (every split gives the same result), the size cap and serialization.

#include "sockscope/core/http_message.h"

#include <QElapsedTimer>
#include <QTest>

#include <string_view>

using namespace sockscope;
using namespace std::string_view_literals;

Q_DECLARE_METATYPE(sockscope::ViolationKind)

namespace {

// string_view literals keep embedded NUL bytes, QByteArray(const char*) would not.
QByteArray raw(std::string_view text) {
    return QByteArray(text.data(), qsizetype(text.size()));
}

std::span<const std::uint8_t> bytesOf(const QByteArray& data) {
    return {reinterpret_cast<const std::uint8_t*>(data.constData()), std::size_t(data.size())};
}

const QByteArray kUpgrade =
    "GET /chat?room=1 HTTP/1.1\r\n"
    "Host: example.com:8080\r\n"
    "Upgrade: websocket\r\n"
    "Connection: keep-alive, Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

const QByteArray kSwitching =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "\r\n";

// Everything a parse reports, as one comparable line.
template <typename Message>
QString describe(const HttpParse<Message>& parse) {
    QString out =
        QStringLiteral("status=%1 consumed=%2").arg(int(parse.status)).arg(parse.consumed);
    if (parse.error) {
        out += QStringLiteral(" kind=%1 offset=%2 detail=%3")
                   .arg(int(parse.error->kind))
                   .arg(parse.error->offset)
                   .arg(QString::fromStdString(parse.error->detail));
    }
    if (parse.status == ParseStatus::Complete) {
        if constexpr (std::is_same_v<Message, HttpRequest>) {
            out += QString::fromStdString(" head=" + serializeRequest(parse.message));
        } else {
            out += QString::fromStdString(" head=" + serializeResponse(parse.message));
        }
    }
    return out;
}

template <typename Message>
HttpParse<Message> parseAs(const QByteArray& data,
                           std::size_t maxBytes = kDefaultMaxHandshakeBytes) {
    if constexpr (std::is_same_v<Message, HttpRequest>) {
        return parseHttpRequest(bytesOf(data), maxBytes);
    } else {
        return parseHttpResponse(bytesOf(data), maxBytes);
    }
}

// The caller re-parses a growing buffer: every prefix must say NeedMore or
// already give the final answer, and the final answer must not depend on how
// the bytes arrived.
template <typename Message>
void checkSplitInvariance(const QByteArray& data) {
    const QString whole = describe(parseAs<Message>(data));
    for (qsizetype split = 0; split < data.size(); ++split) {
        const auto prefix = parseAs<Message>(data.left(split));
        if (prefix.status != ParseStatus::NeedMore) {
            QCOMPARE(describe(prefix), whole);
        }
    }
}

}  // namespace

class TestHttpMessage : public QObject {
    Q_OBJECT

private slots:
    void parsesUpgradeRequest() {
        const auto parse = parseHttpRequest(bytesOf(kUpgrade));
        QCOMPARE(parse.status, ParseStatus::Complete);
        QVERIFY(!parse.error);
        QCOMPARE(parse.consumed, std::size_t(kUpgrade.size()));
        QCOMPARE(parse.message.method, "GET");
        QCOMPARE(parse.message.target, "/chat?room=1");
        QCOMPARE(parse.message.version, "HTTP/1.1");
        QCOMPARE(parse.message.fields.list.size(), std::size_t(5));
        QCOMPARE(parse.message.fields.list[0].name, "Host");
        QCOMPARE(parse.message.fields.list[0].value, "example.com:8080");
        QCOMPARE(parse.message.fields.list[4].name, "Sec-WebSocket-Version");
        QCOMPARE(parse.message.fields.list[4].value, "13");
    }

    void parsesRequestVariants_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("fieldName");
        QTest::addColumn<QByteArray>("fieldValue");

        QTest::newRow("bare LF line endings (RFC 9112 §2.2)")
            << QByteArray("GET / HTTP/1.1\nHost: a\n\n") << QByteArray("/") << QByteArray("Host")
            << QByteArray("a");
        QTest::newRow("LF blank line after CRLF lines")
            << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\n") << QByteArray("/")
            << QByteArray("Host") << QByteArray("a");
        QTest::newRow("leading empty lines ignored (RFC 9112 §2.2)")
            << QByteArray("\r\n\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n") << QByteArray("/x")
            << QByteArray("Host") << QByteArray("a");
        QTest::newRow("value trimmed of SP and HTAB")
            << QByteArray("GET / HTTP/1.1\r\nX-Pad: \t  padded value \t\r\n\r\n") << QByteArray("/")
            << QByteArray("X-Pad") << QByteArray("padded value");
        QTest::newRow("no whitespace after colon")
            << QByteArray("GET / HTTP/1.1\r\nHost:a\r\n\r\n") << QByteArray("/")
            << QByteArray("Host") << QByteArray("a");
        QTest::newRow("empty value") << QByteArray("GET / HTTP/1.1\r\nX-Empty:\r\n\r\n")
                                     << QByteArray("/") << QByteArray("X-Empty") << QByteArray("");
        QTest::newRow("obs-text in value kept")
            << raw("GET / HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n"sv) << QByteArray("/")
            << QByteArray("X-Name") << raw("caf\xc3\xa9"sv);
        QTest::newRow("token punctuation in name")
            << QByteArray("GET * HTTP/1.1\r\nX!#$%&'*+-.^_`|~9: v\r\n\r\n") << QByteArray("*")
            << QByteArray("X!#$%&'*+-.^_`|~9") << QByteArray("v");
        QTest::newRow("absolute-form target")
            << QByteArray("GET ws://h/p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n")
            << QByteArray("ws://h/p?q=1") << QByteArray("Host") << QByteArray("h");
    }
    void parsesRequestVariants() {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, fieldName);
        QFETCH(QByteArray, fieldValue);
        const auto parse = parseHttpRequest(bytesOf(input));
        QCOMPARE(parse.status, ParseStatus::Complete);
        QCOMPARE(parse.consumed, std::size_t(input.size()));
        QCOMPARE(QByteArray::fromStdString(parse.message.target), target);
        QCOMPARE(parse.message.fields.list.size(), std::size_t(1));
        QCOMPARE(QByteArray::fromStdString(parse.message.fields.list[0].name), fieldName);
        QCOMPARE(QByteArray::fromStdString(parse.message.fields.list[0].value), fieldValue);
    }

    void parsesStatusLine_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");

        QTest::newRow("101 with reason") << kSwitching << 101 << QByteArray("Switching Protocols");
        QTest::newRow("empty reason after SP")
            << QByteArray("HTTP/1.1 101 \r\n\r\n") << 101 << QByteArray("");
        QTest::newRow("no SP after the code (common in the wild)")
            << QByteArray("HTTP/1.1 101\r\n\r\n") << 101 << QByteArray("");
        QTest::newRow("reason with HTAB and obs-text")
            << raw("HTTP/1.1 404 Nicht\tgefunden \xe2\x9c\x97\r\n\r\n"sv) << 404
            << raw("Nicht\tgefunden \xe2\x9c\x97"sv);
        QTest::newRow("HTTP/1.0 status")
            << QByteArray("HTTP/1.0 200 OK\r\n\r\n") << 200 << QByteArray("OK");
    }
    void parsesStatusLine() {
        QFETCH(QByteArray, input);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        const auto parse = parseHttpResponse(bytesOf(input));
        QCOMPARE(parse.status, ParseStatus::Complete);
        QCOMPARE(parse.consumed, std::size_t(input.size()));
        QCOMPARE(parse.message.status, status);
        QCOMPARE(QByteArray::fromStdString(parse.message.reason), reason);
    }

    void rejectsMalformedRequest_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("offset");
        QTest::addColumn<QString>("detail");

        const auto row = [](const char* name, QByteArray input, int offset, const char* detail) {
            QTest::newRow(name) << input << offset << QString::fromUtf8(detail);
        };
        row("two spaces after the method", "GET  / HTTP/1.1\r\n\r\n", 4,
            "where the request target should start");
        row("non-token byte in the method", "GE@T / HTTP/1.1\r\n\r\n", 2, "in the method");
        row("line starts with SP", " GET / HTTP/1.1\r\n\r\n", 0, "where the method should start");
        row("request line without target", "GET\r\n\r\n", 3, "ends after the method");
        row("request line without version", "GET /\r\n\r\n", 5, "no HTTP version");
        row("control byte in the target", raw("GET /a\x01 HTTP/1.1\r\n\r\n"sv), 6,
            "0x01 in the request target");
        row("lowercase http", "GET / http/1.1\r\n\r\n", 6, "bad HTTP version");
        row("version with letters", "GET / HTTP/1.x\r\n\r\n", 13, "bad HTTP version");
        row("two-digit major version", "GET / HTTP/11.1\r\n\r\n", 12, "bad HTTP version");
        row("trailing space after the version", "GET / HTTP/1.1 \r\n\r\n", 14, "after 'HTTP/1.1'");
        row("whitespace before colon (RFC 9112 §5.1)", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 20,
            "whitespace between field name 'Host'");
        row("tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 20,
            "whitespace between field name");
        row("obs-fold (RFC 9112 §5.2)", "GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n", 26,
            "obsolete line folding");
        row("obs-fold with HTAB", "GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\n\r\n", 26,
            "obsolete line folding");
        row("invalid token char in a field name", "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", 18,
            "invalid character '(' in a field name");
        row("non-ASCII in a field name", raw("GET / HTTP/1.1\r\nH\xc3\xb6st: a\r\n\r\n"sv), 17,
            "invalid character 0xc3 in a field name");
        row("empty field name", "GET / HTTP/1.1\r\n: a\r\n\r\n", 16, "empty field name");
        row("field line without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", 20,
            "field line without a colon: 'Host'");
        row("NUL in a value", raw("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n"sv), 22,
            "NUL byte in the value of field 'X-A'");
        row("control byte in a value", raw("GET / HTTP/1.1\r\nX-A: a\x1b[0m\r\n\r\n"sv), 22,
            "control character 0x1b");
        row("DEL in a value", raw("GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n"sv), 22,
            "control character 0x7f");
        row("bare CR in a value", "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", 22, "bare CR");
        row("TLS ClientHello instead of HTTP", raw("\x16\x03\x01\x02\x00\x01\x00"sv), 0,
            "0x16 where the method should start");
    }
    void rejectsMalformedRequest() {
        QFETCH(QByteArray, input);
        QFETCH(int, offset);
        QFETCH(QString, detail);
        const auto parse = parseHttpRequest(bytesOf(input));
        QCOMPARE(parse.status, ParseStatus::Error);
        QVERIFY(parse.error);
        QCOMPARE(parse.error->kind, ViolationKind::HandshakeMalformed);
        QCOMPARE(parse.error->offset, std::uint64_t(offset));
        const QString actual = QString::fromStdString(parse.error->detail);
        QVERIFY2(actual.contains(detail), qPrintable(actual));
    }

    void rejectsMalformedStatusLine_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("offset");
        QTest::addColumn<QString>("detail");

        const auto row = [](const char* name, QByteArray input, int offset, const char* detail) {
            QTest::newRow(name) << input << offset << QString::fromUtf8(detail);
        };
        row("not HTTP at all", "ICY 200 OK\r\n\r\n", 0, "bad HTTP version");
        row("version without minor", "HTTP/1 101 OK\r\n\r\n", 6, "bad HTTP version");
        row("letter in the status code", "HTTP/1.1 1O1 Switching\r\n\r\n", 10,
            "bad status code: 'O' is not a digit");
        row("two-digit status code", "HTTP/1.1 99 Odd\r\n\r\n", 11, "bad status code");
        row("status code below 100", "HTTP/1.1 099 Odd\r\n\r\n", 9, "below 100");
        row("four-digit status code", "HTTP/1.1 1010 Odd\r\n\r\n", 12, "after three digits");
        row("status line ends after the version", "HTTP/1.1\r\n\r\n", 8,
            "ends after the HTTP version");
        row("two spaces before the code", "HTTP/1.1  101 OK\r\n\r\n", 9, "not a digit");
        row("control byte in the reason", raw("HTTP/1.1 101 OK\x07\r\n\r\n"sv), 15,
            "control character 0x07 in the reason phrase");
        row("empty line instead of a status line", "\r\nHTTP/1.1 101 OK\r\n\r\n", 0,
            "bad HTTP version: truncated");
        row("bad field in a response", "HTTP/1.1 101 OK\r\nUpgrade : websocket\r\n\r\n", 24,
            "whitespace between field name 'Upgrade'");
    }
    void rejectsMalformedStatusLine() {
        QFETCH(QByteArray, input);
        QFETCH(int, offset);
        QFETCH(QString, detail);
        const auto parse = parseHttpResponse(bytesOf(input));
        QCOMPARE(parse.status, ParseStatus::Error);
        QVERIFY(parse.error);
        QCOMPARE(parse.error->kind, ViolationKind::HandshakeMalformed);
        QCOMPARE(parse.error->offset, std::uint64_t(offset));
        const QString actual = QString::fromStdString(parse.error->detail);
        QVERIFY2(actual.contains(detail), qPrintable(actual));
    }

    void needsMoreUntilTheBlankLine() {
        for (qsizetype size = 0; size < kUpgrade.size(); ++size) {
            const auto parse = parseHttpRequest(bytesOf(kUpgrade.left(size)));
            QVERIFY2(parse.status == ParseStatus::NeedMore, qPrintable(QString::number(size)));
            QCOMPARE(parse.consumed, std::size_t(0));
            QVERIFY(!parse.error);
        }
        QCOMPARE(parseHttpRequest(bytesOf(kUpgrade)).status, ParseStatus::Complete);
    }

    void givesTheSameResultAtEverySplit_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<bool>("isRequest");
        QTest::newRow("upgrade request") << kUpgrade << true;
        QTest::newRow("request with leading empty lines") << "\r\n\r\n" + kUpgrade << true;
        QTest::newRow("request with bare LF") << QByteArray("GET / HTTP/1.1\nHost: a\n\n") << true;
        QTest::newRow("101 response") << kSwitching << false;
        QTest::newRow("bad method byte") << QByteArray("GE@T / HTTP/1.1\r\n\r\n") << true;
        QTest::newRow("bare CR after the method")
            << QByteArray("GET\rX / HTTP/1.1\r\n\r\n") << true;
        QTest::newRow("bad version") << QByteArray("GET / HTTP/1.x\r\nHost: a\r\n\r\n") << true;
        QTest::newRow("bad field") << QByteArray("GET / HTTP/1.1\r\nHost : a\r\n\r\n") << true;
        QTest::newRow("bad status code") << QByteArray("HTTP/1.1 099 x\r\n\r\n") << false;
        QTest::newRow("short status code") << QByteArray("HTTP/1.1 10\r\n\r\n") << false;
        QTest::newRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH_9.2\r\n") << false;
    }
    void givesTheSameResultAtEverySplit() {
        QFETCH(QByteArray, input);
        QFETCH(bool, isRequest);
        if (isRequest) {
            checkSplitInvariance<HttpRequest>(input);
        } else {
            checkSplitInvariance<HttpResponse>(input);
        }
    }

    void leavesFrameBytesAfterTheHeadUnconsumed() {
        // A masked "Hello" text frame in the same segment as the request.
        const QByteArray frame = raw("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"sv);
        const auto request = parseHttpRequest(bytesOf(kUpgrade + frame));
        QCOMPARE(request.status, ParseStatus::Complete);
        QCOMPARE(request.consumed, std::size_t(kUpgrade.size()));

        const QByteArray serverFrame = raw("\x81\x05Hello"sv);
        const auto response = parseHttpResponse(bytesOf(kSwitching + serverFrame));
        QCOMPARE(response.status, ParseStatus::Complete);
        QCOMPARE(response.consumed, std::size_t(kSwitching.size()));
        QCOMPARE(response.message.fields.get("upgrade"),
                 std::optional<std::string_view>("websocket"));
    }

    void capsTheHeadSize_data() {
        QTest::addColumn<int>("padding");   // bytes of an X-Pad value
        QTest::addColumn<int>("maxBytes");  // relative to the head's size: 0 = exact fit
        QTest::addColumn<int>("buffered");  // relative to the head's size: 0 = all of it
        QTest::addColumn<bool>("tooLarge");

        QTest::newRow("head exactly maxBytes") << 100 << 0 << 0 << false;
        QTest::newRow("head one byte over maxBytes") << 100 << -1 << 0 << true;
        QTest::newRow("maxBytes buffered without blank line") << 100 << -20 << -20 << true;
        QTest::newRow("one byte short of maxBytes buffered") << 100 << -20 << -21 << false;
        QTest::newRow("20 KiB field under the 16 KiB default") << 20 * 1024 << 0 << 0 << true;
    }
    void capsTheHeadSize() {
        QFETCH(int, padding);
        QFETCH(int, maxBytes);
        QFETCH(int, buffered);
        QFETCH(bool, tooLarge);
        const QByteArray head =
            "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + QByteArray(padding, 'p') + "\r\n\r\n";
        const std::size_t limit =
            padding > 16 * 1024 ? kDefaultMaxHandshakeBytes : std::size_t(head.size() + maxBytes);
        const QByteArray input = head.left(head.size() + buffered);
        const auto parse = parseHttpRequest(bytesOf(input), limit);
        if (!tooLarge) {
            QVERIFY(parse.status != ParseStatus::Error);
            QCOMPARE(parse.status, buffered == 0 ? ParseStatus::Complete : ParseStatus::NeedMore);
            return;
        }
        QCOMPARE(parse.status, ParseStatus::Error);
        QCOMPARE(parse.error->kind, ViolationKind::HandshakeTooLarge);
        QCOMPARE(parse.error->offset, std::uint64_t(limit));
        QVERIFY(parse.error->detail.find(std::to_string(limit)) != std::string::npos);
    }

    void stopsOversizeResponseToo() {
        const QByteArray head = "HTTP/1.1 101 OK\r\nX-Pad: " + QByteArray(200, 'p');
        const auto parse = parseHttpResponse(bytesOf(head), 128);
        QCOMPARE(parse.status, ParseStatus::Error);
        QCOMPARE(parse.error->kind, ViolationKind::HandshakeTooLarge);
    }

    void fieldNamesAreCaseInsensitive() {
        const auto parse = parseHttpRequest(
            bytesOf("GET / HTTP/1.1\r\nhOsT: a\r\nSEC-WEBSOCKET-KEY: k\r\nupgrade: WebSocket\r\n"
                    "\r\n"));
        QCOMPARE(parse.status, ParseStatus::Complete);
        const HttpFields& fields = parse.message.fields;
        QCOMPARE(fields.get("Host"), std::optional<std::string_view>("a"));
        QCOMPARE(fields.get("Sec-WebSocket-Key"), std::optional<std::string_view>("k"));
        QCOMPARE(fields.list[1].name, "SEC-WEBSOCKET-KEY");  // case preserved
        QVERIFY(fields.hasToken("Upgrade", "websocket"));
        QCOMPARE(fields.count("HOST"), std::size_t(1));
        QVERIFY(!fields.get("Origin"));
    }

    void combinesRepeatedFields() {
        const auto parse = parseHttpRequest(bytesOf(
            "GET / HTTP/1.1\r\nConnection: keep-alive\r\nX-A: 1\r\nconnection: Upgrade\r\n\r\n"));
        QCOMPARE(parse.status, ParseStatus::Complete);
        const HttpFields& fields = parse.message.fields;
        QCOMPARE(fields.count("Connection"), std::size_t(2));
        QCOMPARE(fields.combined("Connection"), "keep-alive, Upgrade");
        QCOMPARE(fields.get("Connection"), std::optional<std::string_view>("keep-alive"));
        QVERIFY(fields.hasToken("Connection", "upgrade"));
        QCOMPARE(fields.combined("Absent"), "");
    }

    void findsListTokens_data() {
        QTest::addColumn<QByteArray>("lines");
        QTest::addColumn<bool>("hasUpgrade");
        QTest::newRow("single token") << QByteArray("Connection: Upgrade\r\n") << true;
        QTest::newRow("second in a list")
            << QByteArray("Connection: keep-alive, Upgrade\r\n") << true;
        QTest::newRow("no space after comma")
            << QByteArray("Connection: keep-alive,upgrade\r\n") << true;
        QTest::newRow("separate lines")
            << QByteArray("Connection: keep-alive\r\nConnection: Upgrade\r\n") << true;
        QTest::newRow("empty elements") << QByteArray("Connection: ,, upgrade ,\r\n") << true;
        QTest::newRow("uppercase") << QByteArray("Connection: UPGRADE\r\n") << true;
        QTest::newRow("substring is not a token")
            << QByteArray("Connection: upgraded\r\n") << false;
        QTest::newRow("token in another field") << QByteArray("X-Connection: upgrade\r\n") << false;
        QTest::newRow("absent") << QByteArray("Host: a\r\n") << false;
    }
    void findsListTokens() {
        QFETCH(QByteArray, lines);
        QFETCH(bool, hasUpgrade);
        const auto parse = parseHttpRequest(bytesOf("GET / HTTP/1.1\r\n" + lines + "\r\n"));
        QCOMPARE(parse.status, ParseStatus::Complete);
        QCOMPARE(parse.message.fields.hasToken("Connection", "upgrade"), hasUpgrade);
    }

    void serializesExactWireText() {
        HttpRequest request;
        request.method = "GET";
        request.target = "/chat";
        request.version = "HTTP/1.1";
        request.fields.add("Host", "h:1");
        request.fields.add("Upgrade", "websocket");
        QCOMPARE(serializeRequest(request),
                 "GET /chat HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\n\r\n");

        HttpResponse response;
        response.version = "HTTP/1.1";
        response.status = 426;
        response.reason = "Upgrade Required";
        response.fields.add("Sec-WebSocket-Version", "13");
        QCOMPARE(serializeResponse(response),
                 "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n");
    }

    void serializedHeadsParseBack() {
        const auto request = parseHttpRequest(bytesOf(kUpgrade));
        QCOMPARE(QByteArray::fromStdString(serializeRequest(request.message)), kUpgrade);
        const auto response = parseHttpResponse(bytesOf(kSwitching));
        QCOMPARE(QByteArray::fromStdString(serializeResponse(response.message)), kSwitching);
    }

    void comparesAsciiCaseInsensitively() {
        QVERIFY(equalsIgnoreCase("Sec-WebSocket-Key", "sec-websocket-key"));
        QVERIFY(equalsIgnoreCase("", ""));
        QVERIFY(!equalsIgnoreCase("Upgrade", "Upgrades"));
        QVERIFY(!equalsIgnoreCase("a", "b"));
        QVERIFY(!equalsIgnoreCase("\xc3\xa9", "\xc3\x89"));  // ASCII only
    }

    void limitsTheNumberOfFields() {
        QByteArray head = "GET / HTTP/1.1\r\n";
        for (int i = 0; i < 5; ++i)
            head += "F" + QByteArray::number(i) + ": v\r\n";
        const QByteArray complete = head + "\r\n";
        QCOMPARE(parseHttpRequest(bytesOf(complete), kDefaultMaxHandshakeBytes, 5).status,
                 ParseStatus::Complete);
        const auto over =
            parseHttpRequest(bytesOf(head + "F5: v\r\n\r\n"), kDefaultMaxHandshakeBytes, 5);
        QCOMPARE(over.status, ParseStatus::Error);
        QCOMPARE(over.error->kind, ViolationKind::HandshakeTooLarge);
        QCOMPARE(over.error->offset, std::uint64_t(head.size()));  // the sixth field's line
        QCOMPARE(QString::fromStdString(over.error->detail),
                 QStringLiteral("more than 5 header fields (the limit)"));
        const auto response = parseHttpResponse(bytesOf("HTTP/1.1 101 OK\r\nA: 1\r\nB: 2\r\n\r\n"),
                                                kDefaultMaxHandshakeBytes, 1);
        QCOMPARE(response.status, ParseStatus::Error);
        QCOMPARE(response.error->kind, ViolationKind::HandshakeTooLarge);
    }

    // HttpHeadScan: a head in pieces is parsed when its end arrives (however
    // the empty line is split), at the byte limit, and otherwise only each
    // time it has doubled.
    void scansOnlyNewBytesForTheHeadsEnd_data() {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<int>("piece");
        const QByteArray crlf =
            "GET / HTTP/1.1\r\nHost: a\r\nX: " + QByteArray(3000, 'x') + "\r\n\r\n";
        const QByteArray lf = "GET / HTTP/1.1\nHost: a\nX: " + QByteArray(3000, 'x') + "\n\n";
        for (int piece : {1, 2, 3, 7, 1460}) {
            QTest::addRow("CRLF in %d-byte pieces", piece) << crlf << piece;
            QTest::addRow("bare LF in %d-byte pieces", piece) << lf << piece;
        }
    }
    void scansOnlyNewBytesForTheHeadsEnd() {
        QFETCH(QByteArray, head);
        QFETCH(int, piece);
        HttpHeadScan scan;
        std::vector<std::uint8_t> buffered;
        std::optional<std::size_t> completeAt;
        for (qsizetype at = 0; at < head.size() && !completeAt; at += piece) {
            const QByteArray next = head.mid(at, piece);
            buffered.insert(buffered.end(), next.begin(), next.end());
            if (scan.due(buffered, kDefaultMaxHandshakeBytes) &&
                parseHttpRequest(buffered).status == ParseStatus::Complete)
                completeAt = buffered.size();
        }
        QVERIFY(completeAt);
        QVERIFY(*completeAt - std::size_t(head.size()) < std::size_t(piece));
        // 64, 128, ... 4096 bytes, and the end.
        QVERIFY2(scan.parses() <= 8, std::to_string(scan.parses()).c_str());
    }
    void scanIsDueAtTheByteLimit() {
        HttpHeadScan scan;
        std::vector<std::uint8_t> buffered;
        std::uint64_t dueAtLimit = 0;
        for (int i = 0; i < 2000; ++i) {
            buffered.push_back('a');
            if (scan.due(buffered, 1000) && buffered.size() >= 1000)
                ++dueAtLimit;
        }
        QCOMPARE(dueAtLimit, std::uint64_t(1001));  // every read from the limit on
        scan.reset();
        buffered.assign({'G'});
        QVERIFY(scan.due(buffered, 1000));  // a fresh head is parsed at once
    }

    // Re-parsing a growing buffer byte by byte is quadratic, up to the 16 KiB
    // cap a peer can force. The test prints what it cost; it asserts only the
    // parse (a time limit here failed on a loaded machine: timing is the
    // benchmarks' job).
    void reparsingAGrowingBufferAtEveryByte_data() {
        const int size = int(kDefaultMaxHandshakeBytes) - 64;
        QTest::addColumn<QByteArray>("head");
        QTest::newRow("one long field")
            << "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + QByteArray(size, 'p') + "\r\n\r\n";
        QTest::newRow("many short fields")
            << "GET / HTTP/1.1\r\n" + QByteArray("A: b\r\n").repeated(size / 6) + "\r\n";
        QTest::newRow("long request target")
            << "GET /" + QByteArray(size, 't') + " HTTP/1.1\r\nHost: a\r\n\r\n";
    }
    void reparsingAGrowingBufferAtEveryByte() {
        QFETCH(QByteArray, head);
        QElapsedTimer timer;
        timer.start();
        ParseStatus last = ParseStatus::NeedMore;
        for (qsizetype size = 1; size <= head.size(); ++size) {
            // No field limit here: the row with thousands of fields is about time.
            last = parseHttpRequest(bytesOf(head).first(std::size_t(size)),
                                    kDefaultMaxHandshakeBytes, std::size_t(head.size()))
                       .status;
        }
        const qint64 elapsed = timer.elapsed();
        QCOMPARE(last, ParseStatus::Complete);
        qInfo("%lld byte head re-parsed at every byte: %lld ms", qlonglong(head.size()),
              qlonglong(elapsed));
    }
};

QTEST_APPLESS_MAIN(TestHttpMessage)
#include "tst_http_message.moc"
