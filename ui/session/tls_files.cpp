#include "session/tls_files.h"

#include <QFile>
#include <QFileInfo>
#include <QObject>

namespace sockscope::session {

#if QT_CONFIG(ssl)
std::optional<QList<QSslCertificate>> loadCaFile(const QString& path, QString* error) {
    const auto fail = [&](const QString& why) -> std::optional<QList<QSslCertificate>> {
        if (error)
            *error = QObject::tr("CA file %1: %2").arg(QFileInfo(path).fileName(), why);
        return std::nullopt;
    };
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(file.errorString());
    QList<QSslCertificate> certificates = QSslCertificate::fromDevice(&file, QSsl::Pem);
    if (certificates.isEmpty())
        return fail(QObject::tr("no PEM certificate in it"));
    return certificates;
}
#endif

}  // namespace sockscope::session
