#pragma once
// The details of the selected frame or message, in tabs: the frame header
// as a field tree, the hex dump (masked bytes beside unmasked ones), the
// message's content and the frames it was made of. A selection change keeps
// the tab the user is on.

#include <QWidget>

#include "inspector/capture_document.h"

class QLabel;
class QTabWidget;
class QTreeWidget;

namespace sockscope::ui {

class FragmentsView;
class HexView;
class MessageContentView;

class DetailsPanel : public QWidget {
    Q_OBJECT

public:
    explicit DetailsPanel(const CaptureDocument& document, QWidget* parent = nullptr);

    // Header tree + hex of the frame, and the message it belongs to.
    void showFrame(RowId frame);
    // Content + fragments of the message, and its first frame's header and hex.
    void showMessage(RowId message);
    void clear();
    // The font of the hex and payload panes and of the header tree's bits.
    void setFixedFont(const QFont& font);

    QString currentTabName() const;
    QString caption() const;
    QTabWidget* tabs() const { return tabs_; }
    QTreeWidget* headerTree() const { return headerTree_; }
    HexView* hexView() const { return hex_; }
    MessageContentView* contentView() const { return content_; }
    FragmentsView* fragmentsView() const { return fragments_; }

signals:
    void frameActivated(sockscope::ui::RowId frame);  // from the fragments list

private:
    void showFrameBytes(RowId frame);
    QString decryptedOrigin(RowId frame) const;
    void showMessageOf(RowId frame);

    const CaptureDocument& document_;
    QFont fixedFont_;
    QLabel* caption_;
    QTabWidget* tabs_;
    QTreeWidget* headerTree_;
    HexView* hex_;
    MessageContentView* content_;
    FragmentsView* fragments_;
};

}  // namespace sockscope::ui
