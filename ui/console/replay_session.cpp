#include "console/replay_session.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFont>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <functional>

#include "console/payload_text.h"
#include "console/session_pane.h"
#include "console/tls_options_box.h"
#include "inspector/capture_document.h"
#include "session/answer_comparison.h"
#include "session/session_recorder.h"
#include "sockscope/core/opcode.h"

using namespace Qt::StringLiterals;

namespace sockscope::ui {

namespace {

constexpr std::uint8_t kText = std::uint8_t(Opcode::Text);
constexpr std::uint8_t kClose = std::uint8_t(Opcode::Close);
constexpr qsizetype kCellChars = 200;  // a cell shows this much of a payload; the editor all

enum Column {
    OpcodeColumn,
    PayloadColumn,
    FragmentsColumn,
    CloseCodeColumn,
    OffsetColumn,
    Columns
};

const QStringList& opcodeNames() {
    static const QStringList names{u"text"_s, u"binary"_s, u"ping"_s, u"pong"_s, u"close"_s};
    return names;
}

QString elided(const QString& text, qsizetype limit) {
    return text.size() <= limit ? text : text.left(limit) + QChar(0x2026);
}

bool isUtf8(const QByteArray& bytes) {
    QString decoded = QString::fromUtf8(bytes);
    return decoded.toUtf8() == bytes;
}

// One answer in a comparison cell: opcode, close code, and the payload as text or hex.
QString answerText(const ReplayStep& answer) {
    QString text = session::replayOpcodeName(answer.opcode);
    if (answer.closeCode) {
        text += u' ' + QString::number(*answer.closeCode);
    }
    if (answer.payload.isEmpty()) {
        return text;
    }
    const QString payload = isUtf8(answer.payload)
                                ? u'"' + elided(QString::fromUtf8(answer.payload), 80) + u'"'
                                : hexText(answer.payload, 32);
    return text + u' ' + payload;
}

// Picks an opcode by name instead of typing it.
class OpcodeDelegate final : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem&,
                          const QModelIndex&) const override {
        auto* box = new QComboBox(parent);
        box->addItems(opcodeNames());
        return box;
    }
    void setEditorData(QWidget* editor, const QModelIndex& index) const override {
        auto* box = static_cast<QComboBox*>(editor);
        box->setCurrentIndex(std::max(0, int(box->findText(index.data(Qt::EditRole).toString()))));
    }
    void setModelData(QWidget* editor, QAbstractItemModel* model,
                      const QModelIndex& index) const override {
        model->setData(index, static_cast<QComboBox*>(editor)->currentText(), Qt::EditRole);
    }
};

}  // namespace

// The steps as an editable table. Edits that do not parse are refused and
// reported through `onError` (which step, what is wrong).
class ReplayStepModel final : public QAbstractTableModel {
    Q_OBJECT

public:
    explicit ReplayStepModel(QObject* parent) : QAbstractTableModel(parent) {}

    std::function<void(const QString&)> onError;

