#include "session/capture_command.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sockscope/dissector/dissector.h>
#include <sockscope/dissector/live_capture.h>
#include <sockscope/dissector/pcapng_writer.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>

#include "session/cli_common.h"
#include "session/cli_key_log.h"
#include "session/console_output.h"

namespace sockscope::session {
namespace {

std::array<int, 2> stopPipe = {-1, -1};  // [1] written by the handler, [0] polled

void onStopSignal(int signalNumber) {
    // A second Ctrl-C takes the default action: it always ends the process.
    std::signal(signalNumber, SIG_DFL);
    const char byte = static_cast<char>(signalNumber);
    [[maybe_unused]] const ssize_t n = ::write(stopPipe[1], &byte, 1);
}

// Installs the handlers for the lifetime of one capture.
class StopSignals {
public:
    StopSignals() {
        if (::pipe2(stopPipe.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
            return;  // no graceful stop; the default actions stay
        }
        struct sigaction action = {};
        action.sa_handler = onStopSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(SIGINT, &action, nullptr);
        sigaction(SIGTERM, &action, nullptr);
    }
    ~StopSignals() {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        for (int& fd : stopPipe) {
            if (fd >= 0) {
                ::close(fd);
                fd = -1;
            }
        }
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    int fd() const { return stopPipe[0]; }
    bool requested() const {
        char byte = 0;
        return stopPipe[0] >= 0 && ::read(stopPipe[0], &byte, 1) == 1;
    }
};

void fail(const std::string& message) {
    printError(QString::fromStdString(message));
}

int listInterfaces() {
    std::string error;
    const auto interfaces = dissector::listCaptureInterfaces(error);
    if (!interfaces) {
        fail(error);
        return exit_status::Failure;
    }
    int index = 0;
    for (const dissector::CaptureInterfaceInfo& info : *interfaces) {
        // "1. lo (Loopback) [loopback, up, running] 127.0.0.1 ::1", like tshark -D plus state.
        std::string line = std::to_string(++index) + ". " + info.name;
        if (!info.description.empty()) {
            line += " (" + info.description + ")";
        }
        std::string flags;
        for (const auto& [set, name] :
             {std::pair{info.loopback, "loopback"}, std::pair{info.up, "up"},
              std::pair{info.running, "running"}}) {
            if (set) {
                flags += flags.empty() ? "" : ", ";
                flags += name;
            }
        }
        if (!flags.empty()) {
            line += " [" + flags + "]";
        }
        for (const std::string& address : info.addresses) {
            line += " " + address;
        }
        writeLine(stdout, line);
    }
    return exit_status::Ok;
}

std::string linkTypeName(int linkType) {
    const char* name = pcap_datalink_val_to_name(linkType);
    return name != nullptr ? name : "DLT " + std::to_string(linkType);
}

}  // namespace

// How often a followed key log is checked for new lines.
constexpr std::chrono::milliseconds kKeyLogFollowInterval{250};

int runCapture(const CaptureOptions& options) {
    if (options.listInterfaces) {
        return listInterfaces();
    }
    std::string error;
    dissector::LiveCaptureOptions liveOptions;
    liveOptions.interface = options.interface;
    liveOptions.filter = options.filter;
    if (options.bufferMib) {
        liveOptions.bufferBytes = *options.bufferMib << 20;
    }
    const std::unique_ptr<dissector::LiveCapture> capture =
        dissector::LiveCapture::open(liveOptions, error);
    if (!capture) {
        fail(error);
        return exit_status::Failure;
    }
    std::unique_ptr<dissector::PcapngWriter> writer;
    if (!options.writePath.empty()) {
        writer = dissector::PcapngWriter::create(options.writePath, error, "sockscope-cli capture");
        if (!writer) {
            fail(error);
            return exit_status::Failure;
        }
        writer->addInterface({capture->linkType(), capture->snaplen(), options.interface, {}});
    }

    // With -w - the capture itself goes to stdout: the events must not mix in.
    DissectionOutputOptions outputOptions = options.output;
    if (options.writePath == "-") {
        outputOptions.filter.kinds = 0;
    }
    // Key logs are followed as they grow: a browser writes a connection's
    // secrets as its handshake happens, often after the capture started.
    CliKeyLog keys;
    if (!keys.load(options.output.keyLogFiles, true, error)) {
        fail(error);
        return exit_status::Failure;
    }
    DissectionOutput output(stdout, outputOptions, true);
    const std::unique_ptr<dissector::Dissector> dissector =
        makeDissector(options.output, output.sink(), keys.keys(), true);
    const StopSignals stop;
    // Tests and scripts wait for this line before they start the traffic.
    writeLine(stderr, "sockscope-cli: capturing on " + options.interface + " (" +
                          linkTypeName(capture->linkType()) + ")" +
                          (writer ? ", writing " + options.writePath : std::string()));

    bool first = true;
    int status = exit_status::Ok;
    const auto onPacket = [&](const dissector::RawPacket& packet) {
        if (first) {
            output.setTimeOrigin(packet.ts);
            first = false;
        }
        if (writer && !writer->write(packet) && status == exit_status::Ok) {
            fail("cannot write " + options.writePath + ": " + writer->error());
            status = exit_status::Failure;
        }
        dissector->packet(packet);
    };
    auto lastFollow = std::chrono::steady_clock::now();
    while (status == exit_status::Ok && !stop.requested()) {
        if (capture->poll(250, onPacket, stop.fd()) < 0) {
            fail(capture->error());
            status = exit_status::Failure;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - lastFollow >= kKeyLogFollowInterval) {
            lastFollow = now;
            if (keys.follow())
                dissector->keysAdded();
        }
    }
    dissector->finish();
    output.flush();
    if (writer && !writer->close() && status == exit_status::Ok) {
        fail("cannot write " + options.writePath + ": " + writer->error());
        status = exit_status::Failure;
    }
    std::string summary = "sockscope-cli: capture on " + options.interface + " stopped";
    if (writer) {
        summary += ", " + std::to_string(writer->packetsWritten()) + " packets written to " +
                   options.writePath;
    }
    if (const auto stats = capture->stats()) {
        summary += ", " + std::to_string(stats->dropped) + " dropped by the kernel";
    }
    writeLine(stderr, summary);
    return status;
}

}  // namespace sockscope::session
