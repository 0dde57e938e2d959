#pragma once
// Debian's tshark as the reference dissector: runs `tshark -r FILE -Y websocket
// -T pdml` and turns its per-frame output back into WebSocket messages, so a
// test can compare them with ours.
//
// Why PDML and not `-T fields`: a TCP segment often carries several WebSocket
// frames, and `-T fields` then prints comma-joined lists per field that no
// longer line up (a frame without a text field shifts the others); text shown
// there is escaped, too. PDML keeps one <proto name="websocket"> per frame in
// order and gives every field's exact bytes as hex in its `value` attribute.
//
// What tshark (4.0) reports, and how this turns it into messages:
// - one record per frame, so frames of one direction are grouped back from a
//   non-continuation opcode to FIN (control frames may come in between);
// - text payloads are `websocket.payload.text`, binary ones `data.data`, control
//   frames `websocket.payload.ping`/`.pong`/`.close.status_code`/`.close.reason`;
// - a compressed fragmented message is reassembled and shown on its last frame
//   (in a "fake-field-wrapper" proto after the websocket one), but not
//   inflated; an uncompressed one is not reassembled at all: the continuation
//   frames show their own bytes (`websocket.payload.continue`), the first
//   fragment shows none;
// - masked payloads are unmasked (and so shown, or inflated) only up to
//   256 KiB per frame (MAX_UNMASKED_LEN in its packet-websocket.c); a larger
//   masked continuation frame shows nothing.

#include <QByteArray>
#include <QDeadlineTimer>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QXmlStreamReader>

#include <cstdint>
#include <optional>
#include <vector>

namespace sockscope::test {

inline QString tsharkPath() {
    return QStringLiteral("/usr/bin/tshark");
}

struct TsharkMessage {
    bool fromServer = false;  // by TCP source port
    int opcode = 0;           // of the first frame
    int frames = 0;
    bool compressed = false;            // RSV1 ("per-message compressed") on the first frame
    bool masked = false;                // every frame masked
    QByteArray payload;                 // shown on the last frame (see the caveats above)
    std::vector<qsizetype> frameSizes;  // payload length of every frame, on the wire
    std::vector<QByteArray> continued;  // per frame: the bytes it shows as a continuation
    std::optional<int> closeCode;
    QByteArray closeReason;
};

namespace detail {

struct TsharkFrame {
    bool fromServer = false;
    bool fin = false;
    int opcode = 0;
    bool pmc = false;
    bool masked = false;
    qsizetype size = 0;
    QByteArray payload;
    QByteArray continued;
    std::optional<int> closeCode;
    QByteArray closeReason;
};

inline std::vector<TsharkMessage> groupFrames(const std::vector<TsharkFrame>& frames) {
    std::vector<TsharkMessage> messages;
    std::optional<TsharkMessage> open[2];  // an unfinished fragmented message per direction
    for (const TsharkFrame& f : frames) {
        const int side = f.fromServer ? 1 : 0;
        TsharkMessage* m = nullptr;
        TsharkMessage control;
        if (f.opcode >= 8) {
            m = &control;  // control frames interleave with fragments
        } else if (f.opcode == 0 && open[side]) {
            m = &*open[side];
        } else {
            open[side] = TsharkMessage{};
            m = &*open[side];
        }
        if (m->frames == 0) {
            m->fromServer = f.fromServer;
            m->opcode = f.opcode;
            m->compressed = f.pmc;
            m->masked = true;
        }
        ++m->frames;
        m->masked = m->masked && f.masked;
        m->frameSizes.push_back(f.size);
        m->continued.push_back(f.continued);
        if (!f.fin) {
            continue;
        }
        m->payload = f.payload;  // the reassembled payload sits on the final frame
        m->closeCode = f.closeCode;
        m->closeReason = f.closeReason;
        messages.push_back(*m);
        if (f.opcode < 8) {
            open[side].reset();
        }
    }
    return messages;
}

}  // namespace detail

// Parses tshark's PDML. `serverPort` tells the directions apart.
inline std::vector<TsharkMessage> parseTsharkPdml(const QByteArray& pdml, std::uint16_t serverPort,
                                                  QString& error) {
    std::vector<detail::TsharkFrame> frames;
    QXmlStreamReader xml(pdml);
    int srcPort = -1;
    detail::TsharkFrame* frame = nullptr;  // the websocket frame later fields belong to
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement) {
            continue;
        }
        const auto attrs = xml.attributes();
        if (xml.name() == u"packet") {
            srcPort = -1;
            frame = nullptr;
            continue;
        }
        const QStringView name = attrs.value(QLatin1String("name"));
        if (xml.name() == u"proto") {
            if (name == u"websocket") {
                frames.emplace_back();
                frame = &frames.back();
                frame->fromServer = srcPort == serverPort;
            }
            continue;
        }
        if (xml.name() != u"field") {
            continue;
        }
        const QStringView show = attrs.value(QLatin1String("show"));
        const QByteArray bytes =
            QByteArray::fromHex(attrs.value(QLatin1String("value")).toLatin1());
        if (name == u"tcp.srcport") {
            srcPort = show.toInt();
        } else if (frame == nullptr) {
            continue;  // HTTP handshake fields and the like
        } else if (name == u"websocket.fin") {
            frame->fin = show == u"1";
        } else if (name == u"websocket.opcode") {
            frame->opcode = show.toInt();
        } else if (name == u"websocket.pmc") {
            frame->pmc = show == u"1";
        } else if (name == u"websocket.mask") {
            frame->masked = show == u"1";
        } else if (name == u"websocket.payload.text" || name == u"data.data" ||
                   name == u"websocket.payload.ping" || name == u"websocket.payload.pong") {
            frame->payload = bytes;
        } else if (name == u"websocket.payload_length" ||
                   name == u"websocket.payload_length_ext_16" ||
                   name == u"websocket.payload_length_ext_64") {
            // From the header: the payload field covers only what tshark unmasked.
            frame->size = show.toLongLong();
        } else if (name == u"websocket.payload.continue") {
            frame->continued = bytes;
        } else if (name == u"websocket.payload.close.status_code") {
            frame->closeCode = show.toInt();
        } else if (name == u"websocket.payload.close.reason") {
            frame->closeReason = bytes;
        }
    }
    if (xml.hasError()) {
        error = QStringLiteral("tshark's PDML does not parse: %1 at line %2")
                    .arg(xml.errorString())
                    .arg(xml.lineNumber());
        return {};
    }
    return detail::groupFrames(frames);
}

