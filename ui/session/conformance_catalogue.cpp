#include "session/conformance_catalogue.h"

#include <algorithm>

#include "session/conformance_builders.h"

namespace sockscope::session::conformance {
namespace {

std::vector<Case> buildCatalogue() {
    std::vector<Case> cases;
    build::CaseList list(cases);
    build::addFramingCases(list);
    build::addControlCases(list);
    build::addReservedCases(list);
    build::addFragmentationCases(list);
    build::addUtf8Cases(list);
    build::addCloseCases(list);
    build::addHandshakeCases(list);
    build::addLimitCases(list);
    build::addDeflateCases(list);
    return cases;
}

bool isPatternChar(char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '*';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && text.back() == ' ') {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

const std::vector<Case>& catalogue() {
    static const std::vector<Case> cases = buildCatalogue();
    return cases;
}

bool matchesPattern(std::string_view id, std::string_view pattern) {
    if (pattern == "*") {
        return true;
    }
    if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
        const std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
        return id.substr(0, prefix.size()) == prefix;
    }
    return id == pattern;
}

Selection selectCases(std::string_view patterns, Applies peer) {
    Selection selection;
    std::vector<std::string_view> list;
    while (!patterns.empty()) {
        const std::size_t comma = patterns.find(',');
        list.push_back(trim(patterns.substr(0, comma)));
        patterns =
            comma == std::string_view::npos ? std::string_view{} : patterns.substr(comma + 1);
    }
    for (const std::string_view pattern : list) {
        const bool wellFormed = !pattern.empty() &&
                                std::all_of(pattern.begin(), pattern.end(), isPatternChar) &&
                                (pattern.find('*') == std::string_view::npos || pattern == "*" ||
                                 (pattern.find('*') == pattern.size() - 1 && pattern.size() >= 2 &&
                                  pattern[pattern.size() - 2] == '.'));
        if (!wellFormed) {
            selection.error = "'" + std::string(pattern) +
                              "' is not a case id or pattern (e.g. 6.3.1, 6.*, 6.4.*, *)";
            return selection;
        }
    }
    for (const std::string_view pattern : list) {
        const bool any = std::any_of(catalogue().begin(), catalogue().end(), [&](const Case& c) {
            return c.appliesTo(peer) && matchesPattern(c.id, pattern);
        });
        if (!any) {
            selection.error = "no case matches '" + std::string(pattern) + "'";
            return selection;
        }
    }
    for (const Case& c : catalogue()) {
        if (!c.appliesTo(peer)) {
            continue;
        }
        const bool wanted = list.empty() || std::any_of(list.begin(), list.end(), [&](auto p) {
                                return matchesPattern(c.id, p);
                            });
        if (wanted) {
            selection.cases.push_back(&c);
        }
    }
    return selection;
}

}  // namespace sockscope::session::conformance
