#include "session/read_command.h"

#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/dissector.h>

#include "session/cli_common.h"
#include "session/cli_key_log.h"

namespace sockscope::session {
namespace {

void fail(const std::string& message) {
    printError(QString::fromStdString(message));
}

}  // namespace

int runRead(const ReadOptions& options) {
    std::string error;
    const std::unique_ptr<dissector::CaptureReader> reader =
        dissector::CaptureReader::open(options.path, error);
    if (!reader) {
        fail(error);
        return exit_status::Failure;
    }
    // A large stdout buffer: JSON Lines of a big capture are written in bulk.
    static char buffer[1 << 20];
    std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);

    CliKeyLog keys;
    if (!keys.load(options.output.keyLogFiles, false, error)) {
        fail(error);
        return exit_status::Failure;
    }
    if (reader->format() == dissector::CaptureFormat::Pcapng)
        keys.addCaptureSecrets(options.path);

    DissectionOutput output(stdout, options.output, false);
    const std::unique_ptr<dissector::Dissector> dissector =
        makeDissector(options.output, output.sink(), keys.keys());
    bool first = true;
    while (const std::optional<dissector::RawPacket> packet = reader->next()) {
        if (first) {
            output.setTimeOrigin(packet->ts);
            first = false;
        }
        dissector->packet(*packet);
    }
    // Whatever was read is dissected to the end, even when reading stopped early.
    dissector->finish();
    const bool written = output.flush();
    keys.finishCaptureSecrets(reader->errorOffset());
    if (!reader->error().empty()) {
        fail(reader->error());
        return exit_status::Failure;
    }
    if (!written) {
        fail("cannot write the output");
        return exit_status::Failure;
    }
    return exit_status::Ok;
}

}  // namespace sockscope::session
