#include "inspector/capture_loader.h"

#include <QFileInfo>
#include <QMetaObject>

#include <unistd.h>
#include <chrono>
#include <cstdio>

#include "inspector/indexing_sink.h"

namespace sockscope::ui {
namespace {

using Clock = std::chrono::steady_clock;

// Batches go out at least this often while reading (and the first one sooner),
// or when this many records wait.
constexpr auto kBatchInterval = std::chrono::milliseconds(100);
constexpr auto kFirstBatch = std::chrono::milliseconds(20);
constexpr std::size_t kBatchRecords = 200000;

}  // namespace

CaptureLoader::CaptureLoader(QObject* parent) : QObject(parent) {
    qRegisterMetaType<std::shared_ptr<CaptureBatch>>();
    qRegisterMetaType<dissector::CaptureFormat>();
}

CaptureLoader::~CaptureLoader() {
    cancel_ = true;
    if (thread_.joinable())
        thread_.join();
}

bool CaptureLoader::start(const QString& path, dissector::DissectorOptions options) {
    if (running_)
        return false;
    if (thread_.joinable())
        thread_.join();
    cancel_ = false;
    running_ = true;
    spill_ = std::make_unique<QTemporaryFile>();
    const int spillFd = spill_->open() ? ::dup(static_cast<int>(spill_->handle())) : -1;
    thread_ = std::thread(&CaptureLoader::run, this, QFile::encodeName(path).toStdString(),
                          std::move(options), QFileInfo(path).size(), spillFd);
    return true;
}

// On the loader thread: signals are emitted from here and arrive queued in
// the receivers' (GUI) thread.
void CaptureLoader::run(std::string path, dissector::DissectorOptions options, qint64 total,
                        int spillFd) {
    std::FILE* spill = spillFd >= 0 ? ::fdopen(spillFd, "wb") : nullptr;
    std::string error;
    dissector::CaptureFormat format = dissector::CaptureFormat::Pcap;
    auto reader = dissector::CaptureReader::open(path, error, {.recordEnds = true});
    if (reader) {
        format = reader->format();
        IndexingSink sink(spill);
        dissector::Dissector dissector(std::move(options), sink);
        const auto start = Clock::now();
        auto lastBatch = start;
        bool first = true;
        std::uint64_t position = 0;
        auto handOver = [&] {
            if (spill)
                std::fflush(spill);  // the GUI maps what the batch points at
            auto batch = std::make_shared<CaptureBatch>(sink.takeBatch());
            emit batchReady(batch);
            emit progress(qint64(position), total);
            lastBatch = Clock::now();
            first = false;
        };
        std::uint64_t packets = 0;
        while (!cancel_) {
            const auto packet = reader->next();
            if (!packet)
                break;
            position = packet->recordEnd;
            sink.packet(*packet);
            dissector.packet(*packet);
            // The clock is read every 256 packets: cheap enough at millions of packets.
            if ((++packets & 255) == 0 || sink.pending() >= kBatchRecords) {
                const auto now = Clock::now();
                if (sink.pending() >= kBatchRecords || now - lastBatch >= kBatchInterval ||
                    (first && now - start >= kFirstBatch))
                    handOver();
            }
        }
        if (cancel_) {
            error = "cancelled";
        } else {
            dissector.finish();
            error = reader->error();  // a truncated last record: what came before stays
        }
        position = std::uint64_t(total);
        handOver();
        if (sink.spillFailed() && error.empty())
            error = "could not write decompressed payloads to a temporary file";
    }
    if (spill)
        std::fclose(spill);
    running_ = false;
    emit finished(QString::fromStdString(error), format);
}

}  // namespace sockscope::ui