    const std::vector<ReplayStep>& steps() const { return steps_; }
    void setSteps(std::vector<ReplayStep> steps) {
        beginResetModel();
        steps_ = std::move(steps);
        endResetModel();
    }
    void setMode(ReplaySession::PayloadMode mode) {
        mode_ = mode;
        if (!steps_.empty()) {
            emit dataChanged(index(0, PayloadColumn), index(rowCount() - 1, PayloadColumn));
        }
    }

    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : int(steps_.size());
    }
    int columnCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : Columns;
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override {
        if (role != Qt::DisplayRole) {
            return {};
        }
        if (orientation == Qt::Vertical) {
            return section + 1;
        }
        switch (section) {
            case OpcodeColumn:
                return tr("Opcode");
            case PayloadColumn:
                return mode_ == ReplaySession::PayloadMode::Hex ? tr("Payload (hex)")
                                                                : tr("Payload (text)");
            case FragmentsColumn:
                return tr("Fragments");
            case CloseCodeColumn:
                return tr("Close code");
            case OffsetColumn:
                return tr("Offset (ms)");
            default:
                return {};
        }
    }

    Qt::ItemFlags flags(const QModelIndex& index) const override {
        if (!index.isValid()) {
            return Qt::NoItemFlags;
        }
        Qt::ItemFlags f = Qt::ItemIsSelectable | Qt::ItemIsEnabled;
        const ReplayStep& s = steps_[std::size_t(index.row())];
        const bool editable = (index.column() != FragmentsColumn || !isControlOpcode(s.opcode)) &&
                              (index.column() != CloseCodeColumn || s.opcode == kClose) &&
                              (index.column() != PayloadColumn || !shownAsHex(s.payload) ||
                               mode_ == ReplaySession::PayloadMode::Hex);
        return editable ? f | Qt::ItemIsEditable : f;
    }

    QVariant data(const QModelIndex& index, int role) const override {
        if (!index.isValid() || index.row() >= rowCount()) {
            return {};
        }
        const ReplayStep& s = steps_[std::size_t(index.row())];
        if (index.column() == PayloadColumn && mode_ == ReplaySession::PayloadMode::Text &&
            shownAsHex(s.payload)) {
            if (role == Qt::ToolTipRole) {
                return tr("Not valid UTF-8: shown as hex; choose \"Payload as hex\" to edit it.");
            }
            if (role == Qt::FontRole) {
                QFont font;
                font.setItalic(true);
                return font;
            }
        }
        if (role != Qt::DisplayRole && role != Qt::EditRole) {
            return {};
        }
        const bool edit = role == Qt::EditRole;
        switch (index.column()) {
            case OpcodeColumn:
                return session::replayOpcodeName(s.opcode);
            case PayloadColumn:
                return payloadText(s.payload, edit);
            case FragmentsColumn:
                return edit || s.frameSizes.empty() ? QVariant(s.fragments)
                                                    : QVariant(fragmentsText(s));
            case CloseCodeColumn:
                if (s.opcode != kClose) {
                    return QString();
                }
                return s.closeCode ? QString::number(*s.closeCode)
                                   : (edit ? QString() : tr("none"));
            case OffsetColumn:
                return edit ? QVariant(double(s.offsetNs) / 1e6)
                            : QVariant(QString::number(double(s.offsetNs) / 1e6, 'f', 3));
            default:
                return {};
        }
    }

    bool setData(const QModelIndex& index, const QVariant& value, int role) override {
        if (!index.isValid() || role != Qt::EditRole || index.row() >= rowCount()) {
            return false;
        }
        ReplayStep& s = steps_[std::size_t(index.row())];
        const QString where = tr("Step %1").arg(index.row() + 1);
        switch (index.column()) {
            case OpcodeColumn: {
                const auto opcode = session::replayOpcodeFromName(value.toString().trimmed());
                if (!opcode) {
                    return refuse(tr("%1: unknown opcode \"%2\"").arg(where, value.toString()));
                }
                s.opcode = *opcode;
                if (isControlOpcode(s.opcode)) {
                    s.fragments = 1;
                    s.frameSizes.clear();
                }
                if (s.opcode != kClose) {
                    s.closeCode.reset();
                } else if (!s.closeCode) {
                    s.closeCode = close_code::Normal;
                }
                break;
            }
            case PayloadColumn: {
                const QString text = value.toString();
                if (text == payloadText(s.payload, true)) {
                    return true;  // unchanged (a payload that is not UTF-8 keeps its bytes)
                }
                if (mode_ == ReplaySession::PayloadMode::Hex) {
                    const ParsedBytes parsed = parseHexText(text);
                    if (!parsed.bytes) {
                        return refuse(tr("%1: %2").arg(where, parsed.error));
                    }
                    s.payload = *parsed.bytes;
                } else {
                    s.payload = text.toUtf8();
                }
                s.frameSizes.clear();  // the recorded sizes were those of the old payload
                break;
            }
            case FragmentsColumn: {
                bool ok = false;
                const int n = value.toInt(&ok);
                if (!ok || n < 1) {
                    return refuse(tr("%1: fragments must be at least 1").arg(where));
                }
                if (n != s.fragments) {
                    s.frameSizes.clear();  // split into n nearly equal frames from now on
                }
                s.fragments = n;
                break;
            }
            case CloseCodeColumn: {
                const QString text = value.toString().trimmed();
                if (text.isEmpty()) {
                    s.closeCode.reset();
                    break;
                }
                bool ok = false;
                const uint code = text.toUInt(&ok);
                if (!ok || code > 65535) {
                    return refuse(
                        tr("%1: a close code is a number from 0 to 65535 (or empty for none)")
                            .arg(where));
                }
                s.closeCode = std::uint16_t(code);
                break;
            }
            case OffsetColumn: {
                bool ok = false;
                const double ms = value.toDouble(&ok);
                if (!ok || !std::isfinite(ms)) {
                    return refuse(tr("%1: the offset is a number of milliseconds").arg(where));
                }
                s.offsetNs = qint64(ms * 1e6);
                break;
            }
            default:
                return false;
        }
        emit dataChanged(this->index(index.row(), 0), this->index(index.row(), Columns - 1));
        return true;
    }

    void insertStep(int row, ReplayStep step) {
        row = std::clamp(row, 0, rowCount());
        beginInsertRows({}, row, row);
        steps_.insert(steps_.begin() + row, std::move(step));
        endInsertRows();
    }
    bool removeStep(int row) {
        if (row < 0 || row >= rowCount()) {
            return false;
        }
        beginRemoveRows({}, row, row);
        steps_.erase(steps_.begin() + row);
        endRemoveRows();
        return true;
    }
    bool moveStep(int from, int to) {
        if (from < 0 || from >= rowCount() || to < 0 || to >= rowCount() || from == to) {
            return false;
        }
        // Qt's destination is the row the moved one goes before, counted before the move.
        if (!beginMoveRows({}, from, from, {}, to > from ? to + 1 : to)) {
            return false;
        }
        ReplayStep step = std::move(steps_[std::size_t(from)]);
        steps_.erase(steps_.begin() + from);
        steps_.insert(steps_.begin() + to, std::move(step));
        endMoveRows();
        return true;
    }

