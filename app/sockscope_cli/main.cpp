// sockscope-cli: the console front end. main() only parses arguments and runs
// the chosen command (ui/session) in the event loop.

#include <QCoreApplication>

#include "cli_arguments.h"
#include "session/cli_common.h"

using sockscope::cli::CliRequest;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sockscope-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SOCKSCOPE_VERSION));

    CliRequest request = sockscope::cli::parseCliArguments(QCoreApplication::arguments());
    switch (request.command) {
        case CliRequest::Command::Exit:
            return request.exitStatus;
        case CliRequest::Command::Serve: {
            sockscope::session::ServeCommand serve(std::move(request.serve));
            if (!serve.start()) {
                return sockscope::session::exit_status::Failure;
            }
            return QCoreApplication::exec();
        }
        case CliRequest::Command::Connect: {
            sockscope::session::ConnectCommand client(std::move(request.connect));
            QObject::connect(&client, &sockscope::session::ConnectCommand::finished, &app,
                             &QCoreApplication::exit, Qt::QueuedConnection);
            if (!client.start()) {
                return client.exitStatus();
            }
            return QCoreApplication::exec();
        }
    }
    return sockscope::session::exit_status::Failure;
}
