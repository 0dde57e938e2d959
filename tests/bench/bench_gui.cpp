// bench_gui: the inspector's loading, memory, filtering and scrolling on a
// large capture, against the CLI and tshark on the same file (issue 4's
// targets). Prints figures; never fails on time.
//
//   bench_gui [--size MB] [--max-message B] [--file PATH] [--pages N]
//             [--no-tshark] [--tshark-timeout S]
//
// The capture (tests/bench/capture_generator.h, the mixed workload of
// bench_dissector; --max-message 512 makes its small-message one) goes to the build directory and
// is reused while its size matches what was generated (a .stats file beside it records that). Then,
// with a QApplication on the offscreen platform:
// 1. first rows: CaptureDocument::open to the first rows of an attached
//    MessageTableModel (what a user sees);
// 2. full indexing throughput, and `sockscope-cli read FILE --format jsonl`
//    on the same file in the same run;
// 3. anonymous memory (RssAnon) before open and after the load, per frame;
// 4. MessageTableModel filters in frame mode: rebuild time per filter;
// 5. scrolling: DisplayRole of every column of a 50-row page at N random
//    positions, in message and frame mode;
// 6. `tshark -2 -r FILE -Y websocket`: wall time and peak RSS against ours.
#include <QApplication>
#include <QEventLoop>
#include <QTimer>

#include <malloc.h>
#include <unistd.h>

#include <sys/stat.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bench_platform.h"
#include "capture_generator.h"
#include "child_launcher.h"
#include "inspector/capture_document.h"
#include "inspector/connection_table_model.h"
#include "inspector/message_table_model.h"

namespace {

using Clock = std::chrono::steady_clock;
using sockscope::ui::CaptureDocument;
using sockscope::ui::MessageTableModel;
using sockscope::ui::RowFilter;
using sockscope::ui::RowId;

struct Options {
    std::uint64_t sizeMb = 1024;
    std::uint32_t maxMessage = 65536;
    std::string file = SOCKSCOPE_BINARY_DIR "/bench_gui.pcap";
    int pages = 1000;
    bool tshark = true;
    double tsharkTimeout = 900;
};

std::optional<Options> parseOptions(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--size" && hasValue) {
            o.sizeMb = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg == "--max-message" && hasValue) {
            o.maxMessage = std::uint32_t(std::strtoul(argv[++i], nullptr, 10));
        } else if (arg == "--file" && hasValue) {
            o.file = argv[++i];
        } else if (arg == "--pages" && hasValue) {
            o.pages = std::atoi(argv[++i]);
        } else if (arg == "--tshark-timeout" && hasValue) {
            o.tsharkTimeout = std::atof(argv[++i]);
        } else if (arg == "--no-tshark") {
            o.tshark = false;
        } else {
            std::fprintf(stderr,
                         "usage: bench_gui [--size MB] [--max-message B] [--file PATH] "
                         "[--pages N] [--no-tshark] [--tshark-timeout S]\n");
            return std::nullopt;
        }
    }
    if (o.sizeMb == 0 || o.pages < 1 || o.tsharkTimeout <= 0 || o.maxMessage < 64 ||
        o.maxMessage > (1u << 20)) {
        std::fprintf(stderr,
                     "bench_gui: --size, --pages and --tshark-timeout must be > 0, "
                     "--max-message 64 .. 1048576\n");
        return std::nullopt;
    }
    return o;
}

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Fields of /proc/self/status, in bytes (the file says kB).
std::map<std::string, std::uint64_t> processStatus() {
    std::map<std::string, std::uint64_t> fields;
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {  // a few dozen lines
        const auto colon = line.find(':');
        if (colon != std::string::npos && line.find(" kB") != std::string::npos) {
            fields[line.substr(0, colon)] =
                std::strtoull(line.c_str() + colon + 1, nullptr, 10) * 1024;
        }
    }
    return fields;
}

double mb(std::uint64_t bytes) {
    return double(bytes) / 1e6;
}

std::uint64_t fileSize(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? std::uint64_t(st.st_size) : 0;
}

// The generator's figures for the file, kept beside it so a later run can
// reuse the file (generating 1 GB takes a while).
std::string statsPath(const std::string& file) {
    return file + ".stats";
}

