// The interactive console as a user drives it: the client tab against an
// in-process echo server (every message kind, fragments, ping, close), raw
// mode failing the connection on purpose, the session pane's document and
// its pcapng / JSON Lines, profiles and saved messages that persist, the
// composer's validation, the certificate warning, the console window.
#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <sockscope/core/raw_frame.h>

#include "console/client_options_form.h"
#include "console/client_session.h"
#include "console/close_code_picker.h"
#include "console/console_window.h"
#include "console/message_composer.h"
#include "console/payload_text.h"
#include "console/raw_frame_panel.h"
#include "console/server_session.h"
#include "console/session_pane.h"
#include "inspector/anomaly_table_model.h"
#include "inspector/capture_document.h"
#include "inspector/preferences.h"
#include "session/websocket_server.h"
#include "test_certificate.h"
#include "widgets/capture_view.h"
#include "widgets/main_window.h"

using namespace sockscope;
using namespace sockscope::ui;
using namespace Qt::StringLiterals;

namespace {

constexpr int kWaitMs = 10000;

// One message as the session's document shows it.
struct Shown {
    bool fromServer = false;
    int opcode = 0;
    QByteArray payload;
    std::uint32_t frames = 0;
    int closeCode = -1;  // -1: none
    bool operator==(const Shown&) const = default;
};

char* toString(const Shown& m) {
    return QTest::toString(
        u"%1 op=%2 frames=%3 close=%4 payload=%5"_s.arg(m.fromServer ? u"server"_s : u"client"_s)
            .arg(m.opcode)
            .arg(m.frames)
            .arg(m.closeCode)
            .arg(QString::fromLatin1(m.payload.toHex(' '))));
}

std::vector<Shown> messagesOf(const CaptureDocument& document) {
    std::vector<Shown> result;
    const CaptureIndex& index = document.index();
    for (RowId row = 0; row < index.messageCount(); ++row) {
        const MessageRecord m = index.message(row);
        const MessageBytes bytes = document.messageBytes(row, 1 << 20);
        Shown shown;
        shown.fromServer = m.fromServer();
        shown.opcode = m.opcode;
        shown.payload = QByteArray(reinterpret_cast<const char*>(bytes.payload.data()),
                                   qsizetype(bytes.payload.size()));
        shown.frames = m.frames;
        shown.closeCode = (m.flags & message_flag::HasCloseCode) ? int(m.closeCode) : -1;
        result.push_back(shown);
    }
    return result;
}

QString echoUrl(const session::WebSocketServer& server) {
    return u"ws://127.0.0.1:%1/echo"_s.arg(server.serverPort());
}

}  // namespace

