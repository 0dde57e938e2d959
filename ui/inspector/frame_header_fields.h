#pragma once
// A frame header as a tree of named fields with their bits, the way a
// dissector's detail pane shows them (Wireshark style: "1... ...."). Built
// from the header's bytes alone, so it shows what is on the wire even when
// the header breaks the rules or the capture holds only part of it. Widget-free.

#include <QString>

#include <cstdint>
#include <span>
#include <vector>

#include "inspector/capture_records.h"

namespace sockscope::ui {

struct HeaderField {
    QString name;
    QString value;
    QString bits;  // "1... ...." per byte, bytes separated by a space; empty for byte-sized data
    std::vector<HeaderField> children;
};

// The fields of the header at the start of `rawHeader` (bytes after the
// header are ignored). `deflateFirstFrame`: the connection negotiated
// permessage-deflate and this frame starts a message, so RSV1 means
// "compressed" (RFC 7692 §6). A header cut short lists the fields its bytes
// hold and ends with a "Truncated" field.
std::vector<HeaderField> frameHeaderFields(std::span<const std::uint8_t> rawHeader,
                                           bool deflateFirstFrame = false);

// The header bytes a frame record describes, for when the capture does not
// hold them (read from a pipe, or cut): the record keeps every header field
// but the mask key (which stops the bytes short), and its header length
// tells which length encoding was used.
std::vector<std::uint8_t> headerBytesOf(const FrameRecord& frame);

// The bits of `byte` under `mask` shown, the others as dots: "1... ....".
QString fieldBits(std::uint8_t byte, std::uint8_t mask);

}  // namespace sockscope::ui
