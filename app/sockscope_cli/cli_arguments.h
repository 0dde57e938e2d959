#pragma once
// Command-line parsing for sockscope-cli: turns argv into the options of one
// subcommand (or an exit status for --help, --version and usage errors).

#include <QStringList>

#include "session/capture_command.h"
#include "session/conform_command.h"
#include "session/connect_command.h"
#include "session/read_command.h"
#include "session/serve_command.h"

namespace sockscope::cli {

struct CliRequest {
    enum class Command { Exit, Serve, Connect, Read, Capture, Conform };
    Command command = Command::Exit;
    int exitStatus = 0;  // for Command::Exit
    session::ServeOptions serve;
    session::ConnectOptions connect;
    session::ReadOptions read;
    session::CaptureOptions capture;
    session::ConformOptions conform;
};

CliRequest parseCliArguments(const QStringList& arguments);

}  // namespace sockscope::cli
