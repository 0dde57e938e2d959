// The replay tab offscreen: built from a captured connection, steps edited
// (text and hex payloads, opcode, reorder, delete, add), run against our
// in-process echo server, its answers compared with the recorded ones, the
// new connection recorded in the tab's SessionPane, scripts saved and loaded,
// and a wss:// target trusted through the CA file or certificate errors ignored.

#include <sockscope/dissector/conversation_writer.h>

#include <QAbstractItemModel>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

#include "console/replay_session.h"
#include "console/session_pane.h"
#include "console/tls_options_box.h"
#include "inspector/capture_document.h"
#include "session/websocket_server.h"
#include "test_certificate.h"
#include "websocket_conversation.h"
#include "widgets/capture_view.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;
using namespace sockscope::ui;
using namespace Qt::StringLiterals;

namespace {

constexpr int kWaitMs = 20000;
constexpr std::int64_t kT0 = 1715682600;

dissector::Timestamp at(int ms) {
    return {kT0, std::uint32_t(ms) * 1000000u};
}

std::span<const std::uint8_t> span(const QByteArray& b) {
    return {reinterpret_cast<const std::uint8_t*>(b.constData()), std::size_t(b.size())};
}

std::span<const std::uint8_t> span(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// One connection: "hello", "fragmented" in three frames, binary 00 ff 80 7f 01
// and a close 1000 "bye", each echoed (the close with its code only).
bool writeCapture(const QString& path) {
    std::string error;
    auto writer = dissector::ConversationWriter::create(path.toStdString(), error);
    if (!writer) {
        return false;
    }
    dissector::SocketAddress client, server;
    client.ip = {127, 0, 0, 1};
    client.port = 53422;
    server.ip = {127, 0, 0, 1};
    server.port = 8765;
    using dissector::Direction;
    const auto id = writer->open(client, server, at(0));
    const QByteArray binary = QByteArray::fromHex("00ff807f01");
    return id && writer->send(*id, Direction::Client, span(request()), at(1)) &&
           writer->send(*id, Direction::Server, span(response()), at(2)) &&
           writer->sendFrame(*id, Direction::Client, 1, span("hello"_ba), at(10)) &&
           writer->sendFrame(*id, Direction::Server, 1, span("hello"_ba), at(11)) &&
           writer->send(*id, Direction::Client, clientFrame(1, bytesOf("frag"), false), at(20)) &&
           writer->send(*id, Direction::Client, clientFrame(0, bytesOf("men"), false), at(21)) &&
           writer->send(*id, Direction::Client, clientFrame(0, bytesOf("ted")), at(22)) &&
           writer->sendFrame(*id, Direction::Server, 1, span("fragmented"_ba), at(23)) &&
           writer->sendFrame(*id, Direction::Client, 2, span(binary), at(30)) &&
           writer->sendFrame(*id, Direction::Server, 2, span(binary), at(31)) &&
           writer->sendFrame(*id, Direction::Client, 8,
                             span("\x03\xe8"
                                  "bye"_ba),
                             at(40)) &&
           writer->sendFrame(*id, Direction::Server, 8, span("\x03\xe8"_ba), at(41)) &&
           writer->close(*id, Direction::Server, at(42)) && writer->finish();
}

QString cell(const QAbstractItemModel& model, int row, int column) {
    return model.data(model.index(row, column)).toString();
}

enum Column { OpcodeColumn, PayloadColumn, FragmentsColumn, CloseCodeColumn, OffsetColumn };

}  // namespace

class ReplaySessionTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const QString path = dir_.filePath(u"echo.pcapng"_s);
        QVERIFY(writeCapture(path));
        document_ = std::make_unique<CaptureDocument>();
        QSignalSpy finished(document_.get(), &CaptureDocument::finished);
        QVERIFY(document_->open(path));
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(finished.at(0).at(0).toString(), QString());
    }

    void showsTheCapturedConnection() {
        std::unique_ptr<QWidget> widget(createReplaySession(*document_, 1, nullptr));
        auto* tab = qobject_cast<ReplaySession*>(widget.get());
        QVERIFY(tab);
        QCOMPARE(tab->sourceText(),
                 u"Connection 1 of echo.pcapng: 4 client messages, 4 recorded answers."_s);
        QCOMPARE(tab->url(), u"ws://127.0.0.1:8765/chat"_s);
        const QAbstractItemModel& model = *tab->stepModel();
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(cell(model, 0, OpcodeColumn), u"text"_s);
        QCOMPARE(cell(model, 0, PayloadColumn), u"hello"_s);
        // The count and the recorded frame sizes; the editor gets the count.
        QCOMPARE(cell(model, 1, FragmentsColumn), u"3 (4+3+3)"_s);
        QCOMPARE(model.data(model.index(1, FragmentsColumn), Qt::EditRole), QVariant(3));
        QCOMPARE(cell(model, 1, OffsetColumn), u"10.000"_s);
        QCOMPARE(cell(model, 2, OpcodeColumn), u"binary"_s);
        // Not UTF-8: shown as hex even in text mode, and edited only as hex.
        QCOMPARE(cell(model, 2, PayloadColumn), u"00 ff 80 7f 01"_s);
        QVERIFY(!(model.flags(model.index(2, PayloadColumn)) & Qt::ItemIsEditable));
        QCOMPARE(cell(model, 3, OpcodeColumn), u"close"_s);
        QCOMPARE(cell(model, 3, PayloadColumn), u"bye"_s);
        QCOMPARE(cell(model, 3, CloseCodeColumn), u"1000"_s);
        // Not editable: a control frame's fragments, a text's close code.
        QVERIFY(!(model.flags(model.index(3, FragmentsColumn)) & Qt::ItemIsEditable));
        QVERIFY(!(model.flags(model.index(0, CloseCodeColumn)) & Qt::ItemIsEditable));
        QVERIFY(model.flags(model.index(0, PayloadColumn)) & Qt::ItemIsEditable);

        QTableWidget* comparison = tab->comparisonTable();
        QCOMPARE(comparison->rowCount(), 4);
        QCOMPARE(comparison->item(0, 1)->text(), u"text \"hello\""_s);
        QCOMPARE(comparison->item(2, 1)->text(), u"binary 00 ff 80 7f 01"_s);
        QCOMPARE(comparison->item(3, 1)->text(), u"close 1000"_s);
        QCOMPARE(comparison->item(0, 3)->text(), QString());
        QCOMPARE(tab->summaryText(), u"4 answer(s) recorded; run the replay to compare."_s);
        QVERIFY(tab->runButton()->isEnabled());
    }

    void saysWhyAConnectionCannotBeReplayed() {
        std::unique_ptr<QWidget> widget(createReplaySession(*document_, 42, nullptr));
        auto* tab = qobject_cast<ReplaySession*>(widget.get());
        QVERIFY(tab);
        QCOMPARE(tab->sourceText(),
                 u"Cannot replay connection 42 of echo.pcapng: connection 42 "
                 "is not in this capture (it has connections 1 to 1)"_s);
        QCOMPARE(tab->stepModel()->rowCount(), 0);
        QVERIFY(!tab->runButton()->isEnabled());
        QVERIFY(!tab->run());
    }

    void editsSteps() {
        std::unique_ptr<QWidget> widget(createReplaySession(*document_, 1, nullptr));
        auto* tab = qobject_cast<ReplaySession*>(widget.get());
        QAbstractItemModel& model = *tab->stepModel();
        QVERIFY(model.setData(model.index(0, PayloadColumn), u"HELLO"_s));
        tab->setPayloadMode(ReplaySession::PayloadMode::Hex);
        QCOMPARE(cell(model, 2, PayloadColumn), u"00 ff 80 7f 01"_s);
        QCOMPARE(model.headerData(PayloadColumn, Qt::Horizontal).toString(), u"Payload (hex)"_s);
        QVERIFY(model.flags(model.index(2, PayloadColumn)) & Qt::ItemIsEditable);
        QVERIFY(!model.setData(model.index(2, PayloadColumn), u"00 zz"_s));
        QVERIFY2(tab->statusText().startsWith(u"Step 3: "_s), qPrintable(tab->statusText()));
        QVERIFY(model.setData(model.index(2, PayloadColumn), u"0102 03"_s));
        QVERIFY(!model.setData(model.index(1, FragmentsColumn), 0));
        QCOMPARE(tab->statusText(), u"Step 2: fragments must be at least 1"_s);
        QVERIFY(model.setData(model.index(1, FragmentsColumn), 2));
        QVERIFY(!model.setData(model.index(3, CloseCodeColumn), u"70000"_s));
        QVERIFY(model.setData(model.index(3, CloseCodeColumn), u"4001"_s));
        QVERIFY(!model.setData(model.index(0, OpcodeColumn), u"continuation"_s));

        // Reorder: the binary goes first; delete the fragmented text; add a ping before the close.
        QVERIFY(tab->moveStep(2, 0));
        QVERIFY(!tab->moveStep(0, 9));
        QVERIFY(tab->removeStep(2));
        tab->addStep(2);
        QVERIFY(model.setData(model.index(2, OpcodeColumn), u"ping"_s));
        tab->setPayloadMode(ReplaySession::PayloadMode::Text);
        QVERIFY(model.setData(model.index(2, PayloadColumn), u"are you there"_s));

        const ReplayScript script = tab->script();
        QCOMPARE(script.steps.size(), std::size_t(4));
        QCOMPARE(script.steps[0].opcode, std::uint8_t(2));
        QCOMPARE(script.steps[0].payload, QByteArray::fromHex("010203"));
        QCOMPARE(script.steps[1].payload, "HELLO"_ba);
        QCOMPARE(script.steps[2].opcode, std::uint8_t(9));
        QCOMPARE(script.steps[2].payload, "are you there"_ba);
        QCOMPARE(script.steps[3].closeCode, std::optional<std::uint16_t>(4001));
        QCOMPARE(script.recordedAnswers.size(), std::size_t(4));
    }

    void editingClearsTheRecordedFrameSizes() {
        std::unique_ptr<QWidget> widget(createReplaySession(*document_, 1, nullptr));
        auto* tab = qobject_cast<ReplaySession*>(widget.get());
        QAbstractItemModel& model = *tab->stepModel();
        QCOMPARE(tab->script().steps[1].frameSizes, (std::vector<std::uint64_t>{4, 3, 3}));
        // The same payload or count again keeps them.
        QVERIFY(model.setData(model.index(1, PayloadColumn), u"fragmented"_s));
        QVERIFY(model.setData(model.index(1, FragmentsColumn), 3));
        QCOMPARE(tab->script().steps[1].frameSizes, (std::vector<std::uint64_t>{4, 3, 3}));
        QVERIFY(model.setData(model.index(1, PayloadColumn), u"fragmented!"_s));
        QCOMPARE(tab->script().steps[1].frameSizes, std::vector<std::uint64_t>());
        QCOMPARE(tab->script().steps[1].fragments, 3);
        QCOMPARE(cell(model, 1, FragmentsColumn), u"3"_s);

        std::unique_ptr<QWidget> other(createReplaySession(*document_, 1, nullptr));
        auto* tab2 = qobject_cast<ReplaySession*>(other.get());
        QAbstractItemModel& model2 = *tab2->stepModel();
        QVERIFY(model2.setData(model2.index(1, FragmentsColumn), 2));
        QCOMPARE(tab2->script().steps[1].frameSizes, std::vector<std::uint64_t>());
        QCOMPARE(tab2->script().steps[1].fragments, 2);
        QCOMPARE(cell(model2, 1, FragmentsColumn), u"2"_s);
    }

    void runsAndComparesTheAnswers() {
        std::unique_ptr<QWidget> widget(createReplaySession(*document_, 1, nullptr));
        auto* tab = qobject_cast<ReplaySession*>(widget.get());
        QAbstractItemModel& model = *tab->stepModel();
        // "hello" becomes "hallo": the echo differs from the recording at byte 1.
        QVERIFY(model.setData(model.index(0, PayloadColumn), u"hallo"_s));

        ServerOptions options;
        options.echo = true;
        WebSocketServer server(options);
        QVERIFY(server.listen());
        std::vector<QByteArray> received;
        std::optional<std::uint16_t> closeCode;
        connect(
            &server, &WebSocketServer::newConnection, this, [&](WebSocketConnection* c, quint64) {
                connect(c, &WebSocketConnection::messageReceived, c, [&](const event::Message& m) {
                    received.emplace_back(reinterpret_cast<const char*>(m.payload.data()),
                                          qsizetype(m.payload.size()));
                });
                connect(c, &WebSocketConnection::closeReceived, c,
                        [&](const event::CloseReceived& cr) { closeCode = cr.code; });
            });

        tab->setUrl(u"not a url"_s);
        QVERIFY(!tab->run());
        QVERIFY2(tab->statusText().startsWith(u"Target URL: "_s), qPrintable(tab->statusText()));

        tab->setUrl(u"ws://127.0.0.1:%1/chat"_s.arg(server.serverPort()));
        tab->setPacing(ReplayPacing::AsFastAsPossible);
        QSignalSpy finished(tab, &ReplaySession::runFinished);
        QVERIFY2(tab->run(), qPrintable(tab->statusText()));
        QVERIFY(tab->running());
        QCOMPARE(tab->runButton()->text(), u"Stop"_s);
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(finished.at(0).at(0).toString(), QString());
        QCOMPARE(tab->statusText(), u"Done: 4 steps sent, 4 answers received."_s);
        QCOMPARE(received, (std::vector<QByteArray>{"hallo"_ba, "fragmented"_ba,
                                                    QByteArray::fromHex("00ff807f01")}));
        QCOMPARE(closeCode, std::optional<std::uint16_t>(1000));

        QTableWidget* comparison = tab->comparisonTable();
        QCOMPARE(comparison->rowCount(), 4);
        QCOMPARE(comparison->item(0, 2)->text(), u"text \"hallo\""_s);
        QCOMPARE(comparison->item(0, 3)->text(),
                 u"different: payload differs at byte 1 (0x65 vs 0x61; 5 vs 5 bytes)"_s);
        QCOMPARE(comparison->item(1, 3)->text(), u"same"_s);
        QCOMPARE(comparison->item(3, 3)->text(), u"same"_s);
        QCOMPARE(tab->summaryText(), u"4 answers: 3 same, 1 different (first #1)"_s);
        QCOMPARE(tab->runButton()->text(), u"Run"_s);

        // The new connection is in the tab's own capture view, as the server saw it.
        const CaptureDocument& session = tab->pane().view().document();
        QTRY_COMPARE_WITH_TIMEOUT(session.index().messageCount(), RowId(8), kWaitMs);
        QCOMPARE(session.index().connections().size(), std::size_t(1));
        QString error;
        const auto replayed = replayScriptFromCapture(session, 1, &error);
        QVERIFY2(replayed, qPrintable(error));
        QCOMPARE(replayed->steps.size(), std::size_t(4));
        QCOMPARE(replayed->steps[0].payload, "hallo"_ba);
        QCOMPARE(replayed->steps[1].fragments, 3);
        QCOMPARE(replayed->steps[3].closeCode, std::optional<std::uint16_t>(1000));
        QCOMPARE(replayed->steps[3].payload, "bye"_ba);
    }

    void replaysOverTlsWithTheCaFileOrIgnoringErrors() {
#if !QT_CONFIG(ssl)
        QSKIP("this Qt has no TLS support");
#else
        const QString cert = dir_.filePath(u"replay-cert.pem"_s);
        const QString key = dir_.filePath(u"replay-key.pem"_s);
        bool missing = false;
        const QString made = makeSelfSignedCertificate(cert, key, &missing);
        if (missing)
            QSKIP(qPrintable(made));
        QVERIFY2(made.isEmpty(), qPrintable(made));
        ServerOptions options;
        options.echo = true;
        options.certificateFile = cert;
        options.privateKeyFile = key;
        WebSocketServer server(options);
        QVERIFY2(server.listen(QHostAddress::LocalHost), qPrintable(server.errorString()));

        std::unique_ptr<QWidget> widget(createReplaySession(*document_, 1, nullptr));
        auto* tab = qobject_cast<ReplaySession*>(widget.get());
        QVERIFY(tab);
        tab->setUrl(u"wss://127.0.0.1:%1/chat"_s.arg(server.serverPort()));
        tab->setPacing(ReplayPacing::AsFastAsPossible);
        QSignalSpy finished(tab, &ReplaySession::runFinished);

        // System CAs only: the self-signed certificate is refused, before any step.
        QVERIFY2(tab->run(), qPrintable(tab->statusText()));
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(finished.at(0).at(0).toString(),
                 u"The certificate is self-signed, and untrusted"_s);
        QCOMPARE(tab->statusText(),
                 u"Stopped after 0 steps: The certificate is self-signed, and untrusted"_s);
        QCOMPARE(tab->runner()->answers().size(), std::size_t(0));

        // A CA file without a certificate in it: refused before connecting.
        tab->setCaFile(key);
        QVERIFY(!tab->run());
        QCOMPARE(tab->statusText(), u"CA file replay-key.pem: no PEM certificate in it"_s);

        // The certificate as an extra CA: the replay runs and every answer comes back.
        tab->setCaFile(cert);
        finished.clear();
        QVERIFY2(tab->run(), qPrintable(tab->statusText()));
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(finished.at(0).at(0).toString(), QString());
        QCOMPARE(tab->statusText(), u"Done: 4 steps sent, 4 answers received."_s);
        QCOMPARE(tab->summaryText(), u"4 answers, all the same"_s);

        // Or no CA file and certificate errors ignored, with the red warning showing.
        TlsOptionsBox& tls = tab->tlsOptions();
        QVERIFY(tls.warning()->isHidden());
        tab->setCaFile(QString());
        tab->setIgnoreCertificateErrors(true);
        QVERIFY(!tls.warning()->isHidden());
        QVERIFY(tls.warning()->text().contains(u"Certificate errors are ignored"_s));
        QVERIFY(tls.warning()->styleSheet().contains(u"#c62828"_s));
        finished.clear();
        QVERIFY2(tab->run(), qPrintable(tab->statusText()));
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(finished.at(0).at(0).toString(), QString());
        QCOMPARE(tab->statusText(), u"Done: 4 steps sent, 4 answers received."_s);

        // The two runs that got through are in the pane as plaintext (the refused
        // one never had a transport to record).
        const CaptureDocument& session = tab->pane().view().document();
        QTRY_COMPARE_WITH_TIMEOUT(session.index().messageCount(), RowId(16), kWaitMs);
        QCOMPARE(session.index().connections().size(), std::size_t(2));
#endif
    }

    void savesAndLoadsScripts() {
        std::unique_ptr<QWidget> widget(createReplaySession(*document_, 1, nullptr));
        auto* tab = qobject_cast<ReplaySession*>(widget.get());
        QAbstractItemModel& model = *tab->stepModel();
        QVERIFY(model.setData(model.index(1, PayloadColumn), u"edited"_s));
        const QString path = dir_.filePath(u"edited.json"_s);
        QVERIFY2(tab->saveScript(path), qPrintable(tab->statusText()));
        QCOMPARE(tab->statusText(), u"Saved edited.json."_s);

        ReplaySession other;
        QVERIFY2(other.loadScript(path), qPrintable(other.statusText()));
        QVERIFY(other.script() == tab->script());
        QCOMPARE(other.url(), u"ws://127.0.0.1:8765/chat"_s);
        QCOMPARE(other.statusText(), u"Loaded edited.json: 4 steps, 4 recorded answers."_s);
        QCOMPARE(cell(*other.stepModel(), 1, PayloadColumn), u"edited"_s);

        const QString bad = dir_.filePath(u"bad.json"_s);
        QFile file(bad);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"format": "sockscope-replay", "version": 1, "steps": [{"opcode": 7}]})");
        file.close();
        QVERIFY(!other.loadScript(bad));
        QCOMPARE(other.statusText(), bad +
                                         u": steps[0].opcode: expected a string (text, binary, "
                                         "close, ping or pong), got a number"_s);
        QCOMPARE(other.stepModel()->rowCount(), 4);  // the script before stays
    }

private:
    QTemporaryDir dir_;
    std::unique_ptr<CaptureDocument> document_;
};

QTEST_MAIN(ReplaySessionTest)
#include "tst_replay_session.moc"
