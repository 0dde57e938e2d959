#include "widgets/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QFileInfo>
#include <QInputDialog>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QToolButton>
#include <QUrl>

#include "console/client_session.h"
#include "console/comparison_session.h"
#include "console/conformance_tab.h"
#include "console/console_window.h"
#include "console/replay_session.h"
#include "console/server_session.h"
#include "inspector/connection_table_model.h"
#include "inspector/jsonl_export.h"
#include "inspector/port_list.h"
#include "widgets/capture_view.h"
#include "widgets/live_capture_dialog.h"
#include "widgets/preferences_dialog.h"

namespace sockscope::ui {
namespace {

constexpr int kMaxRecentFiles = 10;

namespace key {
const QString Geometry = QStringLiteral("window/geometry");
const QString WindowState = QStringLiteral("window/state");
const QString ViewState = QStringLiteral("window/captureView");
const QString Recent = QStringLiteral("recentFiles");
const QString LiveInterface = QStringLiteral("capture/interface");
const QString LiveFilter = QStringLiteral("capture/filter");
const QString LivePorts = QStringLiteral("capture/wsPorts");
}  // namespace key

// "1 connection", "2 connections" (with the locale's digit grouping).
QString counted(quint64 n, const QString& one, const QString& many) {
    return QStringLiteral("%L1 %2").arg(n).arg(n == 1 ? one : many);
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("Sockscope"));
    jsonlExport_ = new JsonlExport(this);
    setAcceptDrops(true);
    resize(1440, 900);
    buildMenus();
    buildStatusBar();
    restoreSettings();
    showWelcome();
    updateActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Capture…"), this, &MainWindow::chooseFile);
    open->setShortcut(QKeySequence::Open);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    openKeyLogAction_ = file->addAction(tr("Open &Key Log…"), this, &MainWindow::chooseKeyLog);
    openKeyLogAction_->setToolTip(
        tr("Decrypt the capture's TLS connections with an NSS key log (SSLKEYLOGFILE): the file "
           "is read again with its keys"));
    saveAction_ = file->addAction(tr("&Save Capture As…"), this, &MainWindow::saveCaptureAs);
    saveAction_->setShortcut(QKeySequence::Save);
    QMenu* exports = file->addMenu(tr("&Export"));
    exportJsonlAction_ = exports->addAction(tr("Selected Connections as &JSON Lines…"), this,
                                            &MainWindow::chooseJsonlExport);
    exportJsonlAction_->setToolTip(
        tr("The events of the selected connections (all when none is selected) as "
           "sockscope-cli read --format jsonl prints them"));
    exportHarAction_ =
        exports->addAction(tr("Selected Connections as &HAR…"), this, &MainWindow::chooseHarExport);
    exportHarAction_->setToolTip(
        tr("The selected connections (all when none is selected) with their text and binary "
           "messages, as the browser's DevTools save them"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* preferences = edit->addAction(tr("&Preferences…"), this, &MainWindow::showPreferences);
    preferences->setMenuRole(QAction::PreferencesRole);
    // The platform's key for it, and Ctrl+, everywhere (some platforms name none).
    QList<QKeySequence> preferencesKeys = QKeySequence::keyBindings(QKeySequence::Preferences);
    if (!preferencesKeys.contains(QKeySequence(Qt::CTRL | Qt::Key_Comma)))
        preferencesKeys << QKeySequence(Qt::CTRL | Qt::Key_Comma);
    preferences->setShortcuts(preferencesKeys);

    QMenu* capture = menuBar()->addMenu(tr("&Capture"));
    startAction_ =
        capture->addAction(tr("&Start Live Capture…"), this, &MainWindow::chooseLiveCapture);
    startAction_->setShortcut(Qt::Key_F5);
    stopAction_ = capture->addAction(tr("S&top Capture"), this, &MainWindow::stopCapture);
    stopAction_->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));

