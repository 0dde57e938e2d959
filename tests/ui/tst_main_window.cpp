// The main window as a user drives it: open a capture (command line,
// recent files, drag-and-drop), the connection and message tables it shows,
// the status bar counts, jumping from an anomaly to its frame, frames mode,
// "Decode ports as WebSocket", errors for bad files, settings that persist.
#include <QRegularExpression>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <QWebSocket>

#include "drop_files.h"
#include "inspector/anomaly_table_model.h"
#include "inspector/connection_table_model.h"
#include "inspector/message_table_model.h"
#include "qt_echo_server.h"
#include "websocket_conversation.h"
#include "widgets/capture_view.h"
#include "widgets/details_panel.h"
#include "widgets/main_window.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::ui;

class TestMainWindow : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString capture_;    // a handshake, messages and one unmasked client frame
    QString midStream_;  // one frame on port 9001, no handshake

    static bool loaded(MainWindow& window) {
        return window.captureView() && !window.captureView()->document().loading();
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // settings go to a test location
        QCoreApplication::setOrganizationName(QStringLiteral("SockscopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
        QSettings().clear();
        QVERIFY(dir_.isValid());

        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        c.client(clientFrame(1, bytesOf("hello")));
        c.server(serverFrame(1, bytesOf("{\"answer\":42}")));
        c.client(serverFrame(2, fromHex("0102")));  // unmasked: RFC 6455 §5.1 violation
        c.client(clientFrame(8, concat({fromHex("03e8"), bytesOf("bye")})));
        c.server(serverFrame(8, fromHex("03e8")));
        c.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        capture_ = dir_.filePath(QStringLiteral("window.pcap"));
        QVERIFY(b.save(capture_.toStdString()));

        Conversation mid(53000, 9001);
        mid.handshakeTcp();
        mid.client(clientFrame(1, bytesOf("mid")));
        PcapBuilder m;
        m.addAll(mid.packets);
        midStream_ = dir_.filePath(QStringLiteral("mid.pcap"));
        QVERIFY(m.save(midStream_.toStdString()));
    }

    void opensACaptureAndShowsItsRows() {
        MainWindow window;
        window.show();
        QVERIFY(window.captureView() == nullptr);  // the welcome page
        QVERIFY(window.openFile(capture_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        CaptureView* view = window.captureView();

        QCOMPARE(view->connectionModel().rowCount(), 1);
        QCOMPARE(view->messageModel().rowCount(), 5);
        QCOMPARE(view->anomalyModel().rowCount(), 1);
        QCOMPARE(view->document().format(), dissector::CaptureFormat::Pcap);  // saved as pcap
        QCOMPARE(window.statusText(),
                 QStringLiteral("1 connection · 5 messages · 5 frames · 1 anomaly"));
        QCOMPARE(view->connectionTabs()->tabText(3), QStringLiteral("Anomalies (1)"));
        QCOMPARE(window.recentFiles().value(0), QFileInfo(capture_).absoluteFilePath());
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("window.pcap")));

        // Selecting the connection filters the tables to it (all rows here).
        view->connectionTable()->selectRow(0);
        QCOMPARE(view->messageModel().filter().connections, std::set<std::uint32_t>{1});
        QCOMPARE(view->messageModel().rowCount(), 5);

        // Selecting a message shows it in the details.
        view->messageTable()->selectRow(1);
        QCOMPARE(view->details()->currentTabName().isEmpty(), false);
    }

    void anomalyJumpsToItsFrame() {
        MainWindow window;
        QVERIFY(window.openFile(capture_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        CaptureView* view = window.captureView();
        const QModelIndex anomaly = view->anomalyModel().index(0, 0);
        const RowId frame =
            view->anomalyModel().data(anomaly, AnomalyTableModel::FrameRole).toULongLong();
        QCOMPARE(frame, RowId(2));  // the third frame: the unmasked one
        emit view->anomalyTable()->activated(anomaly);
        QCOMPARE(view->messageModel().mode(), MessageTableModel::Mode::Frames);
        const QModelIndex current = view->messageTable()->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(view->messageModel().rowId(current.row()), frame);
        QCOMPARE(view->followTail(), false);  // jumping pauses following
        QCOMPARE(view->connectionTabs()->currentWidget(), static_cast<QWidget*>(view->details()));
        QCOMPARE(window.statusText(),
                 QStringLiteral("1 connection · 5 messages · 5 frames · 1 anomaly"));

        // Both tables follow the time display.
        const QRegularExpression timeOfDay(
            QStringLiteral("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6}$"));
        view->setTimeDisplay(TimeDisplay::Absolute);
        const QString anomalyTime =
            view->anomalyModel().index(0, AnomalyTableModel::Time).data().toString();
        QVERIFY2(timeOfDay.match(anomalyTime).hasMatch(), qPrintable(anomalyTime));
        const QString frameTime =
            view->messageModel().index(0, MessageTableModel::Time).data().toString();
        QVERIFY2(timeOfDay.match(frameTime).hasMatch(), qPrintable(frameTime));
        view->setTimeDisplay(TimeDisplay::Delta);
        QCOMPARE(view->anomalyModel().index(0, AnomalyTableModel::Time).data().toString(),
                 QStringLiteral("0.000000"));  // the first anomaly has none before it
        QCOMPARE(view->messageModel().index(0, MessageTableModel::Time).data().toString(),
                 QStringLiteral("0.000000"));
    }

    void dropOpensTheFile() {
        MainWindow window;
        window.show();
        QVERIFY(test::dropFile(window, capture_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QCOMPARE(window.captureView()->messageModel().rowCount(), 5);
    }

    void badFilesSayWhy() {
        MainWindow window;
        QVERIFY(!window.openFile(dir_.filePath(QStringLiteral("missing.pcap"))));
        QVERIFY2(window.lastError().endsWith(QStringLiteral("missing.pcap: no such file")),
                 qPrintable(window.lastError()));
        QVERIFY(window.captureView() == nullptr);

        const QString junk = dir_.filePath(QStringLiteral("junk.pcap"));
        QFile file(junk);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is not a capture file at all");
        file.close();
        QVERIFY(window.openFile(junk));  // opens, then the loader reports the problem
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!window.lastError().isEmpty(), 5000);
        QCOMPARE(window.captureView()->messageModel().rowCount(), 0);
    }

    void decodePortAsWebSocket() {
        MainWindow window;
        window.setWsPorts({});
        QVERIFY(window.openFile(midStream_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QCOMPARE(window.captureView()->document().index().messageCount(), RowId(0));

        window.setWsPorts({9001});  // reopens the file with the port forced
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QCOMPARE(window.captureView()->document().index().messageCount(), RowId(1));
        QCOMPARE(QSettings().value(QStringLiteral("dissector/wsPorts")).toString(),
                 QStringLiteral("9001"));
        MainWindow second;  // the setting persists
        QCOMPARE(second.wsPorts(), std::set<std::uint16_t>{9001});
        window.setWsPorts({});
    }

    void themeAndTimeDisplayPersist() {
        {
            MainWindow window;
            window.setTheme(Theme::Dark);
            QCOMPARE(QApplication::palette().color(QPalette::Window).lightness() < 100, true);
        }
        MainWindow again;
        QCOMPARE(again.theme(), Theme::Dark);
        again.setTheme(Theme::Light);
        QCOMPARE(QApplication::palette().color(QPalette::Window).lightness() > 150, true);
        again.setTheme(Theme::System);
    }

    // A live capture on lo through the window: rows arrive while it runs and
    // the table follows them; scrolling up pauses following without losing
    // rows; Stop ends it; the capture saves as pcapng and reopens the same.
    void liveCaptureFollowsThenStopsAndSaves() {
        QtEchoServer server;
        const quint16 port = server.listen();
        QVERIFY(port != 0);
        MainWindow window;
        window.resize(1200, 800);
        window.show();
        dissector::LiveCaptureOptions options;
        options.interface = "lo";
        options.filter = "tcp port " + std::to_string(port);
        if (!window.startLiveCapture(options, {})) {
            if (window.lastError().startsWith(QStringLiteral("no permission to capture")))
                QSKIP(qPrintable(QStringLiteral("cannot capture on lo: ") + window.lastError()));
            QFAIL(qPrintable(window.lastError()));
        }
        CaptureView* view = window.captureView();
        QVERIFY(view->document().live());
        QVERIFY(view->followTail());
        QCOMPARE(view->document().format(), dissector::CaptureFormat::Pcapng);
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("Live capture on lo")));

        QWebSocket client;
        int echoes = 0;
        connect(&client, &QWebSocket::textMessageReceived, this, [&echoes] { ++echoes; });
        client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, 10000);
        constexpr int kMessages = 60;  // more rows than the table shows at once
        for (int i = 0; i < kMessages; ++i)
            client.sendTextMessage(QStringLiteral("message %1").arg(i));
        QTRY_COMPARE_WITH_TIMEOUT(echoes, kMessages, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(view->messageModel().rowCount(), 2 * kMessages, 10000);
        // Following: the newest row is in view.
        QTableView* table = view->messageTable();
        QTRY_VERIFY_WITH_TIMEOUT(
            table->verticalScrollBar()->value() == table->verticalScrollBar()->maximum(), 5000);
        QVERIFY(table->verticalScrollBar()->maximum() > 0);

        // Scrolling up pauses following; rows keep arriving without moving the view.
        table->verticalScrollBar()->setValue(0);
        QVERIFY(!view->followTail());
        client.sendTextMessage(QStringLiteral("while paused"));
        QTRY_COMPARE_WITH_TIMEOUT(view->messageModel().rowCount(), 2 * kMessages + 2, 10000);
        QCOMPARE(table->verticalScrollBar()->value(), 0);
        QCOMPARE(window.statusText().startsWith(QStringLiteral("1 connection · 122 messages")),
                 true);

        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(view->document().index().messageCount(), RowId(2 * kMessages + 4),
                                  10000);  // and both closes
        window.stopCapture();
        QTRY_VERIFY_WITH_TIMEOUT(!view->document().loading(), 10000);
        QVERIFY(!view->document().live());
        const QString saved = dir_.filePath(QStringLiteral("live.pcapng"));
        QString error;
        QVERIFY2(view->document().saveCapture(saved, error), qPrintable(error));
        QVERIFY(window.openFile(saved));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QCOMPARE(window.captureView()->document().index().messageCount(), RowId(2 * kMessages + 4));
    }

    void recentFilesAreCappedAndUnique() {
        MainWindow window;
        for (int i = 0; i < 3; ++i) {
            QVERIFY(window.openFile(capture_));
            QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        }
        QCOMPARE(window.recentFiles().count(QFileInfo(capture_).absoluteFilePath()), 1);
        QVERIFY(window.recentFiles().size() <= 10);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
