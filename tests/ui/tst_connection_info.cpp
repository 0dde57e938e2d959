// The per-connection panes: the handshake report and view (accept check,
// extensions in words, header tables), the anomaly list with its connection
// filter and frame links, and the connection statistics (exact numbers for a
// hand-built conversation with known timestamps) with their view and charts
// rendered offscreen.
#include <sockscope/core/permessage_deflate.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <memory>

#include "inspector/anomaly_table_model.h"
#include "inspector/capture_document.h"
#include "inspector/connection_statistics.h"
#include "inspector/handshake_report.h"
#include "websocket_conversation.h"
#include "widgets/bar_chart.h"
#include "widgets/handshake_view.h"
#include "widgets/line_chart.h"
#include "widgets/statistics_view.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::ui;
using dissector::Direction;

namespace {

constexpr std::int64_t kMs = 1000000;
const QString kGoodAccept = QStringLiteral("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
const QString kWrongAccept = QStringLiteral("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");

QString cell(const QAbstractItemModel& model, int row, int column, int role = Qt::DisplayRole) {
    return model.data(model.index(row, column), role).toString();
}

QString cell(const QTableWidget* table, int row, int column) {
    const QTableWidgetItem* item = table->item(row, column);
    return item ? item->text() : QStringLiteral("<no item>");
}

// The summary table's cell of the row named `name`.
QString summaryCell(const StatisticsView& view, const QString& name, int column) {
    const QTableWidget* table = view.summaryTable();
    for (int row = 0; row < table->rowCount(); ++row)
        if (table->verticalHeaderItem(row) && table->verticalHeaderItem(row)->text() == name)
            return cell(table, row, column);
    return QStringLiteral("<no row %1>").arg(name);
}

bool containsColor(const QImage& image, QColor color) {
    const QRgb wanted = color.rgb();
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            if ((image.pixel(x, y) & 0xFFFFFF) == (wanted & 0xFFFFFF))
                return true;
    return false;
}

std::unique_ptr<CaptureDocument> load(const QString& path,
                                      dissector::DissectorOptions options = {}) {
    auto document = std::make_unique<CaptureDocument>();
    QSignalSpy finished(document.get(), &CaptureDocument::finished);
    if (!document->open(path, options) || !finished.wait(10000) ||
        !finished.at(0).at(0).toString().isEmpty())
        return nullptr;
    return document;
}

}  // namespace

class TestConnectionInfo : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString conversationPath_;
    QString violationsPath_;
    QString withoutHandshakePath_;
    Bytes deflated_;

