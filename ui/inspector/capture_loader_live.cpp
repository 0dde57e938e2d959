// CaptureLoader's live half: the capture is opened on the caller's thread
// (errors come back at once), then packets are polled, appended to a
// temporary pcapng file and dissected on the loader thread.
#include <sockscope/dissector/pcapng_writer.h>

#include <QDir>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "inspector/batch_pacer.h"
#include "inspector/capture_loader.h"
#include "inspector/indexing_sink.h"

namespace sockscope::ui {
namespace {

// poll() waits at most this long, so a stop is noticed quickly.
constexpr int kPollMs = 50;
constexpr auto kStatsInterval = std::chrono::milliseconds(100);
// How often a followed key log is checked for new lines (as sockscope-cli capture does).
constexpr auto kKeyLogFollowInterval = std::chrono::milliseconds(250);

}  // namespace

bool CaptureLoader::startLive(const dissector::LiveCaptureOptions& captureOptions,
                              dissector::DissectorOptions options, QString& error) {
    if (!prepare()) {
        error = tr("a capture is still running");
        return false;
    }
    std::string why;
    std::unique_ptr<dissector::LiveCapture> capture =
        dissector::LiveCapture::open(captureOptions, why);
    if (!capture) {
        error = QString::fromStdString(why);
        return false;
    }
    return startCapture(std::move(capture), captureOptions.interface, std::move(options), error);
}

bool CaptureLoader::startStream(int fd, const QString& name, dissector::DissectorOptions options,
                                QString& error) {
    if (!prepare()) {
        if (fd >= 0)
            ::close(fd);
        error = tr("a capture is still running");
        return false;
    }
    std::string why;
    std::unique_ptr<dissector::LiveCapture> capture =
        dissector::LiveCapture::openStream(fd, name.toStdString(), why);
    if (!capture) {
        error = QString::fromStdString(why);
        return false;
    }
    return startCapture(std::move(capture), name.toStdString(), std::move(options), error);
}

bool CaptureLoader::startCapture(std::unique_ptr<dissector::LiveCapture> capture,
                                 const std::string& interfaceName,
                                 dissector::DissectorOptions options, QString& error) {
    std::string why;
    capture_ = std::make_unique<QTemporaryFile>(QDir::tempPath() +
                                                QStringLiteral("/sockscope-live-XXXXXX.pcapng"));
    const int fd = capture_->open() ? ::dup(static_cast<int>(capture_->handle())) : -1;
    std::FILE* out = fd >= 0 ? ::fdopen(fd, "wb") : nullptr;
    if (!out) {
        if (fd >= 0)
            ::close(fd);
        error = tr("cannot create a temporary capture file: %1").arg(capture_->errorString());
        capture_.reset();
        return false;
    }
    std::unique_ptr<dissector::PcapngWriter> writer = dissector::PcapngWriter::wrap(out, why);
    if (writer)
        writer->addInterface({capture->linkType(), capture->snaplen(), interfaceName, {}});
    if (!writer || !writer->flush()) {
        error = tr("cannot write a temporary capture file: %1")
                    .arg(QString::fromStdString(writer ? writer->error() : why));
        writer.reset();
        std::fclose(out);
        capture_.reset();
        return false;
    }
    // The packets' record ends are known from the stream position; the file is
    // flushed once per batch, not per packet.
    writer->setFlushEvery(0);
    liveHeaderSize_ = qint64(::ftello(out));
    live_ = true;
    running_ = true;
    std::FILE* spill = openSpill();
    // A browser writes a connection's secrets as its handshake goes, often
    // after the capture started: the key log is followed, and a connection
    // that ended before its keys came waits a little for them.
    const KeyLogSource keys{keys_.file, true};
    if (!keys.file.isEmpty())
        options.tlsKeyWaitSeconds = std::max(options.tlsKeyWaitSeconds, kLiveKeyWaitSeconds);
    thread_ = std::thread(&CaptureLoader::runLive, this, std::move(capture), std::move(writer), out,
                          std::move(options), keys, spill);
    return true;
}

void CaptureLoader::runLive(std::unique_ptr<dissector::LiveCapture> capture,
                            std::unique_ptr<dissector::PcapngWriter> writer, std::FILE* out,
                            dissector::DissectorOptions options, KeyLogSource keys,
                            std::FILE* spill) {
    using Clock = std::chrono::steady_clock;
    std::string error;
    auto lastStats = Clock::now();
    auto lastFollow = lastStats;
    // Outlives the dissector, which reads it.
    CaptureKeys captureKeys;
    captureKeys.load(keys, std::string());
    options.keyLog = captureKeys.keys();
    emit keysLoaded(captureKeys.report());
    QString reported = captureKeys.report().text();
    const auto updateDrops = [&] {
        if (const auto stats = capture->stats())
            dropped_ = stats->dropped;
        lastStats = Clock::now();
    };
    {
        IndexingSink sink(spill);
        dissector::Dissector dissector(std::move(options), sink);
        BatchPacer pacer(sink, spill, [this](std::shared_ptr<CaptureBatch> b) {
            emit batchReady(std::move(b));
        });
        const auto writeFailed = [&] {
            error = "cannot write the temporary capture file: " + writer->error();
        };
        const auto onPacket = [&](const dissector::RawPacket& packet) {
            if (!error.empty())
                return;  // stopping: what the file lacks cannot be shown
            if (!writer->write(packet)) {
                writeFailed();
                return;
            }
            dissector::RawPacket written = packet;
            written.recordEnd = std::uint64_t(::ftello(out));
            sink.packet(written);
            dissector.packet(written);
        };
        while (!cancel_ && error.empty() && !capture->ended()) {
            if (capture->poll(kPollMs, onPacket) < 0) {
                error = capture->error();  // e.g. the interface went away
                break;
            }
            if (Clock::now() - lastStats >= kStatsInterval)
                updateDrops();
            if (Clock::now() - lastFollow >= kKeyLogFollowInterval) {
                lastFollow = Clock::now();
                if (captureKeys.follow())
                    dissector.keysAdded();
                // Told when something changed (keys added, the file appeared or went away).
                if (captureKeys.report().text() != reported) {
                    reported = captureKeys.report().text();
                    emit keysLoaded(captureKeys.report());
                }
            }
            if (pacer.due()) {
                // The GUI maps the file when the batch arrives: its packets must be there.
                if (!writer->flush() && error.empty())
                    writeFailed();
                pacer.handOver();
            }
        }
        // Keys written just before the end still count.
        if (captureKeys.follow())
            dissector.keysAdded();
        dissector.finish();
        if (!writer->flush() && error.empty())
            writeFailed();
        updateDrops();
        pacer.handOver();
        if (sink.spillFailed() && error.empty())
            error = "could not write decompressed payloads or decrypted bytes to a temporary file";
    }
    writer.reset();
    std::fclose(out);
    if (spill)
        std::fclose(spill);
    running_ = false;
    emit finished(QString::fromStdString(error), dissector::CaptureFormat::Pcapng);
}

}  // namespace sockscope::ui
