#pragma once
// Timing harness for the benchmark programs: best of N runs, each run at least
// a minimum time, std::chrono::steady_clock. Benchmarks print figures; nothing
// here asserts on time.
//
// A run's figure is the MEDIAN of its pass (or batch) times, not the mean: on
// a shared machine a pass that was preempted takes many times longer, and the
// median ignores those few while the mean would not. The best run is reported.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

struct TimingOptions {
    int runs = 5;                // report the best run
    double minRunSeconds = 0.2;  // each run repeats the work at least this long
};

// Keeps the optimiser from dropping work whose result is otherwise unused:
// the empty asm "reads" the value and all memory.
template <typename T>
inline void keep(T value) {
    asm volatile("" : : "r"(value) : "memory");
}

inline double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

inline double median(std::vector<double>& samples) {
    if (samples.empty()) {
        return std::numeric_limits<double>::infinity();
    }
    const auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
    std::nth_element(samples.begin(), middle, samples.end());
    return *middle;
}

// Upper bound on timed samples per run, so a broken (instant) pass cannot spin
// forever and the sample vector stays small.
inline constexpr std::size_t kMaxPassesPerRun = std::size_t{1} << 20;

// Seconds per pass for work that must be reset between passes (our codec
// unmasks in place): restore() runs before every pass OUTSIDE the timed region,
// only pass() is timed. pass() returns false when its result is wrong; then
// the measurement stops and returns a negative value.
template <typename Pass, typename Restore>
double bestSecondsPerPass(const TimingOptions& options, Pass&& pass, Restore&& restore) {
    restore();
    if (!pass()) {  // warm-up pass (caches, branch predictors, allocations)
        return -1;
    }
    double best = std::numeric_limits<double>::infinity();
    std::vector<double> samples;
    for (int run = 0; run < options.runs; ++run) {
        double timed = 0;
        samples.clear();
        while (timed < options.minRunSeconds && samples.size() < kMaxPassesPerRun) {
            restore();
            const auto start = Clock::now();
            const bool ok = pass();
            const double seconds = secondsSince(start);
            timed += seconds;
            samples.push_back(seconds);
            if (!ok) {
                return -1;
            }
        }
        best = std::min(best, median(samples));
    }
    return best;
}

// Seconds per pass for work that can simply be repeated (memcpy, masking,
// validation). Passes are timed in batches so that even a 1 KiB pass (tens of
// nanoseconds) is not drowned by the cost of reading the clock.
template <typename Pass>
double bestSecondsPerPass(const TimingOptions& options, Pass&& pass) {
    if (!pass()) {
        return -1;
    }
    // Smallest power-of-two batch that takes at least 0.2 ms (short enough that
    // most batches run without being preempted, long enough for the clock).
    std::uint64_t batch = 1;
    for (int doubling = 0; doubling < 30; ++doubling) {
        const auto start = Clock::now();
        for (std::uint64_t i = 0; i < batch; ++i) {
            pass();
        }
        if (secondsSince(start) >= 2e-4) {
            break;
        }
        batch *= 2;
    }
    double best = std::numeric_limits<double>::infinity();
    std::vector<double> samples;
    for (int run = 0; run < options.runs; ++run) {
        double timed = 0;
        bool ok = true;
        samples.clear();
        while (timed < options.minRunSeconds && samples.size() < kMaxPassesPerRun) {
            const auto start = Clock::now();
            for (std::uint64_t i = 0; i < batch; ++i) {
                ok = pass() && ok;
            }
            const double seconds = secondsSince(start);
            timed += seconds;
            samples.push_back(seconds / static_cast<double>(batch));
        }
        if (!ok) {
            return -1;
        }
        best = std::min(best, median(samples));
    }
    return best;
}

}  // namespace bench
