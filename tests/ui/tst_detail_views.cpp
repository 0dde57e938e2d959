// The details pane: frame header fields (pure, on hand-made headers, and in
// the pane's tree), the hex dump of a masked frame with raw and unmasked
// bytes side by side, message content (text, JSON, binary, close, ping,
// deflate, invalid UTF-8), the fragments list and its activation, the
// "first N of M" notes, and odd records that must not crash the pane.
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

#include <sockscope/core/permessage_deflate.h>

#include "inspector/capture_document.h"
#include "inspector/frame_header_fields.h"
#include "inspector/hex_dump.h"
#include "inspector/json_outline.h"
#include "websocket_conversation.h"
#include "widgets/details_panel.h"
#include "widgets/fragments_view.h"
#include "widgets/hex_view.h"
#include "widgets/message_content_view.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::ui;
using namespace Qt::StringLiterals;

namespace {

// Frames and messages of the capture made in initTestCase, in index order.
namespace frame {
constexpr RowId Hello = 0, Fragment1 = 3, Fragment2 = 5, Fragment3 = 6, Long = 7, Deflated = 8;
}
namespace message {
constexpr RowId Hello = 0, Json = 1, Binary = 2, Ping = 3, Fragmented = 4, Long = 5, Deflated = 6,
                BadUtf8 = 7, Close = 8;
}

const char* const kJson =
    R"({"type":"greeting", "id":42,"tags":["a","b"],"nested":{"x":1.5,"y":null},)"
    R"("ok":true,"empty":[]})";

Bytes pattern(std::size_t n) {
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = std::uint8_t(i);
    return out;
}

void addLines(QStringList& out, const std::vector<HeaderField>& fields, int depth) {
    for (const HeaderField& f : fields) {
        out << QString(depth * 2, u' ') + f.name + u" | " + f.value + u" | " + f.bits;
        addLines(out, f.children, depth + 1);
    }
}
QStringList lines(const std::vector<HeaderField>& fields) {
    QStringList out;
    addLines(out, fields, 0);
    return out;
}

void addLines(QStringList& out, const QTreeWidgetItem* item, int depth) {
    out << QString(depth * 2, u' ') + item->text(0) + u" | " + item->text(1) + u" | " +
               item->text(2);
    for (int i = 0; i < item->childCount(); ++i)
        addLines(out, item->child(i), depth + 1);
}
QStringList lines(const QTreeWidget* tree) {
    QStringList out;
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        addLines(out, tree->topLevelItem(i), 0);
    return out;
}

// A line of the hex dump: text placed at fixed columns (offset 0, wire 6,
// unmasked 56, ASCII 106), the way a reader counts them.
QString columns(const QString& offset, const QString& wire, const QString& unmasked = {},
                const QString& ascii = {}) {
    QString line = offset.leftJustified(6) + wire;
    if (!unmasked.isEmpty() || !ascii.isEmpty())
        line = line.leftJustified(56) + unmasked;
    if (!ascii.isEmpty())
        line = line.leftJustified(106) + ascii;
    return line;
}

QStringList topLevelTexts(const QStandardItemModel* model, int column) {
    QStringList out;
    for (int row = 0; row < model->rowCount(); ++row)
        out << model->item(row, column)->text();
    return out;
}

QStringList fragmentRows(const FragmentsView* view) {
    QStringList out;
    for (int i = 0; i < view->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* item = view->topLevelItem(i);
        QStringList cells;
        for (int c = 0; c < FragmentsView::Time; ++c)
            cells << item->text(c);
        out << cells.join(u'|');
    }
    return out;
}

QString fieldValue(const QTreeWidget* tree, const QString& name) {
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        if (tree->topLevelItem(i)->text(0) == name)
            return tree->topLevelItem(i)->text(1);
    return QStringLiteral("<no field %1>").arg(name);
}

}  // namespace

