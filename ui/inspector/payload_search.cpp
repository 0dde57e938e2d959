#include "inspector/payload_search.h"

#include <QFile>
#include <QMetaObject>
#include <QRegularExpression>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "inspector/capture_document.h"
#include "inspector/payload_reader.h"

namespace sockscope::ui {
namespace {

constexpr std::size_t kRecordLimit = std::size_t(64) << 20;  // payload bytes searched per record
constexpr std::size_t kChunk = std::size_t(1) << 20;         // cancel is checked between chunks
// Decompressed payloads copied out per trip to the GUI thread.
constexpr std::size_t kFetchRecords = 1024;
constexpr std::uint64_t kFetchBytes = std::uint64_t(16) << 20;

std::uint8_t asciiLower(std::uint8_t c) {
    return c >= 'A' && c <= 'Z' ? std::uint8_t(c + ('a' - 'A')) : c;
}

}  // namespace

struct PayloadMatcher::Regex {
    QRegularExpression expression;
};

PayloadMatcher::~PayloadMatcher() = default;

std::unique_ptr<PayloadMatcher> PayloadMatcher::make(const SearchQuery& query, QString& error) {
    std::unique_ptr<PayloadMatcher> m(new PayloadMatcher);
    if (query.regex) {
        const auto options = query.caseSensitive ? QRegularExpression::NoPatternOption
                                                 : QRegularExpression::CaseInsensitiveOption;
        m->regex_ = std::make_unique<Regex>(Regex{QRegularExpression(query.text, options)});
        const QRegularExpression& re = m->regex_->expression;
        if (!re.isValid()) {
            error = PayloadSearch::tr("invalid regular expression: %1 (at %2)")
                        .arg(re.errorString())
                        .arg(re.patternErrorOffset());
            return nullptr;
        }
        m->regex_->expression.optimize();
        return m;
    }
    for (int b = 0; b < 256; ++b)
        m->fold_[b] = query.caseSensitive ? std::uint8_t(b) : asciiLower(std::uint8_t(b));
    const QByteArray utf8 = query.text.toUtf8();
    for (const char c : utf8)
        m->needle_.push_back(m->fold_[std::uint8_t(c)]);
    // Horspool's shift for the haystack byte under the needle's last position,
    // indexed by the raw byte so the hot loop folds nothing for it.
    const std::size_t n = m->needle_.size();
    std::size_t folded[256];
    std::fill(std::begin(folded), std::end(folded), n);
    for (std::size_t k = 0; k + 1 < n; ++k)
        folded[m->needle_[k]] = n - 1 - k;
    for (int b = 0; b < 256; ++b)
        m->skip_[b] = folded[m->fold_[b]];
    return m;
}

bool PayloadMatcher::findText(std::span<const std::uint8_t> h) const {
    const std::size_t n = needle_.size();
    const std::size_t last = n - 1;
    for (std::size_t i = 0; i + n <= h.size(); i += skip_[h[i + last]]) {
        std::size_t j = last;
        while (fold_[h[i + j]] == needle_[j]) {
            if (j == 0)
                return true;
            --j;
        }
    }
    return false;
}

bool PayloadMatcher::matches(std::span<const std::uint8_t> payload,
                             const std::atomic<bool>& cancel) const {
    if (regex_) {
        const QString text = QString::fromUtf8(reinterpret_cast<const char*>(payload.data()),
                                               qsizetype(payload.size()));
        return !cancel && regex_->expression.match(text).hasMatch();
    }
    const std::size_t n = needle_.size();
    if (n == 0)
        return true;
    // Windows overlap by n - 1 bytes, so every start position is tried once.
    for (std::size_t at = 0; at + n <= payload.size(); at += kChunk) {
        if (cancel)
            return false;
        if (findText(payload.subspan(at, std::min(payload.size() - at, kChunk + n - 1))))
            return true;
    }
    return false;
}

// What one search shares between the GUI thread and its worker.
struct PayloadSearch::Run {
    const CaptureDocument* document = nullptr;
    const CaptureIndex* index = nullptr;
    std::span<const std::uint8_t> file;  // empty: every payload is fetched
    // The spill file as far as the held index points into it (empty: the
    // decrypted streams are fetched too).
    std::span<const std::uint8_t> spill;
    dissector::CaptureFormat format = dissector::CaptureFormat::Pcap;
    SearchQuery query;
    RowId from = 0;
    RowId to = 0;
    std::atomic<bool> cancel = false;

