// bench_codec: throughput of the sans-I/O codec on in-memory byte streams,
// against memcpy (the ceiling) and Boost.Beast (the comparison). One run
// prints everything; it asserts nothing about time.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "beast_cases.h"
#include "bench_platform.h"
#include "codec_cases.h"
#include "frame_streams.h"

namespace {

using namespace bench;

struct Options {
    TimingOptions timing;
    std::size_t streamBytes = 1u << 20;  // in-cache streams
    std::size_t largeBytes = 64u << 20;  // out-of-cache variant
    bool large = true;
    std::size_t chunk = 64 * 1024;  // bytes per feed(), like one recv()
    std::string only;               // run only the rows whose name contains this
};

void printUsage() {
    std::puts(
        "usage: bench_codec [--runs N] [--min-time SECONDS] [--stream-kib K] [--chunk-kib K]\n"
        "                   [--no-large] [--quick] [--only TEXT]\n"
        "  --runs N           best of N runs per case (default 5)\n"
        "  --min-time S       each run repeats the case at least S seconds (default 0.2)\n"
        "  --stream-kib K     size of the in-cache frame streams (default 1024)\n"
        "  --chunk-kib K      bytes per feed() call into our codec and per read_some() for\n"
        "                     Beast (default 64)\n"
        "  --no-large         skip the 64 MiB out-of-cache variant\n"
        "  --quick            3 runs of 0.05 s (rough numbers, for a smoke run)\n"
        "  --only TEXT        run only the cases whose name contains TEXT (for profiling)");
}

std::optional<Options> parseOptions(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--runs" && hasValue) {
            o.timing.runs = std::max(1, std::atoi(argv[++i]));
        } else if (arg == "--min-time" && hasValue) {
            o.timing.minRunSeconds = std::max(0.001, std::atof(argv[++i]));
        } else if (arg == "--stream-kib" && hasValue) {
            o.streamBytes = std::max<std::size_t>(64, std::strtoull(argv[++i], nullptr, 10)) * 1024;
        } else if (arg == "--chunk-kib" && hasValue) {
            o.chunk = std::max<std::size_t>(1, std::strtoull(argv[++i], nullptr, 10)) * 1024;
        } else if (arg == "--no-large") {
            o.large = false;
        } else if (arg == "--only" && hasValue) {
            o.only = argv[++i];
        } else if (arg == "--quick") {
            o.timing = TimingOptions{3, 0.05};
        } else {
            printUsage();
            return std::nullopt;
        }
    }
    return o;
}

// Prints rows as they are measured; remembers them for the target checks.
class Table {
public:
    Table(const TimingOptions& timing, std::string only)
        : timing_(timing), only_(std::move(only)) {}

    // memcpy of `bytes`, measured once per size: the ceiling for every row of that size.
    double memcpySeconds(std::size_t bytes) {
        auto it = memcpy_.find(bytes);
        if (it == memcpy_.end()) {
            it = memcpy_.emplace(bytes, measureMemcpy(bytes, timing_).secondsPerPass).first;
        }
        return it->second;
    }

    void section(const char* title) { std::printf("\n-- %s\n", title); }

    // Measures and prints one row unless --only filters it out. Returns the
    // seconds per pass (0 when skipped or failed), for the Beast ratio of later rows.
    double row(const std::string& name, std::uint64_t bytes,
               const std::function<Measured()>& measure, double beastSeconds = 0) {
        if (!only_.empty() && name.find(only_) == std::string::npos) {
            return 0;
        }
        const Measured m = measure();
        if (!m.ok) {
            std::printf("%-46s  FAILED: %s\n", name.c_str(), m.error.c_str());
            failures_ = true;
            return 0;
        }
        const double ref = memcpySeconds(bytes);
        const double rate = static_cast<double>(bytes) / m.secondsPerPass;
        std::printf("%-46s %9.0f %8.2f %8.1f%%", name.c_str(), rate / 1e6, rate / 1e9,
                    100.0 * ref / m.secondsPerPass);
        if (beastSeconds > 0) {
            std::printf(" %8.2fx", beastSeconds / m.secondsPerPass);
            vsBeast_[name] = beastSeconds / m.secondsPerPass;
        }
        std::printf("\n");
        std::fflush(stdout);
        gbps_[name] = rate / 1e9;
        percent_[name] = 100.0 * ref / m.secondsPerPass;
        return m.secondsPerPass;
    }

