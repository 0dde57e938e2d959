#include "widgets/filter_bar.h"

#include <QAction>
#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMouseEvent>
#include <QToolButton>

#include <algorithm>
#include <utility>

#include "inspector/capture_document.h"
#include "inspector/message_table_model.h"

namespace sockscope::ui {
namespace {

constexpr int kDebounceMs = 250;

struct OpcodeChoice {
    std::uint8_t opcode;
    const char* name;
};
constexpr OpcodeChoice kOpcodes[] = {{1, "text"},  {2, "binary"}, {9, "ping"},
                                     {10, "pong"}, {8, "close"},  {0, "continuation"}};

QToolButton* toggle(const QString& text, const QString& name, const QString& tip, QWidget* parent) {
    auto* button = new QToolButton(parent);
    button->setText(text);
    button->setObjectName(name);
    button->setToolTip(tip);
    button->setCheckable(true);
    button->setAutoRaise(true);
    return button;
}

}  // namespace

FilterBar::FilterBar(const CaptureDocument& document, MessageTableModel& model, QWidget* parent)
    : QWidget(parent),
      document_(document),
      model_(model),
      search_(std::make_unique<PayloadSearch>()) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    messagesButton_ = toggle(tr("Messages"), QStringLiteral("messages"),
                             tr("One row per message (fragments joined, decompressed)"), this);
    framesButton_ =
        toggle(tr("Frames"), QStringLiteral("frames"), tr("One row per frame on the wire"), this);
    auto* mode = new QButtonGroup(this);
    mode->addButton(messagesButton_);
    mode->addButton(framesButton_);
    const bool frames = model_.mode() == MessageTableModel::Mode::Frames;
    (frames ? framesButton_ : messagesButton_)->setChecked(true);
    connect(framesButton_, &QToolButton::toggled, this, &FilterBar::setFramesMode);

    direction_ = new QComboBox(this);
    direction_->setObjectName(QStringLiteral("direction"));
    direction_->addItem(tr("Both directions"));
    direction_->addItem(tr("client → server"));
    direction_->addItem(tr("server → client"));
    connect(direction_, &QComboBox::currentIndexChanged, this, &FilterBar::apply);

    opcodes_ = new QToolButton(this);
    opcodes_->setObjectName(QStringLiteral("opcodes"));
    opcodes_->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(opcodes_);
    QAction* all = menu->addAction(tr("All opcodes"));
    menu->addSeparator();
    for (const OpcodeChoice& choice : kOpcodes) {
        QAction* action = menu->addAction(QString::fromLatin1(choice.name));
        action->setObjectName(QStringLiteral("opcode-") + QString::fromLatin1(choice.name));
        action->setData(int(choice.opcode));
        action->setCheckable(true);
        connect(action, &QAction::toggled, this, [this] {
            updateOpcodeButton();
            apply();
        });
    }
    connect(all, &QAction::triggered, this, [this, menu] {
        for (QAction* action : menu->actions()) {
            const QSignalBlocker blockAction(action);
            action->setChecked(false);
        }
        updateOpcodeButton();
        apply();
    });
    opcodes_->setMenu(menu);
    menu->installEventFilter(this);  // picking several opcodes keeps the menu open
    updateOpcodeButton();

    anomalies_ = new QCheckBox(tr("Anomalies only"), this);
    anomalies_->setObjectName(QStringLiteral("anomaliesOnly"));
    connect(anomalies_, &QCheckBox::toggled, this, &FilterBar::apply);

    searchEdit_ = new QLineEdit(this);
    searchEdit_->setObjectName(QStringLiteral("search"));
    searchEdit_->setPlaceholderText(tr("Search payloads"));
    searchEdit_->setClearButtonEnabled(true);
    searchEdit_->installEventFilter(this);
    regex_ = toggle(QStringLiteral(".*"), QStringLiteral("regex"),
                    tr("Regular expression (over the payload as UTF-8 text)"), this);
    caseSensitive_ = toggle(QStringLiteral("Aa"), QStringLiteral("caseSensitive"),
                            tr("Match case (ASCII letters)"), this);
    debounce_.setSingleShot(true);
    debounce_.setInterval(kDebounceMs);
    connect(&debounce_, &QTimer::timeout, this, &FilterBar::searchNow);
    connect(searchEdit_, &QLineEdit::textChanged, this, [this](const QString& text) {
        if (text.isEmpty())
            searchNow();  // cleared: every row back at once
        else
            debounce_.start();
    });
    connect(searchEdit_, &QLineEdit::returnPressed, this, &FilterBar::searchNow);
    connect(regex_, &QToolButton::toggled, this, &FilterBar::searchNow);
    connect(caseSensitive_, &QToolButton::toggled, this, &FilterBar::searchNow);

    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("searchStatus"));

    layout->addWidget(messagesButton_);
    layout->addWidget(framesButton_);
    layout->addWidget(direction_);
    layout->addWidget(opcodes_);
    layout->addWidget(anomalies_);
    layout->addWidget(searchEdit_, 1);
    layout->addWidget(regex_);
    layout->addWidget(caseSensitive_);
    layout->addWidget(status_);

    connect(search_.get(), &PayloadSearch::progress, this, [this](int percent) {
        if (!extending_)
            showStatus(tr("Searching… %1%").arg(percent));
    });
    connect(search_.get(), &PayloadSearch::finished, this, &FilterBar::searchFinished);
    connect(&document_, &CaptureDocument::appended, this, &FilterBar::continueSearch);
    model_.setFilter(currentFilter());
}

