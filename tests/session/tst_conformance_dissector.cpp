// Dissector-side conformance: every case of the catalogue is run against
// Sockscope's server while its bytes (both directions, exactly as they
// crossed the socket) are written to a pcapng capture; the dissector then
// reads that capture, and its anomalies must agree with what the live
// endpoint did, case by case:
//   - the server failed the connection for rule V (its close reason is V's
//     id): the dissector's first anomaly in the client's bytes is V;
//   - the server did not fail it: the dissector finds nothing in the client's
//     bytes before the client's close (what follows a close is never read by
//     the endpoint, and is data-after-close to the dissector);
//   - the server refused the handshake: the dissector sees no WebSocket frame;
//   - never an anomaly in the server's bytes.

#include <QTemporaryDir>
#include <QTest>
#include <map>
#include <memory>

#include "conformance_run.h"
#include "dissection_recorder.h"
#include "session/session_recorder.h"
#include "session/websocket_server.h"
#include "sockscope/dissector/capture_reader.h"
#include "sockscope/dissector/conversation_writer.h"
#include "sockscope/dissector/dissector.h"

using namespace sockscope;
using namespace sockscope::session;
using namespace sockscope::test;

namespace {

constexpr int kCaseTimeoutMs = 5000;
constexpr int kRunBoundMs = 600000;

// What the endpoint did and what the dissector saw, for one case.
struct Agreement {
    bool refused = false;                      // the server refused the opening handshake
    std::string failure;                       // the rule the server failed the connection for
    std::vector<std::string> clientAnomalies;  // before the client's close
    std::vector<std::string> afterClose;       // in the client's bytes after its close
    std::vector<std::string> serverAnomalies;
    std::size_t frames = 0;
    std::string error;  // recording or reading failed
};

// Sorts the dissector's anomalies as they come: in the server's bytes, in the
// client's before its close frame, after it.
class Classifier final : public DissectionRecorder {
public:
    explicit Classifier(Agreement& agreement) : agreement_(agreement) {}
    void onFrame(const dissector::FrameEvent& e) override {
        DissectionRecorder::onFrame(e);
        if (e.dir == dissector::Direction::Client) {
            // From the frame after the close on: a close with a bad body is still the close's.
            clientClosed_ = clientClosed_ || closeSeen_;
            closeSeen_ = closeSeen_ || e.header.opcode == 0x8;
        }
    }
    void onAnomaly(const dissector::AnomalyEvent& e) override {
        DissectionRecorder::onAnomaly(e);
        if (e.dir == dissector::Direction::Server) {
            agreement_.serverAnomalies.push_back(e.kind);
        } else if (clientClosed_) {
            agreement_.afterClose.push_back(e.kind);
        } else {
            agreement_.clientAnomalies.push_back(e.kind);
        }
    }

private:
    Agreement& agreement_;
    bool closeSeen_ = false;
    bool clientClosed_ = false;
};

// Records one case's connection as a capture of its own.
class CaseCapture {
public:
    CaseCapture(const QString& path, conformance::CaseSession* session) : path_(path) {
        std::string error;
        dissector::ConversationWriterOptions options;
        options.mss = 65495;  // the largest segments: megabytes of cases make fewer packets
        writer_ = dissector::ConversationWriter::create(path.toStdString(), error, options);
        if (!writer_) {
            error_ = error;
            return;
        }
        QObject::connect(session, &conformance::CaseSession::opened, session, [this, session] {
            const auto client =
                toSocketAddress(session->socket()->localAddress(), session->socket()->localPort());
            const auto server =
                toSocketAddress(session->socket()->peerAddress(), session->socket()->peerPort());
            if (client && server) {
                conversation_ = writer_->open(*client, *server, next());
            }
        });
        QObject::connect(
            session, &conformance::CaseSession::wireBytes, session,
            [this](bool outgoing, const QByteArray& bytes) {
                if (conversation_) {
                    writer_->send(
                        *conversation_,
                        outgoing ? dissector::Direction::Client : dissector::Direction::Server,
                        std::span(reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                                  static_cast<std::size_t>(bytes.size())),
                        next());
                }
            });
    }

