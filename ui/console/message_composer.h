#pragma once
// Composes one message for a console session: text, JSON (validated as typed,
// pretty-print button; sent exactly as typed), binary (hex, base64 or a
// file), ping, pong, or close (code picker and reason), with a fragment count
// for data messages, and a list of saved messages (console_settings.h).

#include <QByteArray>
#include <QWidget>

#include <cstdint>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace sockscope::ui {

class ClosePicker;

struct ComposedMessage {
    std::uint8_t opcode = 1;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
    QByteArray payload;       // for close: the reason (UTF-8)
    int fragments = 1;
    std::optional<std::uint16_t> closeCode;
};

class MessageComposer : public QWidget {
    Q_OBJECT

public:
    enum class Kind : std::uint8_t { Text, Json, Binary, Ping, Pong, Close };
    // How the body of a binary, ping or pong message is written (text and JSON are UTF-8).
    enum class PayloadFormat : std::uint8_t { Text, Hex, Base64, File };
    // Files larger than this are refused.
    static constexpr qint64 kMaxFileBytes = 16 * 1024 * 1024;

    explicit MessageComposer(QWidget* parent = nullptr);
    ~MessageComposer() override;

    void setSendEnabled(bool enabled);
    bool sendEnabled() const { return sendEnabled_; }

    // The message the fields describe, or nullopt with why (shown in the error line).
    std::optional<ComposedMessage> message(QString* error = nullptr) const;
    // Emits sendRequested() when the fields are valid and sending is enabled;
    // otherwise shows why. Ctrl+Enter and the Send button do this.
    bool send();

    // For tests and saved messages.
    Kind kind() const;
    void setKind(Kind kind);
    QString text() const;
    void setText(const QString& text);  // the body of text/JSON/binary/ping/pong
    PayloadFormat payloadFormat() const;
    void setPayloadFormat(PayloadFormat format);
    void setFragments(int fragments);
    void setFilePath(const QString& path);
    // Close: nullopt = "no code".
    void setCloseCode(std::optional<std::uint16_t> code);
    void setCloseReason(const QString& reason);
    // JSON: reformats the body indented; false (and the error) when it is not JSON.
    bool prettyPrint();
    // The validation / error line as shown (empty when the fields are valid).
    QString errorText() const;

    // Saved messages (persisted in QSettings "console/messages").
    void saveCurrent(const QString& name);
    bool loadSaved(const QString& name);
    void deleteSaved(const QString& name);
    bool renameSaved(const QString& from, const QString& to);
    QStringList savedNames() const;
    QListWidget* savedList() const { return savedList_; }

signals:
    void sendRequested(const sockscope::ui::ComposedMessage& message);

private:
    void buildLayout();
    // message(), optionally without reading a file (validation as the user types);
    // `size`: the payload's size (a file's without reading it).
    std::optional<ComposedMessage> compose(QString* error, bool readFile, qsizetype* size) const;
    void updateFields();
    void validate();
    void chooseFile();
    void reloadSaved();
    void promptSave();
    void promptRename();

    QComboBox* kind_ = nullptr;
    QComboBox* format_ = nullptr;
    QLabel* formatLabel_ = nullptr;
    QLineEdit* filePath_ = nullptr;
    QPushButton* browse_ = nullptr;
    QPlainTextEdit* body_ = nullptr;
    QPushButton* pretty_ = nullptr;
    QSpinBox* fragments_ = nullptr;
    QLabel* fragmentsLabel_ = nullptr;
    QWidget* closeRow_ = nullptr;
    ClosePicker* closePicker_ = nullptr;
    QLineEdit* closeReason_ = nullptr;
    QLabel* error_ = nullptr;
    QLabel* size_ = nullptr;
    QPushButton* send_ = nullptr;
    QListWidget* savedList_ = nullptr;
    bool sendEnabled_ = true;
};

}  // namespace sockscope::ui
