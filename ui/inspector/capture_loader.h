#pragma once
// Reads a capture file on a thread of its own: CaptureReader (with record
// ends) -> Dissector -> IndexingSink, handing CaptureBatches to the GUI
// thread as it goes (the first after a few milliseconds, so rows appear
// while a large file is still being read), with progress and Cancel.
// Decompressed payloads go to a temporary spill file next to the index.

#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/dissector.h>

#include <QObject>
#include <QString>
#include <QTemporaryFile>

#include <atomic>
#include <memory>
#include <thread>

#include "inspector/capture_batch.h"

namespace sockscope::ui {

class CaptureLoader : public QObject {
    Q_OBJECT

public:
    explicit CaptureLoader(QObject* parent = nullptr);
    ~CaptureLoader() override;  // cancels and waits for the thread

    // Starts reading `path`; false (and finished() is not emitted) when a load is running.
    bool start(const QString& path, dissector::DissectorOptions options = {});
    void cancel() { cancel_ = true; }
    bool running() const { return running_; }
    // The file decompressed payloads are appended to (MessageRecord::spillOffset).
    QString spillPath() const { return spill_ ? spill_->fileName() : QString(); }

signals:
    void batchReady(std::shared_ptr<sockscope::ui::CaptureBatch> batch);
    void progress(qint64 bytesRead, qint64 bytesTotal);
    // `error` is empty on success; a cancelled load reports "cancelled".
    void finished(const QString& error, sockscope::dissector::CaptureFormat format);

private:
    void run(std::string path, dissector::DissectorOptions options, qint64 total, int spillFd);

    std::thread thread_;
    std::atomic<bool> cancel_ = false;
    std::atomic<bool> running_ = false;
    std::unique_ptr<QTemporaryFile> spill_;
};

}  // namespace sockscope::ui

Q_DECLARE_METATYPE(std::shared_ptr<sockscope::ui::CaptureBatch>)
Q_DECLARE_METATYPE(sockscope::dissector::CaptureFormat)