    // Ends the capture and dissects it.
    Agreement dissect(const conformance::Observation& seen) {
        Agreement agreement;
        agreement.refused = !seen.upgraded && seen.response && seen.response->status != 101;
        // Our endpoint names the rule in its close reason when it fails, and
        // answers a valid close with an empty reason.
        if (seen.peerClosed) {
            agreement.failure = seen.peerCloseReason;
        }
        if (!writer_ || !conversation_) {
            agreement.error = error_.empty() ? "the connection was never opened" : error_;
            return agreement;
        }
        writer_->close(*conversation_, dissector::Direction::Server, next());
        writer_->finish();
        std::string error;
        auto reader = dissector::CaptureReader::open(path_.toStdString(), error);
        if (!reader) {
            agreement.error = error;
            return agreement;
        }
        Classifier recorder(agreement);
        dissector::DissectorOptions options;
        options.maxAnomaliesPerKind = 0;
        // Anomalies are compared here, not payloads; and a message kept whole
        // is copied again at every fragment (16 MiB in 131 072 fragments).
        options.maxPayloadKept = 64 << 10;
        dissector::Dissector d(options, recorder);
        while (auto packet = reader->next()) {
            d.packet(*packet);
        }
        d.finish();
        agreement.frames = recorder.frames.size();
        return agreement;
    }

private:
    dissector::Timestamp next() {
        ++tick_;
        return {1700000000 + tick_ / 1000, static_cast<std::uint32_t>(tick_ % 1000) * 1000000};
    }

    QString path_;
    std::unique_ptr<dissector::ConversationWriter> writer_;
    std::optional<std::uint32_t> conversation_;
    std::string error_;
    std::int64_t tick_ = 0;
};

std::string joined(const std::vector<std::string>& kinds) {
    std::string out;
    for (const std::string& kind : kinds) {
        out += (out.empty() ? "" : ", ") + kind;
    }
    return out.empty() ? "none" : out;
}

}  // namespace

class ConformanceDissector : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(directory_.isValid());
        ServerOptions options;
        options.echo = true;
        options.deflate = true;
        WebSocketServer server(options);
        QVERIFY2(server.listen(QHostAddress::LocalHost, 0), qPrintable(server.errorString()));
        int n = 0;
        std::vector<conformance::CaseResult> results;
        QVERIFY(runAgainstServer(
            server.serverPort(), casesFor(conformance::Applies::ServerOnly), kCaseTimeoutMs,
            kRunBoundMs, results, [&](conformance::CaseSession* session) {
                const QString path =
                    directory_.filePath(u"case-" + QString::number(n++) + u".pcapng");
                auto capture = std::make_shared<CaseCapture>(path, session);
                QObject::connect(session, &conformance::CaseSession::finished, session,
                                 [this, session, capture, path](const conformance::CaseResult& r) {
                                     agreements_[r.testCase->id] =
                                         capture->dissect(session->observation());
                                     QFile::remove(path);
                                 });
            }));
        QCOMPARE(agreements_.size(), casesFor(conformance::Applies::ServerOnly).size());
    }

    void agreesWithTheEndpoint_data() {
        QTest::addColumn<QString>("id");
        for (const conformance::Case* c : casesFor(conformance::Applies::ServerOnly)) {
            QTest::newRow(c->id.c_str()) << QString::fromStdString(c->id);
        }
    }

    void agreesWithTheEndpoint() {
        QFETCH(QString, id);
        const auto it = agreements_.find(id.toStdString());
        QVERIFY2(it != agreements_.end(), "the case did not run");
        const Agreement& a = it->second;
        QVERIFY2(a.error.empty(), a.error.c_str());
        QVERIFY2(a.serverAnomalies.empty(),
                 ("anomalies in the server's bytes: " + joined(a.serverAnomalies)).c_str());
        if (a.refused) {
            QVERIFY2(a.frames == 0, "frames after a refused handshake");
            return;
        }
        if (!a.failure.empty()) {
            QVERIFY2(!a.clientAnomalies.empty() && a.clientAnomalies.front() == a.failure,
                     ("the endpoint failed for " + a.failure + ", the dissector saw " +
                      joined(a.clientAnomalies))
                         .c_str());
            return;
        }
        QVERIFY2(a.clientAnomalies.empty(),
                 ("the endpoint read on, the dissector saw " + joined(a.clientAnomalies)).c_str());
        // What follows the client's close starts with a frame the endpoint never read.
        if (!a.afterClose.empty()) {
            QCOMPARE(a.afterClose.front(), std::string("data-after-close"));
        }
    }

private:
    QTemporaryDir directory_;
    std::map<std::string, Agreement> agreements_;
};

QTEST_GUILESS_MAIN(ConformanceDissector)
#include "tst_conformance_dissector.moc"
