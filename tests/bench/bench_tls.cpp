// bench_tls: TLS decryption + WebSocket dissection throughput with a key log,
// against Debian's tshark with the same key log on the same capture (issue 6
// §4). Prints figures; never fails on time.
//
//   bench_tls [--size-mb N] [--tls12-size-mb N] [--file PATH] [--keep]
//             [--no-tshark] [--cpu N]
//
// Two captures, one after the other (tls_capture_generator.h: real OpenSSL
// handshakes and records, messages of 10 B to 64 KiB, MSS-sized segments):
// - TLS 1.3 with AES-128-GCM (--size-mb, default 256 MB);
// - TLS 1.2 ECDHE-ECDSA with AES-128-GCM (--tls12-size-mb, default 128 MB; 0 skips it).
// For each: generate the capture and its key log, decrypt and dissect it
// in-process with a counting sink (the library alone, checked against what
// the generator wrote), then time `sockscope-cli read FILE --keylog KEYS
// --format jsonl > /dev/null` (the median of five runs) and `tshark -r FILE
// -o tls.keylog_file:KEYS -Y websocket -T fields -e <payload fields>`, both
// pinned to the same single CPU. Peak memory is each child's ru_maxrss.
#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/dissector.h>
#include <sockscope/dissector/key_log.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "bench_platform.h"
#include "child_launcher.h"
#include "counting_sink.h"
#include "tls_capture_generator.h"

namespace {

using Clock = std::chrono::steady_clock;
using bench::ChildLauncher;
using bench::ChildRun;
using bench::CountingSink;
using bench::secondsSince;

struct Options {
    std::uint64_t sizeMb = 256;
    std::uint64_t tls12SizeMb = 128;
    std::string file = SOCKSCOPE_BINARY_DIR "/bench_tls.pcapng";
    bool keep = false;
    bool tshark = true;
    int cpu = 0;
};

std::optional<Options> parseOptions(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--size-mb" && hasValue) {
            o.sizeMb = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg == "--tls12-size-mb" && hasValue) {
            o.tls12SizeMb = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg == "--file" && hasValue) {
            o.file = argv[++i];
        } else if (arg == "--cpu" && hasValue) {
            o.cpu = std::atoi(argv[++i]);
        } else if (arg == "--keep") {
            o.keep = true;
        } else if (arg == "--no-tshark") {
            o.tshark = false;
        } else {
            std::fprintf(stderr,
                         "usage: bench_tls [--size-mb N] [--tls12-size-mb N] [--file PATH] "
                         "[--keep] [--no-tshark] [--cpu N]\n");
            return std::nullopt;
        }
    }
    if (o.sizeMb == 0) {
        std::fprintf(stderr,
                     "bench_tls: --size-mb must be >= 1 (--tls12-size-mb 0 skips TLS 1.2)\n");
        return std::nullopt;
    }
    return o;
}

struct Result {
    bool ok = false;
    double fileMb = 0;
    bench::TlsCaptureStats gen;
    ChildRun cli;
    ChildRun tshark;
};

void printRow(const char* name, const ChildRun& r, const Result& w) {
    if (!r.ok) {
        std::printf("%-44s failed: %s\n", name, r.timedOut ? "timed out" : r.error.c_str());
        return;
    }
    std::printf("%-44s %8.2f %8.2f %9.1f %11.1f %10.1f\n", name, r.wallSeconds, r.cpuSeconds,
                w.fileMb / r.wallSeconds, double(w.gen.frames) / r.wallSeconds / 1e3, r.peakRssMb);
}

constexpr int kCliRuns = 5;
constexpr double kTsharkTimeoutSeconds = 1800;

