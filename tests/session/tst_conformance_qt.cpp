// A reference point for the conformance suite: Qt WebSockets'
// QWebSocketServer echo (it has no permessage-deflate: those cases are
// unsupported). Its verdicts are not asserted (they are what they are); the
// run must complete with a verdict and a reason for every case, and the
// per-group summary is printed for the README's comparison table.

#include <QTest>
#include <memory>

#include "conformance_run.h"
#include "qt_echo_server.h"

using namespace sockscope;
using namespace sockscope::test;

namespace {

// Shorter than the default: a peer that waits for a 4 GiB frame costs this much.
constexpr int kCaseTimeoutMs = 2000;
constexpr int kRunBoundMs = 900000;

void checkComplete(const std::vector<conformance::CaseResult>& results) {
    const auto cases = casesFor(conformance::Applies::ServerOnly);
    QCOMPARE(results.size(), cases.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        QCOMPARE(results[i].testCase, cases[i]);
        QVERIFY2(!results[i].reason.empty(), cases[i]->id.c_str());
    }
}

}  // namespace

class ConformanceQt : public QObject {
    Q_OBJECT

private slots:
    void qtWebSockets() {
        QtEchoServer server;
        const quint16 port = server.listen();
        QVERIFY(port != 0);
        std::vector<conformance::CaseResult> results;
        QVERIFY(runAgainstServer(port, casesFor(conformance::Applies::ServerOnly), kCaseTimeoutMs,
                                 kRunBoundMs, results));
        printSummary("Qt WebSockets", results);
        checkComplete(results);
    }
};

QTEST_GUILESS_MAIN(ConformanceQt)
#include "tst_conformance_qt.moc"
