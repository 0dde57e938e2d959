#pragma once
// The conformance suite's case catalogue (conformance_cases_*.cpp) and case
// selection by id patterns ("1.*,6.3.1").

#include <string>
#include <string_view>
#include <vector>

#include "session/conformance_case.h"

namespace sockscope::session::conformance {

// Every case, in id order within each group, built once.
const std::vector<Case>& catalogue();

// Whether `id` matches one pattern: an id ("6.3.1"), a prefix ending in ".*"
// ("6.*", "6.4.*"), or "*".
bool matchesPattern(std::string_view id, std::string_view pattern);

struct Selection {
    std::vector<const Case*> cases;
    std::string error;  // a pattern that is malformed or matches no case
};
// The cases for `peer` (ServerOnly: testing a server, ClientOnly: testing a
// client) matching any of the comma-separated `patterns` (empty: all).
Selection selectCases(std::string_view patterns, Applies peer);

}  // namespace sockscope::session::conformance
