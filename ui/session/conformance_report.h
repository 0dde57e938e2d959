#pragma once
// Conformance results as lines: one per case, then one per group and one for
// the whole run (pass, non-strict, fail and unsupported counts), as text or
// as JSON Lines.

#include <QString>
#include <QStringList>
#include <string>
#include <vector>

#include "session/conformance_session.h"

namespace sockscope::session::conformance {

struct Tally {
    int pass = 0;
    int nonStrict = 0;
    int fail = 0;
    int unsupported = 0;
    int total() const { return pass + nonStrict + fail + unsupported; }
    void add(Verdict verdict);
};

struct GroupTally {
    std::string name;  // "utf8"
    Tally tally;
};

struct Summary {
    std::vector<GroupTally> groups;  // catalogue order, groups without results left out
    Tally overall;
    // Every case passed strictly (the CLI's exit status 0).
    bool allPassed() const { return overall.total() > 0 && overall.pass == overall.total(); }
};

Summary summarize(const std::vector<CaseResult>& results);

// "6.4.3    non-strict   812 ms  One frame whose ... : failed only after ..."
QString caseLineText(const CaseResult& result);
// {"event":"case","id":"6.4.3","group":"utf8","verdict":"non-strict",...}
QString caseLineJson(const CaseResult& result);
// One line per group, then "overall".
QStringList summaryLinesText(const Summary& summary);
QStringList summaryLinesJson(const Summary& summary);

}  // namespace sockscope::session::conformance
