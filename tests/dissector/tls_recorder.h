#pragma once
// Feeding recorded TLS traffic (tls_pair.h) to a TlsStream and recording what
// it reports: TCP-like chunkings, gaps and damaged bytes, key log edits, and
// a standard conversation (handshake, data of several sizes both ways, key
// updates). Qt-free.

#include <sockscope/dissector/key_log.h>
#include <sockscope/dissector/tls_stream.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "tls_pair.h"

namespace sockscope::test {

using dissector::Direction;
using dissector::KeyLog;
using dissector::TlsAnomaly;
using dissector::TlsInfo;
using dissector::TlsLimits;
using dissector::TlsListener;
using dissector::TlsStream;

constexpr Direction kClient = Direction::Client;
constexpr Direction kServer = Direction::Server;

struct Anomaly {
    Direction dir;
    std::string id;
    std::string detail;
    std::uint64_t offset;
};

struct PlainRecord {
    Direction dir;
    std::uint64_t start;
    std::uint64_t end;
    std::size_t size;
};

// Everything a TlsStream reports, with the stream positions checked as they come.
class Recorder : public TlsListener {
public:
    std::vector<std::uint8_t> plain[2];
    std::vector<PlainRecord> records;
    std::vector<std::vector<std::uint8_t>> recordBytes;  // one per record
    std::vector<Anomaly> anomalies;
    std::vector<TlsInfo> infos;
    std::uint64_t fed[2] = {0, 0};  // bytes (and gaps) given so far per direction
    std::string offsetError;

    void onPlaintext(Direction dir, std::span<const std::uint8_t> bytes, std::uint64_t start,
                     std::uint64_t end) override {
        const int i = dir == kClient ? 0 : 1;
        const std::uint64_t previousEnd = records.empty() ? 0 : lastEnd(dir);
        if (bytes.empty() || bytes.size() > 16384 || start >= end || end > fed[i] ||
            start < previousEnd)
            offsetError = "bad plaintext record [" + std::to_string(start) + ", " +
                          std::to_string(end) + ") of " + std::to_string(bytes.size()) +
                          " bytes with " + std::to_string(fed[i]) + " fed";
        plain[i].insert(plain[i].end(), bytes.begin(), bytes.end());
        records.push_back({dir, start, end, bytes.size()});
        recordBytes.emplace_back(bytes.begin(), bytes.end());
    }
    void onInfo(const TlsInfo& info) override { infos.push_back(info); }
    void onAnomaly(Direction dir, TlsAnomaly kind, std::string detail,
                   std::uint64_t offset) override {
        anomalies.push_back({dir, std::string(tlsAnomalyInfo(kind).id), std::move(detail), offset});
    }

    std::uint64_t lastEnd(Direction dir) const {
        for (auto it = records.rbegin(); it != records.rend(); ++it)
            if (it->dir == dir)
                return it->end;
        return 0;
    }
    std::vector<std::string> anomalyIds() const {
        std::vector<std::string> ids;
        for (const auto& a : anomalies)
            ids.push_back(a.id + (a.dir == kClient ? "/client" : "/server"));
        return ids;
    }
};

// What one direction does at one point: bytes, or a gap.
struct FeedEvent {
    Direction dir;
    std::vector<std::uint8_t> bytes;
    std::uint64_t gap = 0;
};

std::vector<FeedEvent> eventsFrom(const std::vector<WireChunk>& wire) {
    std::vector<FeedEvent> events;
    for (const auto& chunk : wire)
        events.push_back({chunk.dir, chunk.bytes, 0});
    return events;
}

// Applies f(byte&) to the byte at `offset` of `dir`'s stream.
template <typename F>
bool editByte(std::vector<FeedEvent>& events, Direction dir, std::uint64_t offset, F&& f) {
    std::uint64_t at = 0;
    for (auto& e : events) {
        if (e.dir != dir)
            continue;
        if (offset < at + e.bytes.size()) {
            f(e.bytes[offset - at]);
            return true;
        }
        at += e.bytes.size() + e.gap;
    }
    return false;  // past the stream
}

// Replaces bytes [from, from + length) of `dir`'s stream by a gap.
void cutGap(std::vector<FeedEvent>& events, Direction dir, std::uint64_t from,
            std::uint64_t length) {
    std::vector<FeedEvent> out;
    std::uint64_t at = 0;
    bool gapPlaced = false;
    for (auto& e : events) {
        if (e.dir != dir || e.gap != 0) {
            out.push_back(e);
            continue;
        }
        const std::uint64_t begin = at;
        const std::uint64_t end = at + e.bytes.size();
        at = end;
        if (end <= from || begin >= from + length) {
            out.push_back(e);
            continue;
        }
        if (from > begin)
            out.push_back({dir, {e.bytes.begin(), e.bytes.begin() + (from - begin)}, 0});
        if (!gapPlaced) {
            out.push_back({dir, {}, length});
            gapPlaced = true;
        }
        if (from + length < end)
            out.push_back({dir, {e.bytes.begin() + (from + length - begin), e.bytes.end()}, 0});
    }
    events = std::move(out);
}

enum class Chunking { OneByte, Mss, Random, Whole };

void feedAll(TlsStream& stream, Recorder& recorder, const std::vector<FeedEvent>& events,
             Chunking chunking, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> randomSize(1, 3000);
    for (const auto& e : events) {
        const int i = e.dir == kClient ? 0 : 1;
        if (e.gap != 0) {
            recorder.fed[i] += e.gap;
            stream.gap(e.dir, e.gap);
            continue;
        }
        std::span<const std::uint8_t> rest(e.bytes);
        while (!rest.empty()) {
            std::size_t n = rest.size();
            if (chunking == Chunking::OneByte)
                n = 1;
            else if (chunking == Chunking::Mss)
                n = std::min<std::size_t>(1460, rest.size());
            else if (chunking == Chunking::Random)
                n = std::min(randomSize(rng), rest.size());
            recorder.fed[i] += n;
            stream.feed(e.dir, rest.first(n));
            rest = rest.subspan(n);
        }
    }
    stream.finish();
}

std::vector<std::uint8_t> pattern(std::size_t size, std::uint32_t seed) {
    std::vector<std::uint8_t> out(size);
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& b : out) {
        x = x * 1103515245u + 12345u;
        b = static_cast<std::uint8_t>(x >> 16);
    }
    return out;
}

