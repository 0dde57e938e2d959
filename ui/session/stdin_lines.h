#pragma once
// Reads standard input line by line without blocking the event loop: a socket
// notifier wakes us when fd 0 is readable (pipe, terminal or file), so the
// socket keeps being served while the user types.

#include <QByteArray>
#include <QObject>

class QSocketNotifier;

namespace sockscope::session {

class StdinLineReader final : public QObject {
    Q_OBJECT
public:
    explicit StdinLineReader(QObject* parent = nullptr);
    ~StdinLineReader() override;

    // Starts watching fd 0. With no usable stdin, finished() comes at once (queued).
    void start();

signals:
    // One line without its "\n" (and without a "\r" before it).
    void lineRead(const QByteArray& line);
    // End of input; a last line without a newline was reported before.
    void finished();

private:
    void onReadable();
    void finish();

    QSocketNotifier* notifier_ = nullptr;
    QByteArray pending_;
    bool finished_ = false;
};

}  // namespace sockscope::session
