#pragma once
// The console's conformance tab (Console > Run Conformance Tests): the
// suite of `sockscope-cli conform` against a server or a client, with
// Start / Stop, a progress bar, per-group and overall counts, a sortable
// results table (optionally only what did not pass), a drill-down into the
// selected case's heads and frames, and the CLI's report exported as text
// or JSON Lines. The tab's title and status line say what runs; problems
// (no server there, no port to listen on, a client command that cannot
// start) are shown in the tab.

#include <QPointer>
#include <QWidget>

#include <memory>

#include "console/conformance_run.h"

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace sockscope::ui {

class ConformanceCaseView;
class ConformanceResultsModel;
class ConformanceTallyTable;
class ConformanceTargetForm;

class ConformanceTab : public QWidget {
    Q_OBJECT

public:
    explicit ConformanceTab(QWidget* parent = nullptr);
    ~ConformanceTab() override;

    // Starts a run with the form's settings; false (and the tab says why) when it cannot.
    bool start();
    // Ends the run now (the running case is abandoned).
    void stop();
    bool isRunning() const;
    // The current (or last) run; nullptr before the first start.
    ConformanceRun* run() const { return run_; }

    // The report as `sockscope-cli conform` prints it: a line per case in the
    // order they ran, then per group and overall.
    QStringList reportLines(bool jsonl) const;
    bool exportReport(const QString& path, bool jsonl, QString* error = nullptr);
    // Selects the results row of case `id` (shown by the drill-down); false when it has none.
    bool selectCase(const QString& id);

    ConformanceTargetForm& form() const { return *form_; }
    ConformanceResultsModel& results() const { return *results_; }
    QSortFilterProxyModel& resultsProxy() const { return *proxy_; }
    QTableView* resultsTable() const { return table_; }
    QCheckBox* nonPassOnly() const { return nonPassOnly_; }
    ConformanceTallyTable* tally() const { return tally_; }
    ConformanceCaseView& caseView() const { return *caseView_; }
    QProgressBar* progress() const { return progress_; }
    QPushButton* startButton() const { return start_; }
    QPushButton* stopButton() const { return stop_; }
    QString statusText() const;
    QString errorText() const;
    // Testing a client: where to point it (empty otherwise).
    QString clientUrlText() const;

signals:
    void runFinished();

private:
    QWidget* buildLeft();
    QWidget* buildRight();
    void onCaseStarted(const session::conformance::Case* testCase, int index, const QString& url);
    void onCaseFinished(const session::conformance::CaseResult& result,
                        std::shared_ptr<const CaseRecording> recording);
    void onRunFinished();
    void showSelected();
    void showError(const QString& message);
    void updateControls();
    void updateTitle();
    QString targetText() const;
    void exportTo(bool jsonl);

    ConformanceTargetForm* form_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* stop_ = nullptr;
    QPushButton* exportText_ = nullptr;
    QPushButton* exportJsonl_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* clientUrl_ = nullptr;
    QLabel* error_ = nullptr;
    ConformanceTallyTable* tally_ = nullptr;
    ConformanceResultsModel* results_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QTableView* table_ = nullptr;
    QCheckBox* nonPassOnly_ = nullptr;
    ConformanceCaseView* caseView_ = nullptr;
    QPointer<ConformanceRun> run_;
};

// The tab for ConsoleWindow::addSession (Console > Run Conformance Tests).
QWidget* createConformanceTab(QWidget* parent);

}  // namespace sockscope::ui
