#include "inspector/session_diff.h"

#include <QStringList>
#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include <sockscope/core/close_code.h>

#include "inspector/capture_document.h"
#include "session/qt_text.h"

namespace sockscope::ui {

namespace {

using dissector::Direction;

constexpr std::uint8_t kClose = 8;
constexpr std::uint8_t kPing = 9;
constexpr std::uint8_t kPong = 10;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return s;
}

QString sideName(Direction d) {
    return d == Direction::Client ? QStringLiteral("client") : QStringLiteral("server");
}

QString opcodeName(std::uint8_t opcode) {
    switch (opcode) {
        case 1:
            return QStringLiteral("text");
        case 2:
            return QStringLiteral("binary");
        case kClose:
            return QStringLiteral("close");
        case kPing:
            return QStringLiteral("ping");
        case kPong:
            return QStringLiteral("pong");
        default:
            return QStringLiteral("opcode %1").arg(opcode);
    }
}

// One connection's view, gathered once.
struct Side {
    const CaptureDocument* document = nullptr;
    const ConnectionRecord* record = nullptr;
    // Per direction: data messages (text, binary, other) and control ones (ping, pong).
    std::vector<RowId> data[2];
    std::vector<RowId> control[2];
    std::optional<RowId> close[2];
    std::uint64_t frames[2] = {0, 0};
    std::uint64_t masked[2] = {0, 0};
    std::map<std::pair<int, std::string>, std::pair<int, std::string>> anomalies;  // count, detail
};

Side gather(const CaptureDocument& document, std::uint32_t conn) {
    Side side;
    side.document = &document;
    const CaptureIndex& index = document.index();
    side.record = index.connection(conn);
    if (!side.record) {
        return side;
    }
    for (RowId row = 0; row < index.messageCount(); ++row) {
        const MessageRecord m = index.message(row);
        if (m.conn != conn) {
            continue;
        }
        const int d = m.fromServer() ? 1 : 0;
        if (m.opcode == kClose) {
            if (!side.close[d]) {
                side.close[d] = row;
            }
        } else if (m.opcode == kPing || m.opcode == kPong) {
            side.control[d].push_back(row);
        } else {
            side.data[d].push_back(row);
        }
    }
    for (RowId row = 0; row < index.frameCount(); ++row) {
        const FrameRecord f = index.frame(row);
        if (f.conn != conn) {
            continue;
        }
        const int d = f.fromServer() ? 1 : 0;
        ++side.frames[d];
        if (f.flags & frame_flag::Masked) {
            ++side.masked[d];
        }
    }
    for (RowId row = 0; row < index.anomalyCount(); ++row) {
        const AnomalyRecord& a = index.anomaly(row);
        if (a.conn != conn) {
            continue;
        }
        const int d = !a.dir ? -1 : (*a.dir == Direction::Server ? 1 : 0);
        auto& entry = side.anomalies[{d, a.kind}];
        if (entry.first++ == 0) {
            entry.second = a.detail;
        }
    }
    return side;
}

class Differ {
public:
    Differ(const Side& left, const Side& right, const DiffOptions& options)
        : l_(left), r_(right), options_(options) {}

    std::vector<SessionDifference> run() {
        handshake();
        for (const Direction d : {Direction::Client, Direction::Server}) {
            const int i = d == Direction::Server ? 1 : 0;
            messages(d, l_.data[i], r_.data[i], QString());
            messages(d, l_.control[i], r_.control[i], QStringLiteral("control "));
            masking(d);
            close(d);
        }
        ending();
        anomalies();
        return std::move(out_);
    }

private:
    void add(DiffKind kind, QString what, QString left, QString right,
             std::optional<std::uint64_t> message = {},
             std::optional<std::uint64_t> firstByte = {}) {
        out_.push_back(
            {kind, std::move(what), std::move(left), std::move(right), message, firstByte});
    }

    void handshake() {
        const auto* lh = l_.record && l_.record->handshake ? &*l_.record->handshake : nullptr;
        const auto* rh = r_.record && r_.record->handshake ? &*r_.record->handshake : nullptr;
        if (!lh || !rh) {
            if (lh || rh) {
                const QString has = QStringLiteral("handshake");
                const QString none = QStringLiteral("no handshake");
                add(DiffKind::Handshake, QStringLiteral("opening handshake"), lh ? has : none,
                    rh ? has : none);
            }
            return;
        }
        const dissector::HandshakeEvent le = lh->event();
        const dissector::HandshakeEvent re = rh->event();
        requestHeaders(le.requestHeaders, re.requestHeaders);
        if (le.status != re.status) {
            add(DiffKind::Handshake, QStringLiteral("response status"), QString::number(le.status),
                QString::number(re.status));
        }
        if (le.subprotocol != re.subprotocol) {
            add(DiffKind::Handshake, QStringLiteral("subprotocol"),
                le.subprotocol ? fromStd(*le.subprotocol) : QString(),
                re.subprotocol ? fromStd(*re.subprotocol) : QString());
        }
        if (le.extensions != re.extensions) {
            add(DiffKind::Handshake, QStringLiteral("extensions accepted"), fromStd(le.extensions),
                fromStd(re.extensions));
        }
    }

