#pragma once
// One open capture as the views see it: the CaptureIndex, filled batch by
// batch by a CaptureLoader (from a file, or live from an interface), and read
// access to payload bytes through the memory-mapped capture file and spill
// file. Lives on the GUI thread.

#include <QFile>
#include <QObject>
#include <QString>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "inspector/capture_index.h"
#include "inspector/capture_loader.h"
#include "inspector/payload_reader.h"

namespace sockscope::ui {

class CaptureDocument : public QObject {
    Q_OBJECT

public:
    explicit CaptureDocument(QObject* parent = nullptr);
    ~CaptureDocument() override;

    // The TLS keys for the capture opened next (open, openLive, openStream):
    // a key log file (followed as it grows for a live one); a pcapng file's
    // Decryption Secrets Blocks are used in any case.
    void setKeyLog(const KeyLogSource& keys) { keys_ = keys; }
    const KeyLogSource& keyLog() const { return keys_; }
    // What loading the keys found (see keysLoaded()).
    const KeyLogReport& keyReport() const { return keyReport_; }

    // Starts loading; false when the file cannot be opened for mapping, or this
    // document already holds a capture (error() says why).
    bool open(const QString& path, dissector::DissectorOptions options = {});
    // Starts capturing; false when the capture cannot be opened (no permission:
    // the text says how to grant it; no such interface; a bad filter) or this
    // document already holds a capture (error() says why).
    bool openLive(const dissector::LiveCaptureOptions& capture,
                  dissector::DissectorOptions options = {});
    // Reads a pcapng stream (a console session's SessionRecorder) like a live
    // capture: takes ownership of `fd` (closed on failure too); live() is
    // true until the stream ends, which finishes the document without an
    // error; saveCapture() and the JSON Lines export work on its temporary
    // pcapng. `name` names the interface in the saved file. false when the
    // stream is unreadable or this document already holds a capture.
    bool openStream(int fd, const QString& name, dissector::DissectorOptions options = {});
    // Stops a live capture (the rows stay; finished() follows with no error); no-op for files.
    void stop();
    // Cancels loading a file (finished() says "cancelled"); stops a live capture.
    void cancel();
    // Until finished() has been emitted.
    bool loading() const { return loading_; }
    // A live capture is running (until finished()).
    bool live() const { return loading_ && loader_.live(); }
    QString path() const { return path_; }  // empty for a live capture
    QString error() const { return error_; }
    // Writes the capture as it is so far: a live capture's packets (pcapng) up
    // to the last batch received, or a copy of the opened file.
    bool saveCapture(const QString& path, QString& error) const;
    // The format saveCapture writes: a live capture's pcapng, or the opened file's own.
    dissector::CaptureFormat format() const { return format_; }
    // Kernel drops of the live capture so far (0 for files).
    quint64 droppedPackets() const { return loader_.droppedPackets(); }

    // While a hold exists, arriving batches are queued (in order) instead of
    // appended, and applied when the last hold is released. GUI thread only
    // (create and destroy the token there). Lets a worker read the index (and
    // payloads through it) safely; nothing is lost, rows just appear a little later.
    std::shared_ptr<void> holdIndex();
    bool held() const { return holds_ > 0; }

    const CaptureIndex& index() const { return index_; }
    // The temporary file holding decompressed payloads and decrypted streams.
    QString spillPath() const { return spill_.fileName(); }
    FrameBytes frameBytes(RowId frame, std::size_t limit) const;
    MessageBytes messageBytes(RowId message, std::size_t limit) const;

signals:
    // Rows were appended (counts before the batch), and connection records may have changed.
    void appended(sockscope::ui::RowId framesBefore, sockscope::ui::RowId messagesBefore,
                  sockscope::ui::RowId anomaliesBefore);
    void progress(qint64 bytesRead, qint64 bytesTotal);
    // After every batch of a live capture (for the status bar).
    void liveStatus(quint64 packets, quint64 droppedPackets);
    // The TLS keys were read (before the first rows), or a followed key log changed.
    void keysLoaded(const sockscope::ui::KeyLogReport& report);
    void finished(const QString& error);

private:
    void received(const std::shared_ptr<CaptureBatch>& batch);
    void loaderFinished(const QString& error);
    void apply(CaptureBatch& batch);
    void release();
    void scheduleDrain();
    void drain();
    void mapCapture();
    void mapSpill() const;
    PayloadReader reader() const;
    QString alreadyHolds() const;
    bool liveStarted();  // openLive/openStream after the loader started

    QString path_;
    QString error_;
    KeyLogSource keys_;
    KeyLogReport keyReport_;
    bool started_ = false;
    bool loading_ = false;
    CaptureIndex index_;
    CaptureLoader loader_;
    QFile file_;
    std::span<const std::uint8_t> mapped_;
    dissector::CaptureFormat format_ = dissector::CaptureFormat::Pcap;
    mutable QFile spill_;
    mutable std::span<const std::uint8_t> spillMapped_;
    // Live: bytes of the temporary pcapng that the batches received so far cover.
    qint64 liveEnd_ = 0;

    int holds_ = 0;
    std::deque<std::shared_ptr<CaptureBatch>> queued_;
    std::optional<QString> queuedFinish_;
    bool drainScheduled_ = false;
    // Spill mappings replaced while held: a worker may still read them.
    mutable std::vector<uchar*> retiredSpillMaps_;
};

}  // namespace sockscope::ui
