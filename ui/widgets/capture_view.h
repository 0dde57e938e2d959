#pragma once
// Everything shown for one capture: it owns the CaptureDocument and every
// model and view over it (connections, filter bar, message/frame table,
// details, handshake, statistics, anomalies). The main window replaces the
// whole CaptureView when another capture is opened, so no view ever points
// at a document that went away.

#include <QWidget>

#include <memory>
#include <set>

#include "inspector/capture_document.h"
#include "inspector/message_table_model.h"
#include "inspector/preferences.h"

class QSplitter;
class QTabWidget;
class QTableView;
class QTemporaryDir;

namespace sockscope::ui {

class AnomalyTableModel;
class ConnectionTableModel;
class DetailsPanel;
class FilterBar;
class HandshakeView;
class StatisticsView;

class CaptureView : public QWidget {
    Q_OBJECT

public:
    explicit CaptureView(QWidget* parent = nullptr);
    ~CaptureView() override;

    CaptureDocument& document() { return *document_; }
    const CaptureDocument& document() const { return *document_; }

    // While following, the table scrolls to each new row (live captures);
    // scrolling up pauses it, data keeps coming; scrolling to the end resumes.
    void setFollowTail(bool follow);
    bool followTail() const { return followTail_; }
    void setTimeDisplay(TimeDisplay display);
    // The tables' font (rows follow its height), and the hex and payload panes'.
    void setFonts(const QFont& table, const QFont& fixed);
    void setTextOptions(TextEncoding encoding, int jsonIndent);
    // Files the capture is read from that go away with it (a HAR's converted pcapng).
    void keepFiles(std::unique_ptr<QTemporaryDir> directory);
    void focusSearch();
    // The connections selected in the connection table (none: empty).
    std::set<std::uint32_t> selectedConnections() const;

    // Shows a frame in frames mode, selected and scrolled to (from an
    // anomaly, a fragment, or a test). False when it is filtered out.
    bool goToFrame(RowId frame);

    QByteArray saveState() const;
    void restoreState(const QByteArray& state);

    // For tests and the status bar.
    ConnectionTableModel& connectionModel() { return *connections_; }
    MessageTableModel& messageModel() { return *messages_; }
    AnomalyTableModel& anomalyModel() { return *anomalies_; }
    QTableView* connectionTable() const { return connectionTable_; }
    QTableView* messageTable() const { return messageTable_; }
    QTableView* anomalyTable() const { return anomalyTable_; }
    FilterBar* filterBar() const { return filterBar_; }
    DetailsPanel* details() const { return details_; }
    HandshakeView* handshakeView() const { return handshake_; }
    StatisticsView* statisticsView() const { return statistics_; }
    QTabWidget* connectionTabs() const { return connectionTabs_; }

signals:
    // Rows or the filter changed: the status bar recounts.
    void countsChanged();
    void followTailChanged(bool follow);

private:
    void buildLayout();
    void onConnectionSelectionChanged();
    void onRowSelected();
    void onRowsInserted();
    void onAnomalyActivated(const QModelIndex& index);

    // Before document_: removed only after the document let go of the files.
    std::unique_ptr<QTemporaryDir> files_;
    std::unique_ptr<CaptureDocument> document_;
    ConnectionTableModel* connections_ = nullptr;
    MessageTableModel* messages_ = nullptr;
    AnomalyTableModel* anomalies_ = nullptr;

    QSplitter* vertical_ = nullptr;
    QTableView* connectionTable_ = nullptr;
    FilterBar* filterBar_ = nullptr;
    QTableView* messageTable_ = nullptr;
    DetailsPanel* details_ = nullptr;
    QTabWidget* connectionTabs_ = nullptr;
    HandshakeView* handshake_ = nullptr;
    StatisticsView* statistics_ = nullptr;
    QTableView* anomalyTable_ = nullptr;
    bool followTail_ = false;  // files open at the top; live captures follow
    bool autoScrolling_ = false;
};

}  // namespace sockscope::ui
