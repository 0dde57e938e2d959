#include "console/conformance_recording.h"

#include <algorithm>

#include <sockscope/core/extension_header.h>
#include <sockscope/core/http_message.h>
#include <sockscope/core/mask.h>

namespace sockscope::ui {
namespace {

std::span<const std::uint8_t> clip(std::span<const std::uint8_t> bytes, std::uint64_t from,
                                   std::uint64_t count) {
    if (from >= bytes.size())
        return {};
    const std::size_t start = static_cast<std::size_t>(from);
    return bytes.subspan(
        start, static_cast<std::size_t>(std::min<std::uint64_t>(count, bytes.size() - start)));
}

// The blank line that ends a head (CRLF CRLF, or bare LFs as RFC 9112 §2.2
// lets a recipient accept): the index after it, or 0.
std::size_t headEnd(std::span<const std::uint8_t> bytes, std::size_t from) {
    for (std::size_t i = from; i < bytes.size(); ++i) {
        if (bytes[i] != '\n')
            continue;
        if (i >= 1 && bytes[i - 1] == '\n')
            return i + 1;
        if (i >= 2 && bytes[i - 1] == '\r' && bytes[i - 2] == '\n')
            return i + 1;
    }
    return 0;
}

bool agreesOnDeflate(const HttpResponse& response) {
    const ExtensionListParse list =
        parseExtensionList(response.fields.combined("Sec-WebSocket-Extensions"));
    return std::any_of(list.extensions.begin(), list.extensions.end(),
                       [](const Extension& e) { return e.name == "permessage-deflate"; });
}

}  // namespace

CaseRecording::CaseRecording(Role tester, std::size_t keepLimit)
    : tester_(tester), keepLimit_(keepLimit) {
    out_.owner = this;
    out_.outgoing = true;
    out_.carriesRequest = tester == Role::Client;
    in_.owner = this;
    in_.outgoing = false;
    in_.carriesRequest = tester == Role::Server;
    // A client's request was read by the runner: its bytes here are frames.
    if (tester == Role::Server)
        in_.phase = Stream::Phase::Frames;
}

void CaseRecording::setPeerHead(const QByteArray& head) {
    peerHead_ = head.left(static_cast<qsizetype>(kMaxHead));
    WireRow row;
    row.kind = WireRow::Kind::Head;
    row.outgoing = false;
    row.complete = true;
    row.detached = true;
    row.length = static_cast<std::uint64_t>(peerHead_.size());
    rows_.push_back(row);
}

void CaseRecording::add(bool outgoing, std::span<const std::uint8_t> bytes) {
    Stream& s = stream(outgoing);
    const std::uint64_t at = s.totals.bytes;
    if (s.kept.size() < keepLimit_) {
        const std::size_t n = std::min(bytes.size(), keepLimit_ - s.kept.size());
        s.kept.insert(s.kept.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    }
    s.totals.bytes += bytes.size();
    std::size_t used = 0;
    if (s.phase == Stream::Phase::Head)
        used = readHead(s, bytes, at);
    const std::span<const std::uint8_t> rest = bytes.subspan(used);
    if (rest.empty())
        return;
    if (s.phase == Stream::Phase::Frames)
        s.decoder.feed(rest, s, scratch_);
    else
        addOther(s, at + used, rest.size());
}

std::size_t CaseRecording::readHead(Stream& s, std::span<const std::uint8_t> bytes,
                                    std::uint64_t at) {
    if (s.headRow == kNone) {
        WireRow row;
        row.kind = WireRow::Kind::Head;
        row.outgoing = s.outgoing;
        s.headRow = rows_.size();
        rows_.push_back(row);
    }
    WireRow& row = rows_[s.headRow];
    const std::size_t limit = std::min(kMaxHead, keepLimit_);
    const std::span<const std::uint8_t> head =
        std::span<const std::uint8_t>(s.kept).first(std::min(s.kept.size(), limit));
    const std::size_t end = headEnd(head, s.scanned);
    if (end == 0) {
        s.scanned = head.size();
        row.length = std::min<std::uint64_t>(s.totals.bytes, limit);
        if (s.totals.bytes < limit)
            return bytes.size();
        // Too long for a head: what follows is not read as frames.
        s.phase = Stream::Phase::Other;
        return static_cast<std::size_t>(limit - at);
    }
    row.length = end;
    row.complete = true;
    bool frames = true;
    if (!s.carriesRequest) {
        // Frames follow only a 101; after a refusal come a body or nothing.
        const HttpParse<HttpResponse> parse = parseHttpResponse(head.first(end), limit);
        frames = parse.status == ParseStatus::Complete && parse.message.status == 101;
        if (frames)
            deflate_ = agreesOnDeflate(parse.message);
    }
    s.phase = frames ? Stream::Phase::Frames : Stream::Phase::Other;
    s.decoder = FrameDecoder(end);
    return static_cast<std::size_t>(end - at);
}

void CaseRecording::addOther(Stream& s, std::uint64_t at, std::size_t count) {
    if (s.otherRow == kNone) {
        WireRow row;
        row.kind = WireRow::Kind::Other;
        row.outgoing = s.outgoing;
        row.offset = at;
        s.otherRow = rows_.size();
        rows_.push_back(row);
    }
    rows_[s.otherRow].length += count;
}

bool CaseRecording::Stream::onFrameHeader(const FrameHeader& header, const FrameOffsets& offsets,
                                          const ProtocolError* /*lengthViolation*/) {
    ++totals.frames;
    std::uint8_t dataOpcode = 0;
    bool compressed = false;
    if (header.opcode == 0x1 || header.opcode == 0x2) {
        dataOpcode = header.opcode;
        compressed = header.rsv1 && owner->deflate_;
        messageOpcode = header.fin ? 0 : header.opcode;
        messageCompressed = !header.fin && compressed;
    } else if (header.opcode == 0x0) {
        dataOpcode = messageOpcode;
        compressed = messageCompressed;
        if (header.fin) {
            messageOpcode = 0;
            messageCompressed = false;
        }
    }
    if (offsets.header >= owner->keepLimit_) {
        ++totals.framesNotListed;
        frameRow = kNone;
        return true;
    }
    WireRow row;
    row.kind = WireRow::Kind::Frame;
    row.outgoing = outgoing;
    row.dataOpcode = dataOpcode;
    row.compressed = compressed;
    row.header = header;
    row.offset = offsets.header;
    row.length = header.payloadLength;
    frameRow = owner->rows_.size();
    owner->rows_.push_back(row);
    return true;
}

bool CaseRecording::Stream::onFramePayload(std::span<const std::uint8_t> /*chunk*/,
                                           std::uint64_t /*payloadOffset*/) {
    return true;  // the payload is read from the kept bytes when shown
}

bool CaseRecording::Stream::onFrameEnd() {
    if (frameRow != kNone)
        owner->rows_[frameRow].complete = true;
    frameRow = kNone;
    return true;
}

std::uint64_t CaseRecording::bytesNotKept(bool outgoing) const {
    const Stream& s = stream(outgoing);
    return s.totals.bytes - s.kept.size();
}

std::span<const std::uint8_t> CaseRecording::kept(bool outgoing) const {
    return stream(outgoing).kept;
}

std::span<const std::uint8_t> CaseRecording::rowBytes(const WireRow& row) const {
    if (row.detached) {
        return {reinterpret_cast<const std::uint8_t*>(peerHead_.constData()),
                static_cast<std::size_t>(peerHead_.size())};
    }
    const std::uint64_t length =
        row.kind == WireRow::Kind::Frame ? row.header.size() + row.length : row.length;
    return clip(kept(row.outgoing), row.offset, length);
}

std::vector<std::uint8_t> CaseRecording::payload(const WireRow& row, std::size_t max) const {
    if (row.kind != WireRow::Kind::Frame)
        return {};
    const std::span<const std::uint8_t> bytes =
        clip(kept(row.outgoing), row.offset + row.header.size(),
             std::min<std::uint64_t>(row.length, max));
    std::vector<std::uint8_t> out(bytes.begin(), bytes.end());
    if (row.header.masked)
        applyMask(out, row.header.maskKey);
    return out;
}

}  // namespace sockscope::ui
