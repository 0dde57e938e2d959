// The console's conformance tab as a user drives it (offscreen), against
// Sockscope's own server and client in this process on loopback: the rows
// and counts of a run, every verdict pass, the drill-down's exact frames for
// a small case and its byte cap for a large one, the report export (the
// CLI's lines), Stop, a server that is not there, a client command that
// cannot start, and the client mode with our WebSocketClient pointed at the
// URL the tab shows. The recording's cap and frame counting are also checked
// on their own with 1 MiB of frames, and the results model under
// QAbstractItemModelTester with 600 rows.

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

#include "console/conformance_case_view.h"
#include "console/conformance_frames_model.h"
#include "console/conformance_recording.h"
#include "console/conformance_results_model.h"
#include "console/conformance_tab.h"
#include "console/conformance_tally_table.h"
#include "console/conformance_target_form.h"
#include "console/console_window.h"
#include "session/conformance_catalogue.h"
#include "session/conformance_report.h"
#include "session/websocket_client.h"
#include "session/websocket_server.h"
#include "widgets/hex_view.h"
#include "widgets/main_window.h"

using namespace sockscope;
using namespace sockscope::ui;
using namespace Qt::StringLiterals;

namespace conformance = sockscope::session::conformance;

namespace {

constexpr int kRunMs = 60000;  // a bound, not an expectation: the runs below take seconds

// One listed frame, as the drill-down's model has it.
struct Frame {
    bool outgoing = false;
    int opcode = -1;  // -1: an HTTP head
    qulonglong length = 0;
    bool operator==(const Frame&) const = default;
};

char* toString(const Frame& f) {
    return QTest::toString(
        u"%1 op=%2 len=%3"_s.arg(f.outgoing ? u"out"_s : u"in"_s).arg(f.opcode).arg(f.length));
}

std::vector<Frame> framesOf(const ConformanceFramesModel& model) {
    std::vector<Frame> frames;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row, 0);
        frames.push_back({index.data(ConformanceFramesModel::OutgoingRole).toBool(),
                          index.data(ConformanceFramesModel::OpcodeRole).toInt(),
                          index.data(ConformanceFramesModel::LengthRole).toULongLong()});
    }
    return frames;
}

QString cellOf(const ConformanceFramesModel& model, int row, int column) {
    return model.index(row, column).data().toString();
}

// How many cases of `group` the catalogue has for a server, counted here, not by the tab.
int casesInGroup(std::string_view group) {
    int count = 0;
    for (const conformance::Case& c : conformance::catalogue())
        count += c.group() == group && c.appliesTo(conformance::Applies::ServerOnly) ? 1 : 0;
    return count;
}

quint16 portWithNobody() {
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

// The client under test: connects to `url` and echoes every message.
std::unique_ptr<session::WebSocketClient> echoClient(const QString& url) {
    session::ClientOptions options;
    options.deflate = true;
    auto client = std::make_unique<session::WebSocketClient>(options);
    const session::WebSocketUrlParse parsed = session::parseWebSocketUrl(url);
    if (!parsed.url)
        return client;
    session::WebSocketConnection* connection = client->open(*parsed.url);
    if (connection) {
        QObject::connect(connection, &session::WebSocketConnection::messageReceived, connection,
                         [connection](const event::Message& message) {
                             connection->sendMessage(message.opcode, message.payload);
                         });
    }
    return client;
}

// A masked client frame.
std::vector<std::uint8_t> clientFrame(std::uint8_t opcode, std::size_t payloadSize) {
    FrameHeader header;
    header.opcode = opcode;
    header.masked = true;
    header.maskKey = {1, 2, 3, 4};
    return buildFrame(header, std::vector<std::uint8_t>(payloadSize, 'a'));
}

void append(std::vector<std::uint8_t>& out, std::string_view text) {
    out.insert(out.end(), text.begin(), text.end());
}

}  // namespace

