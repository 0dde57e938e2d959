#pragma once
// TLS record framing over one direction's TCP byte stream (RFC 8446 §5.1,
// RFC 5246 §6.2): 5-byte header (type, version, length) and body, whatever
// the TCP segmentation. Whole records inside a fed span are handed out
// without a copy; only a record split across spans is buffered (at most one
// record). After a gap it looks for the next plausible record header and lets
// its handler confirm it (by decrypting it), within bounds.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sockscope::dissector::tls {

inline constexpr std::size_t kRecordHeaderLength = 5;
// TLSCiphertext.length limits: 2^14 + 2048 for TLS 1.2 (RFC 5246 §6.2.3),
// 2^14 + 256 for TLS 1.3 (RFC 8446 §5.2); plaintext at most 2^14.
inline constexpr std::size_t kMaxTls12Body = (1u << 14) + 2048;
inline constexpr std::size_t kMaxTls13Body = (1u << 14) + 256;
inline constexpr std::size_t kMaxPlaintext = 1u << 14;

enum class ContentType : std::uint8_t {
    ChangeCipherSpec = 20,
    Alert = 21,
    Handshake = 22,
    ApplicationData = 23,
    Heartbeat = 24,
};

class RecordHandler {
public:
    virtual ~RecordHandler() = default;
    // A whole record (header + body) starting at stream offset `start`; the
    // bytes are valid during the call.
    virtual void onRecord(std::span<const std::uint8_t> record, std::uint64_t start) = 0;
    // After a gap: is this plausible header and its body really the next
    // record? On true the handler has taken it as onRecord would have.
    virtual bool onResyncCandidate(std::span<const std::uint8_t> record, std::uint64_t start) = 0;
    // The framing is lost (the reader has stopped): what and where.
    enum class Loss : std::uint8_t { NotARecord, Overflow, ResyncFailed };
    virtual void onFramingLost(Loss loss, std::string detail, std::uint64_t offset) = 0;
};

struct ResyncLimits {
    std::size_t candidates = 16;         // plausible headers tried after one gap
    std::size_t scanBytes = 256u << 10;  // bytes looked through after one gap
};

class RecordReader {
public:
    explicit RecordReader(std::uint64_t startOffset = 0, ResyncLimits limits = {})
        : end_(startOffset), bufferStart_(startOffset), limits_(limits) {}

    void feed(std::span<const std::uint8_t> bytes, RecordHandler& handler);
    // `missing` bytes were never captured: the framing is lost; look for it
    // again in what follows (resynchronising()).
    void gap(std::uint64_t missing);
    // No more bytes will be read (the handler gave up on this direction).
    void stop();

    bool stopped() const { return mode_ == Mode::Stopped; }
    bool resynchronising() const { return mode_ == Mode::Resync; }
    // Stream offset of the next byte to come.
    std::uint64_t offset() const { return end_; }
    // Bytes of an unfinished record held (and its start), e.g. at the end.
    std::size_t pendingBytes() const { return mode_ == Mode::Normal ? buffer_.size() : 0; }
    std::uint64_t pendingStart() const { return bufferStart_; }
    // The unfinished record's full length (header + body), or 0 while its
    // header is incomplete.
    std::size_t pendingRecordLength() const;

private:
    enum class Mode : std::uint8_t { Normal, Resync, Stopped };

    void feedNormal(std::span<const std::uint8_t> bytes, RecordHandler& handler);
    void feedResync(std::span<const std::uint8_t> bytes, RecordHandler& handler);
    // false (and stopped) when `header` cannot start a record.
    bool checkHeader(const std::uint8_t* header, std::uint64_t offset, RecordHandler& handler);
    void lose(RecordHandler::Loss loss, std::string detail, std::uint64_t offset,
              RecordHandler& handler);

    Mode mode_ = Mode::Normal;
    std::uint64_t end_ = 0;
    std::vector<std::uint8_t> buffer_;  // an unfinished record, or bytes being scanned
    std::uint64_t bufferStart_ = 0;
    ResyncLimits limits_;
    std::size_t candidatesTried_ = 0;
    std::uint64_t scanned_ = 0;
};

}  // namespace sockscope::dissector::tls
