// SessionDiff on hand-built captures (ConversationWriter writes one session
// as the base and one changed in exactly one way; each change must give
// exactly its differences, and equal sessions none), and the comparison tab
// driven offscreen against an in-process echo server: both clients connect,
// one composed message goes to both, the difference list shows where Qt
// WebSockets differs from us; a wss:// server both clients trust through the
// tab's CA file (and neither without it).

#include <QLabel>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <functional>
#include <memory>

#include <sockscope/core/handshake.h>
#include <sockscope/core/raw_frame.h>
#include <sockscope/dissector/conversation_writer.h>

#include "console/comparison_session.h"
#include "console/message_composer.h"
#include "console/session_pane.h"
#include "console/tls_options_box.h"
#include "inspector/capture_document.h"
#include "inspector/session_diff.h"
#include "session/qt_client_session.h"
#include "session/websocket_server.h"
#include "test_certificate.h"
#include "widgets/capture_view.h"

using namespace sockscope;
using namespace sockscope::ui;
using namespace Qt::StringLiterals;
using dissector::Direction;

namespace {

constexpr int kTimeoutMs = 20000;

struct FrameSpec {
    std::uint8_t opcode = 1;
    bool fin = true;
    QByteArray payload;
    RawMasking masking = RawMasking::ByRole;
};

struct MessageSpec {
    Direction from = Direction::Client;
    std::vector<FrameSpec> frames;
};

// One recorded session, as ConversationWriter writes it.
struct SessionSpec {
    std::vector<std::pair<std::string, std::string>> request = {
        {"Host", "example.test:8080"},   {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},       {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
        {"Sec-WebSocket-Version", "13"}, {"User-Agent", "test/1"}};
    std::vector<MessageSpec> messages;
    bool reset = false;  // the client resets instead of the server's FIN

    // `payload` in `sizes` frames (their payload lengths, summing to its size).
    SessionSpec& add(Direction from, std::uint8_t opcode, const QByteArray& payload,
                     std::vector<int> sizes = {}) {
        if (sizes.empty()) {
            sizes = {int(payload.size())};
        }
        MessageSpec m{from, {}};
        int at = 0;
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            m.frames.push_back({i == 0 ? opcode : std::uint8_t(0), i + 1 == sizes.size(),
                                payload.mid(at, sizes[i])});
            at += sizes[i];
        }
        messages.push_back(std::move(m));
        return *this;
    }
    SessionSpec& close(Direction from, std::uint16_t code, const QByteArray& reason) {
        QByteArray payload;
        payload.append(char(code >> 8)).append(char(code & 0xFF)).append(reason);
        return add(from, 8, payload);
    }
};

QByteArray binary300() {
    QByteArray out(300, Qt::Uninitialized);
    for (int i = 0; i < out.size(); ++i) {
        out[i] = char(i * 7 + 3);
    }
    return out;
}

SessionSpec baseSession() {
    SessionSpec s;
    s.add(Direction::Client, 1, "hello")
        .add(Direction::Server, 1, "hello")
        .add(Direction::Client, 2, binary300(), {150, 150})
        .add(Direction::Server, 2, binary300())
        .close(Direction::Client, 1000, "bye")
        .close(Direction::Server, 1000, "bye");
    return s;
}

bool writeSession(const QString& path, const SessionSpec& spec, QString& why) {
    std::string error;
    auto writer = dissector::ConversationWriter::create(path.toStdString(), error);
    if (!writer) {
        why = QString::fromStdString(error);
        return false;
    }
    dissector::SocketAddress client, server;
    client.ip = {127, 0, 0, 1};
    client.port = 50000;
    server.ip = {127, 0, 0, 1};
    server.port = 8080;
    std::int64_t seconds = 1700000000;
    const auto next = [&seconds] { return dissector::Timestamp{++seconds, 0}; };
    const auto conn = writer->open(client, server, next());
    if (!conn) {
        why = QString::fromStdString(writer->error());
        return false;
    }
    std::string head = "GET /chat HTTP/1.1\r\n";
    std::string key;
    for (const auto& [name, value] : spec.request) {
        head += name + ": " + value + "\r\n";
        if (equalsIgnoreCase(name, "Sec-WebSocket-Key")) {
            key = value;
        }
    }
    head += "\r\n";
    const std::string response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        computeWebSocketAccept(key) + "\r\n\r\n";
    const auto bytes = [](const std::string& s) {
        return std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    };
    bool ok = writer->send(*conn, Direction::Client, bytes(head), next()) &&
              writer->send(*conn, Direction::Server, bytes(response), next());
    std::uint8_t keyByte = 1;
    for (const MessageSpec& m : spec.messages) {
        for (const FrameSpec& f : m.frames) {
            RawFrameSpec raw;
            raw.opcode = f.opcode;
            raw.fin = f.fin;
            raw.masking = f.masking;
            raw.payload.assign(f.payload.begin(), f.payload.end());
            const MaskKey mask = {keyByte, 2, 3, 4};
            ++keyByte;
            const Role role = m.from == Direction::Client ? Role::Client : Role::Server;
            const std::vector<std::uint8_t> frame = buildRawFrame(role, raw, mask);
            ok = ok && writer->send(*conn, m.from, frame, next());
        }
    }
    ok = ok && (spec.reset ? writer->close(*conn, Direction::Client, next(), true)
                           : writer->close(*conn, Direction::Server, next()));
    ok = ok && writer->finish();
    if (!ok) {
        why = QString::fromStdString(writer->error());
    }
    return ok;
}

std::unique_ptr<CaptureDocument> load(const QString& path) {
    auto document = std::make_unique<CaptureDocument>();
    QSignalSpy finished(document.get(), &CaptureDocument::finished);
    if (!document->open(path) || !finished.wait(kTimeoutMs) ||
        !finished.at(0).at(0).toString().isEmpty()) {
        return nullptr;
    }
    return document;
}

QStringList summary(const std::vector<SessionDifference>& differences) {
    QStringList out;
    for (const SessionDifference& d : differences) {
        out.append(diffKindName(d.kind) + u" | "_s + d.what + u" | "_s + d.left + u" | "_s +
                   d.right);
    }
    return out;
}

}  // namespace

