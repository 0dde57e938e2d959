#include "inspector/capture_document.h"

namespace sockscope::ui {

CaptureDocument::CaptureDocument(QObject* parent) : QObject(parent) {
    connect(&loader_, &CaptureLoader::batchReady, this, &CaptureDocument::append);
    connect(&loader_, &CaptureLoader::progress, this, &CaptureDocument::progress);
    connect(&loader_, &CaptureLoader::finished, this,
            [this](const QString& error, dissector::CaptureFormat) {
                error_ = error;
                emit finished(error);
            });
}

CaptureDocument::~CaptureDocument() = default;

bool CaptureDocument::open(const QString& path, dissector::DissectorOptions options) {
    // The index only grows: one document holds one capture (a view opens another in a new one).
    if (started_) {
        error_ = tr("this document already holds %1").arg(path_);
        return false;
    }
    path_ = path;
    file_.setFileName(path);
    if (!file_.open(QIODevice::ReadOnly)) {
        error_ = tr("cannot open %1: %2").arg(path, file_.errorString());
        return false;
    }
    // A mapping costs address space, not memory: pages are read when a view shows them.
    const qint64 size = file_.size();
    uchar* map = size > 0 ? file_.map(0, size) : nullptr;
    mapped_ = map ? std::span<const std::uint8_t>(map, std::size_t(size))
                  : std::span<const std::uint8_t>();
    // The format from the magic, so payloads can be read while the file still loads.
    format_ = mapped_.size() >= 4 && mapped_[0] == 0x0A && mapped_[1] == 0x0D &&
                      mapped_[2] == 0x0D && mapped_[3] == 0x0A
                  ? dissector::CaptureFormat::Pcapng
                  : dissector::CaptureFormat::Pcap;
    error_.clear();
    if (!loader_.start(path, std::move(options))) {
        error_ = tr("a capture is still loading");
        return false;
    }
    started_ = true;
    spill_.setFileName(loader_.spillPath());
    return true;
}

void CaptureDocument::append(const std::shared_ptr<CaptureBatch>& batch) {
    if (batch->frames.empty() && batch->messages.empty() && batch->connections.empty() &&
        batch->anomalies.empty()) {
        index_.append(std::move(*batch));  // packets and segments only
        return;
    }
    const RowId frames = index_.frameCount();
    const RowId messages = index_.messageCount();
    const RowId anomalies = index_.anomalyCount();
    index_.append(std::move(*batch));
    emit appended(frames, messages, anomalies);
}

// The spill file grows while loading: map it again when a payload lies past the mapping.
void CaptureDocument::mapSpill() const {
    if (spill_.isOpen() && spill_.size() == qint64(spillMapped_.size()))
        return;
    if (!spill_.isOpen() && !spill_.open(QIODevice::ReadOnly))
        return;
    if (!spillMapped_.empty())
        spill_.unmap(const_cast<uchar*>(spillMapped_.data()));
    spillMapped_ = {};
    const qint64 size = spill_.size();
    if (uchar* map = size > 0 ? spill_.map(0, size) : nullptr)
        spillMapped_ = std::span<const std::uint8_t>(map, std::size_t(size));
}

PayloadReader CaptureDocument::reader() const {
    PayloadReader reader(index_, mapped_, format_);
    reader.setSpill(spillMapped_);
    return reader;
}

FrameBytes CaptureDocument::frameBytes(RowId frame, std::size_t limit) const {
    return reader().frame(frame, limit);
}

MessageBytes CaptureDocument::messageBytes(RowId message, std::size_t limit) const {
    if (message < index_.messageCount() &&
        (index_.message(message).flags & message_flag::Compressed))
        mapSpill();
    return reader().message(message, limit);
}

}  // namespace sockscope::ui
