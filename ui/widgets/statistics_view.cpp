#include "widgets/statistics_view.h"

#include <sockscope/core/opcode.h>

#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

#include "session/qt_text.h"
#include "widgets/bar_chart.h"
#include "widgets/line_chart.h"

namespace sockscope::ui {
namespace {

using dissector::Direction;

// A slice of message records per event-loop turn: a few milliseconds of work.
constexpr RowId kStepRecords = 400000;
constexpr int kRateBuckets = 60;
constexpr int kRoundTripRows = 1000;

const QColor kClientColor(0xd6, 0x5f, 0x00);
const QColor kServerColor(0x1f, 0x77, 0xb4);

QString bytesText(std::uint64_t n) {
    if (n < 10 * 1024)
        return StatisticsView::tr("%1 B").arg(n);
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = double(n) / 1024;
    int unit = 0;
    while (v >= 1024 && unit < 3) {
        v /= 1024;
        ++unit;
    }
    return QStringLiteral("%1 %2").arg(v, 0, 'f', 1).arg(QLatin1String(units[unit]));
}

QString durationText(double ns) {
    const double a = std::abs(ns);
    if (a < 1e6)
        return StatisticsView::tr("%1 µs").arg(ns / 1e3, 0, 'f', 1);
    if (a < 1e10)
        return StatisticsView::tr("%1 ms").arg(ns / 1e6, 0, 'f', 3);
    return StatisticsView::tr("%1 s").arg(ns / 1e9, 0, 'f', 3);
}

// A bucket width as people say it: "50 ms", "2 s", "500 µs" (widths are round).
QString bucketText(double ns) {
    if (ns < 1e6)
        return StatisticsView::tr("%1 µs").arg(QString::number(ns / 1e3, 'g', 6));
    if (ns < 1e9)
        return StatisticsView::tr("%1 ms").arg(QString::number(ns / 1e6, 'g', 6));
    return StatisticsView::tr("%1 s").arg(QString::number(ns / 1e9, 'g', 6));
}

QString countAndBytes(const OpcodeTotals& t) {
    return t.messages ? StatisticsView::tr("%1 (%2)").arg(t.messages).arg(bytesText(t.bytes))
                      : QStringLiteral("0");
}

}  // namespace

StatisticsView::StatisticsView(const CaptureDocument& document, QWidget* parent)
    : QWidget(parent), document_(document), slice_(kStepRecords) {
    stepTimer_ = new QTimer(this);
    stepTimer_->setInterval(0);
    connect(stepTimer_, &QTimer::timeout, this, &StatisticsView::step);
    refreshTimer_ = new QTimer(this);
    refreshTimer_->setSingleShot(true);
    refreshTimer_->setInterval(1000);
    connect(refreshTimer_, &QTimer::timeout, this, &StatisticsView::refresh);
    connect(&document, &CaptureDocument::appended, this, [this] {
        if (conn_ != 0 && !refreshTimer_->isActive())
            refreshTimer_->start();
    });
    connect(&document, &CaptureDocument::finished, this, [this] {
        refreshTimer_->stop();
        if (conn_ != 0)
            start();
    });

    stack_ = new QStackedWidget(this);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(stack_);
    empty_ = new QLabel(tr("Select a connection to see its statistics."), stack_);
    empty_->setAlignment(Qt::AlignCenter);
    empty_->setEnabled(false);
    stack_->addWidget(empty_);
    progress_ = new QLabel(stack_);
    progress_->setAlignment(Qt::AlignCenter);
    stack_->addWidget(progress_);

    auto* scroll = new QScrollArea(stack_);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* page = new QWidget(scroll);
    auto* layout = new QVBoxLayout(page);
    heading_ = new QLabel(page);
    heading_->setWordWrap(true);
    heading_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(heading_);

    summary_ = new QTableWidget(0, 2, page);
    summary_->setHorizontalHeaderLabels({tr("client →"), tr("← server")});
    summary_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    summary_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    summary_->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    layout->addWidget(summary_);

    auto* form = new QFormLayout;
    roundTripSummary_ = new QLabel(page);
    roundTripSummary_->setWordWrap(true);
    form->addRow(tr("Ping round trips:"), roundTripSummary_);
    close_ = new QLabel(page);
    close_->setWordWrap(true);
    form->addRow(tr("Close:"), close_);
    layout->addLayout(form);

    roundTrips_ = new QTableWidget(0, 3, page);
    roundTrips_->setHorizontalHeaderLabels(
        {tr("Ping from"), tr("Ping → pong (message)"), tr("Round trip")});
    roundTrips_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    roundTrips_->verticalHeader()->hide();
    roundTrips_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    roundTrips_->setMaximumHeight(160);
    layout->addWidget(roundTrips_);

    sizes_ = new BarChart(page);
    layout->addWidget(sizes_);
    rate_ = new LineChart(page);
    layout->addWidget(rate_);
    layout->addStretch();
    scroll->setWidget(page);
    stack_->addWidget(scroll);
    stack_->setCurrentWidget(empty_);
}

StatisticsView::~StatisticsView() = default;

void StatisticsView::showConnection(std::uint32_t conn) {
    conn_ = conn;
    shown_.reset();
    refreshTimer_->stop();
    if (conn == 0) {
        stepTimer_->stop();
        builder_.reset();
        stack_->setCurrentWidget(empty_);
        return;
    }
    start();
}

void StatisticsView::start() {
    if (conn_ == 0)
        return;
    builder_ = std::make_unique<StatisticsBuilder>(document_, conn_, kRateBuckets);
    computedFrom_ = stateOf(conn_);
    step();  // small captures are done at once, without a "computing" flash
}

StatisticsView::RecordState StatisticsView::stateOf(std::uint32_t conn) const {
    const ConnectionRecord* c = document_.index().connection(conn);
    if (!c)
        return {};
    return {true, c->lastNs, c->client_.messages + c->server_.messages, c->end.has_value()};
}

// While loading, only when the connection itself changed, and never by
// throwing away a computation in progress (a long one would never finish).
void StatisticsView::refresh() {
    if (conn_ == 0 || builder_ || stateOf(conn_) == computedFrom_)
        return;
    start();
}

void StatisticsView::step() {
    if (!builder_) {
        stepTimer_->stop();
        return;
    }
    if (builder_->step(slice_)) {
        stepTimer_->stop();
        present();
        return;
    }
    if (!shown_) {
        progress_->setText(tr("Computing statistics… %1 %").arg(int(builder_->progress() * 100)));
        stack_->setCurrentWidget(progress_);
    }
    if (!stepTimer_->isActive())
        stepTimer_->start();
}

void StatisticsView::present() {
    shown_ = std::make_unique<ConnectionStatistics>(builder_->result());
    builder_.reset();
    const ConnectionStatistics& s = *shown_;
    const ConnectionRecord* record = document_.index().connection(s.conn);
    if (!s.known || !record) {
        heading_->setText(tr("Connection %1 is not in the capture.").arg(s.conn));
    } else {
        heading_->setText(tr("Connection %1: %2 → %3, %4, %5 messages")
                              .arg(s.conn)
                              .arg(fromStd(record->client.toString()),
                                   fromStd(record->server.toString()),
                                   durationText(double(s.lastNs - s.firstNs)))
                              .arg(s.client.messages + s.server.messages));
    }
    fillSummary(s);
    fillRoundTrips(s);
    close_->setText(closeSummary(s));
    fillCharts(s);
    stack_->setCurrentIndex(2);
}

void StatisticsView::fillSummary(const ConnectionStatistics& s) {
    struct Row {
        QString name;
        QString client;
        QString server;
    };
    std::vector<Row> rows;
    const auto both = [&](const QString& name, auto text) {
        rows.push_back({name, text(s.client), text(s.server)});
    };
    both(tr("Messages"), [](const DirectionStatistics& d) { return QString::number(d.messages); });
    both(tr("Frames"), [](const DirectionStatistics& d) { return QString::number(d.frames); });
    both(tr("Bytes"), [](const DirectionStatistics& d) { return bytesText(d.bytes); });
    both(tr("Bytes on the wire"),
         [](const DirectionStatistics& d) { return bytesText(d.wireBytes); });
    for (int op = 0; op < 16; ++op) {
        const bool common = op == 1 || op == 2 || (op >= 8 && op <= 10);
        if (!common && !s.client.opcodes[std::size_t(op)].messages &&
            !s.server.opcodes[std::size_t(op)].messages)
            continue;
        const std::string_view name = opcodeName(std::uint8_t(op));
        const QString label = QString::fromLatin1(name.data(), qsizetype(name.size()));
        both(label.left(1).toUpper() + label.mid(1), [op](const DirectionStatistics& d) {
            return countAndBytes(d.opcodes[std::size_t(op)]);
        });
    }
    both(tr("Fragmented messages"),
         [](const DirectionStatistics& d) { return QString::number(d.fragmentedMessages); });
    both(tr("Frames per fragmented message"), [](const DirectionStatistics& d) {
        return d.fragmentedMessages ? QString::number(d.framesPerFragmentedMessage(), 'f', 2)
                                    : QStringLiteral("–");
    });
    both(tr("Compressed messages"),
         [](const DirectionStatistics& d) { return QString::number(d.compressedMessages); });
    both(tr("Compression"), [](const DirectionStatistics& d) {
        return d.compressedMessages
                   ? tr("%1 → %2 (%3 : 1)")
                         .arg(bytesText(d.compressedBytes), bytesText(d.compressedWireBytes))
                         .arg(d.compressionRatio(), 0, 'f', 2)
                   : QStringLiteral("–");
    });
    both(tr("Invalid messages"),
         [](const DirectionStatistics& d) { return QString::number(d.invalidMessages); });

    summary_->setRowCount(int(rows.size()));
    QStringList names;
    for (int r = 0; r < int(rows.size()); ++r) {
        const Row& row = rows[std::size_t(r)];
        names << row.name;
        for (int c = 0; c < 2; ++c) {
            auto* item = new QTableWidgetItem(c == 0 ? row.client : row.server);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            summary_->setItem(r, c, item);
        }
    }
    summary_->setVerticalHeaderLabels(names);
}

void StatisticsView::fillRoundTrips(const ConnectionStatistics& s) {
    QString text;
    if (s.roundTripCount)
        text = tr("%1 answered: min %2, avg %3, max %4")
                   .arg(s.roundTripCount)
                   .arg(durationText(double(s.minRttNs)), durationText(s.averageRttNs),
                        durationText(double(s.maxRttNs)));
    else
        text = tr("none answered");
    if (s.unansweredPings)
        text += tr("; %1 unanswered").arg(s.unansweredPings);
    if (s.unsolicitedPongs == 1)
        text += tr("; 1 pong without a ping");
    else if (s.unsolicitedPongs)
        text += tr("; %1 pongs without a ping").arg(s.unsolicitedPongs);
    roundTripSummary_->setText(text);

    const int rows = int(std::min<std::size_t>(s.roundTrips.size(), kRoundTripRows));
    roundTrips_->setRowCount(rows);
    for (int r = 0; r < rows; ++r) {
        const PingRoundTrip& t = s.roundTrips[std::size_t(r)];
        roundTrips_->setItem(
            r, 0,
            new QTableWidgetItem(t.pingFrom == Direction::Server ? tr("server") : tr("client")));
        roundTrips_->setItem(
            r, 1, new QTableWidgetItem(QStringLiteral("%1 → %2").arg(t.ping + 1).arg(t.pong + 1)));
        roundTrips_->setItem(r, 2, new QTableWidgetItem(durationText(double(t.rttNs))));
    }
    roundTrips_->setVisible(rows > 0);
}

void StatisticsView::fillCharts(const ConnectionStatistics& s) {
    const int used = s.usedSizeBuckets();
    ChartAxes sizeAxes;
    sizeAxes.title = tr("Message sizes (text and binary)");
    sizeAxes.xTitle = tr("size in bytes, decompressed");
    sizeAxes.yTitle = tr("messages");
    sizeAxes.integerValues = true;
    ChartSeries clientSizes{tr("client"), kClientColor, {}};
    ChartSeries serverSizes{tr("server"), kServerColor, {}};
    for (int k = 0; k < used; ++k) {
        sizeAxes.categories << sizeBucketLabel(k);
        clientSizes.values.push_back(double(s.client.sizes[std::size_t(k)]));
        serverSizes.values.push_back(double(s.server.sizes[std::size_t(k)]));
    }
    sizes_->setAxes(sizeAxes);
    sizes_->setSeries({clientSizes, serverSizes});

    // Bucket start times in the unit that suits the connection's length.
    const double span = double(s.lastNs - s.firstNs);
    const bool seconds = span >= 2e9;
    const double unit = seconds ? 1e9 : 1e6;
    ChartAxes rateAxes;
    rateAxes.title = tr("Message rate");
    rateAxes.xTitle = seconds ? tr("seconds since the connection began")
                              : tr("milliseconds since the connection began");
    rateAxes.yTitle = tr("messages per %1").arg(bucketText(double(s.rateBucketNs)));
    rateAxes.integerValues = true;
    ChartSeries clientRate{tr("client"), kClientColor, {}};
    ChartSeries serverRate{tr("server"), kServerColor, {}};
    for (std::size_t i = 0; i < s.client.rate.size(); ++i) {
        rateAxes.categories << QString::number(double(i) * double(s.rateBucketNs) / unit, 'g', 4);
        clientRate.values.push_back(double(s.client.rate[i]));
        serverRate.values.push_back(i < s.server.rate.size() ? double(s.server.rate[i]) : 0);
    }
    rate_->setAxes(rateAxes);
    rate_->setSeries({clientRate, serverRate});
}

bool StatisticsView::isEmptyState() const {
    return stack_->currentWidget() == empty_;
}

QString StatisticsView::headingText() const {
    return heading_->text();
}

QString StatisticsView::roundTripText() const {
    return roundTripSummary_->text();
}

QString StatisticsView::closeText() const {
    return close_->text();
}

}  // namespace sockscope::ui
