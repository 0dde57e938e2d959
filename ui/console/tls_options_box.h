#pragma once
// The TLS choices the replay and comparison tabs share with the client tab:
// an extra CA file (trusted besides the system CAs) and "ignore certificate
// errors", with the red warning shown while it is on. The client tab keeps
// its own fields (ClientOptionsForm) but the same CA loading, file chooser
// and warning.

#include <QtNetwork/qtnetworkglobal.h>
#include <QList>
#include <QString>
#include <QWidget>
#include <optional>

#include "session/tls_files.h"

class QCheckBox;
class QLabel;
class QLineEdit;

namespace sockscope::ui {

// `edit` with a "Browse..." button that fills it from a file dialog.
QWidget* fileChooserRow(QLineEdit* edit, const QString& title, const QString& filter,
                        QWidget* parent);

// The red "certificate errors are ignored" warning, hidden; show it while ignoring.
QLabel* createCertificateWarning(QWidget* parent);

struct TlsChoice {
#if QT_CONFIG(ssl)
    QList<QSslCertificate> caCertificates;  // empty: the system CAs only
#endif
    bool ignoreCertificateErrors = false;
};

class TlsOptionsBox : public QWidget {
    Q_OBJECT

public:
    explicit TlsOptionsBox(QWidget* parent = nullptr);
    ~TlsOptionsBox() override;

    QString caFile() const;
    void setCaFile(const QString& path);
    bool ignoreCertificateErrors() const;
    void setIgnoreCertificateErrors(bool ignore);

    // The fields with the CA file read; nullopt and why (the CA file, or TLS
    // options in a build without TLS).
    std::optional<TlsChoice> choice(QString* error = nullptr) const;

    QLineEdit* caFileEdit() const { return caFile_; }
    QLabel* warning() const { return warning_; }

signals:
    void ignoreCertificateErrorsChanged(bool ignore);

private:
    QLineEdit* caFile_ = nullptr;
    QCheckBox* ignore_ = nullptr;
    QLabel* warning_ = nullptr;
};

}  // namespace sockscope::ui