private:
    // "3 (4+4+1)": the recorded sizes, elided when there are many.
    static QString fragmentsText(const ReplayStep& s) {
        QString sizes;
        for (const std::uint64_t size : s.frameSizes) {
            if (sizes.size() > kCellChars / 4) {
                sizes += QStringLiteral("+…");
                break;
            }
            sizes += (sizes.isEmpty() ? QString() : QStringLiteral("+")) + QString::number(size);
        }
        return QStringLiteral("%1 (%2)").arg(s.fragments).arg(sizes);
    }
    // In text mode a payload that is not UTF-8 is shown as hex (and not edited as text).
    bool shownAsHex(const QByteArray& payload) const {
        return mode_ == ReplaySession::PayloadMode::Text && !isUtf8(payload);
    }
    QString payloadText(const QByteArray& payload, bool edit) const {
        if (mode_ == ReplaySession::PayloadMode::Hex || shownAsHex(payload)) {
            return hexText(payload, edit ? payload.size() : kCellChars / 3);
        }
        const QString text = QString::fromUtf8(payload);
        return edit ? text : elided(text, kCellChars);
    }
    bool refuse(const QString& why) {
        if (onError) {
            onError(why);
        }
        return false;
    }

    std::vector<ReplayStep> steps_;
    ReplaySession::PayloadMode mode_ = ReplaySession::PayloadMode::Text;
};

ReplaySession::ReplaySession(QWidget* parent) : QWidget(parent) {
    model_ = new ReplayStepModel(this);
    model_->onError = [this](const QString& why) { setStatus(why, true); };
    buildLayout();
    updateButtons();
}

ReplaySession::~ReplaySession() {
    if (runner_) {
        // Its connection's last signals must not reach this half-destroyed tab.
        disconnect(runner_, nullptr, this, nullptr);
        runner_->stop();
    }
}

