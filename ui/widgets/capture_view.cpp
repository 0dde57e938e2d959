#include "widgets/capture_view.h"

#include <QDataStream>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QScrollBar>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QVBoxLayout>

#include "inspector/anomaly_table_model.h"
#include "inspector/connection_table_model.h"
#include "inspector/handshake_report.h"
#include "inspector/tls_report.h"
#include "widgets/details_panel.h"
#include "widgets/filter_bar.h"
#include "widgets/handshake_view.h"
#include "widgets/message_content_view.h"
#include "widgets/statistics_view.h"

namespace sockscope::ui {
namespace {

// Bumped when the saved layout's shape changes, so an old one is ignored.
constexpr quint32 kStateVersion = 2;  // 2: the connection table's TLS column

// Rows of equal height that are never measured one by one: with millions of
// rows a view that sizes rows to contents would read every row.
QTableView* makeTable(QAbstractItemModel* model, QWidget* parent) {
    auto* table = new QTableView(parent);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->setShowGrid(false);
    table->setTabKeyNavigation(false);
    table->verticalHeader()->setVisible(false);
    table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    table->horizontalHeader()->setHighlightSections(false);
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setSectionsMovable(true);
    return table;
}

// Widths in characters of the font: what a typical value needs.
void setColumnWidths(QTableView* table, std::initializer_list<std::pair<int, int>> widths) {
    const int ch = table->fontMetrics().horizontalAdvance(QLatin1Char('0'));
    for (const auto& [column, chars] : widths)
        table->setColumnWidth(column, chars * ch + 16);
}

}  // namespace

CaptureView::CaptureView(QWidget* parent)
    : QWidget(parent), document_(std::make_unique<CaptureDocument>()) {
    connections_ = new ConnectionTableModel(*document_, this);
    messages_ = new MessageTableModel(*document_, this);
    anomalies_ = new AnomalyTableModel(*document_, this);
    buildLayout();

    connect(connectionTable_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CaptureView::onConnectionSelectionChanged);
    connect(messageTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &CaptureView::onRowSelected);
    connect(messages_, &QAbstractItemModel::rowsInserted, this, &CaptureView::onRowsInserted);
    connect(messages_, &QAbstractItemModel::modelReset, this, &CaptureView::countsChanged);
    connect(filterBar_, &FilterBar::filterApplied, this, [this] {
        onRowSelected();
        emit countsChanged();
    });
    connect(details_, &DetailsPanel::frameActivated, this, &CaptureView::goToFrame);
    connect(anomalyTable_, &QTableView::activated, this, &CaptureView::onAnomalyActivated);
    connect(anomalies_, &QAbstractItemModel::rowsInserted, this, [this] {
        connectionTabs_->setTabText(3, tr("Anomalies (%L1)").arg(anomalies_->rowCount()));
    });
    connect(anomalies_, &QAbstractItemModel::modelReset, this, [this] {
        connectionTabs_->setTabText(3, tr("Anomalies (%L1)").arg(anomalies_->rowCount()));
    });
    // A connection that changes (counts, end, handshake) may be the one shown.
    connect(document_.get(), &CaptureDocument::appended, this, [this] {
        if (connectionTabs_->currentWidget() != anomalyTable_)
            onConnectionSelectionChanged();
    });
    connect(document_.get(), &CaptureDocument::finished, this, [this] {
        onConnectionSelectionChanged();
        emit countsChanged();
    });
    // Scrolling away from the newest row pauses following; back to the bottom resumes it.
    connect(messageTable_->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (autoScrolling_)
            return;
        const bool atBottom = value >= messageTable_->verticalScrollBar()->maximum();
        if (atBottom != followTail_)
            setFollowTail(atBottom);
    });
}

CaptureView::~CaptureView() {
    // Stop the loader before the models go: its last batches must not arrive half-way.
    document_->cancel();
    document_->stop();
    // Child widgets and models would outlive document_ (QWidget deletes its
    // children after the members are gone), and they all point at it.
    delete vertical_;
    delete anomalies_;
    delete messages_;
    delete connections_;
}