bool loadStats(const Options& o, bench::CaptureGeneratorStats& stats) {
    std::ifstream in(statsPath(o.file));
    std::uint64_t target = 0;
    std::uint32_t maxMessage = 0;
    in >> target >> maxMessage >> stats.fileBytes >> stats.packets >> stats.connections >>
        stats.frames >> stats.messages >> stats.compressedMessages >> stats.fragmentedMessages >>
        stats.payloadBytes;
    return in && target == o.sizeMb * 1000000ull && maxMessage == o.maxMessage &&
           stats.fileBytes == fileSize(o.file);
}

bool prepareCapture(const Options& o, bench::CaptureGeneratorStats& stats) {
    if (loadStats(o, stats)) {
        std::printf("Capture:   %s (reused)\n", o.file.c_str());
        return true;
    }
    bench::CaptureGeneratorOptions generator;
    generator.targetBytes = o.sizeMb * 1000000ull;
    generator.maxMessage = o.maxMessage;
    std::string error;
    const auto start = Clock::now();
    std::remove(statsPath(o.file).c_str());
    if (!bench::generateCapture(o.file, generator, stats, error)) {
        std::fprintf(stderr, "bench_gui: %s\n", error.c_str());
        return false;
    }
    std::ofstream out(statsPath(o.file));
    out << generator.targetBytes << ' ' << generator.maxMessage << ' ' << stats.fileBytes << ' '
        << stats.packets << ' ' << stats.connections << ' ' << stats.frames << ' ' << stats.messages
        << ' ' << stats.compressedMessages << ' ' << stats.fragmentedMessages << ' '
        << stats.payloadBytes << '\n';
    std::printf("Capture:   %s (generated in %.1f s)\n", o.file.c_str(), secondsSince(start));
    return true;
}

void printTarget(const char* what, bool measured, bool met, const std::string& detail) {
    std::printf("  [%s] %-40s %s\n",
                !measured ? "n/a   "
                : met     ? "MET   "
                          : "MISSED",
                what, detail.c_str());
}

std::string format(const char* fmt, double a, double b = 0, double c = 0) {
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, fmt, a, b, c);
    return buffer;
}

