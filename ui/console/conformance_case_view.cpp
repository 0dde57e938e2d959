#include "console/conformance_case_view.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "console/conformance_frames_model.h"
#include "console/conformance_results_model.h"
#include "console/payload_text.h"
#include "inspector/capture_records.h"
#include "inspector/payload_reader.h"
#include "session/qt_text.h"
#include "widgets/hex_view.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {
namespace {

namespace conformance = session::conformance;

QString frameCount(std::uint64_t n) {
    return n == 1 ? QObject::tr("1 frame") : QObject::tr("%L1 frames").arg(n);
}

QString directionTotals(const CaseRecording& recording, bool outgoing) {
    const CaseRecording::Totals& totals = recording.totals(outgoing);
    QString text = QObject::tr("%1: %2 in %3")
                       .arg(wireDirectionText(recording, outgoing),
                            byteCount(qsizetype(totals.bytes)), frameCount(totals.frames));
    if (const std::uint64_t notKept = recording.bytesNotKept(outgoing); notKept > 0) {
        text += notKept == 1 ? QObject::tr("; 1 more byte not kept")
                             : QObject::tr("; %L1 more bytes not kept").arg(notKept);
        if (totals.framesNotListed > 0)
            text += QObject::tr(" (%1 not listed)").arg(frameCount(totals.framesNotListed));
    }
    return text;
}

}  // namespace

ConformanceCaseView::ConformanceCaseView(QWidget* parent) : QWidget(parent) {
    title_ = new QLabel(this);
    title_->setWordWrap(true);
    title_->setTextFormat(Qt::RichText);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    totals_ = new QLabel(this);
    totals_->setWordWrap(true);
    totals_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    model_ = new ConformanceFramesModel(this);
    table_ = new QTableView(this);
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setWordWrap(false);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    // Fixed widths: ResizeToContents would measure every row of a flood case.
    QHeaderView* header = table_->horizontalHeader();
    header->setStretchLastSection(true);
    const int digit = fontMetrics().horizontalAdvance(u'0');
    header->resizeSection(ConformanceFramesModel::Number, digit * 6);
    header->resizeSection(ConformanceFramesModel::Direction, digit * 17);
    header->resizeSection(ConformanceFramesModel::Opcode, digit * 15);
    header->resizeSection(ConformanceFramesModel::Fin, digit * 5);
    header->resizeSection(ConformanceFramesModel::Rsv, digit * 5);
    header->resizeSection(ConformanceFramesModel::Mask, digit * 10);
    header->resizeSection(ConformanceFramesModel::Length, digit * 11);

    hex_ = new HexView(this);
    head_ = new QPlainTextEdit(this);
    head_->setReadOnly(true);
    head_->setLineWrapMode(QPlainTextEdit::NoWrap);
    head_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    detail_ = new QStackedWidget(this);
    detail_->addWidget(hex_);
    detail_->addWidget(head_);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(table_);
    split->addWidget(detail_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title_);
    layout->addWidget(totals_);
    layout->addWidget(split, 1);

    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showRow(current.row()); });
    showCase(nullptr, nullptr);
}

void ConformanceCaseView::showCase(const conformance::CaseResult* result,
                                   std::shared_ptr<const CaseRecording> recording) {
    model_->setRecording(recording);
    if (!result || !result->testCase) {
        title_->setText(tr("Select a case to see its frames."));
        totals_->clear();
        hex_->showNote(QString());
        detail_->setCurrentWidget(hex_);
        return;
    }
    const conformance::Case& testCase = *result->testCase;
    const QString verdict = fromStd(conformance::verdictName(result->verdict));
    title_->setText(
        u"<b>%1</b> &nbsp;<b style=\"color:%2\">%3</b> &nbsp;%4 <i>(%5)</i><br>%6"_s.arg(
            fromStd(testCase.id).toHtmlEscaped(), verdictColour(result->verdict).name(), verdict,
            fromStd(testCase.description).toHtmlEscaped(), fromStd(testCase.rfc).toHtmlEscaped(),
            fromStd(result->reason).toHtmlEscaped()));
    title_->setToolTip(fromStd(testCase.id) + u' ' + verdict + u": "_s + fromStd(result->reason));
    if (!recording) {
        totals_->setText(tr("No connection was made: nothing was recorded."));
    } else {
        totals_->setText(directionTotals(*recording, true) + u'\n' +
                         directionTotals(*recording, false));
    }
    hex_->showNote(model_->rowCount() > 0 ? tr("Select a row to see its bytes.") : QString());
    detail_->setCurrentWidget(hex_);
}

QString ConformanceCaseView::titleText() const {
    return title_->toolTip();
}

QString ConformanceCaseView::totalsText() const {
    return totals_->text();
}

QString ConformanceCaseView::detailText() const {
    return detail_->currentWidget() == head_ ? head_->toPlainText() : hex_->text();
}

void ConformanceCaseView::showRow(int index) {
    const WireRow* row = model_->row(index);
    const std::shared_ptr<const CaseRecording>& recording = model_->recording();
    if (!row || !recording) {
        hex_->showNote(QString());
        detail_->setCurrentWidget(hex_);
        return;
    }
    const std::span<const std::uint8_t> bytes = recording->rowBytes(*row);
    if (row->kind == WireRow::Kind::Head) {
        QString text =
            QString::fromUtf8(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
        // A CR would show as a box at every line's end.
        text.replace(u"\r\n"_s, u"\n"_s);
        head_->setPlainText(text);
        detail_->setCurrentWidget(head_);
        return;
    }
    detail_->setCurrentWidget(hex_);
    const QString origin =
        tr("#%1 %2").arg(index + 1).arg(wireDirectionText(*recording, row->outgoing));
    const std::size_t headerLength = row->kind == WireRow::Kind::Frame ? row->header.size() : 0;
    if (row->kind != WireRow::Kind::Frame || bytes.size() < headerLength) {
        if (bytes.empty())
            hex_->showNote(origin + u'\n' + tr("These bytes were not kept."));
        else
            hex_->showBytes(bytes.first(std::min(bytes.size(), hex_->limit())),
                            headerLength + row->length);
        return;
    }
    FrameRecord frame;
    frame.headerLength = std::uint8_t(headerLength);
    frame.payloadLength = row->length;
    frame.opcode = row->header.opcode;
    FrameBytes frameBytes;
    const std::size_t payloadShown = std::min(bytes.size() - headerLength, hex_->limit());
    frameBytes.raw.assign(bytes.begin(),
                          bytes.begin() + std::ptrdiff_t(headerLength + payloadShown));
    frameBytes.payload = recording->payload(*row, payloadShown);
    if (row->header.masked)
        frameBytes.maskKey = row->header.maskKey;
    frameBytes.complete = payloadShown == row->length;
    hex_->showFrame(frame, frameBytes, origin);
}

}  // namespace sockscope::ui
