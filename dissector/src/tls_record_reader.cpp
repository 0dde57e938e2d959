#include "tls_record_reader.h"

#include <algorithm>
#include <cstdio>

namespace sockscope::dissector::tls {

namespace {

std::size_t bodyLength(const std::uint8_t* header) {
    return static_cast<std::size_t>(header[3]) << 8 | header[4];
}

// A header worth trying after a gap: what a protected record of TLS 1.2 or
// 1.3 looks like (`available` may be under 5 at the end of the scanned bytes).
bool plausible(const std::uint8_t* p, std::size_t available) {
    if (p[0] < static_cast<std::uint8_t>(ContentType::Alert) ||
        p[0] > static_cast<std::uint8_t>(ContentType::ApplicationData))
        return false;
    if (available > 1 && p[1] != 3)
        return false;
    if (available > 2 && p[2] != 3)
        return false;
    if (available < kRecordHeaderLength)
        return true;
    const std::size_t length = bodyLength(p);
    return length > 0 && length <= kMaxTls12Body;
}

}  // namespace

std::size_t RecordReader::pendingRecordLength() const {
    if (mode_ != Mode::Normal || buffer_.size() < kRecordHeaderLength)
        return 0;
    return kRecordHeaderLength + bodyLength(buffer_.data());
}

void RecordReader::stop() {
    // The buffer may be what the handler is looking at: freed on the next feed.
    mode_ = Mode::Stopped;
}

void RecordReader::gap(std::uint64_t missing) {
    end_ += missing;
    if (mode_ == Mode::Stopped)
        return;
    buffer_.clear();
    bufferStart_ = end_;
    mode_ = Mode::Resync;
    candidatesTried_ = 0;
    scanned_ = 0;
}

void RecordReader::lose(RecordHandler::Loss loss, std::string detail, std::uint64_t offset,
                        RecordHandler& handler) {
    stop();
    handler.onFramingLost(loss, std::move(detail), offset);
}

bool RecordReader::checkHeader(const std::uint8_t* header, std::uint64_t offset,
                               RecordHandler& handler) {
    const std::uint8_t type = header[0];
    if (type < static_cast<std::uint8_t>(ContentType::ChangeCipherSpec) ||
        type > static_cast<std::uint8_t>(ContentType::Heartbeat) || header[1] != 3 ||
        header[2] > 4) {
        char detail[128];
        std::snprintf(detail, sizeof detail,
                      "the bytes at stream offset %llu are not a TLS record header (content type "
                      "%u, version 0x%02x%02x)",
                      static_cast<unsigned long long>(offset), type, header[1], header[2]);
        lose(RecordHandler::Loss::NotARecord, detail, offset, handler);
        return false;
    }
    const std::size_t length = bodyLength(header);
    if (length > kMaxTls12Body) {
        lose(RecordHandler::Loss::Overflow,
             "record length " + std::to_string(length) + " is over the " +
                 std::to_string(kMaxTls12Body) + "-byte limit of TLSCiphertext",
             offset, handler);
        return false;
    }
    return true;
}

void RecordReader::feed(std::span<const std::uint8_t> bytes, RecordHandler& handler) {
    if (mode_ == Mode::Stopped) {
        end_ += bytes.size();
        std::vector<std::uint8_t>().swap(buffer_);
        return;
    }
    if (mode_ == Mode::Resync)
        feedResync(bytes, handler);
    else
        feedNormal(bytes, handler);
}

void RecordReader::feedNormal(std::span<const std::uint8_t> bytes, RecordHandler& handler) {
    while (!bytes.empty()) {
        if (mode_ != Mode::Normal) {
            end_ += bytes.size();
            return;
        }
        if (buffer_.empty()) {
            // Whole records straight from the caller's bytes.
            if (bytes.size() >= kRecordHeaderLength) {
                if (!checkHeader(bytes.data(), end_, handler)) {
                    end_ += bytes.size();
                    return;
                }
                const std::size_t length = kRecordHeaderLength + bodyLength(bytes.data());
                if (bytes.size() >= length) {
                    const std::uint64_t start = end_;
                    end_ += length;
                    handler.onRecord(bytes.first(length), start);
                    bytes = bytes.subspan(length);
                    continue;
                }
                buffer_.reserve(length);
            }
            bufferStart_ = end_;
        }
        // Complete the header, then the body, in the buffer.
        const std::size_t target = buffer_.size() < kRecordHeaderLength
                                       ? kRecordHeaderLength
                                       : kRecordHeaderLength + bodyLength(buffer_.data());
        const std::size_t take = std::min(target - buffer_.size(), bytes.size());
        buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + take);
        bytes = bytes.subspan(take);
        end_ += take;
        if (buffer_.size() == kRecordHeaderLength) {
            if (!checkHeader(buffer_.data(), bufferStart_, handler)) {
                end_ += bytes.size();
                return;
            }
            buffer_.reserve(kRecordHeaderLength + bodyLength(buffer_.data()));
        }
        if (buffer_.size() >= kRecordHeaderLength &&
            buffer_.size() == kRecordHeaderLength + bodyLength(buffer_.data())) {
            handler.onRecord(buffer_, bufferStart_);
            buffer_.clear();
        }
    }
}

void RecordReader::feedResync(std::span<const std::uint8_t> bytes, RecordHandler& handler) {
    const std::size_t capacity = kRecordHeaderLength + kMaxTls12Body;
    for (;;) {
        const std::size_t take = std::min(capacity - buffer_.size(), bytes.size());
        buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + take);
        bytes = bytes.subspan(take);
        end_ += take;

        // Drop what cannot start a record; try each plausible header whose
        // body is complete.
        bool needMore = false;
        while (!needMore) {
            std::size_t skip = 0;
            while (skip < buffer_.size() &&
                   !plausible(buffer_.data() + skip, buffer_.size() - skip))
                ++skip;
            buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(skip));
            bufferStart_ += skip;
            scanned_ += skip;
            if (scanned_ > limits_.scanBytes) {
                lose(RecordHandler::Loss::ResyncFailed,
                     "no record boundary found in the " + std::to_string(limits_.scanBytes) +
                         " bytes after the gap",
                     bufferStart_, handler);
                end_ += bytes.size();
                return;
            }
            if (buffer_.size() < kRecordHeaderLength ||
                buffer_.size() < kRecordHeaderLength + bodyLength(buffer_.data())) {
                needMore = true;
                break;
            }
            const std::size_t length = kRecordHeaderLength + bodyLength(buffer_.data());
            const bool taken =
                handler.onResyncCandidate(std::span(buffer_).first(length), bufferStart_);
            if (mode_ != Mode::Resync) {
                end_ += bytes.size();
                return;
            }
            if (taken) {
                // Back in step: what follows the record is read normally.
                std::vector<std::uint8_t> rest(
                    buffer_.begin() + static_cast<std::ptrdiff_t>(length), buffer_.end());
                const std::uint64_t restStart = bufferStart_ + length;
                buffer_.clear();
                mode_ = Mode::Normal;
                end_ = restStart;
                feedNormal(rest, handler);
                feedNormal(bytes, handler);
                return;
            }
            if (++candidatesTried_ >= limits_.candidates) {
                lose(RecordHandler::Loss::ResyncFailed,
                     "none of the " + std::to_string(limits_.candidates) +
                         " plausible record headers after the gap could be decrypted",
                     bufferStart_, handler);
                end_ += bytes.size();
                return;
            }
            buffer_.erase(buffer_.begin());
            ++bufferStart_;
            ++scanned_;
        }
        if (bytes.empty())
            return;
    }
}

}  // namespace sockscope::dissector::tls
