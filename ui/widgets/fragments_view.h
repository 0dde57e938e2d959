#pragma once
// The frames that made a message, one row each: its place in the message,
// the frame's number in the frame table, opcode, FIN, payload length and
// time. Activating a row (double-click, Enter) names that frame, so the
// window can select it.

#include <QTreeWidget>

#include "inspector/capture_document.h"

namespace sockscope::ui {

class FragmentsView : public QTreeWidget {
    Q_OBJECT

public:
    enum Column { Position, Frame, Opcode, Fin, Length, Time, ColumnCount };
    // A message may have many thousand fragments; past this a last row says how many more.
    static constexpr int kMaxRows = 10000;

    explicit FragmentsView(const CaptureDocument& document, QWidget* parent = nullptr);

    void showMessage(RowId message);
    // Selects the row of `frame` when it is listed.
    void setCurrentFrame(RowId frame);
    // The frame a row shows; kNoRow for a note row or no row.
    RowId frameAt(int row) const;

signals:
    void frameActivated(sockscope::ui::RowId frame);

private:
    const CaptureDocument& document_;
};

}  // namespace sockscope::ui
