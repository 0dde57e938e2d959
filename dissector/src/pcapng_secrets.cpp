#include "sockscope/dissector/pcapng_secrets.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <system_error>

#include "pcapng_format.h"

namespace sockscope::dissector {

namespace {

// draft-ietf-opsawg-pcapng §4.7: the Decryption Secrets Block.
constexpr std::uint32_t kDecryptionSecretsBlock = 0x0000000A;
constexpr std::uint32_t kTlsKeyLog = 0x544c534b;  // "TLSK": NSS key log text
constexpr std::uint32_t kWireGuardKeyLog = 0x57474b4c;
constexpr std::uint32_t kMinimumShbLength = 28;
constexpr std::uint32_t kMinimumDsbLength = 20;

std::string hex32(std::uint32_t v) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%08x", v);
    return buffer;
}

class Walker {
public:
    // `passed(offset)` is told, now and then, that the walk will not look
    // before `offset` again.
    Walker(std::span<const std::uint8_t> file, PcapngSecretsLimits limits, PcapngSecrets& out,
           std::function<void(std::uint64_t)> passed = {})
        : file_(file), limits_(limits), out_(out), passed_(std::move(passed)) {}

    void run() {
        if (file_.size() < 12 || raw32(0) != pcapng::kSectionHeaderBlock) {
            out_.error = "not a pcapng file (no section header block at byte offset 0)";
            return;
        }
        std::uint64_t offset = 0;
        // Each step moves at least 12 bytes on, so the walk ends.
        while (offset < file_.size()) {
            if (file_.size() - offset < 12) {
                stop(offset, "the last " + std::to_string(file_.size() - offset) +
                                 " bytes are too short for a block header");
                return;
            }
            const std::uint32_t type = raw32(offset);
            if (type == pcapng::kSectionHeaderBlock && !sectionHeader(offset))
                return;
            const std::uint32_t length = read32(offset + 4);
            if (length < 12 || length % 4 != 0) {
                stop(offset, "block length " + std::to_string(length) +
                                 (length < 12 ? " is under the 12-byte minimum"
                                              : " is not a multiple of 4"));
                return;
            }
            if (length > file_.size() - offset) {
                stop(offset, "block length " + std::to_string(length) + " runs past the end of " +
                                 "the file (" + std::to_string(file_.size() - offset) +
                                 " bytes left)");
                return;
            }
            const std::uint32_t trailing = read32(offset + length - 4);
            if (trailing != length) {
                stop(offset, "the trailing block length " + std::to_string(trailing) +
                                 " differs from the leading " + std::to_string(length));
                return;
            }
            if (type == pcapng::kSectionHeaderBlock && length < kMinimumShbLength) {
                stop(offset, "section header block length " + std::to_string(length) +
                                 " is under its 28-byte minimum");
                return;
            }
            if (read32(offset) == kDecryptionSecretsBlock)
                secretsBlock(offset, length);
            offset += length;
            if (passed_ && offset - lastPassed_ >= kPassedStep) {
                passed_(offset);
                lastPassed_ = offset;
            }
        }
    }

private:
    std::uint32_t raw32(std::uint64_t at) const {
        std::uint32_t v;
        std::memcpy(&v, file_.data() + at, 4);
        return v;
    }
    std::uint32_t read32(std::uint64_t at) const {
        const std::uint32_t v = raw32(at);
        return swapped_ ? __builtin_bswap32(v) : v;
    }

    // A new section: its byte-order magic decides how the blocks after it read.
    bool sectionHeader(std::uint64_t offset) {
        const std::uint32_t magic = raw32(offset + 8);
        if (magic == pcapng::kByteOrderMagic) {
            swapped_ = false;
        } else if (magic == __builtin_bswap32(pcapng::kByteOrderMagic)) {
            swapped_ = true;
        } else {
            stop(offset, "section header byte-order magic " + hex32(magic) +
                             " is neither 0x1a2b3c4d nor 0x4d3c2b1a");
            return false;
        }
        return true;
    }

