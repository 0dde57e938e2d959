#pragma once
// The right-hand side every console session shows: a SessionRecorder writes
// the real bytes of its connections as a pcapng stream, and a CaptureView
// reads that stream live (CaptureDocument::openStream), so a session looks
// exactly like a capture and saves and exports like one.

#include <QWidget>

#include <memory>

#include <sockscope/dissector/dissector.h>

class QLabel;

namespace sockscope::session {
class SessionRecorder;
}

namespace sockscope::ui {

class CaptureView;

class SessionPane : public QWidget {
    Q_OBJECT

public:
    // Starts its recorder and the view's stream; a failure is shown in the pane (error()).
    explicit SessionPane(const QString& name, QWidget* parent = nullptr);
    ~SessionPane() override;

    session::SessionRecorder& recorder();
    CaptureView& view();
    // Writes the packets so far as pcapng (the real bytes); false + why.
    bool saveCapture(const QString& path, QString& error);
    // The session's events as `sockscope-cli read FILE --format jsonl` prints
    // them (the same exporter as the main window's); waits for it. false + why.
    bool exportJsonl(const QString& path, QString& error);
    // No more traffic: the recorder ends its stream and the document finishes.
    void finish();
    // Why the recording could not start (empty when it runs).
    QString error() const { return error_; }
    QString name() const { return name_; }

private:
    void showError(const QString& message);

    QString name_;
    QString error_;
    dissector::DissectorOptions options_;
    QLabel* errorLabel_ = nullptr;
    std::unique_ptr<session::SessionRecorder> recorder_;
    CaptureView* view_ = nullptr;
};

}  // namespace sockscope::ui
