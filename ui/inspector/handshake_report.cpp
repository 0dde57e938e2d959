#include "inspector/handshake_report.h"
#include "session/qt_text.h"

#include <sockscope/core/extension_header.h>
#include <sockscope/core/handshake.h>
#include <sockscope/core/http_message.h>
#include <sockscope/core/permessage_deflate.h>
#include <sockscope/dissector/anomaly.h>

#include <QCoreApplication>
#include <QSet>

#include <algorithm>
#include <string_view>

namespace sockscope::ui {
namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("HandshakeReport", text);
}

using Headers = std::vector<std::pair<std::string, std::string>>;

// All values of a header joined with ", " (RFC 9110 §5.3); nullopt when absent.
std::optional<std::string> header(const Headers& headers, std::string_view name) {
    std::optional<std::string> out;
    for (const auto& [n, v] : headers) {
        if (!equalsIgnoreCase(n, name))
            continue;
        if (out)
            *out += ", " + v;
        else
            out = v;
    }
    return out;
}

QString statusName(int status) {
    switch (status) {
        case 101:
            return QStringLiteral("Switching Protocols");
        case 200:
            return QStringLiteral("OK");
        case 301:
            return QStringLiteral("Moved Permanently");
        case 302:
            return QStringLiteral("Found");
        case 400:
            return QStringLiteral("Bad Request");
        case 401:
            return QStringLiteral("Unauthorized");
        case 403:
            return QStringLiteral("Forbidden");
        case 404:
            return QStringLiteral("Not Found");
        case 405:
            return QStringLiteral("Method Not Allowed");
        case 426:
            return QStringLiteral("Upgrade Required");
        case 429:
            return QStringLiteral("Too Many Requests");
        case 500:
            return QStringLiteral("Internal Server Error");
        case 502:
            return QStringLiteral("Bad Gateway");
        case 503:
            return QStringLiteral("Service Unavailable");
        default:
            return {};
    }
}

AcceptCheck checkAccept(const Headers& request, const Headers& response, int status) {
    AcceptCheck check;
    const std::optional<std::string> key = header(request, "Sec-WebSocket-Key");
    const std::optional<std::string> accept = header(response, "Sec-WebSocket-Accept");
    if (key) {
        check.key = fromStd(*key);
        check.expected = fromStd(computeWebSocketAccept(*key));
    }
    if (accept)
        check.received = fromStd(*accept);
    if (!accept && status != 101) {
        check.verdict = AcceptVerdict::NotChecked;
        check.text = tr("The server refused the upgrade: there is no accept value to check.");
    } else if (!key) {
        check.verdict = AcceptVerdict::MissingKey;
        check.text =
            tr("The request has no Sec-WebSocket-Key: the accept value cannot be checked.");
    } else if (!accept) {
        check.verdict = AcceptVerdict::MissingAccept;
        check.text = tr("Sec-WebSocket-Accept is missing (expected %1).").arg(check.expected);
    } else if (*accept == computeWebSocketAccept(*key)) {
        check.verdict = AcceptVerdict::Match;
        check.text = tr("Sec-WebSocket-Accept is correct: %1.").arg(check.received);
    } else {
        check.verdict = AcceptVerdict::Mismatch;
        check.text = tr("Sec-WebSocket-Accept is wrong: expected %1, received %2.")
                         .arg(check.expected, check.received);
    }
    return check;
}

// §7.1.2.1: a decimal 8..15 without leading zeros.
std::optional<int> windowBits(const QString& text) {
    if (text.isEmpty() || text.size() > 2 || text.front() == u'0')
        return std::nullopt;
    bool ok = false;
    const int bits = text.toInt(&ok);
    if (!ok || bits < 8 || bits > 15)
        return std::nullopt;
    return bits;
}

QString sideContext(bool serverSide, bool resets) {
    const QString who = serverSide ? tr("The server") : tr("The client");
    return resets ? tr("%1 resets its compression context after every message.").arg(who)
                  : tr("%1 keeps its compression context from message to message.").arg(who);
}

