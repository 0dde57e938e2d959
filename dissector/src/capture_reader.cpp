// Offline capture input through libpcap: pcap and pcapng, nanosecond
// timestamps, "-" for standard input. libpcap's own messages name the failing
// read but not in words a user of a CLI expects, so open() turns the common
// failures into one clear line and keeps libpcap's text for the rest; a
// record that cannot be read is named by its packet number and byte offset.

#include "sockscope/dissector/capture_reader.h"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <string_view>

#include "capture_reader_failure.h"
#include "pcapng_format.h"
#include "sockscope/dissector/packet_decoder.h"

namespace sockscope::dissector {

// stdio's default 4 KiB buffer turns a large capture into a read() per few
// packets; a bigger one keeps the system-call cost under the copying cost.
// Not much bigger: every refill is written through the CPU cache, and 1 MiB
// (a whole L2 on many CPUs) evicts the flows' state the next packets need.
constexpr std::size_t kReadBufferBytes = 128u << 10;
// The kernel copies file data into the buffer fastest when the buffer starts
// on a page, as the file offsets it reads from do (malloc's 16-byte
// alignment cost about a tenth of the reading time).
constexpr std::align_val_t kReadBufferAlignment{4096};

struct ReadBufferDelete {
    void operator()(char* p) const { ::operator delete[](p, kReadBufferAlignment); }
};

// Standard input when it is a pipe, counting the bytes libpcap takes: where a
// record that cannot be read starts, which a file tells with ftell().
struct CountingInput {
    std::FILE* source = nullptr;
    std::uint64_t consumed = 0;

    static ssize_t read(void* self, char* buffer, std::size_t size) {
        auto* input = static_cast<CountingInput*>(self);
        const std::size_t n = std::fread(buffer, 1, size, input->source);
        input->consumed += n;
        return n == 0 && std::ferror(input->source) ? -1 : ssize_t(n);
    }
    static int close(void*) { return 0; }  // the source stays open, as stdin did

    // An unbuffered stream over `source`: every byte libpcap reads passes
    // read() when libpcap asks for it, not ahead of it.
    std::FILE* open() {
        std::FILE* stream = fopencookie(
            this, "rb", {.read = &read, .write = nullptr, .seek = nullptr, .close = &close});
        if (stream)
            std::setvbuf(stream, nullptr, _IONBF, 0);
        return stream;
    }
};

struct CaptureReader::State {
    // Outlive the FILE: pcap_close() runs first.
    std::unique_ptr<char[], ReadBufferDelete> readBuffer;
    std::unique_ptr<CountingInput> counting;
    std::uint64_t recordStart = 0;  // of the record being read, when `counting`
    pcap_t* handle = nullptr;
    std::string name;  // for messages: the path, or "standard input"
    CaptureReaderOptions options;
    std::FILE* file = nullptr;  // libpcap's, for record ends
    ~State() {
        if (handle)
            pcap_close(handle);
    }
};

namespace {

bool contains(std::string_view text, std::string_view piece) {
    return text.find(piece) != std::string_view::npos;
}

// libpcap failed to open `path`; say why in one line.
std::string describeOpenFailure(const std::string& path, const std::string& name,
                                std::string_view pcapError) {
    if (path != "-") {
        struct stat info {};
        if (stat(path.c_str(), &info) != 0) {
            const int e = errno;
            if (e == ENOENT)
                return "cannot open " + name + ": no such file";
            return "cannot open " + name + ": " + std::strerror(e);
        }
        if (S_ISDIR(info.st_mode))
            return "cannot open " + name + ": is a directory";
        if (info.st_size == 0)
            return name + " is empty: not a pcap or pcapng capture";
    }
    if (contains(pcapError, "unknown file format")) {
        const std::string why = reading::recognizeUnknownFormat(path, name);
        return why.empty() ? name + " is not a pcap or pcapng capture" : why;
    }
    if (contains(pcapError, "tried to read 4 file header bytes, only got 0"))
        return name + " is empty: not a pcap or pcapng capture";
    if (contains(pcapError, "truncated"))
        return name + ": truncated file header";
    return "cannot read " + name + ": " + std::string(pcapError);
}

}  // namespace

std::unique_ptr<CaptureReader> CaptureReader::open(const std::string& path, std::string& error,
                                                   CaptureReaderOptions options) {
    auto state = std::make_unique<State>();
    state->options = options;
    state->name = path == "-" ? std::string("standard input") : path;
    std::FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (!file) {
        error = describeOpenFailure(path, state->name, std::strerror(errno));
        return nullptr;
    }
    state->readBuffer.reset(
        static_cast<char*>(::operator new[](kReadBufferBytes, kReadBufferAlignment)));
    std::setvbuf(file, state->readBuffer.get(), _IOFBF, kReadBufferBytes);
    if (file == stdin && std::ftell(stdin) < 0) {
        state->counting = std::make_unique<CountingInput>(CountingInput{stdin});
        if (std::FILE* counted = state->counting->open())
            file = counted;
        else
            state->counting.reset();
    }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    state->handle =
        pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!state->handle) {
        if (file != stdin)
            std::fclose(file);  // pcap only owns the FILE once it opened
        error = describeOpenFailure(path, state->name, errbuf);
        return nullptr;
    }
    state->file = file;
    if (options.recordEnds && (state->counting || std::ftell(file) < 0))
        state->options.recordEnds = false;  // a pipe: there is no file to read back
    const int linkType = pcap_datalink(state->handle);
    if (!supportsLinkType(linkType)) {
        const char* known = pcap_datalink_val_to_name(linkType);
        error = state->name + ": link type " + std::to_string(linkType) +
                (known ? std::string(" (") + known + ")" : std::string()) +
                " is not supported; Sockscope reads " + kSupportedLinkTypes + " captures";
        return nullptr;
    }
    error.clear();
    return std::unique_ptr<CaptureReader>(new CaptureReader(std::move(state)));
}

