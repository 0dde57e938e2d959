// MainWindow's files: opening (the file dialog, drag-and-drop, reopening),
// saving the capture, and exporting it. The rest of the window is in
// main_window.cpp.
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolButton>
#include <QUrl>

#include "inspector/har_export.h"
#include "inspector/har_import.h"
#include "inspector/jsonl_export.h"
#include "widgets/capture_view.h"
#include "widgets/main_window.h"

namespace sockscope::ui {
namespace {

const QString LastDirectoryKey = QStringLiteral("files/lastDirectory");

bool isHarFile(const QString& path) {
    return QFileInfo(path).suffix().compare(QLatin1String("har"), Qt::CaseInsensitive) == 0;
}

bool isCaptureFile(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("pcap") || suffix == QLatin1String("pcapng") ||
           suffix == QLatin1String("cap") || isHarFile(path);
}

// A HAR file becomes a pcapng in a temporary directory that the view keeps
// (and removes with it). nullptr and why, with the file named, on failure.
std::unique_ptr<QTemporaryDir> convertHar(const QString& har, QString& pcapng, QString& error) {
    auto directory = std::make_unique<QTemporaryDir>();
    if (!directory->isValid()) {
        error =
            MainWindow::tr("cannot create a temporary directory: %1").arg(directory->errorString());
        return nullptr;
    }
    pcapng = directory->filePath(QFileInfo(har).completeBaseName() + QStringLiteral(".pcapng"));
    if (!importHar(har, pcapng, error)) {
        if (!error.contains(har))
            error = MainWindow::tr("%1: %2").arg(har, error);
        return nullptr;
    }
    return directory;
}

}  // namespace

bool MainWindow::openFile(const QString& path) {
    lastError_.clear();
    if (!QFileInfo(path).isFile()) {
        showError(tr("Cannot open capture"), tr("%1: no such file").arg(path));
        return false;
    }
    // A HAR that cannot be read leaves the open capture as it was.
    QString capture = path;
    std::unique_ptr<QTemporaryDir> converted;
    if (isHarFile(path)) {
        QString error;
        converted = convertHar(path, capture, error);
        if (!converted) {
            showError(tr("Cannot open the HAR file"), error);
            return false;
        }
    }
    const QString absolute = QFileInfo(path).absoluteFilePath();
    if (absolute != keyLogOverrideFor_)
        keyLogOverride_.clear();  // Open Key Log's choice was for another file
    CaptureView* view = replaceView();
    view->keepFiles(std::move(converted));
    viewOptions_ = prefs_.dissectorOptions();
    view->document().setKeyLog(keyLogFor(absolute));
    if (!view->document().open(capture, viewOptions_)) {
        showError(tr("Cannot open capture"), view->document().error());
        showWelcome();
        return false;
    }
    currentFile_ = absolute;
    addRecentFile(currentFile_);
    setWindowTitle(tr("%1 — Sockscope").arg(QFileInfo(path).fileName()));
    fileLabel_->setText(QFileInfo(path).fileName());
    progress_->setValue(0);
    progress_->show();
    cancelButton_->show();
    updateActions();
    return true;
}

bool MainWindow::reopen() {
    if (currentFile_.isEmpty())
        return false;
    return openFile(currentFile_);
}

void MainWindow::chooseFile() {
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Capture"), settings.value(LastDirectoryKey).toString(),
        tr("Captures (*.pcap *.pcapng *.cap *.har);;pcap and pcapng (*.pcap *.pcapng *.cap);;"
           "HAR files (*.har);;All files (*)"));
    if (path.isEmpty())
        return;
    settings.setValue(LastDirectoryKey, QFileInfo(path).absolutePath());
    openFile(path);
}