void CaptureView::buildLayout() {
    connectionTable_ = makeTable(connections_, this);
    connectionTable_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    setColumnWidths(connectionTable_, {{ConnectionTableModel::Id, 4},
                                       {ConnectionTableModel::Client, 20},
                                       {ConnectionTableModel::Server, 20},
                                       {ConnectionTableModel::Tls, 18},
                                       {ConnectionTableModel::Target, 14},
                                       {ConnectionTableModel::Subprotocol, 10},
                                       {ConnectionTableModel::Extensions, 24},
                                       {ConnectionTableModel::MessagesOut, 8},
                                       {ConnectionTableModel::MessagesIn, 8},
                                       {ConnectionTableModel::BytesOut, 9},
                                       {ConnectionTableModel::BytesIn, 9},
                                       {ConnectionTableModel::Duration, 9},
                                       {ConnectionTableModel::End, 26},
                                       {ConnectionTableModel::Anomalies, 9}});

    filterBar_ = new FilterBar(*document_, *messages_, this);
    messageTable_ = makeTable(messages_, this);
    messageTable_->setSelectionMode(QAbstractItemView::SingleSelection);
    setColumnWidths(messageTable_, {{MessageTableModel::Number, 8},
                                    {MessageTableModel::Time, 13},
                                    {MessageTableModel::Connection, 5},
                                    {MessageTableModel::Direction, 10},
                                    {MessageTableModel::Opcode, 11},
                                    {MessageTableModel::Length, 9},
                                    {MessageTableModel::WireLength, 9},
                                    {MessageTableModel::Fin, 4},
                                    {MessageTableModel::Masked, 7},
                                    {MessageTableModel::Compressed, 8}});

    auto* messagesPane = new QWidget(this);
    auto* messagesLayout = new QVBoxLayout(messagesPane);
    messagesLayout->setContentsMargins(0, 0, 0, 0);
    messagesLayout->setSpacing(2);
    messagesLayout->addWidget(filterBar_);
    messagesLayout->addWidget(messageTable_);

    details_ = new DetailsPanel(*document_, this);
    handshake_ = new HandshakeView(this);
    statistics_ = new StatisticsView(*document_, this);
    anomalyTable_ = makeTable(anomalies_, this);
    setColumnWidths(anomalyTable_, {{0, 5}, {1, 13}, {2, 5}, {3, 5}, {4, 26}, {5, 16}});
    connectionTabs_ = new QTabWidget(this);
    connectionTabs_->setDocumentMode(true);
    connectionTabs_->addTab(details_, tr("&Details"));
    connectionTabs_->addTab(handshake_, tr("&Handshake"));
    connectionTabs_->addTab(statistics_, tr("&Statistics"));
    connectionTabs_->addTab(anomalyTable_, tr("Anomalies (0)"));

    vertical_ = new QSplitter(Qt::Vertical, this);
    vertical_->setChildrenCollapsible(false);
    vertical_->addWidget(connectionTable_);
    vertical_->addWidget(messagesPane);
    vertical_->addWidget(connectionTabs_);
    vertical_->setStretchFactor(0, 2);
    vertical_->setStretchFactor(1, 5);
    vertical_->setStretchFactor(2, 4);
    vertical_->setSizes({150, 420, 380});

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(vertical_);
}

std::set<std::uint32_t> CaptureView::selectedConnections() const {
    std::set<std::uint32_t> ids;
    for (const QModelIndex& index : connectionTable_->selectionModel()->selectedRows())
        ids.insert(connections_->connectionAt(index.row()));
    return ids;
}

void CaptureView::onConnectionSelectionChanged() {
    const std::set<std::uint32_t> ids = selectedConnections();
    if (sender() == connectionTable_->selectionModel()) {
        filterBar_->setConnections(ids);
        anomalies_->setConnections(ids);
    }
    // The panes show one connection: the first selected, or the only one there is.
    std::uint32_t shown = 0;
    if (!ids.empty())
        shown = *ids.begin();
    else if (document_->index().connections().size() == 1)
        shown = document_->index().connections().begin()->first;
    handshake_->showConnection(shown ? document_->index().connection(shown) : nullptr,
                               shown ? detectionText(document_->index(), shown) : QString(),
                               shown ? tlsReportFor(document_->index(), shown) : TlsReport{});
    if (connectionTabs_->currentWidget() == statistics_ || sender() != document_.get())
        statistics_->showConnection(shown);
}

