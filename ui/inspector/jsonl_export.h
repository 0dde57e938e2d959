#pragma once
// Writes a capture's events as the CLI's JSON Lines (DESIGN.md, "The CLI's
// JSON Lines"), for some connections or all, on a thread of its own: the
// capture file is dissected again with the options the document was opened
// with, into the dissector's own JsonlSink, so the file equals what
// `sockscope-cli read FILE --format jsonl [--conn N]` prints (with the same
// TLS keys: `--keylog FILE` and the capture's own secrets). The output is
// written under a temporary name and appears only when complete: a
// cancelled or failed export leaves no file behind.

#include <sockscope/dissector/dissector.h>

#include <QObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <thread>

#include "inspector/capture_keys.h"

class QFile;
class QSaveFile;

namespace sockscope::dissector {
class CaptureReader;
}

namespace sockscope::ui {

class JsonlExport : public QObject {
    Q_OBJECT

public:
    explicit JsonlExport(QObject* parent = nullptr);
    ~JsonlExport() override;  // cancels and waits for the thread

    // Starts writing the events of `connections` (empty: every event, as the
    // CLI without --conn) of the capture at `capturePath` to `outputPath`.
    // False with a one-line reason when the capture cannot be read, the
    // output cannot be created, or an export is running; finished() follows
    // only a start that returned true.
    bool start(const QString& capturePath, const dissector::DissectorOptions& options,
               const std::set<std::uint32_t>& connections, const QString& outputPath,
               QString& error);
    // The key log the exports started from now on decrypt with (as the
    // document did); a pcapng capture's Decryption Secrets Blocks are used in any case.
    void setKeyLog(const KeyLogSource& keys) { keys_ = {keys.file, false}; }
    void cancel() { cancel_ = true; }
    bool running() const { return thread_.joinable(); }
    QString outputPath() const { return outputPath_; }
    // After a finished() without error: why the capture was not read to its
    // end (a truncated last record), as the CLI says it; the file holds what
    // was read before. Empty when it was read whole.
    QString warning() const { return warning_; }

signals:
    void progress(qint64 bytesRead, qint64 bytesTotal);
    // Empty on success (the file is in place), "cancelled", or why it failed.
    void finished(const QString& error);

private:
    void run(std::unique_ptr<dissector::CaptureReader> reader, dissector::DissectorOptions options,
             std::shared_ptr<QFile> capture, KeyLogSource keys, std::set<std::uint32_t> connections,
             std::FILE* out, qint64 total);
    void done(const QString& error, const QString& warning);

    std::thread thread_;
    std::atomic<bool> cancel_ = false;
    std::unique_ptr<QSaveFile> output_;
    QString outputPath_;
    QString warning_;
    KeyLogSource keys_;
};

}  // namespace sockscope::ui
