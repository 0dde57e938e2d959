#pragma once
// When a loader thread hands the records it made to the GUI thread: soon
// after the start (rows appear while a large file is still read), then at
// least every 100 ms while records arrive, or at once when many wait. Shared
// by the file and the live loop; Qt-free (the loader's callback emits).

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>

#include "inspector/indexing_sink.h"

namespace sockscope::ui {

class BatchPacer {
public:
    using Send = std::function<void(std::shared_ptr<CaptureBatch>)>;
    // `spill` (may be nullptr) is flushed before each hand-over: the GUI maps what a batch points
    // at.
    BatchPacer(IndexingSink& sink, std::FILE* spill, Send send);

    // After every packet of a file: reads the clock only every 256 packets.
    bool dueAfterPacket();
    // Something waits and its time has come (reads the clock).
    bool due() const;
    // Hands over whatever waits, even nothing (the last batch).
    void handOver();

private:
    using Clock = std::chrono::steady_clock;
    IndexingSink& sink_;
    std::FILE* spill_;
    Send send_;
    Clock::time_point start_ = Clock::now();
    Clock::time_point last_ = start_;
    bool first_ = true;
    std::uint64_t packets_ = 0;
};

}  // namespace sockscope::ui