FilterBar::~FilterBar() {
    // The search's index holds go before the bar stops listening to the document.
    disconnect(&document_, nullptr, this, nullptr);
    disconnect(search_.get(), nullptr, this, nullptr);
    search_.reset();
}

void FilterBar::setConnections(std::set<std::uint32_t> connections) {
    connections_ = std::move(connections);
    apply();
}

void FilterBar::focusSearch() {
    searchEdit_->setFocus(Qt::ShortcutFocusReason);
    searchEdit_->selectAll();
}

QString FilterBar::searchStatus() const {
    return status_->text();
}

bool FilterBar::eventFilter(QObject* watched, QEvent* event) {
    // A click on an opcode toggles it without closing the menu (QMenu closes
    // on every trigger), so several can be chosen in one visit.
    if (watched == opcodes_->menu() && event->type() == QEvent::MouseButtonRelease) {
        auto* menu = opcodes_->menu();
        QAction* action = menu->actionAt(static_cast<QMouseEvent*>(event)->position().toPoint());
        if (action && action->isCheckable() && action->isEnabled()) {
            action->toggle();
            return true;
        }
    }
    if (watched == searchEdit_ && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape && !searchEdit_->text().isEmpty()) {
        searchEdit_->clear();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

RowFilter FilterBar::currentFilter() const {
    RowFilter filter;
    filter.connections = connections_;
    if (direction_->currentIndex() == 1)
        filter.direction = dissector::Direction::Client;
    else if (direction_->currentIndex() == 2)
        filter.direction = dissector::Direction::Server;
    for (const QAction* action : opcodes_->menu()->actions())
        if (action->isCheckable() && action->isChecked())
            filter.opcodes.insert(std::uint8_t(action->data().toInt()));
    filter.anomaliesOnly = anomalies_->isChecked();
    filter.matches = matches_;
    filter.searchedUpTo = searchedUpTo_;
    return filter;
}

void FilterBar::apply() {
    model_.setFilter(currentFilter());
    emit filterApplied();
}

void FilterBar::showFrames(bool frames) {
    (frames ? framesButton_ : messagesButton_)->setChecked(true);
}

void FilterBar::setFramesMode(bool frames) {
    model_.setMode(frames ? MessageTableModel::Mode::Frames : MessageTableModel::Mode::Messages);
    // The model dropped matches of the other mode: it shows none until searched.
    matches_ = model_.filter().matches;
    searchedUpTo_ = model_.filter().searchedUpTo;
    emit filterApplied();
    if (!query_.text.isEmpty())
        searchNow();
}

// A whole search for what the controls say now (or none for an empty field).
void FilterBar::searchNow() {
    debounce_.stop();
    SearchQuery query;
    query.text = searchEdit_->text();
    query.regex = regex_->isChecked();
    query.caseSensitive = caseSensitive_->isChecked();
    query.frames = framesButton_->isChecked();
    error_.clear();
    if (query.text.isEmpty()) {
        search_->cancel();
        query_ = {};
        showStatus({});
        if (matches_) {
            matches_.reset();
            searchedUpTo_ = 0;
            apply();
        }
        return;
    }
    // Rows of the previous search stay until this one's arrive: no flicker while typing.
    query_ = std::move(query);
    extending_ = false;
    showStatus(tr("Searching…"));
    search_->start(document_, query_, 0, kNoRow);
}

// Searches rows that arrived since the last search, after the ones searched.
void FilterBar::continueSearch() {
    if (query_.text.isEmpty() || !error_.isEmpty() || !matches_ || search_->running())
        return;
    const CaptureIndex& index = document_.index();
    const RowId count = query_.frames ? index.frameCount() : index.messageCount();
    if (count <= searchedUpTo_)
        return;
    extending_ = true;
    search_->start(document_, query_, searchedUpTo_, kNoRow);
}

void FilterBar::searchFinished(std::shared_ptr<const std::vector<RowId>> matches,
                               RowId searchedUpTo, const QString& error) {
    if (!error.isEmpty()) {
        // The rows stay filtered by everything else; the field says what is wrong.
        error_ = error;
        showStatus(error, true);
        if (matches_) {
            matches_.reset();
            searchedUpTo_ = 0;
            apply();
        }
        return;
    }
    if (extending_ && matches_) {
        auto merged = std::make_shared<std::vector<RowId>>();
        merged->reserve(matches_->size() + matches->size());
        merged->insert(merged->end(), matches_->begin(), matches_->end());
        merged->insert(merged->end(), matches->begin(), matches->end());
        matches_ = std::move(merged);
        searchedUpTo_ = searchedUpTo;
        model_.extendMatches(matches_, searchedUpTo_);
        emit filterApplied();
    } else {
        matches_ = std::move(matches);
        searchedUpTo_ = searchedUpTo;
        apply();
    }
    extending_ = false;
    const std::size_t n = matches_->size();
    showStatus(n == 0 ? tr("No matches") : n == 1 ? tr("1 match") : tr("%1 matches").arg(n));
    continueSearch();
}

void FilterBar::showStatus(const QString& text, bool error) {
    status_->setText(text);
    status_->setToolTip(error ? text : QString());
    // The palette's own "negative" colour is not in Qt 6.4: a fixed red that reads on light and
    // dark.
    status_->setStyleSheet(error ? QStringLiteral("color: #d0312d;") : QString());
}

void FilterBar::updateOpcodeButton() {
    QStringList names;
    for (const QAction* action : opcodes_->menu()->actions())
        if (action->isCheckable() && action->isChecked())
            names << action->text();
    opcodes_->setText(names.isEmpty() ? tr("All opcodes") : names.join(QStringLiteral(", ")));
}

}  // namespace sockscope::ui
