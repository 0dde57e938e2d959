// Hostile captures through `sockscope-cli read` end to end (issue 7 §4): every
// row of tests/support/hostile_captures.h is written to a file and read with
// --format jsonl, and one row of each kind is also piped to `read -`. Each
// asserts the exit status (0, or 1 with one error naming the packet and the
// byte offset of its record or block), stderr line for line (so a sanitizer
// report fails it too), the anomalies, and every message the readable part
// holds. Every run is bounded.
//
// Beside it, and not repeated here: tests/dissector/tst_capture_reader.cpp
// (the reader's API: libpcap's interface limits, record offsets, stdin),
// tests/dissector/tst_packet_decoder.cpp (each decoder layer and the fragment
// table alone), tests/cli/tst_cli_read.cpp (usage errors, the JSON Lines
// contract), tests/ui/tst_ui_hostile_captures.cpp (the same files in the GUI).
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include "cli_process.h"
#include "hostile_captures.h"

using namespace sockscope::test;
using namespace sockscope::test::hostile;
using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 20000;

QString filled(const std::string& text, const QString& name) {
    return QString::fromStdString(text).replace(u"{}"_s, name);
}

// What a run printed: the messages and anomalies in the table's form.
struct Output {
    QStringList messages;
    QStringList anomalies;
    QStringList unparsed;  // stdout lines that are not JSON objects
};

Output parse(const QByteArray& out) {
    Output o;
    for (const QByteArray& line : CliProcess::nonEmptyLines(out)) {
        QJsonParseError error{};
        const QJsonObject e = QJsonDocument::fromJson(line, &error).object();
        if (error.error != QJsonParseError::NoError) {
            o.unparsed << QString::fromUtf8(line);
            continue;
        }
        const QString event = e.value(u"event"_s).toString();
        const QString packet = QString::number(e.value(u"packet"_s).toInteger());
        if (event == u"message") {
            const QString opcode = e.value(u"opcode"_s).toString();
            const QByteArray payload =
                QByteArray::fromBase64(e.value(u"payload_b64"_s).toString().toLatin1());
            QString shown = QString::fromUtf8(payload);
            if (opcode == u"close") {
                shown = QString::number(e.value(u"close_code"_s).toInt());
                const QString reason = e.value(u"close_reason"_s).toString();
                if (!reason.isEmpty())
                    shown += u' ' + reason;
            }
            o.messages << packet + u' ' + e.value(u"dir"_s).toString() + u' ' + opcode + u' ' +
                              shown;
        } else if (event == u"anomaly") {
            o.anomalies << packet + u' ' + e.value(u"kind"_s).toString() + u": "_s +
                               e.value(u"detail"_s).toString();
        }
    }
    return o;
}

QStringList listOf(const std::vector<std::string>& items) {
    QStringList out;
    for (const std::string& item : items)
        out << QString::fromStdString(item);
    return out;
}

QStringList stderrLines(const HostileCapture& row, const QString& name, bool file) {
    QStringList out;
    if (file && !row.warning.empty())
        out << u"sockscope-cli: "_s + filled(row.warning, name);
    if (!row.error.empty())
        out << u"sockscope-cli: "_s + filled(row.error, name);
    return out;
}

}  // namespace

class TestCliHostileCaptures : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::vector<HostileCapture> rows_;

    void addRows(bool onlyViaStdin) {
        QTest::addColumn<int>("row");
        for (std::size_t i = 0; i < rows_.size(); ++i)
            if (!onlyViaStdin || rows_[i].viaStdin)
                QTest::newRow(rows_[i].name.c_str()) << int(i);
    }

    static void check(const HostileCapture& row, CliProcess& cli, const QString& name, bool file) {
        QVERIFY2(cli.waitForExit(kTimeoutMs), "sockscope-cli read did not finish");
        QCOMPARE(cli.exitCode(), row.exitCode);
        QStringList err;
        for (const QByteArray& line : cli.errLines())
            err << QString::fromUtf8(line);
        QCOMPARE(err, stderrLines(row, name, file));
        const Output out = parse(cli.out());
        QCOMPARE(out.unparsed, QStringList());
        QCOMPARE(out.anomalies, listOf(row.anomalies));
        QCOMPARE(out.messages, listOf(row.messages));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        rows_ = hostileCaptures();
    }

    void readsWhatTheFileHolds_data() { addRows(false); }
    void readsWhatTheFileHolds() {
        QFETCH(int, row);
        const HostileCapture& r = rows_[std::size_t(row)];
        const QString path = dir_.filePath(u"capture-%1"_s.arg(row));
        QVERIFY(PcapBuilder::write(path.toStdString(), r.bytes));
        CliProcess cli({u"read"_s, path, u"--format"_s, u"jsonl"_s});
        check(r, cli, path, true);
    }

    void readsWhatAPipeHolds_data() { addRows(true); }
    void readsWhatAPipeHolds() {
        QFETCH(int, row);
        const HostileCapture& r = rows_[std::size_t(row)];
        CliProcess cli({u"read"_s, u"-"_s, u"--format"_s, u"jsonl"_s});
        cli.write(
            QByteArray(reinterpret_cast<const char*>(r.bytes.data()), qsizetype(r.bytes.size())));
        cli.closeStdin();
        check(r, cli, u"standard input"_s, false);
    }
};

QTEST_GUILESS_MAIN(TestCliHostileCaptures)
#include "tst_cli_hostile_captures.moc"
