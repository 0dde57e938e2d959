// libFuzzer target: passive TLS decryption (TlsStream: record framing, the
// handshake messages it reads, key schedule, AEAD record opening, held
// records, gaps and resynchronisation) with an NSS key log.
// Byte 0: bit 0 the key log is known from the start (else it arrives at an
// "add keys" step or at the end, through retryKeys), bits 1-2 the limits,
// bit 3 streams that start at large offsets; byte 1 seeds the piece sizes.
// Then a 2-byte big-endian length and the key log text, then steps: one
// control byte (bit 0: 0 client, 1 server; bits 1-2: 0 and 1 bytes follow as
// a 2-byte length and the bytes, 2 a gap of a 2-byte length, 3 add the keys).
// The same steps run twice, each step's bytes fed whole and then in pieces:
// each direction's plaintext, record offsets and anomalies must not change.
#include <sockscope/dissector/key_log.h>
#include <sockscope/dissector/tls_stream.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"

namespace {

using sockscope::dissector::Direction;
using sockscope::dissector::KeyLog;
using sockscope::dissector::TlsAnomaly;
using sockscope::dissector::TlsInfo;
using sockscope::dissector::TlsLimits;
using sockscope::dissector::TlsStream;

constexpr std::size_t kHeldBeforeServerHello = 256u << 10;  // TlsStream's floor

TlsLimits limitsFor(std::uint8_t s) {
    TlsLimits limits;
    switch ((s >> 1) & 3) {
        case 1:
            limits.maxHeldBytes = 0;
            break;
        case 2:
            limits.maxHeldBytes = 1000;
            limits.resyncSequenceTries = 2;
            limits.resyncCandidates = 1;
            limits.maxEarlyDataRecords = 1;
            break;
        case 3:
            limits.maxHandshakeMessage = 64;
            break;
        default:
            break;
    }
    return limits;
}

// Each direction's events and the info changes, one line each. Between the
// directions the order may change with the split: held records are replayed
// when the feed that brought their key returns.
class Recorder final : public sockscope::dissector::TlsListener {
public:
    std::array<std::vector<std::string>, 3> logs;  // client, server, info
    std::array<std::uint64_t, 2> fed{};  // stream offset after the last byte given, per direction

    void onPlaintext(Direction dir, std::span<const std::uint8_t> bytes, std::uint64_t recordStart,
                     std::uint64_t recordEnd) override {
        const std::size_t d = index(dir);
        FUZZ_CHECK(!bytes.empty());
        FUZZ_CHECK(recordStart < recordEnd && bytes.size() < recordEnd - recordStart);
        FUZZ_CHECK(recordEnd <= fed[d]);
        FUZZ_CHECK(recordStart >= lastEnd_[d]);
        lastEnd_[d] = recordEnd;
        std::uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a
        for (const std::uint8_t b : bytes)
            hash = (hash ^ b) * 0x100000001b3ull;
        add(d, "plaintext [%llu, %llu) %zu bytes hash=%016llx", ull(recordStart), ull(recordEnd),
            bytes.size(), ull(hash));
    }
    void onInfo(const TlsInfo& info) override {
        FUZZ_CHECK(info.version == 0 || !info.versionName.empty());
        FUZZ_CHECK(info.cipherSuite == 0 || !info.cipherSuiteName.empty());
        add(2, "info version=%04x suite=%04x keys=%d", info.version, info.cipherSuite,
            static_cast<int>(info.keys));
    }
    void onAnomaly(Direction dir, TlsAnomaly kind, std::string detail,
                   std::uint64_t streamOffset) override {
        FUZZ_CHECK(!detail.empty());
        const std::string id(sockscope::dissector::tlsAnomalyInfo(kind).id);
        FUZZ_CHECK(!id.empty());
        add(index(dir), "anomaly %s at=%llu: %s", id.c_str(), ull(streamOffset), detail.c_str());
    }

private:
    static std::size_t index(Direction dir) { return dir == Direction::Client ? 0 : 1; }
    static unsigned long long ull(std::uint64_t v) { return v; }
    template <typename... Args>
    void add(std::size_t stream, const char* format, Args... args) {
        char line[512];
        std::snprintf(line, sizeof line, format, args...);
        logs[stream].emplace_back(line);
    }

    std::array<std::uint64_t, 2> lastEnd_{};
};

// Runs the steps; pieces == nullptr feeds each step's bytes in one call.
std::array<std::vector<std::string>, 3> run(std::uint8_t selector, std::string_view keyText,
                                            std::span<const std::uint8_t> steps,
                                            fuzz::ChunkSizes* pieces) {
    const TlsLimits limits = limitsFor(selector);
    const bool keysFirst = (selector & 1) != 0;
    KeyLog keyLog;
    if (keysFirst)
        keyLog.addCompleteText(keyText);
    Recorder recorder;
    TlsStream stream(recorder, &keyLog, limits);
    if (selector & 8) {
        stream.startAt(Direction::Client, 1000);
        stream.startAt(Direction::Server, (std::uint64_t{1} << 32) - 7);
        recorder.fed = {1000, (std::uint64_t{1} << 32) - 7};
    }
    bool keysAdded = keysFirst;
    const auto addKeys = [&] {
        if (keysAdded)
            return;
        keysAdded = true;
        keyLog.addCompleteText(keyText);
        stream.retryKeys();
    };
    fuzz::Reader input(steps);
    while (!input.empty()) {
        const std::uint8_t control = input.byte();
        const Direction dir = (control & 1) ? Direction::Server : Direction::Client;
        const std::size_t d = control & 1;
        const int kind = (control >> 1) & 3;
        if (kind == 3) {
            addKeys();
        } else if (kind == 2) {
            const std::uint16_t missing = input.u16();
            recorder.fed[d] += missing;
            stream.gap(dir, missing);
        } else {
            std::span<const std::uint8_t> bytes = input.bytes(input.u16());
            if (d == 0 && recorder.fed[0] == 0)
                (void)sockscope::dissector::detectTlsClientHello(bytes);
            while (!bytes.empty()) {
                const std::size_t n =
                    pieces ? std::min(pieces->next(), bytes.size()) : bytes.size();
                recorder.fed[d] += n;
                stream.feed(dir, bytes.first(n));
                bytes = bytes.subspan(n);
            }
        }
        FUZZ_CHECK(stream.heldBytes() <= std::max(limits.maxHeldBytes, kHeldBeforeServerHello));
    }
    addKeys();
    stream.finish();
    const TlsInfo& info = stream.info();
    FUZZ_CHECK(info.version == 0 || !info.versionName.empty());
    FUZZ_CHECK(info.clientRandom.empty() || info.clientRandom.size() == 64);
    stream.dropHeldRecords();
    FUZZ_CHECK(stream.heldBytes() == 0);
    return recorder.logs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Reader input({data, size});
    const std::uint8_t selector = input.byte();
    const std::uint8_t seed = input.byte();
    const auto keyBytes = input.bytes(input.u16());
    const std::string_view keyText(reinterpret_cast<const char*>(keyBytes.data()), keyBytes.size());
    const std::span<const std::uint8_t> steps = input.rest();
    const auto whole = run(selector, keyText, steps, nullptr);
    fuzz::ChunkSizes sizes(seed);
    const auto pieces = run(selector, keyText, steps, &sizes);
    for (std::size_t i = 0; i < whole.size(); ++i) {
        if (pieces[i] != whole[i])
            fuzz::printDifference("whole", whole[i], "in pieces", pieces[i]);
        FUZZ_CHECK(pieces[i] == whole[i]);
    }
    return 0;
}