    // A batch of payloads the worker waits for (read on the GUI thread).
    std::mutex mutex;
    std::condition_variable wake;
    std::vector<RowId> fetchIds;
    std::vector<std::vector<std::uint8_t>> fetched;
    bool fetchDone = false;

    // Written by the worker before it reports the end; read on the GUI thread after.
    std::shared_ptr<std::vector<RowId>> matches;
    QString error;

    void stop() {
        cancel = true;
        {
            const std::lock_guard lock(mutex);  // a worker between its test and its wait sees it
        }
        wake.notify_all();
    }
    // Payloads the worker cannot read itself: decompressed ones (the spill
    // file's mapping belongs to the GUI thread), decrypted ones when it has
    // no mapping of the spill file of its own, and all of them without a
    // mapping of the capture (a live capture has no path to map).
    bool fetchedOnGui(RowId id) const {
        if (file.empty())
            return true;
        if (query.frames)
            return spill.empty() && index->decrypted(index->frame(id).conn);
        const MessageRecord m = index->message(id);
        return (m.flags & message_flag::Compressed) || (spill.empty() && index->decrypted(m.conn));
    }
    std::uint64_t length(RowId id) const {
        return query.frames ? index->frame(id).payloadLength : index->message(id).length;
    }
};

// A worker thread and what must stay alive until it ends: the file mapping
// it reads and the index hold (released on the GUI thread).
struct PayloadSearch::Worker {
    std::shared_ptr<Run> run;
    QFile file;
    QFile spill;
    std::shared_ptr<void> hold;
    std::thread thread;
    ~Worker() {
        if (thread.joinable())
            thread.join();
    }
};

PayloadSearch::PayloadSearch(QObject* parent) : QObject(parent) {
    qRegisterMetaType<std::shared_ptr<const std::vector<RowId>>>();
}

PayloadSearch::~PayloadSearch() {
    for (const auto& worker : workers_)
        worker->run->stop();
    workers_.clear();  // joins; holds are released here, on the GUI thread
}

void PayloadSearch::start(const CaptureDocument& document, SearchQuery query, RowId from,
                          RowId to) {
    cancel();
    auto worker = std::make_unique<Worker>();
    // Holding delays appends to the index and changes nothing a const reader sees.
    worker->hold = const_cast<CaptureDocument&>(document).holdIndex();
    auto run = std::make_shared<Run>();
    run->document = &document;
    run->index = &document.index();
    const RowId count = query.frames ? run->index->frameCount() : run->index->messageCount();
    run->query = std::move(query);
    run->to = std::min(to, count);
    run->from = std::min(from, run->to);
    // A mapping of our own: nobody remaps or unmaps it while the worker reads.
    if (run->to > run->from && !document.path().isEmpty()) {
        worker->file.setFileName(document.path());
        const qint64 size = worker->file.open(QIODevice::ReadOnly) ? worker->file.size() : 0;
        if (uchar* map = size > 0 ? worker->file.map(0, size) : nullptr)
            run->file = std::span<const std::uint8_t>(map, std::size_t(size));
        const auto& f = run->file;
        run->format = f.size() >= 4 && f[0] == 0x0A && f[1] == 0x0D && f[2] == 0x0D && f[3] == 0x0A
                          ? dissector::CaptureFormat::Pcapng
                          : dissector::CaptureFormat::Pcap;
        // Every run of the held index lies in what the spill file holds now.
        worker->spill.setFileName(document.spillPath());
        const qint64 spillSize =
            !worker->spill.fileName().isEmpty() && worker->spill.open(QIODevice::ReadOnly)
                ? worker->spill.size()
                : 0;
        if (uchar* map = spillSize > 0 ? worker->spill.map(0, spillSize) : nullptr)
            run->spill = std::span<const std::uint8_t>(map, std::size_t(spillSize));
    }
    worker->run = run;
    current_ = run;
    worker->thread = std::thread([this, run] { work(run); });
    workers_.push_back(std::move(worker));
}

void PayloadSearch::cancel() {
    if (!current_)
        return;
    current_->stop();
    current_.reset();
}

// On the worker thread.
void PayloadSearch::work(std::shared_ptr<Run> run) {
    QString error;
    const std::unique_ptr<PayloadMatcher> matcher = PayloadMatcher::make(run->query, error);
    auto matches = std::make_shared<std::vector<RowId>>();
    if (matcher) {
        PayloadReader reader(*run->index, run->file, run->format);
        reader.setSpill(run->spill);
        std::vector<RowId> fetchedIds;  // payloads fetched ahead, in id order
        std::vector<std::vector<std::uint8_t>> fetched;
        std::size_t next = 0;
        int percent = -1;
        std::vector<std::uint8_t> payload;
        for (RowId id = run->from; id < run->to && !run->cancel; ++id) {
            if (run->fetchedOnGui(id)) {
                if (next == fetchedIds.size() || fetchedIds[next] != id) {
                    fetchedIds.clear();
                    std::uint64_t bytes = 0;
                    for (RowId r = id; r < run->to && fetchedIds.size() < kFetchRecords &&
                                       (fetchedIds.empty() || bytes < kFetchBytes);
                         ++r) {
                        if (run->fetchedOnGui(r)) {
                            fetchedIds.push_back(r);
                            bytes += std::min<std::uint64_t>(run->length(r), kRecordLimit);
                        }
                    }
                    if (!fetch(run, fetchedIds, fetched))
                        break;
                    next = 0;
                }
                payload = std::move(fetched[next++]);
            } else if (run->query.frames) {
                payload = reader.frame(id, kRecordLimit).payload;
            } else {
                payload = reader.message(id, kRecordLimit).payload;
            }
            if (matcher->matches(payload, run->cancel))
                matches->push_back(id);
            const int now = int((id - run->from + 1) * 100 / (run->to - run->from));
            if (now != percent) {
                percent = now;
                QMetaObject::invokeMethod(
                    this,
                    [this, run, now] {
                        if (run == current_)
                            emit progress(now);
                    },
                    Qt::QueuedConnection);
            }
        }
    }
    run->matches = std::move(matches);
    run->error = error;
    QMetaObject::invokeMethod(
        this, [this, run] { ended(run); }, Qt::QueuedConnection);
}

// On the worker thread: asks the GUI thread for payloads and waits.
bool PayloadSearch::fetch(const std::shared_ptr<Run>& run, const std::vector<RowId>& ids,
                          std::vector<std::vector<std::uint8_t>>& out) {
    {
        const std::lock_guard lock(run->mutex);
        run->fetchIds = ids;
        run->fetched.clear();
        run->fetchDone = false;
    }
    QMetaObject::invokeMethod(
        this, [this, run] { serveFetch(run); }, Qt::QueuedConnection);
    std::unique_lock lock(run->mutex);
    run->wake.wait(lock, [&run] { return run->fetchDone || run->cancel; });
    if (!run->fetchDone)
        return false;
    out = std::move(run->fetched);
    return out.size() == ids.size();
}

// On the GUI thread, where the document maps its files.
void PayloadSearch::serveFetch(const std::shared_ptr<Run>& run) {
    if (run->cancel)
        return;
    std::vector<RowId> ids;
    {
        const std::lock_guard lock(run->mutex);
        ids = run->fetchIds;
    }
    std::vector<std::vector<std::uint8_t>> payloads;
    payloads.reserve(ids.size());
    for (const RowId id : ids)
        payloads.push_back(run->query.frames
                               ? run->document->frameBytes(id, kRecordLimit).payload
                               : run->document->messageBytes(id, kRecordLimit).payload);
    {
        const std::lock_guard lock(run->mutex);
        run->fetched = std::move(payloads);
        run->fetchDone = true;
    }
    run->wake.notify_all();
}

// On the GUI thread, once per worker.
void PayloadSearch::ended(const std::shared_ptr<Run>& run) {
    std::unique_ptr<Worker> worker;
    const auto it = std::find_if(workers_.begin(), workers_.end(),
                                 [&run](const auto& w) { return w->run == run; });
    if (it != workers_.end()) {
        worker = std::move(*it);
        workers_.erase(it);
        worker->thread.join();  // it posted this as its last act
    }
    if (run == current_ && !run->cancel) {
        current_.reset();
        const RowId searchedUpTo = run->error.isEmpty() ? run->to : run->from;
        emit finished(std::move(run->matches), searchedUpTo, run->error);
    }
    // `worker` goes last: releasing its hold applies the batches that waited
    // (appended() may start the next search from a slot).
}

}  // namespace sockscope::ui
