#include "session/stdin_lines.h"

#include <fcntl.h>
#include <unistd.h>

#include <QMetaObject>
#include <QSocketNotifier>
#include <array>
#include <cerrno>
#include <utility>

namespace sockscope::session {
namespace {

constexpr int kStdin = 0;
constexpr std::size_t kReadChunk = 64 * 1024;

}  // namespace

StdinLineReader::StdinLineReader(QObject* parent) : QObject(parent) {}

StdinLineReader::~StdinLineReader() = default;

void StdinLineReader::start() {
    if (::fcntl(kStdin, F_GETFD) == -1) {
        // stdin was closed by whoever started us: treat as empty input.
        QMetaObject::invokeMethod(this, &StdinLineReader::finish, Qt::QueuedConnection);
        return;
    }
    notifier_ = new QSocketNotifier(kStdin, QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, &StdinLineReader::onReadable);
}

void StdinLineReader::onReadable() {
    std::array<char, kReadChunk> buffer;
    // The notifier said readable, so this read does not block.
    const ssize_t n = ::read(kStdin, buffer.data(), buffer.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (n <= 0) {
        finish();
        return;
    }
    pending_.append(buffer.data(), static_cast<qsizetype>(n));
    qsizetype start = 0;
    for (qsizetype newline = pending_.indexOf('\n', start); newline >= 0 && !finished_;
         newline = pending_.indexOf('\n', start)) {
        qsizetype end = newline;
        if (end > start && pending_.at(end - 1) == '\r') {
            --end;
        }
        emit lineRead(pending_.mid(start, end - start));
        start = newline + 1;
    }
    pending_.remove(0, start);
}

void StdinLineReader::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    if (notifier_) {
        notifier_->setEnabled(false);
    }
    if (!pending_.isEmpty()) {
        emit lineRead(std::exchange(pending_, {}));
    }
    emit finished();
}

}  // namespace sockscope::session
