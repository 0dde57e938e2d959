#pragma once
// The comparison tab (issue 5 §4): one URL, our client and Qt WebSockets'
// QWebSocket connect to it side by side; one MessageComposer sends every
// message to both; each side is recorded into its own SessionPane (ours
// left, Qt right) and a difference list (SessionDiff) under them follows
// the two latest connections as messages arrive. What Qt cannot do
// (qt_client_session.h) is shown greyed out on the Qt side.

#include <QPointer>
#include <QString>
#include <QWidget>
#include <cstdint>
#include <vector>

#include "inspector/session_diff.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTimer;
class QTreeWidget;

namespace sockscope::session {
class QtClientSession;
class WebSocketClient;
class WebSocketConnection;
}  // namespace sockscope::session

namespace sockscope::ui {

struct ComposedMessage;
class MessageComposer;
class SessionPane;
class TlsOptionsBox;

class ComparisonSession : public QWidget {
    Q_OBJECT

public:
    explicit ComparisonSession(QWidget* parent = nullptr);
    ~ComparisonSession() override;

    // The connection fields (also for tests). Headers: one "Name: value" per
    // line; subprotocols: comma-separated.
    void setUrl(const QString& url);
    void setHeaders(const QString& lines);
    void setSubprotocols(const QString& list);
    void setOrigin(const QString& origin);
    void setIgnoreCertificateErrors(bool ignore);
    // An extra CA file (PEM) both clients trust for a wss:// URL.
    void setCaFile(const QString& path);
    TlsOptionsBox& tlsOptions() const { return *tls_; }

    // Opens both clients (closing earlier ones); false + why: a bad URL or
    // header line, a relay that cannot listen, a TLS option that fails.
    bool connectBoth(QString* error = nullptr);
    // Starts the close handshake on both.
    void disconnectBoth(std::uint16_t code = 1000, const QString& reason = {});
    // Sends one composed message on both sides (what the composer does).
    void send(const ComposedMessage& message);

    bool oursConnected() const;
    bool qtConnected() const;
    SessionPane& oursPane() const { return *ours_; }
    SessionPane& qtPane() const { return *qt_; }
    MessageComposer& composer() const { return *composer_; }
    // The current Qt WebSockets client (nullptr before the first connect).
    session::QtClientSession* qtClient() const;
    QTreeWidget* differenceList() const { return diffList_; }
    // As last computed (see differencesChanged).
    const std::vector<SessionDifference>& differences() const { return differences_; }
    // Recomputes the differences now (normally batched as rows arrive).
    void refreshDifferences();
    // The status line (errors, what the Qt side could not do).
    QString status() const;

signals:
    void differencesChanged();

private:
    void buildLayout();
    void scheduleRefresh();
    void updateButtons();
    void setStatus(const QString& text);
    void reportProblem(QString& side, const QString& message);

    QLineEdit* url_ = nullptr;
    QPlainTextEdit* headers_ = nullptr;
    QLineEdit* subprotocols_ = nullptr;
    QLineEdit* origin_ = nullptr;
    TlsOptionsBox* tls_ = nullptr;
    QCheckBox* deflate_ = nullptr;
    QPushButton* connect_ = nullptr;
    QPushButton* disconnect_ = nullptr;
    QLabel* status_ = nullptr;
    SessionPane* ours_ = nullptr;
    SessionPane* qt_ = nullptr;
    MessageComposer* composer_ = nullptr;
    QTreeWidget* diffList_ = nullptr;
    QTimer* refreshTimer_ = nullptr;

    QPointer<session::WebSocketClient> client_;
    QPointer<session::WebSocketConnection> connection_;
    QPointer<session::QtClientSession> qtClient_;
    bool oursOpen_ = false;
    QString oursProblem_, qtProblem_;  // each side's first error since the last connect
    std::vector<SessionDifference> differences_;
};

// The tab for ConsoleWindow::addSession (the Console menu's "Compare with Qt WebSockets").
QWidget* createComparisonSession(QWidget* parent);

}  // namespace sockscope::ui
