#pragma once
// Picks a close status code: "no code" (an empty close body), one of the
// IANA-registered codes with its name (core/close_code.h), or any number.

#include <QWidget>

#include <cstdint>
#include <optional>

class QComboBox;
class QSpinBox;

namespace sockscope::ui {

class ClosePicker : public QWidget {
    Q_OBJECT

public:
    explicit ClosePicker(QWidget* parent = nullptr);

    // nullopt: "no code".
    std::optional<std::uint16_t> code() const;
    // A registered code selects its entry; any other number selects "Custom".
    void setCode(std::optional<std::uint16_t> code);
    QComboBox* combo() const { return combo_; }

signals:
    void changed();

private:
    void updateCustom();

    QComboBox* combo_ = nullptr;
    QSpinBox* custom_ = nullptr;
};

}  // namespace sockscope::ui
