#include "session/termination_signals.h"

#include <sys/socket.h>
#include <unistd.h>

#include <QSocketNotifier>
#include <array>
#include <csignal>

namespace sockscope::session {
namespace {

std::array<int, 2> wakeSockets = {-1, -1};  // [0] written by the handler, [1] read by Qt

void onSignal(int signalNumber) {
    // Next time, the default action: a second Ctrl-C always ends the process.
    std::signal(signalNumber, SIG_DFL);
    const char byte = static_cast<char>(signalNumber);
    [[maybe_unused]] const ssize_t n = ::write(wakeSockets[0], &byte, 1);
}

}  // namespace

TerminationSignals::TerminationSignals(QObject* parent) : QObject(parent) {
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, wakeSockets.data()) != 0) {
        return;  // no graceful shutdown, the default actions stay
    }
    notifier_ = new QSocketNotifier(wakeSockets[1], QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, &TerminationSignals::onReadable);
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

TerminationSignals::~TerminationSignals() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    for (int& fd : wakeSockets) {
        if (fd >= 0) {
            ::close(fd);
            fd = -1;
        }
    }
}

void TerminationSignals::onReadable() {
    char byte = 0;
    if (::read(wakeSockets[1], &byte, 1) == 1) {
        emit terminationRequested(static_cast<unsigned char>(byte));
    }
}

}  // namespace sockscope::session
