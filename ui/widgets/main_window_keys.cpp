// MainWindow's TLS keys: File > Open Key Log (the current capture dissected
// again with another key log), which key log a capture is opened with, and
// what loading the keys found, in the status bar. The rest of the window is
// in main_window.cpp.
#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>
#include <QStatusBar>

#include "widgets/capture_view.h"
#include "widgets/main_window.h"

namespace sockscope::ui {
namespace {

const QString KeyLogDirectoryKey = QStringLiteral("files/keyLogDirectory");

}  // namespace

KeyLogSource MainWindow::keyLogFor(const QString& file) const {
    if (!keyLogOverride_.isEmpty() && file == keyLogOverrideFor_)
        return {keyLogOverride_, false};
    return {prefs_.keyLogFile, false};
}

bool MainWindow::openKeyLog(const QString& keyLog) {
    lastError_.clear();
    if (currentFile_.isEmpty()) {
        const bool live = view_ && view_->document().live();
        showError(tr("Cannot use the key log"),
                  live ? tr("a live capture follows the key log file set in the preferences; "
                            "save the capture and open it to decrypt it with another key log")
                       : tr("open a capture file first"));
        return false;
    }
    keyLogOverride_ = QFileInfo(keyLog).absoluteFilePath();
    keyLogOverrideFor_ = currentFile_;
    return reopen();
}

void MainWindow::chooseKeyLog() {
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open TLS Key Log"), settings.value(KeyLogDirectoryKey).toString(),
        tr("Key logs (*.log *.txt *.keys);;All files (*)"));
    if (path.isEmpty())
        return;
    settings.setValue(KeyLogDirectoryKey, QFileInfo(path).absolutePath());
    openKeyLog(path);
}

void MainWindow::showKeyReport(const KeyLogReport& report) {
    if (!report.any())
        return;
    keyLogStatus_ = report.text();
    statusBar()->showMessage(keyLogStatus_, 15000);
    // A key log asked for by name that cannot be read deserves more than the status bar.
    if (!report.error.isEmpty() && !keyLogOverride_.isEmpty() && report.file == keyLogOverride_ &&
        view_ && !view_->document().live())
        showError(tr("Cannot read the key log"), report.error);
}

}  // namespace sockscope::ui
