#pragma once
// The drill-down's list: one row per HTTP head and per frame of one
// conformance case (CaseRecording), both directions in arrival order:
// direction, opcode, FIN, RSV bits, mask, length and a payload preview (text
// or hex; a close frame's code and reason).

#include <QAbstractTableModel>

#include <memory>

#include "console/conformance_recording.h"

namespace sockscope::ui {

class ConformanceFramesModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Number, Direction, Opcode, Fin, Rsv, Mask, Length, Payload, ColumnCount };
    enum Role {
        KindRole = Qt::UserRole + 1,  // WireRow::Kind as int
        OutgoingRole,                 // bool: sent by the tester
        OpcodeRole,                   // int: the frame's opcode (-1 for a head or other bytes)
        LengthRole,                   // qulonglong: payload (frame) or byte (head) count
    };

    explicit ConformanceFramesModel(QObject* parent = nullptr);

    // nullptr: empty.
    void setRecording(std::shared_ptr<const CaseRecording> recording);
    const std::shared_ptr<const CaseRecording>& recording() const { return recording_; }
    const WireRow* row(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const CaseRecording> recording_;
};

// "tester → server", "client → tester", ... as the recording's roles say.
QString wireDirectionText(const CaseRecording& recording, bool outgoing);
// The Payload column: a head's first line, a frame's payload as text or hex,
// a close frame's code and reason; what was not kept is said, never guessed.
QString wireRowPreview(const CaseRecording& recording, const WireRow& row);

}  // namespace sockscope::ui
