#include "anomaly_limiter.h"

#include "sockscope/dissector/anomaly.h"

namespace sockscope::dissector::detail {

void AnomalyLimiter::onAnomaly(const AnomalyEvent& e) {
    if (limit_ == 0) {
        next_.onAnomaly(e);
        return;
    }
    Kinds& kinds = counts_[e.conn];
    auto it = kinds.find(std::string_view(e.kind));
    if (it == kinds.end())
        it = kinds.emplace(e.kind, Count{}).first;
    Count& count = it->second;
    if (count.passed < limit_) {
        ++count.passed;
        next_.onAnomaly(e);
        return;
    }
    if (count.suppressed > 0 && count.last.dir != e.dir)
        count.mixedDirections = true;
    ++count.suppressed;
    // Only what the summary needs: the detail of a suppressed one is not kept.
    count.last.dir = e.dir;
    count.last.ts = e.ts;
    count.last.packet = e.packet;
}

void AnomalyLimiter::onEnd(const EndEvent& e) {
    const auto it = counts_.find(e.conn);
    if (it != counts_.end()) {
        summarise(e.conn, it->second);
        counts_.erase(it);
    }
    next_.onEnd(e);
}

void AnomalyLimiter::finish() {
    for (auto& [conn, kinds] : counts_)
        summarise(conn, kinds);
    counts_.clear();
}

std::size_t AnomalyLimiter::trackedCount() const {
    std::size_t n = 0;
    for (const auto& [conn, kinds] : counts_)
        n += kinds.size();
    return n;
}

void AnomalyLimiter::summarise(std::uint32_t conn, Kinds& kinds) {
    const CaptureAnomalyInfo& info = captureAnomalyInfo(CaptureAnomaly::AnomaliesSuppressed);
    for (auto& [kind, count] : kinds) {
        if (count.suppressed == 0)
            continue;
        AnomalyEvent e;
        e.conn = conn;
        e.dir = count.mixedDirections ? std::nullopt : count.last.dir;
        e.ts = count.last.ts;
        e.packet = count.last.packet;
        e.kind = std::string(info.id);
        e.rfc = std::string(info.rfc);
        e.detail = std::to_string(count.suppressed) + " more " + kind + " anomalies " +
                   (conn == 0 ? "outside any connection" : "on this connection") +
                   " were not reported (limit " + std::to_string(limit_) + " per kind)";
        next_.onAnomaly(e);
    }
}

}  // namespace sockscope::dissector::detail
