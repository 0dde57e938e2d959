#pragma once
// The console's server tab: listen options (host, port, TLS files, Origin
// allow-list, subprotocols, permessage-deflate and its parameters, mode),
// Start / Stop, the client table with the selected client's handshake, a
// message composer sending to the selected client or to all, and a log of
// refused handshakes on the left; on the right a SessionPane recording every
// accepted connection.
//
// Listening on anything but loopback lets other machines connect, so it needs
// an explicit tick and shows a warning for as long as it lasts.

#include <QPointer>
#include <QWidget>

#include <optional>

#include "console/message_composer.h"
#include "session/server_client_list.h"
#include "session/websocket_server.h"

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableView;

namespace sockscope::ui {

class SessionPane;

class ServerSession : public QWidget {
    Q_OBJECT

public:
    enum class Target : std::uint8_t { SelectedClient, AllClients };

    explicit ServerSession(QWidget* parent = nullptr);
    ~ServerSession() override;

    // The fields as server options and the address to listen on, or nullopt
    // with why (a bad address, a non-loopback one not confirmed, a lone TLS file).
    struct Settings {
        session::ServerOptions options;
        QHostAddress address;
        quint16 port = 0;
    };
    std::optional<Settings> settings(QString* error = nullptr) const;

    // Start: validates the fields and listens (the status line says why not).
    bool start();
    // Stop: no new clients; every open one is closed with 1001 (going away).
    void stop();
    bool isListening() const;
    // The running (or last) server; nullptr before the first start.
    session::WebSocketServer* server() const { return server_; }
    // The client table's model for the running (or last) server; nullptr before.
    session::ServerClientList* clients() const { return clients_; }

    // Sends what the composer describes to the selected client or to all; false
    // (and the status line says why) when nobody could be sent to.
    bool sendComposed(const ComposedMessage& message);
    void setTarget(Target target);
    // Selects the client table's row of connection `id`; false when it has none.
    bool selectClient(quint64 id);

    QString statusText() const;
    QLineEdit* hostEdit() const { return host_; }
    QCheckBox* allowRemote() const { return allowRemote_; }
    QSpinBox* portSpin() const { return port_; }
    QLineEdit* certificateEdit() const { return certificate_; }
    QLineEdit* keyEdit() const { return key_; }
    QPlainTextEdit* originsEdit() const { return origins_; }
    QLineEdit* subprotocolsEdit() const { return subprotocols_; }
    QGroupBox* deflateBox() const { return deflate_; }
    QCheckBox* serverNoContextTakeover() const { return serverNoContext_; }
    QCheckBox* clientNoContextTakeover() const { return clientNoContext_; }
    QSpinBox* serverMaxWindowBits() const { return serverWindow_; }
    // Its minimum (7) means "not requested".
    QSpinBox* clientMaxWindowBits() const { return clientWindow_; }
    QComboBox* modeCombo() const { return mode_; }
    QLabel* remoteWarning() const { return remoteWarning_; }
    QTableView* clientTable() const { return table_; }
    QPlainTextEdit* handshakeText() const { return handshake_; }
    QPlainTextEdit* refusedLog() const { return refused_; }
    MessageComposer& composer() { return *composer_; }
    SessionPane& pane() { return *pane_; }

signals:
    void statusChanged(const QString& status);

private:
    QWidget* buildSettings();
    QWidget* buildClients();
    QWidget* buildSending();
    void buildLayout();
    void chooseFile(QLineEdit* edit, const QString& title);
    void onNewConnection(session::WebSocketConnection* connection, quint64 id);
    void onRefused(quint64 id, const QString& peer, int status, const QString& reason);
    void showSelectedHandshake();
    quint64 selectedId() const;
    void setStatus(const QString& text, bool problem = false);
    void updateControls();

    QLineEdit* host_ = nullptr;
    QCheckBox* allowRemote_ = nullptr;
    QSpinBox* port_ = nullptr;
    QLineEdit* certificate_ = nullptr;
    QLineEdit* key_ = nullptr;
    QPlainTextEdit* origins_ = nullptr;
    QLineEdit* subprotocols_ = nullptr;
    QGroupBox* deflate_ = nullptr;
    QCheckBox* serverNoContext_ = nullptr;
    QCheckBox* clientNoContext_ = nullptr;
    QSpinBox* serverWindow_ = nullptr;
    QSpinBox* clientWindow_ = nullptr;
    QComboBox* mode_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* stop_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* remoteWarning_ = nullptr;
    QWidget* settingsPanel_ = nullptr;
    QTableView* table_ = nullptr;
    QPushButton* clearClosed_ = nullptr;
    QPlainTextEdit* handshake_ = nullptr;
    QComboBox* target_ = nullptr;
    MessageComposer* composer_ = nullptr;
    QPlainTextEdit* refused_ = nullptr;
    SessionPane* pane_ = nullptr;
    QPointer<session::WebSocketServer> server_;
    QPointer<session::ServerClientList> clients_;
};

// The Console menu's "New server session".
QWidget* createServerSession(QWidget* parent = nullptr);

}  // namespace sockscope::ui