// Runs tshark on `capture`; decodes `serverPort` as HTTP (then WebSocket after
// the upgrade) whatever the port. nullopt and `error` when tshark fails.
inline std::optional<std::vector<TsharkMessage>> tsharkMessages(const QString& capture,
                                                                std::uint16_t serverPort,
                                                                QString& error) {
    QProcess tshark;
    // Out-of-order reassembly is off by default in tshark 4.0, and a loopback
    // capture on a busy machine can hold segments out of order: without it
    // tshark misreads a message that we (rightly) reassemble.
    tshark.start(tsharkPath(),
                 {QStringLiteral("-r"), capture, QStringLiteral("-o"),
                  QStringLiteral("tcp.reassemble_out_of_order:TRUE"), QStringLiteral("-d"),
                  QStringLiteral("tcp.port==%1,http").arg(serverPort), QStringLiteral("-Y"),
                  QStringLiteral("websocket"), QStringLiteral("-T"), QStringLiteral("pdml")});
    QByteArray pdml;
    QByteArray errors;  // read as it comes too, so a chatty tshark never blocks on a full pipe
    const QDeadlineTimer deadline(60000);
    while (tshark.state() != QProcess::NotRunning && !deadline.hasExpired()) {
        tshark.waitForReadyRead(100);
        pdml += tshark.readAllStandardOutput();
        errors += tshark.readAllStandardError();
    }
    if (tshark.state() != QProcess::NotRunning) {
        tshark.kill();
        tshark.waitForFinished(3000);
        error = QStringLiteral("tshark did not finish within a minute");
        return std::nullopt;
    }
    pdml += tshark.readAllStandardOutput();
    errors += tshark.readAllStandardError();
    if (tshark.exitStatus() != QProcess::NormalExit || tshark.exitCode() != 0) {
        error = QStringLiteral("tshark failed: ") + QString::fromUtf8(errors);
        return std::nullopt;
    }
    auto messages = parseTsharkPdml(pdml, serverPort, error);
    if (!error.isEmpty()) {
        return std::nullopt;
    }
    return messages;
}

}  // namespace sockscope::test
