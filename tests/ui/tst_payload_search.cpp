// Payload search and the filter bar: a hand-built capture with known
// payloads (a deflate-compressed message, a message whose frame spans three
// TCP segments, a fragmented message, UTF-8 and invalid UTF-8, two
// connections) searched for exact match sets as text and regex, in messages
// and frames; an invalid regex; cancel; rows that arrive while a search holds
// the index; and the FilterBar end to end offscreen.
#include <sockscope/core/permessage_deflate.h>

#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <algorithm>
#include <optional>
#include <utility>

#include "inspector/capture_document.h"
#include "inspector/message_table_model.h"
#include "inspector/payload_search.h"
#include "websocket_conversation.h"
#include "widgets/filter_bar.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::ui;

using Ids = std::vector<RowId>;
Q_DECLARE_METATYPE(Ids)

namespace {

constexpr int kWaitMs = 20000;
constexpr int kManyMessages = 100000;

const std::string kDeflateHeader = "Sec-WebSocket-Extensions: permessage-deflate\r\n";

std::string longText() {
    return std::string(1500, 'x') + "needle" + std::string(1500, 'y');
}

// Message i of the large capture: every 7th has the needle, every 5th is compressed.
std::string manyText(int i) {
    return "message " + std::to_string(i) + (i % 7 == 0 ? " needle" : " hay");
}

Ids manyNeedles() {
    Ids ids;
    for (int i = 0; i < kManyMessages; i += 7)
        ids.push_back(RowId(i));
    return ids;
}

struct Result {
    Ids matches;
    RowId searchedUpTo = kNoRow;
    QString error;
};

// One search to its end (or nullopt when it did not end in time).
std::optional<Result> searchOnce(const CaptureDocument& document, const SearchQuery& query,
                                 RowId from = 0, RowId to = kNoRow) {
    PayloadSearch search;
    QSignalSpy finished(&search, &PayloadSearch::finished);
    search.start(document, query, from, to);
    if (!finished.wait(kWaitMs))
        return std::nullopt;
    const auto matches = finished.at(0).at(0).value<std::shared_ptr<const std::vector<RowId>>>();
    Result r;
    r.matches = matches ? *matches : Ids{};
    r.searchedUpTo = finished.at(0).at(1).value<RowId>();
    r.error = finished.at(0).at(2).toString();
    return r;
}

SearchQuery query(const char* text, bool regex = false, bool caseSensitive = false,
                  bool frames = false) {
    SearchQuery q;
    q.text = QString::fromUtf8(text);
    q.regex = regex;
    q.caseSensitive = caseSensitive;
    q.frames = frames;
    return q;
}

Ids shownIds(const MessageTableModel& model) {
    Ids ids;
    for (int row = 0; row < model.rowCount(); ++row)
        ids.push_back(model.rowId(row));
    return ids;
}

}  // namespace

