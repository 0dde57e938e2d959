#pragma once
// The hex pane: a frame laid out by maskedHexLayout (header, mask key, the
// payload as on the wire beside it unmasked) or plain bytes by hexLayout, in
// the system's fixed-width font, with the header and mask key marked in
// colours blended over the palette's base so they read in light and dark themes.

#include <QPlainTextEdit>

#include <cstdint>
#include <span>
#include <vector>

#include "inspector/hex_dump.h"
#include "inspector/payload_reader.h"

namespace sockscope::ui {

class HexView : public QPlainTextEdit {
    Q_OBJECT

public:
    // Payload bytes a view reads for the pane: a dump is ~8 characters per byte.
    static constexpr std::size_t kDefaultLimit = 256 * 1024;

    explicit HexView(QWidget* parent = nullptr);

    // `bytes` as read with at most limit() payload bytes. `origin`, when
    // given, is a first line saying where the bytes come from (a decrypted
    // TLS stream's are in no packet).
    void showFrame(const FrameRecord& frame, const FrameBytes& bytes, const QString& origin = {});
    // The first part of `total` bytes.
    void showBytes(std::span<const std::uint8_t> bytes, std::uint64_t total);
    // A line of text instead of a dump (nothing selected, bytes not in the capture).
    void showNote(const QString& note);

    void setLimit(std::size_t bytes) { limit_ = bytes; }
    std::size_t limit() const { return limit_; }
    QString text() const { return toPlainText(); }
    const std::vector<HexSpan>& spans() const { return spans_; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void display(HexDump dump);
    void colour();

    std::vector<HexSpan> spans_;
    std::size_t limit_ = kDefaultLimit;
};

}  // namespace sockscope::ui
