#include "inspector/capture_document.h"
#include "inspector/malloc_policy.h"

#include <malloc.h>
#include <unistd.h>

#include <QPointer>
#include <QSaveFile>

namespace sockscope::ui {
namespace {

bool isPcapng(std::span<const std::uint8_t> file) {
    return file.size() >= 4 && file[0] == 0x0A && file[1] == 0x0D && file[2] == 0x0D &&
           file[3] == 0x0A;
}

// Copies the first `length` bytes of `from` (all of it when negative) to `to`.
bool copyFile(const QString& from, qint64 length, const QString& to, QString& error) {
    QFile source(from);
    if (!source.open(QIODevice::ReadOnly)) {
        error = CaptureDocument::tr("cannot read %1: %2").arg(from, source.errorString());
        return false;
    }
    QSaveFile target(to);
    if (!target.open(QIODevice::WriteOnly)) {
        error = CaptureDocument::tr("cannot create %1: %2").arg(to, target.errorString());
        return false;
    }
    if (length < 0)
        length = source.size();
    QByteArray chunk;
    for (qint64 left = length; left > 0;) {
        chunk = source.read(std::min<qint64>(left, 1 << 20));
        if (chunk.isEmpty()) {
            error = CaptureDocument::tr("cannot read %1: it ended early").arg(from);
            return false;
        }
        if (target.write(chunk) != chunk.size()) {
            error = CaptureDocument::tr("cannot write %1: %2").arg(to, target.errorString());
            return false;
        }
        left -= chunk.size();
    }
    if (!target.commit()) {
        error = CaptureDocument::tr("cannot write %1: %2").arg(to, target.errorString());
        return false;
    }
    return true;
}

}  // namespace

CaptureDocument::CaptureDocument(QObject* parent) : QObject(parent) {
    limitMallocHoarding();
    connect(&loader_, &CaptureLoader::batchReady, this, &CaptureDocument::received);
    connect(&loader_, &CaptureLoader::progress, this, &CaptureDocument::progress);
    // Queued like the batches, so it arrives before the first of them.
    connect(&loader_, &CaptureLoader::keysLoaded, this, [this](const KeyLogReport& report) {
        keyReport_ = report;
        emit keysLoaded(report);
    });
    connect(&loader_, &CaptureLoader::finished, this,
            [this](const QString& error, dissector::CaptureFormat) { loaderFinished(error); });
}

CaptureDocument::~CaptureDocument() = default;

bool CaptureDocument::open(const QString& path, dissector::DissectorOptions options) {
    // The index only grows: one document holds one capture (a view opens another in a new one).
    if (started_) {
        error_ = alreadyHolds();
        return false;
    }
    path_ = path;
    file_.setFileName(path);
    if (!file_.open(QIODevice::ReadOnly)) {
        error_ = tr("cannot open %1: %2").arg(path, file_.errorString());
        return false;
    }
    // A mapping costs address space, not memory: pages are read when a view shows them.
    mapCapture();
    // The format from the magic, so payloads can be read while the file still loads.
    format_ = isPcapng(mapped_) ? dissector::CaptureFormat::Pcapng : dissector::CaptureFormat::Pcap;
    error_.clear();
    loader_.setKeyLog(keys_);
    if (!loader_.start(path, std::move(options))) {
        error_ = tr("a capture is still loading");
        return false;
    }
    started_ = loading_ = true;
    spill_.setFileName(loader_.spillPath());
    return true;
}

bool CaptureDocument::openLive(const dissector::LiveCaptureOptions& capture,
                               dissector::DissectorOptions options) {
    if (started_) {
        error_ = alreadyHolds();
        return false;
    }
    QString error;
    loader_.setKeyLog(keys_);
    if (!loader_.startLive(capture, std::move(options), error)) {
        error_ = error;
        return false;
    }
    return liveStarted();
}

bool CaptureDocument::openStream(int fd, const QString& name, dissector::DissectorOptions options) {
    if (started_) {
        if (fd >= 0)
            ::close(fd);
        error_ = alreadyHolds();
        return false;
    }
    QString error;
    loader_.setKeyLog(keys_);
    if (!loader_.startStream(fd, name, std::move(options), error)) {
        error_ = error;
        return false;
    }
    return liveStarted();
}

bool CaptureDocument::liveStarted() {
    started_ = loading_ = true;
    error_.clear();
    path_.clear();
    format_ = dissector::CaptureFormat::Pcapng;
    liveEnd_ = loader_.liveHeaderSize();
    spill_.setFileName(loader_.spillPath());
    file_.setFileName(loader_.livePath());
    if (!file_.open(QIODevice::ReadOnly)) {
        // Rows will come, their payloads will not: say so rather than show them empty.
        error_ = tr("cannot read the temporary capture file %1: %2")
                     .arg(file_.fileName(), file_.errorString());
        loader_.cancel();
        return false;
    }
    return true;
}

void CaptureDocument::stop() {
    if (loader_.live())
        loader_.cancel();
}

void CaptureDocument::cancel() {
    loader_.cancel();
}

bool CaptureDocument::saveCapture(const QString& path, QString& error) const {
    if (!started_ || !file_.isOpen()) {
        error = tr("there is no capture to save");
        return false;
    }
    // A live file grows on the loader thread: its end may be a block half written.
    return copyFile(file_.fileName(), loader_.live() ? liveEnd_ : -1, path, error);
}

std::shared_ptr<void> CaptureDocument::holdIndex() {
    ++holds_;
    return std::shared_ptr<void>(static_cast<void*>(this),
                                 [self = QPointer<CaptureDocument>(this)](void*) {
                                     if (self)
                                         self->release();
                                 });
}

void CaptureDocument::release() {
    if (holds_ == 0 || --holds_ > 0)
        return;
    for (uchar* map : retiredSpillMaps_)
        spill_.unmap(map);
    retiredSpillMaps_.clear();
    scheduleDrain();
}

// Queued rather than at once: the token may be dropped in the middle of a
// slot that does not expect rows to change under it.
void CaptureDocument::scheduleDrain() {
    if (drainScheduled_ || (queued_.empty() && !queuedFinish_))
        return;
    drainScheduled_ = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            drainScheduled_ = false;
            drain();
        },
        Qt::QueuedConnection);
}

