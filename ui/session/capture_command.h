#pragma once
// `sockscope-cli capture -i IFACE`: live capture in immediate mode, dissected
// as it arrives (text or JSON Lines on stdout, a line flushed per event) and
// optionally saved with -w as pcapng. SIGINT/SIGTERM stop it cleanly: the
// dissector finishes, the file is complete, and the exit status is 0.
// `capture -D` lists the interfaces.
//
// Plain C++ without an event loop: the loop waits on libpcap and a self-pipe
// that the signal handler writes to, so a signal ends it at once.

#include <optional>
#include <string>

#include "session/dissection_output.h"

namespace sockscope::session {

struct CaptureOptions {
    bool listInterfaces = false;   // -D
    std::string interface;         // -i
    std::string filter;            // -f (BPF)
    std::string writePath;         // -w; empty: not saved; "-": stdout (then no events printed)
    std::optional<int> bufferMib;  // --buffer-size; unset: LiveCaptureOptions' default
    DissectionOutputOptions output;
};

// Returns the exit status: 0 after a clean stop, 1 when the capture cannot
// start (permission, no such interface, a bad filter, an unwritable -w file)
// or fails, with one line on stderr.
int runCapture(const CaptureOptions& options);

}  // namespace sockscope::session
