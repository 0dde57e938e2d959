#pragma once
// The interactive console: one window, a tab per session (a client, a server,
// a comparison with Qt WebSockets, a replay). Each tab is a QWidget built by
// its own factory; the window only hosts them, closes them, and offers the
// File menu that acts on the current tab's SessionPane (when it has one).

#include <QMainWindow>

class QTabWidget;

namespace sockscope::ui {

class SessionPane;

class ConsoleWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit ConsoleWindow(QWidget* parent = nullptr);
    ~ConsoleWindow() override;

    // Takes ownership of `session` and selects its tab; the tab follows the
    // session's windowTitle once it sets one.
    void addSession(QWidget* session, const QString& title);
    QTabWidget* tabs() const { return tabs_; }
    // Closes the tab at `index` (its session is deleted: connections close, recordings finish).
    void closeSession(int index);
    // The SessionPane of the current tab (the first one found inside it), or nullptr.
    SessionPane* currentPane() const;

    // The last error shown (empty when the last action worked), for tests.
    QString lastError() const { return lastError_; }

private:
    void buildMenus();
    void saveSessionAs();
    void exportSessionJsonl();
    void updateActions();
    void showError(const QString& title, const QString& message);

    QTabWidget* tabs_ = nullptr;
    QAction* saveAction_ = nullptr;
    QAction* exportAction_ = nullptr;
    QAction* closeAction_ = nullptr;
    QString lastError_;
};

}  // namespace sockscope::ui