// All arenas: small blocks in use plus mmapped large ones.
std::uint64_t heapInUse() {
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

struct LoadResult {
    bool ok = false;
    double firstRowsSeconds = -1;
    double loadSeconds = 0;
    std::uint64_t anonBefore = 0, anonAfter = 0, anonTrimmed = 0, peakRss = 0;
    std::uint64_t heapBefore = 0, heapAfter = 0;  // bytes malloc has handed out and not freed
};

// Opens the capture and runs the event loop until it is loaded.
LoadResult load(CaptureDocument& document, MessageTableModel& messages, const Options& o) {
    LoadResult r;
    malloc_trim(0);  // what the generator freed is not the index's growth
    r.anonBefore = processStatus()["RssAnon"];
    r.heapBefore = heapInUse();
    QEventLoop loop;
    QString error;
    QObject::connect(&document, &CaptureDocument::finished, &loop, [&](const QString& e) {
        error = e;
        loop.quit();
    });
    Clock::time_point start;
    QObject::connect(&messages, &QAbstractItemModel::rowsInserted, &loop, [&] {
        if (r.firstRowsSeconds < 0 && messages.rowCount() >= 1)
            r.firstRowsSeconds = secondsSince(start);
    });
    QTimer::singleShot(std::chrono::hours(1), &loop, [&] { document.cancel(); });
    start = Clock::now();
    if (!document.open(QString::fromStdString(o.file))) {
        std::fprintf(stderr, "bench_gui: %s\n", qPrintable(document.error()));
        return r;
    }
    loop.exec();
    r.loadSeconds = secondsSince(start);
    if (!error.isEmpty()) {
        std::fprintf(stderr, "bench_gui: loading failed: %s\n", qPrintable(error));
        return r;
    }
    QCoreApplication::processEvents();  // batches queued behind finished()
    auto status = processStatus();
    r.anonAfter = status["RssAnon"];
    r.peakRss = status["VmHWM"];
    r.heapAfter = heapInUse();
    malloc_trim(0);
    r.anonTrimmed = processStatus()["RssAnon"];
    r.ok = true;
    return r;
}

// Seconds for the fastest of three rebuilds with `filter`.
double filterSeconds(MessageTableModel& model, const RowFilter& filter, int& rows) {
    double best = 1e9;
    for (int run = 0; run < 3; ++run) {
        model.setFilter({});
        const auto start = Clock::now();
        model.setFilter(filter);
        best = std::min(best, secondsSince(start));
    }
    rows = model.rowCount();
    return best;
}

struct PageTimes {
    double mean = 0, median = 0, p99 = 0, max = 0;  // microseconds
};

// DisplayRole of every column of 50-row pages at random positions, timed per page.
PageTimes scroll(MessageTableModel& model, int pages) {
    constexpr int kPage = 50;
    const int rows = model.rowCount();
    std::mt19937_64 random(4);
    std::vector<double> times;
    std::size_t characters = 0;
    for (int p = 0; p < pages && rows > 0; ++p) {
        const int first = int(random() % std::uint64_t(std::max(1, rows - kPage + 1)));
        const auto start = Clock::now();
        for (int row = first; row < std::min(rows, first + kPage); ++row)
            for (int column = 0; column < MessageTableModel::ColumnCount; ++column)
                characters += std::size_t(
                    model.data(model.index(row, column), Qt::DisplayRole).toString().size());
        times.push_back(secondsSince(start) * 1e6);
    }
    PageTimes t;
    if (times.empty() || characters == 0)
        return t;
    for (double v : times)
        t.mean += v / double(times.size());
    std::sort(times.begin(), times.end());
    t.median = times[times.size() / 2];
    t.p99 = times[std::min(times.size() - 1, times.size() * 99 / 100)];
    t.max = times.back();
    return t;
}

std::uint64_t segmentCount(const sockscope::ui::CaptureIndex& index) {
    std::uint64_t n = 0;
    for (const auto& [id, record] : index.connections())
        for (const auto dir :
             {sockscope::dissector::Direction::Client, sockscope::dissector::Direction::Server})
            if (const sockscope::ui::StreamMap* stream = index.stream(id, dir))
                n += stream->runCount();
    return n;
}

// Every frame through each filter; returns the slowest filter's frames per second.
double measureFilters(MessageTableModel& messages, const sockscope::ui::CaptureIndex& index) {
    const RowId frames = index.frameCount();
    std::printf("\nFilters (frame mode, %llu frames, best of 3 rebuilds):\n",
                (unsigned long long)frames);
    messages.setMode(MessageTableModel::Mode::Frames);
    RowFilter direction;
    direction.direction = sockscope::dissector::Direction::Server;
    RowFilter opcode;
    opcode.opcodes = {1};
    RowFilter half;
    for (const auto& [id, record] : index.connections())
        if (id % 2 == 0)
            half.connections.insert(id);
    RowFilter anomalies;
    anomalies.anomaliesOnly = true;
    RowFilter all = direction;
    all.opcodes = opcode.opcodes;
    all.connections = half.connections;
    const std::pair<const char*, const RowFilter*> filters[] = {
        {"direction = server", &direction},
        {"opcode = text", &opcode},
        {"half of the connections", &half},
        {"anomalies only", &anomalies},
        {"all of the above but anomalies", &all}};
    double slowestFps = 1e30;
    for (const auto& [name, filter] : filters) {
        int rows = 0;
        const double seconds = filterSeconds(messages, *filter, rows);
        const double fps = double(frames) / seconds;
        slowestFps = std::min(slowestFps, fps);
        std::printf("  %-32s %8.1f ms  %7.1f M frames/s  %10d rows\n", name, seconds * 1e3,
                    fps / 1e6, rows);
    }
    messages.setFilter({});

    return slowestFps;
}

void measureScrolling(MessageTableModel& messages, int pages) {
    std::printf(
        "\nScrolling (DisplayRole of all %d columns, 50-row pages at %d random positions):\n",
        int(MessageTableModel::ColumnCount), pages);
    PageTimes pageTimes[2];
    for (int mode = 0; mode < 2; ++mode) {
        messages.setMode(mode == 0 ? MessageTableModel::Mode::Messages
                                   : MessageTableModel::Mode::Frames);
        pageTimes[mode] = scroll(messages, pages);
        std::printf("  %-8s mean %7.1f us, median %7.1f us, p99 %7.1f us, max %8.1f us per page\n",
                    mode == 0 ? "messages" : "frames", pageTimes[mode].mean, pageTimes[mode].median,
                    pageTimes[mode].p99, pageTimes[mode].max);
    }
}

void runTshark(bench::ChildLauncher& launcher, const Options& o, const LoadResult& loaded) {
    const char* tsharkPath = "/usr/bin/tshark";
    std::printf("\n");
    if (!o.tshark) {
        std::printf("tshark -2 -r FILE -Y websocket: skipped (--no-tshark)\n");
    } else if (access(tsharkPath, X_OK) != 0) {
        std::printf("tshark -2 -r FILE -Y websocket: skipped, %s is not installed\n", tsharkPath);
    } else {
        const bench::ChildRun tshark =
            launcher.run({tsharkPath, "-2", "-r", o.file, "-Y", "websocket"}, -1, o.tsharkTimeout);
        if (tshark.ok)
            std::printf(
                "tshark -2 -r FILE -Y websocket: %.1f s, peak %.1f MB; "
                "%.1fx our load time, %.1fx our peak RSS\n",
                tshark.wallSeconds, tshark.peakRssMb * 1.048576,
                tshark.wallSeconds / loaded.loadSeconds,
                tshark.peakRssMb * 1048576.0 / double(loaded.peakRss));
        else if (tshark.timedOut)
            std::printf("tshark -2 -r FILE -Y websocket: timed out after %.0f s\n",
                        tshark.wallSeconds);
        else
            std::printf("tshark -2 -r FILE -Y websocket: failed: %s\n", tshark.error.c_str());
    }
}

// What the load took, in time and memory; returns the anonymous memory per frame.
double printLoad(const LoadResult& loaded, const sockscope::ui::CaptureIndex& index,
                 const bench::CaptureGeneratorStats& gen) {
    const double fileMb = mb(gen.fileBytes);
    const RowId frames = index.frameCount();
    const std::uint64_t segments = segmentCount(index);
    std::printf("Load (QApplication offscreen, MessageTableModel + ConnectionTableModel):\n");
    std::printf("  first message rows after   %8.1f ms\n", loaded.firstRowsSeconds * 1e3);
    std::printf("  fully indexed after        %8.2f s = %.0f MB/s, %.2f M frames/s\n",
                loaded.loadSeconds, fileMb / loaded.loadSeconds,
                double(frames) / loaded.loadSeconds / 1e6);
    std::printf(
        "  index: %llu packets, %llu connections, %llu frames, %llu messages, %llu "
        "segments, %llu anomalies%s\n",
        (unsigned long long)index.packetCount(), (unsigned long long)index.connections().size(),
        (unsigned long long)frames, (unsigned long long)index.messageCount(),
        (unsigned long long)segments, (unsigned long long)index.anomalyCount(),
        frames == gen.frames && index.messageCount() == gen.messages
            ? ""
            : "  (COUNTS DIFFER from the generator's)");
    const double growth = double(loaded.anonAfter) - double(loaded.anonBefore);
    const double perFrame = frames ? growth / double(frames) : 0;
    std::printf("  RssAnon before open %.1f MB, after load %.1f MB (%.1f MB after malloc_trim)\n",
                mb(loaded.anonBefore), mb(loaded.anonAfter), mb(loaded.anonTrimmed));
    std::printf(
        "  growth %.1f MB = %.1f B per frame (%.1f B after malloc_trim); mapped file "
        "%.1f MB (not anonymous)\n",
        growth / 1e6, perFrame,
        frames ? (double(loaded.anonTrimmed) - double(loaded.anonBefore)) / double(frames) : 0.0,
        fileMb);
    std::printf(
        "  malloc in use: %.1f MB more after load = %.1f B per frame (the rest of the "
        "growth is freed memory malloc keeps)\n",
        (double(loaded.heapAfter) - double(loaded.heapBefore)) / 1e6,
        frames ? (double(loaded.heapAfter) - double(loaded.heapBefore)) / double(frames) : 0.0);
    const sockscope::ui::CaptureIndex::MemoryUse use = index.memoryUse();
    const auto bytesPerFrame = [frames](std::uint64_t bytes) {
        return frames ? double(bytes) / double(frames) : 0.0;
    };
    std::printf(
        "  index per frame: frames %.1f B, messages %.1f B, stream maps %.1f B (%.2f B per "
        "segment), packet checkpoints %.1f B; %llu records kept whole\n",
        bytesPerFrame(use.frames), bytesPerFrame(use.messages), bytesPerFrame(use.streams),
        segments ? double(use.streams) / double(segments) : 0.0, bytesPerFrame(use.packets),
        (unsigned long long)use.escapedRecords);
    std::printf("  peak RSS (VmHWM) %.1f MB\n", mb(loaded.peakRss));

    return perFrame;
}

}  // namespace

