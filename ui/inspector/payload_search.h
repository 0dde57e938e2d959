#pragma once
// Text and regex search in payloads, on a worker thread: which records of a
// range (messages: unmasked, decompressed payloads; frames: unmasked frame
// payloads) contain the query. The worker reads the CaptureIndex under
// CaptureDocument::holdIndex() (batches that arrive meanwhile wait instead of
// moving the index under it) and the capture file (and the spill file's
// decrypted TLS streams) through mappings of its own. What only the GUI
// thread may read (decompressed payloads in the document's spill file, which
// it remaps at will; every payload of a live capture, whose file the document
// maps) is copied out on the GUI thread in batches and matched on the worker.

#include <QObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "inspector/capture_records.h"

namespace sockscope::ui {

class CaptureDocument;

struct SearchQuery {
    QString text;
    bool regex = false;
    bool caseSensitive = false;  // text: ASCII case folding when off
    bool frames = false;         // else messages
};

// Does a payload contain the query? Text: the UTF-8 bytes of the query
// (Horspool; ASCII letters folded unless case-sensitive, other bytes exact).
// Regex: QRegularExpression over the payload decoded as UTF-8. One matcher
// per thread.
class PayloadMatcher {
public:
    // nullptr and a one-line reason when the regex is invalid.
    static std::unique_ptr<PayloadMatcher> make(const SearchQuery& query, QString& error);
    ~PayloadMatcher();

    // False as well when `cancel` turns true before the answer is known.
    bool matches(std::span<const std::uint8_t> payload, const std::atomic<bool>& cancel) const;

private:
    PayloadMatcher() = default;
    bool findText(std::span<const std::uint8_t> haystack) const;

    struct Regex;
    std::unique_ptr<Regex> regex_;
    std::vector<std::uint8_t> needle_;  // folded unless case-sensitive
    std::uint8_t fold_[256]{};
    std::size_t skip_[256]{};
};

class PayloadSearch : public QObject {
    Q_OBJECT

public:
    explicit PayloadSearch(QObject* parent = nullptr);
    // Cancels and waits for the workers. The document must outlive this object.
    ~PayloadSearch() override;

    // Searches records [from, to) of the document (`to` is clamped to the
    // records indexed now). Cancels a running search. GUI thread.
    void start(const CaptureDocument& document, SearchQuery query, RowId from, RowId to);
    // The running search will not report (its worker stops at the next record
    // or megabyte). Returns at once.
    void cancel();
    bool running() const { return current_ != nullptr; }

signals:
    void progress(int percent);
    // Once per search that was not cancelled. `matches` are sorted record ids
    // in [from, searchedUpTo); with an error, they are empty.
    void finished(std::shared_ptr<const std::vector<sockscope::ui::RowId>> matches,
                  sockscope::ui::RowId searchedUpTo, QString error);

private:
    struct Run;
    struct Worker;
    void work(std::shared_ptr<Run> run);
    bool fetch(const std::shared_ptr<Run>& run, const std::vector<RowId>& ids,
               std::vector<std::vector<std::uint8_t>>& out);
    void serveFetch(const std::shared_ptr<Run>& run);
    void ended(const std::shared_ptr<Run>& run);

    const CaptureDocument* document_ = nullptr;
    std::shared_ptr<Run> current_;
    std::vector<std::unique_ptr<Worker>> workers_;  // the current one and cancelled ones ending
};

}  // namespace sockscope::ui

Q_DECLARE_METATYPE(std::shared_ptr<const std::vector<sockscope::ui::RowId>>)
