#include "sockscope/dissector/pcapng_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "pcapng_format.h"

namespace sockscope::dissector {
namespace {

using namespace pcapng;

void le16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
}

void le32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    le16(out, static_cast<std::uint16_t>(v));
    le16(out, static_cast<std::uint16_t>(v >> 16));
}

void padTo4(std::vector<std::uint8_t>& out) {
    while (out.size() % 4 != 0) {
        out.push_back(0);
    }
}

void option(std::vector<std::uint8_t>& out, std::uint16_t code, const void* data,
            std::size_t size) {
    le16(out, code);
    le16(out, static_cast<std::uint16_t>(size));
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out.insert(out.end(), bytes, bytes + size);
    padTo4(out);
}

void stringOption(std::vector<std::uint8_t>& out, std::uint16_t code, const std::string& text) {
    if (!text.empty()) {
        // Option values are at most 65535 bytes; longer names are cut.
        option(out, code, text.data(), std::min<std::size_t>(text.size(), 0xFFFC));
    }
}

void endOfOptions(std::vector<std::uint8_t>& out) {
    le16(out, kOptEndOfOpt);
    le16(out, 0);
}

}  // namespace

PcapngWriter::PcapngWriter(std::FILE* stream, bool owned) : stream_(stream), owned_(owned) {}

PcapngWriter::~PcapngWriter() {
    close();
}

std::unique_ptr<PcapngWriter> PcapngWriter::create(const std::string& path, std::string& error,
                                                   const std::string& application) {
    if (path == "-") {
        return wrap(stdout, error, application);
    }
    std::FILE* stream = std::fopen(path.c_str(), "wb");
    if (stream == nullptr) {
        error = "cannot create " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    std::unique_ptr<PcapngWriter> writer(new PcapngWriter(stream, true));
    if (!writer->writeSectionHeader(application)) {
        error = "cannot write " + path + ": " + writer->error();
        return nullptr;
    }
    return writer;
}

std::unique_ptr<PcapngWriter> PcapngWriter::wrap(std::FILE* stream, std::string& error,
                                                 const std::string& application) {
    std::unique_ptr<PcapngWriter> writer(new PcapngWriter(stream, false));
    if (!writer->writeSectionHeader(application)) {
        error = "cannot write the capture: " + writer->error();
        return nullptr;
    }
    return writer;
}

bool PcapngWriter::writeSectionHeader(const std::string& application) {
    std::vector<std::uint8_t> body;
    le32(body, kByteOrderMagic);
    le16(body, 1);           // major version
    le16(body, 0);           // minor version
    le32(body, 0xFFFFFFFF);  // section length: unknown, the file is streamed
    le32(body, 0xFFFFFFFF);
    stringOption(body, kShbUserAppl, application);
    endOfOptions(body);
    return writeBlock(kSectionHeaderBlock, body, true);
}

std::uint32_t PcapngWriter::addInterface(const PcapngInterface& interface) {
    std::vector<std::uint8_t> body;
    le16(body, static_cast<std::uint16_t>(interface.linkType));
    le16(body, 0);  // reserved
    le32(body, interface.snaplen);
    stringOption(body, kIfName, interface.name);
    stringOption(body, kIfDescription, interface.description);
    const std::uint8_t nanoseconds = 9;  // 10^-9 s per timestamp unit
    option(body, kIfTsresol, &nanoseconds, 1);
    endOfOptions(body);
    writeBlock(kInterfaceDescriptionBlock, body, true);
    return interfaces_++;
}

bool PcapngWriter::write(const RawPacket& packet) {
    if (packet.interfaceId >= interfaces_) {
        fail("packet " + std::to_string(packet.number) + " names interface " +
             std::to_string(packet.interfaceId) + ", but only " + std::to_string(interfaces_) +
             " were added");
        return false;
    }
    // Units of 1 ns since 1970 (if_tsresol=9), split in two 32-bit halves.
    const std::uint64_t units =
        static_cast<std::uint64_t>(packet.ts.seconds) * 1000000000u + packet.ts.nanoseconds;
    const auto captured = static_cast<std::uint32_t>(packet.data.size());
    body_.clear();
    le32(body_, packet.interfaceId);
    le32(body_, static_cast<std::uint32_t>(units >> 32));
    le32(body_, static_cast<std::uint32_t>(units));
    le32(body_, captured);
    le32(body_, std::max(packet.originalLength, captured));
    body_.insert(body_.end(), packet.data.begin(), packet.data.end());
    padTo4(body_);
    endOfOptions(body_);
    ++packets_;
    const bool flushNow = flushEvery_ != 0 && ++sinceFlush_ >= flushEvery_;
    return writeBlock(kEnhancedPacketBlock, body_, flushNow);
}

bool PcapngWriter::writeBlock(std::uint32_t type, const std::vector<std::uint8_t>& body,
                              bool forceFlush) {
    if (stream_ == nullptr || !error_.empty()) {
        return false;
    }
    // Type, total length, body, total length again (so readers can walk back).
    const auto total = static_cast<std::uint32_t>(body.size() + 12);
    block_.clear();
    le32(block_, type);
    le32(block_, total);
    block_.insert(block_.end(), body.begin(), body.end());
    le32(block_, total);
    if (std::fwrite(block_.data(), 1, block_.size(), stream_) != block_.size()) {
        fail(std::strerror(errno));
        return false;
    }
    if (forceFlush) {
        sinceFlush_ = 0;
        return flush();
    }
    return true;
}

bool PcapngWriter::flush() {
    if (stream_ == nullptr) {
        return error_.empty();
    }
    if (std::fflush(stream_) != 0) {
        fail(std::strerror(errno));
        return false;
    }
    return error_.empty();
}

bool PcapngWriter::close() {
    if (stream_ == nullptr) {
        return error_.empty();
    }
    bool ok = flush();
    if (owned_ && std::fclose(stream_) != 0) {
        if (ok) {
            fail(std::strerror(errno));
        }
        ok = false;
    }
    stream_ = nullptr;
    return ok;
}

void PcapngWriter::fail(const std::string& what) {
    if (error_.empty()) {
        error_ = what;
    }
}

}  // namespace sockscope::dissector
