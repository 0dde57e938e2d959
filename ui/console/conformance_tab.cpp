#include "console/conformance_tab.h"

#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "console/conformance_case_view.h"
#include "console/conformance_results_model.h"
#include "console/conformance_tally_table.h"
#include "console/conformance_target_form.h"
#include "session/conformance_report.h"
#include "session/qt_text.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {
namespace {

namespace conformance = session::conformance;

QString tallyText(const conformance::Tally& tally) {
    return QObject::tr("%L1 pass, %L2 non-strict, %L3 fail, %L4 unsupported")
        .arg(tally.pass)
        .arg(tally.nonStrict)
        .arg(tally.fail)
        .arg(tally.unsupported);
}

}  // namespace

ConformanceTab::ConformanceTab(QWidget* parent) : QWidget(parent) {
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(buildLeft());
    split->addWidget(buildRight());
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({470, 1000});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(split);
    status_->setText(tr("Not running"));
    updateControls();
}

ConformanceTab::~ConformanceTab() {
    // The run's client processes and sockets go now, not whenever the event loop gets to them.
    delete run_.data();
}

QWidget* ConformanceTab::buildLeft() {
    auto* left = new QWidget(this);
    auto* box = new QGroupBox(tr("Conformance suite"), left);
    form_ = new ConformanceTargetForm(box);
    auto* boxLayout = new QVBoxLayout(box);
    boxLayout->addWidget(form_);

    start_ = new QPushButton(tr("&Start"), left);
    stop_ = new QPushButton(tr("S&top"), left);
    start_->setToolTip(tr("Run the selected cases, one connection each"));
    stop_->setToolTip(tr("End the run now; the running case is abandoned"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(stop_);
    buttons->addStretch(1);

    progress_ = new QProgressBar(left);
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(tr("No run yet"));
    status_ = new QLabel(left);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    clientUrl_ = new QLabel(left);
    clientUrl_->setWordWrap(true);
    clientUrl_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    clientUrl_->hide();
    error_ = new QLabel(left);
    error_->setWordWrap(true);
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_->setStyleSheet(u"color: #c62828; font-weight: bold;"_s);
    error_->hide();

    tally_ = new ConformanceTallyTable(left);

    exportText_ = new QPushButton(tr("Export &Text..."), left);
    exportJsonl_ = new QPushButton(tr("Export &JSON Lines..."), left);
    exportText_->setToolTip(tr("The report as sockscope-cli conform prints it"));
    exportJsonl_->setToolTip(tr("The report as sockscope-cli conform --format jsonl prints it"));
    auto* exports = new QHBoxLayout;
    exports->addWidget(exportText_);
    exports->addWidget(exportJsonl_);
    exports->addStretch(1);

    auto* layout = new QVBoxLayout(left);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(box);
    layout->addLayout(buttons);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(clientUrl_);
    layout->addWidget(error_);
    layout->addWidget(tally_, 1);
    layout->addLayout(exports);

    connect(start_, &QPushButton::clicked, this, &ConformanceTab::start);
    connect(stop_, &QPushButton::clicked, this, &ConformanceTab::stop);
    connect(exportText_, &QPushButton::clicked, this, [this] { exportTo(false); });
    connect(exportJsonl_, &QPushButton::clicked, this, [this] { exportTo(true); });
    return left;
}

QWidget* ConformanceTab::buildRight() {
    results_ = new ConformanceResultsModel(this);
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(results_);
    proxy_->setSortRole(ConformanceResultsModel::SortRole);
    proxy_->setFilterRole(ConformanceResultsModel::VerdictRole);
    proxy_->setFilterKeyColumn(ConformanceResultsModel::Verdict);

    auto* top = new QWidget(this);
    nonPassOnly_ = new QCheckBox(tr("Show only cases that did not pass"), top);
    table_ = new QTableView(top);
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(ConformanceResultsModel::Id, Qt::AscendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setWordWrap(false);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    // Fixed widths: measuring every row as results arrive would cost more with each one.
    QHeaderView* header = table_->horizontalHeader();
    const int digit = fontMetrics().horizontalAdvance(u'0');
    header->resizeSection(ConformanceResultsModel::Id, digit * 8);
    header->resizeSection(ConformanceResultsModel::Group, digit * 15);
    header->resizeSection(ConformanceResultsModel::Rfc, digit * 15);
    header->resizeSection(ConformanceResultsModel::Description, digit * 36);
    header->resizeSection(ConformanceResultsModel::Verdict, digit * 10);
    header->resizeSection(ConformanceResultsModel::Duration, digit * 9);
    header->setSectionResizeMode(ConformanceResultsModel::Reason, QHeaderView::Stretch);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(nonPassOnly_);
    topLayout->addWidget(table_, 1);

    caseView_ = new ConformanceCaseView(this);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(caseView_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);

    connect(nonPassOnly_, &QCheckBox::toggled, this, [this](bool only) {
        proxy_->setFilterRegularExpression(only ? QRegularExpression(u"^(?!pass$)"_s)
                                                : QRegularExpression());
    });
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ConformanceTab::showSelected);
    return split;
}

bool ConformanceTab::start() {
    if (isRunning())
        return false;
    QString why;
    std::optional<ConformancePlan> plan = form_->plan(&why);
    if (!plan) {
        showError(why);
        return false;
    }
    delete run_.data();
    results_->clear();
    caseView_->showCase(nullptr, nullptr);
    error_->hide();
    error_->clear();
    auto* run = new ConformanceRun(std::move(*plan), this);
    run_ = run;
    connect(run, &ConformanceRun::caseStarted, this, &ConformanceTab::onCaseStarted);
    connect(run, &ConformanceRun::caseFinished, this, &ConformanceTab::onCaseFinished);
    connect(run, &ConformanceRun::problem, this, &ConformanceTab::showError);
    connect(run, &ConformanceRun::finished, this, &ConformanceTab::onRunFinished);
    if (!run->start()) {
        showError(run->error());
        status_->setText(tr("Not running"));
        tally_->plan({});
        progress_->setRange(0, 1);
        progress_->setValue(0);
        updateControls();
        return false;
    }
    const int total = int(run->cases().size());
    tally_->plan(run->cases());
    progress_->setFormat(tr("%v / %m cases"));
    progress_->setRange(0, total);
    progress_->setValue(0);
    status_->setText(tr("Starting %L1 cases against %2").arg(total).arg(targetText()));
    if (run->plan().target == ConformancePlan::Target::Client) {
        const QString pattern = run->urlPattern();
        clientUrl_->setText(
            run->plan().command.isEmpty()
                ? tr("Point the client under test at %1 (ID: the running case)").arg(pattern)
                : tr("Starting '%1' for each case with %2")
                      .arg(run->plan().command.join(u' '), pattern));
        clientUrl_->show();
    } else {
        clientUrl_->hide();
    }
    updateControls();
    updateTitle();
    return true;
}

void ConformanceTab::stop() {
    if (run_)
        run_->stop();
}

bool ConformanceTab::isRunning() const {
    return run_ && run_->isRunning();
}

QString ConformanceTab::targetText() const {
    if (!run_)
        return {};
    const ConformancePlan& plan = run_->plan();
    if (plan.target == ConformancePlan::Target::Server)
        return plan.url;
    return tr("the client at %1").arg(run_->urlPattern());
}

void ConformanceTab::onCaseStarted(const conformance::Case* testCase, int index,
                                   const QString& url) {
    if (!testCase)
        return;
    status_->setText(tr("Running %1 (%2 of %3): %4")
                         .arg(fromStd(testCase->id))
                         .arg(index + 1)
                         .arg(run_->cases().size())
                         .arg(fromStd(testCase->description)));
    if (!url.isEmpty() && run_->plan().command.isEmpty()) {
        clientUrl_->setText(
            tr("Point the client under test at %1 (now: %2)").arg(run_->urlPattern(), url));
    }
}

void ConformanceTab::onCaseFinished(const conformance::CaseResult& result,
                                    std::shared_ptr<const CaseRecording> recording) {
    results_->append(result, std::move(recording));
    const std::vector<conformance::CaseResult>& done = run_->results();
    progress_->setValue(int(done.size()));
    tally_->setSummary(conformance::summarize(done));
    updateTitle();
}

void ConformanceTab::onRunFinished() {
    const std::vector<conformance::CaseResult>& done = run_->results();
    const conformance::Summary summary = conformance::summarize(done);
    const QString counts = tallyText(summary.overall);
    if (run_->wasStopped()) {
        status_->setText(tr("Stopped after %1 of %2 cases against %3: %4")
                             .arg(done.size())
                             .arg(run_->cases().size())
                             .arg(targetText(), counts));
    } else {
        status_->setText(
            tr("Done: %1 cases against %2: %3").arg(done.size()).arg(targetText(), counts));
    }
    clientUrl_->hide();
    updateControls();
    updateTitle();
    emit runFinished();
}

void ConformanceTab::updateTitle() {
    if (!run_)
        return;
    QString target = run_->plan().url;
    if (run_->plan().target == ConformancePlan::Target::Client)
        target = tr("client");
    else if (const QUrl url(target); url.isValid() && !url.host().isEmpty())
        target = url.authority();
    const std::size_t done = run_->results().size();
    const std::size_t total = run_->cases().size();
    QString title;
    if (run_->isRunning()) {
        title = tr("Conformance %1 (%2/%3)").arg(target).arg(done).arg(total);
    } else if (run_->wasStopped()) {
        title = tr("Conformance %1 (stopped)").arg(target);
    } else {
        const conformance::Summary summary = conformance::summarize(run_->results());
        title = tr("Conformance %1: %2/%3 pass").arg(target).arg(summary.overall.pass).arg(done);
    }
    setWindowTitle(title);
}

void ConformanceTab::showSelected() {
    const QModelIndex current = table_->selectionModel()->currentIndex();
    if (!current.isValid()) {
        caseView_->showCase(nullptr, nullptr);
        return;
    }
    const int row = proxy_->mapToSource(current).row();
    caseView_->showCase(&results_->result(row), results_->recording(row));
}

bool ConformanceTab::selectCase(const QString& id) {
    for (int row = 0; row < proxy_->rowCount(); ++row) {
        const QModelIndex index = proxy_->index(row, ConformanceResultsModel::Id);
        if (index.data().toString() == id) {
            table_->selectionModel()->setCurrentIndex(
                index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            table_->scrollTo(index);
            return true;
        }
    }
    return false;
}

void ConformanceTab::showError(const QString& message) {
    error_->setText(message);
    error_->setVisible(!message.isEmpty());
}

void ConformanceTab::updateControls() {
    const bool running = isRunning();
    form_->setEditable(!running);
    start_->setEnabled(!running);
    stop_->setEnabled(running);
    const bool any = results_->rowCount() > 0;
    exportText_->setEnabled(any);
    exportJsonl_->setEnabled(any);
}

QString ConformanceTab::statusText() const {
    return status_->text();
}

QString ConformanceTab::errorText() const {
    return error_->text();
}

QString ConformanceTab::clientUrlText() const {
    return clientUrl_->isVisibleTo(this) ? clientUrl_->text() : QString();
}

QStringList ConformanceTab::reportLines(bool jsonl) const {
    const std::vector<conformance::CaseResult> done = results_->results();
    QStringList lines;
    for (const conformance::CaseResult& result : done)
        lines.append(jsonl ? conformance::caseLineJson(result) : conformance::caseLineText(result));
    const conformance::Summary summary = conformance::summarize(done);
    lines +=
        jsonl ? conformance::summaryLinesJson(summary) : conformance::summaryLinesText(summary);
    return lines;
}

bool ConformanceTab::exportReport(const QString& path, bool jsonl, QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error =
                tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }
    for (const QString& line : reportLines(jsonl))
        file.write(line.toUtf8() + '\n');
    if (!file.commit()) {
        if (error)
            *error =
                tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }
    return true;
}

void ConformanceTab::exportTo(bool jsonl) {
    const QString path = QFileDialog::getSaveFileName(
        this, jsonl ? tr("Export the Report as JSON Lines") : tr("Export the Report as Text"),
        jsonl ? u"conformance.jsonl"_s : u"conformance.txt"_s,
        jsonl ? tr("JSON Lines (*.jsonl);;All files (*)") : tr("Text (*.txt);;All files (*)"));
    if (path.isEmpty())
        return;
    QString why;
    if (!exportReport(path, jsonl, &why))
        return showError(why);
    status_->setText(tr("Exported the report to %1").arg(QDir::toNativeSeparators(path)));
}

QWidget* createConformanceTab(QWidget* parent) {
    return new ConformanceTab(parent);
}

}  // namespace sockscope::ui
