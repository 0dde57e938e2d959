// The inspector's loading and table models: a hand-built capture opened with
// CaptureDocument (loaded on the loader's thread, batches arriving queued),
// then the connection and message/frame tables: rows, columns, previews read
// back from the mapped file, filters and the frame mode.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "inspector/capture_document.h"
#include "inspector/connection_table_model.h"
#include "inspector/message_table_model.h"
#include "websocket_conversation.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::ui;

class TestInspectorModels : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString path_;

    QString cell(const QAbstractItemModel& model, int row, int column) {
        return model.data(model.index(row, column), Qt::DisplayRole).toString();
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        c.client(clientFrame(1, bytesOf("hello\nworld")));
        c.server(serverFrame(2, fromHex("00ff10")));
        c.client(concat({clientFrame(1, bytesOf("a"), false), clientFrame(9, {}),
                         clientFrame(0, bytesOf("b"))}));
        c.client(clientFrame(8, concat({fromHex("03e8"), bytesOf("done")})));
        c.server(serverFrame(8, fromHex("03e8")));
        c.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        path_ = dir_.filePath(QStringLiteral("models.pcap"));
        QVERIFY(b.save(path_.toStdString()));
    }

    void loadsAndShowsTheCapture() {
        CaptureDocument document;
        ConnectionTableModel connections(document);
        MessageTableModel messages(document);
        QSignalSpy finished(&document, &CaptureDocument::finished);
        QVERIFY2(document.open(path_), qPrintable(document.error()));
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.at(0).at(0).toString(), QString());

        QCOMPARE(connections.rowCount(), 1);
        QCOMPARE(cell(connections, 0, ConnectionTableModel::Target), QStringLiteral("/chat"));
        QCOMPARE(cell(connections, 0, ConnectionTableModel::MessagesOut), QStringLiteral("4"));
        QCOMPARE(cell(connections, 0, ConnectionTableModel::MessagesIn), QStringLiteral("2"));
        QCOMPARE(cell(connections, 0, ConnectionTableModel::End),
                 QStringLiteral("close 1000 (Normal Closure) by client"));

        // Messages in completion order: the ping completes before the fragmented text.
        QCOMPARE(messages.rowCount(), 6);
        QCOMPARE(messages.columnCount(), int(MessageTableModel::ColumnCount));
        QCOMPARE(cell(messages, 0, MessageTableModel::Preview), QStringLiteral("hello\\nworld"));
        QCOMPARE(cell(messages, 0, MessageTableModel::Direction), QStringLiteral("client →"));
        QCOMPARE(cell(messages, 1, MessageTableModel::Preview), QStringLiteral("00 ff 10"));
        QCOMPARE(cell(messages, 1, MessageTableModel::Direction), QStringLiteral("← server"));
        QCOMPARE(cell(messages, 2, MessageTableModel::Opcode), QStringLiteral("ping"));
        QCOMPARE(cell(messages, 3, MessageTableModel::Preview), QStringLiteral("ab"));
        QCOMPARE(cell(messages, 3, MessageTableModel::Fin), QStringLiteral("2"));  // frames
        QCOMPARE(cell(messages, 4, MessageTableModel::Preview),
                 QStringLiteral("1000 Normal Closure \"done\""));

        // Filters: the server's messages, then text only.
        RowFilter server;
        server.direction = dissector::Direction::Server;
        messages.setFilter(server);
        QCOMPARE(messages.rowCount(), 2);
        QCOMPARE(messages.rowId(0), RowId(1));
        RowFilter text;
        text.opcodes = {1};
        messages.setFilter(text);
        QCOMPARE(messages.rowCount(), 2);
        QCOMPARE(messages.rowOf(3), 1);
        QCOMPARE(messages.rowOf(1), -1);

        // Frames: the fragmented message's continuation frame is there, unmasked in the preview.
        messages.setFilter({});
        messages.setMode(MessageTableModel::Mode::Frames);
        QCOMPARE(messages.rowCount(), 7);
        QCOMPARE(cell(messages, 4, MessageTableModel::Opcode), QStringLiteral("continuation"));
        QCOMPARE(cell(messages, 4, MessageTableModel::Preview), QStringLiteral("b"));
        QCOMPARE(cell(messages, 4, MessageTableModel::Masked), QStringLiteral("✓"));
    }

    // A payload search's matches filter only the records searched so far;
    // extending the search appends rows instead of resetting the model.
    void searchMatchesShowOnlySearchedRecords() {
        CaptureDocument document;
        MessageTableModel messages(document);
        QSignalSpy finished(&document, &CaptureDocument::finished);
        QVERIFY(document.open(path_));
        QVERIFY(finished.wait(10000));
        QCOMPARE(messages.rowCount(), 6);

        RowFilter search;
        search.matches = std::make_shared<const std::vector<RowId>>(std::vector<RowId>{0, 1, 3, 5});
        search.searchedUpTo = 3;
        messages.setFilter(search);
        QCOMPARE(messages.rowCount(), 2);  // 3 and 5 are past what was searched
        QCOMPARE(messages.rowId(0), RowId(0));
        QCOMPARE(messages.rowId(1), RowId(1));
        QCOMPARE(messages.rowOf(3), -1);

        QSignalSpy inserted(&messages, &QAbstractItemModel::rowsInserted);
        QSignalSpy reset(&messages, &QAbstractItemModel::modelReset);
        messages.extendMatches(search.matches, 6);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.at(0).at(1).toInt(), 2);
        QCOMPARE(inserted.at(0).at(2).toInt(), 3);
        QCOMPARE(messages.rowCount(), 4);
        QCOMPARE(messages.rowOf(5), 3);
        QCOMPARE(messages.filter().searchedUpTo, RowId(6));

        // With the other filters: the client's matches.
        RowFilter client = messages.filter();
        client.direction = dissector::Direction::Client;
        messages.setFilter(client);
        QCOMPARE(messages.rowCount(), 2);
        QCOMPARE(messages.rowId(1), RowId(3));

        // Ids past the index are never rows.
        RowFilter odd;
        odd.matches = std::make_shared<const std::vector<RowId>>(std::vector<RowId>{2, 100});
        odd.searchedUpTo = kNoRow;
        messages.setFilter(odd);
        QCOMPARE(messages.rowCount(), 1);
        QCOMPARE(messages.rowId(0), RowId(2));

        // Matches are ids of one mode: in the other nothing shows until it is searched.
        messages.setMode(MessageTableModel::Mode::Frames);
        QCOMPARE(messages.rowCount(), 0);
        QVERIFY(messages.filter().matches);
        QVERIFY(messages.filter().matches->empty());
        QCOMPARE(messages.filter().searchedUpTo, RowId(0));
        messages.extendMatches(std::make_shared<const std::vector<RowId>>(std::vector<RowId>{4}),
                               7);
        QCOMPARE(messages.rowCount(), 1);
        QCOMPARE(cell(messages, 0, MessageTableModel::Opcode), QStringLiteral("continuation"));
        messages.setFilter({});
        QCOMPARE(messages.rowCount(), 7);
    }

    void connectionAndOpcodeSetsOfAnySize() {
        CaptureDocument document;
        MessageTableModel messages(document);
        QSignalSpy finished(&document, &CaptureDocument::finished);
        QVERIFY(document.open(path_));
        QVERIFY(finished.wait(10000));
        RowFilter f;
        f.connections = {1};
        messages.setFilter(f);
        QCOMPARE(messages.rowCount(), 6);
        f.connections = {2};
        messages.setFilter(f);
        QCOMPARE(messages.rowCount(), 0);
        f.connections = {1, 5000000};  // an id too large for the filter's table
        messages.setFilter(f);
        QCOMPARE(messages.rowCount(), 6);
        f.connections = {4000000000u};
        messages.setFilter(f);
        QCOMPARE(messages.rowCount(), 0);
        f.connections.clear();
        f.opcodes = {1, 200};  // no opcode is 200
        messages.setFilter(f);
        QCOMPARE(messages.rowCount(), 2);
        f.opcodes = {200};
        messages.setFilter(f);
        QCOMPARE(messages.rowCount(), 0);
        f.opcodes = {8};
        f.direction = dissector::Direction::Server;
        messages.setFilter(f);
        QCOMPARE(messages.rowCount(), 1);
        QCOMPARE(messages.rowId(0), RowId(5));
    }

    void reportsAnUnreadableFile() {
        CaptureDocument document;
        QVERIFY(!document.open(dir_.filePath(QStringLiteral("missing.pcap"))));
        QVERIFY(!document.error().isEmpty());
        QFile garbage(dir_.filePath(QStringLiteral("garbage.pcap")));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write("not a capture at all");
        garbage.close();
        QSignalSpy finished(&document, &CaptureDocument::finished);
        QVERIFY(document.open(garbage.fileName()));
        QVERIFY(finished.wait(10000));
        QVERIFY(finished.at(0).at(0).toString().contains(QStringLiteral("not a pcap")));
        // One document, one capture: its index never mixes two files.
        QVERIFY(!document.open(path_));
        QVERIFY(document.error().contains(QStringLiteral("already holds")));
    }
};

QTEST_GUILESS_MAIN(TestInspectorModels)
#include "tst_inspector_models.moc"
