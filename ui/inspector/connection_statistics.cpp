#include "inspector/connection_statistics.h"

#include <sockscope/core/close_code.h>
#include <sockscope/core/opcode.h>

#include <QCoreApplication>

#include <algorithm>
#include <bit>
#include <limits>

namespace sockscope::ui {
namespace {

using dissector::Direction;

QString tr(const char* text) {
    return QCoreApplication::translate("ConnectionStatistics", text);
}

int sideIndex(Direction d) {
    return d == Direction::Server ? 1 : 0;
}

Direction otherSide(Direction d) {
    return d == Direction::Server ? Direction::Client : Direction::Server;
}

QString compact(std::uint64_t n) {
    static constexpr const char* kUnits[] = {"", "K", "M", "G", "T", "P", "E"};
    int unit = 0;
    while (n >= 1024 && n % 1024 == 0 && unit < 6) {
        n /= 1024;
        ++unit;
    }
    return QString::number(n) + QLatin1String(kUnits[unit]);
}

QString codeText(const std::optional<std::uint16_t>& code) {
    if (!code)
        return tr("no status code");
    const std::string_view name = closeCodeInfo(*code).name;
    return QString::number(*code) + u' ' + QString::fromUtf8(name.data(), qsizetype(name.size()));
}

QString sideName(Direction d) {
    return d == Direction::Server ? tr("server") : tr("client");
}

QString endingText(const std::optional<dissector::EndHow>& end) {
    if (!end)
        return tr("the connection is still open");
    switch (*end) {
        case dissector::EndHow::CloseHandshake:
        case dissector::EndHow::Fin:
            return tr("the TCP connection ended with FIN");
        case dissector::EndHow::Rst:
            return tr("the TCP connection was reset (RST)");
        case dissector::EndHow::CaptureEnd:
            return tr("the capture ends before the connection does");
    }
    return {};
}

// The smallest 1, 2 or 5 times a power of ten that is at least `n` (n >= 1).
std::int64_t roundUpNice(std::int64_t n) {
    for (std::int64_t power = 1;; power *= 10) {
        for (const std::int64_t factor : {1, 2, 5})
            if (factor * power >= n)
                return factor * power;
        if (power > std::numeric_limits<std::int64_t>::max() / 100)
            return n;
    }
}

}  // namespace

int sizeBucket(std::uint64_t size) {
    return int(std::bit_width(size));
}

QString sizeBucketLabel(int bucket) {
    if (bucket <= 0)
        return QStringLiteral("0");
    if (bucket == 1)
        return QStringLiteral("1");
    const std::uint64_t low = std::uint64_t(1) << (bucket - 1);
    if (bucket <= 10)
        return QStringLiteral("%1–%2").arg(low).arg(2 * low - 1);
    // Past 1 KiB the upper bound reads as the next power: "1K–2K".
    return compact(low) + u'–' + (bucket < 64 ? compact(2 * low) : QStringLiteral("∞"));
}

int ConnectionStatistics::usedSizeBuckets() const {
    int used = 1;
    for (int k = 0; k < kSizeBuckets; ++k)
        if (client.sizes[std::size_t(k)] || server.sizes[std::size_t(k)])
            used = k + 1;
    return used;
}

StatisticsBuilder::StatisticsBuilder(const CaptureDocument& document, std::uint32_t conn,
                                     int rateBuckets)
    : document_(document), rateBuckets_(std::max(1, rateBuckets)) {
    stats_.conn = conn;
    const ConnectionRecord* record = document.index().connection(conn);
    if (!record)
        return;  // nothing to look at: done at once
    stats_.known = true;
    stats_.firstNs = record->firstNs;
    stats_.lastNs = std::max(record->lastNs, record->firstNs);
    stats_.end = record->end;
    stats_.closedFirstBy = record->closedFirstBy;
    stats_.client.frames = record->client_.frames;
    stats_.server.frames = record->server_.frames;
    // A round bucket width (1, 2 or 5 times a power of ten nanoseconds), so
    // the chart's time axis reads 0, 0.5, 1, …; at most rateBuckets of them.
    const std::int64_t span = stats_.lastNs - stats_.firstNs;
    stats_.rateBucketNs = roundUpNice(span / rateBuckets_ + 1);
    rateBuckets_ = int(std::min<std::int64_t>(rateBuckets_, span / stats_.rateBucketNs + 1));
    stats_.client.rate.assign(std::size_t(rateBuckets_), 0);
    stats_.server.rate.assign(std::size_t(rateBuckets_), 0);
    end_ = document.index().messageCount();
    if (end_ == 0)
        finish();
}

bool StatisticsBuilder::step(RowId budget) {
    if (done())
        return true;
    const CaptureIndex& index = document_.index();
    const RowId stop = next_ + std::min(end_ - next_, std::max<RowId>(budget, 1));
    for (; next_ < stop; ++next_) {
        const MessageRecord m = index.message(next_);
        if (m.conn == stats_.conn)
            add(next_, m);
    }
    if (done())
        finish();
    return done();
}

void StatisticsBuilder::add(RowId row, const MessageRecord& m) {
    const Direction dir = m.fromServer() ? Direction::Server : Direction::Client;
    DirectionStatistics& d = stats_.of(dir);
    d.messages += 1;
    d.bytes += m.length;
    d.wireBytes += m.wireLength;
    OpcodeTotals& op = d.opcodes[m.opcode & 0x0F];
    op.messages += 1;
    op.bytes += m.length;
    op.wireBytes += m.wireLength;
    if (m.flags & message_flag::Invalid)
        d.invalidMessages += 1;
    if (!isControlOpcode(m.opcode)) {
        d.sizes[std::size_t(sizeBucket(m.length))] += 1;
        if (m.frames > 1) {
            d.fragmentedMessages += 1;
            d.fragmentedFrames += m.frames;
        }
    }
    if (m.flags & message_flag::Compressed) {
        d.compressedMessages += 1;
        d.compressedWireBytes += m.wireLength;
        d.compressedBytes += m.length;
    }
    // Timestamps of odd captures may run backwards or past the record's end: clamp.
    const std::int64_t offset = std::max<std::int64_t>(0, m.tsNs - stats_.firstNs);
    const auto bucket =
        std::size_t(std::min<std::int64_t>(offset / stats_.rateBucketNs, rateBuckets_ - 1));
    d.rate[bucket] += 1;
    if (m.opcode == std::uint8_t(Opcode::Close) && !d.sentClose) {
        d.sentClose = true;
        if (m.flags & message_flag::HasCloseCode)
            d.closeCode = m.closeCode;
        if (!stats_.closedFirstBy && !stats_.of(otherSide(dir)).sentClose)
            stats_.closedFirstBy = dir;
    }
    if (m.opcode == std::uint8_t(Opcode::Ping) || m.opcode == std::uint8_t(Opcode::Pong))
        matchPing(row, m);
}

void StatisticsBuilder::matchPing(RowId row, const MessageRecord& m) {
    const Direction dir = m.fromServer() ? Direction::Server : Direction::Client;
    // Control payloads are at most 125 bytes; a record claiming more broke a rule anyway.
    const MessageBytes bytes = document_.messageBytes(row, 125);
    if (m.opcode == std::uint8_t(Opcode::Ping)) {
        PingQueue& queue = pending_[sideIndex(dir)];
        if (pendingCount_[sideIndex(dir)] >= kMaxPendingPings) {
            ++droppedPings_;  // a ping flood nobody answers: count, do not grow
            return;
        }
        queue[bytes.payload].push_back({row, m.tsNs});
        ++pendingCount_[sideIndex(dir)];
        return;
    }
    const Direction pinger = otherSide(dir);
    PingQueue& queue = pending_[sideIndex(pinger)];
    const auto it = queue.find(bytes.payload);
    if (it == queue.end()) {
        ++stats_.unsolicitedPongs;
        return;
    }
    const PendingPing ping = it->second.front();
    it->second.pop_front();
    if (it->second.empty())
        queue.erase(it);
    --pendingCount_[sideIndex(pinger)];
    const std::int64_t rtt = m.tsNs - ping.tsNs;
    if (stats_.roundTripCount == 0) {
        stats_.minRttNs = stats_.maxRttNs = rtt;
    } else {
        stats_.minRttNs = std::min(stats_.minRttNs, rtt);
        stats_.maxRttNs = std::max(stats_.maxRttNs, rtt);
    }
    ++stats_.roundTripCount;
    rttSum_ += double(rtt);
    if (stats_.roundTrips.size() < ConnectionStatistics::kMaxRoundTrips)
        stats_.roundTrips.push_back({ping.row, row, pinger, rtt});
}

void StatisticsBuilder::finish() {
    stats_.averageRttNs = stats_.roundTripCount ? rttSum_ / double(stats_.roundTripCount) : 0;
    stats_.unansweredPings = pendingCount_[0] + pendingCount_[1] + droppedPings_;
}

ConnectionStatistics computeConnectionStatistics(const CaptureDocument& document,
                                                 std::uint32_t conn, int rateBuckets) {
    StatisticsBuilder builder(document, conn, rateBuckets);
    while (!builder.step(std::numeric_limits<RowId>::max())) {
    }
    return builder.result();
}

QString closeSummary(const ConnectionStatistics& s) {
    const QString ending = endingText(s.end);
    if (!s.closedFirstBy)
        return tr("No close frame: %1.").arg(ending);
    const Direction first = *s.closedFirstBy;
    const DirectionStatistics& closer = s.of(first);
    const DirectionStatistics& peer = s.of(otherSide(first));
    if (s.closeHandshakeComplete()) {
        const QString exchange = tr("The %1 closed first (%2), the %3 answered (%4)")
                                     .arg(sideName(first), codeText(closer.closeCode),
                                          sideName(otherSide(first)), codeText(peer.closeCode));
        return s.cleanClose() ? tr("%1: a clean close.").arg(exchange)
                              : tr("%1, then %2.").arg(exchange, ending);
    }
    return tr("The %1 sent a close frame (%2) but the %3 never answered; %4.")
        .arg(sideName(first), codeText(closer.closeCode), sideName(otherSide(first)), ending);
}

}  // namespace sockscope::ui