    void secretsBlock(std::uint64_t offset, std::uint32_t length) {
        const std::string where =
            "decryption secrets block at byte offset " + std::to_string(offset) + ": ";
        if (length < kMinimumDsbLength) {
            out_.warnings.push_back(where + "block length " + std::to_string(length) +
                                    " is under its 20-byte minimum: skipped");
            return;
        }
        const std::uint32_t secretsType = read32(offset + 8);
        const std::uint32_t secretsLength = read32(offset + 12);
        // type, length, secrets type, secrets length ... trailing length
        const std::uint64_t room = length - kMinimumDsbLength;
        if (secretsLength > room) {
            out_.warnings.push_back(where + "secrets length " + std::to_string(secretsLength) +
                                    " runs past the block's end (" + std::to_string(room) +
                                    " bytes): skipped");
            return;
        }
        if (secretsType != kTlsKeyLog) {
            out_.warnings.push_back(
                where + "unsupported secrets type " + hex32(secretsType) +
                (secretsType == kWireGuardKeyLog ? " (WireGuard key log)" : "") + ": skipped");
            return;
        }
        if (secretsLength > limits_.maxSecretsBytes - total_) {
            const std::uint64_t limit = limits_.maxSecretsBytes;
            out_.warnings.push_back(where + "more than " +
                                    (limit % (1u << 20) == 0 ? std::to_string(limit >> 20) + " MiB"
                                                             : std::to_string(limit) + " bytes") +
                                    " of key log text in the file: this block is skipped");
            return;
        }
        total_ += secretsLength;
        const auto* text = reinterpret_cast<const char*>(file_.data() + offset + 16);
        out_.keyLogs.emplace_back(text, secretsLength);
    }

    void stop(std::uint64_t offset, std::string what) {
        out_.stoppedAt = offset;
        out_.warnings.push_back("block at byte offset " + std::to_string(offset) + ": " +
                                std::move(what) + "; the rest of the file is not searched for " +
                                "decryption secrets");
    }

    std::span<const std::uint8_t> file_;
    PcapngSecretsLimits limits_;
    PcapngSecrets& out_;
    bool swapped_ = false;
    std::uint64_t total_ = 0;
    std::function<void(std::uint64_t)> passed_;
    static constexpr std::uint64_t kPassedStep = 8u << 20;
    std::uint64_t lastPassed_ = 0;
};

std::string errnoText() {
    return std::system_category().message(errno);
}

}  // namespace

PcapngSecrets readPcapngSecrets(std::span<const std::uint8_t> file, PcapngSecretsLimits limits) {
    PcapngSecrets out;
    Walker(file, limits, out).run();
    return out;
}

PcapngSecrets readPcapngSecrets(const std::string& path, PcapngSecretsLimits limits) {
    PcapngSecrets out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out.error = "cannot open " + path + ": " + errnoText();
        return out;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        out.error = path + " is not a regular file (decryption secrets are read from files only)";
        ::close(fd);
        return out;
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size == 0) {
        ::close(fd);
        out.error = "not a pcapng file (" + path + " is empty)";
        return out;
    }
    // Mapped, so that only the pages holding block headers are read in.
    void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (mapped == MAP_FAILED) {
        out.error = "cannot map " + path + ": " + errnoText();
        return out;
    }
    // Every page of a capture of small packets holds a block header, so the
    // walk touches the whole file: pages behind it are dropped from the
    // mapping (they stay in the page cache), or a 1 GB capture would cost
    // 1 GB of resident memory.
    auto* const base = static_cast<std::uint8_t*>(mapped);
    const auto pageSize = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    std::uint64_t released = 0;
    const auto release = [&](std::uint64_t passed) {
        const std::uint64_t upTo = passed / pageSize * pageSize;
        if (upTo > released) {
            ::madvise(base + released, upTo - released, MADV_DONTNEED);
            released = upTo;
        }
    };
    Walker(std::span<const std::uint8_t>(base, size), limits, out, release).run();
    ::munmap(mapped, size);
    if (!out.error.empty())
        out.error = path + ": " + out.error;
    return out;
}

}  // namespace sockscope::dissector
