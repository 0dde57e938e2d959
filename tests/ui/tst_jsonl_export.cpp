// File > Export > Selected Connections as JSON Lines: the file the window
// writes equals what `sockscope-cli read FILE --format jsonl` prints for the
// same selection, byte for byte (one connection: --conn N; none selected:
// everything; several: the full output's lines of those connections), also
// with ports decoded as WebSocket. Cancelling leaves no file; errors say why.
#include <QDir>
#include <QFile>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include "inspector/connection_table_model.h"
#include "inspector/jsonl_export.h"
#include "websocket_conversation.h"
#include "widgets/capture_view.h"
#include "widgets/main_window.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::ui;

// The comparisons need the CLI built in the same build directory.
#define REQUIRE_CLI()                                                                           \
    if (!QFileInfo(cli_).isExecutable())                                                        \
    QSKIP(qPrintable(QStringLiteral("sockscope-cli is not built next to the tests (%1); build " \
                                    "the sockscope-cli target")                                 \
                         .arg(cli_)))

namespace {

QString samplePath() {
    return QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/sample.pcapng");
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The first line where two outputs differ, or empty when they are equal.
QString difference(const QByteArray& actual, const QByteArray& expected) {
    if (actual == expected)
        return {};
    const QList<QByteArray> a = actual.split('\n');
    const QList<QByteArray> e = expected.split('\n');
    for (qsizetype i = 0; i < std::max(a.size(), e.size()); ++i)
        if (a.value(i) != e.value(i))
            return QStringLiteral("line %1 differs:\n  export: %2\n  cli:    %3")
                .arg(i + 1)
                .arg(QString::fromUtf8(a.value(i).left(300)),
                     QString::fromUtf8(e.value(i).left(300)));
    return QStringLiteral("outputs differ");
}

// The lines of `jsonl` whose "conn" is one of `connections`.
QByteArray linesOf(const QByteArray& jsonl, const std::set<int>& connections) {
    QByteArray out;
    for (const QByteArray& line : jsonl.split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        if (connections.contains(object.value(QStringLiteral("conn")).toInt()))
            out += line + '\n';
    }
    return out;
}

}  // namespace

class TestJsonlExport : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString cli_;
    QString three_;      // three connections
    QString midStream_;  // frames on port 9001 without a handshake
    QString large_;      // enough messages that an export takes a while

    static bool loaded(MainWindow& window) {
        return window.captureView() && !window.captureView()->document().loading();
    }

    QByteArray runCli(const QStringList& arguments) {
        QProcess cli;
        cli.start(cli_, arguments);
        if (!cli.waitForFinished(60000) || cli.exitStatus() != QProcess::NormalExit ||
            cli.exitCode() != 0) {
            qWarning() << "sockscope-cli" << arguments << "failed:" << cli.readAllStandardError();
            return {};
        }
        return cli.readAllStandardOutput();
    }

