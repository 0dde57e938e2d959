#pragma once
// The console's raw mode: one frame built field by field (or from a preset
// of a deliberate protocol violation), with a live hex preview of the exact
// bytes, sent as they are (WebSocketConnection::sendRaw).

#include <QWidget>

#include <sockscope/core/message_reader.h>
#include <sockscope/core/raw_frame.h>

class QCheckBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace sockscope::ui {

class RawFramePanel : public QWidget {
    Q_OBJECT

public:
    // The preview masks with this key; a real send uses a random one.
    static constexpr MaskKey kPreviewKey{0x12, 0x34, 0x56, 0x78};

    explicit RawFramePanel(QWidget* parent = nullptr);
    ~RawFramePanel() override;

    // Who sends (decides ByRole masking in the preview). Client by default.
    void setSender(Role sender);
    void setSendEnabled(bool enabled);
    // Fills the fields from the preset with this id (rawFramePresets()); false when unknown.
    bool applyPreset(std::string_view id);
    // The frame the fields describe; nullopt with why (bad hex).
    std::optional<RawFrameSpec> spec(QString* error = nullptr) const;
    // The preview's bytes as shown ("81 85 12 34 ..."), for tests.
    QString previewText() const;
    // Emits sendRequested() when the fields are valid.
    bool send();

signals:
    void sendRequested(const sockscope::RawFrameSpec& spec);

private:
    void buildLayout();
    void onPresetChosen(int index);
    void updatePreview();

    Role sender_ = Role::Client;
    QComboBox* preset_ = nullptr;
    QLabel* rfc_ = nullptr;
    QSpinBox* opcode_ = nullptr;
    QLabel* opcodeName_ = nullptr;
    QCheckBox* fin_ = nullptr;
    QCheckBox* rsv1_ = nullptr;
    QCheckBox* rsv2_ = nullptr;
    QCheckBox* rsv3_ = nullptr;
    QComboBox* masking_ = nullptr;
    QComboBox* length_ = nullptr;
    QComboBox* payloadFormat_ = nullptr;
    QPlainTextEdit* payload_ = nullptr;
    QLabel* previewLabel_ = nullptr;
    QPlainTextEdit* preview_ = nullptr;
    QLabel* error_ = nullptr;
    QPushButton* send_ = nullptr;
    bool applying_ = false;
    bool sendEnabled_ = true;
};

}  // namespace sockscope::ui
