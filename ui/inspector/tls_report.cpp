#include "inspector/tls_report.h"
#include "session/qt_text.h"

#include <QCoreApplication>

namespace sockscope::ui {
namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("TlsReport", text);
}

// "TLS_AES_128_GCM_SHA256" -> "AES_128_GCM";
// "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" -> "ECDHE_RSA_AES_256_GCM".
QString shortSuite(const std::string& suite) {
    QString s = fromStd(suite);
    if (s.startsWith(QLatin1String("TLS_")))
        s.remove(0, 4);
    for (const QLatin1String hash : {QLatin1String("_SHA256"), QLatin1String("_SHA384")})
        if (s.endsWith(hash))
            s.chop(hash.size());
    s.replace(QLatin1String("_WITH_"), QLatin1String("_"));
    return s;
}

QString joined(const std::vector<std::string>& list) {
    QStringList out;
    for (const std::string& s : list)
        out << fromStd(s);
    return out.join(QStringLiteral(", "));
}

}  // namespace

QString keyStatusText(const std::string& keys) {
    if (keys == "found")
        return tr("found in the key log: decrypted");
    if (keys == "partial")
        return tr(
            "partial: the key log holds only some of the secrets (for example the "
            "handshake's, not the traffic's)");
    if (keys == "missing")
        return tr("missing: the key log holds no secret for this connection");
    if (keys == "not-decryptable")
        return tr("not decryptable: the version or cipher suite is not one Sockscope decrypts");
    if (keys == "pending")
        return tr("unknown: no ServerHello was seen");
    return fromStd(keys);
}

QString tlsColumnText(const ConnectionRecord& connection) {
    if (!connection.tls)
        return QStringLiteral("—");
    const dissector::TlsConnectionInfo& tls = *connection.tls;
    if (tls.version.empty())
        return tr("TLS (no ServerHello)");
    QString version = fromStd(tls.version);
    if (version.startsWith(QLatin1String("TLS ")))
        version.remove(0, 4);
    QString text = version + QStringLiteral(" · ") + shortSuite(tls.cipherSuite);
    if (tls.keys == "missing")
        text += tr(" · no key");
    else if (tls.keys == "partial")
        text += tr(" · partial keys");
    else if (tls.keys == "not-decryptable")
        text += tr(" · not decryptable");
    return text;
}

TlsReport tlsReportFor(const CaptureIndex& index, std::uint32_t conn) {
    TlsReport r;
    const ConnectionRecord* c = index.connection(conn);
    if (!c || !c->tls)
        return r;
    const dissector::TlsConnectionInfo& tls = *c->tls;
    r.tls = true;
    r.version = tls.version.empty() ? tr("unknown (no ServerHello seen)") : fromStd(tls.version);
    r.cipherSuite = tls.cipherSuite.empty() ? tr("unknown") : fromStd(tls.cipherSuite);
    r.serverName = tls.serverName.empty() ? tr("none sent") : fromStd(tls.serverName);
    r.alpnOffered = tls.alpnOffered.empty() ? tr("none") : joined(tls.alpnOffered);
    r.alpnSelected = tls.alpnSelected.empty() ? (tls.keys == "found" || tls.version == "TLS 1.2"
                                                     ? tr("none")
                                                     : tr("not known (TLS 1.3 sends it encrypted)"))
                                              : fromStd(tls.alpnSelected);
    r.keys = keyStatusText(tls.keys);
    r.decrypted = tls.keys == "found" || tls.keys == "partial";
    for (RowId row = 0; row < index.anomalyCount(); ++row) {
        const AnomalyRecord& a = index.anomaly(row);
        if (a.conn != conn || !a.kind.starts_with("tls-"))
            continue;
        if (r.problems.size() >= TlsReport::kProblemsShown) {
            ++r.moreProblems;
            continue;
        }
        QString line = fromStd(a.kind);
        if (!a.rfc.empty())
            line += QStringLiteral(" (") + fromStd(a.rfc) + u')';
        r.problems << line + QStringLiteral(": ") + fromStd(a.detail);
    }
    return r;
}

}  // namespace sockscope::ui