    QMenu* console = menuBar()->addMenu(tr("C&onsole"));
    QAction* newClient =
        console->addAction(tr("New &Client Session"), this, &MainWindow::newClientSession);
    newClient->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    newClient->setToolTip(tr("Connect to a WebSocket server and send messages and raw frames"));
    QAction* newServer = console->addAction(tr("New &Server Session"), this, [this] {
        openConsoleSession(createServerSession(), tr("Server %1"));
    });
    newServer->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
    newServer->setToolTip(tr("Listen for WebSocket clients (echo, manual or broadcast)"));
    console->addAction(tr("Compare with &Qt WebSockets"), this, [this] {
        openConsoleSession(createComparisonSession(nullptr), tr("Comparison %1"));
    });
    QAction* conformance = console->addAction(tr("Run Con&formance Tests…"), this, [this] {
        openConsoleSession(createConformanceTab(nullptr), tr("Conformance %1"));
    });
    conformance->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    conformance->setToolTip(
        tr("Run the conformance suite against a WebSocket server or client, case by case"));
    console->addSeparator();
    replayAction_ = console->addAction(tr("&Replay Selected Connection…"), this,
                                       &MainWindow::replaySelectedConnection);
    replayAction_->setToolTip(tr("Send the client's messages of the selected connection again"));
    // Selection changes are not tracked: the menu checks when it opens.
    connect(console, &QMenu::aboutToShow, this, &MainWindow::updateActions);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    findAction_ = view->addAction(tr("&Find in Payloads"), this, [this] {
        if (view_)
            view_->focusSearch();
    });
    findAction_->setShortcut(QKeySequence::Find);
    followAction_ = view->addAction(tr("&Follow Newest Rows"), this, [this](bool on) {
        if (view_)
            view_->setFollowTail(on);
    });
    followAction_->setCheckable(true);
    followAction_->setChecked(true);
    followAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    view->addSeparator();
    QAction* goConnections = view->addAction(tr("Go to &Connections"), this, [this] {
        if (view_)
            view_->connectionTable()->setFocus();
    });
    goConnections->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    QAction* goMessages = view->addAction(tr("Go to &Messages"), this, [this] {
        if (view_)
            view_->messageTable()->setFocus();
    });
    goMessages->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    view->addSeparator();

    QMenu* time = view->addMenu(tr("&Time"));
    timeGroup_ = new QActionGroup(this);
    const std::pair<QString, TimeDisplay> times[] = {
        {tr("&Absolute (time of day)"), TimeDisplay::Absolute},
        {tr("&Relative to the first packet"), TimeDisplay::Relative},
        {tr("&Delta from the previous row"), TimeDisplay::Delta}};
    int shortcut = Qt::Key_1;
    for (const auto& [label, display] : times) {
        QAction* action = time->addAction(label);
        action->setCheckable(true);
        action->setData(int(display));
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key(shortcut++)));
        timeGroup_->addAction(action);
    }
    connect(timeGroup_, &QActionGroup::triggered, this, [this](QAction* action) {
        Preferences p = prefs_;
        p.timeDisplay = TimeDisplay(action->data().toInt());
        setPreferences(p);
    });

    QMenu* themes = view->addMenu(tr("T&heme"));
    themeGroup_ = new QActionGroup(this);
    for (Theme t : {Theme::System, Theme::Light, Theme::Dark}) {
        const QString label = t == Theme::System  ? tr("Follow the &System")
                              : t == Theme::Light ? tr("&Light")
                                                  : tr("&Dark");
        QAction* action = themes->addAction(label);
        action->setCheckable(true);
        action->setData(int(t));
        themeGroup_->addAction(action);
    }
    connect(themeGroup_, &QActionGroup::triggered, this,
            [this](QAction* action) { setTheme(Theme(action->data().toInt())); });

    QMenu* analyze = menuBar()->addMenu(tr("&Analyze"));
    analyze->addAction(tr("&Decode Ports as WebSocket…"), this, &MainWindow::chooseWsPorts);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* keys = help->addAction(tr("&Keyboard Shortcuts"), this, &MainWindow::showShortcuts);
    keys->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About Sockscope"), this, &MainWindow::showAbout);
}

