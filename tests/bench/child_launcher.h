#pragma once
// Runs benchmark children (the CLI, tshark) and measures them: wall time, CPU
// time and peak RSS from wait4, with an optional time limit.
//
// wait4's ru_maxrss counts the forked copy of the parent before exec too, so
// a child forked by a benchmark that has grown (a loaded capture in-process)
// would show the benchmark's size as its peak. A ChildLauncher is forked at
// the start of main, while the benchmark is small, and runs every child for
// it; requests and results travel as lines over pipes.

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

namespace bench {

struct ChildRun {
    bool ok = false;
    bool timedOut = false;  // killed at the time limit
    double wallSeconds = 0;
    double cpuSeconds = 0;
    double peakRssMb = 0;  // MiB
    std::string error;
};

class ChildLauncher {
public:
    ChildLauncher() = default;
    ChildLauncher(const ChildLauncher&) = delete;
    ChildLauncher& operator=(const ChildLauncher&) = delete;
    ~ChildLauncher();  // ends the launcher process

    // Forks the launcher; call first thing in main. false (errno) on failure.
    bool start();
    // Runs `args` (args[0] is the program's path) with stdout and stderr to
    // /dev/null, pinned to `cpu` (-1: any CPU), killed after `timeoutSeconds`
    // (0: no limit).
    ChildRun run(const std::vector<std::string>& args, int cpu = -1, double timeoutSeconds = 0);

private:
    pid_t pid_ = -1;
    std::FILE* requests_ = nullptr;
    std::FILE* replies_ = nullptr;
};

}  // namespace bench
