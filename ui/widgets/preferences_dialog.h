#pragma once
// Edit > Preferences: two pages, Capture (ports decoded as WebSocket,
// detection, the TLS key log file, the dissector's limits, each with its
// default and range in its tooltip) and Display (time, text encoding, JSON,
// fonts, theme). Apply and OK hand the values over with applied(); the
// window decides what takes effect at once and what waits for the next
// capture. Not modal: loading and live capture go on while it is open.

#include <QDialog>

#include <map>

#include "inspector/preferences.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFontComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace sockscope::ui {

class PreferencesDialog : public QDialog {
    Q_OBJECT

public:
    explicit PreferencesDialog(const Preferences& preferences, QWidget* parent = nullptr);

    // The widgets show these values.
    void setPreferences(const Preferences& preferences);
    // The values the widgets hold (ports: as typed, when valid).
    Preferences preferences() const;
    // False while the ports field holds something that is not a port list.
    bool valid() const;
    QDialogButtonBox* buttons() const { return buttons_; }
    QLineEdit* keyLogField() const { return keyLog_; }

signals:
    // OK or Apply with valid values.
    void applied(const sockscope::ui::Preferences& preferences);

private:
    QWidget* buildCapturePage();
    QWidget* buildTlsBox();
    QWidget* buildDisplayPage();
    void chooseKeyLog();
    void checkPorts();
    void apply();

    Preferences shown_;  // what setPreferences() gave (kept where a widget is untouched)
    QLineEdit* ports_ = nullptr;
    QLabel* portsError_ = nullptr;
    QCheckBox* detect_ = nullptr;
    QLineEdit* keyLog_ = nullptr;
    std::map<Limit, QSpinBox*> limits_;
    QComboBox* time_ = nullptr;
    QComboBox* encoding_ = nullptr;
    QCheckBox* prettyJson_ = nullptr;
    QComboBox* indent_ = nullptr;
    QFontComboBox* tableFamily_ = nullptr;
    QSpinBox* tableSize_ = nullptr;
    QFontComboBox* fixedFamily_ = nullptr;
    QSpinBox* fixedSize_ = nullptr;
    QComboBox* theme_ = nullptr;
    QDialogButtonBox* buttons_ = nullptr;
    bool tableFontTouched_ = false;
    bool fixedFontTouched_ = false;
};

}  // namespace sockscope::ui
