#pragma once
// Batched line output for the sinks: lines are built in one reused string and
// written in 64 KiB batches (one stdio call per line would cost more than
// formatting it), or line by line when a reader must see each at once.

#include <cstdio>
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

    void drain() {
        if (!buffer_.empty() &&
            std::fwrite(buffer_.data(), 1, buffer_.size(), out_) != buffer_.size())
            ok_ = false;
        buffer_.clear();
        if (flushEachLine_ && std::fflush(out_) != 0)
            ok_ = false;
    }

    std::FILE* out_;
    bool flushEachLine_;
    std::string buffer_;
    bool ok_ = true;
};

}  // namespace sockscope::dissector
