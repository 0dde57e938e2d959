#pragma once
// The replay tab (issue 5 §5): the client side of a captured connection as
// an editable list of steps (opcode, payload as text or hex, fragments, close
// code, offset; add, delete, reorder), the URL to replay against (prefilled
// from the recorded Host and target), TLS for wss:// (an extra CA file,
// ignoring certificate errors), the pacing, Run; a SessionPane
// recording the new connection; and the server's answers next to the
// recorded ones (recorded | new | verdict) with a summary line. Scripts are
// saved and loaded as JSON (inspector/replay_script.h).

#include <QPointer>
#include <QWidget>

#include <cstdint>
#include <memory>

#include "inspector/replay_script.h"
#include "session/replay_runner.h"

class QAbstractItemModel;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTableWidget;

namespace sockscope::ui {

class CaptureDocument;
class SessionPane;
class ReplayStepModel;
class TlsOptionsBox;

class ReplaySession : public QWidget {
    Q_OBJECT

public:
    enum class PayloadMode : std::uint8_t { Text, Hex };

    explicit ReplaySession(QWidget* parent = nullptr);
    ~ReplaySession() override;

    // Replaces the steps and recorded answers; the URL too when the script names a Host.
    void setScript(const ReplayScript& script);
    // The script as edited.
    ReplayScript script() const;
    // Where the script came from ("connection 1 of capture.pcapng"), or why there is none.
    void setSource(const QString& text, bool isError = false);

    QString url() const;
    void setUrl(const QString& url);
    void setPacing(session::ReplayPacing pacing, double speed = 1.0);
    session::ReplayPacing pacing() const;
    void setPayloadMode(PayloadMode mode);
    // TLS for a wss:// target: an extra CA file (PEM) and ignoring certificate errors.
    void setCaFile(const QString& path);
    void setIgnoreCertificateErrors(bool ignore);
    TlsOptionsBox& tlsOptions() const { return *tls_; }

    // Step editing (the buttons do the same on the selected row).
    void addStep(int row);  // a new empty text step before `row` (at the end when out of range)
    bool removeStep(int row);
    bool moveStep(int from, int to);

    // Run: checks the URL and the steps (the status line says what is wrong) and starts.
    bool run();
    void stop();
    bool running() const;

    bool saveScript(const QString& path);
    bool loadScript(const QString& path);

    QString sourceText() const;
    QString statusText() const;
    QString summaryText() const;
    QAbstractItemModel* stepModel() const;
    QTableView* stepTable() const { return steps_; }
    QTableWidget* comparisonTable() const { return comparison_; }
    QPushButton* runButton() const { return run_; }
    SessionPane& pane() { return *pane_; }
    // The latest run's runner (nullptr before the first run).
    session::ReplayRunner* runner() const { return runner_; }

signals:
    void runFinished(const QString& error);

private:
    void buildLayout();
    void setStatus(const QString& text, bool isError = false);
    void updateButtons();
    void updateComparison();
    void onFinished(const QString& error);
    void saveScriptAs();
    void loadScriptFrom();
    int selectedRow() const;

    ReplayStepModel* model_ = nullptr;
    std::vector<ReplayStep> recordedAnswers_;
    ReplayScript handshake_;  // the script's request fields (target, host, offers, headers)
    QPointer<session::ReplayRunner> runner_;

    QLabel* source_ = nullptr;
    QLineEdit* url_ = nullptr;
    QComboBox* pacing_ = nullptr;
    QDoubleSpinBox* speed_ = nullptr;
    TlsOptionsBox* tls_ = nullptr;
    QComboBox* payloadMode_ = nullptr;
    QTableView* steps_ = nullptr;
    QPushButton* add_ = nullptr;
    QPushButton* remove_ = nullptr;
    QPushButton* up_ = nullptr;
    QPushButton* down_ = nullptr;
    QPushButton* run_ = nullptr;
    QPushButton* save_ = nullptr;
    QPushButton* load_ = nullptr;
    QLabel* status_ = nullptr;
    QTableWidget* comparison_ = nullptr;
    QLabel* summary_ = nullptr;
    SessionPane* pane_ = nullptr;
};

// The replay tab for connection `connection` of `source`; when it cannot be
// extracted the tab shows why (and can still load a saved script).
QWidget* createReplaySession(const CaptureDocument& source, std::uint32_t connection,
                             QWidget* parent = nullptr);

}  // namespace sockscope::ui