void MainWindow::saveCaptureAs() {
    if (!view_)
        return;
    // The capture is saved as it is (a copy of the file, or the live pcapng):
    // the name offered matches what is written.
    QSettings settings;
    const bool pcapng = view_->document().format() == dissector::CaptureFormat::Pcapng;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save Capture As"), settings.value(LastDirectoryKey).toString(),
        pcapng ? tr("pcapng (*.pcapng)") : tr("pcap (*.pcap)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!view_->document().saveCapture(path, error))
        showError(tr("Cannot save the capture"), error);
    else
        statusBar()->showMessage(tr("Saved %1").arg(path), 8000);
}

bool MainWindow::exporting() const {
    return jsonlExport_->running();
}

bool MainWindow::exportJsonl(const QString& path) {
    lastError_.clear();
    if (!view_) {
        showError(tr("Cannot export"), tr("there is no capture to export"));
        return false;
    }
    QString source = view_->document().path();
    // A live capture is exported as it is so far, from a copy: its own file
    // grows meanwhile. The worker opens the copy before the directory goes.
    QTemporaryDir copy;
    QString error;
    if (source.isEmpty()) {
        source = copy.filePath(QStringLiteral("live.pcapng"));
        if (!copy.isValid() || !view_->document().saveCapture(source, error)) {
            showError(tr("Cannot export"),
                      error.isEmpty() ? tr("cannot create a temporary directory") : error);
            return false;
        }
    }
    // The keys the view was dissected with (a live capture's file as it is now).
    jsonlExport_->setKeyLog(view_->document().keyLog());
    if (!jsonlExport_->start(source, viewOptions_, view_->selectedConnections(), path, error)) {
        showError(tr("Cannot export"), error);
        return false;
    }
    exportProgress_->setValue(0);
    exportLabel_->setText(tr("Exporting %1:").arg(QFileInfo(path).fileName()));
    exportLabel_->show();
    exportProgress_->show();
    exportCancel_->show();
    updateActions();
    return true;
}

void MainWindow::chooseJsonlExport() {
    if (!view_ || exporting())
        return;
    QSettings settings;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export as JSON Lines"),
                                                      settings.value(LastDirectoryKey).toString(),
                                                      tr("JSON Lines (*.jsonl);;All files (*)"));
    if (path.isEmpty())
        return;
    settings.setValue(LastDirectoryKey, QFileInfo(path).absolutePath());
    exportJsonl(path);
}

void MainWindow::onExportFinished(const QString& error) {
    exportLabel_->hide();
    exportProgress_->hide();
    exportCancel_->hide();
    updateActions();
    if (error == QLatin1String("cancelled")) {
        statusBar()->showMessage(tr("Export cancelled: no file was written"), 8000);
    } else if (!error.isEmpty()) {
        showError(tr("Export failed"), error);
    } else if (!jsonlExport_->warning().isEmpty()) {
        showError(tr("Exported what the capture holds"),
                  tr("%1 was written with the events up to where the capture could be read: %2")
                      .arg(jsonlExport_->outputPath(), jsonlExport_->warning()));
    } else {
        statusBar()->showMessage(tr("Exported %1").arg(jsonlExport_->outputPath()), 8000);
    }
    emit exportFinished(error);
}

bool MainWindow::exportHar(const QString& path) {
    lastError_.clear();
    if (!view_) {
        showError(tr("Cannot export"), tr("there is no capture to export"));
        return false;
    }
    const std::set<std::uint32_t> selected = view_->selectedConnections();
    QString error;
    if (!ui::exportHar(view_->document(), {selected.begin(), selected.end()}, path, error)) {
        showError(tr("Cannot export"), error);
        return false;
    }
    statusBar()->showMessage(tr("Exported %1").arg(path), 8000);
    return true;
}

void MainWindow::chooseHarExport() {
    if (!view_)
        return;
    QSettings settings;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export as HAR"),
                                                      settings.value(LastDirectoryKey).toString(),
                                                      tr("HAR files (*.har);;All files (*)"));
    if (path.isEmpty())
        return;
    settings.setValue(LastDirectoryKey, QFileInfo(path).absolutePath());
    exportHar(path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() != 1 || !urls.first().isLocalFile())
        return;
    const QString path = urls.first().toLocalFile();
    if (!isCaptureFile(path))
        statusBar()->showMessage(tr("%1 does not look like a capture; trying anyway").arg(path),
                                 5000);
    event->acceptProposedAction();
    openFile(path);
}

}  // namespace sockscope::ui