class TestConsole : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        // Settings in this run's own folder: profiles and saved messages start empty,
        // and runs side by side do not see each other's.
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir_.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.path());
        QCoreApplication::setOrganizationName(u"SockscopeTest"_s);
        QCoreApplication::setApplicationName(u"tst_console"_s);
        QVERIFY(QSettings().fileName().startsWith(dir_.path()));
    }

    void clientTabSendsEveryKindAndRecordsIt() {
        session::ServerOptions options;
        options.echo = true;
        session::WebSocketServer server(options);
        QVERIFY(server.listen(QHostAddress::LocalHost));

        ClientSession tab;
        tab.resize(1400, 900);
        tab.show();
        QVERIFY(QTest::qWaitForWindowExposed(&tab));
        QTest::keyClicks(tab.form().urlEdit(), echoUrl(server));
        QTest::keyClick(tab.form().urlEdit(), Qt::Key_Return);  // Enter connects
        QTRY_VERIFY_WITH_TIMEOUT(tab.isOpen(), kWaitMs);
        QCOMPARE(tab.statusText(), u"Open - subprotocol: none; extensions: none"_s);

        CaptureDocument& document = tab.pane().view().document();

        session::WebSocketConnection* connection = tab.connection();
        QVERIFY(connection);
        int echoed = 0;
        int pongs = 0;
        connect(connection, &session::WebSocketConnection::messageReceived, this,
                [&] { ++echoed; });
        connect(connection, &session::WebSocketConnection::pongReceived, this, [&] { ++pongs; });
        QSignalSpy closed(connection, &session::WebSocketConnection::closed);

        MessageComposer& composer = tab.composer();
        composer.setKind(MessageComposer::Kind::Text);
        composer.setText(u"hello"_s);
        QVERIFY(composer.send());
        QTRY_COMPARE_WITH_TIMEOUT(echoed, 1, kWaitMs);

        composer.setKind(MessageComposer::Kind::Json);
        composer.setText(u"{\"b\": 2, \"a\": [1, 2]}"_s);
        QCOMPARE(composer.errorText(), QString());
        QVERIFY(composer.send());
        QTRY_COMPARE_WITH_TIMEOUT(echoed, 2, kWaitMs);

        composer.setKind(MessageComposer::Kind::Binary);
        composer.setPayloadFormat(MessageComposer::PayloadFormat::Hex);
        composer.setText(u"01 02 03ff"_s);
        QVERIFY(composer.send());
        QTRY_COMPARE_WITH_TIMEOUT(echoed, 3, kWaitMs);

        composer.setKind(MessageComposer::Kind::Text);
        composer.setText(u"abcdefghi"_s);
        composer.setFragments(3);
        QVERIFY(composer.send());
        QTRY_COMPARE_WITH_TIMEOUT(echoed, 4, kWaitMs);
        composer.setFragments(1);

        composer.setKind(MessageComposer::Kind::Ping);
        composer.setPayloadFormat(MessageComposer::PayloadFormat::Text);
        composer.setText(u"p1"_s);
        QVERIFY(composer.send());
        QTRY_COMPARE_WITH_TIMEOUT(pongs, 1, kWaitMs);

        composer.setKind(MessageComposer::Kind::Close);
        composer.setCloseCode(close_code::Normal);
        composer.setCloseReason(u"bye"_s);
        QVERIFY(composer.send());
        QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, kWaitMs);
        QVERIFY(!tab.isOpen());
        QCOMPARE(tab.statusText(), u"Closed: 1000 (Normal Closure), by us"_s);
        QVERIFY(!composer.send());  // not connected any more
        QCOMPARE(composer.errorText(), u"Not connected"_s);

        const QByteArray json = "{\"b\": 2, \"a\": [1, 2]}";
        const QByteArray binary = QByteArray::fromHex("010203ff");
        const QByteArray closeBody = QByteArray::fromHex("03e8") + "bye";
        const std::vector<Shown> expected = {
            {false, 1, "hello", 1, -1},     {true, 1, "hello", 1, -1},
            {false, 1, json, 1, -1},        {true, 1, json, 1, -1},
            {false, 2, binary, 1, -1},      {true, 2, binary, 1, -1},
            {false, 1, "abcdefghi", 3, -1}, {true, 1, "abcdefghi", 1, -1},
            {false, 9, "p1", 1, -1},        {true, 10, "p1", 1, -1},
            {false, 8, closeBody, 1, 1000}, {true, 8, QByteArray::fromHex("03e8"), 1, 1000},
        };
        QTRY_VERIFY_WITH_TIMEOUT(document.index().messageCount() >= expected.size(), kWaitMs);
        // The connection's end reaches the document while the stream is still open.
        const auto ended = [&document] {
            const ConnectionRecord* c = document.index().connection(1);
            return c && c->end.has_value();
        };
        QTRY_VERIFY_WITH_TIMEOUT(ended(), kWaitMs);
        QVERIFY(document.live());
        QVERIFY2(document.error().isEmpty(), qPrintable(document.error()));
        QCOMPARE(tab.pane().error(), QString());
        const std::vector<Shown> shown = messagesOf(document);
        QCOMPARE(shown.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            QCOMPARE(shown[i], expected[i]);
        QCOMPARE(document.index().connections().size(), std::size_t(1));
        const ConnectionRecord& record = document.index().connections().begin()->second;
        QVERIFY(record.handshake.has_value());
        QCOMPARE(record.closeCode, std::optional<std::uint16_t>(1000));
        QCOMPARE(record.closedFirstBy, std::optional(dissector::Direction::Client));
        QCOMPARE(document.index().anomalyCount(), RowId(0));

        // Saving wants the whole stream: ending the session ends it and the
        // document finishes with every packet read.
        tab.pane().finish();
        QTRY_VERIFY_WITH_TIMEOUT(!document.loading(), kWaitMs);
        QVERIFY2(document.error().isEmpty(), qPrintable(document.error()));
        QCOMPARE(messagesOf(document).size(), expected.size());

        // Saved as pcapng and opened again: the same messages.
        const QString saved = dir_.filePath(u"session.pcapng"_s);
        QString error;
        QVERIFY2(tab.pane().saveCapture(saved, error), qPrintable(error));
        CaptureDocument reopened;
        QVERIFY(reopened.open(saved));
        QTRY_VERIFY_WITH_TIMEOUT(!reopened.loading(), kWaitMs);
        QCOMPARE(reopened.error(), QString());
        const std::vector<Shown> again = messagesOf(reopened);
        QCOMPARE(again.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            QCOMPARE(again[i], expected[i]);

        // JSON Lines: one "message" line per message, in the same order and bytes.
        const QString jsonl = dir_.filePath(u"session.jsonl"_s);
        QVERIFY2(tab.pane().exportJsonl(jsonl, error), qPrintable(error));
        QFile file(jsonl);
        QVERIFY(file.open(QIODevice::ReadOnly));
        std::vector<QByteArray> payloads;
        int connections = 0;
        for (const QByteArray& line : file.readAll().split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject event = QJsonDocument::fromJson(line).object();
            QVERIFY2(!event.isEmpty(), line.constData());
            if (event.value(u"event"_s) == u"connection"_s)
                ++connections;
            if (event.value(u"event"_s) == u"message"_s)
                payloads.push_back(
                    QByteArray::fromBase64(event.value(u"payload_b64"_s).toString().toLatin1()));
        }
        QCOMPARE(connections, 1);
        QCOMPARE(payloads.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            QCOMPARE(payloads[i], expected[i].payload);
    }

    void rawPresetFailsTheConnection() {
        session::ServerOptions options;
        options.echo = true;
        session::WebSocketServer server(options);
        QVERIFY(server.listen(QHostAddress::LocalHost));
        ClientSession tab;
        tab.show();
        tab.form().setUrl(echoUrl(server));
        QVERIFY(tab.connectToServer());
        QTRY_VERIFY_WITH_TIMEOUT(tab.isOpen(), kWaitMs);
        QSignalSpy closed(tab.connection(), &session::WebSocketConnection::closed);

        RawFramePanel& raw = tab.rawPanel();
        QVERIFY(raw.applyPreset("reserved-opcode"));
        // The preview is the frame with the fixed preview key: 83 85 (FIN, opcode 3,
        // masked, 5 bytes), the key, "Hello" masked with it.
        RawFrameSpec spec;
        spec.opcode = 0x3;
        spec.payload = {'H', 'e', 'l', 'l', 'o'};
        const std::vector<std::uint8_t> frame =
            buildRawFrame(Role::Client, spec, RawFramePanel::kPreviewKey);
        QCOMPARE(raw.previewText(), hexText(QByteArray(reinterpret_cast<const char*>(frame.data()),
                                                       qsizetype(frame.size()))));
        QVERIFY(raw.previewText().startsWith(u"83 85 12 34 56 78"_s));
        QVERIFY(raw.send());
        QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, kWaitMs);
        const auto info = closed.first().first().value<event::Closed>();
        QCOMPARE(info.code, std::optional<std::uint16_t>(close_code::ProtocolError));
        QVERIFY(tab.statusText().startsWith(u"Closed: 1002 (Protocol Error)"_s));

        CaptureDocument& document = tab.pane().view().document();
        QTRY_VERIFY_WITH_TIMEOUT(document.index().messageCount() >= 2, kWaitMs);
        const std::vector<Shown> shown = messagesOf(document);
        // The reserved-opcode frame makes no message; the server's close with 1002, our reply.
        QVERIFY(shown.size() >= 1);
        QCOMPARE(shown[0].fromServer, true);
        QCOMPARE(shown[0].opcode, 8);
        QCOMPARE(shown[0].closeCode, 1002);
        QTRY_VERIFY_WITH_TIMEOUT(document.index().anomalyCount() >= 1, kWaitMs);
        QCOMPARE(QString::fromStdString(document.index().anomaly(0).kind), u"reserved-opcode"_s);
    }

    void reconnectsAndRecordsEveryConnection() {
        session::ServerOptions options;
        options.echo = true;
        session::WebSocketServer server(options);
        QVERIFY(server.listen(QHostAddress::LocalHost));
        ClientSession tab;
        tab.form().setUrl(echoUrl(server));
        tab.form().setAutoReconnect(true);
        tab.form().setKeepAlive(true, 1, 5);
        QVERIFY(tab.connectToServer());
        QTRY_VERIFY_WITH_TIMEOUT(tab.isOpen(), kWaitMs);
        // The keepalive's first ping comes after 1 s; its pong gives the round trip.
        QTRY_VERIFY_WITH_TIMEOUT(tab.roundTripText().startsWith(u"RTT "_s), kWaitMs);
        QVERIFY(tab.roundTripText().endsWith(u" ms"_s));

        QSignalSpy statuses(&tab, &ClientSession::statusChanged);
        server.closeAll(close_code::GoingAway, "restart");
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isOpen(), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(tab.isOpen(), kWaitMs);  // the reconnect
        bool announced = false;
        for (const QList<QVariant>& args : statuses) {
            const QString status = args.first().toString();
            if (status.startsWith(
                    u"Closed: 1001 (Going Away) \u201crestart\u201d, by the server"_s) &&
                status.contains(u" - reconnecting in "_s) && status.endsWith(u"(attempt 1)"_s))
                announced = true;
        }
        QVERIFY(announced);
        CaptureDocument& document = tab.pane().view().document();
        QTRY_COMPARE_WITH_TIMEOUT(document.index().connections().size(), std::size_t(2), kWaitMs);

        tab.disconnectFromServer();
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isOpen(), kWaitMs);
        QTest::qWait(1500);  // longer than the first back-off: no reconnect after Disconnect
        QVERIFY(!tab.isOpen());
        QVERIFY(tab.connection() == nullptr || tab.connection()->isFinished());
    }

    void profilesPersistAcrossWidgets() {
        {
            ClientSession tab;
            ClientOptionsForm& form = tab.form();
            form.setUrl(u"wss://example.com:9443/chat?room=1"_s);
            form.addHeader(u"Authorization"_s, u"Bearer abc"_s);
            form.setSubprotocols(u"chat, superchat"_s);
            form.setOrigin(u"https://example.com"_s);
            form.setDeflate(true);
            form.setAutoReconnect(true);
            form.setKeepAlive(true, 15, 5);
            form.setAutoPong(false);
            tab.saveProfile(u"staging"_s);
            form.setUrl(u"ws://localhost:1/"_s);
            tab.saveProfile(u"local"_s);
        }
        ClientSession other;
        QCOMPARE(other.profileNames(), (QStringList{u"local"_s, u"staging"_s}));
        QVERIFY(other.loadProfile(u"staging"_s));
        QString error;
        const std::optional<ClientSettings> settings = other.form().settings(&error);
        QVERIFY2(settings, qPrintable(error));
        QVERIFY(settings->url.secure);
        QCOMPARE(settings->url.host, u"example.com"_s);
        QCOMPARE(settings->url.port, quint16(9443));
        QCOMPARE(settings->url.target, std::string("/chat?room=1"));
        QCOMPARE(settings->options.extraHeaders.size(), std::size_t(1));
        QCOMPARE(settings->options.extraHeaders[0].name, std::string("Authorization"));
        QCOMPARE(settings->options.extraHeaders[0].value, std::string("Bearer abc"));
        QCOMPARE(settings->options.subprotocols, (std::vector<std::string>{"chat", "superchat"}));
        QCOMPARE(settings->options.origin, std::optional<std::string>("https://example.com"));
        QVERIFY(settings->options.deflate);
        QVERIFY(!settings->options.autoPong);
        QVERIFY(settings->reconnect.enabled);
        QVERIFY(settings->keepAlive.enabled);
        QCOMPARE(settings->keepAlive.interval, std::chrono::milliseconds(15000));
        QCOMPARE(settings->keepAlive.timeout, std::chrono::milliseconds(5000));

        other.deleteProfile(u"local"_s);
        QCOMPARE(ClientSession().profileNames(), QStringList{u"staging"_s});
        QVERIFY(!other.loadProfile(u"local"_s));
    }

    // The limits set in Preferences bound the console's endpoints too.
    void clientAndServerTabsApplyTheSavedLimits() {
        Preferences prefs;
        prefs.setLimit(Limit::MaxMessageSize, 5 << 20);
        prefs.setLimit(Limit::MaxHeaderFields, 500);
        {
            QSettings settings;
            prefs.save(settings);
        }
        ClientSession client;
        client.form().setUrl(u"ws://127.0.0.1:1/"_s);
        const auto clientSettings = client.form().settings();
        QVERIFY(clientSettings);
        QCOMPARE(clientSettings->options.limits.maxMessageSize, std::uint64_t(5 << 20));
        QCOMPARE(clientSettings->options.limits.maxHeaderFields, std::size_t(500));
        ServerSession server;
        const auto serverSettings = server.settings();
        QVERIFY(serverSettings);
        QCOMPARE(serverSettings->options.limits.maxMessageSize, std::uint64_t(5 << 20));
        QCOMPARE(serverSettings->options.limits.maxHeaderFields, std::size_t(500));
        QSettings().clear();  // the other tests use the defaults
    }

    void invalidFieldsAreRefusedWithWhy() {
        ClientSession tab;
        tab.form().setUrl(u"http://example.com/"_s);
        QVERIFY(!tab.connectToServer());
        QVERIFY2(tab.statusText().startsWith(u"URL: "_s), qPrintable(tab.statusText()));
        tab.form().setUrl(u"ws://example.com/"_s);
        tab.form().addHeader(u"Sec-WebSocket-Key"_s, u"x"_s);
        QString error;
        QVERIFY(!tab.form().settings(&error));
        QVERIFY2(error.startsWith(u"Header row 1: "_s), qPrintable(error));
        tab.form().headerTable()->setRowCount(0);
        tab.form().setSubprotocols(u"chat, two words"_s);
        QVERIFY(!tab.form().settings(&error));
        QVERIFY2(error.startsWith(u"Subprotocol 2 (\"two words\")"_s), qPrintable(error));
    }

    void savedMessagesPersistAcrossWidgets() {
        {
            MessageComposer composer;
            composer.setKind(MessageComposer::Kind::Binary);
            composer.setPayloadFormat(MessageComposer::PayloadFormat::Base64);
            composer.setText(u"AAEC/w=="_s);
            composer.setFragments(2);
            composer.saveCurrent(u"bytes"_s);
            composer.setKind(MessageComposer::Kind::Close);
            composer.setCloseCode(4001);
            composer.setCloseReason(u"done"_s);
            composer.saveCurrent(u"close 4001"_s);
        }
        MessageComposer composer;
        QCOMPARE(composer.savedNames(), (QStringList{u"bytes"_s, u"close 4001"_s}));
        QCOMPARE(composer.savedList()->count(), 2);
        QVERIFY(composer.loadSaved(u"bytes"_s));
        auto message = composer.message();
        QVERIFY(message);
        QCOMPARE(message->opcode, std::uint8_t(2));
        QCOMPARE(message->payload, QByteArray::fromHex("000102ff"));
        QCOMPARE(message->fragments, 2);
        QVERIFY(composer.loadSaved(u"close 4001"_s));
        message = composer.message();
        QVERIFY(message);
        QCOMPARE(message->opcode, std::uint8_t(8));
        QCOMPARE(message->closeCode, std::optional<std::uint16_t>(4001));
        QCOMPARE(message->payload, QByteArray("done"));

        QVERIFY(composer.renameSaved(u"bytes"_s, u"four bytes"_s));
        QVERIFY(!composer.renameSaved(u"four bytes"_s, u"close 4001"_s));  // taken
        composer.deleteSaved(u"close 4001"_s);
        QCOMPARE(MessageComposer().savedNames(), QStringList{u"four bytes"_s});
    }

    void composerShowsWhyAMessageIsInvalid() {
        MessageComposer composer;
        composer.setKind(MessageComposer::Kind::Json);
        composer.setText(u"{\"a\": 1,\n  \"b\": }"_s);
        QVERIFY(!composer.message());
        QVERIFY2(composer.errorText().startsWith(u"JSON error at line 2, column "_s),
                 qPrintable(composer.errorText()));
        QVERIFY(!composer.send());
        composer.setText(u"{\"b\":1,\"a\":[true,null]}"_s);
        QCOMPARE(composer.errorText(), QString());
        // Ctrl+Enter in the editor sends it.
        composer.show();
        QVERIFY(QTest::qWaitForWindowActive(&composer));
        QSignalSpy sent(&composer, &MessageComposer::sendRequested);
        QPlainTextEdit* editor = composer.findChild<QPlainTextEdit*>();
        QVERIFY(editor);
        editor->setFocus();
        QTest::keyClick(editor, Qt::Key_Return, Qt::ControlModifier);
        QCOMPARE(sent.count(), 1);
        QCOMPARE(sent.first().first().value<ComposedMessage>().payload,
                 QByteArray("{\"b\":1,\"a\":[true,null]}"));
        QVERIFY(composer.prettyPrint());
        // Indented, member order kept; sent as shown.
        QCOMPARE(composer.text(), u"{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null\n  ]\n}"_s);
        QCOMPARE(composer.message()->payload, composer.text().toUtf8());

        composer.setKind(MessageComposer::Kind::Binary);
        composer.setPayloadFormat(MessageComposer::PayloadFormat::Hex);
        composer.setText(u"01 0g"_s);
        QCOMPARE(composer.errorText(), u"Hex: 'g' at character 5 is not a hex digit"_s);
        composer.setText(u"01 0"_s);
        QCOMPARE(composer.errorText(),
                 u"Hex: odd number of hex digits: the last byte has one digit"_s);

        composer.setPayloadFormat(MessageComposer::PayloadFormat::File);
        composer.setFilePath(dir_.filePath(u"missing.bin"_s));
        QVERIFY(composer.errorText().startsWith(u"missing.bin: "_s));
        const QString big = dir_.filePath(u"big.bin"_s);
        {
            QFile file(big);
            QVERIFY(file.open(QIODevice::WriteOnly));
            QVERIFY(file.resize(MessageComposer::kMaxFileBytes + 1));
        }
        composer.setFilePath(big);
        QVERIFY2(composer.errorText().startsWith(u"big.bin is "_s) &&
                     composer.errorText().contains(u"over the"_s),
                 qPrintable(composer.errorText()));

        composer.setKind(MessageComposer::Kind::Ping);
        composer.setPayloadFormat(MessageComposer::PayloadFormat::Text);
        composer.setText(QString(125, u'x'));
        QCOMPARE(composer.errorText(), QString());
        composer.setText(QString(126, u'x'));
        QCOMPARE(composer.errorText(),
                 u"A ping payload is at most 125 bytes (RFC 6455 §5.5); this one is 126"_s);

        composer.setKind(MessageComposer::Kind::Close);
        composer.setCloseCode(1000);
        composer.setCloseReason(QString(123, u'r'));
        QCOMPARE(composer.errorText(), QString());
        composer.setCloseReason(QString(62, u'\u00e9'));  // 124 bytes of UTF-8
        QCOMPARE(composer.errorText(),
                 u"A close reason is at most 123 bytes of UTF-8; this one is 124"_s);
        composer.setCloseReason(u"why"_s);
        composer.setCloseCode(std::nullopt);
        QVERIFY(composer.errorText().startsWith(u"A reason needs a code"_s));
        composer.setCloseReason(QString());
        QCOMPARE(composer.message()->closeCode, std::optional<std::uint16_t>());
    }

    void payloadTextParsers() {
        QCOMPARE(*parseHexText(u"0x81,0x05 48:65 6C6c 6f"_s).bytes,
                 QByteArray::fromHex("8105"
                                     "48656c6c6f"));
        QCOMPARE(parseHexText(u"8 1"_s).error, u"byte 1 has only one hex digit (character 1)"_s);
        QCOMPARE(*parseBase64Text(u"SGVs bG8"_s).bytes, QByteArray("Hello"));
        QCOMPARE(*parseBase64Text(u"-_8"_s).bytes, QByteArray::fromHex("fbff"));
        QCOMPARE(parseBase64Text(u"SGV*"_s).error,
                 u"'*' at character 4 is not a base64 character"_s);
        QCOMPARE(hexText(QByteArray::fromHex("00ff10"), 2), u"00 ff ..."_s);
    }

    void closePickerListsTheRegisteredCodes() {
        ClosePicker picker;
        QCOMPARE(picker.code(), std::optional<std::uint16_t>(1000));
        QVERIFY(picker.combo()->findText(u"1002 Protocol Error"_s) >= 0);
        picker.setCode(std::nullopt);
        QCOMPARE(picker.code(), std::optional<std::uint16_t>());
        picker.setCode(4321);  // not registered: custom
        QCOMPARE(picker.combo()->currentData().toInt(), -2);
        QCOMPARE(picker.code(), std::optional<std::uint16_t>(4321));
    }

    void wssNeedsTrustOrIgnoringCertificateErrors() {
#if !QT_CONFIG(ssl)
        QSKIP("this Qt has no TLS support");
#else
        // A self-signed certificate made for this run (no key material in the repo).
        const QString cert = dir_.filePath(u"cert.pem"_s);
        const QString key = dir_.filePath(u"key.pem"_s);
        bool missing = false;
        const QString why =
            test::makeSelfSignedCertificate(cert, key, &missing, u"localhost"_s, {});
        if (missing)
            QSKIP(qPrintable(why));
        QVERIFY2(why.isEmpty(), qPrintable(why));

        session::ServerOptions options;
        options.echo = true;
        options.certificateFile = cert;
        options.privateKeyFile = key;
        session::WebSocketServer server(options);
        QVERIFY2(server.listen(QHostAddress::LocalHost), qPrintable(server.errorString()));
        const QString url = u"wss://127.0.0.1:%1/"_s.arg(server.serverPort());

        ClientSession tab;
        tab.form().setUrl(url);
        QVERIFY(tab.connectToServer());  // untrusted: the TLS handshake fails
        QTRY_VERIFY_WITH_TIMEOUT(tab.statusText().contains(u"Closed: "_s), kWaitMs);
        QVERIFY2(tab.statusText().startsWith(u"Error: "_s), qPrintable(tab.statusText()));
        QVERIFY(!tab.isOpen());

        QVERIFY(tab.ignoredCertificateErrors()->isHidden());

        tab.form().setIgnoreCertificateErrors(true);
        QVERIFY(tab.connectToServer());
        QTRY_VERIFY_WITH_TIMEOUT(tab.isOpen(), kWaitMs);
        // Which errors were ignored, in Qt's words, under the red warning.
        // (The certificate names localhost; the URL says 127.0.0.1.)
        QCOMPARE(tab.ignoredCertificateErrors()->text(),
                 u"Ignored: The host name did not match any of the valid hosts for this "
                 u"certificate; The certificate is self-signed, and untrusted"_s);
        QVERIFY(!tab.ignoredCertificateErrors()->isHidden());
        tab.composer().setKind(MessageComposer::Kind::Text);
        tab.composer().setText(u"over TLS"_s);
        QVERIFY(tab.composer().send());
        // The pane records the plaintext: the message reads as sent.
        CaptureDocument& document = tab.pane().view().document();
        QTRY_VERIFY_WITH_TIMEOUT(document.index().messageCount() >= 2, kWaitMs);
        const std::vector<Shown> shown = messagesOf(document);
        QCOMPARE(shown[0], (Shown{false, 1, "over TLS", 1, -1}));
        QCOMPARE(shown[1], (Shown{true, 1, "over TLS", 1, -1}));

        // An extra CA file that holds no certificate is refused before connecting.
        tab.disconnectFromServer();
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isOpen(), kWaitMs);
        QVariantMap profile = tab.form().toProfile();
        profile.insert(u"caFile"_s, key);
        tab.form().fromProfile(profile);
        QVERIFY(!tab.connectToServer());
        QCOMPARE(tab.statusText(), u"CA file key.pem: no PEM certificate in it"_s);

        // The next connection clears the list: trusting nothing, it fails and ignores nothing.
        profile.insert(u"caFile"_s, QString());
        profile.insert(u"ignoreCertificateErrors"_s, false);
        tab.form().fromProfile(profile);
        QVERIFY(tab.connectToServer());
        QCOMPARE(tab.ignoredCertificateErrors()->text(), QString());
        QVERIFY(tab.ignoredCertificateErrors()->isHidden());
        QTRY_VERIFY_WITH_TIMEOUT(tab.statusText().contains(u"Closed: "_s), kWaitMs);
        QCOMPARE(tab.ignoredCertificateErrors()->text(), QString());