void CaptureView::onRowSelected() {
    const QModelIndex current = messageTable_->selectionModel()->currentIndex();
    if (!current.isValid()) {
        details_->clear();
        return;
    }
    const RowId id = messages_->rowId(current.row());
    if (messages_->mode() == MessageTableModel::Mode::Frames)
        details_->showFrame(id);
    else
        details_->showMessage(id);
}

void CaptureView::onRowsInserted() {
    emit countsChanged();
    if (!followTail_)
        return;
    autoScrolling_ = true;
    messageTable_->scrollToBottom();
    autoScrolling_ = false;
}

void CaptureView::setFollowTail(bool follow) {
    if (follow == followTail_)
        return;
    followTail_ = follow;
    if (follow) {
        autoScrolling_ = true;
        messageTable_->scrollToBottom();
        autoScrolling_ = false;
    }
    emit followTailChanged(follow);
}

void CaptureView::setTimeDisplay(TimeDisplay display) {
    messages_->setTimeDisplay(display);
    anomalies_->setTimeDisplay(display);
}

void CaptureView::setFonts(const QFont& table, const QFont& fixed) {
    for (QTableView* view : {connectionTable_, messageTable_, anomalyTable_}) {
        view->setFont(table);
        view->verticalHeader()->setDefaultSectionSize(QFontMetrics(table).height() + 6);
    }
    details_->setFixedFont(fixed);
}

void CaptureView::setTextOptions(TextEncoding encoding, int jsonIndent) {
    details_->contentView()->setTextOptions(encoding, jsonIndent);
    messages_->setTextEncoding(encoding);
}

void CaptureView::keepFiles(std::unique_ptr<QTemporaryDir> directory) {
    files_ = std::move(directory);
}

void CaptureView::focusSearch() {
    filterBar_->focusSearch();
}

bool CaptureView::goToFrame(RowId frame) {
    if (frame == kNoRow || frame >= document_->index().frameCount())
        return false;
    if (messages_->mode() != MessageTableModel::Mode::Frames)
        filterBar_->showFrames(true);
    const int row = messages_->rowOf(frame);
    if (row < 0)
        return false;
    setFollowTail(false);
    const QModelIndex index = messages_->index(row, MessageTableModel::Number);
    messageTable_->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    messageTable_->scrollTo(index, QAbstractItemView::PositionAtCenter);
    connectionTabs_->setCurrentWidget(details_);
    return true;
}

void CaptureView::onAnomalyActivated(const QModelIndex& index) {
    const QVariant frame = anomalies_->data(index, AnomalyTableModel::FrameRole);
    if (frame.isValid())
        goToFrame(frame.toULongLong());
}

QByteArray CaptureView::saveState() const {
    QByteArray state;
    QDataStream out(&state, QIODevice::WriteOnly);
    out << kStateVersion << vertical_->saveState()
        << connectionTable_->horizontalHeader()->saveState()
        << messageTable_->horizontalHeader()->saveState() << connectionTabs_->currentIndex();
    return state;
}

void CaptureView::restoreState(const QByteArray& state) {
    QDataStream in(state);
    quint32 version = 0;
    QByteArray splitter, connectionHeader, messageHeader;
    int tab = 0;
    in >> version >> splitter >> connectionHeader >> messageHeader >> tab;
    if (in.status() != QDataStream::Ok || version != kStateVersion)
        return;
    vertical_->restoreState(splitter);
    connectionTable_->horizontalHeader()->restoreState(connectionHeader);
    messageTable_->horizontalHeader()->restoreState(messageHeader);
    if (tab >= 0 && tab < connectionTabs_->count())
        connectionTabs_->setCurrentIndex(tab);
}

}  // namespace sockscope::ui
