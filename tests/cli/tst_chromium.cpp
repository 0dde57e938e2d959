// A real browser as the client: headless Chromium loads a local page that talks
// to `sockscope-cli serve --echo` (with and without permessage-deflate), checks
// every echo and reports "RESULT ok ..." or "RESULT fail: why" as a final text
// message, which the test reads from serve's -v output (chromium_page.h opens
// the page; tests/dissector/tst_chromium_capture.cpp dissects a capture of the
// same session). Skipped when /usr/bin/chromium is not installed. Loopback
// only, bounded waits.

#include <QFile>
#include <QTest>

#include "chromium_page.h"
#include "cli_process.h"

using namespace sockscope::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kResultTimeoutMs = 90000;

}  // namespace

class Chromium : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (!QFile::exists(chromiumPath())) {
            QSKIP("chromium is not installed (/usr/bin/chromium; Debian package chromium)");
        }
        QVERIFY2(QFile::exists(cliPath()), qPrintable(cliPath()));
    }

    void browserEchoesThroughServe_data() {
        QTest::addColumn<bool>("deflate");
        QTest::newRow("plain") << false;
        QTest::newRow("permessage-deflate") << true;
    }
    void browserEchoesThroughServe() {
        QFETCH(bool, deflate);
        ServeProcess serve(deflate ? QStringList{u"--echo"_s, u"-v"_s, u"--deflate"_s}
                                   : QStringList{u"--echo"_s, u"-v"_s});
        QVERIFY2(serve.port() != 0, serve.err().constData());

        ChromiumEchoPage chromium(serve.port());
        QVERIFY2(chromium.error().isEmpty(), qPrintable(chromium.error()));

        const bool reported = serve.waitForStderr("\"RESULT ", kResultTimeoutMs);
        const QByteArray browserLog = chromium.logTail();
        QVERIFY2(reported, QByteArray("no RESULT from the page; serve said:\n" + serve.err() +
                                      "\nchromium said:\n" + browserLog)
                               .constData());
        const QString resultOk =
            u"\\[1\\] in  message text \\d+ bytes frames=\\d+ compressed=\\d \"RESULT ok.*"_s;
        QVERIFY2(serve.errHasLineMatching(resultOk), serve.err().right(3000).constData());

        // The browser's view of the handshake and ours agree.
        QVERIFY(serve.errHasLineMatching(
            uR"(\[1\] open 127\.0\.0\.1:\d+ GET /chromium subprotocol=- extensions=)"_s +
            (deflate ? u"permessage-deflate.*"_s : u"-"_s)));
        QVERIFY(serve.err().contains(deflate ? "RESULT ok extensions=permessage-deflate"
                                             : "RESULT ok extensions=-"));
        // Chromium compresses its messages when deflate was agreed.
        const QString compressedFrame = uR"(\[1\] in  fin=\d rsv1=1 .* op=text mask=1 .*)"_s;
        QCOMPARE(serve.errHasLineMatching(compressedFrame), deflate);
        QVERIFY(serve.waitForStderr("[1] closed 1000", kResultTimeoutMs));
    }
};

QTEST_GUILESS_MAIN(Chromium)
#include "tst_chromium.moc"