    double gbps(const std::string& name) const { return lookup(gbps_, name); }
    double percentOfMemcpy(const std::string& name) const { return lookup(percent_, name); }
    double ratioVsBeast(const std::string& name) const { return lookup(vsBeast_, name); }
    bool anyFailure() const { return failures_; }

private:
    static double lookup(const std::map<std::string, double>& m, const std::string& name) {
        const auto it = m.find(name);
        return it == m.end() ? 0 : it->second;
    }

    TimingOptions timing_;
    std::string only_;  // --only: run the rows whose name contains this
    std::map<std::size_t, double> memcpy_;
    std::map<std::string, double> gbps_, percent_, vsBeast_;
    bool failures_ = false;
};

void printHeader(const Options& o) {
    bench::printHeader("bench_codec", SOCKSCOPE_BUILD_TYPE);
    std::printf(
        "Timing:    best of %d runs of >= %.2f s each; a run's figure is its median pass\n"
        "           time (preempted passes do not count); std::chrono::steady_clock\n",
        o.timing.runs, o.timing.minRunSeconds);
    std::printf(
        "Streams:   ~%s of back-to-back masked single-frame messages (client to server);\n"
        "           rates count wire bytes (headers + payload); 1 MB = 1e6 B, 1 GB = 1e9 B.\n"
        "           Our codec is fed %s per feed() call and unmasks IN PLACE: only the parse\n"
        "           pass is timed; the masked bytes are re-copied outside the timed region\n"
        "           before every pass so each pass sees the same input (the \"+ copy-in\" row\n"
        "           times that copy too). Beast reads through an in-memory next layer\n"
        "           (read_some <= %s), unmasking into its own buffers; its pass includes\n"
        "           that copy, as a recv() would.\n",
        sizeLabel(o.streamBytes).c_str(), sizeLabel(o.chunk).c_str(), sizeLabel(o.chunk).c_str());
    std::printf("\n%-46s %9s %8s %9s %9s\n", "case", "MB/s", "GB/s", "% memcpy", "vs Beast");
}

void printTarget(const char* what, double value, double goal, const char* unit) {
    if (value <= 0) {
        std::printf("  [n/a   ] %-52s not measured\n", what);
        return;
    }
    const bool met = value >= goal;
    std::printf("  [%s] %-52s %8.2f%s (target >= %.2f%s", met ? "MET   " : "MISSED", what, value,
                unit, goal, unit);
    if (!met && goal > 0) {
        std::printf(", %.0f%% of target", 100.0 * value / goal);
    }
    std::printf(")\n");
}

}  // namespace

