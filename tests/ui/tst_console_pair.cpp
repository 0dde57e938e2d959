// The console's client tab against its server tab, in one process: both
// sides with permessage-deflate and a subprotocol, driven through their
// composers. Each tab's pane must show the same conversation, compressed,
// from its own side of the socket, and the server's client table its client.

#include <QComboBox>
#include <QGroupBox>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "console/client_options_form.h"
#include "console/client_session.h"
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
    bool compressed = false;
    bool operator==(const Shown&) const = default;
};

char* toString(const Shown& m) {
    return QTest::toString(
        u"%1 op=%2 compressed=%3 payload=%4"_s.arg(m.fromServer ? u"server"_s : u"client"_s)
            .arg(m.opcode)
            .arg(m.compressed)
            .arg(QString::fromUtf8(m.payload)));
}

std::vector<Shown> messagesOf(const CaptureDocument& document) {
    std::vector<Shown> out;
    const CaptureIndex& index = document.index();
    for (RowId row = 0; row < index.messageCount(); ++row) {
        const MessageRecord m = index.message(row);
        const MessageBytes bytes = document.messageBytes(row, 1 << 20);
        out.push_back({m.fromServer(), m.opcode,
                       QByteArray(reinterpret_cast<const char*>(bytes.payload.data()),
                                  qsizetype(bytes.payload.size())),
                       bool(m.flags & message_flag::Compressed)});
    }
    return out;
}

}  // namespace

class TestConsolePair : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir_.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.path());
        QCoreApplication::setOrganizationName(u"SockscopeTest"_s);
        QCoreApplication::setApplicationName(u"tst_console_pair"_s);
    }

    void clientTabTalksToServerTab() {
        ServerSession server;
        server.portSpin()->setValue(0);  // any free port
        server.subprotocolsEdit()->setText(u"chat"_s);
        server.deflateBox()->setChecked(true);
        server.modeCombo()->setCurrentIndex(
            server.modeCombo()->findData(int(session::ServerMode::Echo)));
        QVERIFY2(server.start(), qPrintable(server.statusText()));
        const quint16 port = server.server()->serverPort();
        QVERIFY(port != 0);

        ClientSession client;
        client.form().setUrl(u"ws://127.0.0.1:%1/room?id=7"_s.arg(port));
        client.form().setSubprotocols(u"superchat, chat"_s);
        client.form().setDeflate(true);
        QVERIFY(client.connectToServer());
        QTRY_VERIFY_WITH_TIMEOUT(client.isOpen(), kWaitMs);
        // Our server answers the valueless client_max_window_bits with nothing (RFC 7692 §7.1.2.2).
        QCOMPARE(client.statusText(),
                 u"Open - subprotocol: chat; extensions: permessage-deflate"_s);

        // The server's table: one open client with the handshake's choices.
        session::ServerClientList* clients = server.clients();
        QVERIFY(clients);
        QTRY_COMPARE_WITH_TIMEOUT(clients->rowCount(), 1, kWaitMs);
        const auto cell = [clients](int column) {
            return clients->data(clients->index(0, column)).toString();
        };
        QCOMPARE(cell(session::ServerClientList::Target), u"/room?id=7"_s);
        QCOMPARE(cell(session::ServerClientList::Subprotocol), u"chat"_s);
        QVERIFY2(cell(session::ServerClientList::Extensions).startsWith(u"permessage-deflate"_s),
                 qPrintable(cell(session::ServerClientList::Extensions)));
        QCOMPARE(cell(session::ServerClientList::State), u"open"_s);

        // The client's message is echoed (the server is in echo mode) ...
        MessageComposer& composer = client.composer();
        composer.setKind(MessageComposer::Kind::Text);
        composer.setText(u"compressible compressible compressible"_s);
        QVERIFY(composer.send());
        CaptureDocument& clientDoc = client.pane().view().document();
        CaptureDocument& serverDoc = server.pane().view().document();
        QTRY_COMPARE_WITH_TIMEOUT(clientDoc.index().messageCount(), RowId(2), kWaitMs);
        // ... then the server tab sends one of its own to its selected client.
        QVERIFY(server.selectClient(server.server()->connectionIds().value(0)));
        server.setTarget(ServerSession::Target::SelectedClient);
        server.composer().setKind(MessageComposer::Kind::Text);
        server.composer().setText(u"from the server tab"_s);
        QVERIFY(server.composer().send());

        const std::vector<Shown> expected = {
            {false, 1, "compressible compressible compressible", true},
            {true, 1, "compressible compressible compressible", true},
            {true, 1, "from the server tab", true},
        };
        QTRY_COMPARE_WITH_TIMEOUT(clientDoc.index().messageCount(), RowId(expected.size()),
                                  kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(serverDoc.index().messageCount(), RowId(expected.size()),
                                  kWaitMs);
        for (const CaptureDocument* document : {&clientDoc, &serverDoc}) {
            const std::vector<Shown> shown = messagesOf(*document);
            QCOMPARE(shown.size(), expected.size());
            for (std::size_t i = 0; i < expected.size(); ++i)
                QCOMPARE(shown[i], expected[i]);
        }

        // The client closes; both panes see the close handshake end the connection.
        composer.setKind(MessageComposer::Kind::Close);
        composer.setCloseCode(close_code::Normal);
        composer.setCloseReason(u"done"_s);
        QVERIFY(composer.send());
        const auto endedCleanly = [](const CaptureDocument& document) {
            const auto& connections = document.index().connections();
            return connections.size() == 1 &&
                   connections.begin()->second.end == dissector::EndHow::CloseHandshake &&
                   connections.begin()->second.closeCode == std::optional<std::uint16_t>(1000);
        };
        QTRY_VERIFY_WITH_TIMEOUT(endedCleanly(clientDoc), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(endedCleanly(serverDoc), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(cell(session::ServerClientList::State),
                                  u"closed 1000 (by client)"_s, kWaitMs);
        server.stop();
        QVERIFY(!server.isListening());
    }
};

QTEST_MAIN(TestConsolePair)
#include "tst_console_pair.moc"