void ReplaySession::buildLayout() {
    source_ = new QLabel(this);
    source_->setWordWrap(true);
    source_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    url_ = new QLineEdit(this);
    url_->setPlaceholderText(u"ws://host:port/path"_s);
    pacing_ = new QComboBox(this);
    pacing_->addItem(tr("As recorded"), int(session::ReplayPacing::AsRecorded));
    pacing_->addItem(tr("As fast as possible"), int(session::ReplayPacing::AsFastAsPossible));
    pacing_->addItem(tr("After the answers recorded before each step"),
                     int(session::ReplayPacing::AnswerPaced));
    speed_ = new QDoubleSpinBox(this);
    speed_->setRange(0.01, 1000);
    speed_->setDecimals(2);
    speed_->setValue(1.0);
    speed_->setSuffix(u" \u00d7"_s);
    speed_->setToolTip(tr("Replay speed: 2 halves every recorded gap (each gap is at most 10 s)"));
    auto* pacingRow = new QHBoxLayout;
    pacingRow->addWidget(pacing_, 1);
    pacingRow->addWidget(new QLabel(tr("Speed:"), this));
    pacingRow->addWidget(speed_);
    connect(pacing_, &QComboBox::currentIndexChanged, this, [this] { updateButtons(); });

    tls_ = new TlsOptionsBox(this);

    auto* form = new QFormLayout;
    form->addRow(tr("Target URL:"), url_);
    form->addRow(tr("Pacing:"), pacingRow);
    form->addRow(tr("TLS:"), tls_);

    steps_ = new QTableView(this);
    steps_->setModel(model_);
    steps_->setItemDelegateForColumn(OpcodeColumn, new OpcodeDelegate(steps_));
    steps_->setSelectionBehavior(QAbstractItemView::SelectRows);
    steps_->setSelectionMode(QAbstractItemView::SingleSelection);
    steps_->horizontalHeader()->setSectionResizeMode(PayloadColumn, QHeaderView::Stretch);
    steps_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                            QAbstractItemView::AnyKeyPressed);
    connect(steps_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { updateButtons(); });

    payloadMode_ = new QComboBox(this);
    payloadMode_->addItem(tr("Payload as text"));
    payloadMode_->addItem(tr("Payload as hex"));
    connect(payloadMode_, &QComboBox::currentIndexChanged, this, [this](int i) {
        model_->setMode(i == 1 ? PayloadMode::Hex : PayloadMode::Text);
        model_->headerDataChanged(Qt::Horizontal, PayloadColumn, PayloadColumn);
    });
    add_ = new QPushButton(tr("Add"), this);
    remove_ = new QPushButton(tr("Delete"), this);
    up_ = new QPushButton(tr("Up"), this);
    down_ = new QPushButton(tr("Down"), this);
    connect(add_, &QPushButton::clicked, this, [this] {
        const int row = selectedRow();
        addStep(row < 0 ? model_->rowCount() : row + 1);
    });
    connect(remove_, &QPushButton::clicked, this, [this] { removeStep(selectedRow()); });
    connect(up_, &QPushButton::clicked, this, [this] {
        const int row = selectedRow();
        if (moveStep(row, row - 1)) {
            steps_->selectRow(row - 1);
        }
    });
    connect(down_, &QPushButton::clicked, this, [this] {
        const int row = selectedRow();
        if (moveStep(row, row + 1)) {
            steps_->selectRow(row + 1);
        }
    });
    auto* editRow = new QHBoxLayout;
    for (QWidget* w : {static_cast<QWidget*>(add_), static_cast<QWidget*>(remove_),
                       static_cast<QWidget*>(up_), static_cast<QWidget*>(down_)}) {
        editRow->addWidget(w);
    }
    editRow->addStretch(1);
    editRow->addWidget(payloadMode_);

    run_ = new QPushButton(tr("Run"), this);
    save_ = new QPushButton(tr("Save script..."), this);
    load_ = new QPushButton(tr("Load script..."), this);
    connect(run_, &QPushButton::clicked, this, [this] {
        if (running()) {
            stop();
        } else {
            run();
        }
    });
    connect(save_, &QPushButton::clicked, this, &ReplaySession::saveScriptAs);
    connect(load_, &QPushButton::clicked, this, &ReplaySession::loadScriptFrom);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(run_);
    runRow->addStretch(1);
    runRow->addWidget(save_);
    runRow->addWidget(load_);

    status_ = new QLabel(this);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(source_);
    topLayout->addLayout(form);
    topLayout->addWidget(new QLabel(tr("Client messages to send:"), top));
    topLayout->addWidget(steps_, 1);
    topLayout->addLayout(editRow);
    topLayout->addLayout(runRow);
    topLayout->addWidget(status_);

    comparison_ = new QTableWidget(0, 4, this);
    comparison_->setHorizontalHeaderLabels(
        {tr("#"), tr("Recorded answer"), tr("New answer"), tr("Verdict")});
    comparison_->verticalHeader()->hide();
    comparison_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    comparison_->setSelectionBehavior(QAbstractItemView::SelectRows);
    comparison_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    comparison_->setColumnWidth(1, 170);
    comparison_->setColumnWidth(2, 170);
    comparison_->horizontalHeader()->setSectionResizeMode(3, QHeaderView::Stretch);
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    auto* bottom = new QWidget(this);
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(new QLabel(tr("Server answers, recorded and new:"), bottom));
    bottomLayout->addWidget(comparison_, 1);
    bottomLayout->addWidget(summary_);

    auto* left = new QSplitter(Qt::Vertical, this);
    left->addWidget(top);
    left->addWidget(bottom);
    left->setChildrenCollapsible(false);

    pane_ = new SessionPane(tr("replay"), this);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(pane_);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(splitter);
}