    using Headers = std::vector<std::pair<std::string, std::string>>;

    struct HeaderInfo {
        std::string spelling;  // the first occurrence's
        QStringList values;
    };

    static std::map<std::string, HeaderInfo> byName(const Headers& headers,
                                                    std::vector<std::string>& order) {
        std::map<std::string, HeaderInfo> out;
        for (const auto& [name, value] : headers) {
            const std::string key = lower(name);
            auto [it, inserted] = out.try_emplace(key);
            if (inserted) {
                it->second.spelling = name;
                order.push_back(key);
            }
            it->second.values.append(fromStd(value));
        }
        return out;
    }

    void requestHeaders(const Headers& left, const Headers& right) {
        std::vector<std::string> lorder, rorder;
        const auto lh = byName(left, lorder);
        const auto rh = byName(right, rorder);
        const auto skipped = [](const std::string& key) {
            return key == "sec-websocket-key" || key == "sec-websocket-extensions";
        };
        const auto joined = [](const std::map<std::string, HeaderInfo>& h, const char* key) {
            const auto it = h.find(key);
            return it == h.end() ? QString() : it->second.values.join(u", ");
        };
        const QString lext = joined(lh, "sec-websocket-extensions");
        const QString rext = joined(rh, "sec-websocket-extensions");
        if (lext != rext) {
            add(DiffKind::ExtensionsOffered, QStringLiteral("Sec-WebSocket-Extensions"), lext,
                rext);
        }
        for (const std::string& key : lorder) {
            if (skipped(key)) {
                continue;
            }
            const HeaderInfo& l = lh.at(key);
            const auto r = rh.find(key);
            if (r == rh.end()) {
                add(DiffKind::HeaderMissing, fromStd(l.spelling), l.values.join(u", "), QString());
                continue;
            }
            if (l.values != r->second.values) {
                add(DiffKind::HeaderValue, fromStd(l.spelling), l.values.join(u", "),
                    r->second.values.join(u", "));
            }
            if (l.spelling != r->second.spelling) {
                add(DiffKind::HeaderValue, fromStd(l.spelling) + QStringLiteral(" (spelling)"),
                    fromStd(l.spelling), fromStd(r->second.spelling));
            }
        }
        for (const std::string& key : rorder) {
            if (!skipped(key) && !lh.contains(key)) {
                const HeaderInfo& r = rh.at(key);
                add(DiffKind::HeaderMissing, fromStd(r.spelling), QString(), r.values.join(u", "));
            }
        }
        // The order of the headers both sent.
        QStringList lcommon, rcommon;
        for (const std::string& key : lorder) {
            if (!skipped(key) && rh.contains(key)) {
                lcommon.append(fromStd(lh.at(key).spelling));
            }
        }
        for (const std::string& key : rorder) {
            if (!skipped(key) && lh.contains(key)) {
                rcommon.append(fromStd(rh.at(key).spelling));
            }
        }
        bool sameOrder = lcommon.size() == rcommon.size();
        for (qsizetype i = 0; sameOrder && i < lcommon.size(); ++i) {
            sameOrder = lcommon[i].compare(rcommon[i], Qt::CaseInsensitive) == 0;
        }
        if (!sameOrder) {
            add(DiffKind::HeaderOrder, QStringLiteral("request header order"), lcommon.join(u", "),
                rcommon.join(u", "));
        }
    }

    static QString frameSizes(const CaptureIndex& index, const std::vector<RowId>& frames) {
        QStringList sizes;
        for (const RowId f : frames) {
            sizes.append(QString::number(index.frame(f).payloadLength));
        }
        return QStringLiteral("%1 frame%2: %3 B")
            .arg(frames.size())
            .arg(frames.size() == 1 ? QString() : QStringLiteral("s"))
            .arg(sizes.join(u" + "));
    }

    static QString describe(const MessageRecord& m) {
        return QStringLiteral("%1, %2 B").arg(opcodeName(m.opcode)).arg(m.length);
    }