#endif
    }

    void ignoreCertificateWarningIsVisibleWhileChecked() {
        ClientSession tab;
        tab.show();
        QVERIFY(QTest::qWaitForWindowExposed(&tab));
        QVERIFY(!tab.certificateWarning()->isVisible());
        tab.form().setIgnoreCertificateErrors(true);
        QVERIFY(tab.certificateWarning()->isVisible());
        QVERIFY(tab.certificateWarning()->text().contains(u"Certificate errors are ignored"_s));
        QVERIFY(tab.certificateWarning()->styleSheet().contains(u"#c62828"_s));
        tab.form().setIgnoreCertificateErrors(false);
        QVERIFY(!tab.certificateWarning()->isVisible());
    }

    void rawPanelFieldsAndPresets() {
        RawFramePanel panel;
        // Every preset can be chosen and previews exactly what buildRawFrame makes.
        for (const RawFramePreset& preset : rawFramePresets()) {
            QVERIFY(panel.applyPreset(preset.id));
            const auto spec = panel.spec();
            QVERIFY(spec);
            QCOMPARE(spec->opcode, preset.spec.opcode);
            QCOMPARE(spec->fin, preset.spec.fin);
            QCOMPARE(spec->rsv1, preset.spec.rsv1);
            QCOMPARE(spec->rsv2, preset.spec.rsv2);
            QCOMPARE(spec->rsv3, preset.spec.rsv3);
            QCOMPARE(spec->masking, preset.spec.masking);
            QCOMPARE(spec->length, preset.spec.length);
            QCOMPARE(spec->payload, preset.spec.payload);
            const auto bytes = buildRawFrame(Role::Client, preset.spec, RawFramePanel::kPreviewKey);
            QCOMPARE(panel.previewText(),
                     hexText(QByteArray(reinterpret_cast<const char*>(bytes.data()),
                                        qsizetype(bytes.size()))));
        }
        QVERIFY(!panel.applyPreset("no-such-preset"));
        QSignalSpy sent(&panel, &RawFramePanel::sendRequested);
        panel.setSendEnabled(false);
        QVERIFY(!panel.send());
        panel.setSendEnabled(true);
        QVERIFY(panel.send());
        QCOMPARE(sent.count(), 1);
    }

    void consoleWindowHostsSessions() {
        ConsoleWindow window;
        QCOMPARE(window.tabs()->count(), 0);
        QVERIFY(!window.currentPane());
        auto* first = new ClientSession;
        window.addSession(first, u"Client 1"_s);
        auto* plain = new QLabel(u"no pane"_s);
        window.addSession(plain, u"Other"_s);
        QCOMPARE(window.tabs()->currentIndex(), 1);
        QVERIFY(!window.currentPane());
        window.tabs()->setCurrentIndex(0);
        QCOMPARE(window.currentPane(), &first->pane());
        QPointer<QWidget> gone(first);
        window.closeSession(0);
        QVERIFY(gone.isNull());
        QCOMPARE(window.tabs()->count(), 1);
        QCOMPARE(window.tabs()->tabText(0), u"Other"_s);
    }

    void mainWindowOpensAClientSession() {
        MainWindow main;
        QAction* action = nullptr;
        for (QAction* a : main.menuBar()->actions()) {
            if (a->menu() && a->text() == u"C&onsole"_s) {
                for (QAction* item : a->menu()->actions())
                    if (item->text() == u"New &Client Session"_s)
                        action = item;
            }
        }
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(u"Ctrl+Shift+N"_s));
        action->trigger();
        ConsoleWindow* console = main.consoleWindow();
        QVERIFY(console->isVisible());
        QCOMPARE(console->tabs()->count(), 1);
        QCOMPARE(console->tabs()->tabText(0), u"Client 1"_s);
        QVERIFY(qobject_cast<ClientSession*>(console->tabs()->widget(0)));
        action->trigger();
        QCOMPARE(console->tabs()->count(), 2);
        QCOMPARE(console->tabs()->tabText(1), u"Client 2"_s);

        // The other sessions' entries; replaying needs one selected connection of a capture.
        QStringList entries;
        QAction* replay = nullptr;
        for (QAction* a : main.menuBar()->actions()) {
            if (a->menu() && a->text() == u"C&onsole"_s) {
                emit a->menu()->aboutToShow();
                for (QAction* item : a->menu()->actions()) {
                    if (item->isSeparator())
                        continue;
                    entries << item->text();
                    if (item->text().startsWith(u"&Replay"_s))
                        replay = item;
                }
            }
        }
        QCOMPARE(entries,
                 (QStringList{u"New &Client Session"_s, u"New &Server Session"_s,
                              u"Compare with &Qt WebSockets"_s, u"Run Con&formance Tests\u2026"_s,
                              u"&Replay Selected Connection\u2026"_s}));
        QVERIFY(replay);
        QVERIFY(!replay->isEnabled());
    }
};

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
