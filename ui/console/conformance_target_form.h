#pragma once
// The conformance tab's settings: what to test (a server at a ws:// URL, or a
// client: where the tester listens and, optionally, the command that starts
// the client for each case), which cases (a group, the CLI's --cases
// patterns) and how long a case may take. It only collects the fields; the
// run checks them (ConformanceRun::start).

#include <QWidget>

#include <optional>

#include "console/conformance_run.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace sockscope::ui {

class ConformanceTargetForm : public QWidget {
    Q_OBJECT

public:
    explicit ConformanceTargetForm(QWidget* parent = nullptr);

    // The fields as a plan, or nullopt with why (an address that is not one,
    // a command line with an open quote).
    std::optional<ConformancePlan> plan(QString* error = nullptr) const;
    ConformancePlan::Target target() const;
    void setTarget(ConformancePlan::Target target);
    // Fixed while a run goes on.
    void setEditable(bool editable);

    QComboBox* targetCombo() const { return target_; }
    QLineEdit* urlEdit() const { return url_; }
    QLineEdit* hostEdit() const { return host_; }
    QSpinBox* portSpin() const { return port_; }
    QCheckBox* allowRemote() const { return allowRemote_; }
    QLineEdit* commandEdit() const { return command_; }
    // Items carry the group's name as data ("" for all groups).
    QComboBox* groupCombo() const { return group_; }
    QLineEdit* casesEdit() const { return cases_; }
    QDoubleSpinBox* timeoutSpin() const { return timeout_; }

signals:
    void targetChanged();

private:
    void updateRows();

    QFormLayout* form_ = nullptr;
    QComboBox* target_ = nullptr;
    QLineEdit* url_ = nullptr;
    QLabel* urlNote_ = nullptr;
    QLineEdit* host_ = nullptr;
    QSpinBox* port_ = nullptr;
    QCheckBox* allowRemote_ = nullptr;
    QLineEdit* command_ = nullptr;
    QComboBox* group_ = nullptr;
    QLineEdit* cases_ = nullptr;
    QDoubleSpinBox* timeout_ = nullptr;
};

}  // namespace sockscope::ui
