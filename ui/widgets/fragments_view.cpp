#include "widgets/fragments_view.h"

#include <sockscope/core/opcode.h>

#include <QHeaderView>

namespace sockscope::ui {

FragmentsView::FragmentsView(const CaptureDocument& document, QWidget* parent)
    : QTreeWidget(parent), document_(document) {
    setColumnCount(ColumnCount);
    setHeaderLabels({tr("#"), tr("Frame"), tr("Opcode"), tr("FIN"), tr("Length"), tr("Time")});
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    header()->setStretchLastSection(true);
    connect(this, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        const QVariant id = item->data(Position, Qt::UserRole);
        if (id.isValid())
            emit frameActivated(RowId(id.toULongLong()));
    });
}

void FragmentsView::showMessage(RowId message) {
    clear();
    const CaptureIndex& index = document_.index();
    if (message >= index.messageCount())
        return;
    const std::vector<RowId> frames = index.framesOf(message);
    QList<QTreeWidgetItem*> items;
    const std::size_t shown = std::min<std::size_t>(frames.size(), kMaxRows);
    for (std::size_t i = 0; i < shown; ++i) {
        const RowId id = frames[i];
        const FrameRecord f = index.frame(id);
        auto* item = new QTreeWidgetItem(
            QStringList{QString::number(i + 1), QString::number(id + 1),
                        QString::fromLatin1(sockscope::opcodeName(f.opcode)),
                        (f.flags & frame_flag::Fin) ? QStringLiteral("✓") : QString(),
                        QString::number(f.payloadLength),
                        QString::number(double(f.tsNs - index.firstNs()) / 1e9, 'f', 6)});
        item->setData(Position, Qt::UserRole, QVariant::fromValue(qulonglong(id)));
        for (int c : {Position, Frame, Length, Time})
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
        item->setTextAlignment(Fin, Qt::AlignCenter);
        items.append(item);
    }
    if (frames.size() > shown)
        items.append(new QTreeWidgetItem(
            QStringList{QString(), tr("… %1 more frames").arg(frames.size() - shown)}));
    const MessageRecord m = index.message(message);
    if (frames.size() < m.frames)
        items.append(new QTreeWidgetItem(QStringList{
            QString(), tr("%1 of %2 frames are in the index").arg(frames.size()).arg(m.frames)}));
    addTopLevelItems(items);
    for (int c = 0; c < Time; ++c)
        resizeColumnToContents(c);
}

void FragmentsView::setCurrentFrame(RowId frame) {
    for (int row = 0; row < topLevelItemCount(); ++row) {
        if (frameAt(row) == frame) {
            setCurrentItem(topLevelItem(row));
            return;
        }
    }
    setCurrentItem(nullptr);
}

RowId FragmentsView::frameAt(int row) const {
    const QTreeWidgetItem* item = topLevelItem(row);
    if (!item)
        return kNoRow;
    const QVariant id = item->data(Position, Qt::UserRole);
    return id.isValid() ? RowId(id.toULongLong()) : kNoRow;
}

}  // namespace sockscope::ui
