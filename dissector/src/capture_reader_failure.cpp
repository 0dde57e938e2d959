#include "capture_reader_failure.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include "pcapng_format.h"

namespace sockscope::dissector::reading {

std::uint32_t read32(std::span<const std::uint8_t> file, std::uint64_t at, bool bigEndian) {
    const std::uint8_t* p = file.data() + at;
    return bigEndian ? std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 |
                           std::uint32_t(p[2]) << 8 | p[3]
                     : std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 |
                           std::uint32_t(p[1]) << 8 | p[0];
}

namespace {

std::string hex32(std::uint32_t v) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%08x", v);
    return buffer;
}

// A section header's byte order, from its byte-order magic.
std::optional<bool> sectionBigEndian(std::span<const std::uint8_t> file, std::uint64_t at) {
    if (at + 12 > file.size())
        return std::nullopt;
    if (read32(file, at + 8, false) == pcapng::kByteOrderMagic)
        return false;
    if (read32(file, at + 8, true) == pcapng::kByteOrderMagic)
        return true;
    return std::nullopt;
}

std::optional<StopPoint> pcapStop(std::span<const std::uint8_t> file, std::uint64_t stoppedAt) {
    if (file.size() < 24)
        return std::nullopt;
    const bool bigEndian = file[0] == 0xA1;
    // Each step moves on by at least the 16-byte record header, so the walk ends.
    for (std::uint64_t at = 24; at < file.size();) {
        if (at + 16 > file.size() || stoppedAt <= at + 16)
            return StopPoint{at, {}};
        const std::uint64_t end = at + 16 + read32(file, at + 8, bigEndian);
        if (stoppedAt <= end)
            return StopPoint{at, {}};
        at = end;
    }
    return std::nullopt;
}

// libpcap says a packet block whose captured length runs past its end "is too short".
std::string packetBlockProblem(std::span<const std::uint8_t> file, std::uint64_t at,
                               std::uint32_t length, bool bigEndian) {
    if (read32(file, at, bigEndian) != pcapng::kEnhancedPacketBlock || length < 32)
        return {};
    const std::uint32_t captured = read32(file, at + 20, bigEndian);
    const std::uint32_t room = length - 32;  // 28 bytes before the data, 4 after
    if (captured <= room)
        return {};
    return "the enhanced packet block's captured length " + std::to_string(captured) +
           " runs past its end: " + std::to_string(room) + " bytes of packet data fit in it";
}

std::optional<StopPoint> pcapngStop(std::span<const std::uint8_t> file, std::uint64_t stoppedAt) {
    std::optional<bool> bigEndian = sectionBigEndian(file, 0);
    if (!bigEndian)
        return std::nullopt;
    // Each step moves on by at least 12 bytes, so the walk ends.
    for (std::uint64_t at = 0; at < file.size();) {
        if (at + 8 > file.size())
            return StopPoint{at, {}};
        std::string why;
        if (read32(file, at, false) == pcapng::kSectionHeaderBlock) {  // the same either way
            const std::optional<bool> order = sectionBigEndian(file, at);
            if (!order)
                return StopPoint{at, {}};
            if (*order != *bigEndian)
                // libpcap reads the new section's length in the old byte order.
                why = std::string("a section in ") + (*order ? "big" : "little") +
                      "-endian byte order follows one in " + (*order ? "little" : "big") +
                      "-endian order, which libpcap cannot read";
            bigEndian = order;
        }
        const std::uint32_t length = read32(file, at + 4, *bigEndian);
        if (length < 12 || length % 4 != 0 || length > file.size() - at)
            return StopPoint{at, std::move(why)};
        if (stoppedAt <= at + length) {
            if (why.empty())
                why = packetBlockProblem(file, at, length, *bigEndian);
            return StopPoint{at, std::move(why)};
        }
        at += length;
    }
    return std::nullopt;
}

// Reads the first bytes of `path` (fewer when the file is shorter).
std::size_t readStart(const std::string& path, std::span<std::uint8_t> into) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file)
        return 0;
    const std::size_t n = std::fread(into.data(), 1, into.size(), file);
    std::fclose(file);
    return n;
}

}  // namespace

std::string recognizeUnknownFormat(const std::string& path, const std::string& name) {
    if (path == "-")
        return {};  // libpcap has read the bytes that would tell
    std::array<std::uint8_t, 12> start{};
    const std::size_t n = readStart(path, start);
    if (n >= 3 && start[0] == 0x1F && start[1] == 0x8B && start[2] == 8)
        return name + " is gzip-compressed: decompress it (gunzip) and read the result";
    if (n == start.size() && read32(start, 0, false) == pcapng::kSectionHeaderBlock &&
        !sectionBigEndian(start, 0))
        return name + ": the pcapng section header block at byte offset 0 has byte-order magic " +
               hex32(read32(start, 8, false)) + ", neither 0x1a2b3c4d nor 0x4d3c2b1a";
    return {};
}

std::optional<StopPoint> locateStop(std::span<const std::uint8_t> file, CaptureFormat format,
                                    std::uint64_t stoppedAt) {
    return format == CaptureFormat::Pcapng ? pcapngStop(file, stoppedAt)
                                           : pcapStop(file, stoppedAt);
}

std::optional<StopPoint> locateStop(int fd, CaptureFormat format, std::uint64_t stoppedAt) {
    struct stat info {};
    if (fd < 0 || ::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size <= 0)
        return std::nullopt;
    const auto size = std::size_t(info.st_size);
    void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED)
        return std::nullopt;
    auto found =
        locateStop(std::span(static_cast<const std::uint8_t*>(mapped), size), format, stoppedAt);
    ::munmap(mapped, size);
    return found;
}

}  // namespace sockscope::dissector::reading
