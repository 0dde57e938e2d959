#pragma once
// Batched line output for the sinks. Lines collect in one batch buffer that is
// written in 64 KiB pieces (one stdio call per line would cost more than
// formatting it), or line by line when a reader must see each at once.
// Batches go to the file descriptor with write(2): fwrite would copy every
// byte once more into stdio's buffer, which `read --format jsonl` (base64 of
// every payload) would feel. Streams without a descriptor use fwrite.
//
// A line is built in two ways that may be mixed: appended to buffer() (a
// string, for the rare and irregular lines), or written in place through
// room()/commit() (the millions of frame and message lines: no bounds check
// or zero fill per character). Whatever buffer() holds belongs after what
// the batch already holds.

#include <cstddef>
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

    // Text appended to the current line (after what room()/commit() wrote).
    std::string& buffer() { return line_; }

    // At least `bytes` writable characters for the current line; commit()
    // says where the written ones end. Valid until the next call on the writer.
    char* room(std::size_t bytes) {
        if (!line_.empty())
            moveLineToBatch();
        if (capacity_ - used_ < bytes)
            grow(bytes);
        return batch_.get() + used_;
    }
    void commit(const char* end) { used_ = static_cast<std::size_t>(end - batch_.get()); }

    // Ends the current line; writes the batch when it is full.
    void endLine() {
        char* p = room(1);
        *p = '\n';
        commit(p + 1);
        if (flushEachLine_ || used_ >= kBatchBytes)
            drain();
    }
    // Base64 of `bytes` as the next characters of the current line. Large
    // payloads skip the batch: they are encoded in cache-sized chunks written
    // straight to the descriptor, which spares growing and copying the batch.
    void appendBase64(std::span<const std::uint8_t> bytes);
    // Writes the batch and flushes the stream; false after any write error.
    bool flush();
    // Whether every write succeeded so far (false after EPIPE, a full disk...).
    bool ok() const { return ok_; }

private:
    static constexpr std::size_t kBatchBytes = 64 * 1024;

    void moveLineToBatch();
    void grow(std::size_t bytes);
    void drain();
    void writeAll(int fd, const char* p, std::size_t left);

    std::FILE* out_;
    bool flushEachLine_;
    std::string line_;
    std::unique_ptr<char[]> batch_;  // lines ready to write, then the current one's start
    std::size_t used_ = 0;
    std::size_t capacity_ = 0;
    std::unique_ptr<char[]> chunk_;  // appendBase64's, once a large payload came
    bool ok_ = true;
};

}  // namespace sockscope::dissector