ExtensionReport explainExtension(const Extension& extension, bool offer) {
    ExtensionReport report;
    report.name = fromStd(extension.name);
    report.understood = extension.name == kPermessageDeflate;
    report.summary = report.understood
                         ? tr("compresses every message's payload with DEFLATE (RFC 7692)")
                         : tr("not understood by Sockscope");
    QSet<QString> seen;
    for (const ExtensionParam& param : extension.params) {
        ExtensionParamReport p;
        p.name = fromStd(param.name);
        if (param.value)
            p.value = fromStd(*param.value);
        if (!report.understood)
            p.explanation = tr("not understood by Sockscope");
        else if (seen.contains(p.name))
            p.explanation = tr("invalid: given twice (RFC 7692 §7.1)");
        else
            p.explanation = explainDeflateParam(p.name, p.value, offer);
        seen.insert(p.name);
        report.params.push_back(std::move(p));
    }
    return report;
}

std::vector<ExtensionReport> explainList(const std::optional<std::string>& value, bool offer,
                                         QStringList& notes) {
    std::vector<ExtensionReport> out;
    if (!value)
        return out;
    const ExtensionListParse parse = parseExtensionList(*value);
    if (parse.error) {
        notes << (offer ? tr("The request's Sec-WebSocket-Extensions is malformed: %1")
                        : tr("The response's Sec-WebSocket-Extensions is malformed: %1"))
                     .arg(fromStd(*parse.error));
    }
    for (const Extension& e : parse.extensions)
        out.push_back(explainExtension(e, offer));
    return out;
}

QStringList splitList(const std::optional<std::string>& value) {
    QStringList out;
    if (!value)
        return out;
    for (const QString& part : fromStd(*value).split(u',')) {
        const QString token = part.trimmed();
        if (!token.isEmpty())
            out << token;
    }
    return out;
}

QStringList compressionLines(const dissector::HandshakeEvent& h,
                             const std::vector<ExtensionReport>& accepted) {
    const bool deflateAccepted =
        std::any_of(accepted.begin(), accepted.end(),
                    [](const ExtensionReport& e) { return e.name == u"permessage-deflate"; });
    if (h.deflate) {
        const DeflateParams& d = *h.deflate;
        return {tr("The server compresses with %1.").arg(windowText(d.serverMaxWindowBits)) + u' ' +
                    sideContext(true, d.serverNoContextTakeover),
                tr("The client compresses with %1.").arg(windowText(d.clientMaxWindowBits)) + u' ' +
                    sideContext(false, d.clientNoContextTakeover)};
    }
    if (deflateAccepted)
        return {
            tr("The accepted permessage-deflate does not match the offer: compressed "
               "messages are not decompressed.")};
    if (h.status == 101)
        return {tr("No compression was agreed: RSV1 must stay clear.")};
    return {};
}

}  // namespace

QString windowText(int bits) {
    if (bits < 0 || bits > 40)
        return tr("a window of 2^%1 bytes").arg(bits);
    const std::uint64_t bytes = std::uint64_t(1) << bits;
    const QString size = bits >= 10 ? tr("%1 KiB").arg(bytes >> 10) : tr("%1-byte").arg(bytes);
    return tr("a %1 window (2^%2)").arg(size).arg(bits);
}

QString explainDeflateParam(const QString& name, const std::optional<QString>& value, bool offer) {
    const bool serverSide = name.startsWith(u"server_");
    if (name == u"server_no_context_takeover" || name == u"client_no_context_takeover") {
        if (value)
            return tr("invalid: takes no value (RFC 7692 §7.1)");
        if (offer && serverSide)
            return tr(
                "the client asks the server to reset its compression context after every "
                "message");
        if (offer)
            return tr("the client says it resets its compression context after every message");
        return serverSide ? tr("the server resets its compression context after every message")
                          : tr("the client resets its compression context after every message");
    }
    if (name == u"server_max_window_bits" || name == u"client_max_window_bits") {
        if (!value) {
            if (offer && !serverSide)
                return tr("the client can compress with a smaller window if the server asks");
            return tr("invalid: needs a window size, 8 to 15 (RFC 7692 §7.1.2)");
        }
        const std::optional<int> bits = windowBits(*value);
        if (!bits)
            return tr("invalid: \"%1\" is not a window size, 8 to 15 (RFC 7692 §7.1.2)")
                .arg(*value);
        if (offer && serverSide)
            return tr("the client asks the server to compress with at most %1")
                .arg(windowText(*bits));
        if (offer)
            return tr("the client will compress with at most %1").arg(windowText(*bits));
        return serverSide ? tr("the server compresses with %1").arg(windowText(*bits))
                          : tr("the client compresses with %1").arg(windowText(*bits));
    }
    return tr("invalid: not a permessage-deflate parameter (RFC 7692 §7.1)");
}