struct Conversation {
    std::vector<WireChunk> wire;
    std::string keyLog;
    std::vector<std::uint8_t> clientSent, serverSent;
    std::string error;
};

// A handshake, then each side sends 0, 1, 16384 and 100000 bytes in turn
// (or `sizes`); TLS 1.3 with key updates: the client updates after the first
// exchange asking the server to update too, and the server once more
// without asking, before the last one.
Conversation converse(const TlsPairConfig& config, bool keyUpdates,
                      std::vector<std::size_t> sizes = {0, 1, 16384, 100000}) {
    Conversation c;
    TlsPair pair(config);
    bool good = pair.ok() && pair.handshake();
    for (std::size_t i = 0; good && i < sizes.size(); ++i) {
        if (keyUpdates && i == 1)
            good = pair.keyUpdate(kClient, true);
        if (good && keyUpdates && i + 1 == sizes.size() && i > 1)
            good = pair.keyUpdate(kServer, false);
        good = good && pair.send(kClient, pattern(sizes[i], 2 * std::uint32_t(i))) &&
               pair.send(kServer, pattern(sizes[i], 2 * std::uint32_t(i) + 1));
    }
    if (good)
        pair.close();
    c.error = pair.error();
    c.wire = pair.wire;
    c.keyLog = pair.keyLog;
    c.clientSent = pair.clientSent;
    c.serverSent = pair.serverSent;
    return c;
}

struct Run {
    Recorder recorder;
    std::unique_ptr<TlsStream> stream;
};

std::unique_ptr<Run> run(const std::vector<FeedEvent>& events, const KeyLog* keyLog,
                         Chunking chunking = Chunking::Whole, unsigned seed = 1,
                         TlsLimits limits = {}) {
    auto r = std::make_unique<Run>();
    r->stream = std::make_unique<TlsStream>(r->recorder, keyLog, limits);
    feedAll(*r->stream, r->recorder, events, chunking, seed);
    return r;
}

KeyLog keyLogOf(const std::string& text) {
    KeyLog log;
    log.addCompleteText(text);
    return log;
}

// The key log with one secret's (or every secret's) first byte changed.
std::string corruptKeyLog(const std::string& text, const std::string& onlyLabel = {}) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        std::string line = text.substr(pos, end - pos);
        const std::size_t secretAt = line.rfind(' ') + 1;
        if (onlyLabel.empty() || line.rfind(onlyLabel + " ", 0) == 0)
            line[secretAt] = line[secretAt] == '0' ? '1' : '0';
        out += line + "\n";
        pos = end + 1;
    }
    return out;
}

std::string withoutLabels(const std::string& text, const std::vector<std::string>& labels) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        const std::string line = text.substr(pos, end - pos + 1);
        bool drop = false;
        for (const auto& label : labels)
            drop = drop || line.rfind(label + " ", 0) == 0;
        if (!drop)
            out += line;
        pos = end + 1;
    }
    return out;
}

}  // namespace sockscope::test