using Mutation = std::function<void(SessionSpec&)>;
Q_DECLARE_METATYPE(Mutation)

class ComparisonSessionTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void findsEachKindOfDifference_data() {
        QTest::addColumn<Mutation>("change");
        QTest::addColumn<QStringList>("expected");
        const auto row = [](const char* name, Mutation m, QStringList expected) {
            QTest::newRow(name) << std::move(m) << std::move(expected);
        };
        const auto header = [](SessionSpec& s, const std::string& name) -> std::string& {
            for (auto& [n, v] : s.request) {
                if (n == name) {
                    return v;
                }
            }
            return s.request.emplace_back(name, std::string()).second;
        };
        row("equal", [](SessionSpec&) {}, {});
        row("another key is no difference",
            [header](SessionSpec& s) {
                header(s, "Sec-WebSocket-Key") = "AQIDBAUGBwgJCgsMDQ4PEA==";
            },
            {});
        row("header missing", [](SessionSpec& s) { s.request.pop_back(); },
            {u"request header | User-Agent | test/1 | "_s});
        row("header value", [header](SessionSpec& s) { header(s, "User-Agent") = "test/2"; },
            {u"request header value | User-Agent | test/1 | test/2"_s});
        row("header spelling", [](SessionSpec& s) { s.request.back().first = "user-agent"; },
            {u"request header value | User-Agent (spelling) | User-Agent | user-agent"_s});
        row("header order", [](SessionSpec& s) { std::swap(s.request[1], s.request[2]); },
            {u"request header order | request header order | Host, Upgrade, Connection, "
             u"Sec-WebSocket-Version, User-Agent | Host, Connection, Upgrade, "
             u"Sec-WebSocket-Version, User-Agent"_s});
        row("extensions offered",
            [header](SessionSpec& s) {
                header(s, "Sec-WebSocket-Extensions") = "permessage-deflate";
            },
            {u"extensions offered | Sec-WebSocket-Extensions |  | permessage-deflate"_s});
        row("frame count",
            [](SessionSpec& s) {
                s.messages[2] = SessionSpec()
                                    .add(Direction::Client, 2, binary300(), {100, 100, 100})
                                    .messages[0];
            },
            {u"frames per message | client message 2 | 2 frames: 150 + 150 B | 3 frames: 100 + "
             u"100 + 100 B"_s});
        row("frame sizes",
            [](SessionSpec& s) {
                s.messages[2] =
                    SessionSpec().add(Direction::Client, 2, binary300(), {100, 200}).messages[0];
            },
            {u"frame sizes | client message 2 | 2 frames: 150 + 150 B | 2 frames: 100 + 200 B"_s});
        row("payload byte",
            [](SessionSpec& s) {
                QByteArray changed = binary300();
                changed[77] = char(changed[77] ^ 0x10);
                s.messages[3] = SessionSpec().add(Direction::Server, 2, changed).messages[0];
            },
            {u"message payload | server message 2 | binary, 300 B; byte 77 = 0x1e | binary, 300 "
             u"B; byte 77 = 0x0e"_s});
        row("payload length",
            [](SessionSpec& s) {
                s.messages[0] = SessionSpec().add(Direction::Client, 1, "hello!").messages[0];
            },
            {u"message payload | client message 1 | text, 5 B | text, 6 B"_s});
        row("message type",
            [](SessionSpec& s) {
                s.messages[0] = SessionSpec().add(Direction::Client, 2, "hello").messages[0];
            },
            {u"message type | client message 1 | text, 5 B | binary, 5 B"_s});
        row("message count",
            [](SessionSpec& s) {
                s.messages.insert(s.messages.begin() + 4,
                                  SessionSpec().add(Direction::Server, 1, "extra").messages[0]);
            },
            {u"message count | server messages | 2 | 3"_s});
        row("control messages",
            [](SessionSpec& s) {
                SessionSpec extra;
                extra.add(Direction::Client, 9, "p").add(Direction::Server, 10, "p");
                s.messages.insert(s.messages.begin() + 4, extra.messages.begin(),
                                  extra.messages.end());
            },
            {u"message count | client control messages | 0 | 1"_s,
             u"message count | server control messages | 0 | 1"_s});
        row("masking",
            [](SessionSpec& s) { s.messages[0].frames[0].masking = RawMasking::Unmasked; },
            {u"masking | client frames | all 4 masked | 3 of 4 masked"_s,
             u"anomaly | client: unmasked-client-frame |  | "_s});
        row("close code",
            [](SessionSpec& s) {
                s.messages[4] = SessionSpec().close(Direction::Client, 1001, "bye").messages[0];
            },
            {u"close code | client close | 1000 Normal Closure | 1001 Going Away"_s});
        row("close reason",
            [](SessionSpec& s) {
                s.messages[4] = SessionSpec().close(Direction::Client, 1000, "ciao").messages[0];
            },
            {u"close reason | client close | bye | ciao"_s});
        row("ending",
            [](SessionSpec& s) {
                s.messages.pop_back();
                s.reset = true;
            },
            {u"close code | server close | 1000 Normal Closure | no close frame"_s,
             u"connection end | connection end | close-handshake, closed first by client | rst, "
             u"closed first by client"_s});
    }

    void findsEachKindOfDifference() {
        QFETCH(Mutation, change);
        QFETCH(QStringList, expected);
        SessionSpec right = baseSession();
        change(right);
        QString why;
        const QString leftPath = dir_.filePath(u"left.pcapng"_s);
        const QString rightPath = dir_.filePath(u"right.pcapng"_s);
        QVERIFY2(writeSession(leftPath, baseSession(), why), qPrintable(why));
        QVERIFY2(writeSession(rightPath, right, why), qPrintable(why));
        const auto left = load(leftPath);
        const auto changed = load(rightPath);
        QVERIFY(left && changed);
        QStringList got = summary(diffSessions(*left, 1, *changed, 1));
        // Anomaly details are the dissector's words: only the kind is held here.
        for (QString& line : got) {
            if (line.startsWith(u"anomaly | "_s)) {
                line = line.section(u" | "_s, 0, 1) + u" |  | "_s;
            }
        }
        if (got != expected) {
            qWarning("got:\n%s", qPrintable(got.join(u'\n')));
        }
        QCOMPARE(got, expected);
        // Both ways round, the same differences (left and right swapped).
        QCOMPARE(diffSessions(*changed, 1, *left, 1).size(), std::size_t(expected.size()));
    }

    void missingConnectionComparesAsEmpty() {
        QString why;
        const QString path = dir_.filePath(u"one.pcapng"_s);
        QVERIFY2(writeSession(path, baseSession(), why), qPrintable(why));
        const auto document = load(path);
        QVERIFY(document);
        const auto differences = diffSessions(*document, 1, *document, 2);
        QVERIFY(!differences.empty());
        QCOMPARE(summary(differences).first(),
                 u"handshake | opening handshake | handshake | no handshake"_s);
    }

    void comparesQtWithOursInTheTab() {
        session::ServerOptions options;
        options.echo = true;
        session::WebSocketServer server(options);
        QVERIFY(server.listen());

        ComparisonSession tab;
        tab.resize(1200, 900);
        tab.show();
        tab.setUrl(u"ws://127.0.0.1:"_s + QString::number(server.serverPort()) + u"/cmp"_s);
        tab.setHeaders(u"X-Trace: 42"_s);
        tab.setSubprotocols(u"chat, other"_s);
        tab.setOrigin(u"http://origin.test"_s);
        QString why;
        QVERIFY2(tab.connectBoth(&why), qPrintable(why));
        QTRY_VERIFY_WITH_TIMEOUT(tab.oursConnected() && tab.qtConnected(), kTimeoutMs);
        QVERIFY(tab.composer().sendEnabled());

        ComposedMessage text;
        text.opcode = 1;
        text.payload = "same on both";
        emit tab.composer().sendRequested(text);
        ComposedMessage big;
        big.opcode = 2;
        big.payload = QByteArray(1 << 20, 'z');
        emit tab.composer().sendRequested(big);

        const auto messages = [](SessionPane& pane) {
            return pane.view().document().index().messageCount();
        };
        QTRY_COMPARE_WITH_TIMEOUT(messages(tab.oursPane()), RowId(4), kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(messages(tab.qtPane()), RowId(4), kTimeoutMs);
        // Refreshed as rows arrive. Qt puts Origin before Sec-WebSocket-Version
        // and sends a 1 MiB message in its default 512 KiB frames; everything
        // else (header values, subprotocols, the text, the echoes) is the same.
        const QStringList expected = {
            u"request header order | request header order | Host, Upgrade, Connection, "
            u"Sec-WebSocket-Version, Origin, Sec-WebSocket-Protocol, X-Trace | Host, Upgrade, "
            u"Connection, Origin, Sec-WebSocket-Version, Sec-WebSocket-Protocol, X-Trace"_s,
            u"frames per message | client message 2 | 1 frame: 1048576 B | 2 frames: 524288 + "
            u"524288 B"_s};
        QTRY_COMPARE_WITH_TIMEOUT(summary(tab.differences()), expected, kTimeoutMs);
        const QStringList got = summary(tab.differences());
        for (const QString& line : got) {
            QVERIFY2(!line.startsWith(u"message payload"_s), qPrintable(line));
            QVERIFY2(!line.startsWith(u"request header | X-Trace"_s), qPrintable(line));
        }
        QCOMPARE(tab.differenceList()->topLevelItemCount(), got.size());
        QCOMPARE(tab.status(), QString());

        // A pong goes on our side only, and the tab says so.
        ComposedMessage pong;
        pong.opcode = 10;
        emit tab.composer().sendRequested(pong);
        QVERIFY(tab.status().contains(u"unsolicited pong"_s));

        tab.disconnectBoth(1000, u"done"_s);
        QTRY_VERIFY_WITH_TIMEOUT(!tab.oursConnected() && !tab.qtConnected(), kTimeoutMs);
        const auto ended = [](SessionPane& pane) {
            const ConnectionRecord* c = pane.view().document().index().connection(1);
            return c && c->end.has_value();
        };
        // Each connection's end reaches its document while the streams stay open.
        QVERIFY(tab.qtClient() && tab.qtClient()->relay());
        QTRY_COMPARE_WITH_TIMEOUT(tab.qtClient()->relay()->activeLinks(), 0, kTimeoutMs);
        QTRY_VERIFY2_WITH_TIMEOUT(ended(tab.oursPane()), "ours never ended", kTimeoutMs);
        QTRY_VERIFY2_WITH_TIMEOUT(ended(tab.qtPane()), "Qt's never ended", kTimeoutMs);
        QVERIFY(tab.oursPane().view().document().live());
        QVERIFY(tab.qtPane().view().document().live());
        tab.refreshDifferences();
        for (const QString& line : summary(tab.differences())) {
            QVERIFY2(!line.startsWith(u"close code"_s), qPrintable(line));
        }
    }

    void caFileMakesBothClientsTrustTheServer() {
#if !QT_CONFIG(ssl)
        QSKIP("this Qt has no TLS support");
#else
        const QString cert = dir_.filePath(u"cmp-cert.pem"_s);
        const QString key = dir_.filePath(u"cmp-key.pem"_s);
        bool missing = false;
        const QString made = test::makeSelfSignedCertificate(cert, key, &missing);
        if (missing) {
            QSKIP(qPrintable(made));
        }
        QVERIFY2(made.isEmpty(), qPrintable(made));
        session::ServerOptions options;
        options.echo = true;
        options.certificateFile = cert;
        options.privateKeyFile = key;
        session::WebSocketServer server(options);
        QVERIFY2(server.listen(QHostAddress::LocalHost), qPrintable(server.errorString()));

        ComparisonSession tab;
        tab.setUrl(u"wss://127.0.0.1:"_s + QString::number(server.serverPort()) + u"/tls"_s);
        QString why;
        // System CAs only: both sides refuse the self-signed certificate, each saying so.
        QVERIFY2(tab.connectBoth(&why), qPrintable(why));
        const QString expectedStatus =
            u"Sockscope: The certificate is self-signed, and untrusted\nQt WebSockets relay: "
            u"cannot reach the target: The certificate is self-signed, and untrusted"_s;
        QTRY_COMPARE_WITH_TIMEOUT(tab.status(), expectedStatus, kTimeoutMs);
        QVERIFY(!tab.oursConnected() && !tab.qtConnected());

        // A CA file without a certificate in it: refused before connecting.
        tab.setCaFile(key);
        QVERIFY(!tab.connectBoth(&why));
        QCOMPARE(why, u"CA file cmp-key.pem: no PEM certificate in it"_s);

        // The certificate as an extra CA: both connect, and both echoes arrive.
        tab.setCaFile(cert);
        QVERIFY(tab.tlsOptions().warning()->isHidden());
        QVERIFY2(tab.connectBoth(&why), qPrintable(why));
        QTRY_VERIFY_WITH_TIMEOUT(tab.oursConnected() && tab.qtConnected(), kTimeoutMs);
        QCOMPARE(tab.status(), QString());
        ComposedMessage text;
        text.opcode = 1;
        text.payload = "over TLS";
        emit tab.composer().sendRequested(text);
        const auto messages = [](SessionPane& pane) {
            return pane.view().document().index().messageCount();
        };
        QTRY_COMPARE_WITH_TIMEOUT(messages(tab.oursPane()), RowId(2), kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(messages(tab.qtPane()), RowId(2), kTimeoutMs);
        for (SessionPane* pane : {&tab.oursPane(), &tab.qtPane()}) {
            const CaptureDocument& document = pane->view().document();
            const MessageBytes bytes = document.messageBytes(1, 1 << 10);
            QCOMPARE(QByteArray(reinterpret_cast<const char*>(bytes.payload.data()),
                                qsizetype(bytes.payload.size())),
                     "over TLS"_ba);
        }
        tab.disconnectBoth();
        QTRY_VERIFY_WITH_TIMEOUT(!tab.oursConnected() && !tab.qtConnected(), kTimeoutMs);
#endif
    }

private:
    QTemporaryDir dir_;
};

QTEST_MAIN(ComparisonSessionTest)
#include "tst_comparison_session.moc"