HandshakeReport analyzeHandshake(const dissector::HandshakeEvent& h) {
    if (h.detectedWithoutHandshake)
        return reportWithoutHandshake(fromStd(h.detection));
    HandshakeReport r;
    r.seen = true;
    r.target = fromStd(h.target);
    r.status = h.status;
    const QString name = statusName(h.status);
    r.statusText =
        name.isEmpty() ? QString::number(h.status) : QString::number(h.status) + u' ' + name;
    r.summary = tr("GET %1 → %2").arg(r.target, r.statusText);
    r.accept = checkAccept(h.requestHeaders, h.responseHeaders, h.status);

    const std::optional<std::string> key = header(h.requestHeaders, "Sec-WebSocket-Key");
    if (key && !isValidWebSocketKey(*key))
        r.notes << tr("Sec-WebSocket-Key is not the base64 of 16 bytes (RFC 6455 §4.1).");
    if (h.status != 101)
        r.notes << tr("The server refused the upgrade with status %1.").arg(r.statusText);

    r.offeredSubprotocols = splitList(header(h.requestHeaders, "Sec-WebSocket-Protocol"));
    if (h.subprotocol)
        r.subprotocol = fromStd(*h.subprotocol);
    const QString offered = r.offeredSubprotocols.join(QStringLiteral(", "));
    if (r.subprotocol && r.offeredSubprotocols.isEmpty())
        r.subprotocolText = tr("%1 (none offered)").arg(*r.subprotocol);
    else if (r.subprotocol)
        r.subprotocolText = tr("%1 (offered: %2)").arg(*r.subprotocol, offered);
    else if (!r.offeredSubprotocols.isEmpty())
        r.subprotocolText = tr("none (offered: %1)").arg(offered);
    else
        r.subprotocolText = tr("none");
    if (r.subprotocol && !r.offeredSubprotocols.contains(*r.subprotocol))
        r.notes << tr("The server chose the subprotocol \"%1\", which the client did not offer "
                      "(RFC 6455 §4.1).")
                       .arg(*r.subprotocol);

    r.offeredExtensions =
        explainList(header(h.requestHeaders, "Sec-WebSocket-Extensions"), true, r.notes);
    r.acceptedExtensions =
        explainList(header(h.responseHeaders, "Sec-WebSocket-Extensions"), false, r.notes);
    r.compression = compressionLines(h, r.acceptedExtensions);
    return r;
}

HandshakeReport reportWithoutHandshake(const QString& detection) {
    HandshakeReport r;
    r.summary = detection.isEmpty()
                    ? tr("No handshake in the capture; compression state unknown.")
                    : tr("No handshake in the capture: detected by %1; compression state "
                         "unknown.")
                          .arg(detection);
    r.subprotocolText = tr("unknown");
    r.compression = {
        tr("Compressed (RSV1) messages cannot be decompressed without the "
           "handshake.")};
    return r;
}

HandshakeReport reportFor(const ConnectionRecord& connection, const QString& detection) {
    if (connection.handshake)
        return analyzeHandshake(connection.handshake->event());
    if (connection.tls && detection.isEmpty()) {
        // Not "missing from the capture": it is there, inside TLS that was not decrypted.
        HandshakeReport r;
        r.summary =
            tr("The WebSocket handshake, if any, is inside TLS that was not decrypted "
               "(see TLS: keys).");
        r.subprotocolText = tr("unknown");
        return r;
    }
    return reportWithoutHandshake(detection);
}

QString detectionText(const CaptureIndex& index, std::uint32_t conn) {
    const std::string_view kind =
        dissector::captureAnomalyInfo(dissector::CaptureAnomaly::HandshakeNotSeen).id;
    for (RowId row = 0; row < index.anomalyCount(); ++row) {
        const AnomalyRecord& a = index.anomaly(row);
        if (a.conn != conn || a.kind != kind)
            continue;
        // The dissector's wording is "decoded as WebSocket because of --ws-port
        // N; …" or "recognised as WebSocket without a handshake: EVIDENCE; …":
        // keep the evidence, which reads after "detected by".
        QString detail = fromStd(a.detail);
        for (const QString& prefix : {QStringLiteral("decoded as WebSocket because of "),
                                      QStringLiteral("recognised as WebSocket without a "
                                                     "handshake: ")}) {
            if (detail.startsWith(prefix)) {
                detail = detail.mid(prefix.size());
                const qsizetype end = detail.indexOf(u';');
                if (end >= 0)
                    detail.truncate(end);
                break;
            }
        }
        return detail;
    }
    return {};
}

}  // namespace sockscope::ui
