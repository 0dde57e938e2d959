// The conformance catalogue against Sockscope's own client (offering
// permessage-deflate, echoing every message as `connect --echo` does): the
// tester plays the server at ws://127.0.0.1:PORT/case/ID and every case must
// pass strictly.

#include <QTest>
#include <memory>

#include "conformance_run.h"
#include "session/websocket_client.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;

namespace {

constexpr int kCaseTimeoutMs = 5000;
constexpr int kRunBoundMs = 600000;

// The client under test: connects to `url` and echoes every message.
std::unique_ptr<WebSocketClient> echoClient(const QString& url) {
    ClientOptions options;
    options.deflate = true;
    auto client = std::make_unique<WebSocketClient>(options);
    const WebSocketUrlParse parsed = parseWebSocketUrl(url);
    if (!parsed.url) {
        return client;
    }
    WebSocketConnection* connection = client->open(*parsed.url);
    if (connection) {
        QObject::connect(connection, &WebSocketConnection::messageReceived, connection,
                         [connection](const event::Message& message) {
                             connection->sendMessage(message.opcode, message.payload);
                         });
    }
    return client;
}

}  // namespace

class ConformanceClient : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        conformance::SessionSettings settings;
        settings.timeoutMs = kCaseTimeoutMs;
        conformance::ClientRunner runner(casesFor(conformance::Applies::ClientOnly), settings);
        QVERIFY2(runner.listen(), qPrintable(runner.errorString()));
        std::unique_ptr<WebSocketClient> client;
        int launched = 0;
        QObject::connect(&runner, &conformance::ClientRunner::clientWanted,
                         [&](const QString& url) {
                             client = echoClient(url);
                             ++launched;
                         });
        runner.setCleanup([&] { client.reset(); });
        runner.start();
        QVERIFY(runUntil(&runner, &conformance::ClientRunner::finished, kRunBoundMs));
        results_ = runner.results();
        QCOMPARE(static_cast<std::size_t>(launched), results_.size());
        printSummary("sockscope client", results_);
    }

    void urlsNameTheCase() {
        conformance::ClientRunner runner(casesFor(conformance::Applies::ClientOnly, "1.1.1"), {});
        QVERIFY(runner.listen());
        const conformance::Case& c = *casesFor(conformance::Applies::ClientOnly, "6.4.3").front();
        QCOMPARE(runner.caseUrl(c),
                 u"ws://127.0.0.1:" + QString::number(runner.port()) + u"/case/6.4.3");
    }

    void everyCasePassesStrictly_data() {
        QTest::addColumn<QString>("id");
        for (const conformance::Case* c : casesFor(conformance::Applies::ClientOnly)) {
            QTest::newRow(c->id.c_str()) << QString::fromStdString(c->id);
        }
    }

    void everyCasePassesStrictly() {
        QFETCH(QString, id);
        const ConformanceResults results = byId(results_);
        const auto it = results.find(id.toStdString());
        QVERIFY2(it != results.end(), "the case did not run");
        QVERIFY2(it->second.verdict == conformance::Verdict::Pass,
                 qPrintable(conformance::caseLineText(it->second)));
    }

private:
    std::vector<conformance::CaseResult> results_;
};

QTEST_GUILESS_MAIN(ConformanceClient)
#include "tst_conformance_client.moc"