    // The statistics conversation. Packets are 1 ms apart, numbered from 0 here:
    //  0-2 TCP handshake, 3 request, 4 response, 5 c text "hello", 6 s binary 300 B,
    //  7 c ping "p1", 8 s pong "p1", 9 c ping "p2", 10 c text in 3 frames "ab|cd|ef",
    //  11 c ping "p2" again, 12 s pong "p2" (answers packet 9), 13 s pong "zz" (no ping),
    //  14 c compressed text of 1000 'a', 15 c empty binary, 16 c close 1000 "bye",
    //  17 s close 1000, 18-19 FIN.
    void writeConversation() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(
            request("Sec-WebSocket-Protocol: chat, superchat\r\n"
                    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")));
        c.server(
            bytesOf(response("Sec-WebSocket-Protocol: chat\r\n"
                             "Sec-WebSocket-Extensions: permessage-deflate; "
                             "server_no_context_takeover; client_max_window_bits=10\r\n")));
        c.client(clientFrame(1, bytesOf("hello")));
        c.server(serverFrame(2, Bytes(300, 0x42)));
        c.client(clientFrame(9, bytesOf("p1")));
        c.server(serverFrame(10, bytesOf("p1")));
        c.client(clientFrame(9, bytesOf("p2")));
        c.client(concat({clientFrame(1, bytesOf("ab"), false), clientFrame(0, bytesOf("cd"), false),
                         clientFrame(0, bytesOf("ef"))}));
        c.client(clientFrame(9, bytesOf("p2")));
        c.server(serverFrame(10, bytesOf("p2")));
        c.server(serverFrame(10, bytesOf("zz")));
        MessageDeflater deflater(10, false);
        deflater.compress(Bytes(1000, 'a'), deflated_);
        c.client(clientFrame(1, deflated_, true, 4));
        c.client(clientFrame(2, {}));
        c.client(clientFrame(8, concat({fromHex("03e8"), bytesOf("bye")})));
        c.server(serverFrame(8, fromHex("03e8")));
        c.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        conversationPath_ = dir_.filePath(QStringLiteral("conversation.pcap"));
        QVERIFY(b.save(conversationPath_.toStdString()));
    }

    // Connection 1: a wrong Sec-WebSocket-Accept, then an unmasked client frame.
    // Connection 2: a correct handshake, then a masked server frame.
    void writeViolations() {
        Conversation one(53422);
        one.handshakeTcp();
        one.client(bytesOf(request()));
        one.server(bytesOf(response({}, kWrongAccept.toStdString())));
        one.client(clientFrame(1, bytesOf("ok")));
        WireFrame unmasked;
        unmasked.opcode = 1;
        unmasked.payload = bytesOf("bare");
        one.client(encode(unmasked));
        one.fin();
        Conversation two(53423);
        two.handshakeTcp();
        two.client(bytesOf(request()));
        two.server(bytesOf(response()));
        WireFrame masked;
        masked.opcode = 1;
        masked.payload = bytesOf("hidden");
        masked.masked = true;
        two.server(encode(masked));
        two.fin();
        PcapBuilder b;
        b.addAll(one.packets);
        b.addAll(two.packets);
        violationsPath_ = dir_.filePath(QStringLiteral("violations.pcap"));
        QVERIFY(b.save(violationsPath_.toStdString()));
    }

    // Frames without any HTTP upgrade, on a port given with --ws-port.
    void writeWithoutHandshake() {
        Conversation c;
        c.handshakeTcp();
        c.client(clientFrame(1, bytesOf("hi")));
        c.server(serverFrame(1, bytesOf("there")));
        c.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        withoutHandshakePath_ = dir_.filePath(QStringLiteral("no-handshake.pcap"));
        QVERIFY(b.save(withoutHandshakePath_.toStdString()));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        writeConversation();
        writeViolations();
        writeWithoutHandshake();
    }

    void acceptCheckOfACorrectAndAWrongAccept() {
        const auto document = load(violationsPath_);
        QVERIFY(document);
        const ConnectionRecord* wrong = document->index().connection(1);
        const ConnectionRecord* right = document->index().connection(2);
        QVERIFY(wrong && wrong->handshake && right && right->handshake);

        const HandshakeReport bad = analyzeHandshake(wrong->handshake->event());
        QVERIFY(bad.seen);
        QCOMPARE(bad.accept.verdict, AcceptVerdict::Mismatch);
        QCOMPARE(bad.accept.key, QStringLiteral("dGhlIHNhbXBsZSBub25jZQ=="));
        QCOMPARE(bad.accept.expected, kGoodAccept);
        QCOMPARE(bad.accept.received, kWrongAccept);
        QCOMPARE(bad.accept.text,
                 QStringLiteral("Sec-WebSocket-Accept is wrong: expected %1, received %2.")
                     .arg(kGoodAccept, kWrongAccept));

        const HandshakeReport good = analyzeHandshake(right->handshake->event());
        QCOMPARE(good.accept.verdict, AcceptVerdict::Match);
        QCOMPARE(good.accept.expected, kGoodAccept);
        QCOMPARE(good.accept.received, kGoodAccept);
        QCOMPARE(good.summary, QStringLiteral("GET /chat → 101 Switching Protocols"));
        QCOMPARE(good.subprotocolText, QStringLiteral("none"));
        QVERIFY(good.notes.isEmpty());

        HandshakeView view;
        view.showConnection(wrong);
        QVERIFY(!view.isEmptyState());
        QCOMPARE(view.acceptText(),
                 QStringLiteral("✗ Sec-WebSocket-Accept is wrong: expected %1, received %2.")
                     .arg(kGoodAccept, kWrongAccept));
        view.showConnection(right);
        QCOMPARE(view.acceptText(),
                 QStringLiteral("✓ Sec-WebSocket-Accept is correct: %1.").arg(kGoodAccept));
        view.showConnection(nullptr);
        QVERIFY(view.isEmptyState());
    }

    void explainsNegotiatedExtensionsAndShowsHeaders() {
        const auto document = load(conversationPath_);
        QVERIFY(document);
        const ConnectionRecord* c = document->index().connection(1);
        QVERIFY(c && c->handshake);
        const HandshakeReport r = analyzeHandshake(c->handshake->event());
        QCOMPARE(r.accept.verdict, AcceptVerdict::Match);
        QCOMPARE(r.subprotocol, std::optional(QStringLiteral("chat")));
        QCOMPARE(r.offeredSubprotocols,
                 (QStringList{QStringLiteral("chat"), QStringLiteral("superchat")}));
        QCOMPARE(r.subprotocolText, QStringLiteral("chat (offered: chat, superchat)"));

        QCOMPARE(r.offeredExtensions.size(), std::size_t(1));
        QCOMPARE(r.offeredExtensions[0].name, QStringLiteral("permessage-deflate"));
        QCOMPARE(r.offeredExtensions[0].params.size(), std::size_t(1));
        QCOMPARE(r.offeredExtensions[0].params[0].value, std::optional<QString>());
        QCOMPARE(r.offeredExtensions[0].params[0].explanation,
                 QStringLiteral("the client can compress with a smaller window if the server "
                                "asks"));

        QCOMPARE(r.acceptedExtensions.size(), std::size_t(1));
        const ExtensionReport& accepted = r.acceptedExtensions[0];
        QVERIFY(accepted.understood);
        QCOMPARE(accepted.params.size(), std::size_t(2));
        QCOMPARE(accepted.params[0].name, QStringLiteral("server_no_context_takeover"));
        QCOMPARE(accepted.params[0].explanation,
                 QStringLiteral("the server resets its compression context after every message"));
        QCOMPARE(accepted.params[1].name, QStringLiteral("client_max_window_bits"));
        QCOMPARE(accepted.params[1].value, std::optional(QStringLiteral("10")));
        QCOMPARE(accepted.params[1].explanation,
                 QStringLiteral("the client compresses with a 1 KiB window (2^10)"));
        QCOMPARE(r.compression,
                 (QStringList{QStringLiteral("The server compresses with a 32 KiB window (2^15). "
                                             "The server resets its compression context after "
                                             "every message."),
                              QStringLiteral("The client compresses with a 1 KiB window (2^10). "
                                             "The client keeps its compression context from "
                                             "message to message.")}));

        HandshakeView view;
        view.showConnection(c);
        const QTableWidget* request = view.requestHeaderTable();
        const QTableWidget* response = view.responseHeaderTable();
        QCOMPARE(request->rowCount(), 7);
        QCOMPARE(request->columnCount(), 2);
        QCOMPARE(cell(request, 0, 0), QStringLiteral("Host"));
        QCOMPARE(cell(request, 0, 1), QStringLiteral("127.0.0.1:8765"));
        QCOMPARE(cell(request, 3, 0), QStringLiteral("Sec-WebSocket-Key"));
        QCOMPARE(cell(request, 6, 1), QStringLiteral("permessage-deflate; client_max_window_bits"));
        QCOMPARE(response->rowCount(), 5);
        QCOMPARE(cell(response, 2, 0), QStringLiteral("Sec-WebSocket-Accept"));
        QCOMPARE(cell(response, 2, 1), kGoodAccept);
        QCOMPARE(view.subprotocolText(), QStringLiteral("chat (offered: chat, superchat)"));
        QCOMPARE(view.summaryText(), QStringLiteral("GET /chat → 101 Switching Protocols"));

        // The tree: offered / accepted, each extension with its parameters.
        const QTreeWidget* tree = view.extensionTree();
        QCOMPARE(tree->topLevelItemCount(), 2);
        const QTreeWidgetItem* acceptedNode = tree->topLevelItem(1);
        QCOMPARE(acceptedNode->text(0), QStringLiteral("Accepted by the server"));
        QCOMPARE(acceptedNode->childCount(), 1);
        QCOMPARE(acceptedNode->child(0)->childCount(), 2);
        QCOMPARE(acceptedNode->child(0)->child(1)->text(1), QStringLiteral("10"));
        QCOMPARE(acceptedNode->child(0)->child(1)->text(2),
                 QStringLiteral("the client compresses with a 1 KiB window (2^10)"));
    }

    void explainsOddHandshakes() {
        dissector::HandshakeEvent h;
        h.target = "/x";
        h.status = 403;
        h.requestHeaders = {{"Host", "example"},
                            {"Sec-WebSocket-Extensions",
                             "x-custom; level=3, permessage-deflate; server_max_window_bits=16"}};
        h.responseHeaders = {{"Content-Length", "0"}};
        const HandshakeReport r = analyzeHandshake(h);
        QCOMPARE(r.statusText, QStringLiteral("403 Forbidden"));
        QCOMPARE(r.accept.verdict, AcceptVerdict::NotChecked);
        QCOMPARE(r.offeredExtensions.size(), std::size_t(2));
        QCOMPARE(r.offeredExtensions[0].summary, QStringLiteral("not understood by Sockscope"));
        QVERIFY(!r.offeredExtensions[0].understood);
        QCOMPARE(r.offeredExtensions[0].params[0].explanation,
                 QStringLiteral("not understood by Sockscope"));
        QCOMPARE(r.offeredExtensions[1].params[0].explanation,
                 QStringLiteral("invalid: \"16\" is not a window size, 8 to 15 (RFC 7692 §7.1.2)"));
        QCOMPARE(r.notes, QStringList{QStringLiteral(
                              "The server refused the upgrade with status 403 Forbidden.")});

        // A 101 without the accept header, and a request without a key.
        h.status = 101;
        h.requestHeaders = {{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
        QCOMPARE(analyzeHandshake(h).accept.verdict, AcceptVerdict::MissingAccept);
        QCOMPARE(analyzeHandshake(h).accept.text,
                 QStringLiteral("Sec-WebSocket-Accept is missing (expected %1).").arg(kGoodAccept));
        h.requestHeaders = {};
        h.responseHeaders = {{"sec-websocket-accept", kGoodAccept.toStdString()}};
        QCOMPARE(analyzeHandshake(h).accept.verdict, AcceptVerdict::MissingKey);

        QCOMPARE(windowText(8), QStringLiteral("a 256-byte window (2^8)"));
        QCOMPARE(windowText(15), QStringLiteral("a 32 KiB window (2^15)"));
        QCOMPARE(explainDeflateParam(QStringLiteral("server_max_window_bits"), QStringLiteral("9"),
                                     true),
                 QStringLiteral("the client asks the server to compress with at most a 512-byte "
                                "window (2^9)"));

        dissector::HandshakeEvent detected;
        detected.detectedWithoutHandshake = true;
        detected.detection = "--ws-port 8765";
        const HandshakeReport d = analyzeHandshake(detected);
        QVERIFY(!d.seen);
        QCOMPARE(d.summary, QStringLiteral("No handshake in the capture: detected by --ws-port "
                                           "8765; compression state unknown."));
    }

    void statesDetectionWithoutAHandshake() {
        dissector::DissectorOptions options;
        options.wsPorts = {8765};
        const auto document = load(withoutHandshakePath_, options);
        QVERIFY(document);
        const ConnectionRecord* c = document->index().connection(1);
        QVERIFY(c);
        QVERIFY(!c->handshake);
        const QString detection = detectionText(document->index(), 1);
        QCOMPARE(detection, QStringLiteral("--ws-port 8765"));
        QCOMPARE(detectionText(document->index(), 2), QString());

        HandshakeView view;
        view.showConnection(c, detection);
        QVERIFY(!view.isEmptyState());
        QCOMPARE(view.summaryText(), QStringLiteral("No handshake in the capture: detected by "
                                                    "--ws-port 8765; compression state unknown."));
        QCOMPARE(view.acceptText(), QString());
        QCOMPARE(view.requestHeaderTable()->rowCount(), 0);
        QCOMPARE(view.responseHeaderTable()->rowCount(), 0);
        QCOMPARE(view.subprotocolText(), QStringLiteral("unknown"));
    }

    void anomalyListFiltersAndLinksFrames() {
        auto document = std::make_unique<CaptureDocument>();
        AnomalyTableModel model(*document);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy finished(document.get(), &CaptureDocument::finished);
        QVERIFY(document->open(violationsPath_));
        QVERIFY(finished.wait(10000));
        QVERIFY(inserted.count() >= 1);  // rows arrived with the batches, not by a reset

        const CaptureIndex& index = document->index();
        // The expected rows, from the index itself.
        QCOMPARE(RowId(model.rowCount()), index.anomalyCount());
        QCOMPARE(model.columnCount(), 8);
        QCOMPARE(
            model.headerData(AnomalyTableModel::Rfc, Qt::Horizontal, Qt::DisplayRole).toString(),
            QStringLiteral("RFC"));
        int badAccept = -1, unmasked = -1, masked = -1;
        for (int row = 0; row < model.rowCount(); ++row) {
            const QString kind = cell(model, row, AnomalyTableModel::Kind);
            if (kind == u"handshake-bad-accept")
                badAccept = row;
            else if (kind == u"unmasked-client-frame")
                unmasked = row;
            else if (kind == u"masked-server-frame")
                masked = row;
        }
        QVERIFY(badAccept >= 0 && unmasked >= 0 && masked >= 0);
        QCOMPARE(model.rowCount(), 3);

        // Connection 1's frames: 0 "ok", 1 the unmasked one; connection 2's: 2.
        QCOMPARE(cell(model, unmasked, AnomalyTableModel::Connection), QStringLiteral("1"));
        QCOMPARE(cell(model, unmasked, AnomalyTableModel::Direction), QStringLiteral("client →"));
        QCOMPARE(cell(model, unmasked, AnomalyTableModel::Rfc), QStringLiteral("RFC 6455 §5.1"));
        // Packets: 3 TCP handshake, 4 request, 5 response, 6 "ok", 7 the unmasked frame.
        QCOMPARE(cell(model, unmasked, AnomalyTableModel::Packet), QStringLiteral("7"));
        // Times count from the first WebSocket packet (the request, at 3 ms); the frame is at 6 ms.
        QCOMPARE(cell(model, unmasked, AnomalyTableModel::Time), QStringLiteral("0.003000"));
        QCOMPARE(model.data(model.index(unmasked, 0), AnomalyTableModel::FrameRole).toULongLong(),
                 1ull);
        QCOMPARE(cell(model, unmasked, AnomalyTableModel::Number), QString::number(unmasked + 1));
        const QString tip = cell(model, unmasked, AnomalyTableModel::Detail, Qt::ToolTipRole);
        QVERIFY2(tip.startsWith(QStringLiteral("unmasked-client-frame (RFC 6455 §5.1)\n")),
                 qPrintable(tip));
        QCOMPARE(tip.section(u'\n', 1),
                 QString::fromStdString(index.anomaly(model.anomalyAt(unmasked)).detail));
        QVERIFY(!tip.section(u'\n', 1).isEmpty());
        QCOMPARE(model.data(model.index(masked, 0), AnomalyTableModel::FrameRole).toULongLong(),
                 2ull);
        QCOMPARE(cell(model, masked, AnomalyTableModel::Direction), QStringLiteral("← server"));
        QCOMPARE(cell(model, badAccept, AnomalyTableModel::Packet), QStringLiteral("5"));
        // Reported with the response, before any frame of that side: no frame to jump to.
        QCOMPARE(model.data(model.index(badAccept, 0), AnomalyTableModel::FrameRole).toULongLong(),
                 qulonglong(kNoRow));

        model.setConnections({2});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(cell(model, 0, AnomalyTableModel::Kind), QStringLiteral("masked-server-frame"));
        QCOMPARE(cell(model, 0, AnomalyTableModel::Connection), QStringLiteral("2"));
        model.setConnections({1});
        QCOMPARE(model.rowCount(), 2);
        model.setConnections({7});
        QCOMPARE(model.rowCount(), 0);
        model.setConnections({});
        QCOMPARE(model.rowCount(), 3);
    }

    void anomalyFilterAppliesToRowsArrivingLater() {
        auto document = std::make_unique<CaptureDocument>();
        AnomalyTableModel model(*document);
        model.setConnections({2});
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy finished(document.get(), &CaptureDocument::finished);
        QVERIFY(document->open(violationsPath_));
        QVERIFY(finished.wait(10000));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(cell(model, 0, AnomalyTableModel::Kind), QStringLiteral("masked-server-frame"));
    }

    void statisticsOfAKnownConversation() {
        const auto document = load(conversationPath_);
        QVERIFY(document);
        const ConnectionRecord* record = document->index().connection(1);
        QVERIFY(record);
        const ConnectionStatistics s = computeConnectionStatistics(*document, 1);
        QVERIFY(s.known);

        QCOMPARE(s.client.messages, 8u);
        QCOMPARE(s.server.messages, 5u);
        QCOMPARE(s.client.frames, 10u);
        QCOMPARE(s.server.frames, 5u);
        const OpcodeTotals& text = s.client.opcodes[1];
        QCOMPARE(text.messages, 3u);
        QCOMPARE(text.bytes, 1011u);  // 5 + 6 + 1000
        QCOMPARE(text.wireBytes, 11u + deflated_.size());
        QCOMPARE(s.client.opcodes[2].messages, 1u);
        QCOMPARE(s.client.opcodes[2].bytes, 0u);
        QCOMPARE(s.client.opcodes[9].messages, 3u);
        QCOMPARE(s.client.opcodes[9].bytes, 6u);
        QCOMPARE(s.client.opcodes[8].messages, 1u);
        QCOMPARE(s.client.opcodes[8].bytes, 5u);
        QCOMPARE(s.client.opcodes[10].messages, 0u);
        QCOMPARE(s.server.opcodes[2].bytes, 300u);
        QCOMPARE(s.server.opcodes[10].messages, 3u);
        QCOMPARE(s.server.opcodes[8].bytes, 2u);
        QCOMPARE(s.client.bytes, 1011u + 6 + 5);
        QCOMPARE(s.server.bytes, 300u + 6 + 2);

        // Sizes of text and binary messages: 0 | 5, 6 (4-7) | 1000 (512-1023); 300 (256-511).
        QCOMPARE(s.client.sizes[0], 1u);
        QCOMPARE(s.client.sizes[3], 2u);
        QCOMPARE(s.client.sizes[10], 1u);
        QCOMPARE(s.server.sizes[9], 1u);
        std::uint64_t all = 0;
        for (std::uint64_t n : s.client.sizes)
            all += n;
        QCOMPARE(all, 4u);
        QCOMPARE(s.usedSizeBuckets(), 11);
        QCOMPARE(sizeBucketLabel(0), QStringLiteral("0"));
        QCOMPARE(sizeBucketLabel(3), QStringLiteral("4–7"));
        QCOMPARE(sizeBucketLabel(10), QStringLiteral("512–1023"));
        QCOMPARE(sizeBucketLabel(11), QStringLiteral("1K–2K"));
        QCOMPARE(sizeBucket(1024), 11);

        QCOMPARE(s.client.fragmentedMessages, 1u);
        QCOMPARE(s.client.fragmentedFrames, 3u);
        QCOMPARE(s.client.framesPerFragmentedMessage(), 3.0);
        QCOMPARE(s.server.fragmentedMessages, 0u);

        QCOMPARE(s.client.compressedMessages, 1u);
        QCOMPARE(s.client.compressedBytes, 1000u);
        QCOMPARE(s.client.compressedWireBytes, std::uint64_t(deflated_.size()));
        QCOMPARE(s.client.compressionRatio(), 1000.0 / double(deflated_.size()));
        QVERIFY(s.client.compressionRatio() > 10);
        QCOMPARE(s.server.compressedMessages, 0u);

        // Pings at 7 and 9 ms answered at 8 and 12 ms; the second "p2" is left over.
        QCOMPARE(s.roundTripCount, 2u);
        QCOMPARE(s.roundTrips.size(), std::size_t(2));
        QCOMPARE(s.roundTrips[0].ping, RowId(2));
        QCOMPARE(s.roundTrips[0].pong, RowId(3));
        QCOMPARE(s.roundTrips[0].rttNs, 1 * kMs);
        QCOMPARE(s.roundTrips[1].ping, RowId(4));
        QCOMPARE(s.roundTrips[1].pong, RowId(7));
        QCOMPARE(s.roundTrips[1].rttNs, 3 * kMs);
        QCOMPARE(s.roundTrips[1].pingFrom, Direction::Client);
        QCOMPARE(s.minRttNs, 1 * kMs);
        QCOMPARE(s.maxRttNs, 3 * kMs);
        QCOMPARE(s.averageRttNs, 2.0 * kMs);
        QCOMPARE(s.unansweredPings, 1u);
        QCOMPARE(s.unsolicitedPongs, 1u);

        QCOMPARE(s.closedFirstBy, std::optional(Direction::Client));
        QCOMPARE(s.client.closeCode, std::optional<std::uint16_t>(1000));
        QCOMPARE(s.server.closeCode, std::optional<std::uint16_t>(1000));
        QVERIFY(s.closeHandshakeComplete());
        QVERIFY(s.cleanClose());
        QCOMPARE(closeSummary(s), QStringLiteral("The client closed first (1000 Normal Closure), "
                                                 "the server answered (1000 Normal Closure): a "
                                                 "clean close."));

        // Rate: the connection spans 16 ms (request at 3 ms to FIN at 19 ms); 60 buckets
        // would be 266.7 µs wide, rounded up to 500 µs: 33 buckets.
        QCOMPARE(s.firstNs, record->firstNs);
        QCOMPARE(s.lastNs, record->lastNs);
        QCOMPARE(s.lastNs - s.firstNs, 16 * kMs);
        QCOMPARE(s.rateBucketNs, std::int64_t(500000));
        QCOMPARE(s.client.rate.size(), std::size_t(33));
        QCOMPARE(s.server.rate.size(), std::size_t(33));
        QCOMPARE(s.client.rate[4], 1u);   // "hello", 2 ms in
        QCOMPARE(s.server.rate[6], 1u);   // the binary message, 3 ms in
        QCOMPARE(s.server.rate[28], 1u);  // the server's close, 14 ms in
        std::vector<std::uint64_t> clientRate(33), serverRate(33);
        const CaptureIndex& index = document->index();
        for (RowId m = 0; m < index.messageCount(); ++m) {
            const MessageRecord r = index.message(m);
            auto& rate = r.fromServer() ? serverRate : clientRate;
            rate[std::size_t((r.tsNs - record->firstNs) / s.rateBucketNs)] += 1;
        }
        QCOMPARE(s.client.rate, clientRate);
        QCOMPARE(s.server.rate, serverRate);
        std::uint64_t clientSum = 0;
        for (std::uint64_t n : s.client.rate)
            clientSum += n;
        QCOMPARE(clientSum, 8u);

        // Slices give the same result as one pass.
        StatisticsBuilder builder(*document, 1);
        int steps = 0;
        while (!builder.step(2) && steps < 1000)
            ++steps;
        QCOMPARE(steps, 6);  // 13 records, 2 at a time
        QCOMPARE(builder.result().client.opcodes[9].messages, 3u);
        QCOMPARE(builder.result().roundTripCount, 2u);
        QCOMPARE(builder.result().client.rate, s.client.rate);

        // An unknown connection: nothing, and no crash.
        const ConnectionStatistics none = computeConnectionStatistics(*document, 42);
        QVERIFY(!none.known);
        QCOMPARE(none.client.messages, 0u);
        QCOMPARE(closeSummary(none), QStringLiteral("No close frame: the connection is still "
                                                    "open."));
    }

    void closeSummaries() {
        ConnectionStatistics s;
        s.end = dissector::EndHow::Rst;
        QCOMPARE(closeSummary(s),
                 QStringLiteral("No close frame: the TCP connection was reset (RST)."));
        s.closedFirstBy = Direction::Server;
        s.server.sentClose = true;
        s.server.closeCode = 1001;
        QCOMPARE(closeSummary(s),
                 QStringLiteral("The server sent a close frame (1001 Going Away) but the client "
                                "never answered; the TCP connection was reset (RST)."));
        s.client.sentClose = true;
        QVERIFY(!s.cleanClose());
        QCOMPARE(closeSummary(s), QStringLiteral("The server closed first (1001 Going Away), the "
                                                 "client answered (no status code), then the TCP "
                                                 "connection was reset (RST)."));
    }

    void statisticsViewRendersOffscreen() {
        const auto document = load(conversationPath_);
        QVERIFY(document);
        StatisticsView view(*document);
        view.resize(900, 1400);
        QVERIFY(view.isEmptyState());
        QVERIFY(!view.grab().isNull());

        view.showConnection(1);
        QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 5000);
        QVERIFY(!view.isEmptyState());
        QVERIFY(view.statistics());
        QCOMPARE(view.statistics()->client.messages, 8u);
        QCOMPARE(summaryCell(view, QStringLiteral("Messages"), 0), QStringLiteral("8"));
        QCOMPARE(summaryCell(view, QStringLiteral("Messages"), 1), QStringLiteral("5"));
        QCOMPARE(summaryCell(view, QStringLiteral("Frames"), 0), QStringLiteral("10"));
        QCOMPARE(summaryCell(view, QStringLiteral("Ping"), 0), QStringLiteral("3 (6 B)"));
        QCOMPARE(summaryCell(view, QStringLiteral("Pong"), 1), QStringLiteral("3 (6 B)"));
        QCOMPARE(summaryCell(view, QStringLiteral("Frames per fragmented message"), 0),
                 QStringLiteral("3.00"));
        QCOMPARE(summaryCell(view, QStringLiteral("Compressed messages"), 0), QStringLiteral("1"));
        QCOMPARE(view.roundTripText(), QStringLiteral("2 answered: min 1.000 ms, avg 2.000 ms, "
                                                      "max 3.000 ms; 1 unanswered; 1 pong "
                                                      "without a ping"));
        QCOMPARE(view.roundTripTable()->rowCount(), 2);
        QCOMPARE(cell(view.roundTripTable(), 1, 1), QStringLiteral("5 → 8"));
        QVERIFY(view.closeText().endsWith(QStringLiteral("a clean close.")));
        QVERIFY(view.headingText().startsWith(
            QStringLiteral("Connection 1: 127.0.0.1:53422 → 127.0.0.1:8765")));

        const BarChart* sizes = view.sizeChart();
        QCOMPARE(sizes->axes().categories.size(), 11);
        QCOMPARE(sizes->series().size(), std::size_t(2));
        QCOMPARE(sizes->series()[0].values[3], 2.0);
        QCOMPARE(sizes->series()[1].values[9], 1.0);
        QCOMPARE(view.rateChart()->axes().categories.size(), 33);
        QCOMPARE(view.rateChart()->axes().categories[3], QStringLiteral("1.5"));
        QCOMPARE(view.rateChart()->axes().yTitle, QStringLiteral("messages per 500 µs"));

        const QImage image = view.grab().toImage();
        QVERIFY(image.width() > 0 && image.height() > 0);

        view.showConnection(99);
        QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 5000);
        QCOMPARE(view.headingText(), QStringLiteral("Connection 99 is not in the capture."));
        QVERIFY(!view.grab().isNull());
        view.showConnection(0);
        QVERIFY(view.isEmptyState());
        QVERIFY(!view.statistics());
    }

    // A gap where the client's frames should be, a pong nobody asked for, no close.
    void oddConnectionsDoNotBreakThePanes() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        c.clientCut(20);
        c.server(serverFrame(10, bytesOf("x")));
        c.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        const QString path = dir_.filePath(QStringLiteral("odd.pcap"));
        QVERIFY(b.save(path.toStdString()));
        const auto document = load(path);
        QVERIFY(document);
        const ConnectionStatistics s = computeConnectionStatistics(*document, 1);
        QVERIFY(s.known);
        QCOMPARE(s.client.messages, 0u);
        QCOMPARE(s.server.messages, 1u);
        QCOMPARE(s.unsolicitedPongs, 1u);
        QCOMPARE(s.roundTripCount, 0u);
        QCOMPARE(s.usedSizeBuckets(), 1);
        QCOMPARE(closeSummary(s), QStringLiteral("No close frame: the TCP connection ended with "
                                                 "FIN."));

        StatisticsView statistics(*document);
        statistics.resize(700, 900);
        statistics.showConnection(1);
        QTRY_VERIFY_WITH_TIMEOUT(!statistics.computing(), 5000);
        QCOMPARE(statistics.roundTripText(), QStringLiteral("none answered; 1 pong without a "
                                                            "ping"));
        QVERIFY(!statistics.grab().isNull());

        const auto detected = [this] {
            dissector::DissectorOptions options;
            options.wsPorts = {8765};
            return load(withoutHandshakePath_, options);
        }();
        QVERIFY(detected);
        StatisticsView other(*detected);
        other.resize(700, 900);
        other.showConnection(1);
        QTRY_VERIFY_WITH_TIMEOUT(!other.computing(), 5000);
        QCOMPARE(summaryCell(other, QStringLiteral("Messages"), 0), QStringLiteral("1"));
        QCOMPARE(summaryCell(other, QStringLiteral("Messages"), 1), QStringLiteral("1"));
        QVERIFY(!other.grab().isNull());
    }

