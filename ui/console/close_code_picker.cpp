#include "console/close_code_picker.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QSpinBox>

#include <sockscope/core/close_code.h>

using namespace Qt::StringLiterals;

namespace sockscope::ui {

namespace {
// Item data: -1 no code, -2 custom, else the code.
constexpr int kNoCode = -1;
constexpr int kCustom = -2;
}  // namespace

ClosePicker::ClosePicker(QWidget* parent) : QWidget(parent) {
    combo_ = new QComboBox(this);
    combo_->addItem(tr("No code (empty body)"), kNoCode);
    for (const CloseCodeInfo& info : registeredCloseCodes()) {
        QString label = u"%1 %2"_s.arg(info.code).arg(
            QString::fromUtf8(info.name.data(), qsizetype(info.name.size())));
        // Sending one of these is itself a violation (§7.4.1): useful to test a peer.
        if (!info.validOnWire)
            label += tr(" (not allowed on the wire)");
        combo_->addItem(label, int(info.code));
        combo_->setItemData(combo_->count() - 1,
                            QString::fromUtf8(info.meaning.data(), qsizetype(info.meaning.size())),
                            Qt::ToolTipRole);
    }
    combo_->addItem(tr("Custom..."), kCustom);
    custom_ = new QSpinBox(this);
    custom_->setRange(0, 65535);
    custom_->setValue(4000);
    custom_->setAccessibleName(tr("Custom close code"));

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(combo_, 1);
    layout->addWidget(custom_);
    setCode(close_code::Normal);
    updateCustom();

    connect(combo_, &QComboBox::currentIndexChanged, this, [this] {
        updateCustom();
        emit changed();
    });
    connect(custom_, &QSpinBox::valueChanged, this, &ClosePicker::changed);
}

std::optional<std::uint16_t> ClosePicker::code() const {
    const int data = combo_->currentData().toInt();
    if (data == kNoCode)
        return std::nullopt;
    if (data == kCustom)
        return std::uint16_t(custom_->value());
    return std::uint16_t(data);
}

void ClosePicker::setCode(std::optional<std::uint16_t> code) {
    if (!code) {
        combo_->setCurrentIndex(combo_->findData(kNoCode));
        return;
    }
    const int index = combo_->findData(int(*code));
    if (index >= 0) {
        combo_->setCurrentIndex(index);
        return;
    }
    custom_->setValue(*code);
    combo_->setCurrentIndex(combo_->findData(kCustom));
}

void ClosePicker::updateCustom() {
    custom_->setVisible(combo_->currentData().toInt() == kCustom);
}

}  // namespace sockscope::ui
