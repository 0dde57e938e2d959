#pragma once
// Batched line output for the sinks: lines are built in one reused string and
// written in 64 KiB batches (one stdio call per line would cost more than
// formatting it), or line by line when a reader must see each at once.
// Batches go to the file descriptor with write(2): fwrite would copy every
// byte once more into stdio's buffer, which `read --format jsonl` (base64 of
// every payload) would feel. Streams without a descriptor use fwrite.

#include <sockscope/core/base64.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

namespace sockscope::dissector {

class LineWriter {
public:
    LineWriter(std::FILE* out, bool flushEachLine) : out_(out), flushEachLine_(flushEachLine) {}
    ~LineWriter() { flush(); }
    LineWriter(const LineWriter&) = delete;
    LineWriter& operator=(const LineWriter&) = delete;

    // The text of the current line (and of the batched lines before it).
    std::string& buffer() { return buffer_; }
    // Ends the current line; writes the batch when it is full.
    void endLine() {
        buffer_ += '\n';
        if (flushEachLine_ || buffer_.size() >= kBatchBytes)
            drain();
    }
    // Base64 of `bytes` as the next characters of the current line. Large
    // payloads skip the line buffer: they are encoded in cache-sized chunks
    // written straight to the descriptor, which spares zero-filling and
    // copying megabytes of string (a few percent of `read --format jsonl`).
    void appendBase64(std::span<const std::uint8_t> bytes) {
        const int fd = fileno(out_);
        if (bytes.size() < kDirectBytes || fd < 0) {
            base64Append(buffer_, bytes);
            return;
        }
        drain();  // the line so far goes first
        if (!chunk_)
            chunk_ = std::make_unique_for_overwrite<char[]>(base64EncodedSize(kChunkBytes));
        for (std::size_t at = 0; at < bytes.size() && ok_; at += kChunkBytes) {
            const auto part = bytes.subspan(at, std::min(kChunkBytes, bytes.size() - at));
            base64EncodeTo(part, chunk_.get());
            writeAll(fd, chunk_.get(), base64EncodedSize(part.size()));
        }
    }
    // Writes the batch and flushes the stream; false after any write error.
    bool flush() {
        drain();
        if (std::fflush(out_) != 0)
            ok_ = false;
        return ok_;
    }
    // Whether every write succeeded so far (false after EPIPE, a full disk...).
    bool ok() const { return ok_; }

private:
    static constexpr std::size_t kBatchBytes = 64 * 1024;
    static constexpr std::size_t kDirectBytes = 16 * 1024;
    static constexpr std::size_t kChunkBytes = 96 * 1024;  // a multiple of 3: chunks concatenate

    void writeAll(int fd, const char* p, std::size_t left) {
        while (ok_ && left > 0) {
            const ssize_t n = ::write(fd, p, left);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                ok_ = false;
                break;
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    }

    void drain() {
        if (buffer_.empty())
            return;
        // Whatever else went through stdio on this stream comes first.
        if (std::fflush(out_) != 0)
            ok_ = false;
        const int fd = fileno(out_);
        if (fd < 0) {  // a memory stream (tests): stdio is all there is
            if (std::fwrite(buffer_.data(), 1, buffer_.size(), out_) != buffer_.size())
                ok_ = false;
            buffer_.clear();
            return;
        }
        writeAll(fd, buffer_.data(), buffer_.size());
        buffer_.clear();
    }

    std::FILE* out_;
    bool flushEachLine_;
    std::string buffer_;
    std::unique_ptr<char[]> chunk_;  // appendBase64's, once a large payload came
    bool ok_ = true;
};

}  // namespace sockscope::dissector