    void statisticsViewComputesInSlicesAndFollowsLoading() {
        auto document = std::make_unique<CaptureDocument>();
        StatisticsView view(*document);
        view.setSliceSize(2);
        QSignalSpy finished(document.get(), &CaptureDocument::finished);
        QVERIFY(document->open(conversationPath_));
        // Batches arrive queued: nothing is indexed before the event loop runs.
        view.showConnection(1);
        QVERIFY(!view.computing());
        QVERIFY(view.statistics() && !view.statistics()->known);
        QCOMPARE(view.headingText(), QStringLiteral("Connection 1 is not in the capture."));
        QVERIFY(finished.wait(10000));
        // Once loaded, computed again: 13 records, 2 per event-loop turn, the
        // previous result shown meanwhile.
        QVERIFY(view.computing());
        QVERIFY(!view.statistics()->known);
        QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 5000);
        QVERIFY(view.statistics());
        QCOMPARE(view.statistics()->client.messages, 8u);
        QCOMPARE(view.statistics()->roundTripCount, 2u);
        QCOMPARE(summaryCell(view, QStringLiteral("Messages"), 1), QStringLiteral("5"));
    }

    void chartsPaintTheirSeries() {
        const QColor client(0xd6, 0x5f, 0x00), server(0x1f, 0x77, 0xb4);
        BarChart bars;
        bars.resize(400, 240);
        bars.setAxes({QStringLiteral("sizes"),
                      QStringLiteral("bytes"),
                      QStringLiteral("count"),
                      {QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2–3")}});
        bars.setSeries({{QStringLiteral("client"), client, {1, 4, 2}},
                        {QStringLiteral("server"), server, {0, 3, 5}}});
        const QImage barImage = bars.grab().toImage();
        QCOMPARE(barImage.size(), QSize(400, 240));
        QVERIFY(containsColor(barImage, client));
        QVERIFY(containsColor(barImage, server));

        LineChart lines;
        lines.resize(400, 240);
        lines.setAxes({QStringLiteral("rate"),
                       QStringLiteral("ms"),
                       QStringLiteral("messages"),
                       {QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2")}});
        lines.setSeries({{QStringLiteral("client"), client, {0, 7, 1}}});
        QVERIFY(containsColor(lines.grab().toImage(), client));

        // No data, no categories, a tiny size: still paints.
        BarChart empty;
        empty.resize(30, 20);
        QVERIFY(!empty.grab().isNull());
        double step = 0;
        QCOMPARE(niceAxisMax(7, 5, step), 8.0);
        QCOMPARE(step, 2.0);
        QCOMPARE(niceAxisMax(0, 5, step), 1.0);
    }
};

QTEST_MAIN(TestConnectionInfo)
#include "tst_connection_info.moc"