    void messages(Direction d, const std::vector<RowId>& left, const std::vector<RowId>& right,
                  const QString& prefix) {
        const CaptureIndex& li = l_.document->index();
        const CaptureIndex& ri = r_.document->index();
        const std::size_t common = std::min(left.size(), right.size());
        for (std::size_t i = 0; i < common; ++i) {
            const MessageRecord lm = li.message(left[i]);
            const MessageRecord rm = ri.message(right[i]);
            const QString what =
                QStringLiteral("%1 %2message %3").arg(sideName(d), prefix).arg(i + 1);
            if (lm.opcode != rm.opcode) {
                add(DiffKind::MessageType, what, describe(lm), describe(rm), i);
                continue;
            }
            payload(what, i, left[i], lm, right[i], rm);
            const std::vector<RowId> lf = li.framesOf(left[i]);
            const std::vector<RowId> rf = ri.framesOf(right[i]);
            if (lf.size() != rf.size()) {
                add(DiffKind::FrameCount, what, frameSizes(li, lf), frameSizes(ri, rf), i);
            } else if (lm.wireLength == rm.wireLength) {  // else the payload differs already
                for (std::size_t k = 0; k < lf.size(); ++k) {
                    if (li.frame(lf[k]).payloadLength != ri.frame(rf[k]).payloadLength) {
                        add(DiffKind::FrameSizes, what, frameSizes(li, lf), frameSizes(ri, rf), i);
                        break;
                    }
                }
            }
        }
        if (left.size() != right.size()) {
            add(DiffKind::MessageCount, QStringLiteral("%1 %2messages").arg(sideName(d), prefix),
                QString::number(left.size()), QString::number(right.size()), common);
        }
    }

    void payload(const QString& what, std::uint64_t i, RowId lrow, const MessageRecord& lm,
                 RowId rrow, const MessageRecord& rm) {
        const MessageBytes lb = l_.document->messageBytes(lrow, options_.payloadLimit);
        const MessageBytes rb = r_.document->messageBytes(rrow, options_.payloadLimit);
        const std::size_t n = std::min(lb.payload.size(), rb.payload.size());
        const auto mismatch = std::mismatch(lb.payload.begin(), lb.payload.begin() + qsizetype(n),
                                            rb.payload.begin());
        const auto at = std::uint64_t(mismatch.first - lb.payload.begin());
        if (at < n) {
            add(DiffKind::MessagePayload, what,
                QStringLiteral("%1; byte %2 = 0x%3")
                    .arg(describe(lm))
                    .arg(at)
                    .arg(uint(lb.payload[at]), 2, 16, QLatin1Char('0')),
                QStringLiteral("%1; byte %2 = 0x%3")
                    .arg(describe(rm))
                    .arg(at)
                    .arg(uint(rb.payload[at]), 2, 16, QLatin1Char('0')),
                i, at);
        } else if (lm.length != rm.length) {
            // One is a prefix of the other (as far as read).
            add(DiffKind::MessagePayload, what, describe(lm), describe(rm), i,
                std::min(lm.length, rm.length));
        }
    }

    QString maskingText(const Side& s, int d) const {
        if (s.frames[d] == 0) {
            return QStringLiteral("no frames");
        }
        if (s.masked[d] == s.frames[d]) {
            return QStringLiteral("all %1 masked").arg(s.frames[d]);
        }
        if (s.masked[d] == 0) {
            return QStringLiteral("none of %1 masked").arg(s.frames[d]);
        }
        return QStringLiteral("%1 of %2 masked").arg(s.masked[d]).arg(s.frames[d]);
    }

    void masking(Direction d) {
        const int i = d == Direction::Server ? 1 : 0;
        const auto category = [i](const Side& s) {
            return s.frames[i] == 0 ? 0 : s.masked[i] == s.frames[i] ? 1 : s.masked[i] == 0 ? 2 : 3;
        };
        const int lc = category(l_), rc = category(r_);
        if (lc != rc && lc != 0 && rc != 0) {
            add(DiffKind::Masking, QStringLiteral("%1 frames").arg(sideName(d)), maskingText(l_, i),
                maskingText(r_, i));
        }
    }

    struct CloseInfo {
        bool present = false;
        std::optional<std::uint16_t> code;
        QString reason;
    };

    static CloseInfo closeOf(const Side& s, int d, std::size_t limit) {
        CloseInfo info;
        if (!s.close[d]) {
            return info;
        }
        info.present = true;
        const MessageRecord m = s.document->index().message(*s.close[d]);
        if (m.flags & message_flag::HasCloseCode) {
            info.code = m.closeCode;
        }
        const MessageBytes b = s.document->messageBytes(*s.close[d], limit);
        if (b.payload.size() > 2) {
            info.reason = QString::fromUtf8(reinterpret_cast<const char*>(b.payload.data()) + 2,
                                            qsizetype(b.payload.size() - 2));
        }
        return info;
    }