void MainWindow::buildStatusBar() {
    fileLabel_ = new QLabel(this);
    countsLabel_ = new QLabel(this);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setMaximumWidth(220);
    progress_->setTextVisible(true);
    cancelButton_ = new QToolButton(this);
    cancelButton_->setText(tr("Cancel"));
    cancelButton_->setToolTip(
        tr("Stop reading the file (the rows so far stay) or stop the live capture"));
    connect(cancelButton_, &QToolButton::clicked, this, [this] {
        if (!view_)
            return;
        if (view_->document().live())
            stopCapture();
        else
            view_->document().cancel();
    });
    statusBar()->addWidget(fileLabel_);
    statusBar()->addWidget(countsLabel_, 1);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(cancelButton_);
    progress_->hide();
    cancelButton_->hide();

    // An export has its own progress: a capture may load at the same time.
    exportLabel_ = new QLabel(tr("Exporting:"), this);
    exportProgress_ = new QProgressBar(this);
    exportProgress_->setRange(0, 1000);
    exportProgress_->setMaximumWidth(160);
    exportCancel_ = new QToolButton(this);
    exportCancel_->setText(tr("Cancel Export"));
    exportCancel_->setObjectName(QStringLiteral("cancelExport"));
    connect(exportCancel_, &QToolButton::clicked, jsonlExport_, &JsonlExport::cancel);
    connect(jsonlExport_, &JsonlExport::progress, this, [this](qint64 done, qint64 total) {
        if (total > 0)
            exportProgress_->setValue(int(done * 1000 / total));
    });
    connect(jsonlExport_, &JsonlExport::finished, this, &MainWindow::onExportFinished);
    for (QWidget* w : {static_cast<QWidget*>(exportLabel_), static_cast<QWidget*>(exportProgress_),
                       static_cast<QWidget*>(exportCancel_)}) {
        statusBar()->addPermanentWidget(w);
        w->hide();
    }
}

void MainWindow::showWelcome() {
    QString recent;
    for (const QString& path : recentFiles())
        recent +=
            QStringLiteral("<li><a href=\"%1\">%2</a></li>")
                .arg(QUrl::fromLocalFile(path).toString().toHtmlEscaped(), path.toHtmlEscaped());
    auto* welcome = new QLabel(this);
    welcome->setAlignment(Qt::AlignCenter);
    welcome->setTextFormat(Qt::RichText);
    welcome->setText(
        tr("<h2>Sockscope</h2><p>Open a pcap or pcapng capture or a HAR file from the "
           "browser's DevTools (Ctrl+O), drop one here, or start a live capture (F5).</p>%1")
            .arg(recent.isEmpty() ? QString()
                                  : tr("<p>Recent captures:</p><ul>%1</ul>").arg(recent)));
    connect(welcome, &QLabel::linkActivated, this,
            [this](const QString& link) { openFile(QUrl(link).toLocalFile()); });
    setCentralWidget(welcome);
    view_ = nullptr;
}

CaptureView* MainWindow::replaceView() {
    if (view_)
        viewState_ = view_->saveState();
    auto* view = new CaptureView(this);
    view->restoreState(viewState_);
    setCentralWidget(view);  // deletes the previous view and its document
    view_ = view;
    applyDisplay();

    CaptureDocument& document = view->document();
    connect(view, &CaptureView::countsChanged, this, &MainWindow::updateCounts);
    connect(view, &CaptureView::followTailChanged, followAction_, &QAction::setChecked);
    connect(&document, &CaptureDocument::progress, this, [this](qint64 done, qint64 total) {
        if (total > 0)
            progress_->setValue(int(done * 1000 / total));
    });
    connect(&document, &CaptureDocument::liveStatus, this, &MainWindow::updateCounts);
    connect(&document, &CaptureDocument::keysLoaded, this, &MainWindow::showKeyReport);
    connect(&document, &CaptureDocument::finished, this, [this](const QString& error) {
        progress_->hide();
        cancelButton_->hide();
        updateActions();
        updateCounts();
        if (error == QLatin1String("cancelled"))
            statusBar()->showMessage(tr("Reading stopped: the rows read so far are shown"), 8000);
        else if (!error.isEmpty())
            showError(tr("Problem in the capture"), error);
    });
    followAction_->setChecked(view->followTail());
    return view;
}