void ReplaySession::setScript(const ReplayScript& script) {
    handshake_ = script;
    handshake_.steps.clear();
    handshake_.recordedAnswers.clear();
    recordedAnswers_ = script.recordedAnswers;
    model_->setSteps(script.steps);
    if (const QString url = session::replayDefaultUrl(script); !url.isEmpty()) {
        url_->setText(url);
    }
    updateComparison();
    updateButtons();
}

ReplayScript ReplaySession::script() const {
    ReplayScript script = handshake_;
    script.steps = model_->steps();
    script.recordedAnswers = recordedAnswers_;
    return script;
}

void ReplaySession::setSource(const QString& text, bool isError) {
    source_->setText(text);
    source_->setStyleSheet(isError ? u"color: #c62828; font-weight: bold;"_s : QString());
}

QString ReplaySession::url() const {
    return url_->text();
}

void ReplaySession::setUrl(const QString& url) {
    url_->setText(url);
}

void ReplaySession::setPacing(session::ReplayPacing pacing, double speed) {
    pacing_->setCurrentIndex(std::max(0, int(pacing_->findData(int(pacing)))));
    speed_->setValue(speed);
}

session::ReplayPacing ReplaySession::pacing() const {
    return session::ReplayPacing(pacing_->currentData().toInt());
}

void ReplaySession::setPayloadMode(PayloadMode mode) {
    payloadMode_->setCurrentIndex(mode == PayloadMode::Hex ? 1 : 0);
}

void ReplaySession::setCaFile(const QString& path) {
    tls_->setCaFile(path);
}

void ReplaySession::setIgnoreCertificateErrors(bool ignore) {
    tls_->setIgnoreCertificateErrors(ignore);
}

void ReplaySession::addStep(int row) {
    if (row < 0 || row > model_->rowCount()) {
        row = model_->rowCount();
    }
    ReplayStep step;
    step.opcode = kText;
    // In the timing and answer count of the step before it.
    if (row > 0) {
        const ReplayStep& before = model_->steps()[std::size_t(row - 1)];
        step.offsetNs = before.offsetNs;
        step.answersBefore = before.answersBefore;
    }
    model_->insertStep(row, step);
    steps_->selectRow(row);
    updateButtons();
}

