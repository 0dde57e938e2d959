// The conformance catalogue against Sockscope's own server (echo mode,
// permessage-deflate accepted, default limits): every case must pass
// strictly, not merely non-strictly. Also checks the catalogue itself.

#include <QTest>
#include <set>

#include "conformance_run.h"
#include "session/websocket_server.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;

namespace {

constexpr int kCaseTimeoutMs = 5000;
constexpr int kRunBoundMs = 600000;

}  // namespace

class ConformanceServer : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        ServerOptions options;
        options.echo = true;
        options.deflate = true;
        server_ = std::make_unique<WebSocketServer>(options);
        QVERIFY2(server_->listen(QHostAddress::LocalHost, 0), qPrintable(server_->errorString()));
        QVERIFY(runAgainstServer(server_->serverPort(), casesFor(conformance::Applies::ServerOnly),
                                 kCaseTimeoutMs, kRunBoundMs, results_));
        printSummary("sockscope server", results_);
    }

    void cleanupTestCase() { server_.reset(); }

    void catalogueIsComplete() {
        const auto& all = conformance::catalogue();
        std::set<std::string> ids;
        for (const conformance::Case& c : all) {
            QVERIFY2(ids.insert(c.id).second, c.id.c_str());
            QVERIFY2(!c.group().empty(), c.id.c_str());
            QVERIFY2(!c.description.empty(), c.id.c_str());
            QVERIFY2(c.rfc.rfind("RFC ", 0) == 0, c.id.c_str());
            QVERIFY2(static_cast<bool>(c.script), c.id.c_str());
        }
        QVERIFY(casesFor(conformance::Applies::ServerOnly).size() >= 300);
        QVERIFY(casesFor(conformance::Applies::ClientOnly).size() >= 300);
        // Autobahn's UTF-8 group has 145 cases; ours at least as many.
        QVERIFY(casesFor(conformance::Applies::ServerOnly, "6.*").size() >= 145);
    }

    void selectsByPattern() {
        const auto one = conformance::selectCases("6.4.3", conformance::Applies::ServerOnly);
        QCOMPARE(one.cases.size(), std::size_t{1});
        QCOMPARE(one.cases.front()->id, std::string("6.4.3"));
        const auto group = conformance::selectCases("2.*,7.3.2", conformance::Applies::ServerOnly);
        QCOMPARE(group.cases.size(), std::size_t{21});
        QVERIFY(group.error.empty());
        // 8.3 is for clients only.
        QCOMPARE(conformance::selectCases("8.3.*", conformance::Applies::ServerOnly).error,
                 std::string("no case matches '8.3.*'"));
        QVERIFY(
            !conformance::selectCases("6.4.3x", conformance::Applies::ServerOnly).error.empty());
        QVERIFY(!conformance::matchesPattern("10.1", "1.*"));
        QVERIFY(conformance::matchesPattern("1.1.1", "1.*"));
    }

    void everyCasePassesStrictly_data() {
        QTest::addColumn<QString>("id");
        for (const conformance::Case* c : casesFor(conformance::Applies::ServerOnly)) {
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
    std::unique_ptr<WebSocketServer> server_;
    std::vector<conformance::CaseResult> results_;
};

QTEST_GUILESS_MAIN(ConformanceServer)
#include "tst_conformance_server.moc"