class TestDetailViews : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString path_;
    QString cutPath_;
    Bytes deflated_;

    bool load(CaptureDocument& document, const QString& path) {
        QSignalSpy finished(&document, &CaptureDocument::finished);
        if (!document.open(path))
            return false;
        return finished.wait(10000) && finished.at(0).at(0).toString().isEmpty();
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request("Sec-WebSocket-Extensions: permessage-deflate\r\n")));
        c.server(bytesOf(response("Sec-WebSocket-Extensions: permessage-deflate\r\n")));
        c.client(clientFrame(1, bytesOf("Hello")));  // masked with 37 fa 21 3d
        c.server(serverFrame(1, bytesOf(kJson)));
        c.server(serverFrame(2, fromHex("00ff1041")));
        c.client(concat({clientFrame(1, bytesOf("frag-"), false), clientFrame(9, bytesOf("p")),
                         clientFrame(0, bytesOf("men"), false), clientFrame(0, bytesOf("ted"))}));
        c.client(clientFrame(2, pattern(300)));  // a 16-bit length
        MessageDeflater deflater(15, false);
        deflater.compress(bytesOf("compressed answer, compressed answer"), deflated_);
        c.server(serverFrame(1, deflated_, true, 4));
        c.server(serverFrame(1, fromHex("6f6bff")));  // "ok" and a byte that is not UTF-8
        c.client(clientFrame(8, concat({fromHex("03e9"), bytesOf("going home")})));
        c.server(serverFrame(8, fromHex("03e9")));
        c.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        path_ = dir_.filePath(QStringLiteral("details.pcap"));
        QVERIFY(b.save(path_.toStdString()));

        // A frame whose payload the capture did not keep (cut by the snaplen).
        Conversation cut;
        cut.handshakeTcp();
        cut.client(bytesOf(request()));
        cut.server(bytesOf(response()));
        const Bytes big = clientFrame(2, pattern(200));
        cut.client(Bytes(big.begin(), big.begin() + 8));  // the header: 2 + 2 + mask key
        cut.clientCut(200);
        cut.client(clientFrame(1, bytesOf("after")));
        PcapBuilder cb;
        for (std::size_t i = 0; i < cut.packets.size(); ++i) {
            const std::uint32_t missing = i < cut.cutBytes.size() ? cut.cutBytes[i] : 0;
            cb.add(cut.packets[i], 1700000000, std::uint32_t(i) * 1000000u,
                   missing ? std::uint32_t(cut.packets[i].size()) + missing : 0);
        }
        cutPath_ = dir_.filePath(QStringLiteral("cut.pcap"));
        QVERIFY(cb.save(cutPath_.toStdString()));
    }

    // --- frameHeaderFields on hand-made headers ---------------------------

    void headerFieldsOfAMaskedTextFrame() {
        QCOMPARE(lines(frameHeaderFields(fromHex("818537fa213d"))),
                 (QStringList{
                     u"FIN | 1 (final frame) | 1... ...."_s,
                     u"RSV1 | 0 | .0.. ...."_s,
                     u"RSV2 | 0 | ..0. ...."_s,
                     u"RSV3 | 0 | ...0 ...."_s,
                     u"Opcode | 0x1 (text) | .... 0001"_s,
                     u"MASK | 1 (masked) | 1... ...."_s,
                     u"Payload length | 5 | .000 0101"_s,
                     u"Masking key | 37fa213d | "_s,
                 }));
    }

    void headerFieldsOf64BitLength() {
        QCOMPARE(
            lines(frameHeaderFields(fromHex("027f0000000000010000"))),
            (QStringList{
                u"FIN | 0 (more frames follow) | 0... ...."_s,
                u"RSV1 | 0 | .0.. ...."_s,
                u"RSV2 | 0 | ..0. ...."_s,
                u"RSV3 | 0 | ...0 ...."_s,
                u"Opcode | 0x2 (binary) | .... 0010"_s,
                u"MASK | 0 (not masked) | 0... ...."_s,
                u"Payload length | 65536 | "_s,
                u"  Length field (7 bits) | 127 (64-bit extended length follows) | .111 1111"_s,
                u"  Extended length (64 bits) | 65536 | 0000 0000 0000 0000 0000 0000 0000 0000 "
                u"0000 0000 0000 0001 0000 0000 0000 0000"_s,
            }));
    }

    void headerFieldsFlagNonMinimalLengths_data() {
        QTest::addColumn<QByteArray>("hex");
        QTest::addColumn<QString>("length");
        QTest::addColumn<QString>("extended");
        QTest::newRow("16-bit for 5") << QByteArray("817e0005") << u"5"_s
                                      << u"5 (non-minimal encoding: fits the 7-bit field, RFC "
                                         u"6455 §5.2)"_s;
        QTest::newRow("64-bit for 300") << QByteArray("827f000000000000012c") << u"300"_s
                                        << u"300 (non-minimal encoding: fits the 16-bit field, "
                                           u"RFC 6455 §5.2)"_s;
        QTest::newRow("64-bit for 0") << QByteArray("827f0000000000000000") << u"0"_s
                                      << u"0 (non-minimal encoding: fits the 7-bit field, RFC "
                                         u"6455 §5.2)"_s;
        QTest::newRow("16-bit minimal") << QByteArray("817e007e") << u"126"_s << u"126"_s;
        QTest::newRow("64-bit minimal")
            << QByteArray("827f0000000000010000") << u"65536"_s << u"65536"_s;
        QTest::newRow("64-bit MSB set")
            << QByteArray("827f8000000000000000") << u"9223372036854775808"_s
            << u"9223372036854775808 (most significant bit set: not allowed, RFC 6455 §5.2)"_s;
    }
    void headerFieldsFlagNonMinimalLengths() {
        QFETCH(QByteArray, hex);
        QFETCH(QString, length);
        QFETCH(QString, extended);
        const std::vector<HeaderField> fields = frameHeaderFields(fromHex(hex.toStdString()));
        QCOMPARE(fields.size(), std::size_t(7));
        QCOMPARE(fields[6].name, u"Payload length"_s);
        QCOMPARE(fields[6].value, length);
        QCOMPARE(fields[6].children.size(), std::size_t(2));
        QCOMPARE(fields[6].children[1].value, extended);
    }

    void headerFieldsOfReservedBitsAndOpcodes() {
        // FIN + RSV2 + reserved opcode 3.
        QStringList l = lines(frameHeaderFields(fromHex("a300")));
        QCOMPARE(l.at(2),
                 u"RSV2 | 1 (reserved: must be 0 unless an extension defines it) | ..1. ...."_s);
        QCOMPARE(l.at(4), u"Opcode | 0x3 (reserved) | .... 0011"_s);
        QCOMPARE(lines(frameHeaderFields(fromHex("8b00"))).at(4),
                 u"Opcode | 0xB (reserved) | .... 1011"_s);
        QCOMPARE(lines(frameHeaderFields(fromHex("8a00"))).at(4),
                 u"Opcode | 0xA (pong) | .... 1010"_s);
        // RSV1: "compressed" only on a message's first frame under permessage-deflate.
        QCOMPARE(lines(frameHeaderFields(fromHex("c100"), true)).at(1),
                 u"RSV1 | 1 (permessage-deflate: compressed) | .1.. ...."_s);
        QCOMPARE(lines(frameHeaderFields(fromHex("8100"), true)).at(1),
                 u"RSV1 | 0 (permessage-deflate: not compressed) | .0.. ...."_s);
        QCOMPARE(lines(frameHeaderFields(fromHex("c100"))).at(1),
                 u"RSV1 | 1 (reserved: must be 0 unless an extension defines it) | .1.. ...."_s);
    }

    void headerFieldsOfTruncatedHeaders() {
        QCOMPARE(lines(frameHeaderFields({})),
                 QStringList{u"Truncated | the capture holds 0 of at least 2 header bytes | "_s});
        QStringList one = lines(frameHeaderFields(fromHex("81")));
        QCOMPARE(one.size(), 6);
        QCOMPARE(one.at(4), u"Opcode | 0x1 (text) | .... 0001"_s);
        QCOMPARE(one.at(5), u"Truncated | the capture holds 1 of at least 2 header bytes | "_s);
        QStringList medium = lines(frameHeaderFields(fromHex("81fe01")));
        QCOMPARE(medium.mid(6), (QStringList{
                                    u"Payload length | not in the capture | "_s,
                                    u"  Length field (7 bits) | 126 (16-bit extended length "
                                    u"follows) | .111 1110"_s,
                                    u"  Extended length (16 bits) | not in the capture | "_s,
                                    u"Truncated | the capture holds 3 of 8 header bytes | "_s,
                                }));
        QStringList key = lines(frameHeaderFields(fromHex("818537fa")));
        QCOMPARE(key.mid(6), (QStringList{
                                 u"Payload length | 5 | .000 0101"_s,
                                 u"Masking key | not in the capture | "_s,
                                 u"Truncated | the capture holds 4 of 6 header bytes | "_s,
                             }));
    }

    void headerBytesAreRebuiltFromTheRecord() {
        FrameRecord f;
        f.flags = frame_flag::Fin | frame_flag::Masked | frame_flag::Rsv1;
        f.opcode = 2;
        f.payloadLength = 300;
        f.headerLength = 8;
        // The mask key is read from the file only: the rebuilt header stops before it.
        QCOMPARE(toHex(headerBytesOf(f)), std::string("c2fe012c"));
        f.flags = 0;
        f.payloadLength = 5;
        f.headerLength = 10;  // a non-minimal 64-bit length stays as it was sent
        QCOMPARE(toHex(headerBytesOf(f)), std::string("027f0000000000000005"));
    }

    // --- hex dumps -------------------------------------------------------

    void hexDumpOfPlainBytes() {
        const Bytes bytes = bytesOf("0123456789abcdef\x01xyz");
        QCOMPARE(hexDump(bytes),
                 columns(u"0000"_s, u"30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66"_s)
                         .leftJustified(56) +
                     u"0123456789abcdef\n"_s +
                     columns(u"0010"_s, u"01 78 79 7a"_s).leftJustified(56) + u".xyz"_s);
        QCOMPARE(hexDump(fromHex("ff"), 4096), columns(u"0000"_s, u"ff"_s).leftJustified(56) +
                                                   u".\n"_s + u"first 1 of 4096 bytes shown"_s);
        QCOMPARE(hexDump({}), QString());
    }

    void hexLayoutMarksTheHeaderAndMaskKey() {
        const Bytes raw = clientFrame(1, bytesOf("Hello"));
        const Bytes payload = bytesOf("Hello");
        const HexDump dump = maskedHexLayout(
            raw, 6, payload, std::array<std::uint8_t, 4>{0x37, 0xfa, 0x21, 0x3d}, 5);
        QStringList header, key, wire, unmasked;
        for (const HexSpan& s : dump.spans) {
            const QString t = dump.text.mid(s.start, s.length);
            if (s.region == HexRegion::Header)
                header << t;
            else if (s.region == HexRegion::MaskKey)
                key << t;
            else if (s.region == HexRegion::Payload)
                wire << t;
            else if (s.region == HexRegion::Unmasked)
                unmasked << t;
        }
        QCOMPARE(header, (QStringList{u"81 85"_s, u"header,"_s}));
        QCOMPARE(key, (QStringList{u"37 fa 21 3d"_s, u"mask key 37fa213d"_s}));
        QCOMPARE(wire, QStringList{u"7f 9f 4d 51 58"_s});
        QCOMPARE(unmasked, QStringList{u"48 65 6c 6c 6f"_s});
        // A header the capture cut short: said so, no payload invented.
        QCOMPARE(maskedHexDump(fromHex("81fe"), 8, {}, std::nullopt, 300),
                 columns(u"0000"_s, u"81 fe"_s).leftJustified(56) + u"header\n"_s +
                     u"only 2 of 8 header bytes are in the capture"_s);
    }

    void jsonOutlineStopsOnOddText() {
        QStandardItemModel model;
        fillJsonModel(model, u"[1,2,3,4,5]", 3);
        QCOMPARE(topLevelTexts(&model, 0),
                 (QStringList{u"[0]"_s, u"[1]"_s, u"[2]"_s,
                              u"… the tree stops after 3 items; the text view has everything"_s}));
        // Text QJsonDocument would refuse: the reader stops at the end, never past it.
        fillJsonModel(model, u"{\"a\":");
        QCOMPARE(model.rowCount(), 0);
        fillJsonModel(model, u"[[[");
        QCOMPARE(model.rowCount(), 1);
        fillJsonModel(model, u"{\"a\" 1, \"b\": 2}");
        QCOMPARE(model.rowCount(), 0);
        fillJsonModel(model, u"{\"k\\u00e9y\\\"\": \"v\\\\\"}");
        QCOMPARE(topLevelTexts(&model, 0), QStringList{u"k\u00e9y\""_s});
        QCOMPARE(topLevelTexts(&model, 1), QStringList{u"\"v\\\\\""_s});
        QCOMPARE(indentJson(u"{\"a\":\"unterminated"), u"{\n    \"a\": \"unterminated"_s);
        QCOMPARE(indentJson(u"]]}"), u"\n]\n]\n}"_s);
        QVERIFY(!isJsonDocument("42"));
        QVERIFY(isJsonDocument("[42]"));
    }

    // --- the pane over a capture -------------------------------------------

    void showsTheMaskedHelloFrame() {
        CaptureDocument document;
        QVERIFY(load(document, path_));
        QCOMPARE(document.index().frameCount(), RowId(12));
        QCOMPARE(document.index().messageCount(), RowId(10));
        DetailsPanel panel(document);
        panel.showFrame(frame::Hello);
        QCOMPARE(panel.caption(),
                 u"Frame 1 · connection 1 · client → server · packet 6 · message 1"_s);
        QCOMPARE(lines(panel.headerTree()),
                 (QStringList{
                     u"FIN | 1 (final frame) | 1... ...."_s,
                     u"RSV1 | 0 (permessage-deflate: not compressed) | .0.. ...."_s,
                     u"RSV2 | 0 | ..0. ...."_s,
                     u"RSV3 | 0 | ...0 ...."_s,
                     u"Opcode | 0x1 (text) | .... 0001"_s,
                     u"MASK | 1 (masked) | 1... ...."_s,
                     u"Payload length | 5 | .000 0101"_s,
                     u"Masking key | 37fa213d | "_s,
                 }));
        // Raw masked bytes beside the unmasked ones, the mask key in the header line.
        QCOMPARE(panel.hexView()->text(),
                 (QStringList{
                      columns({}, u"wire (masked)"_s, u"unmasked"_s, u"text"_s),
                      columns(u"0000"_s, u"81 85 37 fa 21 3d"_s, u"header, mask key 37fa213d"_s),
                      columns(u"0006"_s, u"7f 9f 4d 51 58"_s, u"48 65 6c 6c 6f"_s, u"Hello"_s),
                  })
                     .join(u'\n'));
        QCOMPARE(panel.contentView()->page(), MessageContentView::Page::Text);
        QCOMPARE(panel.contentView()->text(), u"Hello"_s);
        QCOMPARE(panel.contentView()->summary(), u"Text from the client · 1 frame · 5 bytes"_s);
        QCOMPARE(fragmentRows(panel.fragmentsView()), QStringList{u"1|1|text|✓|5"_s});
    }

    void showsA16BitLengthFrame() {
        CaptureDocument document;
        QVERIFY(load(document, path_));
        DetailsPanel panel(document);
        panel.hexView()->setLimit(32);
        panel.showFrame(frame::Long);
        QCOMPARE(
            lines(panel.headerTree()),
            (QStringList{
                u"FIN | 1 (final frame) | 1... ...."_s,
                u"RSV1 | 0 (permessage-deflate: not compressed) | .0.. ...."_s,
                u"RSV2 | 0 | ..0. ...."_s,
                u"RSV3 | 0 | ...0 ...."_s,
                u"Opcode | 0x2 (binary) | .... 0010"_s,
                u"MASK | 1 (masked) | 1... ...."_s,
                u"Payload length | 300 | "_s,
                u"  Length field (7 bits) | 126 (16-bit extended length follows) | .111 1110"_s,
                u"  Extended length (16 bits) | 300 | 0000 0001 0010 1100"_s,
                u"Masking key | 37fa213d | "_s,
            }));
        // 32 of 300 payload bytes read for the hex pane: two payload lines and the note.
        const QStringList hex = panel.hexView()->text().split(u'\n');
        QCOMPARE(hex.size(), 5);
        QVERIFY2(hex.at(1).startsWith(u"0000  82 fe 01 2c 37 fa 21 3d"_s), qPrintable(hex.at(1)));
        QVERIFY2(hex.at(2).startsWith(u"0008  37 fb 23 3e"_s), qPrintable(hex.at(2)));
        QVERIFY2(hex.at(3).startsWith(u"0018  "_s), qPrintable(hex.at(3)));
        QCOMPARE(hex.at(4), u"first 32 of 300 payload bytes shown"_s);
        QVERIFY(hex.at(2).contains(u"00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f"_s));
    }

    void showsJsonAsATreeAndIndentedText() {
        CaptureDocument document;
        QVERIFY(load(document, path_));
        DetailsPanel panel(document);
        panel.showMessage(message::Json);
        const MessageContentView* content = panel.contentView();
        QCOMPARE(content->page(), MessageContentView::Page::Json);
        // Keys in the order they were sent, values as written.
        QCOMPARE(topLevelTexts(content->jsonModel(), 0),
                 (QStringList{u"type"_s, u"id"_s, u"tags"_s, u"nested"_s, u"ok"_s, u"empty"_s}));
        QCOMPARE(topLevelTexts(content->jsonModel(), 1),
                 (QStringList{u"\"greeting\""_s, u"42"_s, u"2 items"_s, u"2 keys"_s, u"true"_s,
                              u"0 items"_s}));
        QCOMPARE(topLevelTexts(content->jsonModel(), 2),
                 (QStringList{u"string"_s, u"number"_s, u"array"_s, u"object"_s, u"boolean"_s,
                              u"array"_s}));
        const QStandardItem* nested = content->jsonModel()->item(3, 0);
        QCOMPARE(nested->rowCount(), 2);
        QCOMPARE(nested->child(0, 0)->text(), u"x"_s);
        QCOMPARE(nested->child(0, 1)->text(), u"1.5"_s);
        QCOMPARE(nested->child(1, 2)->text(), u"null"_s);
        QVERIFY(content->jsonTree()->isExpanded(nested->index()));
        QCOMPARE(content->prettyJson(), QStringLiteral(R"({
    "type": "greeting",
    "id": 42,
    "tags": [
        "a",
        "b"
    ],
    "nested": {
        "x": 1.5,
        "y": null
    },
    "ok": true,
    "empty": []
})"));
        QCOMPARE(content->summary(),
                 u"Text from the server · 1 frame · %1 bytes"_s.arg(qstrlen(kJson)));
    }

    void showsBinaryCloseAndPing() {
        CaptureDocument document;
        QVERIFY(load(document, path_));
        MessageContentView content(document);
        content.showMessage(message::Binary);
        QCOMPARE(content.page(), MessageContentView::Page::Hex);
        QCOMPARE(content.hexView()->text(),
                 columns(u"0000"_s, u"00 ff 10 41"_s).leftJustified(56) + u"...A"_s);

        content.showMessage(message::Close);
        QCOMPARE(content.page(), MessageContentView::Page::Close);
        QCOMPARE(content.text(),
                 u"Code: 1001\nName: Going Away\nMeaning: The endpoint is going away (server "
                 u"shutdown, page navigated away).\nReason: going home"_s);
        content.showMessage(message::Close + 1);  // the server's close: a code, no reason
        QCOMPARE(content.text().split(u'\n').last(), u"Reason: (none)"_s);

        content.showMessage(message::Ping);
        QCOMPARE(content.page(), MessageContentView::Page::Text);
        QCOMPARE(content.text(), u"p"_s);
        QCOMPARE(content.summary(), u"Ping from the client · 1 frame · 1 byte"_s);
    }

    void showsCompressedAndInvalidText() {
        CaptureDocument document;
        QVERIFY(load(document, path_));
        DetailsPanel panel(document);
        panel.showMessage(message::Deflated);
        const QString text = u"compressed answer, compressed answer"_s;
        QCOMPARE(panel.contentView()->text(), text);
        QCOMPARE(panel.contentView()->summary(),
                 u"Text from the server · 1 frame · %1 bytes, %2 on the wire (compressed %3:1)"_s
                     .arg(text.size())
                     .arg(deflated_.size())
                     .arg(double(text.size()) / double(deflated_.size()), 0, 'f', 2));
        // The header and hex are the first frame's: RSV1 says compressed, the payload is deflated.
        QCOMPARE(fieldValue(panel.headerTree(), u"RSV1"_s),
                 u"1 (permessage-deflate: compressed)"_s);
        QVERIFY(panel.hexView()->text().startsWith(
            columns(u"0000"_s, u"c1 %1"_s.arg(deflated_.size(), 2, 16, QLatin1Char('0')))
                .leftJustified(56) +
            u"header\n"_s));

        panel.showMessage(message::BadUtf8);
        QCOMPARE(panel.contentView()->text(), u"ok\uFFFD"_s);
        QVERIFY2(
            panel.contentView()->summary().split(u'\n').contains(
                u"Not valid UTF-8 from byte 2 on: invalid bytes are shown as U+FFFD (\uFFFD)."_s),
            qPrintable(panel.contentView()->summary()));
    }

    void saysWhenALimitCutsThePayload() {
        CaptureDocument document;
        QVERIFY(load(document, path_));
        DetailsPanel panel(document);
        panel.contentView()->setLimit(100);
        panel.showMessage(message::Long);
        QCOMPARE(panel.contentView()->summary(),
                 u"Binary from the client · 1 frame · 300 bytes\nFirst 100 of 300 bytes shown."_s);
        const QStringList hex = panel.contentView()->hexView()->text().split(u'\n');
        QCOMPARE(hex.size(), 8);  // 7 lines of 16 bytes (the last with 4) and the note
        QCOMPARE(hex.last(), u"first 100 of 300 bytes shown"_s);
        // Nothing is cut for good: "Show all" reads the whole payload, "Save" writes it.
        QVERIFY(panel.contentView()->canShowAll());
        panel.contentView()->showAll();
        QVERIFY(!panel.contentView()->canShowAll());
        QCOMPARE(panel.contentView()->summary(), u"Binary from the client · 1 frame · 300 bytes"_s);
        QCOMPARE(panel.contentView()->hexView()->text().split(u'\n').size(),
                 19);                                              // 19 lines of 16 bytes, no note
        QCOMPARE(panel.contentView()->limit(), std::size_t(100));  // the next message is cut again
        const QString saved = dir_.filePath(u"long.bin"_s);
        QString error;
        QVERIFY2(panel.contentView()->savePayload(saved, error), qPrintable(error));
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        QCOMPARE(bytes.size(), 300);
        for (int i = 0; i < 300; ++i)
            QCOMPARE(std::uint8_t(bytes[i]), std::uint8_t(i));
        QVERIFY(!panel.contentView()->savePayload(dir_.filePath(u"no/such/dir/x"_s), error));
        QVERIFY2(error.startsWith(u"cannot write "_s), qPrintable(error));
        panel.showMessage(message::Long);
        // A text cut inside a character is not called invalid UTF-8.
        panel.contentView()->setLimit(7);
        panel.showMessage(message::Json);
        QCOMPARE(panel.contentView()->page(), MessageContentView::Page::Text);
        QCOMPARE(panel.contentView()->text(), u"{\"type\""_s);
        QCOMPARE(panel.contentView()->summary().split(u'\n').last(),
                 u"First 7 of %1 bytes shown."_s.arg(qstrlen(kJson)));
    }

    void listsFragmentsAndActivatesThem() {
        CaptureDocument document;
        QVERIFY(load(document, path_));
        DetailsPanel panel(document);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QSignalSpy activated(&panel, &DetailsPanel::frameActivated);
        panel.showMessage(message::Fragmented);
        // The packet that completed it: all four frames came in packet 9.
        QCOMPARE(panel.caption(), u"Message 5 · connection 1 · client → server · packet 9"_s);
        QCOMPARE(panel.contentView()->text(), u"frag-mented"_s);
        QCOMPARE(panel.contentView()->summary(), u"Text from the client · 3 frames · 11 bytes"_s);
        FragmentsView* fragments = panel.fragmentsView();
        QCOMPARE(fragmentRows(fragments), (QStringList{u"1|4|text||5"_s, u"2|6|continuation||3"_s,
                                                       u"3|7|continuation|✓|3"_s}));
        QCOMPARE(fragments->frameAt(0), frame::Fragment1);
        QCOMPARE(fragments->frameAt(2), frame::Fragment3);
        QCOMPARE(fragments->frameAt(3), kNoRow);
        // The message's first frame is the one in the header and hex tabs.
        QCOMPARE(fragments->currentItem(), fragments->topLevelItem(0));
        QCOMPARE(fieldValue(panel.headerTree(), u"FIN"_s), u"0 (more frames follow)"_s);

        panel.tabs()->setCurrentWidget(fragments);
        fragments->setFocus();
        fragments->setCurrentItem(fragments->topLevelItem(1));
        QTest::keyClick(fragments, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(activated.size(), 1, 5000);
        QCOMPARE(activated.at(0).at(0).value<RowId>(), frame::Fragment2);
        QCOMPARE(fieldValue(panel.headerTree(), u"Opcode"_s), u"0x0 (continuation)"_s);
        QCOMPARE(fieldValue(panel.headerTree(), u"Payload length"_s), u"3"_s);
        QCOMPARE(panel.currentTabName(), u"Fragments"_s);

        // Showing one of its frames lists the same fragments with that frame current.
        panel.showFrame(frame::Fragment3);
        QCOMPARE(fragments->topLevelItemCount(), 3);
        QCOMPARE(fragments->currentItem(), fragments->topLevelItem(2));
        QCOMPARE(panel.contentView()->text(), u"frag-mented"_s);
    }

    void keepsTheTabWhenTheSelectionChanges() {
        CaptureDocument document;
        QVERIFY(load(document, path_));
        DetailsPanel panel(document);
        QCOMPARE(panel.currentTabName(), u"Header"_s);
        QCOMPARE(panel.tabs()->count(), 4);
        panel.tabs()->setCurrentIndex(2);
        panel.showFrame(frame::Hello);
        QCOMPARE(panel.currentTabName(), u"Content"_s);
        panel.showMessage(message::Binary);
        QCOMPARE(panel.currentTabName(), u"Content"_s);
        panel.tabs()->setCurrentIndex(1);
        panel.showMessage(message::Close);
        panel.clear();
        QCOMPARE(panel.currentTabName(), u"Hex"_s);
        QCOMPARE(panel.caption(), u"Nothing selected"_s);
        QCOMPARE(panel.headerTree()->topLevelItemCount(), 0);
    }

    void survivesOddRecords() {
        // Nothing loaded: every id is out of range.
        CaptureDocument empty;
        DetailsPanel idle(empty);
        idle.showFrame(0);
        idle.showMessage(0);
        QCOMPARE(idle.caption(), u"Nothing selected"_s);
        idle.contentView()->showMessage(kNoRow);
        QCOMPARE(idle.contentView()->summary(), u"No message."_s);
        idle.fragmentsView()->showMessage(kNoRow);
        QCOMPARE(idle.fragmentsView()->topLevelItemCount(), 0);

        // A frame whose payload the capture did not keep.
        CaptureDocument document;
        QVERIFY(load(document, cutPath_));
        DetailsPanel panel(document);
        QCOMPARE(document.index().frameCount(), RowId(2));
        const FrameRecord big = document.index().frame(0);
        QCOMPARE(big.payloadLength, std::uint64_t(200));
        panel.showFrame(0);
        QCOMPARE(fieldValue(panel.headerTree(), u"Payload length"_s), u"200"_s);
        QVERIFY2(panel.hexView()->text().endsWith(u"\nfirst 0 of 200 payload bytes shown"_s),
                 qPrintable(panel.hexView()->text()));
        // The dissector could not finish its message: the content tab says so.
        QCOMPARE(big.message, kNoRow);
        QCOMPARE(panel.contentView()->page(), MessageContentView::Page::Empty);
        QCOMPARE(panel.contentView()->summary(),
                 u"Frame 1 belongs to no complete message (the capture may end before it, or the "
                 u"frame broke the framing rules)."_s);
        QCOMPARE(panel.fragmentsView()->topLevelItemCount(), 0);
        // The next frame after the gap is shown whole.
        QCOMPARE(document.index().messageCount(), RowId(1));
        panel.showMessage(0);
        QCOMPARE(panel.contentView()->text(), u"after"_s);
        for (RowId f = 0; f < document.index().frameCount(); ++f)
            panel.showFrame(f);
        for (RowId m = 0; m < document.index().messageCount(); ++m)
            panel.showMessage(m);
    }
};

QTEST_MAIN(TestDetailViews)
#include "tst_detail_views.moc"