class TestPayloadSearch : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString path_;      // the small capture with known payloads
    QString manyPath_;  // kManyMessages client messages, for cancel and loading

    bool openAndLoad(CaptureDocument& document, const QString& path) {
        QSignalSpy finished(&document, &CaptureDocument::finished);
        if (!document.open(path))
            return false;
        return finished.wait(kWaitMs) && finished.at(0).at(0).toString().isEmpty();
    }

    void writeSmallCapture() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request(kDeflateHeader)));
        c.server(bytesOf(response(kDeflateHeader)));
        c.client(clientFrame(1, bytesOf("Hello World")));                 // m0 f0
        c.server(serverFrame(1, bytesOf("hello world")));                 // m1 f1
        c.client(clientFrame(2, concat({fromHex("00"), bytesOf("HELLO"),  // m2 f2
                                        fromHex("ff")})));
        MessageDeflater deflater(15, false);
        Bytes deflated;
        deflater.compress(bytesOf("compressed needle, compressed needle"), deflated);
        c.server(serverFrame(1, deflated, true, 4));  // m3 f3
        // m4 f4: "needle" straddles the first of the three segments' boundaries.
        const Bytes spanning = clientFrame(1, bytesOf(longText()));
        const std::size_t header = spanning.size() - longText().size();
        const std::size_t cut = header + 1503;
        c.client(Bytes(spanning.begin(), spanning.begin() + std::ptrdiff_t(cut)));
        c.client(Bytes(spanning.begin() + std::ptrdiff_t(cut),
                       spanning.begin() + std::ptrdiff_t(cut + 1000)));
        c.client(Bytes(spanning.begin() + std::ptrdiff_t(cut + 1000), spanning.end()));
        c.client(concat({clientFrame(1, bytesOf("frag-"), false),  // m5 f5 f6
                         clientFrame(0, bytesOf("ment"))}));
        c.client(clientFrame(9, bytesOf("Ping me")));                    // m6 f7
        c.server(serverFrame(1, bytesOf("Grüße aus Köln")));             // m7 f8
        c.server(serverFrame(1, concat({bytesOf("bad "), fromHex("ff"),  // m8 f9: invalid UTF-8
                                        bytesOf(" utf8")})));
        c.client(clientFrame(8, concat({fromHex("03e8"), bytesOf("bye")})));  // m9 f10
        c.server(serverFrame(8, fromHex("03e8")));                            // m10 f11
        c.fin();
        Conversation other(53423);
        other.handshakeTcp();
        other.client(bytesOf(request()));
        other.server(bytesOf(response()));
        other.client(clientFrame(1, bytesOf("other connection")));  // m11 f12
        other.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        b.addAll(other.packets, 1700000100);
        path_ = dir_.filePath(QStringLiteral("search.pcap"));
        QVERIFY(b.save(path_.toStdString()));
    }

    void writeManyCapture() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request(kDeflateHeader)));
        c.server(bytesOf(response(kDeflateHeader)));
        MessageDeflater deflater(15, false);
        for (int i = 0; i < kManyMessages; ++i) {
            if (i % 5 == 0) {
                Bytes deflated;
                deflater.compress(bytesOf(manyText(i)), deflated);
                c.client(clientFrame(1, deflated, true, 4));
            } else {
                c.client(clientFrame(1, bytesOf(manyText(i))));
            }
        }
        c.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        manyPath_ = dir_.filePath(QStringLiteral("many.pcap"));
        QVERIFY(b.save(manyPath_.toStdString()));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        writeSmallCapture();
        writeManyCapture();
    }

    void theCaptureIsAsBuilt() {
        CaptureDocument document;
        QVERIFY(openAndLoad(document, path_));
        const CaptureIndex& index = document.index();
        QCOMPARE(index.messageCount(), RowId(12));
        QCOMPARE(index.frameCount(), RowId(13));
        QVERIFY(index.message(3).flags & message_flag::Compressed);
        QVERIFY(index.message(8).flags & message_flag::Invalid);
        QCOMPARE(index.message(11).conn, 2u);
        // The spanning message's frame really lies in three segments.
        const FrameRecord f = index.frame(4);
        const std::uint64_t end = f.streamOffset + f.headerLength + f.payloadLength;
        int segments = 0;
        StreamMap::Cursor cursor =
            index.stream(1, dissector::Direction::Client)->from(f.streamOffset);
        for (StreamRun s; cursor.next(s) && s.streamOffset < end;)
            ++segments;
        QCOMPARE(segments, 3);
        const MessageBytes spanning = document.messageBytes(4, 1 << 20);
        QVERIFY(spanning.complete);
        QCOMPARE(std::string(spanning.payload.begin(), spanning.payload.end()), longText());
    }

    void findsExactMatchSets_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("regex");
        QTest::addColumn<bool>("caseSensitive");
        QTest::addColumn<bool>("frames");
        QTest::addColumn<Ids>("expected");
        const auto row = [](const char* name, const char* text, bool regex, bool cs, bool frames,
                            Ids expected) {
            QTest::newRow(name) << QString::fromUtf8(text) << regex << cs << frames << expected;
        };
        row("text, any case", "hello", false, false, false, {0, 1, 2});
        row("text, case-sensitive lower", "hello", false, true, false, {1});
        row("text, case-sensitive capital", "Hello", false, true, false, {0});
        row("text in frames", "HeLLo", false, false, true, {0, 1, 2});
        row("decompressed and spanning segments", "needle", false, false, false, {3, 4});
        row("frames see compressed bytes", "needle", false, false, true, {4});
        row("fragmented message joined", "frag-ment", false, false, false, {5});
        row("no frame holds a whole fragmented text", "frag-ment", false, false, true, {});
        row("continuation frame", "ment", false, false, true, {6});
        row("control payload", "ping", false, false, false, {6});
        row("UTF-8 text, ASCII folded", "KöLN", false, false, false, {7});
        row("UTF-8 text, case-sensitive", "KöLN", false, true, false, {});
        row("invalid UTF-8 payload", "utf8", false, false, false, {8});
        row("second connection", "other", false, false, false, {11});
        row("no match", "absent", false, false, false, {});
        row("regex, any case", "h.llo\\s+w", true, false, false, {0, 1});
        row("regex, case-sensitive anchor", "^hello", true, true, false, {1});
        row("regex, UTF-8", "Gr(ü|ue)ße", true, false, false, {7});
        row("regex over a close payload", "bye$", true, false, false, {9});
        row("regex in frames", "^Ping", true, true, true, {7});
        row("regex on decompressed text", "compressed needle, compressed", true, false, false, {3});
    }
    void findsExactMatchSets() {
        QFETCH(QString, text);
        QFETCH(bool, regex);
        QFETCH(bool, caseSensitive);
        QFETCH(bool, frames);
        QFETCH(Ids, expected);
        CaptureDocument document;
        QVERIFY(openAndLoad(document, path_));
        SearchQuery q;
        q.text = text;
        q.regex = regex;
        q.caseSensitive = caseSensitive;
        q.frames = frames;
        const auto result = searchOnce(document, q);
        QVERIFY(result);
        QCOMPARE(result->error, QString());
        QCOMPARE(result->matches, expected);
        QCOMPARE(result->searchedUpTo, frames ? RowId(13) : RowId(12));
    }

    void searchesARangeClampedToTheIndex() {
        CaptureDocument document;
        QVERIFY(openAndLoad(document, path_));
        auto result = searchOnce(document, query("hello"), 1, 2);
        QVERIFY(result);
        QCOMPARE(result->matches, (Ids{1}));
        QCOMPARE(result->searchedUpTo, RowId(2));
        result = searchOnce(document, query("hello"), 2, 1000);
        QVERIFY(result);
        QCOMPARE(result->matches, (Ids{2}));
        QCOMPARE(result->searchedUpTo, RowId(12));
        result = searchOnce(document, query("hello"), 12, kNoRow);
        QVERIFY(result);
        QCOMPARE(result->matches, Ids{});
        QCOMPARE(result->searchedUpTo, RowId(12));
    }

    void reportsAnInvalidRegex() {
        CaptureDocument document;
        QVERIFY(openAndLoad(document, path_));
        const auto result = searchOnce(document, query("(needle", true), 3);
        QVERIFY(result);
        QCOMPARE(result->error,
                 QStringLiteral("invalid regular expression: missing closing parenthesis (at 7)"));
        QCOMPARE(result->matches, Ids{});
        QCOMPARE(result->searchedUpTo, RowId(3));  // nothing searched
    }

    void matcherFoldsAsciiOnlyAndSearchesAcrossChunks() {
        QString error;
        const std::atomic<bool> go = false;
        const auto matcher = PayloadMatcher::make(query("NeEdLe"), error);
        QVERIFY(matcher);
        // Over two megabytes, the needle across the first 1 MiB window's end.
        std::vector<std::uint8_t> big((std::size_t(1) << 21) + 7, 'a');
        const std::size_t at = (std::size_t(1) << 20) - 3;
        std::copy_n("needle", 6, big.begin() + std::ptrdiff_t(at));
        QVERIFY(matcher->matches(big, go));
        std::copy_n("needlx", 6, big.begin() + std::ptrdiff_t(at));
        QVERIFY(!matcher->matches(big, go));
        std::copy_n("NEEDLE", 6, big.end() - 6);
        QVERIFY(matcher->matches(big, go));
        // A cancelled search answers "no" rather than finishing the payload.
        const std::atomic<bool> stop = true;
        QVERIFY(!matcher->matches(big, stop));
        QVERIFY(!PayloadMatcher::make(query("a[", true), error));
        QVERIFY(error.startsWith(QStringLiteral("invalid regular expression: ")));
    }

    void startCancelsTheRunningSearch() {
        CaptureDocument document;
        QVERIFY(openAndLoad(document, manyPath_));
        PayloadSearch search;
        QSignalSpy finished(&search, &PayloadSearch::finished);
        search.start(document, query("needle"), 0, kNoRow);
        search.start(document, query("message 99999 "), 0, kNoRow);
        QVERIFY(search.running());
        QVERIFY(finished.wait(kWaitMs));
        QVERIFY(!search.running());
        QTest::qWait(100);  // the first search's end, if it were reported, would be here by now
        QCOMPARE(finished.count(), 1);
        const auto matches =
            finished.at(0).at(0).value<std::shared_ptr<const std::vector<RowId>>>();
        QCOMPARE(*matches, (Ids{99999}));
        QVERIFY(!document.held());  // every hold went with its worker
    }

    void cancelStopsWithinMilliseconds() {
        CaptureDocument document;
        QVERIFY(openAndLoad(document, manyPath_));
        QCOMPARE(document.index().messageCount(), RowId(kManyMessages));
        for (const bool frames : {false, true}) {
            auto search = std::make_unique<PayloadSearch>();
            QSignalSpy finished(search.get(), &PayloadSearch::finished);
            // Message 0 is compressed: the worker soon waits for the GUI thread,
            // which this test does not give it: cancel must free it all the same.
            search->start(document, query("needle", false, false, frames), 0, kNoRow);
            QVERIFY(document.held());
            QElapsedTimer timer;
            timer.start();
            search->cancel();
            QVERIFY(!search->running());
            search.reset();  // joins the worker
            QVERIFY2(timer.elapsed() < 250, qPrintable(QString::number(timer.elapsed())));
            QVERIFY(!document.held());
            QCOMPARE(finished.count(), 0);
        }
        // Cancelled while the worker runs (at its first progress report, which
        // comes before its end): no report, and the next search is whole.
        PayloadSearch search;
        QSignalSpy finished(&search, &PayloadSearch::finished);
        QSignalSpy progress(&search, &PayloadSearch::progress);
        bool cancelled = false;
        connect(&search, &PayloadSearch::progress, &search, [&] {
            if (!std::exchange(cancelled, true))
                search.cancel();
        });
        search.start(document, query("needle"), 0, kNoRow);
        QTRY_VERIFY_WITH_TIMEOUT(cancelled, kWaitMs);
        QCOMPARE(progress.count(), 1);
        QTest::qWait(200);
        QCOMPARE(finished.count(), 0);
        QCOMPARE(progress.count(), 1);  // a cancelled search reports no more progress
        QTRY_VERIFY_WITH_TIMEOUT(!document.held(), kWaitMs);
        search.start(document, query("needle"), 0, kNoRow);
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(*finished.at(0).at(0).value<std::shared_ptr<const std::vector<RowId>>>(),
                 manyNeedles());
        QCOMPARE(progress.last().at(0).toInt(), 100);
    }

    // While a search holds the index, batches wait: nothing is appended under
    // the worker, and searching on from searchedUpTo misses and repeats nothing.
    void rowsArrivingDuringASearchAreNotLost() {
        CaptureDocument document;
        PayloadSearch search;
        QSignalSpy finished(&search, &PayloadSearch::finished);
        int appendedWhileSearching = 0;
        connect(&document, &CaptureDocument::appended, &search, [&] {
            if (search.running())
                ++appendedWhileSearching;
        });
        QVERIFY(document.open(manyPath_));
        QTRY_VERIFY_WITH_TIMEOUT(document.index().messageCount() > 0, kWaitMs);
        Ids found;
        RowId upTo = 0;
        int searches = 0;
        QElapsedTimer timer;
        timer.start();
        while (document.loading() || upTo < document.index().messageCount()) {
            QVERIFY(timer.elapsed() < 4 * kWaitMs);
            if (upTo == document.index().messageCount()) {
                QTest::qWait(5);
                continue;
            }
            const RowId count = document.index().messageCount();
            finished.clear();
            search.start(document, query("needle"), upTo, kNoRow);
            ++searches;
            QVERIFY(finished.wait(kWaitMs));
            QCOMPARE(document.index().messageCount(), count);  // held: no rows moved
            const auto matches =
                finished.at(0).at(0).value<std::shared_ptr<const std::vector<RowId>>>();
            QCOMPARE(finished.at(0).at(1).value<RowId>(), count);
            found.insert(found.end(), matches->begin(), matches->end());
            upTo = count;
        }
        QCOMPARE(appendedWhileSearching, 0);
        QCOMPARE(document.index().messageCount(), RowId(kManyMessages));
        QCOMPARE(found, manyNeedles());
        qDebug("%d searches while loading", searches);
    }

    void filterBarDrivesTheModel() {
        CaptureDocument document;
        MessageTableModel model(document);
        QVERIFY(openAndLoad(document, path_));
        FilterBar bar(document, model);
        bar.show();
        QSignalSpy applied(&bar, &FilterBar::filterApplied);
        auto* search = bar.findChild<QLineEdit*>(QStringLiteral("search"));
        auto* regex = bar.findChild<QToolButton*>(QStringLiteral("regex"));
        auto* caseSensitive = bar.findChild<QToolButton*>(QStringLiteral("caseSensitive"));
        auto* frames = bar.findChild<QToolButton*>(QStringLiteral("frames"));
        auto* messages = bar.findChild<QToolButton*>(QStringLiteral("messages"));
        auto* direction = bar.findChild<QComboBox*>(QStringLiteral("direction"));
        auto* opcodes = bar.findChild<QToolButton*>(QStringLiteral("opcodes"));
        auto* anomalies = bar.findChild<QCheckBox*>(QStringLiteral("anomaliesOnly"));
        QVERIFY(search && regex && caseSensitive && frames && messages && direction && opcodes &&
                anomalies);
        QCOMPARE(model.rowCount(), 12);

        // Typing searches after the pause.
        QTest::keyClicks(search, QStringLiteral("hello"));
        QCOMPARE(model.rowCount(), 12);  // not yet: the debounce
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, kWaitMs);
        QCOMPARE(shownIds(model), (Ids{0, 1, 2}));
        QCOMPARE(bar.searchStatus(), QStringLiteral("3 matches"));
        QVERIFY(applied.count() >= 1);
        caseSensitive->click();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1, kWaitMs);
        QCOMPARE(model.rowId(0), RowId(1));
        QTRY_COMPARE_WITH_TIMEOUT(bar.searchStatus(), QStringLiteral("1 match"), kWaitMs);
        caseSensitive->click();
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, kWaitMs);

        // Esc clears: every row is back at once.
        QTest::keyClick(search, Qt::Key_Escape);
        QCOMPARE(search->text(), QString());
        QCOMPARE(model.rowCount(), 12);
        QCOMPARE(bar.searchStatus(), QString());

        // An invalid regex says why inline and filters nothing.
        regex->click();
        QTest::keyClicks(search, QStringLiteral("(x"));
        QTest::keyClick(search, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(
            bar.searchStatus(),
            QStringLiteral("invalid regular expression: missing closing parenthesis (at 2)"),
            kWaitMs);
        QCOMPARE(model.rowCount(), 12);
        regex->click();

        // Enter searches at once; frames and messages are searched apart.
        search->clear();
        QTest::keyClicks(search, QStringLiteral("needle"));
        QTest::keyClick(search, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(shownIds(model), (Ids{3, 4}), kWaitMs);
        frames->click();
        QCOMPARE(model.mode(), MessageTableModel::Mode::Frames);
        QTRY_COMPARE_WITH_TIMEOUT(shownIds(model), (Ids{4}), kWaitMs);
        messages->click();
        QTRY_COMPARE_WITH_TIMEOUT(shownIds(model), (Ids{3, 4}), kWaitMs);

        // The search and the direction together: the server's needle.
        direction->setCurrentIndex(2);
        QCOMPARE(shownIds(model), (Ids{3}));
        direction->setCurrentIndex(1);
        QCOMPARE(shownIds(model), (Ids{4}));
        direction->setCurrentIndex(0);
        search->clear();
        QCOMPARE(model.rowCount(), 12);

        // Opcodes: several at once, then all again.
        const QList<QAction*> actions = opcodes->menu()->actions();
        const auto action = [&](const char* name) {
            for (QAction* a : actions)
                if (a->objectName() == QLatin1String(name))
                    return a;
            return static_cast<QAction*>(nullptr);
        };
        QVERIFY(action("opcode-text") && action("opcode-binary") && action("opcode-ping"));
        action("opcode-text")->trigger();
        QCOMPARE(shownIds(model), (Ids{0, 1, 3, 4, 5, 7, 8, 11}));
        QCOMPARE(opcodes->text(), QStringLiteral("text"));
        action("opcode-binary")->trigger();
        action("opcode-ping")->trigger();
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(opcodes->text(), QStringLiteral("text, binary, ping"));
        actions.first()->trigger();  // "All opcodes"
        QCOMPARE(model.rowCount(), 12);
        QCOMPARE(opcodes->text(), QStringLiteral("All opcodes"));
        // Clicking opcodes in the open menu picks several without closing it.
        QMenu* menu = opcodes->menu();
        menu->popup(bar.mapToGlobal(QPoint(0, 0)));
        QVERIFY(QTest::qWaitForWindowExposed(menu));
        QTest::mouseClick(menu, Qt::LeftButton, {},
                          menu->actionGeometry(action("opcode-text")).center());
        QTest::mouseClick(menu, Qt::LeftButton, {},
                          menu->actionGeometry(action("opcode-binary")).center());
        QVERIFY(menu->isVisible());
        QCOMPARE(opcodes->text(), QStringLiteral("text, binary"));
        menu->hide();
        actions.first()->trigger();
        QCOMPARE(model.rowCount(), 12);

        // Anomalies only: the invalid UTF-8 message; in frames, its frame.
        anomalies->setChecked(true);
        QCOMPARE(shownIds(model), (Ids{8}));
        frames->click();
        QCOMPARE(shownIds(model), (Ids{9}));
        anomalies->setChecked(false);
        QCOMPARE(model.rowCount(), 13);
        messages->click();

        // Connections, from the main window's selection.
        const int before = applied.count();
        bar.setConnections({2});
        QCOMPARE(applied.count(), before + 1);
        QCOMPARE(shownIds(model), (Ids{11}));
        QTest::keyClicks(search, QStringLiteral("o"));
        QTest::keyClick(search, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(bar.searchStatus(), QStringLiteral("5 matches"), kWaitMs);
        QCOMPARE(shownIds(model), (Ids{11}));
        bar.setConnections({});
        QCOMPARE(shownIds(model), (Ids{0, 1, 2, 3, 11}));
        bar.focusSearch();
        QCOMPARE(search->selectedText(), QStringLiteral("o"));
    }

    // The bar searches rows as they arrive while a capture loads.
    void filterBarSearchesRowsAsTheyArrive() {
        CaptureDocument document;
        MessageTableModel model(document);
        FilterBar bar(document, model);
        auto* search = bar.findChild<QLineEdit*>(QStringLiteral("search"));
        QVERIFY(search);
        int shownBeforeTheEnd = -1;
        connect(&document, &CaptureDocument::finished, &bar,
                [&] { shownBeforeTheEnd = model.rowCount(); });
        QVERIFY(document.open(manyPath_));
        QTRY_VERIFY_WITH_TIMEOUT(document.index().messageCount() > 0, kWaitMs);
        QTest::keyClicks(search, QStringLiteral("NEEDLE"));
        QTest::keyClick(search, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!document.loading(), 4 * kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), int(manyNeedles().size()), 4 * kWaitMs);
        QCOMPARE(shownIds(model), manyNeedles());
        QCOMPARE(bar.searchStatus(), QStringLiteral("%1 matches").arg(manyNeedles().size()));
        QVERIFY(shownBeforeTheEnd >= 0);
        qDebug("%d of %d rows shown when loading ended", shownBeforeTheEnd,
               int(manyNeedles().size()));
    }
};

QTEST_MAIN(TestPayloadSearch)
#include "tst_payload_search.moc"
