#pragma once
// The conformance tab's drill-down: the selected case (id, verdict, reason),
// how many bytes and frames went each way and how many bytes were not kept,
// the list of its HTTP heads and frames (ConformanceFramesModel), and the
// selected row's bytes: a frame in the hex pane (header, mask key, payload
// masked and unmasked), a head as text.

#include <QWidget>

#include <memory>

#include "console/conformance_recording.h"
#include "session/conformance_session.h"

class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QTableView;

namespace sockscope::ui {

class ConformanceFramesModel;
class HexView;

class ConformanceCaseView : public QWidget {
    Q_OBJECT

public:
    explicit ConformanceCaseView(QWidget* parent = nullptr);

    // nullptr: nothing selected. `recording` may be nullptr (no connection was made).
    void showCase(const session::conformance::CaseResult* result,
                  std::shared_ptr<const CaseRecording> recording);

    ConformanceFramesModel& frames() const { return *model_; }
    QTableView* frameTable() const { return table_; }
    HexView* hexView() const { return hex_; }
    QString titleText() const;
    QString totalsText() const;
    // What the bytes pane shows (the hex dump or the head's text).
    QString detailText() const;

private:
    void showRow(int row);

    QLabel* title_ = nullptr;
    QLabel* totals_ = nullptr;
    QTableView* table_ = nullptr;
    ConformanceFramesModel* model_ = nullptr;
    QStackedWidget* detail_ = nullptr;
    HexView* hex_ = nullptr;
    QPlainTextEdit* head_ = nullptr;
};

}  // namespace sockscope::ui
