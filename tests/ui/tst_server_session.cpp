// The console's server tab as a user drives it (offscreen): start on a free
// port, a QWebSocket client connects and is echoed, appears in the client
// table with its handshake, and the session pane's document shows the
// connection's messages; manual mode sends to the selected client or to all;
// refused handshakes are logged with the reason; a non-loopback address needs
// the tick and shows the warning while listening.

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QWebSocket>

#include "console/message_composer.h"
#include "console/server_session.h"
#include "console/session_pane.h"
#include "inspector/capture_document.h"
#include "session/server_client_list.h"
#include "widgets/capture_view.h"

using namespace sockscope;
using namespace sockscope::ui;
using namespace Qt::StringLiterals;

namespace {

constexpr int kWaitMs = 10000;

struct Shown {
    bool fromServer = false;
    int opcode = 0;
    QByteArray payload;
    bool operator==(const Shown&) const = default;
};

char* toString(const Shown& m) {
    return QTest::toString(u"%1 op=%2 payload=%3"_s.arg(m.fromServer ? u"server"_s : u"client"_s)
                               .arg(m.opcode)
                               .arg(QString::fromUtf8(m.payload)));
}

std::vector<Shown> messagesOf(const CaptureDocument& document) {
    std::vector<Shown> result;
    const CaptureIndex& index = document.index();
    for (RowId row = 0; row < index.messageCount(); ++row) {
        const MessageRecord m = index.message(row);
        const MessageBytes bytes = document.messageBytes(row, 1 << 20);
        result.push_back({m.fromServer(), m.opcode,
                          QByteArray(reinterpret_cast<const char*>(bytes.payload.data()),
                                     qsizetype(bytes.payload.size()))});
    }
    return result;
}

struct Client {
    explicit Client(const QString& origin = {}) : socket(origin) {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket,
                         [this](const QString& m) { texts.append(m); });
    }
    QWebSocket socket;
    QStringList texts;
};

QUrl urlOf(const ServerSession& tab, const QString& path = u"/"_s) {
    return QUrl(u"ws://127.0.0.1:%1%2"_s.arg(tab.server()->serverPort()).arg(path));
}

void selectMode(ServerSession& tab, session::ServerMode mode) {
    tab.modeCombo()->setCurrentIndex(tab.modeCombo()->findData(int(mode)));
}

}  // namespace

