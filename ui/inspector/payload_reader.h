#pragma once
// Reads frame and message bytes back from the mapped capture file (and the
// loader's spill file for decompressed payloads and the decrypted streams of
// TLS connections), using the index's packet records and stream segments:
// the model keeps no payload bytes. Qt-free.

#include <sockscope/dissector/capture_reader.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "inspector/capture_index.h"

namespace sockscope::ui {

struct FrameBytes {
    std::vector<std::uint8_t> raw;      // header, mask key and payload as on the wire
    std::vector<std::uint8_t> payload;  // the payload unmasked
    // The mask key from the header's last four bytes (masked frames whose header is in the file).
    std::optional<std::array<std::uint8_t, 4>> maskKey;
    bool complete = false;  // every byte was found (and nothing was cut at `limit`)
};

struct MessageBytes {
    std::vector<std::uint8_t> payload;  // unmasked, decompressed
    bool complete = false;
};

class PayloadReader {
public:
    PayloadReader(const CaptureIndex& index, std::span<const std::uint8_t> file,
                  dissector::CaptureFormat format)
        : index_(index), file_(file), format_(format) {}
    void setSpill(std::span<const std::uint8_t> spill) { spill_ = spill; }

    // Bytes of one direction's stream from `from` on, at most `count`: as many
    // as the capture holds contiguously from there (fewer at a gap or a cut).
    // A TLS connection's stream is the decrypted one, read from the spill file.
    std::vector<std::uint8_t> streamBytes(std::uint32_t conn, dissector::Direction dir,
                                          std::uint64_t from, std::uint64_t count) const;
    // A frame's bytes; at most `limit` payload bytes (large frames are shown in part).
    FrameBytes frame(RowId row, std::size_t limit) const;
    // A message's payload, at most `limit` bytes.
    MessageBytes message(RowId row, std::size_t limit) const;

private:
    // The bytes of run `s` from `skip` on, at most `count`, appended to `out`; false when
    // they are not there (a cut packet, a spill file not mapped that far).
    bool runBytes(bool decrypted, const StreamRun& s, std::uint64_t skip, std::uint64_t count,
                  std::vector<std::uint8_t>& out) const;
    // Where packet `number`'s captured bytes are in the file.
    std::optional<dissector::PacketRecordSpan> packetBytes(std::uint64_t number) const;

    const CaptureIndex& index_;
    std::span<const std::uint8_t> file_;
    dissector::CaptureFormat format_;
    std::span<const std::uint8_t> spill_;
    mutable std::optional<dissector::PacketRecordSpan> last_;  // the last packet found
    mutable std::uint64_t lastNumber_ = 0;
};

}  // namespace sockscope::ui