bool MainWindow::startLiveCapture(const dissector::LiveCaptureOptions& options,
                                  const std::set<std::uint16_t>& wsPorts) {
    lastError_.clear();
    CaptureView* view = replaceView();
    dissector::DissectorOptions dissectorOptions = prefs_.dissectorOptions();
    dissectorOptions.wsPorts = wsPorts;
    viewOptions_ = dissectorOptions;
    view->document().setKeyLog({prefs_.keyLogFile, true});
    if (!view->document().openLive(options, dissectorOptions)) {
        showError(tr("Cannot start the capture"),
                  LiveCaptureDialog::permissionHelp(view->document().error()));
        showWelcome();
        updateActions();
        return false;
    }
    currentFile_.clear();
    const QString name = QString::fromStdString(options.interface);
    setWindowTitle(tr("Live capture on %1 — Sockscope").arg(name));
    fileLabel_->setText(tr("● live on %1").arg(name));
    progress_->hide();
    cancelButton_->setText(tr("Stop"));
    cancelButton_->show();
    view->setFollowTail(true);
    updateActions();
    return true;
}

void MainWindow::stopCapture() {
    if (view_ && view_->document().live()) {
        view_->document().stop();
        fileLabel_->setText(fileLabel_->text().replace(QStringLiteral("● live"), tr("stopped")));
    }
    cancelButton_->setText(tr("Cancel"));
    updateActions();
}

void MainWindow::setWsPorts(const std::set<std::uint16_t>& ports) {
    prefs_.wsPorts = ports;
    QSettings settings;
    prefs_.save(settings);
    if (!currentFile_.isEmpty())
        openFile(currentFile_);
}

void MainWindow::setTheme(Theme theme) {
    Preferences p = prefs_;
    p.theme = theme;
    setPreferences(p);
}

void MainWindow::setPreferences(const Preferences& preferences) {
    Preferences next = preferences;
    next.clamp();
    const bool captureChanged = !next.sameCaptureOptions(prefs_);
    // A new key log preference replaces File > Open Key Log's choice.
    if (next.keyLogFile != prefs_.keyLogFile)
        keyLogOverride_.clear();
    const bool themeChanged = next.theme != prefs_.theme;
    prefs_ = next;
    QSettings settings;
    prefs_.save(settings);
    if (themeChanged)
        applyTheme(prefs_.theme);
    applyDisplay();
    if (captureChanged)
        offerReopen();
}

// The menus and the open view show the preferences.
void MainWindow::applyDisplay() {
    for (QAction* action : themeGroup_->actions())
        action->setChecked(Theme(action->data().toInt()) == prefs_.theme);
    for (QAction* action : timeGroup_->actions())
        action->setChecked(TimeDisplay(action->data().toInt()) == prefs_.timeDisplay);
    if (!view_)
        return;
    view_->setTimeDisplay(prefs_.timeDisplay);
    view_->setFonts(prefs_.tableFont, prefs_.fixedFont);
    view_->setTextOptions(prefs_.textEncoding, prefs_.effectiveJsonIndent());
}

void MainWindow::offerReopen() {
    if (!view_)
        return;
    if (view_->document().live()) {
        statusBar()->showMessage(
            tr("The new ports, key log and limits apply to the next live capture started"), 8000);
        return;
    }
    if (currentFile_.isEmpty())
        return;
    // Not modal, and not asked twice: one question stands for every change made meanwhile.
    if (findChild<QMessageBox*>(QStringLiteral("reopenPrompt")))
        return;
    auto* box = new QMessageBox(
        QMessageBox::Question, tr("Reopen the capture?"),
        tr("The new ports, key log and limits apply to the next capture opened. Reopen %1 with "
           "them now?")
            .arg(QFileInfo(currentFile_).fileName()),
        QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("reopenPrompt"));
    QPushButton* now = box->addButton(tr("&Reopen Now"), QMessageBox::AcceptRole);
    box->addButton(tr("&Later"), QMessageBox::RejectRole);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    connect(now, &QPushButton::clicked, this, &MainWindow::reopen);
    box->show();
}

PreferencesDialog* MainWindow::preferencesDialog() const {
    return preferencesDialog_;
}

void MainWindow::showPreferences() {
    if (!preferencesDialog_) {
        preferencesDialog_ = new PreferencesDialog(prefs_, this);
        preferencesDialog_->setAttribute(Qt::WA_DeleteOnClose);
        connect(preferencesDialog_, &PreferencesDialog::applied, this, &MainWindow::setPreferences);
    } else {
        preferencesDialog_->setPreferences(prefs_);
    }
    preferencesDialog_->show();
    preferencesDialog_->raise();
    preferencesDialog_->activateWindow();
}

