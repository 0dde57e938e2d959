#pragma once
// pcapng's block types, byte-order magic and the option codes we use
// (draft-ietf-opsawg-pcapng): one list for the writer, the reader's record
// walker and the capture helper's stream parser.

#include <cstdint>

namespace sockscope::dissector::pcapng {

inline constexpr std::uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
inline constexpr std::uint32_t kInterfaceDescriptionBlock = 0x00000001;
inline constexpr std::uint32_t kEnhancedPacketBlock = 0x00000006;
inline constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;

inline constexpr std::uint16_t kOptEndOfOpt = 0;
inline constexpr std::uint16_t kShbUserAppl = 4;
inline constexpr std::uint16_t kIfName = 2;
inline constexpr std::uint16_t kIfDescription = 3;
inline constexpr std::uint16_t kIfTsresol = 9;

}  // namespace sockscope::dissector::pcapng