class TestConformanceConsole : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"SockscopeTest"_s);
        QCoreApplication::setApplicationName(u"tst_conformance_console"_s);
        QSettings().clear();
        session::ServerOptions options;
        options.echo = true;
        options.deflate = true;
        server_ = std::make_unique<session::WebSocketServer>(options);
        QVERIFY2(server_->listen(QHostAddress::LocalHost, 0), qPrintable(server_->errorString()));
    }

    void cleanupTestCase() { server_.reset(); }

    void runsAGroupAgainstOurServer() {
        ConformanceTab tab;
        tab.resize(1500, 900);
        tab.show();
        QVERIFY(QTest::qWaitForWindowExposed(&tab));
        QCOMPARE(tab.statusText(), u"Not running"_s);
        QVERIFY(!tab.stopButton()->isEnabled());
        tab.form().urlEdit()->setText(serverUrl());
        QComboBox* group = tab.form().groupCombo();
        group->setCurrentIndex(group->findData(u"close"_s));
        QVERIFY(group->currentIndex() > 0);

        const int expected = casesInGroup("close");
        QVERIFY(expected >= 20);
        QVERIFY(tab.start());
        QVERIFY(tab.isRunning());
        QVERIFY(tab.stopButton()->isEnabled());
        QVERIFY(!tab.startButton()->isEnabled());
        QVERIFY(!tab.form().urlEdit()->isEnabled());
        QCOMPARE(tab.progress()->maximum(), expected);
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isRunning(), kRunMs);

        QCOMPARE(tab.results().rowCount(), expected);
        QCOMPARE(tab.progress()->value(), expected);
        for (int row = 0; row < tab.results().rowCount(); ++row) {
            const conformance::CaseResult& result = tab.results().result(row);
            QVERIFY2(result.verdict == conformance::Verdict::Pass,
                     qPrintable(conformance::caseLineText(result)));
            QCOMPARE(QString::fromStdString(std::string(result.testCase->group())), u"close"_s);
        }
        // The counts shown: one group row and the overall row.
        ConformanceTallyTable* tally = tab.tally();
        QCOMPARE(tally->rowCount(), 2);
        const QString n = QString::number(expected);
        QCOMPARE(tally->cell(u"close"_s, ConformanceTallyTable::Pass), n);
        QCOMPARE(tally->cell(u"close"_s, ConformanceTallyTable::NonStrict), u"0"_s);
        QCOMPARE(tally->cell(u"close"_s, ConformanceTallyTable::Fail), u"0"_s);
        QCOMPARE(tally->cell(u"close"_s, ConformanceTallyTable::Unsupported), u"0"_s);
        QCOMPARE(tally->cell(u"close"_s, ConformanceTallyTable::Done), n + u" / "_s + n);
        QCOMPARE(tally->cell(u"overall"_s, ConformanceTallyTable::Pass), n);
        QCOMPARE(tally->cell(u"overall"_s, ConformanceTallyTable::Fail), u"0"_s);
        QCOMPARE(tab.statusText(),
                 u"Done: %1 cases against %2: %1 pass, 0 non-strict, 0 fail, 0 unsupported"_s
                     .arg(expected)
                     .arg(serverUrl()));
        QCOMPARE(
            tab.windowTitle(),
            u"Conformance 127.0.0.1:%1: %2/%2 pass"_s.arg(server_->serverPort()).arg(expected));
        QVERIFY(tab.errorText().isEmpty());

        // Only what did not pass: nothing.
        tab.nonPassOnly()->setChecked(true);
        QCOMPARE(tab.resultsProxy().rowCount(), 0);
        tab.nonPassOnly()->setChecked(false);
        QCOMPARE(tab.resultsProxy().rowCount(), expected);

        // The export is the CLI's report: a line per case as they ran, per group, overall.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString textPath = dir.filePath(u"report.txt"_s);
        const QString jsonlPath = dir.filePath(u"report.jsonl"_s);
        QVERIFY(tab.exportReport(textPath, false));
        QVERIFY(tab.exportReport(jsonlPath, true));
        const std::vector<conformance::CaseResult> results = tab.run()->results();
        QStringList text, jsonl;
        for (const conformance::CaseResult& result : results) {
            text << conformance::caseLineText(result);
            jsonl << conformance::caseLineJson(result);
        }
        const conformance::Summary summary = conformance::summarize(results);
        text << conformance::summaryLinesText(summary);
        jsonl << conformance::summaryLinesJson(summary);
        QCOMPARE(readLines(textPath), text);
        QCOMPARE(readLines(jsonlPath), jsonl);
        QCOMPARE(text.size(), expected + 2);
        QVERIFY(text.last().startsWith(u"overall"_s));
        QVERIFY2(text.last().endsWith(u"%1 cases: %1 pass, 0 non-strict, 0 fail"_s.arg(expected)),
                 qPrintable(text.last()));
        QVERIFY(jsonl.last().contains(u"\"strict\":true"_s));
        QVERIFY(results.front().testCase->id.rfind("7.", 0) == 0);
    }

    void drillsDownIntoFrames() {
        ConformanceTab tab;
        tab.resize(1500, 900);
        tab.show();
        tab.form().urlEdit()->setText(serverUrl());
        // The framing group by pattern, as the CLI's --cases takes it.
        tab.form().casesEdit()->setText(u"1.*"_s);
        QVERIFY(tab.start());
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isRunning(), kRunMs);
        const int expectedRows = casesInGroup("framing");
        QVERIFY(expectedRows >= 30);
        QCOMPARE(tab.results().rowCount(), expectedRows);
        for (int row = 0; row < expectedRows; ++row) {
            QVERIFY2(tab.results().result(row).verdict == conformance::Verdict::Pass,
                     qPrintable(conformance::caseLineText(tab.results().result(row))));
        }
        QCOMPARE(tab.tally()->cell(u"framing"_s, ConformanceTallyTable::Pass),
                 QString::number(expectedRows));

        // 1.1.1: an empty text message echoed, then the close handshake with 1000.
        QVERIFY(tab.selectCase(u"1.1.1"_s));
        ConformanceCaseView& view = tab.caseView();
        QVERIFY(view.titleText().startsWith(u"1.1.1 pass: "_s));
        const ConformanceFramesModel& frames = view.frames();
        const std::vector<Frame> expected = {{true, -1, 0},   {false, -1, 0}, {true, 0x1, 0},
                                             {false, 0x1, 0}, {true, 0x8, 2}, {false, 0x8, 2}};
        std::vector<Frame> seen = framesOf(frames);
        QCOMPARE(seen.size(), expected.size());
        // Heads: their length is whatever the handshake took; compared apart.
        QVERIFY(seen[0].length > 100 && seen[1].length > 100);
        seen[0].length = seen[1].length = 0;
        QCOMPARE(seen, expected);
        QCOMPARE(cellOf(frames, 0, ConformanceFramesModel::Direction), u"tester → server"_s);
        QCOMPARE(cellOf(frames, 1, ConformanceFramesModel::Direction), u"server → tester"_s);
        QCOMPARE(cellOf(frames, 0, ConformanceFramesModel::Payload), u"\"GET / HTTP/1.1\""_s);
        QCOMPARE(cellOf(frames, 1, ConformanceFramesModel::Payload),
                 u"\"HTTP/1.1 101 Switching Protocols\""_s);
        QCOMPARE(cellOf(frames, 2, ConformanceFramesModel::Opcode), u"text (1)"_s);
        QCOMPARE(cellOf(frames, 2, ConformanceFramesModel::Fin), u"1"_s);
        QCOMPARE(cellOf(frames, 2, ConformanceFramesModel::Rsv), u"000"_s);
        QCOMPARE(cellOf(frames, 2, ConformanceFramesModel::Mask).size(), 8);  // the key, in hex
        QCOMPARE(cellOf(frames, 3, ConformanceFramesModel::Mask), u"none"_s);
        QCOMPARE(cellOf(frames, 2, ConformanceFramesModel::Payload), u"(empty)"_s);
        QCOMPARE(cellOf(frames, 4, ConformanceFramesModel::Payload), u"1000 (Normal Closure)"_s);
        QCOMPARE(cellOf(frames, 5, ConformanceFramesModel::Payload), u"1000 (Normal Closure)"_s);
        // The selected frame's bytes in the hex pane; a head as text.
        view.frameTable()->selectRow(4);
        QVERIFY2(view.detailText().contains(u"03 e8"_s), qPrintable(view.detailText()));
        view.frameTable()->selectRow(1);
        QVERIFY2(view.detailText().startsWith(u"HTTP/1.1 101 Switching Protocols\nUpgrade: "
                                              u"websocket\nConnection: Upgrade\n"
                                              u"Sec-WebSocket-Accept: "_s),
                 qPrintable(view.detailText()));

        // 1.1.2: 125 bytes of '*' each way, shown as text.
        QVERIFY(tab.selectCase(u"1.1.2"_s));
        std::vector<Frame> small = framesOf(tab.caseView().frames());
        QCOMPARE(small.size(), std::size_t{6});
        QCOMPARE(small[2], (Frame{true, 0x1, 125}));
        QCOMPARE(small[3], (Frame{false, 0x1, 125}));
        QCOMPARE(cellOf(frames, 3, ConformanceFramesModel::Payload),
                 u"\""_s + QString(48, u'*') + u"\"\u2026"_s);

        // 1.3.7: 1 MiB each way; 256 KiB of each direction kept, the rest counted.
        QVERIFY(tab.selectCase(u"1.3.7"_s));
        const std::shared_ptr<const CaseRecording>& big = tab.caseView().frames().recording();
        QVERIFY(big);
        for (const bool outgoing : {true, false}) {
            QCOMPARE(big->kept(outgoing).size(), CaseRecording::kDefaultKeepLimit);
            QVERIFY(big->totals(outgoing).bytes > (1u << 20));
            QCOMPARE(big->bytesNotKept(outgoing),
                     big->totals(outgoing).bytes - CaseRecording::kDefaultKeepLimit);
            // The text frame and the close frame; the close began past the kept bytes.
            QCOMPARE(big->totals(outgoing).frames, std::uint64_t{2});
            QCOMPARE(big->totals(outgoing).framesNotListed, std::uint64_t{1});
        }
        std::vector<Frame> listed = framesOf(tab.caseView().frames());
        QCOMPARE(listed.size(), std::size_t{4});
        QCOMPARE(listed[2], (Frame{true, 0x1, 1u << 20}));
        QCOMPARE(listed[3], (Frame{false, 0x1, 1u << 20}));
        const std::uint64_t sent = big->totals(true).bytes, received = big->totals(false).bytes;
        QCOMPARE(tab.caseView().totalsText(),
                 u"tester → server: %L1 bytes in 2 frames; %L2 more bytes not kept (1 frame not "
                 u"listed)\nserver → tester: %L3 bytes in 2 frames; %L4 more bytes not kept (1 "
                 u"frame not listed)"_s.arg(sent)
                     .arg(sent - CaseRecording::kDefaultKeepLimit)
                     .arg(received)
                     .arg(received - CaseRecording::kDefaultKeepLimit));
        // The hex pane shows what was kept of the echoed frame, and says so.
        tab.caseView().frameTable()->selectRow(3);
        const WireRow& echo = big->rows()[3];
        const QString hex = tab.caseView().detailText();
        QVERIFY(hex.startsWith(u"#4 server → tester\n000000  81 7f 00 00 00 00 00 10  00 00"_s));
        QVERIFY2(hex.endsWith(u"first %1 of 1048576 payload bytes shown"_s.arg(
                     CaseRecording::kDefaultKeepLimit - echo.offset - 10)),
                 qPrintable(hex.right(100)));
    }

    void capsAFloodOfFragments() {
        // 9.9.2: 16 MiB in 131 072 fragments to the server, one 16 MiB frame back. Each
        // direction keeps 256 KiB; every frame is counted, those past the cap are not listed.
        ConformanceTab tab;
        tab.form().urlEdit()->setText(serverUrl());
        tab.form().casesEdit()->setText(u"9.9.2"_s);
        QVERIFY(tab.start());
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isRunning(), kRunMs);
        QCOMPARE(tab.results().rowCount(), 1);
        QVERIFY2(tab.results().result(0).verdict == conformance::Verdict::Pass,
                 qPrintable(conformance::caseLineText(tab.results().result(0))));
        QVERIFY(tab.selectCase(u"9.9.2"_s));
        const std::shared_ptr<const CaseRecording> flood = tab.caseView().frames().recording();
        QVERIFY(flood);
        // 128-byte masked fragments: 8 header bytes each.
        constexpr std::uint64_t kFragment = 8 + 128;
        const CaseRecording::Totals& sent = flood->totals(true);
        QCOMPARE(sent.frames, std::uint64_t{131072 + 1});
        QCOMPARE(flood->kept(true).size(), CaseRecording::kDefaultKeepLimit);
        const std::uint64_t head = flood->rows().front().length;
        const std::uint64_t listed =
            (CaseRecording::kDefaultKeepLimit - head + kFragment - 1) / kFragment;
        QCOMPARE(sent.framesNotListed, sent.frames - listed);
        QCOMPARE(sent.bytes, head + 131072 * kFragment + 8);  // + the masked close
        QCOMPARE(flood->kept(false).size(), CaseRecording::kDefaultKeepLimit);
        QCOMPARE(flood->totals(false).frames, std::uint64_t{2});
        QCOMPARE(flood->totals(false).framesNotListed, std::uint64_t{1});
        QCOMPARE(std::uint64_t(tab.caseView().frames().rowCount()), 2 + listed + 1);
    }

    void stopStops() {
        ConformanceTab tab;
        tab.form().urlEdit()->setText(serverUrl());
        QVERIFY(tab.start());
        const int total = tab.progress()->maximum();
        QVERIFY(total >= 300);
        QTRY_VERIFY_WITH_TIMEOUT(tab.results().rowCount() >= 3, kRunMs);
        QVERIFY(tab.statusText().startsWith(u"Running "_s));
        QVERIFY(tab.windowTitle().endsWith(u"/%1)"_s.arg(total)));
        QSignalSpy finished(&tab, &ConformanceTab::runFinished);
        tab.stopButton()->click();
        QVERIFY(!tab.isRunning());
        QCOMPARE(finished.count(), 1);
        const int rows = tab.results().rowCount();
        QVERIFY(rows < total);
        QVERIFY2(tab.statusText().startsWith(
                     u"Stopped after %1 of %2 cases against "_s.arg(rows).arg(total)),
                 qPrintable(tab.statusText()));
        QVERIFY(tab.windowTitle().endsWith(u"(stopped)"_s));
        QVERIFY(tab.startButton()->isEnabled());
        QTest::qWait(300);
        QCOMPARE(tab.results().rowCount(), rows);
        QCOMPARE(finished.count(), 1);
    }

    void reportsAServerThatIsNotThere() {
        const quint16 port = portWithNobody();
        QVERIFY(port != 0);
        ConformanceTab tab;
        tab.form().urlEdit()->setText(u"ws://127.0.0.1:%1/"_s.arg(port));
        QVERIFY(tab.start());
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isRunning(), 10000);
        QCOMPARE(tab.results().rowCount(), 1);
        QCOMPARE(tab.results().result(0).verdict, conformance::Verdict::Fail);
        QVERIFY2(tab.errorText().startsWith(u"Cannot connect to ws://127.0.0.1:%1/: "_s.arg(port)),
                 qPrintable(tab.errorText()));
        QVERIFY(tab.errorText().endsWith(u"the run stopped."_s));
        QCOMPARE(tab.tally()->cell(u"overall"_s, ConformanceTallyTable::Fail), u"1"_s);
    }

    void refusesWhatCannotRun() {
        ConformanceTab tab;
        tab.form().urlEdit()->setText(u"wss://127.0.0.1:1/"_s);
        QVERIFY(!tab.start());
        QCOMPARE(tab.errorText(),
                 u"wss:// is not supported by the conformance tester yet: test "
                 u"the server over ws://"_s);
        tab.form().urlEdit()->setText(serverUrl());
        tab.form().casesEdit()->setText(u"6.4.3x"_s);
        QVERIFY(!tab.start());
        QVERIFY2(tab.errorText().startsWith(u"Cases: '6.4.3x' is not a case id or pattern"_s),
                 qPrintable(tab.errorText()));
        tab.form().casesEdit()->setText(u"1.*"_s);
        QComboBox* group = tab.form().groupCombo();
        group->setCurrentIndex(group->findData(u"close"_s));
        QVERIFY(!tab.start());
        QCOMPARE(tab.errorText(), u"No case of the group 'close' matches '1.*'"_s);

        // Listening: a port that is taken; a non-loopback address without the tick.
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
        tab.form().setTarget(ConformancePlan::Target::Client);
        tab.form().casesEdit()->clear();
        group->setCurrentIndex(0);
        tab.form().portSpin()->setValue(taken.serverPort());
        QVERIFY(!tab.start());
        QVERIFY2(tab.errorText().startsWith(
                     u"Cannot listen on 127.0.0.1 port %1: "_s.arg(taken.serverPort())),
                 qPrintable(tab.errorText()));
        tab.form().portSpin()->setValue(0);
        tab.form().hostEdit()->setText(u"0.0.0.0"_s);
        QVERIFY(!tab.start());
        QVERIFY(tab.errorText().startsWith(u"0.0.0.0 is not a loopback address"_s));
        tab.form().hostEdit()->setText(u"not an address"_s);
        QVERIFY(!tab.start());
        QCOMPARE(tab.errorText(), u"'not an address' is not an IP address"_s);
        QVERIFY(!tab.isRunning());
    }

    void reportsACommandThatCannotStart() {
        ConformanceTab tab;
        tab.form().setTarget(ConformancePlan::Target::Client);
        tab.form().commandEdit()->setText(u"/nonexistent/sockscope-client --echo"_s);
        QVERIFY(tab.start());
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isRunning(), 10000);
        QVERIFY2(tab.errorText().startsWith(u"Cannot run '/nonexistent/sockscope-client': "_s),
                 qPrintable(tab.errorText()));
        QCOMPARE(tab.results().rowCount(), 0);  // the first case was abandoned
        QVERIFY(tab.statusText().startsWith(u"Stopped after 0 of "_s));

        // A client that exits without connecting: said in the tab, the case fails.
        const QString exitsAtOnce = QStandardPaths::findExecutable(u"false"_s);
        if (exitsAtOnce.isEmpty())
            QSKIP("no 'false' program on PATH");
        tab.form().commandEdit()->setText(exitsAtOnce);
        tab.form().casesEdit()->setText(u"1.1.1"_s);
        tab.form().timeoutSpin()->setValue(0.5);
        QVERIFY(tab.start());
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isRunning(), 10000);
        QCOMPARE(tab.results().rowCount(), 1);
        QCOMPARE(tab.results().result(0).verdict, conformance::Verdict::Fail);
        const QString caseUrl = tab.run()->urlPattern().chopped(2) + u"1.1.1"_s;
        QCOMPARE(QString::fromStdString(tab.results().result(0).reason),
                 u"the client did not connect to %1 within 500 ms"_s.arg(caseUrl));
        QCOMPARE(tab.errorText(),
                 u"'%1' exited with status 1 before connecting to %2"_s.arg(exitsAtOnce, caseUrl));
    }

    void testsOurClientAtTheShownUrl() {
        ConformanceTab tab;
        tab.resize(1500, 900);
        tab.show();
        tab.form().setTarget(ConformancePlan::Target::Client);
        QVERIFY(!tab.form().urlEdit()->isVisible());
        QVERIFY(tab.form().hostEdit()->isVisible());
        QCOMPARE(tab.form().hostEdit()->text(), u"127.0.0.1"_s);
        tab.form().casesEdit()->setText(u"1.1.1,1.2.2,5.1"_s);
        std::unique_ptr<session::WebSocketClient> client;
        QStringList urls;
        QVERIFY(tab.start());
        const QString pattern = tab.run()->urlPattern();
        QVERIFY(pattern.startsWith(u"ws://127.0.0.1:"_s) && pattern.endsWith(u"/case/ID"_s));
        QVERIFY(tab.clientUrlText().contains(pattern));
        // The client goes where the tab says, case by case.
        connect(tab.run(), &ConformanceRun::caseStarted, this,
                [&](const conformance::Case*, int, const QString& url) {
                    QVERIFY(tab.clientUrlText().contains(url));
                    urls << url;
                    client = echoClient(url);
                });
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isRunning(), kRunMs);
        const QString base = pattern.chopped(2);
        QCOMPARE(urls, (QStringList{base + u"1.1.1"_s, base + u"1.2.2"_s, base + u"5.1"_s}));
        QCOMPARE(tab.results().rowCount(), 3);
        for (int row = 0; row < 3; ++row) {
            QVERIFY2(tab.results().result(row).verdict == conformance::Verdict::Pass,
                     qPrintable(conformance::caseLineText(tab.results().result(row))));
        }
        QCOMPARE(tab.tally()->cell(u"overall"_s, ConformanceTallyTable::Pass), u"3"_s);

        // The client's request (read before the case began), our answer, then the frames.
        QVERIFY(tab.selectCase(u"1.1.1"_s));
        const ConformanceFramesModel& frames = tab.caseView().frames();
        std::vector<Frame> seen = framesOf(frames);
        QCOMPARE(seen.size(), std::size_t{6});
        seen[0].length = seen[1].length = 0;
        QCOMPARE(seen, (std::vector<Frame>{{false, -1, 0},
                                           {true, -1, 0},
                                           {true, 0x1, 0},
                                           {false, 0x1, 0},
                                           {true, 0x8, 2},
                                           {false, 0x8, 2}}));
        QCOMPARE(cellOf(frames, 0, ConformanceFramesModel::Direction), u"client → tester"_s);
        QCOMPARE(cellOf(frames, 0, ConformanceFramesModel::Payload),
                 u"\"GET /case/1.1.1 HTTP/1.1\" (as parsed)"_s);
        QCOMPARE(cellOf(frames, 2, ConformanceFramesModel::Mask), u"none"_s);  // a server's frame
        QCOMPARE(cellOf(frames, 3, ConformanceFramesModel::Mask).size(), 8);
    }

    void startsTheClientCommandPerCase() {
        // As `conform --serve PORT -- CMD` does: our CLI's `connect --echo`, run per case
        // with the case's URL appended (no shell: the quoted path stays one argument).
        const QString cli = QStringLiteral(SOCKSCOPE_BINARY_DIR "/bin/sockscope-cli");
        if (!QFile::exists(cli))
            QSKIP("sockscope-cli is not built (build its target first)");
        ConformanceTab tab;
        tab.form().setTarget(ConformancePlan::Target::Client);
        tab.form().commandEdit()->setText(u"\"%1\" connect --deflate --echo"_s.arg(cli));
        tab.form().casesEdit()->setText(u"1.1.2,5.21,7.1.1"_s);
        QVERIFY(tab.start());
        QVERIFY2(tab.clientUrlText().startsWith(u"Starting '%1 connect --deflate --echo' for "
                                                u"each case with ws://127.0.0.1:"_s.arg(cli)),
                 qPrintable(tab.clientUrlText()));
        QTRY_VERIFY_WITH_TIMEOUT(!tab.isRunning(), kRunMs);
        QCOMPARE(tab.results().rowCount(), 3);
        for (int row = 0; row < 3; ++row) {
            QVERIFY2(tab.results().result(row).verdict == conformance::Verdict::Pass,
                     qPrintable(conformance::caseLineText(tab.results().result(row))));
        }
        QVERIFY2(tab.errorText().isEmpty(), qPrintable(tab.errorText()));
    }

    void recordingKeepsItsCap() {
        // 1 MiB of client frames after the request, fed in one piece and byte by byte
        // through the head: the same rows, 256 KiB kept, every frame counted.
        std::vector<std::uint8_t> wire;
        append(wire, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const std::size_t head = wire.size();
        const std::vector<std::uint8_t> one = clientFrame(0x2, 1000);  // 1006 bytes
        std::size_t frames = 0;
        while (wire.size() < head + (1u << 20)) {
            wire.insert(wire.end(), one.begin(), one.end());
            ++frames;
        }
        const std::size_t limit = CaseRecording::kDefaultKeepLimit;
        // Frames whose first byte lies in the kept bytes are listed.
        const std::size_t listed = (limit - head + one.size() - 1) / one.size();

        CaseRecording whole(Role::Client);
        whole.add(true, wire);
        CaseRecording pieces(Role::Client);
        for (std::size_t at = 0; at < wire.size();) {
            const std::size_t n =
                at < head + 10 ? 1 : std::min<std::size_t>(4093, wire.size() - at);
            pieces.add(true, std::span(wire).subspan(at, n));
            at += n;
        }
        for (const CaseRecording* r : {&whole, &pieces}) {
            QCOMPARE(r->kept(true).size(), limit);
            QVERIFY(std::equal(r->kept(true).begin(), r->kept(true).end(), wire.begin()));
            QCOMPARE(r->totals(true).bytes, std::uint64_t(wire.size()));
            QCOMPARE(r->bytesNotKept(true), std::uint64_t(wire.size() - limit));
            QCOMPARE(r->totals(true).frames, std::uint64_t(frames));
            QCOMPARE(r->totals(true).framesNotListed, std::uint64_t(frames - listed));
            QCOMPARE(r->rows().size(), 1 + listed);
            QCOMPARE(r->rows().front().kind, WireRow::Kind::Head);
            QCOMPARE(r->rows().front().length, std::uint64_t(head));
            QVERIFY(r->rows().front().complete);
            const WireRow& second = r->rows()[1];
            QCOMPARE(second.offset, std::uint64_t(head));
            QCOMPARE(second.length, std::uint64_t(1000));
            QVERIFY(second.header.masked);
            QCOMPARE(r->payload(second, 4), (std::vector<std::uint8_t>{'a', 'a', 'a', 'a'}));
            // The last listed frame runs past the kept bytes: its payload is cut there.
            const WireRow& last = r->rows().back();
            QVERIFY(last.offset < limit && last.offset + one.size() > limit);
            QCOMPARE(r->rowBytes(last).size(), std::size_t(limit - last.offset));
            QCOMPARE(r->totals(false).bytes, std::uint64_t{0});
        }
        // A refusal: the body after a 400 is not read as frames.
        CaseRecording refused(Role::Client);
        std::vector<std::uint8_t> answer;
        append(answer, "HTTP/1.1 400 Bad Request\r\nContent-Length: 4\r\n\r\n\x81\x05no");
        refused.add(false, answer);
        QCOMPARE(refused.rows().size(), std::size_t{2});
        QCOMPARE(refused.rows()[1].kind, WireRow::Kind::Other);
        QCOMPARE(refused.rows()[1].length, std::uint64_t{4});
        QCOMPARE(refused.totals(false).frames, std::uint64_t{0});
        QCOMPARE(wireRowPreview(refused, refused.rows()[0]), u"\"HTTP/1.1 400 Bad Request\""_s);
        QCOMPARE(wireRowPreview(refused, refused.rows()[1]),
                 u"4 bytes that are not WebSocket frames"_s);
        // A head that never ends stops being read as one at 64 KiB.
        CaseRecording endless(Role::Client);
        std::vector<std::uint8_t> garbage(100u << 10, 'x');
        endless.add(false, garbage);
        QCOMPARE(endless.rows().size(), std::size_t{2});
        QVERIFY(!endless.rows()[0].complete);
        QCOMPARE(endless.rows()[0].length, std::uint64_t(CaseRecording::kMaxHead));
        QCOMPARE(endless.rows()[1].length, std::uint64_t((100u << 10) - CaseRecording::kMaxHead));
    }

    void marksCompressedFramesOnlyWhenNegotiated() {
        // RSV1 on a server's text frame: compressed after a 101 that agreed on
        // permessage-deflate (its continuation too), a bare reserved bit otherwise.
        auto serverFrame = [](std::uint8_t opcode, bool fin, bool rsv1, std::string_view text) {
            FrameHeader header;
            header.opcode = opcode;
            header.fin = fin;
            header.rsv1 = rsv1;
            return buildFrame(
                header, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
        };
        for (const bool negotiated : {true, false}) {
            std::vector<std::uint8_t> wire;
            append(wire, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n");
            if (negotiated)
                append(wire, "Sec-WebSocket-Extensions: permessage-deflate\r\n");
            append(wire, "\r\n");
            for (const auto& frame :
                 {serverFrame(0x1, false, true, "ab"), serverFrame(0x0, true, false, "cd"),
                  serverFrame(0x1, true, false, "ef")})
                wire.insert(wire.end(), frame.begin(), frame.end());
            CaseRecording recording(Role::Client);
            recording.add(false, wire);
            QCOMPARE(recording.deflateNegotiated(), negotiated);
            QCOMPARE(recording.rows().size(), std::size_t{4});
            QCOMPARE(recording.rows()[1].compressed, negotiated);
            QCOMPARE(recording.rows()[2].compressed, negotiated);
            QCOMPARE(recording.rows()[2].dataOpcode, std::uint8_t{0x1});
            QVERIFY(!recording.rows()[3].compressed);
            QCOMPARE(wireRowPreview(recording, recording.rows()[1]),
                     negotiated ? u"compressed: 6162"_s : u"\"ab\""_s);
            QCOMPARE(wireRowPreview(recording, recording.rows()[2]),
                     negotiated ? u"compressed: 6364"_s : u"\"cd\""_s);
            QCOMPARE(wireRowPreview(recording, recording.rows()[3]), u"\"ef\""_s);
        }
    }

    void manyResultsStayFast() {
        // 600 rows (the catalogue's cases, each verdict in turn) through the tab's own
        // proxy: sorting and filtering stay quick, and the model is a sound model.
        ConformanceResultsModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(ConformanceResultsModel::SortRole);
        proxy.setFilterRole(ConformanceResultsModel::VerdictRole);
        proxy.setFilterKeyColumn(ConformanceResultsModel::Verdict);
        proxy.sort(ConformanceResultsModel::Duration, Qt::DescendingOrder);
        const std::vector<conformance::Case>& all = conformance::catalogue();
        QVERIFY(all.size() >= 300);
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 600; ++i) {
            conformance::CaseResult result;
            result.testCase = &all[std::size_t(i) % all.size()];
            result.verdict = conformance::Verdict(i % 4);
            result.reason = "reason " + std::to_string(i);
            result.milliseconds = i;
            model.append(result, nullptr);
        }
        QCOMPARE(model.rowCount(), 600);
        QCOMPARE(proxy.index(0, ConformanceResultsModel::Duration).data().toString(), u"599 ms"_s);
        proxy.sort(ConformanceResultsModel::Id, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, ConformanceResultsModel::Id).data().toString(),
                 QString::fromStdString(all.front().id));
        proxy.setFilterRegularExpression(QRegularExpression(u"^(?!pass$)"_s));
        QCOMPARE(proxy.rowCount(), 450);
        QCOMPARE(model.index(2, ConformanceResultsModel::Verdict).data().toString(), u"fail"_s);
        QCOMPARE(model.index(2, ConformanceResultsModel::Verdict)
                     .data(Qt::ForegroundRole)
                     .value<QColor>(),
                 verdictColour(conformance::Verdict::Fail));
        // Generous: a slow shared machine; a model that re-sorted everything per row would not be.
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    }

    void consoleMenuOpensTheTab() {
        MainWindow main;
        QAction* action = nullptr;
        for (QAction* menu : main.menuBar()->actions()) {
            if (!menu->menu())
                continue;
            for (QAction* item : menu->menu()->actions()) {
                if (item->text() == u"Run Con&formance Tests\u2026"_s)
                    action = item;
            }
        }
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(u"Ctrl+Shift+T"_s));
        action->trigger();
        auto* console = main.findChild<ConsoleWindow*>();
        QVERIFY(console);
        QCOMPARE(console->tabs()->count(), 1);
        QCOMPARE(console->tabs()->tabText(0), u"Conformance 1"_s);
        auto* tab = qobject_cast<ConformanceTab*>(console->tabs()->widget(0));
        QVERIFY(tab);
        // The tab says what runs.
        tab->form().urlEdit()->setText(serverUrl());
        tab->form().casesEdit()->setText(u"1.1.1"_s);
        QVERIFY(tab->start());
        QCOMPARE(console->tabs()->tabText(0),
                 u"Conformance 127.0.0.1:%1 (0/1)"_s.arg(server_->serverPort()));
        QTRY_VERIFY_WITH_TIMEOUT(!tab->isRunning(), kRunMs);
        QCOMPARE(console->tabs()->tabText(0),
                 u"Conformance 127.0.0.1:%1: 1/1 pass"_s.arg(server_->serverPort()));
    }

private:
    static QStringList readLines(const QString& path) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
        if (!lines.isEmpty() && lines.last().isEmpty())
            lines.removeLast();
        return lines;
    }

    QString serverUrl() const { return u"ws://127.0.0.1:%1/"_s.arg(server_->serverPort()); }

    std::unique_ptr<session::WebSocketServer> server_;
};

QTEST_MAIN(TestConformanceConsole)
#include "tst_conformance_console.moc"