QStringList MainWindow::recentFiles() const {
    return QSettings().value(key::Recent).toStringList();
}

QString MainWindow::statusText() const {
    return countsLabel_->text();
}

void MainWindow::addRecentFile(const QString& path) {
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    QSettings().setValue(key::Recent, files);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList files = recentFiles();
    int number = 0;
    for (const QString& path : files) {
        // &1 … &9, then 10: the first nine open from the keyboard.
        const QString label = ++number < 10 ? QStringLiteral("&%1 %2").arg(number).arg(path)
                                            : QStringLiteral("%1 %2").arg(number).arg(path);
        recentMenu_->addAction(label, this, [this, path] { openFile(path); });
    }
    recentMenu_->setEnabled(!files.isEmpty());
    if (!files.isEmpty()) {
        recentMenu_->addSeparator();
        recentMenu_->addAction(tr("&Clear List"), this, [this] {
            QSettings().remove(key::Recent);
            rebuildRecentMenu();
        });
    }
}

void MainWindow::updateCounts() {
    if (!view_) {
        countsLabel_->clear();
        return;
    }
    const CaptureIndex& index = view_->document().index();
    const MessageTableModel& model = view_->messageModel();
    const bool frames = model.mode() == MessageTableModel::Mode::Frames;
    QString text =
        counted(index.connections().size(), tr("connection"), tr("connections")) +
        QStringLiteral(" · ") + counted(index.messageCount(), tr("message"), tr("messages")) +
        QStringLiteral(" · ") + counted(index.frameCount(), tr("frame"), tr("frames")) +
        QStringLiteral(" · ") + counted(index.anomalyCount(), tr("anomaly"), tr("anomalies"));
    const RowId total = frames ? index.frameCount() : index.messageCount();
    if (RowId(model.rowCount()) != total)
        text += tr(" · showing %L1 of %L2 %3")
                    .arg(model.rowCount())
                    .arg(total)
                    .arg(frames ? tr("frames") : tr("messages"));
    if (view_->document().live() && view_->document().droppedPackets() > 0)
        text += tr(" · %L1 packets dropped by the kernel").arg(view_->document().droppedPackets());
    countsLabel_->setText(text);
}

ConsoleWindow* MainWindow::consoleWindow() {
    if (!console_) {
        // Its own top-level window; a child so it goes (closing its sessions) with this one.
        console_ = new ConsoleWindow(this);
        console_->setWindowFlag(Qt::Window);
        console_->setAttribute(Qt::WA_DeleteOnClose);
    }
    return console_;
}

void MainWindow::newClientSession() {
    openConsoleSession(createClientSession(), tr("Client %1"));
}

void MainWindow::replaySelectedConnection() {
    if (!view_ || view_->selectedConnections().size() != 1)
        return;
    const std::uint32_t connection = *view_->selectedConnections().begin();
    openConsoleSession(createReplaySession(view_->document(), connection), tr("Replay %1"));
}

void MainWindow::openConsoleSession(QWidget* session, const QString& title) {
    ConsoleWindow* console = consoleWindow();
    console->addSession(session, title.arg(++consoleSessions_));
    console->show();
    console->raise();
    console->activateWindow();
}

void MainWindow::updateActions() {
    const bool live = view_ && view_->document().live();
    stopAction_->setEnabled(live);
    startAction_->setEnabled(!live);
    saveAction_->setEnabled(view_ != nullptr);
    openKeyLogAction_->setEnabled(!currentFile_.isEmpty() && !live);
    findAction_->setEnabled(view_ != nullptr);
    exportJsonlAction_->setEnabled(view_ != nullptr && !exporting());
    exportHarAction_->setEnabled(view_ != nullptr);
    replayAction_->setEnabled(view_ != nullptr && view_->selectedConnections().size() == 1);
}

void MainWindow::showError(const QString& title, const QString& message) {
    lastError_ = message;
    statusBar()->showMessage(message.section(QLatin1Char('\n'), 0, 0), 15000);
    // Non-modal: the window keeps working while the message is up.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Close, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->setModal(false);
    box->show();
}

