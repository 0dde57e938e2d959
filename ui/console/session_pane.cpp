#include "console/session_pane.h"

#include <QDir>
#include <QEventLoop>
#include <QLabel>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>
#include <QVBoxLayout>

#include "inspector/capture_document.h"
#include "inspector/jsonl_export.h"
#include "inspector/preferences.h"
#include "session/session_recorder.h"
#include "widgets/capture_view.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {

namespace {
// An export rereads the saved session; a session is small, this only guards a hang.
constexpr int kExportTimeoutMs = 120'000;
}  // namespace

SessionPane::SessionPane(const QString& name, QWidget* parent)
    : QWidget(parent), name_(name), recorder_(std::make_unique<session::SessionRecorder>()) {
    // The user's preferences, as the main window applies them to a capture.
    Preferences prefs;
    QSettings settings;
    prefs.load(settings);
    options_ = prefs.dissectorOptions();

    view_ = new CaptureView(this);
    view_->setTimeDisplay(prefs.timeDisplay);
    view_->setFonts(prefs.tableFont, prefs.fixedFont);
    view_->setTextOptions(prefs.textEncoding, prefs.effectiveJsonIndent());
    view_->setFollowTail(true);

    errorLabel_ = new QLabel(this);
    errorLabel_->setWordWrap(true);
    errorLabel_->setStyleSheet(u"color: #c62828; font-weight: bold;"_s);
    errorLabel_->hide();

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(errorLabel_);
    layout->addWidget(view_, 1);

    connect(recorder_.get(), &session::SessionRecorder::failed, this,
            [this](const QString& why) { showError(tr("Recording stopped: %1").arg(why)); });
    QString why;
    if (!recorder_->start(&why)) {
        showError(tr("Cannot record this session: %1").arg(why));
        return;
    }
    const int fd = recorder_->takeReadFd();
    if (!view_->document().openStream(fd, name_, options_))
        showError(tr("Cannot show this session: %1").arg(view_->document().error()));
}

SessionPane::~SessionPane() {
    // The stream ends before the document goes: its loader sees EOF, not a broken pipe.
    recorder_->finish();
}

session::SessionRecorder& SessionPane::recorder() {
    return *recorder_;
}

CaptureView& SessionPane::view() {
    return *view_;
}

void SessionPane::finish() {
    recorder_->finish();
}

void SessionPane::showError(const QString& message) {
    error_ = message;
    errorLabel_->setText(message);
    errorLabel_->show();
}

bool SessionPane::saveCapture(const QString& path, QString& error) {
    return view_->document().saveCapture(path, error);
}

bool SessionPane::exportJsonl(const QString& path, QString& error) {
    // The exporter reads a capture file: the session as saved so far is that file.
    QTemporaryDir directory;
    if (!directory.isValid()) {
        error = tr("Cannot create a temporary folder: %1").arg(directory.errorString());
        return false;
    }
    const QString capture = directory.filePath(u"session.pcapng"_s);
    if (!saveCapture(capture, error))
        return false;
    JsonlExport exporter;
    QEventLoop loop;
    QString result = u"timed out"_s;
    connect(&exporter, &JsonlExport::finished, &loop, [&](const QString& finished) {
        result = finished;
        loop.quit();
    });
    if (!exporter.start(capture, options_, {}, path, error))
        return false;
    QTimer::singleShot(kExportTimeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    if (!result.isEmpty()) {
        exporter.cancel();
        error = tr("JSON Lines export: %1").arg(result);
        return false;
    }
    return true;
}

}  // namespace sockscope::ui
