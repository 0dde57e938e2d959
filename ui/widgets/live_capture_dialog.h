#pragma once
// Choosing what to capture live: an interface (loopback preselected unless a
// remembered one is set), a BPF filter checked as the user types (off the
// GUI thread: a host name in a filter is resolved while compiling it), and
// the ports to decode as WebSocket without a handshake, and which TLS key log
// is followed, with a help text (shown on demand) on how to make browsers and
// runtimes write one. When no interface can be listed it explains how to
// grant capture permission instead.

#include <sockscope/dissector/live_capture.h>

#include <QDialog>
#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <vector>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;

namespace sockscope::ui {

class LiveCaptureDialog : public QDialog {
    Q_OBJECT

public:
    // Lists the interfaces at once (a local query: nothing waits on the network).
    explicit LiveCaptureDialog(QWidget* parent = nullptr);
    ~LiveCaptureDialog() override;

    // Replaces the list: nullopt and the reason when listing failed.
    void setInterfaces(
        const std::optional<std::vector<dissector::CaptureInterfaceInfo>>& interfaces,
        const QString& listError = {});
    // The remembered choices of an earlier capture (the caller keeps them).
    void setInterface(const QString& name);  // selected when listed
    void setFilter(const QString& filter);
    void setWsPorts(const std::set<std::uint16_t>& ports);
    // The preference's key log file, followed during the capture (empty: none).
    void setKeyLogFile(const QString& path);
    QString keyLogText() const;
    // How to make a browser or runtime write a key log (plain text).
    static QString keyLogHelp(const QString& path);

    dissector::LiveCaptureOptions captureOptions() const;
    std::set<std::uint16_t> wsPorts() const;

    // How to get capture permission, after `detail` (what failed, e.g.
    // openLive's error). Plain text. With the capture helper found (see
    // dissector::findCaptureHelper()): join group sockscope; without it: run
    // as root, or setcap on this program.
    static QString permissionHelp(const QString& detail);

private:
    enum class FilterState { Checking, Valid, Invalid };
    void checkFilter();
    void filterChecked(bool valid, const QString& error);
    void checkPorts();
    void showHint(QLabel* label, const QString& text, bool good);
    void updateStart();

    QTreeWidget* interfaces_;
    QLabel* permission_;
    QLineEdit* filter_;
    QLabel* filterHint_;
    QLineEdit* ports_;
    QLabel* portsHint_;
    QLabel* keyLog_;
    QPushButton* keyLogHelpButton_;
    QLabel* keyLogHelp_;
    QString keyLogFile_;
    QDialogButtonBox* buttons_;
    QPushButton* start_;
    FilterState filterState_ = FilterState::Checking;
    bool portsValid_ = true;
    // The latest filter check; older ones still running are skipped or ignored.
    std::shared_ptr<std::atomic<int>> filterGeneration_;
};

}  // namespace sockscope::ui
