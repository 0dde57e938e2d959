#pragma once
// `sockscope-cli read FILE|-`: dissects a pcap/pcapng capture and prints every
// event (text or JSON Lines) on stdout. Plain C++ over the dissector, no
// event loop: the file is streamed packet by packet, never held in memory.

#include <string>

#include "session/dissection_output.h"

namespace sockscope::session {

struct ReadOptions {
    std::string path;  // "-": standard input
    DissectionOutputOptions output;
};

// Returns the exit status: 0, or 1 with one line on stderr when the input
// cannot be read (missing, not a capture, truncated) or stdout fails.
int runRead(const ReadOptions& options);

}  // namespace sockscope::session
