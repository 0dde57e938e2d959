#include "inspector/batch_pacer.h"

namespace sockscope::ui {
namespace {

constexpr auto kBatchInterval = std::chrono::milliseconds(100);
constexpr auto kFirstBatch = std::chrono::milliseconds(20);
constexpr std::size_t kBatchRecords = 200000;

}  // namespace

BatchPacer::BatchPacer(IndexingSink& sink, std::FILE* spill, Send send)
    : sink_(sink), spill_(spill), send_(std::move(send)) {}

bool BatchPacer::dueAfterPacket() {
    // The clock is read every 256 packets: cheap enough at millions of packets.
    return ((++packets_ & 255) == 0 || sink_.pending() >= kBatchRecords) && due();
}

bool BatchPacer::due() const {
    const std::size_t pending = sink_.pending();
    if (pending == 0)
        return false;
    if (pending >= kBatchRecords)
        return true;
    const auto now = Clock::now();
    return now - last_ >= kBatchInterval || (first_ && now - start_ >= kFirstBatch);
}

void BatchPacer::handOver() {
    if (spill_)
        std::fflush(spill_);
    send_(std::make_shared<CaptureBatch>(sink_.takeBatch()));
    last_ = Clock::now();
    first_ = false;
}

}  // namespace sockscope::ui
