#include "console/conformance_target_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QSpinBox>

#include "session/conformance_case.h"
#include "session/qt_text.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {
ConformanceTargetForm::ConformanceTargetForm(QWidget* parent) : QWidget(parent) {
    target_ = new QComboBox(this);
    target_->addItem(tr("Test a server"), int(ConformancePlan::Target::Server));
    target_->addItem(tr("Test a client"), int(ConformancePlan::Target::Client));

    url_ = new QLineEdit(this);
    url_->setPlaceholderText(u"ws://127.0.0.1:8765/"_s);
    url_->setToolTip(tr("The server under test; each case opens its own connection"));
    urlNote_ = new QLabel(tr("ws:// only: the tester has no wss:// yet"), this);
    urlNote_->setEnabled(false);  // greyed: a remark, not a field

    host_ = new QLineEdit(u"127.0.0.1"_s, this);
    host_->setToolTip(tr("The address the tester listens on for the client under test"));
    port_ = new QSpinBox(this);
    port_->setRange(0, 65535);
    port_->setSpecialValueText(tr("any free port"));
    allowRemote_ = new QCheckBox(tr("Let other machines connect"), this);
    allowRemote_->setToolTip(tr("Needed for any address that is not loopback"));
    command_ = new QLineEdit(this);
    command_->setPlaceholderText(tr("optional: sockscope-cli connect --echo"));
    command_->setToolTip(
        tr("Started once per case, with the case's URL as its last argument and in "
           "$SOCKSCOPE_CONFORM_URL; it must echo every message until the tester closes. "
           "Split like a command line (quotes group), but never run through a shell. "
           "Empty: start the client yourself, pointed at the URL shown."));

    group_ = new QComboBox(this);
    group_->addItem(tr("All groups"), QString());
    for (const session::conformance::Group& group : session::conformance::groups()) {
        group_->addItem(fromStd(group.number) + u"  "_s + fromStd(group.title),
                        fromStd(group.name));
    }
    cases_ = new QLineEdit(this);
    cases_->setPlaceholderText(tr("all, or e.g. 1.*,6.4.*,7.3.2"));
    cases_->setToolTip(
        tr("Case ids and patterns, comma-separated, as sockscope-cli conform "
           "--cases takes them"));
    timeout_ = new QDoubleSpinBox(this);
    timeout_->setRange(0.1, 3600);
    timeout_->setDecimals(1);
    timeout_->setValue(5);
    timeout_->setSuffix(tr(" s"));
    timeout_->setToolTip(tr("How long a case may take (the 16 MiB cases get 4 times as long)"));

    form_ = new QFormLayout(this);
    form_->setContentsMargins(0, 0, 0, 0);
    form_->addRow(tr("Target:"), target_);
    form_->addRow(tr("Server URL:"), url_);
    form_->addRow(QString(), urlNote_);
    form_->addRow(tr("Listen on:"), host_);
    form_->addRow(tr("Port:"), port_);
    form_->addRow(QString(), allowRemote_);
    form_->addRow(tr("Client command:"), command_);
    form_->addRow(tr("Group:"), group_);
    form_->addRow(tr("Cases:"), cases_);
    form_->addRow(tr("Case timeout:"), timeout_);

    connect(target_, &QComboBox::currentIndexChanged, this, [this] {
        updateRows();
        emit targetChanged();
    });
    updateRows();
}

ConformancePlan::Target ConformanceTargetForm::target() const {
    return ConformancePlan::Target(target_->currentData().toInt());
}

void ConformanceTargetForm::setTarget(ConformancePlan::Target target) {
    target_->setCurrentIndex(target_->findData(int(target)));
}

void ConformanceTargetForm::updateRows() {
    const bool server = target() == ConformancePlan::Target::Server;
    for (QWidget* row : {static_cast<QWidget*>(url_), static_cast<QWidget*>(urlNote_)})
        form_->setRowVisible(row, server);
    for (QWidget* row : {static_cast<QWidget*>(host_), static_cast<QWidget*>(port_),
                         static_cast<QWidget*>(allowRemote_), static_cast<QWidget*>(command_)})
        form_->setRowVisible(row, !server);
}

void ConformanceTargetForm::setEditable(bool editable) {
    for (QWidget* field :
         {static_cast<QWidget*>(target_), static_cast<QWidget*>(url_), static_cast<QWidget*>(host_),
          static_cast<QWidget*>(port_), static_cast<QWidget*>(allowRemote_),
          static_cast<QWidget*>(command_), static_cast<QWidget*>(group_),
          static_cast<QWidget*>(cases_), static_cast<QWidget*>(timeout_)})
        field->setEnabled(editable);
}

std::optional<ConformancePlan> ConformanceTargetForm::plan(QString* error) const {
    ConformancePlan plan;
    plan.target = target();
    plan.url = url_->text().trimmed();
    const QString host = host_->text().trimmed();
    plan.host = host == u"localhost"_s ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
    if (plan.target == ConformancePlan::Target::Client && plan.host.isNull()) {
        if (error)
            *error = tr("'%1' is not an IP address").arg(host);
        return std::nullopt;
    }
    plan.port = quint16(port_->value());
    plan.allowRemote = allowRemote_->isChecked();
    const QString command = command_->text().trimmed();
    plan.command = QProcess::splitCommand(command);
    if (!command.isEmpty() && plan.command.isEmpty()) {
        if (error)
            *error = tr("The client command '%1' names no program").arg(command);
        return std::nullopt;
    }
    plan.group = group_->currentData().toString();
    plan.cases = cases_->text().trimmed();
    plan.timeoutMs = int(timeout_->value() * 1000);
    return plan;
}

}  // namespace sockscope::ui