CaptureReader::CaptureReader(std::unique_ptr<State> state) : state_(std::move(state)) {}

CaptureReader::~CaptureReader() = default;

int CaptureReader::linkType() const {
    return pcap_datalink(state_->handle);
}

void CaptureReader::stop(std::string why) {
    // Where the record (pcap) or block (pcapng) that failed starts: a file is
    // walked up to where libpcap stopped; a pipe counted the bytes read
    // before this record (for pcapng, before the blocks read for this packet).
    std::optional<reading::StopPoint> at;
    if (state_->counting) {
        at = reading::StopPoint{state_->recordStart, {}};
    } else if (const long stoppedAt = std::ftell(state_->file); stoppedAt > 0) {
        at = reading::locateStop(fileno(state_->file), format(), std::uint64_t(stoppedAt));
    }
    const bool truncated = contains(why, "truncated");
    if (at && !at->why.empty())
        why = std::move(at->why);
    error_ = state_->name + ": packet " + std::to_string(count_ + 1) +
             (truncated ? " is truncated (" : " cannot be read (") + why + ")";
    if (at) {
        errorOffset_ = at->offset;
        error_ +=
            std::string(format() == CaptureFormat::Pcapng ? ", in the block" : ", in the record") +
            " at byte offset " + std::to_string(at->offset);
    }
}

CaptureFormat CaptureReader::format() const {
    // libpcap reports pcapng sections as version 1.0; classic pcap is 2.x.
    return pcap_major_version(state_->handle) == 1 ? CaptureFormat::Pcapng : CaptureFormat::Pcap;
}

std::optional<RawPacket> CaptureReader::next() {
    if (!error_.empty())
        return std::nullopt;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    if (state_->counting)
        state_->recordStart = state_->counting->consumed;
    const int result = pcap_next_ex(state_->handle, &header, &data);
    if (result == PCAP_ERROR_BREAK)  // -2: the end of the file
        return std::nullopt;
    if (result != 1) {
        // A record cut short at the end of the file, or a record libpcap
        // rejects (e.g. a captured length over its limit): stop here; the
        // packets before it were delivered.
        stop(pcap_geterr(state_->handle));
        return std::nullopt;
    }
    RawPacket packet;
    packet.number = ++count_;
    // With PCAP_TSTAMP_PRECISION_NANO, tv_usec holds nanoseconds.
    packet.ts.seconds = std::int64_t(header->ts.tv_sec);
    packet.ts.nanoseconds = std::uint32_t(header->ts.tv_usec);
    packet.linkType = pcap_datalink(state_->handle);
    // libpcap 1.10 does not expose a pcapng record's interface id (and
    // refuses interfaces of different link types), so every packet reports 0.
    packet.interfaceId = 0;
    packet.capturedLength = header->caplen;
    packet.originalLength = header->len;
    packet.data = std::span<const std::uint8_t>(data, header->caplen);
    if (state_->options.recordEnds) {
        const long end = std::ftell(state_->file);
        packet.recordEnd = end > 0 ? std::uint64_t(end) : 0;
    }
    return packet;
}

namespace {

using reading::read32;

// pcapng blocks that carry a packet, and where its data and captured length lie.
std::optional<std::uint64_t> pcapngData(std::span<const std::uint8_t> file, std::uint64_t recordEnd,
                                        std::uint32_t capturedLength, bool bigEndian) {
    const std::uint32_t length = read32(file, recordEnd - 4, bigEndian);
    if (length < 12 || length % 4 != 0 || length > recordEnd)
        return std::nullopt;
    const std::uint64_t start = recordEnd - length;
    if (read32(file, start + 4, bigEndian) != length)
        return std::nullopt;
    const std::uint32_t type = read32(file, start, bigEndian);
    std::uint64_t data = 0;
    if (type == 6 || type == 2) {  // Enhanced Packet Block, obsolete Packet Block
        if (length < 32 || read32(file, start + 20, bigEndian) != capturedLength)
            return std::nullopt;
        data = start + 28;
    } else if (type == 3) {  // Simple Packet Block: captured length implied
        data = start + 12;
    } else {
        return std::nullopt;
    }
    if (data + capturedLength > recordEnd - 4)
        return std::nullopt;
    return data;
}

}  // namespace

