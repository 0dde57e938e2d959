// A reference point for the conformance suite: Debian's python3-websockets
// echo server with permessage-deflate. Its verdicts are not asserted (they
// are what they are); the run must complete with a verdict and a reason for
// every case, and the per-group summary is printed for the README's
// comparison table.

#include <QTest>
#include <memory>

#include "conformance_run.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace Qt::StringLiterals;

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

class ConformancePython : public QObject {
    Q_OBJECT

private slots:
    void pythonWebsockets() {
        const QString missing = pythonWebsocketsMissing();
        if (!missing.isEmpty()) {
            QSKIP(qPrintable(missing));
        }
        PythonEchoServer server({u"--compression"_s, u"deflate"_s});
        QVERIFY2(server.port() != 0, server.errorOutput().constData());
        std::vector<conformance::CaseResult> results;
        QVERIFY(runAgainstServer(server.port(), casesFor(conformance::Applies::ServerOnly),
                                 kCaseTimeoutMs, kRunBoundMs, results));
        printSummary("python3-websockets", results);
        checkComplete(results);
    }
};

QTEST_GUILESS_MAIN(ConformancePython)
#include "tst_conformance_python.moc"
