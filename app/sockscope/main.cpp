// sockscope: the desktop inspector. Parses the command line and opens the
// main window (on a capture file when one is given).
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QScreen>
#include <QSettings>
#include <QTextStream>

#include <cstdio>

#include "inspector/port_list.h"
#include "widgets/main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Sockscope"));
    QApplication::setApplicationName(QStringLiteral("sockscope"));
    QApplication::setApplicationDisplayName(QStringLiteral("Sockscope"));
    QApplication::setApplicationVersion(QStringLiteral(SOCKSCOPE_VERSION));
    // Wayland matches windows to the installed .desktop file (and its icon) by this id.
    QApplication::setDesktopFileName(QStringLiteral("io.github.sockscope.Sockscope"));
    // The rendered icon sizes are built in, so an uninstalled build has its icon too.
    QIcon windowIcon;
    const QDir iconDir(QStringLiteral(":/icons/sockscope"));
    for (const QString& name : iconDir.entryList(QDir::Files))
        windowIcon.addFile(iconDir.filePath(name));
    QApplication::setWindowIcon(windowIcon);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Sockscope: a WebSocket inspector for pcap/pcapng captures and live traffic."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("capture"),
                                 QStringLiteral("A pcap or pcapng file to open."),
                                 QStringLiteral("[capture]"));
    const QCommandLineOption wsPort(
        QStringList{QStringLiteral("ws-port")},
        QStringLiteral("Decode TCP port N as WebSocket without a handshake (repeatable)."),
        QStringLiteral("N"));
    parser.addOption(wsPort);
    parser.process(app);

    sockscope::ui::MainWindow window;
    if (parser.isSet(wsPort)) {
        QString error;
        const auto ports = sockscope::ui::parsePortList(parser.values(wsPort).join(u','), error);
        if (!ports) {
            QTextStream(stderr) << "sockscope: --ws-port: " << error << '\n';
            return 2;
        }
        window.setWsPorts(*ports);
    }
    // The first start fills the screen; later ones restore the saved geometry.
    if (QSettings().contains(QStringLiteral("window/geometry"))) {
        window.show();
    } else {
        window.setGeometry(window.screen()->availableGeometry());
        window.showMaximized();
    }
    const QStringList files = parser.positionalArguments();
    if (files.size() > 1) {
        QTextStream(stderr) << "sockscope: give at most one capture file\n";
        return 2;
    }
    if (!files.isEmpty())
        window.openFile(files.first());
    return app.exec();
}
