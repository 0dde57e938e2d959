#pragma once
// Helpers for the conformance tests: run a selection of cases against a
// server or a client in this process's event loop (bounded), and print a
// run's per-group summary.

#include <QEventLoop>
#include <QHostAddress>
#include <QTest>
#include <QTimer>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "peer_process.h"
#include "session/conformance_catalogue.h"
#include "session/conformance_report.h"
#include "session/conformance_runner.h"

namespace sockscope::test {

namespace conformance = sockscope::session::conformance;

using ConformanceResults = std::map<std::string, conformance::CaseResult>;

inline ConformanceResults byId(const std::vector<conformance::CaseResult>& results) {
    ConformanceResults out;
    for (const conformance::CaseResult& result : results) {
        out[result.testCase->id] = result;
    }
    return out;
}

inline std::vector<const conformance::Case*> casesFor(conformance::Applies peer,
                                                      const char* patterns = "") {
    return conformance::selectCases(patterns, peer).cases;
}

// Runs the event loop until `finished` is emitted or `boundMs` passed (a
// plain event loop: QTest::qWait sleeps between rounds, which would add
// milliseconds to every round trip with a peer in another process).
template <typename Sender, typename Signal>
bool runUntil(Sender* sender, Signal finished, int boundMs) {
    QEventLoop loop;
    bool done = false;
    QObject::connect(sender, finished, &loop, [&] {
        done = true;
        loop.quit();
    });
    QTimer::singleShot(boundMs, &loop, &QEventLoop::quit);
    loop.exec();
    return done;
}

// Runs `cases` against the server on 127.0.0.1:port; false when the run did
// not end within `boundMs`.
inline bool runAgainstServer(quint16 port, std::vector<const conformance::Case*> cases,
                             int caseTimeoutMs, int boundMs,
                             std::vector<conformance::CaseResult>& results,
                             const std::function<void(conformance::CaseSession*)>& onCase = {}) {
    conformance::SessionSettings settings;
    settings.timeoutMs = caseTimeoutMs;
    conformance::ServerRunner runner(QStringLiteral("127.0.0.1"), port, std::move(cases), settings);
    if (onCase) {
        QObject::connect(&runner, &conformance::ServerRunner::caseStarted, onCase);
    }
    runner.start();
    const bool finished = runUntil(&runner, &conformance::ServerRunner::finished, boundMs);
    runner.stop();
    results = runner.results();
    return finished;
}

inline void printSummary(const char* peer, const std::vector<conformance::CaseResult>& results) {
    for (const QString& line : conformance::summaryLinesText(conformance::summarize(results))) {
        qInfo("%s: %s", peer, qPrintable(line));
    }
    for (const conformance::CaseResult& result : results) {
        if (result.verdict != conformance::Verdict::Pass) {
            qInfo("%s: %s", peer, qPrintable(conformance::caseLineText(result)));
        }
    }
}

}  // namespace sockscope::test