int main(int argc, char** argv) {
    const auto parsed = parseOptions(argc, argv);
    if (!parsed)
        return 2;
    const Options& o = *parsed;
    bench::ChildLauncher launcher;  // first, while this process is small
    if (!launcher.start()) {
        std::fprintf(stderr, "bench_gui: cannot start the launcher\n");
        return 1;
    }
    bench::printHeader("bench_gui", SOCKSCOPE_BUILD_TYPE);
    std::printf("Units:     1 MB = 1e6 B\n");
    bench::CaptureGeneratorStats gen;
    if (!prepareCapture(o, gen))
        return 1;
    const double fileMb = mb(gen.fileBytes);
    std::printf(
        "           %.1f MB, %llu packets, %llu connections, %llu frames, %llu messages "
        "(%llu compressed, %llu fragmented)\n\n",
        fileMb, (unsigned long long)gen.packets, (unsigned long long)gen.connections,
        (unsigned long long)gen.frames, (unsigned long long)gen.messages,
        (unsigned long long)gen.compressedMessages, (unsigned long long)gen.fragmentedMessages);

    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    CaptureDocument document;
    sockscope::ui::ConnectionTableModel connections(document);
    MessageTableModel messages(document);

    // 1-3: loading and memory.
    const LoadResult loaded = load(document, messages, o);
    if (!loaded.ok)
        return 1;
    const auto& index = document.index();
    const RowId frames = index.frameCount();
    const double perFrame = printLoad(loaded, index, gen);
    const bench::ChildRun cli =
        launcher.run({SOCKSCOPE_CLI_PATH, "read", o.file, "--format", "jsonl"});
    if (cli.ok)
        std::printf("  sockscope-cli read --format jsonl: %.2f s = %.0f MB/s, peak %.1f MB\n",
                    cli.wallSeconds, fileMb / cli.wallSeconds, cli.peakRssMb * 1.048576);
    else
        std::printf("  sockscope-cli read --format jsonl: failed: %s\n", cli.error.c_str());

    // 4-6: filters, scrolling, tshark.
    const double slowestFps = measureFilters(messages, index);
    measureScrolling(messages, o.pages);
    runTshark(launcher, o, loaded);

    std::printf("\nTargets (issue 4):\n");
    printTarget("first rows <= 200 ms", loaded.firstRowsSeconds >= 0,
                loaded.firstRowsSeconds >= 0 && loaded.firstRowsSeconds <= 0.2,
                format("%.1f ms", loaded.firstRowsSeconds * 1e3));
    const double share = cli.ok ? cli.wallSeconds / loaded.loadSeconds : 0;
    printTarget("indexing >= 50% of the CLI's MB/s", cli.ok, share >= 0.5,
                format("%.0f%% (%.0f vs %.0f MB/s)", share * 100, fileMb / loaded.loadSeconds,
                       cli.ok ? fileMb / cli.wallSeconds : 0.0));
    printTarget("<= 64 B anonymous memory per frame", frames > 0, perFrame <= 64,
                format("%.1f B per frame", perFrame));
    printTarget(">= 5 M frames/s filtering", frames > 0, slowestFps >= 5e6,
                format("%.1f M frames/s (slowest filter)", slowestFps / 1e6));
    std::printf("Load avg:  %s at the end\n", bench::loadAverage().c_str());
    return 0;
}