class TestServerSession : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"SockscopeTest"_s);
        QCoreApplication::setApplicationName(u"tst_server_session"_s);
        QSettings().clear();
    }

    void echoesAndShowsTheClient() {
        auto* widget = createServerSession(nullptr);
        std::unique_ptr<QWidget> owner(widget);
        auto* tab = qobject_cast<ServerSession*>(widget);
        QVERIFY(tab);
        tab->resize(1400, 900);
        tab->show();
        QVERIFY(QTest::qWaitForWindowExposed(tab));
        QCOMPARE(tab->hostEdit()->text(), u"127.0.0.1"_s);
        QCOMPARE(tab->statusText(), u"Not listening"_s);
        QVERIFY(!tab->composer().sendEnabled());

        tab->portSpin()->setValue(0);
        selectMode(*tab, session::ServerMode::Echo);
        tab->subprotocolsEdit()->setText(u"chat, json"_s);
        QVERIFY(tab->start());
        QVERIFY(tab->isListening());
        QCOMPARE(tab->statusText(),
                 u"Listening on ws://127.0.0.1:%1/"_s.arg(tab->server()->serverPort()));
        QVERIFY(!tab->remoteWarning()->isVisible());
        QVERIFY(!tab->hostEdit()->isEnabled());  // fixed while listening
        QVERIFY(tab->composer().sendEnabled());

        Client client;
        client.socket.open(urlOf(*tab, u"/echo?x=1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(client.socket.state(), QAbstractSocket::ConnectedState, kWaitMs);
        client.socket.sendTextMessage(u"hello server"_s);
        QTRY_COMPARE_WITH_TIMEOUT(client.texts, QStringList{u"hello server"_s}, kWaitMs);

        session::ServerClientList* clients = tab->clients();
        QVERIFY(clients);
        QCOMPARE(tab->clientTable()->model(), clients);
        QCOMPARE(clients->rowCount(), 1);
        const auto cell = [clients](session::ServerClientList::Column column) {
            return clients->data(clients->index(0, column)).toString();
        };
        QCOMPARE(cell(session::ServerClientList::Target), u"/echo?x=1"_s);
        QCOMPARE(cell(session::ServerClientList::State), u"open"_s);
        QCOMPARE(cell(session::ServerClientList::Peer),
                 u"127.0.0.1:%1"_s.arg(client.socket.localPort()));
        QTRY_COMPARE_WITH_TIMEOUT(cell(session::ServerClientList::MessagesOut), u"1"_s, kWaitMs);

        // Selecting the client shows its handshake.
        QVERIFY(tab->selectClient(1));
        const QString handshake = tab->handshakeText()->toPlainText();
        QVERIFY2(handshake.startsWith(u"GET /echo?x=1 HTTP/1.1\nHost: 127.0.0.1:"_s),
                 qPrintable(handshake));
        QVERIFY2(handshake.contains(u"\n\nHTTP/1.1 101 Switching Protocols\n"_s),
                 qPrintable(handshake));

        client.socket.close();
        QTRY_COMPARE_WITH_TIMEOUT(cell(session::ServerClientList::State),
                                  u"closed 1000 (by client)"_s, kWaitMs);

        // The pane recorded the connection: the same messages as a capture shows them.
        CaptureDocument& document = tab->pane().view().document();
        QTRY_VERIFY_WITH_TIMEOUT(document.index().messageCount() >= 4, kWaitMs);
        const std::vector<Shown> expected = {
            {false, 1, "hello server"},
            {true, 1, "hello server"},
            {false, 8, QByteArray::fromHex("03e8")},
            {true, 8, QByteArray::fromHex("03e8")},
        };
        const std::vector<Shown> shown = messagesOf(document);
        QCOMPARE(shown.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            QCOMPARE(shown[i], expected[i]);
        QCOMPARE(document.index().connections().size(), std::size_t(1));

        tab->stop();
        QVERIFY(!tab->isListening());
        QVERIFY(tab->hostEdit()->isEnabled());
    }

    void manualSendsToSelectedOrAll() {
        ServerSession tab;
        tab.portSpin()->setValue(0);
        selectMode(tab, session::ServerMode::Manual);
        QVERIFY(tab.start());
        Client a, b;
        a.socket.open(urlOf(tab));
        b.socket.open(urlOf(tab));
        QTRY_COMPARE_WITH_TIMEOUT(tab.server()->connectionIds().size(), 2, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(a.socket.state(), QAbstractSocket::ConnectedState, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(b.socket.state(), QAbstractSocket::ConnectedState, kWaitMs);

        MessageComposer& composer = tab.composer();
        composer.setKind(MessageComposer::Kind::Text);
        composer.setText(u"only b"_s);
        tab.setTarget(ServerSession::Target::SelectedClient);
        composer.send();
        QCOMPARE(tab.statusText(), u"Not sent: select a client in the table (or send to all)"_s);

        QVERIFY(tab.selectClient(2));
        QVERIFY(composer.send());
        QCOMPARE(tab.statusText(), u"Sent to client 2"_s);
        QTRY_COMPARE_WITH_TIMEOUT(b.texts, QStringList{u"only b"_s}, kWaitMs);

        composer.setText(u"everyone"_s);
        tab.setTarget(ServerSession::Target::AllClients);
        QVERIFY(composer.send());
        QCOMPARE(tab.statusText(), u"Sent to 2 client(s)"_s);
        QTRY_COMPARE_WITH_TIMEOUT(a.texts, QStringList{u"everyone"_s}, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(b.texts, (QStringList{u"only b"_s, u"everyone"_s}), kWaitMs);

        // The mode can change while listening.
        selectMode(tab, session::ServerMode::Broadcast);
        QCOMPARE(tab.server()->mode(), session::ServerMode::Broadcast);
        a.socket.sendTextMessage(u"from a"_s);
        QTRY_COMPARE_WITH_TIMEOUT(b.texts.size(), 3, kWaitMs);
        QCOMPARE(b.texts.last(), u"from a"_s);

        // Close to the selected client, with a code and a reason.
        QSignalSpy disconnected(&b.socket, &QWebSocket::disconnected);
        tab.setTarget(ServerSession::Target::SelectedClient);
        composer.setKind(MessageComposer::Kind::Close);
        composer.setCloseCode(4001);
        composer.setCloseReason(u"go"_s);
        QVERIFY(composer.send());
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kWaitMs);
        QCOMPARE(int(b.socket.closeCode()), 4001);  // as int: 4001 is outside the enum's range
        QCOMPARE(b.socket.closeReason(), u"go"_s);
    }

    void logsRefusedHandshakes() {
        ServerSession tab;
        tab.portSpin()->setValue(0);
        tab.originsEdit()->setPlainText(u"https://app.example\n\n"_s);
        QVERIFY(tab.start());
        Client refused(u"https://evil.example"_s);
        refused.socket.open(urlOf(tab));
        QTRY_VERIFY_WITH_TIMEOUT(!tab.refusedLog()->toPlainText().isEmpty(), kWaitMs);
        const QString line = tab.refusedLog()->toPlainText();
        static const QRegularExpression expected(
            uR"(^\d\d:\d\d:\d\d \[1\] 127\.0\.0\.1:\d+ HTTP 403: Origin 'https://evil\.example' is not in the allow-list$)"_s);
        QVERIFY2(expected.match(line).hasMatch(), qPrintable(line));
        QTRY_COMPARE_WITH_TIMEOUT(
            tab.clients()
                ->data(tab.clients()->index(0, session::ServerClientList::State))
                .toString(),
            u"refused 403"_s, kWaitMs);
        QVERIFY(tab.selectClient(1));
        QCOMPARE(tab.handshakeText()->toPlainText(),
                 u"Origin 'https://evil.example' is not in the allow-list"_s);

        Client allowed(u"https://app.example"_s);
        allowed.socket.open(urlOf(tab));
        QTRY_COMPARE_WITH_TIMEOUT(allowed.socket.state(), QAbstractSocket::ConnectedState, kWaitMs);
    }

    void nonLoopbackNeedsTheTick() {
        ServerSession tab;
        tab.resize(1200, 800);
        tab.show();
        QVERIFY(QTest::qWaitForWindowExposed(&tab));
        tab.portSpin()->setValue(0);
        tab.hostEdit()->setText(u"0.0.0.0"_s);
        QVERIFY(!tab.start());
        QCOMPARE(tab.statusText(),
                 u"0.0.0.0 is not loopback: other machines could connect. Tick \u201cLet other "
                 u"machines connect\u201d to listen there."_s);
        QVERIFY(!tab.isListening());

        tab.hostEdit()->setText(u"not an address"_s);
        QVERIFY(!tab.start());
        QCOMPARE(tab.statusText(), u"Host 'not an address' is not an IP address"_s);

        tab.hostEdit()->setText(u"0.0.0.0"_s);
        tab.allowRemote()->setChecked(true);
        QVERIFY2(tab.start(), qPrintable(tab.statusText()));
        QVERIFY(tab.remoteWarning()->isVisible());
        QVERIFY2(tab.remoteWarning()->text().contains(u"other machines can connect"_s),
                 qPrintable(tab.remoteWarning()->text()));
        tab.stop();
        QVERIFY(!tab.remoteWarning()->isVisible());
    }

    void refusesBadSettings() {
        ServerSession tab;
        tab.portSpin()->setValue(0);
        tab.certificateEdit()->setText(u"/nonexistent/cert.pem"_s);
        QVERIFY(!tab.start());
        QCOMPARE(tab.statusText(), u"TLS needs both a certificate file and a key file"_s);
        tab.keyEdit()->setText(u"/nonexistent/key.pem"_s);
        QVERIFY(!tab.start());
        QCOMPARE(tab.statusText(),
                 u"Cannot listen on 127.0.0.1:0: cannot read the certificate "
                 u"/nonexistent/cert.pem: No such file or directory"_s);

        // The deflate parameters reach the server options.
        tab.deflateBox()->setChecked(true);
        tab.serverNoContextTakeover()->setChecked(true);
        tab.serverMaxWindowBits()->setValue(10);
        tab.clientMaxWindowBits()->setValue(9);
        tab.originsEdit()->setPlainText(u" https://a.example \nhttp://b.example:8080"_s);
        const auto settings = tab.settings();
        QVERIFY(settings);
        const session::ServerOptions& options = settings->options;
        QVERIFY(options.deflate);
        QVERIFY(options.deflatePolicy.serverNoContextTakeover);
        QVERIFY(!options.deflatePolicy.clientNoContextTakeover);
        QCOMPARE(options.deflatePolicy.serverMaxWindowBits, 10);
        QCOMPARE(options.deflatePolicy.clientMaxWindowBits, std::optional<int>(9));
        QCOMPARE(options.allowedOrigins,
                 (std::vector<std::string>{"https://a.example", "http://b.example:8080"}));
        tab.clientMaxWindowBits()->setValue(tab.clientMaxWindowBits()->minimum());
        QCOMPARE(tab.settings()->options.deflatePolicy.clientMaxWindowBits, std::nullopt);
    }
};

QTEST_MAIN(TestServerSession)
#include "tst_server_session.moc"
