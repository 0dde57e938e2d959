#pragma once
// The bar above the message/frame table: Messages/Frames, direction,
// opcodes, "anomalies only" and a payload search (text or regex, case),
// all applied to the MessageTableModel, whose filter and mode it owns. The
// search runs on a PayloadSearch worker a moment after typing stops (Enter:
// at once; Esc clears); rows that arrive later (loading, live) are searched
// as they come, and only searched rows are ever shown as matches.

#include <QString>
#include <QTimer>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "inspector/payload_search.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QToolButton;

namespace sockscope::ui {

class CaptureDocument;
class MessageTableModel;
struct RowFilter;

class FilterBar : public QWidget {
    Q_OBJECT

public:
    // Both must outlive the bar.
    FilterBar(const CaptureDocument& document, MessageTableModel& model, QWidget* parent = nullptr);
    ~FilterBar() override;

    // The connections whose rows are shown (empty: all).
    void setConnections(std::set<std::uint32_t> connections);
    // Switches between message and frame rows as the toggle does (a jump to a frame).
    void showFrames(bool frames);
    void focusSearch();
    // What the bar shows about the search: "Searching… 40%", "3 matches", an
    // error; empty without a search.
    QString searchStatus() const;

signals:
    // After every change of the model's filter or mode.
    void filterApplied();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    RowFilter currentFilter() const;
    void apply();
    void setFramesMode(bool frames);
    void searchNow();
    void continueSearch();
    void searchFinished(std::shared_ptr<const std::vector<RowId>> matches, RowId searchedUpTo,
                        const QString& error);
    void showStatus(const QString& text, bool error = false);
    void updateOpcodeButton();

    const CaptureDocument& document_;
    MessageTableModel& model_;
    std::unique_ptr<PayloadSearch> search_;
    QTimer debounce_;

    QToolButton* messagesButton_ = nullptr;
    QToolButton* framesButton_ = nullptr;
    QComboBox* direction_ = nullptr;
    QToolButton* opcodes_ = nullptr;
    QCheckBox* anomalies_ = nullptr;
    QLineEdit* searchEdit_ = nullptr;
    QToolButton* regex_ = nullptr;
    QToolButton* caseSensitive_ = nullptr;
    QLabel* status_ = nullptr;

    std::set<std::uint32_t> connections_;
    // The search in force: its query (empty text: none), and what the model
    // was given: matches among records [0, searchedUpTo_) (nullptr: no search).
    SearchQuery query_;
    QString error_;
    std::shared_ptr<const std::vector<RowId>> matches_;
    RowId searchedUpTo_ = 0;
    bool extending_ = false;  // the running search continues matches_ (rows that arrived)
};

}  // namespace sockscope::ui
