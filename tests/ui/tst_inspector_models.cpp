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
