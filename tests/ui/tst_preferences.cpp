// Preferences: the defaults (the dissector's own), a save/load round trip on
// a settings file, the keys the window used before, values out of range
// clamped, the dialog showing and writing the values, and each change
// reaching what the window shows: text encoding, JSON indentation, time
// display, fonts at once; ports and limits for the next capture (the
// reopen question).
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "inspector/anomaly_table_model.h"
#include "inspector/message_table_model.h"
#include "inspector/preferences.h"
#include "websocket_conversation.h"
#include "widgets/capture_view.h"
#include "widgets/details_panel.h"
#include "widgets/hex_view.h"
#include "widgets/main_window.h"
#include "widgets/message_content_view.h"
#include "widgets/preferences_dialog.h"

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::ui;

namespace {

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;
constexpr std::uint64_t GiB = 1024 * MiB;

// Every value away from its default.
Preferences changed() {
    Preferences p;
    p.wsPorts = {8080, 9001};
    p.detectWithoutHandshake = false;
    p.setLimit(Limit::MaxFrameSize, 3 * MiB);
    p.setLimit(Limit::MaxMessageSize, 5 * MiB);
    p.setLimit(Limit::MaxFragments, 77);
    p.setLimit(Limit::MaxDecompressionRatio, 50);
    p.setLimit(Limit::MaxHandshakeBytes, 64 * KiB);
    p.setLimit(Limit::MaxHeaderFields, 500);
    p.setLimit(Limit::MaxPayloadKept, 1000000);  // not whole KiB
    p.setLimit(Limit::MaxFlows, 500);
    p.setLimit(Limit::MaxBufferedBytes, 64 * MiB);
    p.setLimit(Limit::MaxOutOfOrderBytes, 256 * KiB);
    p.setLimit(Limit::MaxAnomaliesPerKind, 0);
    p.timeDisplay = TimeDisplay::Delta;
    p.textEncoding = TextEncoding::Utf16BE;
    p.prettyJson = false;
    p.jsonIndent = 2;
    p.tableFont.setPointSize(13);
    p.fixedFont.setPointSize(17);
    p.theme = Theme::Dark;
    return p;
}

// The anomaly kinds listed, in order.
QStringList kinds(const AnomalyTableModel& model) {
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row)
        out << model.index(row, AnomalyTableModel::Kind).data().toString();
    return out;
}

template <typename T>
T* child(QWidget* parent, const QString& name) {
    T* widget = parent->findChild<T*>(name);
    if (!widget)
        qFatal("no child named %s", qPrintable(name));
    return widget;
}

}  // namespace

