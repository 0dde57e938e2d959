#include "widgets/details_panel.h"

#include <QFontDatabase>
#include <QLabel>
#include <QTabWidget>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>

#include "inspector/frame_header_fields.h"
#include "widgets/fragments_view.h"
#include "widgets/hex_view.h"
#include "widgets/message_content_view.h"

namespace sockscope::ui {
namespace {

void addFields(QTreeWidgetItem* parent, QTreeWidget* tree, const std::vector<HeaderField>& fields,
               const QFont& fixed) {
    for (const HeaderField& field : fields) {
        auto* item = new QTreeWidgetItem(QStringList{field.name, field.value, field.bits});
        item->setFont(2, fixed);
        if (parent)
            parent->addChild(item);
        else
            tree->addTopLevelItem(item);
        addFields(item, tree, field.children, fixed);
    }
}

QString direction(bool fromServer) {
    return fromServer ? QStringLiteral("server → client") : QStringLiteral("client → server");
}

}  // namespace

DetailsPanel::DetailsPanel(const CaptureDocument& document, QWidget* parent)
    : QWidget(parent),
      document_(document),
      fixedFont_(QFontDatabase::systemFont(QFontDatabase::FixedFont)) {
    caption_ = new QLabel;
    caption_->setTextFormat(Qt::PlainText);
    caption_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    headerTree_ = new QTreeWidget;
    headerTree_->setColumnCount(3);
    headerTree_->setHeaderLabels({tr("Field"), tr("Value"), tr("Bits")});
    headerTree_->setUniformRowHeights(true);
    hex_ = new HexView;
    content_ = new MessageContentView(document);
    fragments_ = new FragmentsView(document);

    tabs_ = new QTabWidget;
    tabs_->addTab(headerTree_, tr("Header"));
    tabs_->addTab(hex_, tr("Hex"));
    tabs_->addTab(content_, tr("Content"));
    tabs_->addTab(fragments_, tr("Fragments"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(caption_);
    layout->addWidget(tabs_, 1);

    connect(fragments_, &FragmentsView::frameActivated, this, [this](RowId frame) {
        showFrameBytes(frame);
        fragments_->setCurrentFrame(frame);
        emit frameActivated(frame);
    });
    clear();
}

QString DetailsPanel::currentTabName() const {
    return tabs_->tabText(tabs_->currentIndex());
}

QString DetailsPanel::caption() const {
    return caption_->text();
}

void DetailsPanel::setFixedFont(const QFont& font) {
    fixedFont_ = font;
    hex_->setFont(font);
    content_->setFixedFont(font);
    for (QTreeWidgetItemIterator it(headerTree_); *it; ++it)
        (*it)->setFont(2, font);
}

void DetailsPanel::clear() {
    caption_->setText(tr("Nothing selected"));
    headerTree_->clear();
    hex_->showNote({});
    content_->clear();
    fragments_->clear();
}

void DetailsPanel::showFrame(RowId frame) {
    const CaptureIndex& index = document_.index();
    if (frame >= index.frameCount()) {
        clear();
        return;
    }
    const FrameRecord f = index.frame(frame);
    QString caption = tr("Frame %1 · connection %2 · %3 · packet %4")
                          .arg(frame + 1)
                          .arg(f.conn)
                          .arg(direction(f.fromServer()))
                          .arg(index.framePacket(frame));
    if (index.decrypted(f.conn))
        caption += tr(" · decrypted from TLS");
    caption += f.message == kNoRow ? tr(" · in no complete message")
                                   : tr(" · message %1").arg(f.message + 1);
    caption_->setText(caption);
    showFrameBytes(frame);
    showMessageOf(frame);
}

void DetailsPanel::showMessage(RowId message) {
    const CaptureIndex& index = document_.index();
    if (message >= index.messageCount()) {
        clear();
        return;
    }
    const MessageRecord m = index.message(message);
    caption_->setText(tr("Message %1 · connection %2 · %3 · packet %4")
                          .arg(message + 1)
                          .arg(m.conn)
                          .arg(direction(m.fromServer()))
                          .arg(index.messagePacket(message)) +
                      (index.decrypted(m.conn) ? tr(" · decrypted from TLS") : QString()));
    content_->showMessage(message);
    fragments_->showMessage(message);
    fragments_->setCurrentFrame(m.firstFrame);
    showFrameBytes(m.firstFrame);
}

void DetailsPanel::showMessageOf(RowId frame) {
    const RowId message = document_.index().frame(frame).message;
    if (message == kNoRow) {
        content_->showNote(
            tr("Frame %1 belongs to no complete message (the capture may end before it, "
               "or the frame broke the framing rules).")
                .arg(frame + 1));
        fragments_->clear();
        return;
    }
    content_->showMessage(message);
    fragments_->showMessage(message);
    fragments_->setCurrentFrame(frame);
}

void DetailsPanel::showFrameBytes(RowId frame) {
    headerTree_->clear();
    const CaptureIndex& index = document_.index();
    if (frame >= index.frameCount()) {
        hex_->showNote(tr("The frame is not in the index."));
        return;
    }
    const FrameRecord f = index.frame(frame);
    const FrameBytes bytes = document_.frameBytes(frame, hex_->limit());
    // RSV1 means "compressed" on a message's first frame once deflate was agreed (RFC 7692 §6).
    const ConnectionRecord* conn = index.connection(f.conn);
    const bool deflate = conn && conn->handshake && conn->handshake->info().deflate;
    const bool firstFrame = f.opcode == 1 || f.opcode == 2;
    std::vector<std::uint8_t> header(bytes.raw.begin(),
                                     bytes.raw.begin() + std::ptrdiff_t(std::min<std::size_t>(
                                                             bytes.raw.size(), f.headerLength)));
    const bool rebuilt = header.size() < f.headerLength;
    if (rebuilt)
        header = headerBytesOf(f);
    std::vector<HeaderField> fields = frameHeaderFields(header, deflate && firstFrame);
    if (rebuilt) {
        // The rebuilt bytes stop before the mask key: that is not a cut in the capture.
        std::erase_if(fields,
                      [](const HeaderField& f) { return f.name == QLatin1String("Truncated"); });
        fields.push_back({tr("Note"),
                          tr("rebuilt from the index: the capture does not hold these bytes"),
                          {},
                          {}});
    }
    addFields(nullptr, headerTree_, fields, fixedFont_);
    headerTree_->expandAll();
    for (int c = 0; c < 3; ++c)
        headerTree_->resizeColumnToContents(c);
    hex_->showFrame(f, bytes, index.decrypted(f.conn) ? decryptedOrigin(frame) : QString());
}

// Decrypted bytes lie in no packet: say so, and which packets completed
// the TLS records that carried the frame's first and last byte.
QString DetailsPanel::decryptedOrigin(RowId frame) const {
    const CaptureIndex& index = document_.index();
    const FrameRecord f = index.frame(frame);
    const std::uint64_t first = index.framePacket(frame);
    std::uint64_t last = first;
    if (const StreamMap* map = index.stream(f.conn, f.direction())) {
        const std::uint64_t end = f.streamOffset + f.headerLength + f.payloadLength;
        StreamMap::Cursor cursor = map->from(end > 0 ? end - 1 : 0);
        StreamRun run;
        if (cursor.next(run) && run.streamOffset < end)
            last = run.packet;
    }
    if (first == 0)
        return tr("Decrypted from TLS: these bytes are not in the capture as such.");
    if (last == first)
        return tr("Decrypted from TLS: these bytes are not in the capture as such; the TLS "
                  "record that carried them was completed by packet %1.")
            .arg(first);
    return tr("Decrypted from TLS: these bytes are not in the capture as such; the TLS records "
              "that carried them were completed by packets %1 to %2.")
        .arg(first)
        .arg(last);
}

}  // namespace sockscope::ui