int main(int argc, char** argv) {
    const auto parsed = parseOptions(argc, argv);
    if (!parsed) {
        return 2;
    }
    const Options& o = *parsed;
    printHeader(o);
    Table table(o.timing, o.only);
    const TimingOptions& t = o.timing;
    FeedOptions feed{o.chunk, false};
    FeedOptions feedWithCopy{o.chunk, true};

    const FrameStream bin1k = buildFrameStream(PayloadKind::Binary, 1024, o.streamBytes);
    const FrameStream bin64k = buildFrameStream(PayloadKind::Binary, 64 * 1024, o.streamBytes);
    const FrameStream ascii1k = buildFrameStream(PayloadKind::TextAscii, 1024, o.streamBytes);
    const FrameStream mixed1k = buildFrameStream(PayloadKind::TextMixed, 1024, o.streamBytes);
    const FrameStream ascii64k = buildFrameStream(PayloadKind::TextAscii, 64 * 1024, o.streamBytes);
    const FrameStream mixed64k = buildFrameStream(PayloadKind::TextMixed, 64 * 1024, o.streamBytes);

    table.section("memcpy of the same bytes (the ceiling)");
    for (const std::size_t bytes : {std::size_t{1024}, std::size_t{64 * 1024}, bin1k.wire.size(),
                                    bin64k.wire.size(), ascii1k.payload.size()}) {
        table.row("memcpy " + std::to_string(bytes) + " B", bytes, [&] {
            return Measured{table.memcpySeconds(bytes), true, {}};
        });
    }

    table.section("masking alone, in place (% of memcpy of the same size)");
    for (const std::size_t bytes : {std::size_t{1024}, std::size_t{64 * 1024}}) {
        table.row("applyMask " + sizeLabel(bytes), bytes,
                  [&] { return measureMask(bytes, false, t); });
        table.row("applyMaskBytewise " + sizeLabel(bytes) + " (byte loop)", bytes,
                  [&] { return measureMask(bytes, true, t); });
    }

    table.section("parse + unmask, masked binary frames");
    for (const FrameStream* s : {&bin1k, &bin64k}) {
        const std::uint64_t n = s->wire.size();
        const double b = table.row("Beast websocket::stream, " + s->label, n,
                                   [&] { return measureBeast(*s, o.chunk, t); });
        table.row(
            "FrameDecoder, " + s->label, n, [&] { return measureFrameDecoder(*s, feed, t); }, b);
        table.row(
            "MessageReader, " + s->label, n, [&] { return measureMessageReader(*s, feed, t); }, b);
        table.row(
            "MessageReader + copy-in, " + s->label, n,
            [&] { return measureMessageReader(*s, feedWithCopy, t); }, b);
    }

    table.section("parse + unmask + UTF-8 validation, masked text frames");
    std::printf("   (mixed text: %.0f%% of its bytes in 2-, 3- and 4-byte sequences)\n",
                100.0 * multiByteShare(mixed1k.payload));
    for (const FrameStream* s : {&ascii1k, &mixed1k, &ascii64k, &mixed64k}) {
        const std::uint64_t n = s->wire.size();
        const double b = table.row("Beast websocket::stream, " + s->label, n,
                                   [&] { return measureBeast(*s, o.chunk, t); });
        table.row(
            "MessageReader, " + s->label, n, [&] { return measureMessageReader(*s, feed, t); }, b);
    }

    table.section("UTF-8 validation alone (Utf8Validator, one feed of the text above)");
    table.row("Utf8Validator, ASCII", ascii1k.payload.size(),
              [&] { return measureUtf8(ascii1k.payload, t); });
    table.row("Utf8Validator, mixed", mixed1k.payload.size(),
              [&] { return measureUtf8(mixed1k.payload, t); });

    if (o.large) {
        table.section("out of cache: the same 1 KiB binary frames, 64 MiB stream");
        const FrameStream big = buildFrameStream(PayloadKind::Binary, 1024, o.largeBytes);
        const std::uint64_t n = big.wire.size();
        const std::string of = "64 MiB of " + big.label;
        table.row("memcpy " + std::to_string(n) + " B", n, [&] {
            return Measured{table.memcpySeconds(n), true, {}};
        });
        table.row("applyMask " + sizeLabel(o.largeBytes), o.largeBytes,
                  [&] { return measureMask(o.largeBytes, false, t); });
        const double b = table.row("Beast websocket::stream, " + of, n,
                                   [&] { return measureBeast(big, o.chunk, t); });
        table.row(
            "FrameDecoder, " + of, n, [&] { return measureFrameDecoder(big, feed, t); }, b);
        table.row(
            "MessageReader, " + of, n, [&] { return measureMessageReader(big, feed, t); }, b);
    }

    std::printf("\nTargets\n");
    printTarget("parse+unmask 1 KiB frames (FrameDecoder), % of memcpy",
                table.percentOfMemcpy("FrameDecoder, binary 1 KiB"), 50, "%");
    printTarget("parse+unmask 1 KiB frames (MessageReader), % of memcpy",
                table.percentOfMemcpy("MessageReader, binary 1 KiB"), 50, "%");
    printTarget("masking alone 1 KiB, % of memcpy", table.percentOfMemcpy("applyMask 1 KiB"), 80,
                "%");
    printTarget("masking alone 64 KiB, % of memcpy", table.percentOfMemcpy("applyMask 64 KiB"), 80,
                "%");
    printTarget("UTF-8 validation, ASCII, % of memcpy",
                table.percentOfMemcpy("Utf8Validator, ASCII"), 90, "%");
    printTarget("UTF-8 validation, mixed text, GB/s", table.gbps("Utf8Validator, mixed"), 12,
                " GB/s");
    printTarget("MessageReader vs Beast, binary 1 KiB frames",
                table.ratioVsBeast("MessageReader, binary 1 KiB"), 3, "x");
    printTarget("MessageReader vs Beast, text ASCII 1 KiB frames",
                table.ratioVsBeast("MessageReader, text ASCII 1 KiB"), 3, "x");
    printTarget("MessageReader vs Beast, text mixed 1 KiB frames",
                table.ratioVsBeast("MessageReader, text mixed 1 KiB"), 3, "x");
    if (table.anyFailure()) {
        std::printf("\nSome cases FAILED (wrong results): their figures are not reported.\n");
        return 1;
    }
    return 0;
}
