#pragma once
// A TLS connection's facts in words for the connection table and the
// handshake pane: version, cipher suite, SNI, ALPN offered and selected,
// whether the key log held its keys, and the TLS anomalies that explain
// missing or wrong keys (or say what else went wrong). Widget-free.

#include <QString>
#include <QStringList>

#include <cstdint>

#include "inspector/capture_index.h"

namespace sockscope::ui {

struct TlsReport {
    bool tls = false;  // else the connection is cleartext and the rest is empty
    QString version;   // "TLS 1.3"; "unknown (no ServerHello seen)"
    QString cipherSuite;
    QString serverName;  // "none" when the client sent no SNI
    QString alpnOffered;
    QString alpnSelected;
    QString keys;            // the key status in words
    bool decrypted = false;  // keys found (all or some)
    // "tls-no-key: detail (RFC 8446 §7)", first ones first; at most kProblemsShown.
    QStringList problems;
    std::uint64_t moreProblems = 0;  // TLS anomalies not listed
    static constexpr int kProblemsShown = 8;
};

// The connection table's cell: "1.3 · AES_128_GCM", "1.2 · ECDHE_RSA AES_256_GCM ·
// no key", "—" for cleartext.
QString tlsColumnText(const ConnectionRecord& connection);
// "found", "partial", "missing", "not-decryptable", "pending" in words.
QString keyStatusText(const std::string& keys);
// One pass over the anomalies: call it when a connection is selected, not per row.
TlsReport tlsReportFor(const CaptureIndex& index, std::uint32_t conn);

}  // namespace sockscope::ui
