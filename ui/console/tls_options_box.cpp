#include "console/tls_options_box.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace sockscope::ui {

QWidget* fileChooserRow(QLineEdit* edit, const QString& title, const QString& filter,
                        QWidget* parent) {
    auto* row = new QWidget(parent);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto* browse = new QPushButton(QObject::tr("Browse..."), row);
    layout->addWidget(browse);
    QObject::connect(browse, &QPushButton::clicked, edit, [edit, title, filter] {
        const QString path = QFileDialog::getOpenFileName(edit, title, edit->text(), filter);
        if (!path.isEmpty())
            edit->setText(path);
    });
    return row;
}

QLabel* createCertificateWarning(QWidget* parent) {
    auto* warning = new QLabel(
        QObject::tr("\u26a0 Certificate errors are ignored: the server is not authenticated, "
                    "anyone in between can read and change this connection."),
        parent);
    warning->setWordWrap(true);
    warning->setStyleSheet(
        u"QLabel { color: white; background: #c62828; padding: 4px; font-weight: bold; }"_s);
    warning->setVisible(false);
    return warning;
}

TlsOptionsBox::TlsOptionsBox(QWidget* parent) : QWidget(parent) {
    caFile_ = new QLineEdit(this);
    caFile_->setPlaceholderText(tr("system CAs only"));
    caFile_->setAccessibleName(tr("Extra CA certificates"));
    ignore_ = new QCheckBox(tr("Ignore certificate errors"), this);
    ignore_->setToolTip(
        tr("Accept any server certificate: untrusted, expired or for another host"));
    warning_ = createCertificateWarning(this);

    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Extra CA certificates:"), this));
    row->addWidget(fileChooserRow(caFile_, tr("CA Certificates"),
                                  tr("PEM files (*.pem *.crt *.cer);;All files (*)"), this),
                   1);
    row->addWidget(ignore_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(row);
    layout->addWidget(warning_);
#if !QT_CONFIG(ssl)
    setEnabled(false);
    setToolTip(tr("This build has no TLS support"));
#endif
    connect(ignore_, &QCheckBox::toggled, warning_, &QWidget::setVisible);
    connect(ignore_, &QCheckBox::toggled, this, &TlsOptionsBox::ignoreCertificateErrorsChanged);
}

TlsOptionsBox::~TlsOptionsBox() = default;

QString TlsOptionsBox::caFile() const {
    return caFile_->text().trimmed();
}

void TlsOptionsBox::setCaFile(const QString& path) {
    caFile_->setText(path);
}

bool TlsOptionsBox::ignoreCertificateErrors() const {
    return ignore_->isChecked();
}

void TlsOptionsBox::setIgnoreCertificateErrors(bool ignore) {
    ignore_->setChecked(ignore);
}

std::optional<TlsChoice> TlsOptionsBox::choice(QString* error) const {
    TlsChoice result;
    const QString ca = caFile();
#if QT_CONFIG(ssl)
    if (!ca.isEmpty()) {
        auto certificates = session::loadCaFile(ca, error);
        if (!certificates)
            return std::nullopt;
        result.caCertificates = std::move(*certificates);
    }
    result.ignoreCertificateErrors = ignore_->isChecked();
#else
    if (!ca.isEmpty() || ignore_->isChecked()) {
        if (error)
            *error = tr("TLS options need a build with TLS support");
        return std::nullopt;
    }
#endif
    return result;
}

}  // namespace sockscope::ui
