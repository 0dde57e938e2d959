// Live capture in the inspector: a Qt WebSockets conversation on lo captured
// by CaptureDocument::openLive (rows and payloads while it runs, read back
// from the growing temporary pcapng), the index held while batches arrive,
// stop, save and reopen; opening errors; capture filter checks; the live
// capture dialog offscreen and its permission help.
#include <sockscope/dissector/live_capture.h>

#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QWebSocket>

#include "inspector/capture_document.h"
#include "qt_echo_server.h"
#include "websocket_conversation.h"
#include "widgets/live_capture_dialog.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::ui;

namespace {

constexpr int kTimeoutMs = 10000;

QByteArray payloadOf(const CaptureDocument& document, RowId message) {
    const MessageBytes bytes = document.messageBytes(message, 1 << 20);
    return QByteArray(reinterpret_cast<const char*>(bytes.payload.data()),
                      qsizetype(bytes.payload.size()));
}

struct Expected {
    std::uint8_t opcode;
    bool fromServer;
    QByteArray payload;
};

// A message list as text, so a failure shows every row at once.
QString describe(const CaptureDocument& document, RowId first = 0) {
    QStringList rows;
    for (RowId m = first; m < document.index().messageCount(); ++m) {
        const MessageRecord r = document.index().message(m);
        rows << QStringLiteral("%1 %2 %3")
                    .arg(int(r.opcode))
                    .arg(r.fromServer() ? QStringLiteral("server") : QStringLiteral("client"),
                         QString::fromLatin1(payloadOf(document, m).toHex()));
    }
    return rows.join(QStringLiteral("; "));
}

QString describe(const std::vector<Expected>& expected) {
    QStringList rows;
    for (const Expected& e : expected)
        rows << QStringLiteral("%1 %2 %3")
                    .arg(int(e.opcode))
                    .arg(e.fromServer ? QStringLiteral("server") : QStringLiteral("client"),
                         QString::fromLatin1(e.payload.toHex()));
    return rows.join(QStringLiteral("; "));
}

QString helpText() {
    return QStringLiteral(
               "Capturing packets needs the capabilities CAP_NET_RAW and CAP_NET_ADMIN. Run "
               "Sockscope as root, or grant them to this program once and start it again:\n\n"
               "    sudo setcap cap_net_raw,cap_net_admin=eip ") +
           QCoreApplication::applicationFilePath();
}

}  // namespace

