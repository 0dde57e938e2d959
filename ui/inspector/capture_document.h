#pragma once
// One open capture as the views see it: the CaptureIndex, filled batch by
// batch by a CaptureLoader, and read access to payload bytes through the
// memory-mapped capture file and spill file. Lives on the GUI thread.

#include <QFile>
#include <QObject>
#include <QString>

#include <memory>
#include <optional>

#include "inspector/capture_index.h"
#include "inspector/capture_loader.h"
#include "inspector/payload_reader.h"

namespace sockscope::ui {

class CaptureDocument : public QObject {
    Q_OBJECT

public:
    explicit CaptureDocument(QObject* parent = nullptr);
    ~CaptureDocument() override;

    // Starts loading; false when the file cannot be opened for mapping, or this
    // document already holds a capture (error() says why).
    bool open(const QString& path, dissector::DissectorOptions options = {});
    void cancel() { loader_.cancel(); }
    bool loading() const { return loader_.running(); }
    QString path() const { return path_; }
    QString error() const { return error_; }

    const CaptureIndex& index() const { return index_; }
    FrameBytes frameBytes(RowId frame, std::size_t limit) const;
    MessageBytes messageBytes(RowId message, std::size_t limit) const;

signals:
    // Rows were appended (counts before the batch), and connection records may have changed.
    void appended(sockscope::ui::RowId framesBefore, sockscope::ui::RowId messagesBefore,
                  sockscope::ui::RowId anomaliesBefore);
    void progress(qint64 bytesRead, qint64 bytesTotal);
    void finished(const QString& error);

private:
    void append(const std::shared_ptr<CaptureBatch>& batch);
    void mapSpill() const;
    PayloadReader reader() const;

    QString path_;
    QString error_;
    bool started_ = false;
    CaptureIndex index_;
    CaptureLoader loader_;
    QFile file_;
    std::span<const std::uint8_t> mapped_;
    dissector::CaptureFormat format_ = dissector::CaptureFormat::Pcap;
    mutable QFile spill_;
    mutable std::span<const std::uint8_t> spillMapped_;
};

}  // namespace sockscope::ui