bool ReplaySession::removeStep(int row) {
    const bool removed = model_->removeStep(row);
    updateButtons();
    return removed;
}

bool ReplaySession::moveStep(int from, int to) {
    const bool moved = model_->moveStep(from, to);
    updateButtons();
    return moved;
}

int ReplaySession::selectedRow() const {
    const QModelIndexList rows = steps_->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.first().row();
}

QAbstractItemModel* ReplaySession::stepModel() const {
    return model_;
}

bool ReplaySession::running() const {
    return runner_ && runner_->running();
}

bool ReplaySession::run() {
    if (running()) {
        setStatus(tr("A replay is running."), true);
        return false;
    }
    const session::WebSocketUrlParse parsed = session::parseWebSocketUrl(url_->text().trimmed());
    if (!parsed.url) {
        setStatus(tr("Target URL: %1").arg(parsed.error), true);
        return false;
    }
    const ReplayScript current = script();
    if (const QString problem = session::replayStepsProblem(current.steps); !problem.isEmpty()) {
        setStatus(problem, true);
        return false;
    }
    QString why;
    const std::optional<TlsChoice> tls = tls_->choice(&why);
    if (!tls) {
        setStatus(why, true);
        return false;
    }
    session::ClientOptions base;
#if QT_CONFIG(ssl)
    base.caCertificates = tls->caCertificates;
    base.ignoreCertificateErrors = tls->ignoreCertificateErrors;
#endif
    session::ReplayOptions options;
    options.pacing = pacing();
    options.speed = speed_->value();
    if (runner_) {
        runner_->deleteLater();  // its connection stays in the recording
    }
    runner_ = new session::ReplayRunner(session::replayClientOptions(current, std::move(base)),
                                        options, this);
    connect(runner_, &session::ReplayRunner::connectionStarted, this,
            [this](session::WebSocketConnection* c) { pane_->recorder().record(c); });
    connect(runner_, &session::ReplayRunner::connected, this,
            [this] { setStatus(tr("Connected; sending...")); });
    connect(runner_, &session::ReplayRunner::stepSent, this, [this](int i) {
        setStatus(tr("Sent step %1 of %2.").arg(i + 1).arg(model_->rowCount()));
    });
    connect(runner_, &session::ReplayRunner::answerReceived, this, [this] { updateComparison(); });
    connect(runner_, &session::ReplayRunner::finished, this, &ReplaySession::onFinished);
    if (!runner_->start(*parsed.url, current.steps, int(recordedAnswers_.size()), &why)) {
        setStatus(why, true);
        return false;
    }
    setStatus(tr("Connecting to %1...").arg(url_->text().trimmed()));
    updateComparison();
    updateButtons();
    return true;
}

void ReplaySession::stop() {
    if (runner_) {
        runner_->stop();
    }
}

void ReplaySession::onFinished(const QString& error) {
    updateComparison();
    const int sent = runner_ ? runner_->stepsSent() : 0;
    if (error.isEmpty()) {
        setStatus(tr("Done: %1 steps sent, %2 answers received.")
                      .arg(sent)
                      .arg(runner_ ? runner_->answers().size() : 0));
    } else {
        setStatus(tr("Stopped after %1 steps: %2").arg(sent).arg(error), true);
    }
    updateButtons();
    emit runFinished(error);
}

