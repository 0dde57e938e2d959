#include "sockscope/dissector/line_writer.h"

#include <sockscope/core/base64.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sockscope::dissector {
namespace {

// Payloads from this size on are written straight to the descriptor.
constexpr std::size_t kDirectBytes = 16 * 1024;
// Input bytes per directly written piece: a multiple of 3, so pieces
// concatenate to the payload's base64; 64 KiB of text, which stays in the
// cache between the encoder and write(2) and keeps the write count low.
constexpr std::size_t kChunkBytes = 48 * 1024;

}  // namespace

void LineWriter::appendBase64(std::span<const std::uint8_t> bytes) {
    const int fd = fileno(out_);
    if (bytes.size() < kDirectBytes || fd < 0) {
        char* p = room(base64EncodedSize(bytes.size()));
        base64EncodeTo(bytes, p);
        commit(p + base64EncodedSize(bytes.size()));
        return;
    }
    if (!line_.empty())
        moveLineToBatch();
    drain();  // the line so far goes first
    // On a cache line: the wide SIMD stores of the encoder never split one.
    constexpr std::size_t kLine = 64;
    if (!chunk_)
        chunk_ = std::make_unique_for_overwrite<char[]>(base64EncodedSize(kChunkBytes) + kLine);
    char* const text =
        chunk_.get() + (kLine - reinterpret_cast<std::uintptr_t>(chunk_.get()) % kLine);
    for (std::size_t at = 0; at < bytes.size() && ok_; at += kChunkBytes) {
        const auto part = bytes.subspan(at, std::min(kChunkBytes, bytes.size() - at));
        base64EncodeTo(part, text);
        writeAll(fd, text, base64EncodedSize(part.size()));
    }
}

bool LineWriter::flush() {
    if (!line_.empty())
        moveLineToBatch();
    drain();
    if (std::fflush(out_) != 0)
        ok_ = false;
    return ok_;
}

void LineWriter::moveLineToBatch() {
    const std::size_t n = line_.size();
    if (capacity_ - used_ < n)
        grow(n);
    std::memcpy(batch_.get() + used_, line_.data(), n);
    used_ += n;
    line_.clear();  // keeps the capacity
}

void LineWriter::grow(std::size_t bytes) {
    // A batch is written once it reaches kBatchBytes, so it only outgrows that
    // for one long line (a big handshake, a base64 payload under kDirectBytes).
    const std::size_t capacity = std::max({used_ + bytes, 2 * capacity_, kBatchBytes + 4096});
    auto grown = std::make_unique_for_overwrite<char[]>(capacity);
    if (used_ > 0)
        std::memcpy(grown.get(), batch_.get(), used_);
    batch_ = std::move(grown);
    capacity_ = capacity;
}

void LineWriter::writeAll(int fd, const char* p, std::size_t left) {
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

void LineWriter::drain() {
    if (used_ == 0)
        return;
    // Whatever else went through stdio on this stream comes first.
    if (std::fflush(out_) != 0)
        ok_ = false;
    const int fd = fileno(out_);
    if (fd < 0) {  // a memory stream (tests): stdio is all there is
        if (std::fwrite(batch_.get(), 1, used_, out_) != used_)
            ok_ = false;
    } else {
        writeAll(fd, batch_.get(), used_);
    }
    used_ = 0;
}

}  // namespace sockscope::dissector
