#include "console/raw_frame_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QSpinBox>
#include <QStringDecoder>
#include <QVBoxLayout>

#include <sockscope/core/opcode.h>

#include "console/payload_text.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {

namespace {

constexpr int kTextPayload = 0;
constexpr int kHexPayload = 1;
// Frames far bigger than this are not what raw mode is for; the preview stays responsive.
constexpr qsizetype kMaxRawPayload = 1024 * 1024;

QString fromView(std::string_view text) {
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

// Shown as text when it is printable UTF-8 that reads back to the same bytes.
bool showsAsText(const QByteArray& bytes) {
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder(bytes);
    if (decoder.hasError())
        return false;
    for (const QChar c : text) {
        if (!c.isPrint() && c != u'\n' && c != u'\t')
            return false;
    }
    return true;
}

}  // namespace

RawFramePanel::RawFramePanel(QWidget* parent) : QWidget(parent) {
    buildLayout();
    updatePreview();
}

RawFramePanel::~RawFramePanel() = default;

void RawFramePanel::buildLayout() {
    preset_ = new QComboBox(this);
    preset_->addItem(tr("Custom frame"));
    for (const RawFramePreset& preset : rawFramePresets()) {
        preset_->addItem(fromView(preset.label), fromView(preset.id));
    }
    preset_->setAccessibleName(tr("Preset"));
    rfc_ = new QLabel(this);
    rfc_->setStyleSheet(u"color: palette(placeholder-text);"_s);

    opcode_ = new QSpinBox(this);
    opcode_->setRange(0, 15);
    opcode_->setDisplayIntegerBase(16);
    opcode_->setPrefix(u"0x"_s);
    opcode_->setValue(1);
    opcodeName_ = new QLabel(this);
    fin_ = new QCheckBox(tr("FIN"), this);
    fin_->setChecked(true);
    rsv1_ = new QCheckBox(tr("RSV1"), this);
    rsv2_ = new QCheckBox(tr("RSV2"), this);
    rsv3_ = new QCheckBox(tr("RSV3"), this);

    masking_ = new QComboBox(this);
    masking_->addItem(tr("By role (client masks, server does not)"), int(RawMasking::ByRole));
    masking_->addItem(tr("Masked"), int(RawMasking::Masked));
    masking_->addItem(tr("Unmasked"), int(RawMasking::Unmasked));
    masking_->addItem(tr("Masked with the wrong key"), int(RawMasking::WrongKey));
    length_ = new QComboBox(this);
    length_->addItem(tr("Minimal"), int(RawLength::Minimal));
    length_->addItem(tr("16-bit even if shorter"), int(RawLength::Force16));
    length_->addItem(tr("64-bit even if shorter"), int(RawLength::Force64));
    length_->addItem(tr("64-bit with the top bit set"), int(RawLength::Force64TopBit));

    payloadFormat_ = new QComboBox(this);
    payloadFormat_->addItem(tr("Text (UTF-8)"), kTextPayload);
    payloadFormat_->addItem(tr("Hex"), kHexPayload);
    payload_ = new QPlainTextEdit(this);
    payload_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    payload_->setTabChangesFocus(true);
    payload_->setPlaceholderText(tr("Payload, unmasked"));
    payload_->setAccessibleName(tr("Raw payload"));
    payload_->setMinimumHeight(48);

    preview_ = new QPlainTextEdit(this);
    preview_->setReadOnly(true);
    preview_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    preview_->setAccessibleName(tr("Bytes to send"));
    preview_->setMinimumHeight(48);
    error_ = new QLabel(this);
    error_->setWordWrap(true);
    error_->setStyleSheet(u"color: #c62828;"_s);
    send_ = new QPushButton(tr("Send Raw"), this);
    send_->setToolTip(tr("Write these bytes to the connection as they are"));

    auto* presetRow = new QHBoxLayout;
    presetRow->addWidget(preset_, 1);
    presetRow->addWidget(rfc_);
    auto* opcodeRow = new QHBoxLayout;
    opcodeRow->addWidget(opcode_);
    opcodeRow->addWidget(opcodeName_);
    opcodeRow->addSpacing(12);
    opcodeRow->addWidget(fin_);
    opcodeRow->addWidget(rsv1_);
    opcodeRow->addWidget(rsv2_);
    opcodeRow->addWidget(rsv3_);
    opcodeRow->addStretch();
    auto* payloadRow = new QHBoxLayout;
    payloadRow->addWidget(payloadFormat_);
    payloadRow->addStretch();

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->addRow(tr("Preset:"), presetRow);
    form->addRow(tr("Opcode:"), opcodeRow);
    form->addRow(tr("Masking:"), masking_);
    form->addRow(tr("Length:"), length_);
    form->addRow(tr("Payload:"), payloadRow);
    previewLabel_ = new QLabel(this);
    previewLabel_->setWordWrap(true);

    auto* bottom = new QHBoxLayout;
    bottom->addWidget(error_, 1);
    bottom->addWidget(send_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    layout->addWidget(payload_, 2);
    layout->addWidget(previewLabel_);
    layout->addWidget(preview_, 2);
    layout->addLayout(bottom);

    connect(preset_, &QComboBox::currentIndexChanged, this, &RawFramePanel::onPresetChosen);
    // Any edit makes the frame a custom one (the preset's RFC note no longer applies).
    auto edited = [this] {
        if (applying_)
            return;
        if (preset_->currentIndex() != 0) {
            const QSignalBlocker block(preset_);
            preset_->setCurrentIndex(0);
            rfc_->clear();
        }
        updatePreview();
    };
    connect(opcode_, &QSpinBox::valueChanged, this, edited);
    for (QCheckBox* box : {fin_, rsv1_, rsv2_, rsv3_})
        connect(box, &QCheckBox::toggled, this, edited);
    connect(masking_, &QComboBox::currentIndexChanged, this, edited);
    connect(length_, &QComboBox::currentIndexChanged, this, edited);
    connect(payload_, &QPlainTextEdit::textChanged, this, edited);
    connect(payloadFormat_, &QComboBox::currentIndexChanged, this, [this] {
        // Converts what is there, so switching the view never changes the bytes.
        if (applying_)
            return;
        const int format = payloadFormat_->currentData().toInt();
        const QString text = payload_->toPlainText();
        const QScopedValueRollback<bool> guard(applying_, true);
        if (format == kHexPayload) {
            payload_->setPlainText(hexText(text.toUtf8(), kMaxRawPayload));
        } else {
            const ParsedBytes parsed = parseHexText(text);
            if (parsed.bytes && showsAsText(*parsed.bytes))
                payload_->setPlainText(QString::fromUtf8(*parsed.bytes));
            else if (parsed.bytes) {
                // Not text: stay in hex rather than lose bytes.
                const QSignalBlocker block(payloadFormat_);
                payloadFormat_->setCurrentIndex(kHexPayload);
                error_->setText(tr("The payload is not printable UTF-8: it stays in hex"));
                return;
            }
        }
    });
    connect(payloadFormat_, &QComboBox::currentIndexChanged, this, &RawFramePanel::updatePreview);
    connect(send_, &QPushButton::clicked, this, &RawFramePanel::send);
}

void RawFramePanel::setSender(Role sender) {
    sender_ = sender;
    // The presets' notes say for whom each one is a violation.
    const auto presets = rawFramePresets();
    for (int i = 0; i < int(presets.size()); ++i) {
        QString tip = fromView(presets[std::size_t(i)].rfc);
        if (presets[std::size_t(i)].sender && *presets[std::size_t(i)].sender != sender_)
            tip += tr(" (a violation only when the other side sends it)");
        preset_->setItemData(i + 1, tip, Qt::ToolTipRole);
    }
    updatePreview();
}

void RawFramePanel::setSendEnabled(bool enabled) {
    sendEnabled_ = enabled;
    updatePreview();
}

bool RawFramePanel::applyPreset(std::string_view id) {
    const int index = preset_->findData(fromView(id));
    if (index < 1)
        return false;
    preset_->setCurrentIndex(index);
    return true;
}

void RawFramePanel::onPresetChosen(int index) {
    const auto presets = rawFramePresets();
    if (index < 1 || index > int(presets.size())) {
        rfc_->clear();
        updatePreview();
        return;
    }
    const RawFramePreset& preset = presets[std::size_t(index - 1)];
    const RawFrameSpec& spec = preset.spec;
    {
        const QScopedValueRollback<bool> guard(applying_, true);
        opcode_->setValue(spec.opcode);
        fin_->setChecked(spec.fin);
        rsv1_->setChecked(spec.rsv1);
        rsv2_->setChecked(spec.rsv2);
        rsv3_->setChecked(spec.rsv3);
        masking_->setCurrentIndex(masking_->findData(int(spec.masking)));
        length_->setCurrentIndex(length_->findData(int(spec.length)));
        const QByteArray payload(reinterpret_cast<const char*>(spec.payload.data()),
                                 qsizetype(spec.payload.size()));
        if (showsAsText(payload)) {
            payloadFormat_->setCurrentIndex(kTextPayload);
            payload_->setPlainText(QString::fromUtf8(payload));
        } else {
            payloadFormat_->setCurrentIndex(kHexPayload);
            payload_->setPlainText(hexText(payload, kMaxRawPayload));
        }
    }
    QString note = fromView(preset.rfc);
    if (preset.sender && *preset.sender != sender_)
        note += tr(" - a violation only when the %1 sends it")
                    .arg(*preset.sender == Role::Client ? tr("client") : tr("server"));
    rfc_->setText(note);
    updatePreview();
}

std::optional<RawFrameSpec> RawFramePanel::spec(QString* error) const {
    RawFrameSpec result;
    result.opcode = std::uint8_t(opcode_->value());
    result.fin = fin_->isChecked();
    result.rsv1 = rsv1_->isChecked();
    result.rsv2 = rsv2_->isChecked();
    result.rsv3 = rsv3_->isChecked();
    result.masking = RawMasking(masking_->currentData().toInt());
    result.length = RawLength(length_->currentData().toInt());
    QByteArray payload;
    if (payloadFormat_->currentData().toInt() == kHexPayload) {
        const ParsedBytes parsed = parseHexText(payload_->toPlainText());
        if (!parsed.bytes) {
            if (error)
                *error = tr("Hex: %1").arg(parsed.error);
            return std::nullopt;
        }
        payload = *parsed.bytes;
    } else {
        payload = payload_->toPlainText().toUtf8();
    }
    if (payload.size() > kMaxRawPayload) {
        if (error)
            *error = tr("A raw frame's payload is at most 1 MiB here");
        return std::nullopt;
    }
    result.payload.assign(payload.begin(), payload.end());
    return result;
}

QString RawFramePanel::previewText() const {
    return preview_->toPlainText();
}

void RawFramePanel::updatePreview() {
    opcodeName_->setText(fromView(opcodeName(std::uint8_t(opcode_->value()))));
    QString error;
    const std::optional<RawFrameSpec> frame = spec(&error);
    error_->setText(error);
    if (!frame) {
        preview_->clear();
        previewLabel_->setText(tr("Bytes to send:"));
        send_->setEnabled(false);
        return;
    }
    const std::vector<std::uint8_t> bytes = buildRawFrame(sender_, *frame, kPreviewKey);
    const QByteArray shown(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
    previewLabel_->setText(
        tr("%1 to send (previewed with mask key 12 34 56 78; a real send uses a random key):")
            .arg(byteCount(qsizetype(bytes.size()))));
    preview_->setPlainText(hexText(shown, 4096));
    send_->setEnabled(sendEnabled_);
}

bool RawFramePanel::send() {
    QString error;
    const std::optional<RawFrameSpec> frame = spec(&error);
    if (!frame) {
        error_->setText(error);
        return false;
    }
    if (!sendEnabled_) {
        error_->setText(tr("Not connected"));
        return false;
    }
    emit sendRequested(*frame);
    return true;
}

}  // namespace sockscope::ui
