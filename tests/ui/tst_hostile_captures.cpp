// Hostile captures in the GUI (issue 7 §4): the main window opens a selection
// of the files tests/support/hostile_captures.h builds (wrong magic,
// truncated, garbage, absurd pcapng block sizes, lying record and IP
// lengths, a snaplen cut inside a message, an unsupported link type) and
// shows the connections, messages (their payloads read back from the file)
// and anomalies it could read, with the reader's error in the status bar and
// as lastError() (the non-modal "Problem in the capture" box), as
// tst_main_window's badFilesSayWhy does for one junk file. Every wait is
// bounded. The CLI side of the same table: tests/cli/tst_cli_hostile_captures.cpp.
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

#include "hostile_captures.h"
#include "inspector/connection_table_model.h"
#include "inspector/message_table_model.h"
#include "widgets/capture_view.h"
#include "widgets/main_window.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::test::hostile;
using namespace sockscope::ui;
using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 10000;

const char* const kShown[] = {
    "pcap: a text file",
    "pcap: gzip-compressed",
    "pcap: link type 147 (user 0)",
    "pcap: record header cut at 6 of 16 bytes",
    "pcap: last record cut",
    "pcap: garbage after the last record",
    "pcap: record caplen over 256 MiB",
    "pcap: record 5 caplen shorter than its data",
    "pcap: record caplen 70000 over the snaplen 65535 (libpcap keeps 65535)",
    "pcapng: block total length 0",
    "pcapng: block total length 4294967292",
    "pcapng: block total length 4294967295",
    "pcapng: block total length larger than the file",
    "pcapng: a big-endian section after a little-endian one",
    "pcapng: decryption secrets block whose length lies",
    "packet: IPv4 total length 1000 (more than captured, no snaplen)",
    "packet: the connection's own segment with IPv4 total length 1000",
    "packet: TCP data offset 15 (past the segment)",
    "packet: snaplen cut in the middle of a message",
};

// What the window holds, in the table's form: "<packet> <dir> <opcode>
// <payload>", the payload read back from the capture file.
QStringList shownMessages(const CaptureView& view) {
    const CaptureDocument& document = view.document();
    QStringList out;
    for (RowId row = 0; row < document.index().messageCount(); ++row) {
        const MessageRecord m = document.index().message(row);
        const MessageBytes bytes = document.messageBytes(row, 1024);
        const QByteArray payload(reinterpret_cast<const char*>(bytes.payload.data()),
                                 qsizetype(bytes.payload.size()));
        QString shown = QString::number(document.index().messagePacket(row)) +
                        (m.fromServer() ? u" server "_s : u" client "_s);
        if (m.opcode == 8) {
            shown += u"close "_s + QString::number(m.closeCode);
            if (payload.size() > 2)
                shown += u' ' + QString::fromUtf8(payload.mid(2));
        } else {
            shown += (m.opcode == 1 ? u"text "_s : u"opcode "_s + QString::number(m.opcode)) +
                     QString::fromUtf8(payload);
        }
        out << shown;
    }
    return out;
}

QStringList shownAnomalies(const CaptureView& view) {
    const CaptureIndex& index = view.document().index();
    QStringList out;
    for (RowId row = 0; row < index.anomalyCount(); ++row) {
        const AnomalyRecord& a = index.anomaly(row);
        out << QString::fromStdString(std::to_string(a.packet) + " " + a.kind + ": " + a.detail);
    }
    return out;
}

}  // namespace

class TestUiHostileCaptures : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::vector<HostileCapture> rows_;

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // settings go to a test location
        QCoreApplication::setOrganizationName(u"SockscopeTest"_s);
        QCoreApplication::setApplicationName(u"tst_hostile_captures"_s);
        QVERIFY(dir_.isValid());
        for (HostileCapture& row : hostileCaptures())
            if (std::find_if(std::begin(kShown), std::end(kShown), [&](const char* name) {
                    return row.name == name;
                }) != std::end(kShown))
                rows_.push_back(std::move(row));
        QCOMPARE(rows_.size(), std::size(kShown));
    }

    void showsWhatItCouldReadAndTheError_data() {
        QTest::addColumn<int>("row");
        for (std::size_t i = 0; i < rows_.size(); ++i)
            QTest::newRow(rows_[i].name.c_str()) << int(i);
    }
    void showsWhatItCouldReadAndTheError() {
        QFETCH(int, row);
        const HostileCapture& r = rows_[std::size_t(row)];
        const QString path = dir_.filePath(u"capture-%1"_s.arg(row));
        QVERIFY(PcapBuilder::write(path.toStdString(), r.bytes));

        MainWindow window;
        window.show();
        QVERIFY(window.openFile(path));
        QVERIFY(window.captureView());
        QTRY_VERIFY_WITH_TIMEOUT(!window.captureView()->document().loading(), kTimeoutMs);
        CaptureView& view = *window.captureView();

        const QString error = QString::fromStdString(r.error).replace(u"{}"_s, path);
        QCOMPARE(window.lastError(), error);
        if (!error.isEmpty())
            QCOMPARE(window.statusBar()->currentMessage(), error);
        QCOMPARE(view.connectionModel().rowCount(), r.messages.empty() ? 0 : 1);
        const QStringList shown = shownMessages(view);
        QStringList expected;
        for (const std::string& m : r.messages)
            expected << QString::fromStdString(m);
        QCOMPARE(shown.size(), expected.size());
        // The payloads are read back from the file: "welcome" shares the 101's
        // segment, so this also checks where in its packet it is found.
        for (qsizetype i = 0; i < shown.size(); ++i)
            QCOMPARE(shown[i], expected[i]);
        QCOMPARE(view.messageModel().rowCount(), int(r.messages.size()));
        QStringList anomalies;
        for (const std::string& a : r.anomalies)
            anomalies << QString::fromStdString(a);
        QCOMPARE(shownAnomalies(view), anomalies);
    }
};

QTEST_MAIN(TestUiHostileCaptures)
#include "tst_hostile_captures.moc"