void MainWindow::chooseLiveCapture() {
    QSettings settings;
    LiveCaptureDialog dialog(this);
    dialog.setInterface(settings.value(key::LiveInterface).toString());
    dialog.setFilter(settings.value(key::LiveFilter).toString());
    dialog.setKeyLogFile(prefs_.keyLogFile);
    QString ignored;
    dialog.setWsPorts(parsePortList(settings.value(key::LivePorts).toString(), ignored)
                          .value_or(std::set<std::uint16_t>{}));
    if (dialog.exec() != QDialog::Accepted)
        return;
    const dissector::LiveCaptureOptions options = dialog.captureOptions();
    settings.setValue(key::LiveInterface, QString::fromStdString(options.interface));
    settings.setValue(key::LiveFilter, QString::fromStdString(options.filter));
    settings.setValue(key::LivePorts, formatPortList(dialog.wsPorts()));
    startLiveCapture(options, dialog.wsPorts());
}

void MainWindow::chooseWsPorts() {
    bool ok = false;
    const QString text = QInputDialog::getText(
        this, tr("Decode Ports as WebSocket"),
        tr("TCP ports whose traffic is WebSocket even without a handshake in the capture\n"
           "(for captures that start after the connection was set up), comma separated:"),
        QLineEdit::Normal, formatPortList(prefs_.wsPorts), &ok);
    if (!ok)
        return;
    QString error;
    const auto ports = parsePortList(text, error);
    if (!ports) {
        showError(tr("Decode Ports as WebSocket"), error);
        return;
    }
    setWsPorts(*ports);
}

void MainWindow::showShortcuts() {
    auto* box = new QMessageBox(
        QMessageBox::Information, tr("Keyboard Shortcuts"),
        tr("<table>"
           "<tr><td><b>Ctrl+O</b></td><td>open a capture</td></tr>"
           "<tr><td><b>Ctrl+S</b></td><td>save the capture as pcapng</td></tr>"
           "<tr><td><b>Ctrl+,</b></td><td>preferences</td></tr>"
           "<tr><td><b>F5</b> / <b>Shift+F5</b></td><td>start / stop a live capture</td></tr>"
           "<tr><td><b>Ctrl+F</b></td><td>search in payloads (Esc clears)</td></tr>"
           "<tr><td><b>Ctrl+1</b> / <b>Ctrl+2</b></td><td>go to connections / messages</td></tr>"
           "<tr><td><b>Ctrl+L</b></td><td>follow the newest rows</td></tr>"
           "<tr><td><b>Ctrl+Shift+N</b></td><td>new client session in the console</td></tr>"
           "<tr><td><b>Ctrl+Shift+L</b></td><td>new server session in the console</td></tr>"
           "<tr><td><b>Ctrl+Shift+T</b></td><td>run conformance tests in the console</td></tr>"
           "<tr><td><b>Ctrl+Alt+1/2/3</b></td><td>absolute / relative / delta time</td></tr>"
           "<tr><td><b>↑ ↓ PgUp PgDn Home End</b></td><td>move in a table</td></tr>"
           "<tr><td><b>Enter</b></td><td>on an anomaly or fragment: go to its frame</td></tr>"
           "</table>"),
        QMessageBox::Close, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About Sockscope"),
                       tr("<h3>Sockscope %1</h3><p>A WebSocket (RFC 6455) inspector: captures, "
                          "handshakes, frames, messages and close codes.</p>")
                           .arg(QApplication::applicationVersion()));
}

void MainWindow::restoreSettings() {
    QSettings settings;
    restoreGeometry(settings.value(key::Geometry).toByteArray());
    restoreState(settings.value(key::WindowState).toByteArray());
    viewState_ = settings.value(key::ViewState).toByteArray();
    prefs_.load(settings);
    applyTheme(prefs_.theme);
    applyDisplay();
    rebuildRecentMenu();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(key::Geometry, saveGeometry());
    settings.setValue(key::WindowState, saveState());
    if (view_)
        settings.setValue(key::ViewState, view_->saveState());
    QMainWindow::closeEvent(event);
}

}  // namespace sockscope::ui
