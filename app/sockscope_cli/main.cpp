// sockscope-cli: the console front end. main() only parses arguments and runs
// the chosen command (ui/session) in the event loop.

#include <QCoreApplication>

#include "cli_arguments.h"
#include "session/cli_common.h"
#include "session/termination_signals.h"

using sockscope::cli::CliRequest;
namespace session = sockscope::session;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sockscope-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SOCKSCOPE_VERSION));

    CliRequest request = sockscope::cli::parseCliArguments(QCoreApplication::arguments());
    // read and capture run without the event loop (capture handles its own signals).
    if (request.command == CliRequest::Command::Read) {
        return session::runRead(request.read);
    }
    if (request.command == CliRequest::Command::Capture) {
        return session::runCapture(request.capture);
    }
    // Ctrl-C and SIGTERM end a session with a close handshake (a second one kills).
    session::TerminationSignals termination;
    switch (request.command) {
        case CliRequest::Command::Exit:
            return request.exitStatus;
        case CliRequest::Command::Read:
        case CliRequest::Command::Capture:
            break;  // run above
        case CliRequest::Command::Serve: {
            session::ServeCommand serve(std::move(request.serve));
            QObject::connect(&termination, &session::TerminationSignals::terminationRequested,
                             &serve, &session::ServeCommand::shutdown);
            QObject::connect(&serve, &session::ServeCommand::finished, &app,
                             &QCoreApplication::exit, Qt::QueuedConnection);
            if (!serve.start()) {
                return session::exit_status::Failure;
            }
            return QCoreApplication::exec();
        }
        case CliRequest::Command::Connect: {
            session::ConnectCommand client(std::move(request.connect));
            QObject::connect(&client, &session::ConnectCommand::finished, &app,
                             &QCoreApplication::exit, Qt::QueuedConnection);
            QObject::connect(&termination, &session::TerminationSignals::terminationRequested,
                             &client, &session::ConnectCommand::interrupt);
            if (!client.start()) {
                return client.exitStatus();
            }
            return QCoreApplication::exec();
        }
        case CliRequest::Command::Conform: {
            session::ConformCommand conform(std::move(request.conform));
            QObject::connect(&conform, &session::ConformCommand::finished, &app,
                             &QCoreApplication::exit, Qt::QueuedConnection);
            QObject::connect(&termination, &session::TerminationSignals::terminationRequested,
                             &conform, &session::ConformCommand::interrupt);
            if (!conform.start()) {
                return conform.exitStatus();
            }
            return QCoreApplication::exec();
        }
    }
    return session::exit_status::Failure;
}