void ReplaySession::updateComparison() {
    static const std::vector<ReplayStep> none;
    const std::vector<ReplayStep>& answers = runner_ ? runner_->answers() : none;
    const session::AnswerComparison c = session::compareAnswers(recordedAnswers_, answers);
    comparison_->setRowCount(int(c.rows.size()));
    for (const session::AnswerDifference& d : c.rows) {
        const auto i = std::size_t(d.index);
        const QString recorded =
            i < recordedAnswers_.size() ? answerText(recordedAnswers_[i]) : QString();
        const QString now =
            !runner_ ? QString() : (i < answers.size() ? answerText(answers[i]) : QString());
        // Before a run there is nothing to judge yet.
        const QString verdict =
            !runner_ ? QString()
                     : (d.verdict == session::AnswerVerdict::Same && !d.fragmentsDiffer
                            ? session::answerVerdictName(d.verdict)
                            : session::answerVerdictName(d.verdict) + u": "_s + d.detail);
        const QStringList cells{QString::number(d.index + 1), recorded, now, verdict};
        for (int column = 0; column < cells.size(); ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            item->setToolTip(cells[column]);
            if (runner_ && d.verdict != session::AnswerVerdict::Same) {
                item->setForeground(QColor(0xc6, 0x28, 0x28));
            }
            comparison_->setItem(d.index, column, item);
        }
    }
    summary_->setText(!runner_ ? tr("%n answer(s) recorded; run the replay to compare.", nullptr,
                                    int(recordedAnswers_.size()))
                               : c.summary());
}

void ReplaySession::setStatus(const QString& text, bool isError) {
    status_->setText(text);
    status_->setStyleSheet(isError ? u"color: #c62828;"_s : QString());
}

void ReplaySession::updateButtons() {
    const bool busy = running();
    const int row = selectedRow();
    run_->setText(busy ? tr("Stop") : tr("Run"));
    run_->setEnabled(busy || model_->rowCount() > 0);
    add_->setEnabled(!busy);
    remove_->setEnabled(!busy && row >= 0);
    up_->setEnabled(!busy && row > 0);
    down_->setEnabled(!busy && row >= 0 && row + 1 < model_->rowCount());
    load_->setEnabled(!busy);
    steps_->setEnabled(!busy);
    speed_->setEnabled(pacing() == session::ReplayPacing::AsRecorded);
}

bool ReplaySession::saveScript(const QString& path) {
    QString why;
    if (!saveReplayScript(script(), path, &why)) {
        setStatus(why, true);
        return false;
    }
    setStatus(tr("Saved %1.").arg(QFileInfo(path).fileName()));
    return true;
}

bool ReplaySession::loadScript(const QString& path) {
    QString why;
    const auto loaded = loadReplayScript(path, &why);
    if (!loaded) {
        setStatus(why, true);
        return false;
    }
    setScript(*loaded);
    setSource(tr("Script %1").arg(QFileInfo(path).fileName()));
    setStatus(tr("Loaded %1: %2 steps, %3 recorded answers.")
                  .arg(QFileInfo(path).fileName())
                  .arg(loaded->steps.size())
                  .arg(loaded->recordedAnswers.size()));
    return true;
}

void ReplaySession::saveScriptAs() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save replay script"), QString(),
                                                      tr("Replay scripts (*.json)"));
    if (!path.isEmpty()) {
        saveScript(path);
    }
}

void ReplaySession::loadScriptFrom() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load replay script"), QString(),
                                                      tr("Replay scripts (*.json);;All files (*)"));
    if (!path.isEmpty()) {
        loadScript(path);
    }
}

QString ReplaySession::sourceText() const {
    return source_->text();
}

QString ReplaySession::statusText() const {
    return status_->text();
}

QString ReplaySession::summaryText() const {
    return summary_->text();
}

QWidget* createReplaySession(const CaptureDocument& source, std::uint32_t connection,
                             QWidget* parent) {
    auto* session = new ReplaySession(parent);
    const QString name = source.path().isEmpty() ? QObject::tr("the live capture")
                                                 : QFileInfo(source.path()).fileName();
    QString why;
    if (const auto script = replayScriptFromCapture(source, connection, &why)) {
        session->setScript(*script);
        session->setSource(QObject::tr("Connection %1 of %2: %3 client messages, %4 recorded "
                                       "answers.")
                               .arg(connection)
                               .arg(name)
                               .arg(script->steps.size())
                               .arg(script->recordedAnswers.size()));
    } else {
        session->setSource(
            QObject::tr("Cannot replay connection %1 of %2: %3").arg(connection).arg(name, why),
            true);
    }
    return session;
}

}  // namespace sockscope::ui

#include "replay_session.moc"
