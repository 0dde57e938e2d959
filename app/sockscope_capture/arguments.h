#pragma once
// The capture helper's command line, checked strictly: the helper holds
// capture capabilities, so every argument is bounded in length and range and
// interface names are limited to the characters interface names use.

#include <sockscope/dissector/live_capture.h>

#include <optional>
#include <string>

namespace sockscope::capture {

struct HelperArguments {
    bool listInterfaces = false;  // -D
    bool help = false;            // -h
    dissector::LiveCaptureOptions capture;
};

inline constexpr const char* kUsage =
    "usage: sockscope-capture -i IFACE [-f FILTER] [-s SNAPLEN] [-B MIB] [-p]\n"
    "       sockscope-capture -D\n"
    "Captures on IFACE and writes pcapng to standard output (flushed after every\n"
    "packet) until SIGINT or SIGTERM, until its reader goes away, or until\n"
    "standard input reaches end of file. -f: a BPF capture filter; -s: bytes kept\n"
    "of each packet (1-262144, default 262144); -B: kernel buffer in MiB (1-1024,\n"
    "default 64); -p: promiscuous mode. -D lists the interfaces, one a line:\n"
    "name, flags, addresses, description, separated by tabs.\n"
    "Standard error: \"stats received=N dropped=N\" every second and at the end;\n"
    "\"error: TEXT\" before exit status 1 (capture failed), 2 (bad arguments) or\n"
    "3 (no permission to capture).\n";

// nullopt and a one-line reason (which argument, what is wrong) when the
// command line is not exactly one of the two forms of kUsage.
std::optional<HelperArguments> parseHelperArguments(int argc, const char* const* argv,
                                                    std::string& error);

}  // namespace sockscope::capture
