#pragma once
// A message's payload as a reader wants it: text (invalid UTF-8 shown with
// replacement characters and said so), JSON as a foldable tree and indented
// text, binary as a hex dump, a close frame's code, name, meaning and reason,
// pings and pongs as text or hex. A summary line gives the sizes (on the
// wire and decompressed, with the ratio) and says when bytes are not shown.

#include <QWidget>

#include "inspector/capture_document.h"
#include "inspector/preferences.h"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QStandardItemModel;
class QTabWidget;
class QTreeView;

namespace sockscope::ui {

class HexView;

class MessageContentView : public QWidget {
    Q_OBJECT

public:
    static constexpr std::size_t kDefaultLimit = 4 * 1024 * 1024;
    enum class Page { Empty, Text, Json, Hex, Close };

    explicit MessageContentView(const CaptureDocument& document, QWidget* parent = nullptr);

    void showMessage(RowId message);
    // No message: just a line saying why.
    void showNote(const QString& note);
    void clear() { showNote({}); }
    // Payload bytes read and shown at most.
    void setLimit(std::size_t bytes) { limit_ = bytes; }
    std::size_t limit() const { return limit_; }
    // How text payloads are decoded and JSON is indented (0: as sent), and
    // the font of the text and hex panes; the shown message is shown again.
    void setTextOptions(TextEncoding encoding, int jsonIndent);
    void setFixedFont(const QFont& font);
    TextEncoding textEncoding() const { return encoding_; }
    int jsonIndent() const { return jsonIndent_; }

    // The shown message cut at the limit: shows all of it (an explicit
    // request, so a huge payload is read only when asked for).
    bool canShowAll() const;
    void showAll();
    // Writes the shown message's whole payload (unmasked, decompressed) to a file.
    bool savePayload(const QString& path, QString& error) const;

    Page page() const { return page_; }
    QString summary() const;
    QString text() const;        // the text, close or note page
    QString prettyJson() const;  // the JSON page's indented text
    QStandardItemModel* jsonModel() const { return jsonModel_; }
    QTreeView* jsonTree() const { return jsonTree_; }
    HexView* hexView() const { return hex_; }

private:
    void showText(const MessageRecord& m, const MessageBytes& bytes, QStringList& notes);
    void showClose(const MessageBytes& bytes, QStringList& notes);
    void setPage(Page page, QWidget* widget);
    void choosePayloadFile();

    const CaptureDocument& document_;
    std::size_t limit_ = kDefaultLimit;
    TextEncoding encoding_ = TextEncoding::Utf8;
    int jsonIndent_ = 4;
    Page page_ = Page::Empty;
    RowId shown_ = kNoRow;
    bool cutByLimit_ = false;
    QLabel* summary_;
    QPushButton* showAll_;
    QPushButton* save_;
    QStackedWidget* stack_;
    QPlainTextEdit* text_;
    QTabWidget* json_;
    QTreeView* jsonTree_;
    QStandardItemModel* jsonModel_;
    QPlainTextEdit* jsonText_;
    HexView* hex_;
};

}  // namespace sockscope::ui
