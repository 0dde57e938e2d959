#pragma once
// The console's client tab: connection options (ClientOptionsForm) and
// profiles, Connect / Disconnect, a status line, the message composer and the
// raw frame panel on the left; on the right a SessionPane recording every
// connection made (each reconnect attempt is one more connection in it).

#include <QPointer>
#include <QWidget>

#include <chrono>

#include <sockscope/core/raw_frame.h>

#include "console/message_composer.h"

class QComboBox;
class QLabel;
class QPushButton;
class QTabWidget;

namespace sockscope::session {
class KeepAlive;
class ReconnectingClient;
class WebSocketConnection;
}  // namespace sockscope::session

namespace sockscope::event {
struct Closed;
struct HandshakeDone;
}  // namespace sockscope::event

namespace sockscope::ui {

class ClientOptionsForm;
class RawFramePanel;
class SessionPane;

class ClientSession : public QWidget {
    Q_OBJECT

public:
    explicit ClientSession(QWidget* parent = nullptr);
    ~ClientSession() override;

    // Connect: validates the fields (an error goes to the status line) and
    // starts the first attempt. False when it cannot start.
    bool connectToServer();
    // Disconnect: the close handshake with 1000, no reconnect.
    void disconnectFromServer();
    // The current connection (nullptr between attempts and when disconnected).
    session::WebSocketConnection* connection() const;
    // The WebSocket connection is open (messages can be sent).
    bool isOpen() const { return open_; }

    // Sends through the current connection; false (and the status line says
    // why) when it is not open.
    bool sendComposed(const ComposedMessage& message);
    bool sendRaw(const RawFrameSpec& spec);

    // Connection profiles (QSettings "console/profiles").
    void saveProfile(const QString& name);
    bool loadProfile(const QString& name);
    void deleteProfile(const QString& name);
    QStringList profileNames() const;

    QString statusText() const;
    QString roundTripText() const;
    ClientOptionsForm& form() { return *form_; }
    MessageComposer& composer() { return *composer_; }
    RawFramePanel& rawPanel() { return *raw_; }
    SessionPane& pane() { return *pane_; }
    QLabel* certificateWarning() const { return certWarning_; }
    // "Ignored: <error>; <error>" after a TLS handshake that ignored certificate
    // errors; empty and hidden from the next connection attempt on.
    QLabel* ignoredCertificateErrors() const { return ignoredErrors_; }

signals:
    void statusChanged(const QString& status);

private:
    void buildLayout();
    void onConnectionStarted(session::WebSocketConnection* connection);
    void onHandshakeDone(const event::HandshakeDone& info);
    void onClosed(session::WebSocketConnection* connection, const event::Closed& info);
    void setStatus(const QString& text, bool problem = false);
    void reportProblem(const QString& text);
    void setOpen(bool open);
    void updateButtons();
    void reloadProfiles();
    void promptSaveProfile();

    ClientOptionsForm* form_ = nullptr;
    QComboBox* profiles_ = nullptr;
    QPushButton* connect_ = nullptr;
    QPushButton* disconnect_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* rtt_ = nullptr;
    QLabel* certWarning_ = nullptr;
    QLabel* ignoredErrors_ = nullptr;
    QTabWidget* sendTabs_ = nullptr;
    MessageComposer* composer_ = nullptr;
    RawFramePanel* raw_ = nullptr;
    SessionPane* pane_ = nullptr;
    session::ReconnectingClient* client_ = nullptr;
    std::chrono::milliseconds keepAliveInterval_{0};
    std::chrono::milliseconds keepAliveTimeout_{0};
    // Why the current connection went wrong (shown with its close), and the last close.
    QString problem_;
    QString closedText_;
    bool open_ = false;
    int connections_ = 0;
};

// The Console menu's "New client session".
QWidget* createClientSession(QWidget* parent = nullptr);

}  // namespace sockscope::ui
