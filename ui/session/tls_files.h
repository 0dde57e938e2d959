#pragma once
// Reading the PEM files a TLS client is given: extra CA certificates to trust
// besides the system's. Shared by the console's TLS options and `connect`.

#include <QtNetwork/qtnetworkglobal.h>
#include <QList>
#include <QString>
#include <optional>

#if QT_CONFIG(ssl)
#include <QSslCertificate>
#endif

namespace sockscope::session {

#if QT_CONFIG(ssl)
// The PEM certificates in `path`; nullopt and why, naming the file
// ("CA file ca.pem: no PEM certificate in it").
std::optional<QList<QSslCertificate>> loadCaFile(const QString& path, QString* error = nullptr);
#endif

}  // namespace sockscope::session