void CaptureDocument::drain() {
    // A receiver of appended() may take a new hold: the rest waits for it.
    while (!held() && !queued_.empty()) {
        const std::shared_ptr<CaptureBatch> batch = std::move(queued_.front());
        queued_.pop_front();
        apply(*batch);
    }
    if (!held() && queued_.empty() && queuedFinish_) {
        const QString error = *queuedFinish_;
        queuedFinish_.reset();
        loaderFinished(error);
    }
}

void CaptureDocument::received(const std::shared_ptr<CaptureBatch>& batch) {
    liveEnd_ = std::max(liveEnd_, qint64(batch->lastRecordEnd));
    if (held() || !queued_.empty()) {
        queued_.push_back(batch);
        scheduleDrain();
        return;
    }
    apply(*batch);
}

void CaptureDocument::loaderFinished(const QString& error) {
    if (held() || !queued_.empty()) {
        queuedFinish_ = error;  // after the rows it follows
        scheduleDrain();
        return;
    }
    loading_ = false;
    error_ = error;
    // The index stops growing: give back the growth slack of its vectors and
    // the loader's freed memory that malloc would otherwise keep (once its
    // thread has ended: a live thread's malloc cache pins pages of its arena).
    loader_.joinFinished();
    index_.compact();
    ::malloc_trim(0);
    emit finished(error);
}

void CaptureDocument::apply(CaptureBatch& batch) {
    const bool live = loader_.live();
    // Every record of the batch was flushed to the growing file before it was sent.
    if (live && batch.lastRecordEnd > mapped_.size())
        mapCapture();
    const bool rows = !batch.frames.empty() || !batch.messages.empty() ||
                      !batch.connections.empty() || !batch.anomalies.empty();
    const RowId frames = index_.frameCount();
    const RowId messages = index_.messageCount();
    const RowId anomalies = index_.anomalyCount();
    index_.append(std::move(batch));
    if (rows)
        emit appended(frames, messages, anomalies);
    if (live)
        emit liveStatus(index_.packetCount(), loader_.droppedPackets());
}

// Maps the capture file as it is now; the old mapping goes only when the new one is there.
void CaptureDocument::mapCapture() {
    const qint64 size = file_.size();
    uchar* map = size > 0 ? file_.map(0, size) : nullptr;
    if (!map)
        return;
    if (!mapped_.empty())
        file_.unmap(const_cast<uchar*>(mapped_.data()));
    mapped_ = std::span<const std::uint8_t>(map, std::size_t(size));
}

// The spill file grows while loading: map it again when a payload lies past the mapping.
void CaptureDocument::mapSpill() const {
    if (spill_.isOpen() && spill_.size() == qint64(spillMapped_.size()))
        return;
    if (!spill_.isOpen() && !spill_.open(QIODevice::ReadOnly))
        return;
    const qint64 size = spill_.size();
    uchar* map = size > 0 ? spill_.map(0, size) : nullptr;
    if (!map)
        return;
    if (!spillMapped_.empty()) {
        uchar* old = const_cast<uchar*>(spillMapped_.data());
        if (held())
            retiredSpillMaps_.push_back(old);
        else
            spill_.unmap(old);
    }
    spillMapped_ = std::span<const std::uint8_t>(map, std::size_t(size));
}

QString CaptureDocument::alreadyHolds() const {
    return tr("this document already holds %1").arg(path_.isEmpty() ? tr("a live capture") : path_);
}

PayloadReader CaptureDocument::reader() const {
    PayloadReader reader(index_, mapped_, format_);
    reader.setSpill(spillMapped_);
    return reader;
}

FrameBytes CaptureDocument::frameBytes(RowId frame, std::size_t limit) const {
    if (frame < index_.frameCount() && index_.decrypted(index_.frame(frame).conn))
        mapSpill();
    return reader().frame(frame, limit);
}

MessageBytes CaptureDocument::messageBytes(RowId message, std::size_t limit) const {
    if (message < index_.messageCount()) {
        const MessageRecord m = index_.message(message);
        if ((m.flags & message_flag::Compressed) || index_.decrypted(m.conn))
            mapSpill();
    }
    return reader().message(message, limit);
}

}  // namespace sockscope::ui
