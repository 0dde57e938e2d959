#include "inspector/capture_loader.h"

#include <QFileInfo>
#include <QMetaObject>

#include <unistd.h>
#include <cstdio>

#include "inspector/batch_pacer.h"
#include "inspector/indexing_sink.h"

namespace sockscope::ui {

CaptureLoader::CaptureLoader(QObject* parent) : QObject(parent) {
    qRegisterMetaType<std::shared_ptr<CaptureBatch>>();
    qRegisterMetaType<dissector::CaptureFormat>();
    qRegisterMetaType<KeyLogReport>();
}

CaptureLoader::~CaptureLoader() {
    cancel_ = true;
    if (thread_.joinable())
        thread_.join();
}

bool CaptureLoader::prepare() {
    if (running_)
        return false;
    if (thread_.joinable())
        thread_.join();
    cancel_ = false;
    dropped_ = 0;
    return true;
}

// The loader thread writes through its own stream; the QTemporaryFile keeps
// the name (and removes the file with the loader).
std::FILE* CaptureLoader::openSpill() {
    spill_ = std::make_unique<QTemporaryFile>();
    const int fd = spill_->open() ? ::dup(static_cast<int>(spill_->handle())) : -1;
    std::FILE* stream = fd >= 0 ? ::fdopen(fd, "wb") : nullptr;
    if (fd >= 0 && !stream)
        ::close(fd);
    return stream;
}

bool CaptureLoader::start(const QString& path, dissector::DissectorOptions options) {
    if (!prepare())
        return false;
    live_ = false;
    running_ = true;
    std::FILE* spill = openSpill();
    thread_ = std::thread(&CaptureLoader::run, this, QFile::encodeName(path).toStdString(),
                          std::move(options), KeyLogSource{keys_.file, false},
                          QFileInfo(path).size(), spill);
    return true;
}

// On the loader thread: signals are emitted from here and arrive queued in
// the receivers' (GUI) thread.
void CaptureLoader::run(std::string path, dissector::DissectorOptions options, KeyLogSource keys,
                        qint64 total, std::FILE* spill) {
    std::string error;
    dissector::CaptureFormat format = dissector::CaptureFormat::Pcap;
    auto reader = dissector::CaptureReader::open(path, error, {.recordEnds = true});
    // Outlives the dissector, which reads it.
    CaptureKeys captureKeys;
    if (reader) {
        format = reader->format();
        captureKeys.load(keys, format == dissector::CaptureFormat::Pcapng ? path : std::string());
        options.keyLog = captureKeys.keys();
        emit keysLoaded(captureKeys.report());
        IndexingSink sink(spill);
        dissector::Dissector dissector(std::move(options), sink);
        std::uint64_t position = 0;
        BatchPacer pacer(sink, spill, [&](std::shared_ptr<CaptureBatch> batch) {
            emit batchReady(std::move(batch));
            emit progress(qint64(position), total);
        });
        while (!cancel_) {
            const auto packet = reader->next();
            if (!packet)
                break;
            position = packet->recordEnd;
            sink.packet(*packet);
            dissector.packet(*packet);
            if (pacer.dueAfterPacket())
                pacer.handOver();
        }
        if (cancel_) {
            error = "cancelled";
        } else {
            dissector.finish();
            error = reader->error();  // a truncated last record: what came before stays
        }
        position = std::uint64_t(total);
        pacer.handOver();
        if (sink.spillFailed() && error.empty())
            error = "could not write decompressed payloads or decrypted bytes to a temporary file";
    }
    if (spill)
        std::fclose(spill);
    running_ = false;
    emit finished(QString::fromStdString(error), format);
}

}  // namespace sockscope::ui