class TestPreferences : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString capture_;  // Latin-1 text, JSON, a 2000-byte text message

    static bool loaded(MainWindow& window) {
        return window.captureView() && !window.captureView()->document().loading();
    }

    QSettings fileSettings(const QString& name) {
        return QSettings(dir_.filePath(name), QSettings::IniFormat);
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SockscopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_preferences"));
        QSettings().clear();
        QVERIFY(dir_.isValid());

        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        c.client(clientFrame(1, fromHex("636166e9206372e86d65")));  // "café crème" in Latin-1
        c.server(serverFrame(1, bytesOf(R"({"a":1,"b":[true]})")));
        c.client(clientFrame(1, Bytes(2000, 'x')));
        c.fin();
        PcapBuilder b;
        b.addAll(c.packets);
        capture_ = dir_.filePath(QStringLiteral("prefs.pcap"));
        QVERIFY(b.save(capture_.toStdString()));
    }

    void cleanup() { QSettings().clear(); }

    void defaultsAreTheDissectors() {
        const Preferences p;
        const dissector::DissectorOptions d;
        QVERIFY(p.wsPorts.empty());
        QCOMPARE(p.detectWithoutHandshake, true);
        QCOMPARE(p.limit(Limit::MaxFrameSize), d.limits.maxFrameSize);
        QCOMPARE(p.limit(Limit::MaxMessageSize), 64 * MiB);
        QCOMPARE(p.limit(Limit::MaxFragments), std::uint64_t(1u << 17));
        QCOMPARE(p.limit(Limit::MaxDecompressionRatio), std::uint64_t(0));
        QCOMPARE(p.limit(Limit::MaxHandshakeBytes), 16 * KiB);
        QCOMPARE(p.limit(Limit::MaxHeaderFields), std::uint64_t(100));
        QCOMPARE(p.limit(Limit::MaxPayloadKept), d.maxPayloadKept);
        QCOMPARE(p.limit(Limit::MaxFlows), std::uint64_t(100000));
        QCOMPARE(p.limit(Limit::MaxBufferedBytes), 512 * MiB);
        QCOMPARE(p.limit(Limit::MaxOutOfOrderBytes), 8 * MiB);
        QCOMPARE(p.limit(Limit::MaxAnomaliesPerKind), std::uint64_t(100));
        QCOMPARE(p.timeDisplay, TimeDisplay::Relative);
        QCOMPARE(p.textEncoding, TextEncoding::Utf8);
        QCOMPARE(p.prettyJson, true);
        QCOMPARE(p.jsonIndent, 4);
        QCOMPARE(p.effectiveJsonIndent(), 4);
        QCOMPARE(p.theme, Theme::System);
        QCOMPARE(p.tableFont, QGuiApplication::font());
        QCOMPARE(p.fixedFont, QFontDatabase::systemFont(QFontDatabase::FixedFont));

        // The options handed to the dissector are its defaults.
        const dissector::DissectorOptions o = p.dissectorOptions();
        QVERIFY(o.wsPorts.empty());
        QCOMPARE(o.detectWithoutHandshake, d.detectWithoutHandshake);
        QCOMPARE(o.limits.maxFrameSize, d.limits.maxFrameSize);
        QCOMPARE(o.limits.maxMessageSize, d.limits.maxMessageSize);
        QCOMPARE(o.limits.maxFragments, d.limits.maxFragments);
        QCOMPARE(o.limits.maxDecompressionRatio, d.limits.maxDecompressionRatio);
        QCOMPARE(o.limits.maxHandshakeBytes, d.limits.maxHandshakeBytes);
        QCOMPARE(o.limits.maxHeaderFields, d.limits.maxHeaderFields);
        QCOMPARE(o.maxPayloadKept, d.maxPayloadKept);
        QCOMPARE(o.maxFlows, d.maxFlows);
        QCOMPARE(o.maxBufferedBytes, d.maxBufferedBytes);
        QCOMPARE(o.tcp.maxOutOfOrderBytes, d.tcp.maxOutOfOrderBytes);
        QCOMPARE(o.maxAnomaliesPerKind, d.maxAnomaliesPerKind);

        // Nothing saved: loading gives the defaults.
        QSettings empty = fileSettings(QStringLiteral("empty.ini"));
        Preferences loaded = changed();
        loaded.load(empty);
        QVERIFY(loaded == Preferences{});
    }

    void saveLoadRoundTrip() {
        const Preferences p = changed();
        {
            QSettings settings = fileSettings(QStringLiteral("round.ini"));
            p.save(settings);
        }
        QSettings settings = fileSettings(QStringLiteral("round.ini"));
        // The keys the window has always used keep their form.
        QCOMPARE(settings.value(QStringLiteral("dissector/wsPorts")).toString(),
                 QStringLiteral("8080, 9001"));
        QCOMPARE(settings.value(QStringLiteral("view/theme")).toString(), QStringLiteral("dark"));
        QCOMPARE(settings.value(QStringLiteral("view/timeDisplay")).toInt(), 2);
        QCOMPARE(settings.value(QStringLiteral("dissector/limits/maxPayloadKept")).toULongLong(),
                 1000000ull);
        QCOMPARE(settings.value(QStringLiteral("view/textEncoding")).toString(),
                 QStringLiteral("UTF-16BE"));
        Preferences loaded;
        loaded.load(settings);
        QCOMPARE(loaded.wsPorts, p.wsPorts);
        QCOMPARE(loaded.limits, p.limits);
        QCOMPARE(loaded.tableFont.pointSize(), 13);
        QCOMPARE(loaded.fixedFont.pointSize(), 17);
        QVERIFY(loaded == p);
        QCOMPARE(loaded.effectiveJsonIndent(), 0);  // pretty-printing is off

        // System fonts are not written: a later change of the desktop's font is followed.
        Preferences plain;
        QSettings other = fileSettings(QStringLiteral("plain.ini"));
        plain.save(other);
        QVERIFY(!other.contains(QStringLiteral("view/tableFont")));
        QVERIFY(!other.contains(QStringLiteral("view/fixedFont")));
    }

    void readsWhatTheWindowSavedBefore() {
        QSettings settings = fileSettings(QStringLiteral("old.ini"));
        settings.setValue(QStringLiteral("dissector/wsPorts"), QStringLiteral("9001"));
        settings.setValue(QStringLiteral("view/theme"), QStringLiteral("light"));
        settings.setValue(QStringLiteral("view/timeDisplay"), 0);
        Preferences p;
        p.load(settings);
        QCOMPARE(p.wsPorts, std::set<std::uint16_t>{9001});
        QCOMPARE(p.theme, Theme::Light);
        QCOMPARE(p.timeDisplay, TimeDisplay::Absolute);
        QCOMPARE(p.limit(Limit::MaxMessageSize), 64 * MiB);
    }

    void outOfRangeValuesAreClamped() {
        QSettings settings = fileSettings(QStringLiteral("range.ini"));
        const QString limits = QStringLiteral("dissector/limits/");
        settings.setValue(limits + QStringLiteral("maxMessageSize"), 10);
        settings.setValue(limits + QStringLiteral("maxFrameSize"),
                          QStringLiteral("99999999999999999999999"));
        settings.setValue(limits + QStringLiteral("maxFlows"), -5);
        settings.setValue(limits + QStringLiteral("maxFragments"), 0);
        settings.setValue(limits + QStringLiteral("maxAnomaliesPerKind"), QStringLiteral("lots"));
        settings.setValue(limits + QStringLiteral("maxBufferedBytes"), 1ull << 40);
        settings.setValue(QStringLiteral("view/jsonIndent"), 3);
        settings.setValue(QStringLiteral("view/timeDisplay"), 9);
        settings.setValue(QStringLiteral("view/textEncoding"), QStringLiteral("EBCDIC"));
        settings.setValue(QStringLiteral("view/theme"), QStringLiteral("purple"));
        QFont huge = Preferences::defaultFixedFont();
        huge.setPointSize(300);
        settings.setValue(QStringLiteral("view/fixedFont"), huge.toString());
        settings.setValue(QStringLiteral("dissector/wsPorts"), QStringLiteral("70000"));
        Preferences p;
        p.load(settings);
        QCOMPARE(p.limit(Limit::MaxMessageSize), KiB);
        QCOMPARE(p.limit(Limit::MaxFrameSize), 4 * GiB);
        QCOMPARE(p.limit(Limit::MaxFlows), std::uint64_t(16));
        QCOMPARE(p.limit(Limit::MaxFragments), std::uint64_t(1));
        QCOMPARE(p.limit(Limit::MaxAnomaliesPerKind), std::uint64_t(100));  // not a number
        QCOMPARE(p.limit(Limit::MaxBufferedBytes), 16 * GiB);
        QCOMPARE(p.jsonIndent, 4);
        QCOMPARE(p.timeDisplay, TimeDisplay::Relative);
        QCOMPARE(p.textEncoding, TextEncoding::Utf8);
        QCOMPARE(p.theme, Theme::System);
        QCOMPARE(p.fixedFont.pointSize(), 48);
        QVERIFY(p.wsPorts.empty());

        settings.setValue(QStringLiteral("view/jsonIndent"), 1);
        p.load(settings);
        QCOMPARE(p.jsonIndent, 2);

        p.setLimit(Limit::MaxDecompressionRatio, 1u << 30);
        QCOMPARE(p.limit(Limit::MaxDecompressionRatio), std::uint64_t(100000));
        p.setLimit(Limit::MaxOutOfOrderBytes, 1);
        QCOMPARE(p.limit(Limit::MaxOutOfOrderBytes), 64 * KiB);
    }

    void dialogShowsAndWritesTheValues() {
        const Preferences p = changed();
        PreferencesDialog dialog(p);
        QCOMPARE(child<QLineEdit>(&dialog, QStringLiteral("wsPorts"))->text(),
                 QStringLiteral("8080, 9001"));
        QCOMPARE(child<QCheckBox>(&dialog, QStringLiteral("detectWithoutHandshake"))->isChecked(),
                 false);
        QSpinBox* message = child<QSpinBox>(&dialog, QStringLiteral("limit.maxMessageSize"));
        QCOMPARE(message->value(), 5 * 1024);  // KiB
        QCOMPARE(message->suffix(), QStringLiteral(" KiB"));
        QCOMPARE(message->minimum(), 1);
        QCOMPARE(message->maximum(), 4 * 1024 * 1024);
        QVERIFY2(message->toolTip().contains(QStringLiteral("Default: 64 MiB")),
                 qPrintable(message->toolTip()));
        QCOMPARE(child<QSpinBox>(&dialog, QStringLiteral("limit.maxPayloadKept"))->value(), 977);
        QCOMPARE(child<QSpinBox>(&dialog, QStringLiteral("limit.maxFragments"))->value(), 77);
        QCOMPARE(child<QSpinBox>(&dialog, QStringLiteral("limit.maxHandshakeBytes"))->value(), 64);
        QCOMPARE(child<QSpinBox>(&dialog, QStringLiteral("limit.maxHeaderFields"))->value(), 500);
        QSpinBox* anomalies = child<QSpinBox>(&dialog, QStringLiteral("limit.maxAnomaliesPerKind"));
        QCOMPARE(anomalies->value(), 0);
        QCOMPARE(anomalies->text(), QStringLiteral("no limit"));
        QCOMPARE(child<QComboBox>(&dialog, QStringLiteral("timeDisplay"))->currentData().toInt(),
                 int(TimeDisplay::Delta));
        QCOMPARE(child<QComboBox>(&dialog, QStringLiteral("textEncoding"))->currentText(),
                 QStringLiteral("UTF-16BE"));
        QCOMPARE(child<QCheckBox>(&dialog, QStringLiteral("prettyJson"))->isChecked(), false);
        QCOMPARE(child<QComboBox>(&dialog, QStringLiteral("jsonIndent"))->isEnabled(), false);
        QCOMPARE(child<QComboBox>(&dialog, QStringLiteral("jsonIndent"))->currentData().toInt(), 2);
        QCOMPARE(child<QSpinBox>(&dialog, QStringLiteral("tableFontSize"))->value(), 13);
        QCOMPARE(child<QSpinBox>(&dialog, QStringLiteral("fixedFontSize"))->value(), 17);
        QCOMPARE(child<QComboBox>(&dialog, QStringLiteral("theme"))->currentData().toInt(),
                 int(Theme::Dark));

        // Untouched, the dialog gives back exactly what it was given.
        QVERIFY(dialog.preferences() == p);

        // Changes come back through applied().
        QSignalSpy applied(&dialog, &PreferencesDialog::applied);
        child<QLineEdit>(&dialog, QStringLiteral("wsPorts"))->setText(QStringLiteral("7000 7001"));
        message->setValue(2);
        child<QComboBox>(&dialog, QStringLiteral("timeDisplay"))->setCurrentIndex(0);
        child<QComboBox>(&dialog, QStringLiteral("textEncoding"))->setCurrentIndex(1);
        child<QCheckBox>(&dialog, QStringLiteral("prettyJson"))->setChecked(true);
        QCOMPARE(child<QComboBox>(&dialog, QStringLiteral("jsonIndent"))->isEnabled(), true);
        child<QComboBox>(&dialog, QStringLiteral("jsonIndent"))->setCurrentIndex(1);
        child<QSpinBox>(&dialog, QStringLiteral("fixedFontSize"))->setValue(11);
        child<QComboBox>(&dialog, QStringLiteral("theme"))->setCurrentIndex(1);
        dialog.buttons()->button(QDialogButtonBox::Apply)->click();
        QCOMPARE(applied.count(), 1);
        const auto got = applied.at(0).at(0).value<Preferences>();
        QCOMPARE(got.wsPorts, (std::set<std::uint16_t>{7000, 7001}));
        QCOMPARE(got.limit(Limit::MaxMessageSize), 2 * KiB);
        QCOMPARE(got.limit(Limit::MaxPayloadKept), std::uint64_t(1000000));  // untouched: exact
        QCOMPARE(got.timeDisplay, TimeDisplay::Absolute);
        QCOMPARE(got.textEncoding, TextEncoding::Latin1);
        QCOMPARE(got.prettyJson, true);
        QCOMPARE(got.jsonIndent, 4);
        QCOMPARE(got.fixedFont.pointSize(), 11);
        QCOMPARE(got.tableFont, p.tableFont);
        QCOMPARE(got.theme, Theme::Light);

        // A port list that is not one: said next to the field, and nothing applies.
        child<QLineEdit>(&dialog, QStringLiteral("wsPorts"))->setText(QStringLiteral("70000"));
        QLabel* error = child<QLabel>(&dialog, QStringLiteral("wsPortsError"));
        QVERIFY(!error->isHidden());
        QVERIFY2(error->text().contains(QStringLiteral("70000")), qPrintable(error->text()));
        QVERIFY(!dialog.valid());
        QVERIFY(!dialog.buttons()->button(QDialogButtonBox::Ok)->isEnabled());
        QVERIFY(!dialog.buttons()->button(QDialogButtonBox::Apply)->isEnabled());

        // Restore Defaults shows the defaults.
        dialog.buttons()->button(QDialogButtonBox::RestoreDefaults)->click();
        QVERIFY(dialog.valid());
        QVERIFY(dialog.preferences() == Preferences{});
    }

    void windowOpensTheDialogAndSavesWhatItApplies() {
        MainWindow window;
        QAction* action = nullptr;
        for (QAction* a : window.findChildren<QAction*>())
            if (a->text() == QStringLiteral("&Preferences…"))
                action = a;
        QVERIFY(action);
        QVERIFY(action->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Comma)));
        action->trigger();
        PreferencesDialog* dialog = window.preferencesDialog();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QVERIFY(!dialog->isModal());
        child<QComboBox>(dialog, QStringLiteral("timeDisplay"))->setCurrentIndex(2);
        child<QLineEdit>(dialog, QStringLiteral("wsPorts"))->setText(QStringLiteral("9001"));
        dialog->buttons()->button(QDialogButtonBox::Ok)->click();
        QTRY_VERIFY_WITH_TIMEOUT(window.preferencesDialog() == nullptr, 5000);  // closed, deleted
        QCOMPARE(window.preferences().timeDisplay, TimeDisplay::Delta);
        QCOMPARE(window.wsPorts(), std::set<std::uint16_t>{9001});
        QCOMPARE(QSettings().value(QStringLiteral("view/timeDisplay")).toInt(), 2);
        QCOMPARE(QSettings().value(QStringLiteral("dissector/wsPorts")).toString(),
                 QStringLiteral("9001"));
        MainWindow again;
        QCOMPARE(again.preferences().timeDisplay, TimeDisplay::Delta);
    }

    void displayChangesReachTheViewsAtOnce() {
        MainWindow window;
        window.resize(1200, 800);
        window.show();
        QVERIFY(window.openFile(capture_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        CaptureView* view = window.captureView();
        QCOMPARE(view->messageModel().rowCount(), 3);
        MessageContentView* content = view->details()->contentView();

        // Latin-1 bytes read as UTF-8, then as ISO-8859-1: in the Content view
        // and in the table's Preview column.
        const auto preview = [&](int row) {
            return view->messageModel().index(row, MessageTableModel::Preview).data().toString();
        };
        view->messageTable()->selectRow(0);
        QCOMPARE(content->text(), QStringLiteral("caf\uFFFD cr\uFFFDme"));
        QCOMPARE(preview(0), QStringLiteral("caf\uFFFD cr\uFFFDme"));
        Preferences p = window.preferences();
        p.textEncoding = TextEncoding::Latin1;
        window.setPreferences(p);
        QCOMPARE(content->text(), QStringLiteral("café crème"));
        QCOMPARE(preview(0), QStringLiteral("café crème"));
        QVERIFY2(!content->summary().contains(QStringLiteral("Not valid")),
                 qPrintable(content->summary()));

        // JSON: indented by 4, by 2, or as sent.
        view->messageTable()->selectRow(1);
        QCOMPARE(content->page(), MessageContentView::Page::Json);
        QCOMPARE(content->prettyJson(), QStringLiteral("{\n    \"a\": 1,\n    \"b\": [\n        "
                                                       "true\n    ]\n}"));
        p.jsonIndent = 2;
        window.setPreferences(p);
        QCOMPARE(content->prettyJson(),
                 QStringLiteral("{\n  \"a\": 1,\n  \"b\": [\n    true\n  ]\n}"));
        p.prettyJson = false;
        window.setPreferences(p);
        QCOMPARE(content->prettyJson(), QStringLiteral(R"({"a":1,"b":[true]})"));

        // The time column: relative, delta from the previous row (packets 1 ms apart), relative.
        const auto time = [&](int row) {
            return view->messageModel().index(row, MessageTableModel::Time).data().toString();
        };
        QCOMPARE(time(1), QStringLiteral("0.003000"));  // from the upgrade request
        p.timeDisplay = TimeDisplay::Delta;
        window.setPreferences(p);
        QCOMPARE(time(0), QStringLiteral("0.000000"));
        QCOMPARE(time(1), QStringLiteral("0.001000"));
        QCOMPARE(time(2), QStringLiteral("0.001000"));
        p.timeDisplay = TimeDisplay::Relative;
        window.setPreferences(p);
        QCOMPARE(time(2), QStringLiteral("0.004000"));

        // Fonts: the tables' and the fixed-width panes'.
        p.tableFont.setPointSize(15);
        p.fixedFont.setPointSize(19);
        window.setPreferences(p);
        QCOMPARE(view->messageTable()->font().pointSize(), 15);
        QCOMPARE(view->connectionTable()->font().pointSize(), 15);
        QCOMPARE(view->messageTable()->verticalHeader()->defaultSectionSize(),
                 QFontMetrics(p.tableFont).height() + 6);
        QCOMPARE(view->details()->hexView()->font().pointSize(), 19);
        QCOMPARE(content->hexView()->font().pointSize(), 19);
        QCOMPARE(content->findChild<QPlainTextEdit*>()->font().pointSize(), 19);

        // A capture opened later gets them too.
        QVERIFY(window.openFile(capture_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        QCOMPARE(window.captureView()->messageTable()->font().pointSize(), 15);
        QCOMPARE(window.captureView()->details()->contentView()->textEncoding(),
                 TextEncoding::Latin1);
        QCOMPARE(window.captureView()->details()->contentView()->jsonIndent(), 0);
    }

    // UTF-16: characters from byte pairs, a lone last byte reported, but
    // not when the payload is only cut by the display limit.
    void otherEncodingsSayWhereTheyFail() {
        Conversation c;
        c.handshakeTcp();
        c.client(bytesOf(request()));
        c.server(bytesOf(response()));
        c.client(clientFrame(1, fromHex("6800e900")));  // "hé" in UTF-16LE
        c.client(clientFrame(1, fromHex("6800e9")));    // one byte short
        c.client(clientFrame(1, fromHex("3ed86100")));  // a high surrogate without its pair
        PcapBuilder b;
        b.addAll(c.packets);
        const QString path = dir_.filePath(QStringLiteral("utf16.pcap"));
        QVERIFY(b.save(path.toStdString()));

        MainWindow window;
        Preferences p = window.preferences();
        p.textEncoding = TextEncoding::Utf16LE;
        window.setPreferences(p);
        QVERIFY(window.openFile(path));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        CaptureView* view = window.captureView();
        MessageContentView* content = view->details()->contentView();
        view->messageTable()->selectRow(0);
        QCOMPARE(content->text(), QStringLiteral("hé"));
        QCOMPARE(view->messageModel().index(0, MessageTableModel::Preview).data().toString(),
                 QStringLiteral("hé"));
        QVERIFY2(!content->summary().contains(QStringLiteral("Not valid")),
                 qPrintable(content->summary()));
        view->messageTable()->selectRow(1);
        QCOMPARE(content->text(), QStringLiteral("h\uFFFD"));
        QVERIFY2(content->summary().contains(QStringLiteral("Not valid UTF-16LE")),
                 qPrintable(content->summary()));

        view->messageTable()->selectRow(2);
        QCOMPARE(content->text(), QStringLiteral("\uFFFDa"));
        QVERIFY2(content->summary().contains(QStringLiteral("Not valid UTF-16LE")),
                 qPrintable(content->summary()));

        // Cut by the limit inside the second character: it is left out, not reported.
        content->setLimit(3);
        view->messageTable()->selectRow(0);
        QCOMPARE(content->text(), QStringLiteral("h"));
        QVERIFY2(content->summary().contains(QStringLiteral("First 3 of 4 bytes shown.")),
                 qPrintable(content->summary()));
        QVERIFY2(!content->summary().contains(QStringLiteral("Not valid")),
                 qPrintable(content->summary()));

        // Big-endian reads the same bytes the other way round.
        content->setLimit(MessageContentView::kDefaultLimit);
        p.textEncoding = TextEncoding::Utf16BE;
        window.setPreferences(p);
        QCOMPARE(content->text(), QStringLiteral("\u6800\uE900"));
    }

    void limitsApplyToTheNextLoad() {
        MainWindow window;
        QVERIFY(window.openFile(capture_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        // The Latin-1 text message breaks RFC 6455 §8.1; nothing else is wrong.
        QCOMPARE(kinds(window.captureView()->anomalyModel()),
                 QStringList{QStringLiteral("invalid-utf8")});

        Preferences p = window.preferences();
        p.setLimit(Limit::MaxMessageSize, 1024);  // the third message has 2000 bytes
        window.setPreferences(p);
        QCOMPARE(QSettings().value(QStringLiteral("dissector/limits/maxMessageSize")).toInt(),
                 1024);
        // The open capture stays as it was read until the user says to reopen it.
        QCOMPARE(window.captureView()->anomalyModel().rowCount(), 1);
        auto* prompt = window.findChild<QMessageBox*>(QStringLiteral("reopenPrompt"));
        QVERIFY(prompt);
        QVERIFY(!prompt->isModal());
        QAbstractButton* now = nullptr;
        for (QAbstractButton* b : prompt->buttons())
            if (b->text() == QStringLiteral("&Reopen Now"))
                now = b;
        QVERIFY(now);
        now->click();
        QTRY_VERIFY_WITH_TIMEOUT(loaded(window), 10000);
        AnomalyTableModel& anomalies = window.captureView()->anomalyModel();
        QCOMPARE(kinds(anomalies),
                 (QStringList{QStringLiteral("invalid-utf8"), QStringLiteral("message-too-big")}));
        const QString detail = anomalies.index(1, AnomalyTableModel::Detail).data().toString();
        QVERIFY2(detail.contains(QStringLiteral("exceeds the limit of 1024")), qPrintable(detail));
        QCOMPARE(window.captureView()->messageModel().rowCount(), 3);

        // Display-only changes ask nothing.
        QTRY_VERIFY_WITH_TIMEOUT(!window.findChild<QMessageBox*>(QStringLiteral("reopenPrompt")),
                                 5000);
        p.timeDisplay = TimeDisplay::Absolute;
        window.setPreferences(p);
        QVERIFY(!window.findChild<QMessageBox*>(QStringLiteral("reopenPrompt")));

        // The next window starts with the lowered limit.
        MainWindow next;
        QCOMPARE(next.preferences().limit(Limit::MaxMessageSize), std::uint64_t(1024));
        QVERIFY(next.openFile(capture_));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(next), 10000);
        QCOMPARE(next.captureView()->anomalyModel().rowCount(), 2);
    }
};

QTEST_MAIN(TestPreferences)
#include "tst_preferences.moc"