std::optional<std::uint64_t> packetDataOffset(std::span<const std::uint8_t> file,
                                              CaptureFormat format, std::uint64_t recordEnd,
                                              std::uint32_t capturedLength) {
    if (recordEnd > file.size())
        return std::nullopt;
    if (format == CaptureFormat::Pcapng) {
        if (recordEnd < 12)
            return std::nullopt;
        if (auto little = pcapngData(file, recordEnd, capturedLength, false))
            return little;
        return pcapngData(file, recordEnd, capturedLength, true);
    }
    // Classic pcap: a 16-byte record header (its third field the captured
    // length) right before the data; the file's magic says the byte order.
    if (file.size() < 24 || recordEnd < 24 + 16 + std::uint64_t(capturedLength))
        return std::nullopt;
    const bool bigEndian = file[0] == 0xA1;
    const std::uint64_t data = recordEnd - capturedLength;
    if (read32(file, data - 8, bigEndian) != capturedLength)
        return std::nullopt;
    return data;
}

namespace {

using pcapng::kByteOrderMagic;
constexpr std::uint32_t kSectionHeader = pcapng::kSectionHeaderBlock;

// A section header's byte order, from its byte-order magic.
std::optional<bool> sectionBigEndian(std::span<const std::uint8_t> file, std::uint64_t at) {
    if (at + 12 > file.size())
        return std::nullopt;
    if (read32(file, at + 8, false) == kByteOrderMagic)
        return false;
    if (read32(file, at + 8, true) == kByteOrderMagic)
        return true;
    return std::nullopt;
}

std::optional<PacketRecordSpan> nextPcapRecord(std::span<const std::uint8_t> file,
                                               std::uint64_t from) {
    // The magic says the byte order: a1b2c3d4 (microseconds) or a1b23c4d
    // (nanoseconds), written in the writer's order.
    if (file.size() < 24)
        return std::nullopt;
    const bool bigEndian = file[0] == 0xA1;
    const std::uint64_t at = std::max<std::uint64_t>(from, 24);
    if (at + 16 > file.size())
        return std::nullopt;
    const std::uint32_t captured = read32(file, at + 8, bigEndian);
    if (at + 16 + std::uint64_t(captured) > file.size())
        return std::nullopt;
    return PacketRecordSpan{at + 16, captured, at + 16 + captured};
}

std::optional<PacketRecordSpan> nextPcapngRecord(std::span<const std::uint8_t> file,
                                                 std::uint64_t at) {
    std::optional<bool> bigEndian = sectionBigEndian(file, 0);
    if (!bigEndian)
        return std::nullopt;
    // Every block is at least 12 bytes, so the walk ends.
    while (at + 12 <= file.size()) {
        const std::uint32_t type = read32(file, at, *bigEndian);
        if (type == kSectionHeader) {
            bigEndian = sectionBigEndian(file, at);
            if (!bigEndian)
                return std::nullopt;
        }
        const std::uint32_t length = read32(file, at + 4, *bigEndian);
        if (length < 12 || length % 4 != 0 || at + length > file.size())
            return std::nullopt;
        const std::uint64_t end = at + length;
        if (type == 6 || type == 2) {  // Enhanced Packet Block, obsolete Packet Block
            if (length < 32)
                return std::nullopt;
            const std::uint32_t captured = read32(file, at + 20, *bigEndian);
            if (at + 28 + std::uint64_t(captured) > end - 4)
                return std::nullopt;
            return PacketRecordSpan{at + 28, captured, end};
        }
        if (type == 3) {  // Simple Packet Block: the captured length is implied
            if (length < 16)
                return std::nullopt;
            const std::uint32_t original = read32(file, at + 8, *bigEndian);
            const std::uint32_t captured = std::min<std::uint32_t>(original, length - 16);
            return PacketRecordSpan{at + 12, captured, end};
        }
        at = end;
    }
    return std::nullopt;
}

}  // namespace

std::optional<PacketRecordSpan> nextPacketRecord(std::span<const std::uint8_t> file,
                                                 CaptureFormat format, std::uint64_t from) {
    return format == CaptureFormat::Pcapng ? nextPcapngRecord(file, from)
                                           : nextPcapRecord(file, from);
}

}  // namespace sockscope::dissector
