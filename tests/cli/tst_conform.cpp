// `sockscope-cli conform` end to end: against `sockscope-cli serve --echo`
// (text and JSON Lines reports, exit status 0 only when every case passed
// strictly), against a client it runs per case (the URL as last argument and
// in $SOCKSCOPE_CONFORM_URL), and its usage errors. Loopback only, bounded waits.

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "cli_process.h"

using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kRunMs = 180000;

// The lines of a text report that are case lines ("6.4.1    pass ...").
QList<QByteArray> caseLines(const CliProcess& cli) {
    QList<QByteArray> out;
    for (const QByteArray& line : cli.outLines()) {
        if (!line.isEmpty() && line.front() >= '0' && line.front() <= '9') {
            out.append(line);
        }
    }
    return out;
}

QByteArray verdictOf(const QByteArray& line) {
    return line.simplified().split(' ').value(1);
}

}  // namespace

class Conform : public QObject {
    Q_OBJECT

private slots:
    void passesAgainstOurServer() {
        ServeProcess server({u"--echo"_s, u"--deflate"_s});
        QVERIFY(server.port() != 0);
        CliProcess cli(
            {u"conform"_s, server.url(), u"--cases"_s, u"1.1.*,2.*,6.4.*,7.3.2,12.1.1"_s});
        QVERIFY2(cli.waitForExit(kRunMs), cli.err().constData());
        QCOMPARE(cli.exitCode(), 0);
        const QList<QByteArray> cases = caseLines(cli);
        QCOMPARE(cases.size(), 8 + 20 + 5 + 1 + 1);
        for (const QByteArray& line : cases) {
            QVERIFY2(verdictOf(line) == "pass", line.constData());
        }
        QVERIFY(cases.front().startsWith("1.1.1    pass"));
        const QList<QByteArray> lines = cli.outLines();
        QCOMPARE(lines.size(), cases.size() + 5 + 1);
        QCOMPARE(lines.at(cases.size()).simplified(),
                 QByteArray("framing 8 cases: 8 pass, 0 non-strict, 0 fail"));
        QCOMPARE(lines.last().simplified(),
                 QByteArray("overall 35 cases: 35 pass, 0 non-strict, 0 fail"));
    }

    void writesJsonLines() {
        ServeProcess server({u"--echo"_s});
        QVERIFY(server.port() != 0);
        CliProcess cli(
            {u"conform"_s, server.url(), u"--format"_s, u"jsonl"_s, u"--cases"_s, u"2.1,7.3.2"_s});
        QVERIFY2(cli.waitForExit(kRunMs), cli.err().constData());
        QCOMPARE(cli.exitCode(), 0);
        const QList<QByteArray> lines = cli.outLines();
        QCOMPARE(lines.size(), 2 + 2 + 1);
        const QJsonObject first = QJsonDocument::fromJson(lines.at(0)).object();
        QCOMPARE(first.value(u"event"_s).toString(), u"case"_s);
        QCOMPARE(first.value(u"id"_s).toString(), u"2.1"_s);
        QCOMPARE(first.value(u"group"_s).toString(), u"ping-pong"_s);
        QCOMPARE(first.value(u"rfc"_s).toString(), u"RFC 6455 §5.5.2"_s);
        QCOMPARE(first.value(u"verdict"_s).toString(), u"pass"_s);
        const QJsonObject second = QJsonDocument::fromJson(lines.at(1)).object();
        QCOMPARE(second.value(u"id"_s).toString(), u"7.3.2"_s);
        QVERIFY(
            second.value(u"reason"_s).toString().startsWith(u"failed the connection with 1002"));
        const QJsonObject group = QJsonDocument::fromJson(lines.at(3)).object();
        QCOMPARE(group.value(u"event"_s).toString(), u"group"_s);
        QCOMPARE(group.value(u"group"_s).toString(), u"close"_s);
        QCOMPARE(group.value(u"pass"_s).toInt(), 1);
        const QJsonObject summary = QJsonDocument::fromJson(lines.at(4)).object();
        QCOMPARE(summary.value(u"event"_s).toString(), u"summary"_s);
        QCOMPARE(summary.value(u"cases"_s).toInt(), 2);
        QCOMPARE(summary.value(u"pass"_s).toInt(), 2);
        QCOMPARE(summary.value(u"fail"_s).toInt(), 0);
        QCOMPARE(summary.value(u"strict"_s).toBool(), true);
    }

    void exitsOneWhenACaseIsNotStrict() {
        ServeProcess server({u"--echo"_s});  // no permessage-deflate
        QVERIFY(server.port() != 0);
        CliProcess cli({u"conform"_s, server.url(), u"--cases"_s, u"1.1.1,12.1.1"_s});
        QVERIFY2(cli.waitForExit(kRunMs), cli.err().constData());
        QCOMPARE(cli.exitCode(), 1);
        const QList<QByteArray> cases = caseLines(cli);
        QCOMPARE(cases.size(), 2);
        QCOMPARE(verdictOf(cases.at(0)), QByteArray("pass"));
        QCOMPARE(verdictOf(cases.at(1)), QByteArray("unsupported"));
        QVERIFY(cases.at(1).endsWith("the server declined permessage-deflate"));
        QCOMPARE(cli.outLines().last().simplified(),
                 QByteArray("overall 2 cases: 1 pass, 0 non-strict, 0 fail, 1 unsupported"));
    }

