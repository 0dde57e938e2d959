#include "inspector/jsonl_export.h"

#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/jsonl_sink.h>

#include <QFile>
#include <QFileInfo>
#include <QMetaObject>
#include <QSaveFile>

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace sockscope::ui {
namespace {

// Passes on the events of a set of connections only. SinkFilter takes one
// connection; as with it, events tied to no connection (conn 0) are left out.
class ConnectionsSink final : public dissector::DissectionSink {
public:
    ConnectionsSink(dissector::DissectionSink& sink, std::set<std::uint32_t> connections)
        : sink_(sink), connections_(std::move(connections)) {}

    void onConnection(const dissector::ConnectionEvent& e) override {
        if (wanted(e.conn))
            sink_.onConnection(e);
    }
    void onHandshake(const dissector::HandshakeEvent& e) override {
        if (wanted(e.conn))
            sink_.onHandshake(e);
    }
    void onSegment(const dissector::SegmentEvent& e) override {
        if (wanted(e.conn))
            sink_.onSegment(e);
    }
    void onFrame(const dissector::FrameEvent& e) override {
        if (wanted(e.conn))
            sink_.onFrame(e);
    }
    void onMessage(const dissector::MessageEvent& e) override {
        if (wanted(e.conn))
            sink_.onMessage(e);
    }
    void onAnomaly(const dissector::AnomalyEvent& e) override {
        if (wanted(e.conn))
            sink_.onAnomaly(e);
    }
    void onEnd(const dissector::EndEvent& e) override {
        if (wanted(e.conn))
            sink_.onEnd(e);
    }

private:
    bool wanted(std::uint32_t conn) const { return connections_.contains(conn); }

    dissector::DissectionSink& sink_;
    std::set<std::uint32_t> connections_;
};

constexpr auto kProgressInterval = std::chrono::milliseconds(100);

}  // namespace

JsonlExport::JsonlExport(QObject* parent) : QObject(parent) {}

JsonlExport::~JsonlExport() {
    cancel_ = true;
    if (thread_.joinable())
        thread_.join();
    if (output_)
        output_->cancelWriting();
}

bool JsonlExport::start(const QString& capturePath, const dissector::DissectorOptions& options,
                        const std::set<std::uint32_t>& connections, const QString& outputPath,
                        QString& error) {
    if (running()) {
        error = tr("an export is still running");
        return false;
    }
    // Opened here, so a missing file says so at once and a temporary capture
    // (a converted HAR) removed meanwhile stays readable through the descriptor.
    std::string why;
    auto reader = dissector::CaptureReader::open(QFile::encodeName(capturePath).toStdString(), why,
                                                 {.recordEnds = true});
    if (!reader) {
        error = QString::fromStdString(why);
        return false;
    }
    auto output = std::make_unique<QSaveFile>(outputPath);
    if (!output->open(QIODevice::WriteOnly)) {
        error = tr("cannot create %1: %2").arg(outputPath, output->errorString());
        return false;
    }
    // The sink writes through a stream of its own on the same file (it
    // writes large payloads straight to the descriptor).
    const int fd = ::dup(output->handle());
    std::FILE* out = fd >= 0 ? ::fdopen(fd, "wb") : nullptr;
    if (!out) {
        if (fd >= 0)
            ::close(fd);
        error = tr("cannot write %1").arg(outputPath);
        output->cancelWriting();
        return false;
    }
    // Its secrets blocks are read on the thread, from a mapping made here
    // (a temporary copy may be removed once this returns).
    auto capture = std::make_shared<QFile>(capturePath);
    if (!capture->open(QIODevice::ReadOnly))
        capture.reset();
    output_ = std::move(output);
    outputPath_ = outputPath;
    warning_.clear();
    cancel_ = false;
    thread_ = std::thread(&JsonlExport::run, this, std::move(reader), options, std::move(capture),
                          keys_, connections, out, QFileInfo(capturePath).size());
    return true;
}

// On the export thread.
void JsonlExport::run(std::unique_ptr<dissector::CaptureReader> reader,
                      dissector::DissectorOptions options, std::shared_ptr<QFile> capture,
                      KeyLogSource keys, std::set<std::uint32_t> connections, std::FILE* out,
                      qint64 total) {
    QString error;
    QString warning;
    CaptureKeys captureKeys;  // outlives the dissector, which reads it
    {
        const qint64 size = capture ? capture->size() : 0;
        const uchar* map = size > 0 ? capture->map(0, size) : nullptr;
        captureKeys.load(keys, map ? std::span<const std::uint8_t>(map, std::size_t(size))
                                   : std::span<const std::uint8_t>());
        if (map)
            capture->unmap(const_cast<uchar*>(map));
        capture.reset();
        options.keyLog = captureKeys.keys();
    }
    {
        dissector::JsonlSinkOptions sinkOptions;
        if (connections.size() == 1)
            sinkOptions.filter.conn = *connections.begin();
        dissector::JsonlSink jsonl(out, sinkOptions);
        ConnectionsSink some(jsonl, connections);
        dissector::DissectionSink& sink =
            connections.size() > 1 ? static_cast<dissector::DissectionSink&>(some) : jsonl;
        dissector::Dissector dissector(std::move(options), sink);
        auto lastProgress = std::chrono::steady_clock::now();
        std::uint64_t packets = 0;
        while (!cancel_) {
            const auto packet = reader->next();
            if (!packet)
                break;
            dissector.packet(*packet);
            if (++packets % 256 == 0) {
                const auto now = std::chrono::steady_clock::now();
                if (now - lastProgress >= kProgressInterval) {
                    lastProgress = now;
                    emit progress(qint64(packet->recordEnd), total);
                }
            }
        }
        if (cancel_) {
            error = QStringLiteral("cancelled");
        } else {
            // As the CLI: what was read is dissected to the end, then a read error is told.
            dissector.finish();
            if (!jsonl.flush())
                error = tr("cannot write %1: the disk may be full").arg(outputPath_);
            else if (!reader->error().empty())
                warning = QString::fromStdString(reader->error());
        }
    }
    if (std::fclose(out) != 0 && error.isEmpty())
        error = tr("cannot write %1").arg(outputPath_);
    if (error.isEmpty())
        emit progress(total, total);
    QMetaObject::invokeMethod(
        this, [this, error, warning] { done(error, warning); }, Qt::QueuedConnection);
}

void JsonlExport::done(const QString& error, const QString& warning) {
    if (thread_.joinable())
        thread_.join();
    warning_ = warning;
    QString result = error;
    if (result.isEmpty() && !output_->commit())
        result = tr("cannot write %1: %2").arg(outputPath_, output_->errorString());
    else if (!result.isEmpty())
        output_->cancelWriting();
    output_.reset();
    emit finished(result);
}

}  // namespace sockscope::ui
