#include "child_launcher.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// In the launcher process: fork, exec, wait (polling, for the time limit).
ChildRun runChild(const std::vector<std::string>& args, int cpu, double timeoutSeconds) {
    ChildRun run;
    std::vector<char*> argv;
    for (const std::string& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    const auto start = Clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        run.error = std::string("fork: ") + std::strerror(errno);
        return run;
    }
    if (pid == 0) {
        if (cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            sched_setaffinity(0, sizeof set, &set);
        }
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);  // tshark warns about running as root
        execv(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    for (;;) {
        const pid_t done = wait4(pid, &status, timeoutSeconds > 0 ? WNOHANG : 0, &usage);
        if (done == pid) {
            break;
        }
        if (done < 0 && errno != EINTR) {
            run.error = std::string("wait4: ") + std::strerror(errno);
            return run;
        }
        if (timeoutSeconds > 0 && secondsSince(start) >= timeoutSeconds && !run.timedOut) {
            run.timedOut = true;
            kill(pid, SIGKILL);
        }
        if (timeoutSeconds > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    run.wallSeconds = secondsSince(start);
    run.cpuSeconds = double(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec * 1e-6 +
                     double(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec * 1e-6;
    run.peakRssMb = double(usage.ru_maxrss) / 1024.0;  // KiB on Linux
    run.ok = !run.timedOut && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (run.timedOut) {
        run.error = "timed out";
    } else if (!run.ok) {
        run.error = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                      : "killed by a signal";
    }
    return run;
}

void serve(std::FILE* requests, std::FILE* replies) {
    int cpu = 0;
    double timeout = 0;
    std::size_t count = 0;
    char line[4096];
    while (std::fgets(line, sizeof line, requests) &&
           std::sscanf(line, "%d %lf %zu", &cpu, &timeout, &count) == 3) {
        std::vector<std::string> args;
        for (std::size_t i = 0; i < count && std::fgets(line, sizeof line, requests); ++i) {
            args.emplace_back(line);
            args.back().erase(args.back().find_last_not_of('\n') + 1);
        }
        const ChildRun r = runChild(args, cpu, timeout);
        std::fprintf(replies, "%d %d %.6f %.6f %.3f\n", r.ok ? 1 : 0, r.timedOut ? 1 : 0,
                     r.wallSeconds, r.cpuSeconds, r.peakRssMb);
        if (!r.ok) {
            std::fprintf(replies, "%s\n", r.error.c_str());
        }
        std::fflush(replies);
    }
}

}  // namespace

bool ChildLauncher::start() {
    int request[2];
    int reply[2];
    if (pipe(request) != 0 || pipe(reply) != 0) {
        return false;
    }
    const pid_t pid = fork();
    if (pid < 0) {
        return false;
    }
    if (pid == 0) {
        close(request[1]);
        close(reply[0]);
        serve(fdopen(request[0], "r"), fdopen(reply[1], "w"));
        _exit(0);
    }
    close(request[0]);
    close(reply[1]);
    pid_ = pid;
    requests_ = fdopen(request[1], "w");
    replies_ = fdopen(reply[0], "r");
    return requests_ && replies_;
}

ChildLauncher::~ChildLauncher() {
    if (requests_) {
        std::fclose(requests_);  // end of requests: the launcher exits
    }
    if (replies_) {
        std::fclose(replies_);
    }
    if (pid_ > 0) {
        waitpid(pid_, nullptr, 0);
    }
}

ChildRun ChildLauncher::run(const std::vector<std::string>& args, int cpu, double timeoutSeconds) {
    ChildRun r;
    if (!requests_ || !replies_) {
        r.error = "the launcher is not running";
        return r;
    }
    std::fprintf(requests_, "%d %.3f %zu\n", cpu, timeoutSeconds, args.size());
    for (const std::string& a : args) {
        std::fprintf(requests_, "%s\n", a.c_str());
    }
    std::fflush(requests_);
    char line[512];
    int ok = 0;
    int timedOut = 0;
    if (!std::fgets(line, sizeof line, replies_) ||
        std::sscanf(line, "%d %d %lf %lf %lf", &ok, &timedOut, &r.wallSeconds, &r.cpuSeconds,
                    &r.peakRssMb) != 5) {
        r.error = "the launcher did not answer";
        return r;
    }
    r.ok = ok != 0;
    r.timedOut = timedOut != 0;
    if (!r.ok && std::fgets(line, sizeof line, replies_)) {
        r.error = line;
        r.error.erase(r.error.find_last_not_of('\n') + 1);
    }
    return r;
}

}  // namespace bench
