#pragma once
// What the figures were measured on: printed at the top of every benchmark run
// so numbers from different machines are never compared blindly.

#include <string>

namespace bench {

std::string cpuModel();      // "model name" from /proc/cpuinfo
std::string compilerName();  // compiler and version this binary was built with
std::string cacheSummary();  // L1d / L2 / L3 sizes of cpu0 from sysfs
unsigned onlineCpuCount();
std::string loadAverage();  // the 1, 5 and 15 minute load averages from /proc/loadavg

// The lines every benchmark starts with: its name, CPU, compiler and build
// type, and the load average.
void printHeader(const char* program, const char* buildType);

}  // namespace bench
