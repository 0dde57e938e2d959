#pragma once
// A connection's opening handshake explained for the handshake pane: the
// Sec-WebSocket-Accept check recomputed from the request's key (not taken on
// trust from the dissector), status, subprotocol, and every extension offered
// and accepted with its parameters in words. Also the case of a connection
// recognised without any handshake. Widget-free.

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

#include "inspector/capture_index.h"

namespace sockscope::ui {

enum class AcceptVerdict {
    Match,
    Mismatch,
    MissingAccept,  // a 101 response without Sec-WebSocket-Accept
    MissingKey,     // the request had no Sec-WebSocket-Key: nothing to check against
    NotChecked,     // the upgrade was refused and the response carries no accept value
};

struct AcceptCheck {
    AcceptVerdict verdict = AcceptVerdict::NotChecked;
    QString key;       // the request's Sec-WebSocket-Key
    QString expected;  // base64(SHA-1(key + GUID)); empty without a key
    QString received;  // the response's Sec-WebSocket-Accept; empty when absent
    QString text;      // the verdict in one sentence
    bool ok() const { return verdict == AcceptVerdict::Match; }
};

struct ExtensionParamReport {
    QString name;
    std::optional<QString> value;  // nullopt: a valueless parameter
    QString explanation;
};

struct ExtensionReport {
    QString name;
    bool understood = false;  // Sockscope knows what this extension does
    QString summary;          // what the extension is, or "not understood by Sockscope"
    std::vector<ExtensionParamReport> params;
};

struct HandshakeReport {
    bool seen = false;  // the capture holds the handshake
    QString summary;    // one line: "GET /chat → 101 Switching Protocols", or the detection
    QString target;
    int status = 0;
    QString statusText;  // "101 Switching Protocols"
    AcceptCheck accept;
    std::optional<QString> subprotocol;  // what the server chose
    QStringList offeredSubprotocols;
    QString subprotocolText;  // "chat (offered: chat, superchat)", "none"
    std::vector<ExtensionReport> offeredExtensions;
    std::vector<ExtensionReport> acceptedExtensions;
    QStringList compression;  // what was agreed about compression, one sentence per line
    QStringList notes;        // problems worth a warning (bad key, unoffered subprotocol, …)
};

HandshakeReport analyzeHandshake(const dissector::HandshakeEvent& handshake);
// A connection recognised from its frames alone; `detection` says how (may be empty).
HandshakeReport reportWithoutHandshake(const QString& detection);
// The report for a connection record: its handshake, or the "no handshake" report.
HandshakeReport reportFor(const ConnectionRecord& connection, const QString& detection = {});

// How a connection without a handshake was recognised, from its
// handshake-not-seen anomaly ("--ws-port 8765", "5 consecutive valid frames,
// masked (confidence: medium)"); empty when there is none. One pass over the
// anomalies: call it when a connection is selected, not per row.
QString detectionText(const CaptureIndex& index, std::uint32_t conn);

// Parameters of a permessage-deflate element in words. `offer`: the
// client's request header (else the server's response).
QString explainDeflateParam(const QString& name, const std::optional<QString>& value, bool offer);
// "a 1 KiB window (2^10)", "a 256-byte window (2^8)".
QString windowText(int bits);

}  // namespace sockscope::ui
