#pragma once
// Reads a capture on a thread of its own and hands CaptureBatches to the GUI
// thread as it goes (BatchPacer: the first after a few milliseconds, so rows
// appear while a large file is still being read), with progress and Cancel.
//   File: CaptureReader (with record ends) -> IndexingSink + Dissector.
//   Live: LiveCapture -> a temporary pcapng file (so payloads can be read
//         back like a file's) -> IndexingSink + Dissector, until stopped
//         (or, for a pcapng stream such as a console session, until it ends).
// Decompressed payloads and decrypted TLS streams go to a temporary spill
// file next to the index. TLS keys are loaded on the loader's thread (a
// live capture's key log file is followed there as it grows).

#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/dissector.h>
#include <sockscope/dissector/live_capture.h>

#include <QObject>
#include <QString>
#include <QTemporaryFile>

#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>

#include "inspector/capture_batch.h"
#include "inspector/capture_keys.h"

namespace sockscope::dissector {
class PcapngWriter;
}

namespace sockscope::ui {

class CaptureLoader : public QObject {
    Q_OBJECT

public:
    explicit CaptureLoader(QObject* parent = nullptr);
    ~CaptureLoader() override;  // cancels and waits for the thread

    // Starts reading `path`; false (and finished() is not emitted) when a load is running.
    bool start(const QString& path, dissector::DissectorOptions options = {});
    // Opens the capture here, so a missing permission, interface or bad filter
    // comes back at once in `error` (finished() is then not emitted), and
    // starts capturing until cancel(). The packets go to livePath().
    bool startLive(const dissector::LiveCaptureOptions& capture,
                   dissector::DissectorOptions options, QString& error);
    // The same for a pcapng stream this program writes (a console session):
    // reads `fd` (owned from here on, closed on failure too) until its end,
    // which is a normal end (finished() without error), or until cancel().
    bool startStream(int fd, const QString& name, dissector::DissectorOptions options,
                     QString& error);
    // The TLS keys of the captures started from now on (default: none). A
    // live capture follows the file (see KeyLogSource::follow) and waits
    // kLiveKeyWaitSeconds of capture time for the keys of a connection that ended.
    void setKeyLog(const KeyLogSource& keys) { keys_ = keys; }
    static constexpr std::int64_t kLiveKeyWaitSeconds = 2;
    // Stops a file load (finished() says "cancelled") or a live capture (a normal end).
    void cancel() { cancel_ = true; }
    bool running() const { return running_; }
    // After finished(): waits for the thread, which is then only returning.
    // Its end hands the malloc cache it kept to the allocator (see
    // CaptureDocument::loaderFinished).
    void joinFinished() {
        if (!running_ && thread_.joinable())
            thread_.join();
    }
    bool live() const { return live_; }
    // The file decompressed payloads (MessageRecord::spillOffset) and
    // decrypted streams (the stream runs of CaptureIndex::decrypted connections)
    // are appended to.
    QString spillPath() const { return spill_ ? spill_->fileName() : QString(); }
    // The temporary pcapng a live capture writes; every packet of a batch is in it
    // (flushed) before the batch is emitted. Empty for files.
    QString livePath() const { return capture_ ? capture_->fileName() : QString(); }
    // Bytes of livePath() before the first packet (section and interface blocks).
    qint64 liveHeaderSize() const { return liveHeaderSize_; }
    // Packets the kernel dropped so far (its buffer was full); live only.
    quint64 droppedPackets() const { return dropped_; }

signals:
    void batchReady(std::shared_ptr<sockscope::ui::CaptureBatch> batch);
    // The TLS keys were read (before the first batch), and each time a
    // followed key log gained keys or could not be read.
    void keysLoaded(const sockscope::ui::KeyLogReport& report);
    void progress(qint64 bytesRead, qint64 bytesTotal);
    // `error` is empty on success and when a live capture is stopped; a
    // cancelled file load reports "cancelled".
    void finished(const QString& error, sockscope::dissector::CaptureFormat format);

private:
    bool prepare();  // joins a previous thread, opens the spill file
    // The live path's common start: the temporary pcapng, then the thread.
    bool startCapture(std::unique_ptr<dissector::LiveCapture> capture,
                      const std::string& interfaceName, dissector::DissectorOptions options,
                      QString& error);
    std::FILE* openSpill();
    void run(std::string path, dissector::DissectorOptions options, KeyLogSource keys, qint64 total,
             std::FILE* spill);
    void runLive(std::unique_ptr<dissector::LiveCapture> capture,
                 std::unique_ptr<dissector::PcapngWriter> writer, std::FILE* out,
                 dissector::DissectorOptions options, KeyLogSource keys, std::FILE* spill);

    std::thread thread_;
    std::atomic<bool> cancel_ = false;
    std::atomic<bool> running_ = false;
    std::atomic<bool> live_ = false;
    std::atomic<quint64> dropped_ = 0;
    qint64 liveHeaderSize_ = 0;
    std::unique_ptr<QTemporaryFile> spill_;
    std::unique_ptr<QTemporaryFile> capture_;
    KeyLogSource keys_;
};

}  // namespace sockscope::ui

Q_DECLARE_METATYPE(std::shared_ptr<sockscope::ui::CaptureBatch>)
Q_DECLARE_METATYPE(sockscope::ui::KeyLogReport)
Q_DECLARE_METATYPE(sockscope::dissector::CaptureFormat)
