#pragma once
// SIGINT and SIGTERM as a Qt signal, so the console commands can end with a
// close handshake instead of dropping their connections. The POSIX handler
// only writes to a socket pair (async-signal-safe); the event loop reads it.
// A second signal while shutting down restores the default action: it kills.

#include <QObject>

class QSocketNotifier;

namespace sockscope::session {

class TerminationSignals final : public QObject {
    Q_OBJECT
public:
    // One instance per process; installs the handlers.
    explicit TerminationSignals(QObject* parent = nullptr);
    ~TerminationSignals() override;

signals:
    void terminationRequested(int signalNumber);

private:
    void onReadable();

    QSocketNotifier* notifier_ = nullptr;
};

}  // namespace sockscope::session
