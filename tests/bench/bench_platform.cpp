#include "bench_platform.h"

#include <cstdio>

#include <fstream>
#include <string_view>
#include <thread>

namespace bench {

namespace {

std::string firstLine(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

}  // namespace

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    // Bounded by the file: /proc/cpuinfo has a few dozen lines per CPU.
    while (std::getline(in, line)) {
        constexpr std::string_view key = "model name";
        if (line.compare(0, key.size(), key) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) {
                return line.substr(line.find_first_not_of(" \t", colon + 1));
            }
        }
    }
    return "unknown CPU";
}

std::string compilerName() {
#if defined(__clang__)
    return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
    return std::string("GCC ") + __VERSION__;
#else
    return "unknown compiler";
#endif
}

std::string cacheSummary() {
    std::string summary;
    // index0 is L1d, index1 L1i, index2 L2, index3 L3 on x86 Linux.
    const char* names[] = {"L1d", nullptr, "L2", "L3"};
    for (int index = 0; index < 4; ++index) {
        if (names[index] == nullptr) {
            continue;
        }
        const std::string size =
            firstLine("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
        if (!size.empty()) {
            summary += (summary.empty() ? "" : ", ") + std::string(names[index]) + " " + size;
        }
    }
    return summary.empty() ? "unknown" : summary;
}

unsigned onlineCpuCount() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : n;
}

std::string loadAverage() {
    const std::string line = firstLine("/proc/loadavg");
    // "0.52 0.58 0.59 1/467 12345": keep the three averages.
    std::size_t end = 0;
    for (int field = 0; field < 3 && end != std::string::npos; ++field) {
        end = line.find(' ', end == 0 ? 0 : end + 1);
    }
    return line.substr(0, end);
}

void printHeader(const char* program, const char* buildType) {
    std::printf("Sockscope %s\n", program);
    std::printf("CPU:       %s (%u online; %s)\n", cpuModel().c_str(), onlineCpuCount(),
                cacheSummary().c_str());
    std::printf("Compiler:  %s, build type %s\n", compilerName().c_str(), buildType);
    std::printf("Load avg:  %s (other work on these CPUs makes the figures noisy)\n",
                loadAverage().c_str());
}

}  // namespace bench