    void testsAClientItRuns() {
        CliProcess cli({u"conform"_s, u"--serve"_s, u"0"_s, u"--cases"_s,
                        u"1.1.1,2.1,6.4.1,7.1.5,8.3.7,8.4.3,13.3.1"_s, u"--"_s, cliPath(),
                        u"connect"_s, u"--echo"_s, u"--deflate"_s});
        QVERIFY2(cli.waitForExit(kRunMs), cli.err().constData());
        QCOMPARE(cli.exitCode(), 0);
        const QList<QByteArray> cases = caseLines(cli);
        QCOMPARE(cases.size(), 7);
        for (const QByteArray& line : cases) {
            QVERIFY2(verdictOf(line) == "pass", line.constData());
        }
        QVERIFY(cli.errHasLineMatching(
            u"sockscope-cli: conformance tester listening on ws://127\\.0\\.0\\.1:\\d+/case/ID"_s));
    }

    void givesTheClientItsUrlInTheEnvironment() {
        // The URL is also the last argument; this client reads the variable instead.
        CliProcess cli({u"conform"_s, u"--serve"_s, u"0"_s, u"--cases"_s, u"1.1.1,8.3.1"_s, u"--"_s,
                        u"/bin/sh"_s, u"-c"_s,
                        u"exec \"$0\" connect --echo \"$SOCKSCOPE_CONFORM_URL\""_s, cliPath()});
        QVERIFY2(cli.waitForExit(kRunMs), cli.err().constData());
        QCOMPARE(cli.exitCode(), 0);
        QCOMPARE(caseLines(cli).size(), 2);
    }

    void reportsAClientThatNeverConnects() {
        CliProcess cli({u"conform"_s, u"--serve"_s, u"0"_s, u"--timeout"_s, u"0.5"_s, u"--cases"_s,
                        u"1.1.1"_s, u"--"_s, u"/bin/true"_s});
        QVERIFY2(cli.waitForExit(kRunMs), cli.err().constData());
        QCOMPARE(cli.exitCode(), 1);
        const QList<QByteArray> cases = caseLines(cli);
        QCOMPARE(cases.size(), 1);
        QCOMPARE(verdictOf(cases.front()), QByteArray("fail"));
        QVERIFY(cases.front().contains("the client did not connect to ws://127.0.0.1:"));
        QVERIFY(cases.front().endsWith("within 500 ms"));
    }

    void reportsAClientThatCannotRun() {
        CliProcess cli({u"conform"_s, u"--serve"_s, u"0"_s, u"--cases"_s, u"1.1.1"_s, u"--"_s,
                        u"/nonexistent/sockscope-client"_s});
        QVERIFY(cli.waitForExit(30000));
        QCOMPARE(cli.exitCode(), 1);
        QVERIFY(cli.errHasLineMatching(
            u"sockscope-cli: conform: cannot run '/nonexistent/sockscope-client': .+"_s));
        QVERIFY(caseLines(cli).isEmpty());
    }

    void listsCases() {
        CliProcess cli({u"conform"_s, u"--list"_s, u"--cases"_s, u"6.4.*"_s});
        QVERIFY(cli.waitForExit(30000));
        QCOMPARE(cli.exitCode(), 0);
        const QList<QByteArray> lines = cli.outLines();
        QCOMPARE(lines.size(), 5);
        QVERIFY(lines.front().startsWith("6.4.1    utf8                 RFC 6455 §8.1    "));
    }

    void rejectsBadUsage_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("error");
        const QString url = u"ws://127.0.0.1:9/"_s;
        QTest::newRow("no url") << QStringList{u"conform"_s}
                                << u"conform: a server URL is required"_s;
        QTest::newRow("two urls") << QStringList{u"conform"_s, url, url}
                                  << u"conform: unexpected argument"_s;
        QTest::newRow("no such case") << QStringList{u"conform"_s, url, u"--cases"_s, u"99.*"_s}
                                      << u"conform: --cases: no case matches '99.*'"_s;
        QTest::newRow("bad pattern") << QStringList{u"conform"_s, url, u"--cases"_s, u"6.*.1"_s}
                                     << u"conform: --cases: '6.*.1' is not a case id"_s;
        QTest::newRow("format") << QStringList{u"conform"_s, url, u"--format"_s, u"xml"_s}
                                << u"conform: --format 'xml' is not text or jsonl"_s;
        QTest::newRow("timeout") << QStringList{u"conform"_s, url, u"--timeout"_s, u"0"_s}
                                 << u"conform: --timeout '0' is not a number of seconds"_s;
        QTest::newRow("not ws") << QStringList{u"conform"_s, u"http://127.0.0.1:9/"_s}
                                << u"conform: invalid URL 'http://127.0.0.1:9/'"_s;
        QTest::newRow("wss") << QStringList{u"conform"_s, u"wss://127.0.0.1:9/"_s}
                             << u"conform: wss:// is not supported yet"_s;
        QTest::newRow("serve without command") << QStringList{u"conform"_s, u"--serve"_s, u"0"_s}
                                               << u"conform: --serve needs the client to run"_s;
        QTest::newRow("serve port")
            << QStringList{u"conform"_s, u"--serve"_s, u"70000"_s, u"--"_s, u"/bin/true"_s}
            << u"conform: --serve '70000' is not a port number"_s;
        QTest::newRow("client case on a server")
            << QStringList{u"conform"_s, url, u"--cases"_s, u"8.4.1"_s}
            << u"conform: --cases: no case matches '8.4.1'"_s;
    }

    void rejectsBadUsage() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, error);
        CliProcess cli(arguments);
        QVERIFY(cli.waitForExit(30000));
        QCOMPARE(cli.exitCode(), 2);
        const QByteArray expected = QByteArray("sockscope-cli: ") + error.toUtf8();
        QVERIFY2(cli.err().startsWith(expected), cli.err().constData());
        QVERIFY(cli.out().isEmpty());
    }
};

QTEST_GUILESS_MAIN(Conform)
#include "tst_conform.moc"
