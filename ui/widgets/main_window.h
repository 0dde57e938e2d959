#pragma once
// The inspector's main window: menus, shortcuts, the status bar with counts
// and loading progress, recent files, drag-and-drop, settings. What is shown
// for a capture lives in a CaptureView, replaced whole when another capture
// is opened.

#include <QMainWindow>
#include <QStringList>

#include <set>

#include <sockscope/dissector/live_capture.h>

#include "inspector/message_table_model.h"
#include "widgets/theme.h"

class QAction;
class QActionGroup;
class QLabel;
class QMenu;
class QProgressBar;
class QToolButton;

namespace sockscope::ui {

class CaptureView;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a capture file (errors go to the status bar and a non-modal
    // message); ports are decoded as WebSocket without a handshake.
    bool openFile(const QString& path);
    // Starts a live capture with these settings (the dialog's result).
    bool startLiveCapture(const dissector::LiveCaptureOptions& options,
                          const std::set<std::uint16_t>& wsPorts);
    void stopCapture();

    void setWsPorts(const std::set<std::uint16_t>& ports);  // and reopens the current file
    std::set<std::uint16_t> wsPorts() const { return wsPorts_; }
    void setTheme(Theme theme);
    Theme theme() const { return theme_; }

    CaptureView* captureView() const { return view_; }
    QStringList recentFiles() const;
    QString statusText() const;  // the counts label, for tests
    // The last error shown (empty when the last action worked), for tests.
    QString lastError() const { return lastError_; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    void buildStatusBar();
    void showWelcome();
    CaptureView* replaceView();
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void updateCounts();
    void updateActions();
    void showError(const QString& title, const QString& message);
    void chooseFile();
    void chooseLiveCapture();
    void chooseWsPorts();
    void saveCaptureAs();
    void showShortcuts();
    void showAbout();
    void restoreSettings();

    CaptureView* view_ = nullptr;
    QString currentFile_;
    std::set<std::uint16_t> wsPorts_;
    Theme theme_ = Theme::System;
    TimeDisplay timeDisplay_ = TimeDisplay::Relative;
    QByteArray viewState_;
    QString lastError_;

    QMenu* recentMenu_ = nullptr;
    QAction* saveAction_ = nullptr;
    QAction* stopAction_ = nullptr;
    QAction* startAction_ = nullptr;
    QAction* followAction_ = nullptr;
    QAction* findAction_ = nullptr;
    QActionGroup* timeGroup_ = nullptr;
    QActionGroup* themeGroup_ = nullptr;
    QLabel* fileLabel_ = nullptr;
    QLabel* countsLabel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QToolButton* cancelButton_ = nullptr;
};

}  // namespace sockscope::ui
