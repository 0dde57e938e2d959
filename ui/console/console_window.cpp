#include "console/console_window.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QKeySequence>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QStatusBar>
#include <QTabWidget>

#include "console/session_pane.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {

ConsoleWindow::ConsoleWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("Sockscope Console"));
    setObjectName(u"consoleWindow"_s);
    tabs_ = new QTabWidget(this);
    tabs_->setTabsClosable(true);
    tabs_->setMovable(true);
    tabs_->setDocumentMode(true);
    setCentralWidget(tabs_);
    connect(tabs_, &QTabWidget::tabCloseRequested, this, &ConsoleWindow::closeSession);
    connect(tabs_, &QTabWidget::currentChanged, this, &ConsoleWindow::updateActions);
    buildMenus();
    statusBar();
    // Two panes side by side need the room: most of the screen, capped.
    const QSize available = screen()->availableGeometry().size();
    resize(std::min(1600, available.width() * 9 / 10), std::min(1000, available.height() * 9 / 10));
    updateActions();
}

ConsoleWindow::~ConsoleWindow() = default;

void ConsoleWindow::addSession(QWidget* session, const QString& title) {
    const int index = tabs_->addTab(session, title);
    // A session that names what it runs (the conformance tab) keeps its tab's title current.
    connect(session, &QWidget::windowTitleChanged, this, [this, session](const QString& text) {
        const int at = tabs_->indexOf(session);
        if (at >= 0 && !text.isEmpty())
            tabs_->setTabText(at, text);
    });
    tabs_->setCurrentIndex(index);
    session->setFocus();
    updateActions();
}

void ConsoleWindow::closeSession(int index) {
    QWidget* session = tabs_->widget(index);
    if (!session)
        return;
    tabs_->removeTab(index);
    // Not deleteLater: the session's connections close and its recording ends now,
    // not after whatever the event loop does next.
    delete session;
    updateActions();
}

SessionPane* ConsoleWindow::currentPane() const {
    QWidget* session = tabs_->currentWidget();
    if (!session)
        return nullptr;
    if (auto* pane = qobject_cast<SessionPane*>(session))
        return pane;
    return session->findChild<SessionPane*>();
}

void ConsoleWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    saveAction_ =
        file->addAction(tr("&Save Session as pcapng..."), this, &ConsoleWindow::saveSessionAs);
    saveAction_->setShortcut(QKeySequence::Save);
    exportAction_ =
        file->addAction(tr("Export &JSON Lines..."), this, &ConsoleWindow::exportSessionJsonl);
    exportAction_->setShortcut(QKeySequence(u"Ctrl+Shift+J"_s));
    file->addSeparator();
    closeAction_ =
        file->addAction(tr("&Close Tab"), this, [this] { closeSession(tabs_->currentIndex()); });
    closeAction_->setShortcut(QKeySequence::Close);
    file->addAction(tr("Close &Window"), this, &QWidget::close);
}

void ConsoleWindow::updateActions() {
    const bool hasPane = currentPane() != nullptr;
    saveAction_->setEnabled(hasPane);
    exportAction_->setEnabled(hasPane);
    closeAction_->setEnabled(tabs_->count() > 0);
}

void ConsoleWindow::saveSessionAs() {
    SessionPane* pane = currentPane();
    if (!pane)
        return;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save Session as pcapng"), pane->name() + u".pcapng"_s,
        tr("pcapng captures (*.pcapng);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!pane->saveCapture(path, error))
        return showError(tr("Save failed"), error);
    lastError_.clear();
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 5000);
}

void ConsoleWindow::exportSessionJsonl() {
    SessionPane* pane = currentPane();
    if (!pane)
        return;
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export JSON Lines"), pane->name() + u".jsonl"_s,
                                     tr("JSON Lines (*.jsonl);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!pane->exportJsonl(path, error))
        return showError(tr("Export failed"), error);
    lastError_.clear();
    statusBar()->showMessage(tr("Exported %1").arg(QDir::toNativeSeparators(path)), 5000);
}

void ConsoleWindow::showError(const QString& title, const QString& message) {
    lastError_ = message;
    statusBar()->showMessage(message, 10000);
    // Non-modal: tests and live sessions keep running behind it.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

}  // namespace sockscope::ui
