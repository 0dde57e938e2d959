// HAR files in the window: opened like a capture (File > Open, drag-and-drop,
// the command line all go through openFile) from a DevTools-format file made
// here, shown with the .har's name while a temporary pcapng that goes away
// with the view is read; a broken one says which entry and field; File >
// Export > Selected Connections as HAR writes a file that opens again with
// the same messages.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include "drop_files.h"
#include "inspector/connection_table_model.h"
#include "inspector/message_table_model.h"
#include "widgets/capture_view.h"
#include "widgets/main_window.h"

using namespace sockscope;
using namespace sockscope::ui;

namespace {

QJsonObject header(const QString& name, const QString& value) {
    return {{QStringLiteral("name"), name}, {QStringLiteral("value"), value}};
}

QJsonObject message(const QString& type, double time, int opcode, const QString& data) {
    return {{QStringLiteral("type"), type},
            {QStringLiteral("time"), time},
            {QStringLiteral("opcode"), opcode},
            {QStringLiteral("data"), data}};
}

// One WebSocket entry as Chrome's DevTools saves it ("Save all as HAR").
QJsonObject entry(const QString& url, const QJsonArray& messages) {
    const QJsonArray requestHeaders = {
        header(QStringLiteral("Host"), QStringLiteral("127.0.0.1:8765")),
        header(QStringLiteral("Upgrade"), QStringLiteral("websocket")),
        header(QStringLiteral("Connection"), QStringLiteral("Upgrade")),
        header(QStringLiteral("Sec-WebSocket-Key"), QStringLiteral("dGhlIHNhbXBsZSBub25jZQ==")),
        header(QStringLiteral("Sec-WebSocket-Version"), QStringLiteral("13"))};
    const QJsonArray responseHeaders = {
        header(QStringLiteral("Upgrade"), QStringLiteral("websocket")),
        header(QStringLiteral("Connection"), QStringLiteral("Upgrade")),
        header(QStringLiteral("Sec-WebSocket-Accept"),
               QStringLiteral("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))};
    return {{QStringLiteral("startedDateTime"), QStringLiteral("2024-05-14T10:30:00.000Z")},
            {QStringLiteral("time"), 12.5},
            {QStringLiteral("request"),
             QJsonObject{{QStringLiteral("method"), QStringLiteral("GET")},
                         {QStringLiteral("url"), url},
                         {QStringLiteral("httpVersion"), QStringLiteral("HTTP/1.1")},
                         {QStringLiteral("headers"), requestHeaders},
                         {QStringLiteral("queryString"), QJsonArray{}},
                         {QStringLiteral("cookies"), QJsonArray{}},
                         {QStringLiteral("headersSize"), -1},
                         {QStringLiteral("bodySize"), 0}}},
            {QStringLiteral("response"),
             QJsonObject{{QStringLiteral("status"), 101},
                         {QStringLiteral("statusText"), QStringLiteral("Switching Protocols")},
                         {QStringLiteral("httpVersion"), QStringLiteral("HTTP/1.1")},
                         {QStringLiteral("headers"), responseHeaders},
                         {QStringLiteral("cookies"), QJsonArray{}},
                         {QStringLiteral("content"),
                          QJsonObject{{QStringLiteral("size"), 0},
                                      {QStringLiteral("mimeType"), QStringLiteral("x-unknown")}}},
                         {QStringLiteral("redirectURL"), QString()},
                         {QStringLiteral("headersSize"), -1},
                         {QStringLiteral("bodySize"), -1}}},
            {QStringLiteral("cache"), QJsonObject{}},
            {QStringLiteral("timings"), QJsonObject{{QStringLiteral("send"), 0},
                                                    {QStringLiteral("wait"), 12.5},
                                                    {QStringLiteral("receive"), 0}}},
            {QStringLiteral("serverIPAddress"), QStringLiteral("127.0.0.1")},
            {QStringLiteral("_resourceType"), QStringLiteral("websocket")},
            {QStringLiteral("_webSocketMessages"), messages}};
}

bool writeHar(const QString& path, const QJsonArray& entries) {
    const QJsonObject log{{QStringLiteral("version"), QStringLiteral("1.2")},
                          {QStringLiteral("creator"),
                           QJsonObject{{QStringLiteral("name"), QStringLiteral("WebInspector")},
                                       {QStringLiteral("version"), QStringLiteral("537.36")}}},
                          {QStringLiteral("pages"), QJsonArray{}},
                          {QStringLiteral("entries"), entries}};
    QFile file(path);
    return file.open(QIODevice::WriteOnly) &&
           file.write(QJsonDocument(QJsonObject{{QStringLiteral("log"), log}}).toJson()) > 0;
}

// The payloads of the text and binary messages (of one connection, or all),
// in order, as the window reads them back; a server's start with "<- ".
QList<QByteArray> payloads(const CaptureDocument& document, std::uint32_t conn = 0) {
    QList<QByteArray> out;
    for (RowId id = 0; id < document.index().messageCount(); ++id) {
        const MessageRecord m = document.index().message(id);
        if ((conn && m.conn != conn) || (m.opcode != 1 && m.opcode != 2))
            continue;
        const MessageBytes bytes = document.messageBytes(id, 1 << 20);
        out << (m.fromServer() ? QByteArray("<- ") : QByteArray()) +
                   QByteArray(reinterpret_cast<const char*>(bytes.payload.data()),
                              qsizetype(bytes.payload.size()));
    }
    return out;
}

QJsonArray harEntries(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll())
        .object()
        .value(QStringLiteral("log"))
        .toObject()
        .value(QStringLiteral("entries"))
        .toArray();
}

}  // namespace

class TestHarWindow : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString har_;
    QString capture_;  // a pcap, to open something else

    static bool loaded(MainWindow& window) {
        return window.captureView() && !window.captureView()->document().loading();
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SockscopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_har_window"));
        QSettings().clear();
        QVERIFY(dir_.isValid());
        har_ = dir_.filePath(QStringLiteral("devtools.har"));
        const double t = 1715682600.0;
        QVERIFY(writeHar(
            har_,
            {entry(
                QStringLiteral("ws://127.0.0.1:8765/chat"),
                {message(QStringLiteral("send"), t + 0.1, 1, QStringLiteral("hello")),
                 message(QStringLiteral("receive"), t + 0.2, 1, QStringLiteral("{\"answer\":42}")),
                 message(QStringLiteral("receive"), t + 0.3, 2, QStringLiteral("AQID"))})}));
        // Something else to open: the bundled sample.
        capture_ = QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/sample.pcapng");
    }

    void opensAHarLikeACapture() {
        MainWindow window;
        QVERIFY2(window.openFile(har_), qPrintable(window.lastError()));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        CaptureView* view = window.captureView();
        QCOMPARE(window.lastError(), QString());
        QCOMPARE(view->connectionModel().rowCount(), 1);
        QCOMPARE(view->messageModel().rowCount(), 3);
        QCOMPARE(payloads(view->document()),
                 (QList<QByteArray>{"hello", "<- {\"answer\":42}", QByteArray("<- \x01\x02\x03")}));
        QCOMPARE(view->document().index().anomalyCount(), RowId(0));
        // The window names the HAR; the converted capture is a temporary file.
        QVERIFY2(window.windowTitle().startsWith(QStringLiteral("devtools.har")),
                 qPrintable(window.windowTitle()));
        QCOMPARE(window.recentFiles().value(0), QFileInfo(har_).absoluteFilePath());
        const QString converted = view->document().path();
        QVERIFY(converted.endsWith(QStringLiteral(".pcapng")));
        QVERIFY(!converted.startsWith(dir_.path()));
        QVERIFY(QFileInfo::exists(converted));

        // Opening another capture removes it.
        QVERIFY(window.openFile(capture_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QVERIFY(!QFileInfo::exists(converted));
        QVERIFY(!QFileInfo::exists(QFileInfo(converted).absolutePath()));

        // Reopening (after new preferences) converts the HAR again.
        QVERIFY(window.openFile(har_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QVERIFY(window.reopen());
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QCOMPARE(window.captureView()->messageModel().rowCount(), 3);
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("devtools.har")));
    }

    void dropOpensAHar() {
        MainWindow window;
        window.show();
        QVERIFY(test::dropFile(window, har_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QCOMPARE(window.captureView()->messageModel().rowCount(), 3);
    }

    // HAR -> window -> HAR -> window: the same messages.
    void exportedHarOpensAgain() {
        MainWindow window;
        QVERIFY(window.openFile(har_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        const QList<QByteArray> original = payloads(window.captureView()->document());
        const QString exported = dir_.filePath(QStringLiteral("again.har"));
        QVERIFY2(window.exportHar(exported), qPrintable(window.lastError()));
        const QJsonArray entries = harEntries(exported);
        QCOMPARE(entries.size(), 1);
        QCOMPARE(
            entries.at(0).toObject().value(QStringLiteral("_webSocketMessages")).toArray().size(),
            3);
        QVERIFY(window.openFile(exported));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QCOMPARE(payloads(window.captureView()->document()), original);
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("again.har")));
    }

    // One selected connection of a capture: its text and binary messages
    // (decompressed, fragments joined) come back from the HAR.
    void selectedConnectionOfACaptureToHar() {
        for (std::uint32_t conn : {1u, 2u}) {
            MainWindow window;
            QVERIFY(window.openFile(capture_));
            QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
            CaptureView* view = window.captureView();
            QCOMPARE(view->connectionModel().rowCount(), 2);
            for (int row = 0; row < 2; ++row)
                if (view->connectionModel().connectionAt(row) == conn)
                    view->connectionTable()->selectRow(row);
            QCOMPARE(view->selectedConnections(), std::set<std::uint32_t>{conn});
            const QList<QByteArray> original = payloads(view->document(), conn);
            QVERIFY(original.size() >= 3);
            const QString exported = dir_.filePath(QStringLiteral("conn%1.har").arg(conn));
            QVERIFY2(window.exportHar(exported), qPrintable(window.lastError()));
            QCOMPARE(harEntries(exported).size(), 1);
            QVERIFY(window.openFile(exported));
            QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
            QCOMPARE(window.captureView()->connectionModel().rowCount(), 1);
            QCOMPARE(payloads(window.captureView()->document()), original);
        }

        // Nothing selected: every connection.
        MainWindow window;
        QVERIFY(window.openFile(capture_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        const QString all = dir_.filePath(QStringLiteral("all.har"));
        QVERIFY2(window.exportHar(all), qPrintable(window.lastError()));
        QCOMPARE(harEntries(all).size(), 2);
        QVERIFY(!window.exportHar(dir_.filePath(QStringLiteral("no/such/dir/x.har"))));
        QVERIFY2(window.lastError().contains(QStringLiteral("x.har")),
                 qPrintable(window.lastError()));
    }

    void brokenHarSaysWhichEntryAndField() {
        const QString broken = dir_.filePath(QStringLiteral("broken.har"));
        QVERIFY(writeHar(
            broken,
            {entry(QStringLiteral("ws://127.0.0.1:8765/chat"),
                   {message(QStringLiteral("send"), 1715682600.1, 5, QStringLiteral("x"))})}));
        MainWindow window;
        QVERIFY(window.openFile(capture_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        CaptureView* before = window.captureView();
        QVERIFY(!window.openFile(broken));
        QVERIFY2(window.lastError().contains(
                     QStringLiteral("entry 0: _webSocketMessages[0].opcode is not 1 or 2")),
                 qPrintable(window.lastError()));
        QVERIFY2(window.lastError().contains(QStringLiteral("broken.har")),
                 qPrintable(window.lastError()));
        QCOMPARE(window.captureView(), before);  // the open capture stays
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("sample.pcapng")));

        const QString notHar = dir_.filePath(QStringLiteral("text.har"));
        QFile file(notHar);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is not JSON");
        file.close();
        QVERIFY(!window.openFile(notHar));
        QVERIFY2(window.lastError().contains(QStringLiteral("text.har")),
                 qPrintable(window.lastError()));
    }
};

QTEST_MAIN(TestHarWindow)
#include "tst_har_window.moc"