Result runWorkload(const Options& o, const char* name, bool tls12, std::uint64_t sizeMb,
                   const std::string& file, ChildLauncher& launcher) {
    Result w;
    const std::string keys = file + ".keys";
    bench::TlsCaptureOptions generatorOptions;
    generatorOptions.targetBytes = sizeMb * 1000000ull;
    generatorOptions.tls12 = tls12;
    std::string error;
    auto start = Clock::now();
    if (!bench::generateTlsCapture(file, keys, generatorOptions, w.gen, error)) {
        std::fprintf(stderr, "bench_tls: %s\n", error.c_str());
        return w;
    }
    w.fileMb = double(w.gen.fileBytes) / 1e6;
    std::printf(
        "%s capture: %s, %.1f MB, %llu packets (TCP MSS %u), %llu connections (%d at once), "
        "messages 10 B - %u B\n",
        name, file.c_str(), w.fileMb, (unsigned long long)w.gen.packets, generatorOptions.mss,
        (unsigned long long)w.gen.connections, generatorOptions.concurrentConnections,
        generatorOptions.maxMessage);
    std::printf(
        "  %llu frames, %llu messages, %.1f MB of payload; written with its key log in %.1f s\n",
        (unsigned long long)w.gen.frames, (unsigned long long)w.gen.messages,
        double(w.gen.payloadBytes) / 1e6, secondsSince(start));

    // The library in-process (key log loaded first), checked against the generator.
    CountingSink sink;
    start = Clock::now();
    {
        sockscope::dissector::KeyLog keyLog;
        if (!keyLog.loadFile(keys, error)) {
            std::fprintf(stderr, "bench_tls: %s\n", error.c_str());
            return w;
        }
        auto reader = sockscope::dissector::CaptureReader::open(file, error);
        if (!reader) {
            std::fprintf(stderr, "bench_tls: %s\n", error.c_str());
            return w;
        }
        sockscope::dissector::DissectorOptions options;
        options.keyLog = &keyLog;
        sockscope::dissector::Dissector dissector(options, sink);
        while (const auto packet = reader->next()) {
            dissector.packet(*packet);
        }
        dissector.finish();
    }
    const double inProcess = secondsSince(start);
    const bool counted = sink.frames == w.gen.frames && sink.messages == w.gen.messages &&
                         sink.handshakes == w.gen.connections && sink.anomalies == 0;
    std::printf(
        "  in-process KeyLog + Dissector + counting sink: %.2f s, %.0f MB/s, %.2f M frames/s%s\n",
        inProcess, w.fileMb / inProcess, double(sink.frames) / inProcess / 1e6,
        counted ? "" : "  (COUNTS DIFFER, see below)");
    if (!counted) {
        std::printf("  dissector: %llu handshakes, %llu frames, %llu messages, %llu anomalies\n",
                    (unsigned long long)sink.handshakes, (unsigned long long)sink.frames,
                    (unsigned long long)sink.messages, (unsigned long long)sink.anomalies);
    }

    std::printf("  one CPU (cpu %d) each, stdout to /dev/null:\n", o.cpu);
    std::printf("%-44s %8s %8s %9s %11s %10s\n", "  tool", "wall s", "cpu s", "MB/s", "k frames/s",
                "peak MB");
    // Several CLI runs, the median reported: this VM's speed drifts.
    std::vector<ChildRun> cliRuns;
    for (int i = 0; i < kCliRuns; ++i) {
        cliRuns.push_back(launcher.run(
            {SOCKSCOPE_CLI_PATH, "read", file, "--keylog", keys, "--format", "jsonl"}, o.cpu));
    }
    const auto failed =
        std::find_if(cliRuns.begin(), cliRuns.end(), [](const ChildRun& r) { return !r.ok; });
    if (failed != cliRuns.end()) {
        w.cli = *failed;
    } else {
        std::sort(cliRuns.begin(), cliRuns.end(), [](const ChildRun& a, const ChildRun& b) {
            return a.wallSeconds < b.wallSeconds;
        });
        w.cli = cliRuns[cliRuns.size() / 2];
        for (const ChildRun& r : cliRuns) {
            w.cli.peakRssMb = std::max(w.cli.peakRssMb, r.peakRssMb);
        }
    }
    printRow("  sockscope-cli read --keylog --format jsonl", w.cli, w);
    if (w.cli.ok) {
        std::printf("    (median of %d runs; wall %.2f-%.2f s; peak memory the largest)\n",
                    kCliRuns, cliRuns.front().wallSeconds, cliRuns.back().wallSeconds);
    }
    const char* tsharkPath = "/usr/bin/tshark";
    if (!o.tshark) {
        std::printf("%-44s skipped (--no-tshark)\n", "  tshark");
    } else if (access(tsharkPath, X_OK) != 0) {
        std::printf("%-44s skipped: %s is not installed\n", "  tshark", tsharkPath);
    } else {
        w.tshark = launcher.run(
            {tsharkPath, "-r", file, "-o", "tls.keylog_file:" + keys, "-Y", "websocket", "-T",
             "fields", "-e", "websocket.opcode", "-e", "websocket.payload.text", "-e", "data.data",
             "-e", "websocket.payload.continue"},
            o.cpu, kTsharkTimeoutSeconds);
        printRow("  tshark -o tls.keylog_file -Y websocket", w.tshark, w);
    }
    if (w.cli.ok && w.tshark.ok) {
        std::printf("  CLI/tshark: %.1fx the throughput, %.2fx the peak memory\n",
                    w.tshark.wallSeconds / w.cli.wallSeconds, w.cli.peakRssMb / w.tshark.peakRssMb);
    }
    std::printf("\n");
    if (!o.keep) {
        std::remove(file.c_str());
        std::remove(keys.c_str());
    }
    w.ok = counted && w.cli.ok;
    return w;
}

}  // namespace

int main(int argc, char** argv) {
    const auto parsed = parseOptions(argc, argv);
    if (!parsed) {
        return 2;
    }
    const Options& o = *parsed;
    ChildLauncher launcher;  // first, while this process is small
    if (!launcher.start()) {
        std::fprintf(stderr, "bench_tls: cannot start the launcher: %s\n", std::strerror(errno));
        return 1;
    }
    bench::printHeader("bench_tls", SOCKSCOPE_BUILD_TYPE);
    std::printf("Units:     1 MB = 1e6 B; rates count capture-file bytes and WebSocket frames\n\n");
    const Result tls13 = runWorkload(o, "TLS 1.3 AES-128-GCM", false, o.sizeMb, o.file, launcher);
    Result tls12;
    if (o.tls12SizeMb > 0) {
        const std::string base =
            o.file.ends_with(".pcapng") ? o.file.substr(0, o.file.size() - 7) : o.file;
        tls12 = runWorkload(o, "TLS 1.2 ECDHE-ECDSA AES-128-GCM", true, o.tls12SizeMb,
                            base + "-tls12.pcapng", launcher);
    }
    return tls13.ok && (o.tls12SizeMb == 0 || tls12.ok) ? 0 : 1;
}