    static QString codeText(const CloseInfo& c) {
        if (!c.present) {
            return QStringLiteral("no close frame");
        }
        if (!c.code) {
            return QStringLiteral("no code");
        }
        return QString::number(*c.code) + u' ' + fromStd(closeCodeInfo(*c.code).name);
    }

    void close(Direction d) {
        const int i = d == Direction::Server ? 1 : 0;
        const CloseInfo lc = closeOf(l_, i, 125);
        const CloseInfo rc = closeOf(r_, i, 125);
        const QString what = QStringLiteral("%1 close").arg(sideName(d));
        if (lc.present != rc.present || lc.code != rc.code) {
            add(DiffKind::CloseCode, what, codeText(lc), codeText(rc));
        } else if (lc.reason != rc.reason) {
            add(DiffKind::CloseReason, what, lc.reason, rc.reason);
        }
    }

    static QString endingText(const ConnectionRecord* r) {
        if (!r) {
            return QStringLiteral("no connection");
        }
        QString text = r->end ? fromStd(dissector::endHowName(*r->end)) : QStringLiteral("open");
        if (r->closedFirstBy) {
            text += QStringLiteral(", closed first by ") + sideName(*r->closedFirstBy);
        }
        return text;
    }

    void ending() {
        const QString le = endingText(l_.record), re = endingText(r_.record);
        if (le != re) {
            add(DiffKind::Ending, QStringLiteral("connection end"), le, re);
        }
    }

    static QString anomalyText(const std::pair<int, std::string>* entry) {
        if (!entry) {
            return QString();
        }
        return entry->first == 1 ? fromStd(entry->second)
                                 : QStringLiteral("%1\u00d7, first: %2")
                                       .arg(entry->first)
                                       .arg(fromStd(entry->second));
    }

    void anomalies() {
        std::map<std::pair<int, std::string>, int> keys;
        for (const auto& [key, value] : l_.anomalies) {
            keys[key] = 0;
        }
        for (const auto& [key, value] : r_.anomalies) {
            keys[key] = 0;
        }
        for (const auto& [key, unused] : keys) {
            const auto l = l_.anomalies.find(key);
            const auto r = r_.anomalies.find(key);
            const auto* le = l == l_.anomalies.end() ? nullptr : &l->second;
            const auto* re = r == r_.anomalies.end() ? nullptr : &r->second;
            if (le && re && le->first == re->first) {
                continue;
            }
            const QString dir =
                key.first < 0 ? QString() : sideName(Direction(key.first)) + QStringLiteral(": ");
            add(DiffKind::Anomaly, dir + fromStd(key.second), anomalyText(le), anomalyText(re));
        }
    }

    const Side& l_;
    const Side& r_;
    const DiffOptions& options_;
    std::vector<SessionDifference> out_;
};

}  // namespace

QString diffKindName(DiffKind kind) {
    switch (kind) {
        case DiffKind::HeaderMissing:
            return QStringLiteral("request header");
        case DiffKind::HeaderValue:
            return QStringLiteral("request header value");
        case DiffKind::HeaderOrder:
            return QStringLiteral("request header order");
        case DiffKind::ExtensionsOffered:
            return QStringLiteral("extensions offered");
        case DiffKind::Handshake:
            return QStringLiteral("handshake");
        case DiffKind::MessageCount:
            return QStringLiteral("message count");
        case DiffKind::MessageType:
            return QStringLiteral("message type");
        case DiffKind::MessagePayload:
            return QStringLiteral("message payload");
        case DiffKind::FrameCount:
            return QStringLiteral("frames per message");
        case DiffKind::FrameSizes:
            return QStringLiteral("frame sizes");
        case DiffKind::Masking:
            return QStringLiteral("masking");
        case DiffKind::CloseCode:
            return QStringLiteral("close code");
        case DiffKind::CloseReason:
            return QStringLiteral("close reason");
        case DiffKind::Ending:
            return QStringLiteral("connection end");
        case DiffKind::Anomaly:
            return QStringLiteral("anomaly");
    }
    return QString();
}

std::vector<SessionDifference> diffSessions(const CaptureDocument& left, std::uint32_t leftConn,
                                            const CaptureDocument& right, std::uint32_t rightConn,
                                            const DiffOptions& options) {
    const Side l = gather(left, leftConn);
    const Side r = gather(right, rightConn);
    return Differ(l, r, options).run();
}

}  // namespace sockscope::ui
