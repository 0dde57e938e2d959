#pragma once
// A deflate bomb for the limit tests: `total` zero bytes as one raw DEFLATE
// message (permessage-deflate's form, RFC 7692 §7.2.1: the final 00 00 ff ff
// dropped), compressed in 1 MiB pieces so the input never exists whole.
// 1 GiB comes out at about 1 MiB.

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sockscope::test {

inline std::vector<std::uint8_t> deflateBomb(std::size_t total) {
    z_stream z{};
    deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
    const std::vector<std::uint8_t> zeros(1 << 20, 0);
    std::vector<std::uint8_t> out;
    std::uint8_t buffer[64 * 1024];
    for (std::size_t done = 0; done < total; done += zeros.size()) {
        z.next_in = const_cast<std::uint8_t*>(zeros.data());
        z.avail_in = uInt(std::min(zeros.size(), total - done));
        const bool last = done + zeros.size() >= total;
        do {
            z.next_out = buffer;
            z.avail_out = sizeof buffer;
            deflate(&z, last ? Z_SYNC_FLUSH : Z_NO_FLUSH);
            out.insert(out.end(), buffer, buffer + (sizeof buffer - z.avail_out));
        } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    out.resize(out.size() - 4);
    return out;
}

}  // namespace sockscope::test
