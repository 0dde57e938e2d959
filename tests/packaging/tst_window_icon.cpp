// The GUI's window icon (resources/icons): every size the package installs
// is built into the program, rendered at its size from the SVG.
#include <QColor>
#include <QDir>
#include <QImage>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

const QDir iconDir(u":/icons/sockscope"_s);

}  // namespace

class WindowIconTest : public QObject {
    Q_OBJECT

private slots:
    void holdsEveryInstalledSize() {
        QCOMPARE(iconDir.entryList(QDir::Files, QDir::Name),
                 (QStringList{u"128x128.png"_s, u"16x16.png"_s, u"24x24.png"_s, u"256x256.png"_s,
                              u"32x32.png"_s, u"48x48.png"_s, u"64x64.png"_s}));
    }

    void eachImageHasItsNominalSize_data() {
        QTest::addColumn<int>("size");
        for (const int size : {16, 24, 32, 48, 64, 128, 256})
            QTest::addRow("%dx%d", size, size) << size;
    }
    void eachImageHasItsNominalSize() {
        QFETCH(int, size);
        const QImage image(iconDir.filePath(u"%1x%1.png"_s.arg(size)));
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), QSize(size, size));
        QVERIFY(image.hasAlphaChannel());
        QCOMPARE(qAlpha(image.pixel(size - 1, 0)), 0);  // the corner beside the lens is empty
    }

    // Points of the SVG's 256 grid (resources/icons/sockscope.svg), so a
    // stale or foreign image fails.
    void isRenderedFromTheSvg() {
        const QImage image(iconDir.filePath(u"256x256.png"_s));
        QCOMPARE(QColor(image.pixel(104, 104)).name(), u"#f2f7fd"_s);  // the lens
        QCOMPARE(QColor(image.pixel(80, 80)).name(), u"#1e6fd9"_s);    // client arrow
        QCOMPARE(QColor(image.pixel(130, 128)).name(), u"#e8710a"_s);  // server arrow
        QCOMPARE(QColor(image.pixel(200, 200)).name(), u"#263238"_s);  // the handle
    }
};

QTEST_GUILESS_MAIN(WindowIconTest)
#include "tst_window_icon.moc"