    // Opens `capture` in `window` and selects these connections' rows.
    static bool openAndSelect(MainWindow& window, const QString& capture,
                              const std::set<std::uint32_t>& connections) {
        if (!window.openFile(capture))
            return false;
        if (!QTest::qWaitFor([&] { return loaded(window); }, 10000))
            return false;
        CaptureView* view = window.captureView();
        QItemSelection selection;
        for (int row = 0; row < view->connectionModel().rowCount(); ++row)
            if (connections.contains(view->connectionModel().connectionAt(row)))
                selection.select(view->connectionModel().index(row, 0),
                                 view->connectionModel().index(row, 0));
        view->connectionTable()->selectionModel()->select(
            selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        return view->selectedConnections() == connections;
    }

    // Exports through the window and returns the file (empty on failure).
    QByteArray exportFrom(MainWindow& window, const QString& name) {
        const QString path = dir_.filePath(name);
        QSignalSpy finished(&window, &MainWindow::exportFinished);
        if (!window.exportJsonl(path)) {
            qWarning() << "export did not start:" << window.lastError();
            return {};
        }
        if (!finished.wait(30000) && finished.isEmpty())
            return {};
        if (!finished.at(0).at(0).toString().isEmpty()) {
            qWarning() << "export failed:" << finished.at(0).at(0).toString();
            return {};
        }
        return readAll(path);
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SockscopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_jsonl_export"));
        QSettings().clear();
        QVERIFY(dir_.isValid());
        cli_ = QCoreApplication::applicationDirPath() + QStringLiteral("/../bin/sockscope-cli");
        QVERIFY(QFileInfo::exists(samplePath()));

        // Three connections one after the other, each with a text message each way.
        PcapBuilder three;
        std::vector<Bytes> packets;
        for (std::uint16_t i = 0; i < 3; ++i) {
            Conversation c(std::uint16_t(50000 + i), std::uint16_t(8765 + i));
            c.handshakeTcp();
            c.client(bytesOf(request()));
            c.server(bytesOf(response()));
            c.client(clientFrame(1, bytesOf("question " + std::to_string(i))));
            c.server(serverFrame(1, bytesOf("answer " + std::to_string(i))));
            c.client(serverFrame(2, fromHex("01")));  // unmasked: an anomaly per connection
            c.fin();
            packets.insert(packets.end(), c.packets.begin(), c.packets.end());
        }
        three.addAll(packets);
        three_ = dir_.filePath(QStringLiteral("three.pcap"));
        QVERIFY(three.save(three_.toStdString()));

        Conversation mid(53000, 9001);
        mid.handshakeTcp();
        mid.client(clientFrame(1, bytesOf("mid")));
        mid.server(serverFrame(2, fromHex("00ff")));
        PcapBuilder m;
        m.addAll(mid.packets);
        midStream_ = dir_.filePath(QStringLiteral("mid.pcap"));
        QVERIFY(m.save(midStream_.toStdString()));

        Conversation big;
        big.handshakeTcp();
        big.client(bytesOf(request()));
        big.server(bytesOf(response()));
        for (int i = 0; i < 40000; ++i)
            big.client(clientFrame(1, bytesOf("message number " + std::to_string(i))));
        PcapBuilder l;
        l.addAll(big.packets);
        large_ = dir_.filePath(QStringLiteral("large.pcap"));
        QVERIFY(l.save(large_.toStdString()));
    }

    void oneConnectionEqualsTheCliWithConn() {
        REQUIRE_CLI();
        for (std::uint32_t conn : {1u, 2u}) {
            MainWindow window;
            QVERIFY(openAndSelect(window, samplePath(), {conn}));
            const QByteArray exported =
                exportFrom(window, QStringLiteral("sample-conn%1.jsonl").arg(conn));
            const QByteArray cli =
                runCli({QStringLiteral("read"), samplePath(), QStringLiteral("--format"),
                        QStringLiteral("jsonl"), QStringLiteral("--conn"), QString::number(conn)});
            QVERIFY(!cli.isEmpty());
            QVERIFY(cli.contains("\"event\":\"message\""));
            const QString diff = difference(exported, cli);
            QVERIFY2(diff.isEmpty(), qPrintable(diff));
        }
    }

    void noSelectionEqualsTheCliWithoutConn() {
        REQUIRE_CLI();
        MainWindow window;
        QVERIFY(openAndSelect(window, samplePath(), {}));
        const QByteArray exported = exportFrom(window, QStringLiteral("sample-all.jsonl"));
        const QByteArray cli = runCli({QStringLiteral("read"), samplePath(),
                                       QStringLiteral("--format"), QStringLiteral("jsonl")});
        QVERIFY(!cli.isEmpty());
        const QString diff = difference(exported, cli);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    void twoConnectionsEqualTheirLinesOfTheCli() {
        REQUIRE_CLI();
        MainWindow window;
        QVERIFY(openAndSelect(window, three_, {1, 3}));
        QCOMPARE(window.captureView()->connectionModel().rowCount(), 3);
        const QByteArray exported = exportFrom(window, QStringLiteral("three-1-3.jsonl"));
        const QByteArray all = runCli(
            {QStringLiteral("read"), three_, QStringLiteral("--format"), QStringLiteral("jsonl")});
        const QByteArray expected = linesOf(all, {1, 3});
        QVERIFY(!expected.isEmpty());
        QVERIFY(expected.size() < all.size());              // connection 2 was left out
        QVERIFY(expected.contains("question 0") == false);  // payloads are base64
        QCOMPARE(expected.count("\"event\":\"anomaly\""), 2);
        const QString diff = difference(exported, expected);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    void portsDecodedAsWebSocketToo() {
        REQUIRE_CLI();
        MainWindow window;
        Preferences p = window.preferences();
        p.wsPorts = {9001};
        window.setPreferences(p);
        QVERIFY(openAndSelect(window, midStream_, {}));
        QCOMPARE(window.captureView()->document().index().messageCount(), RowId(2));
        const QByteArray all = exportFrom(window, QStringLiteral("mid-all.jsonl"));
        const QByteArray cli =
            runCli({QStringLiteral("read"), midStream_, QStringLiteral("--format"),
                    QStringLiteral("jsonl"), QStringLiteral("--ws-port"), QStringLiteral("9001")});
        QCOMPARE(cli.count("\"event\":\"message\""), 2);
        QString diff = difference(all, cli);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));

        QVERIFY(openAndSelect(window, midStream_, {1}));
        const QByteArray one = exportFrom(window, QStringLiteral("mid-1.jsonl"));
        const QByteArray cliOne =
            runCli({QStringLiteral("read"), midStream_, QStringLiteral("--format"),
                    QStringLiteral("jsonl"), QStringLiteral("--ws-port"), QStringLiteral("9001"),
                    QStringLiteral("--conn"), QStringLiteral("1")});
        diff = difference(one, cliOne);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        p.wsPorts = {};
        window.setPreferences(p);
    }

    void cancelLeavesNoFile() {
        JsonlExport exporter;
        QSignalSpy finished(&exporter, &JsonlExport::finished);
        const QString path = dir_.filePath(QStringLiteral("cancelled.jsonl"));
        QString error;
        QVERIFY2(exporter.start(large_, {}, {}, path, error), qPrintable(error));
        QVERIFY(exporter.running());
        exporter.cancel();
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.at(0).at(0).toString(), QStringLiteral("cancelled"));
        QVERIFY(!exporter.running());
        QVERIFY(!QFileInfo::exists(path));
        QCOMPARE(QDir(dir_.path()).entryList({QStringLiteral("cancelled*")}, QDir::Files),
                 QStringList{});

        // The same export, not cancelled, has every message.
        QVERIFY2(exporter.start(large_, {}, {}, path, error), qPrintable(error));
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.at(1).at(0).toString(), QString());
        QCOMPARE(readAll(path).count("\"event\":\"message\""), 40000);
    }

    void cancelFromTheStatusBar() {
        MainWindow window;
        QVERIFY(openAndSelect(window, large_, {}));
        QSignalSpy finished(&window, &MainWindow::exportFinished);
        const QString path = dir_.filePath(QStringLiteral("status-cancel.jsonl"));
        QVERIFY(window.exportJsonl(path));
        auto* cancel = window.findChild<QToolButton*>(QStringLiteral("cancelExport"));
        QVERIFY(cancel);
        QVERIFY(!cancel->isHidden());
        QVERIFY(!window.exportJsonl(path));  // one at a time
        QVERIFY(window.lastError().contains(QStringLiteral("still running")));
        cancel->click();
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.at(0).at(0).toString(), QStringLiteral("cancelled"));
        QVERIFY(cancel->isHidden());
        QVERIFY(!QFileInfo::exists(path));
    }

    void errorsSayWhy() {
        JsonlExport exporter;
        QString error;
        QVERIFY(!exporter.start(dir_.filePath(QStringLiteral("missing.pcap")), {}, {},
                                dir_.filePath(QStringLiteral("x.jsonl")), error));
        QVERIFY2(error.contains(QStringLiteral("missing.pcap")), qPrintable(error));
        QVERIFY(!exporter.start(three_, {}, {},
                                dir_.filePath(QStringLiteral("no/such/dir/x.jsonl")), error));
        QVERIFY2(error.startsWith(QStringLiteral("cannot create ")), qPrintable(error));
        QVERIFY(!exporter.running());

        MainWindow window;
        QVERIFY(!window.exportJsonl(dir_.filePath(QStringLiteral("nothing.jsonl"))));
        QCOMPARE(window.lastError(), QStringLiteral("there is no capture to export"));
    }
};

QTEST_MAIN(TestJsonlExport)
#include "tst_jsonl_export.moc"