class TestLiveCapture : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString filePath_;  // a hand-built capture with five messages
    std::vector<Expected> fileMessages_;

    static bool noPermission(const QString& error) {
        return error.startsWith(QStringLiteral("no permission to capture"));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        c.client(clientFrame(1, bytesOf("one")));
        c.server(serverFrame(2, fromHex("00ff")));
        c.client(clientFrame(1, bytesOf("three")));
        c.client(clientFrame(8, fromHex("03e8")));
        c.server(serverFrame(8, fromHex("03e8")));
        c.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        filePath_ = dir_.filePath(QStringLiteral("file.pcap"));
        QVERIFY(b.save(filePath_.toStdString()));
        fileMessages_ = {{1, false, QByteArrayLiteral("one")},
                         {2, true, QByteArray::fromHex("00ff")},
                         {1, false, QByteArrayLiteral("three")},
                         {8, false, QByteArray::fromHex("03e8")},
                         {8, true, QByteArray::fromHex("03e8")}};
    }

    void validatesCaptureFilters() {
        std::string error = "untouched";
        QVERIFY(dissector::validateCaptureFilter("", 1, error));
        QVERIFY(dissector::validateCaptureFilter("tcp port 8765", 1, error));
        QVERIFY(dissector::validateCaptureFilter("host ::1 and tcp", 1, error));
        QCOMPARE(QString::fromStdString(error), QStringLiteral("untouched"));
        QVERIFY(!dissector::validateCaptureFilter("tcp port", 1, error));
        QCOMPARE(QString::fromStdString(error),
                 QStringLiteral("bad capture filter 'tcp port': can't parse filter expression: "
                                "syntax error"));
        QVERIFY(!dissector::validateCaptureFilter("tcp port 70000", 1, error));
        QCOMPARE(QString::fromStdString(error),
                 QStringLiteral("bad capture filter 'tcp port 70000': illegal port number 70000 "
                                "> 65535"));
    }

    void permissionHelpSaysHowToGrantIt() {
        const QString path = QCoreApplication::applicationFilePath();
        QVERIFY2(!path.contains(QLatin1Char(' ')), "the expected text assumes a plain path");
        QCOMPARE(LiveCaptureDialog::permissionHelp(QStringLiteral("cannot list: boom")),
                 QStringLiteral("cannot list: boom\n\n") + helpText());
        QCOMPARE(LiveCaptureDialog::permissionHelp(QString()), helpText());
        // openLive's own error carries a short how-to: it is not said twice.
        const QString error = QString::fromStdString(
            dissector::capturePermissionMessage("lo", "socket: Operation not permitted"));
        const QString help = LiveCaptureDialog::permissionHelp(error);
        QCOMPARE(help, QStringLiteral("no permission to capture on lo (socket: Operation not "
                                      "permitted)\n\n") +
                           helpText());
        QCOMPARE(help.count(QStringLiteral("sudo setcap")), 1);
    }

    void dialogListsInterfacesAndPrefersLoopback() {
        LiveCaptureDialog dialog;
        dialog.setInterfaces(std::vector<dissector::CaptureInterfaceInfo>{
            {"eth0", "Ethernet", {"192.0.2.7"}, false, true, true},
            {"lo", "", {"127.0.0.1", "::1"}, true, true, false}});
        auto* list = dialog.findChild<QTreeWidget*>(QStringLiteral("interfaces"));
        QVERIFY(list);
        QCOMPARE(list->topLevelItemCount(), 2);
        QCOMPARE(list->topLevelItem(0)->text(3), QStringLiteral("up, running"));
        QCOMPARE(list->topLevelItem(1)->text(2), QStringLiteral("127.0.0.1, ::1"));
        QCOMPARE(list->topLevelItem(1)->text(3), QStringLiteral("loopback, up"));
        QCOMPARE(dialog.captureOptions().interface, std::string("lo"));
        dialog.setInterface(QStringLiteral("eth0"));
        QCOMPARE(dialog.captureOptions().interface, std::string("eth0"));
        dialog.setInterface(QStringLiteral("gone0"));  // not listed: the choice stays
        QCOMPARE(dialog.captureOptions().interface, std::string("eth0"));
    }

    void dialogChecksTheFilterAsYouType() {
        LiveCaptureDialog dialog;
        dialog.setInterfaces(std::vector<dissector::CaptureInterfaceInfo>{
            {"lo", "", {"127.0.0.1"}, true, true, true}});
        auto* hint = dialog.findChild<QLabel*>(QStringLiteral("filterHint"));
        auto* start = dialog.findChild<QPushButton*>(QStringLiteral("start"));
        auto* ports = dialog.findChild<QLineEdit*>(QStringLiteral("ports"));
        auto* portsHint = dialog.findChild<QLabel*>(QStringLiteral("portsHint"));
        QVERIFY(hint && start && ports && portsHint);
        // The empty filter (everything) is valid.
        QTRY_COMPARE_WITH_TIMEOUT(
            hint->text(), QStringLiteral("No filter: every packet on the interface is captured."),
            kTimeoutMs);
        QVERIFY(start->isEnabled());

        dialog.setFilter(QStringLiteral("tcp port"));
        QVERIFY(!start->isEnabled());  // while the check runs
        QTRY_COMPARE_WITH_TIMEOUT(hint->text(),
                                  QStringLiteral("bad capture filter 'tcp port': can't parse "
                                                 "filter expression: syntax error"),
                                  kTimeoutMs);
        QVERIFY(!start->isEnabled());
        const QColor bad = hint->palette().color(QPalette::WindowText);
        QVERIFY(bad.red() > bad.green());

        dialog.setFilter(QStringLiteral("tcp port 8765"));
        QTRY_COMPARE_WITH_TIMEOUT(hint->text(), QStringLiteral("Valid filter."), kTimeoutMs);
        QVERIFY(start->isEnabled());
        const QColor good = hint->palette().color(QPalette::WindowText);
        QVERIFY(good.green() > good.red());
        QCOMPARE(dialog.captureOptions().filter, std::string("tcp port 8765"));

        // Typed fast: only the last text's answer counts.
        dialog.setFilter(QStringLiteral("udp port"));
        dialog.setFilter(QStringLiteral("udp port 5"));
        dialog.setFilter(QStringLiteral("udp port 53"));
        QTRY_VERIFY_WITH_TIMEOUT(start->isEnabled(), kTimeoutMs);
        QTest::qWait(200);
        QCOMPARE(hint->text(), QStringLiteral("Valid filter."));
        QVERIFY(start->isEnabled());

        ports->setText(QStringLiteral("8080, 9001 9001"));
        QCOMPARE(dialog.wsPorts(), (std::set<std::uint16_t>{8080, 9001}));
        QVERIFY(portsHint->isHidden());
        ports->setText(QStringLiteral("8080, 70000"));
        QVERIFY(!start->isEnabled());
        QVERIFY(!portsHint->isHidden());
        QCOMPARE(portsHint->text(), QStringLiteral("'70000' is not a port (1-65535)"));
        QCOMPARE(dialog.wsPorts(), std::set<std::uint16_t>{});
        dialog.setWsPorts({9002});
        QCOMPARE(ports->text(), QStringLiteral("9002"));
        QVERIFY(start->isEnabled());
    }

    void dialogExplainsPermissionWhenNothingIsListed() {
        LiveCaptureDialog dialog;
        auto* help = dialog.findChild<QLabel*>(QStringLiteral("permissionHelp"));
        auto* list = dialog.findChild<QTreeWidget*>(QStringLiteral("interfaces"));
        auto* start = dialog.findChild<QPushButton*>(QStringLiteral("start"));
        QVERIFY(help && list && start);
        dialog.setInterfaces(std::nullopt, QStringLiteral("cannot list capture interfaces: x"));
        QVERIFY(!help->isHidden());
        QVERIFY(list->isHidden());
        QCOMPARE(help->text(),
                 QStringLiteral("cannot list capture interfaces: x\n\n") + helpText());
        QTRY_VERIFY_WITH_TIMEOUT(
            !dialog.findChild<QLabel*>(QStringLiteral("filterHint"))->text().isEmpty(), kTimeoutMs);
        QVERIFY(!start->isEnabled());
        QCOMPARE(dialog.captureOptions().interface, std::string());

        dialog.setInterfaces(std::vector<dissector::CaptureInterfaceInfo>{});
        QCOMPARE(help->text(),
                 QStringLiteral("No interface to capture on was found: the system lists only "
                                "the ones this program may open.\n\n") +
                     helpText());
        QVERIFY(!start->isEnabled());
    }

    void reportsLiveOpenErrorsAtOnce() {
        CaptureDocument document;
        dissector::LiveCaptureOptions options;
        options.interface = "sockscope-nosuch0";
        // Without permission libpcap may say so first: then that is the error.
        QVERIFY(!document.openLive(options));
        if (!noPermission(document.error()))
            QCOMPARE(document.error(),
                     QStringLiteral("no such capture interface 'sockscope-nosuch0' (list them "
                                    "with: sockscope-cli capture -D)"));
        options.interface = "lo";
        options.filter = "tcp port";
        QVERIFY(!document.openLive(options));
        if (!noPermission(document.error()))
            QVERIFY2(document.error().startsWith(QStringLiteral("bad capture filter 'tcp port': ")),
                     qPrintable(document.error()));
        QVERIFY(!document.live());
        QVERIFY(!document.loading());
        document.stop();  // nothing to stop

        // A failed start leaves the document free for a capture.
        QSignalSpy finished(&document, &CaptureDocument::finished);
        QVERIFY2(document.open(filePath_), qPrintable(document.error()));
        QVERIFY(finished.wait(kTimeoutMs));
        QCOMPARE(document.index().messageCount(), RowId(fileMessages_.size()));
        QVERIFY(!document.openLive(options));
        QVERIFY(document.error().contains(QStringLiteral("already holds")));
    }

    void capturesAWebSocketConversationLive() {
        QtEchoServer server;
        const quint16 port = server.listen();
        QVERIFY(port != 0);
        CaptureDocument document;
        QSignalSpy appended(&document, &CaptureDocument::appended);
        QSignalSpy status(&document, &CaptureDocument::liveStatus);
        QSignalSpy finished(&document, &CaptureDocument::finished);
        dissector::LiveCaptureOptions options;
        options.interface = "lo";
        options.filter = "tcp port " + std::to_string(port);
        if (!document.openLive(options)) {
            if (noPermission(document.error()))
                QSKIP(qPrintable(QStringLiteral("cannot capture on lo: ") + document.error()));
            QFAIL(qPrintable(document.error()));
        }
        QVERIFY(document.live());
        QVERIFY(document.loading());
        QCOMPARE(document.path(), QString());

        QWebSocket client;
        QList<QByteArray> echoes;
        connect(&client, &QWebSocket::textMessageReceived, this,
                [&](const QString& m) { echoes << m.toUtf8(); });
        connect(&client, &QWebSocket::binaryMessageReceived, this,
                [&](const QByteArray& m) { echoes << m; });
        client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/live?room=1").arg(port)));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, kTimeoutMs);
        // One message at a time, so the order of the rows is known. (A lambda:
        // after a failed QTRY inside it the caller checks currentTestFailed().)
        std::vector<Expected> expected;
        const auto exchange = [&](std::uint8_t opcode, const QByteArray& payload) {
            const qsizetype before = echoes.size();
            if (opcode == 1)
                client.sendTextMessage(QString::fromUtf8(payload));
            else
                client.sendBinaryMessage(payload);
            expected.push_back({opcode, false, payload});
            expected.push_back({opcode, true, payload});
            QTRY_COMPARE_WITH_TIMEOUT(echoes.size(), before + 1, kTimeoutMs);
            QCOMPARE(echoes.last(), payload);
        };
        exchange(1, QStringLiteral("hello live ✓").toUtf8());
        if (QTest::currentTestFailed())
            return;
        exchange(2, QByteArray::fromHex("00ff1080"));
        if (QTest::currentTestFailed())
            return;

        // The rows appear while the capture runs, payloads read from the growing file.
        QTRY_COMPARE_WITH_TIMEOUT(document.index().messageCount(), RowId(4), kTimeoutMs);
        QVERIFY(document.live());
        QVERIFY(!appended.isEmpty());
        QCOMPARE(document.index().connections().size(), std::size_t(1));
        const ConnectionRecord* connection = document.index().connection(1);
        QVERIFY(connection && connection->handshake);
        QCOMPARE(connection->handshake->info().target, std::string("/live?room=1"));
        QCOMPARE(connection->handshake->info().status, 101);
        QVERIFY(connection->handshake->info().acceptOk);
        QCOMPARE(connection->server.port, port);
        QCOMPARE(describe(document), describe(expected));
        QVERIFY(!status.isEmpty());
        QCOMPARE(status.last().at(0).toULongLong(), quint64(document.index().packetCount()));

        // Saved while it runs: the packets of the batches received so far.
        QString error;
        const QString midPath = dir_.filePath(QStringLiteral("mid.pcapng"));
        QVERIFY2(document.saveCapture(midPath, error), qPrintable(error));
        {
            CaptureDocument mid;
            QSignalSpy midFinished(&mid, &CaptureDocument::finished);
            QVERIFY2(mid.open(midPath), qPrintable(mid.error()));
            QVERIFY(midFinished.wait(kTimeoutMs));
            QCOMPARE(midFinished.at(0).at(0).toString(), QString());
            QCOMPARE(describe(mid), describe(expected));
        }

        // Held: batches keep arriving but wait; released, they come in order.
        {
            const std::shared_ptr<void> hold = document.holdIndex();
            QVERIFY(document.held());
            appended.clear();
            for (int i = 0; i < 3; ++i) {
                exchange(1, QStringLiteral("held %1").arg(i).toUtf8());
                if (QTest::currentTestFailed())
                    return;
                QTest::qWait(150);  // a batch each
            }
            QTest::qWait(300);
            QCOMPARE(document.index().messageCount(), RowId(4));
            QCOMPARE(appended.count(), 0);
        }
        QVERIFY(!document.held());
        QTRY_COMPARE_WITH_TIMEOUT(document.index().messageCount(), RowId(10), kTimeoutMs);
        QVERIFY(appended.count() >= 1);
        QCOMPARE(describe(document), describe(expected));

        client.close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
        expected.push_back({8, false, QByteArray::fromHex("03e8") + "bye"});
        expected.push_back({8, true, QByteArray::fromHex("03e8") + "bye"});
        QTRY_VERIFY_WITH_TIMEOUT(server.disconnected, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(document.index().messageCount(), RowId(12), kTimeoutMs);
        QCOMPARE(describe(document), describe(expected));
        QCOMPARE(document.index().message(10).closeCode, std::uint16_t(1000));
        QCOMPARE(document.droppedPackets(), quint64(0));

        document.stop();
        QVERIFY(finished.wait(kTimeoutMs));
        QCOMPARE(finished.at(0).at(0).toString(), QString());
        QVERIFY(!document.live());
        QVERIFY(!document.loading());
        QCOMPARE(describe(document), describe(expected));
        QVERIFY(document.index().connection(1)->end.has_value());

        // Saved after the stop and opened again: the same capture.
        const QString path = dir_.filePath(QStringLiteral("live.pcapng"));
        QVERIFY2(document.saveCapture(path, error), qPrintable(error));
        QFile saved(path);
        QVERIFY(saved.open(QIODevice::ReadOnly));
        QCOMPARE(saved.read(4), QByteArray::fromHex("0a0d0d0a"));
        CaptureDocument reopened;
        QSignalSpy reopenedFinished(&reopened, &CaptureDocument::finished);
        QVERIFY2(reopened.open(path), qPrintable(reopened.error()));
        QVERIFY(reopenedFinished.wait(kTimeoutMs));
        QCOMPARE(reopenedFinished.at(0).at(0).toString(), QString());
        QCOMPARE(reopened.index().packetCount(), document.index().packetCount());
        QCOMPARE(describe(reopened), describe(expected));
        QCOMPARE(reopened.index().connection(1)->handshake->info().target,
                 std::string("/live?room=1"));
        QCOMPARE(reopened.index().connection(1)->end, document.index().connection(1)->end);
    }

    void holdQueuesTheBatchesOfAFile() {
        CaptureDocument document;
        QSignalSpy appended(&document, &CaptureDocument::appended);
        QSignalSpy finished(&document, &CaptureDocument::finished);
        std::shared_ptr<void> first = document.holdIndex();
        std::shared_ptr<void> second = document.holdIndex();
        QVERIFY2(document.open(filePath_), qPrintable(document.error()));
        QTest::qWait(300);  // the loader is done long before
        QCOMPARE(document.index().messageCount(), RowId(0));
        QCOMPARE(appended.count(), 0);
        QCOMPARE(finished.count(), 0);  // finished() follows the rows
        QVERIFY(document.loading());
        first.reset();
        QVERIFY(document.held());
        QTest::qWait(100);
        QCOMPARE(document.index().messageCount(), RowId(0));
        second.reset();
        QVERIFY(!document.held());
        QVERIFY(finished.wait(kTimeoutMs));
        QCOMPARE(finished.at(0).at(0).toString(), QString());
        QVERIFY(!document.loading());
        QVERIFY(appended.count() >= 1);
        QCOMPARE(describe(document), describe(fileMessages_));

        // A token may outlive its document.
        auto* gone = new CaptureDocument;
        std::shared_ptr<void> stale = gone->holdIndex();
        delete gone;
        stale.reset();
    }

    void savesACopyOfAFile() {
        CaptureDocument empty;
        QString error;
        QVERIFY(!empty.saveCapture(dir_.filePath(QStringLiteral("nothing.pcap")), error));
        QCOMPARE(error, QStringLiteral("there is no capture to save"));

        CaptureDocument document;
        QSignalSpy finished(&document, &CaptureDocument::finished);
        QVERIFY(document.open(filePath_));
        QVERIFY(finished.wait(kTimeoutMs));
        const QString copy = dir_.filePath(QStringLiteral("copy.pcap"));
        QVERIFY2(document.saveCapture(copy, error), qPrintable(error));
        QFile original(filePath_), copied(copy);
        QVERIFY(original.open(QIODevice::ReadOnly) && copied.open(QIODevice::ReadOnly));
        QCOMPARE(copied.readAll(), original.readAll());
        // Saved again over the copy: replaced, not refused.
        QVERIFY2(document.saveCapture(copy, error), qPrintable(error));
        QCOMPARE(QFileInfo(copy).size(), QFileInfo(filePath_).size());

        const QString bad = dir_.filePath(QStringLiteral("no-such-dir/copy.pcap"));
        QVERIFY(!document.saveCapture(bad, error));
        QVERIFY2(error.startsWith(QStringLiteral("cannot create ") + bad), qPrintable(error));
    }
};

QTEST_MAIN(TestLiveCapture)
#include "tst_live_capture.moc"
