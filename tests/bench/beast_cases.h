#pragma once
// The comparison implementation: the same frame streams read through Boost.Beast.

#include "codec_cases.h"

namespace bench {

// websocket::stream<MemoryStream> in the server role, opened by accept() on an
// upgrade request, reading every message into a flat_buffer. Beast unmasks into
// its own buffers (the masked input is untouched) and validates UTF-8 of text.
// The timed pass includes Beast's copy from the next layer (its recv()).
Measured measureBeast(const FrameStream& stream, std::size_t maxRead, const TimingOptions& timing);

}  // namespace bench
