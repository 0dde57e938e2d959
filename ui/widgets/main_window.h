#pragma once
// The inspector's main window: menus, shortcuts, the status bar with counts
// and loading progress, recent files, drag-and-drop, preferences. What is
// shown for a capture lives in a CaptureView, replaced whole when another
// capture is opened. Opening, saving and exporting are in main_window_files.cpp,
// the TLS key log in main_window_keys.cpp.

#include <QMainWindow>
#include <QPointer>
#include <QStringList>

#include <set>

#include <sockscope/dissector/live_capture.h>

#include "inspector/capture_keys.h"
#include "inspector/message_table_model.h"
#include "inspector/preferences.h"
#include "widgets/theme.h"

class QAction;
class QActionGroup;
class QLabel;
class QMenu;
class QProgressBar;
class QToolButton;

namespace sockscope::ui {

class CaptureView;
class ConsoleWindow;
class JsonlExport;
class PreferencesDialog;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a capture file (errors go to the status bar and a non-modal
    // message) with the preferences' dissector options.
    bool openFile(const QString& path);
    // Opens the current capture file again (with the preferences as they are now).
    bool reopen();
    // File > Open Key Log: the current capture file is dissected again with
    // the TLS keys of `keyLog` (instead of the preference's, until another
    // file is opened); the status bar then says how many keys were read and
    // which lines were skipped. False (lastError() says why) without a capture file.
    bool openKeyLog(const QString& keyLog);
    // The status bar's last word on the keys (keyLogStatus() is empty before any).
    QString keyLogStatus() const { return keyLogStatus_; }
    // Starts a live capture with these settings (the dialog's result).
    bool startLiveCapture(const dissector::LiveCaptureOptions& options,
                          const std::set<std::uint16_t>& wsPorts);
    void stopCapture();

    void setWsPorts(const std::set<std::uint16_t>& ports);  // and reopens the current file
    std::set<std::uint16_t> wsPorts() const { return prefs_.wsPorts; }
    void setTheme(Theme theme);
    Theme theme() const { return prefs_.theme; }

    // Saves them; what the views show changes at once, the dissector's
    // options apply to the next capture: with a file open, a non-modal
    // question offers to reopen it now.
    void setPreferences(const Preferences& preferences);
    const Preferences& preferences() const { return prefs_; }
    // Edit > Preferences (one dialog at a time, not modal).
    void showPreferences();
    PreferencesDialog* preferencesDialog() const;

    // Writes the events of the connections selected in the connection table
    // (all when none is) as the CLI's JSON Lines, on a worker thread with
    // progress and Cancel in the status bar; exportFinished() follows. False
    // (lastError() says why) when it cannot start.
    bool exportJsonl(const QString& path);
    bool exporting() const;
    // Writes the selected connections (all when none is) as a HAR file the
    // way Chrome's DevTools saves one; false (lastError() says why) on failure.
    bool exportHar(const QString& path);

    CaptureView* captureView() const { return view_; }
    // The console window (Console menu), created on first use; it closes with this window.
    ConsoleWindow* consoleWindow();
    // Console > New Client Session: a client tab in the console window, shown.
    void newClientSession();
    // Console > Replay Selected Connection (exactly one selected in the connection table).
    void replaySelectedConnection();
    QStringList recentFiles() const;
    QString statusText() const;  // the counts label, for tests
    // The last error shown (empty when the last action worked), for tests.
    QString lastError() const { return lastError_; }

signals:
    // An export ended: empty on success, "cancelled", or why it failed.
    void exportFinished(const QString& error);

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
    void applyDisplay();
    void offerReopen();
    void chooseFile();
    void chooseKeyLog();
    // The keys a capture file (absolute path) is opened with.
    KeyLogSource keyLogFor(const QString& file) const;
    void showKeyReport(const KeyLogReport& report);
    void chooseJsonlExport();
    void chooseHarExport();
    void onExportFinished(const QString& error);
    void chooseLiveCapture();
    void chooseWsPorts();
    void saveCaptureAs();
    void showShortcuts();
    void showAbout();
    // Adds `session` to the console window ("%1" in `title`: a number) and shows the window.
    void openConsoleSession(QWidget* session, const QString& title);
    void restoreSettings();

    CaptureView* view_ = nullptr;
    QString currentFile_;
    // What the view's capture was dissected with (an export does it again so).
    dissector::DissectorOptions viewOptions_;
    Preferences prefs_;
    QByteArray viewState_;
    QString lastError_;
    QString keyLogStatus_;
    // File > Open Key Log's choice and the capture file it was made for.
    QString keyLogOverride_;
    QString keyLogOverrideFor_;
    JsonlExport* jsonlExport_ = nullptr;
    QPointer<PreferencesDialog> preferencesDialog_;
    QPointer<ConsoleWindow> console_;
    int consoleSessions_ = 0;  // numbers the console's tab titles

    QMenu* recentMenu_ = nullptr;
    QAction* saveAction_ = nullptr;
    QAction* openKeyLogAction_ = nullptr;
    QAction* stopAction_ = nullptr;
    QAction* startAction_ = nullptr;
    QAction* followAction_ = nullptr;
    QAction* findAction_ = nullptr;
    QAction* exportJsonlAction_ = nullptr;
    QAction* exportHarAction_ = nullptr;
    QAction* replayAction_ = nullptr;
    QActionGroup* timeGroup_ = nullptr;
    QActionGroup* themeGroup_ = nullptr;
    QLabel* fileLabel_ = nullptr;
    QLabel* countsLabel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QToolButton* cancelButton_ = nullptr;
    QLabel* exportLabel_ = nullptr;
    QProgressBar* exportProgress_ = nullptr;
    QToolButton* exportCancel_ = nullptr;
};

}  // namespace sockscope::ui
