#pragma once
// Everything a client connection is opened with, as fields: URL, extra
// headers, subprotocols, origin, permessage-deflate and its parameters, TLS
// files, auto-reconnect, keepalive and automatic pongs. Validates them into
// the session layer's types and converts to and from a saved profile.

#include <QVariantMap>
#include <QWidget>

#include <chrono>
#include <optional>

#include "session/reconnecting_client.h"
#include "session/websocket_client.h"
#include "session/websocket_url.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;
class QTabWidget;

namespace sockscope::ui {

struct KeepAliveSettings {
    bool enabled = false;
    std::chrono::milliseconds interval{30'000};
    std::chrono::milliseconds timeout{10'000};
};

struct ClientSettings {
    session::WebSocketUrl url;
    session::ClientOptions options;
    session::ReconnectPolicy reconnect;
    KeepAliveSettings keepAlive;
};

class ClientOptionsForm : public QWidget {
    Q_OBJECT

public:
    explicit ClientOptionsForm(QWidget* parent = nullptr);
    ~ClientOptionsForm() override;

    // The fields as the session layer takes them; nullopt with why (which
    // field, which row) when one is not valid.
    std::optional<ClientSettings> settings(QString* error = nullptr) const;

    // A profile: every field, as saved in QSettings "console/profiles".
    QVariantMap toProfile() const;
    // Missing or odd values (a hand-edited settings file) fall back to defaults.
    void fromProfile(const QVariantMap& profile);

    QString url() const;
    void setUrl(const QString& url);
    // Appends a row to the headers table.
    void addHeader(const QString& name, const QString& value);
    void setSubprotocols(const QString& commaSeparated);
    void setOrigin(const QString& origin);
    void setDeflate(bool offer);
    void setIgnoreCertificateErrors(bool ignore);
    bool ignoreCertificateErrors() const;
    void setAutoReconnect(bool enabled);
    void setKeepAlive(bool enabled, int intervalSeconds, int timeoutSeconds);
    void setAutoPong(bool enabled);

    QLineEdit* urlEdit() const { return url_; }
    QTableWidget* headerTable() const { return headers_; }
    QTabWidget* tabs() const { return tabs_; }

signals:
    // Ignoring certificate errors was switched on or off (the session shows a warning).
    void ignoreCertificateErrorsChanged(bool ignore);

private:
    QWidget* buildHandshakeTab();
    QWidget* buildDeflateTab();
    QWidget* buildTlsTab();
    QWidget* buildConnectionTab();
    void updateEnabled();

    QLineEdit* url_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    QTableWidget* headers_ = nullptr;
    QLineEdit* subprotocols_ = nullptr;
    QLineEdit* origin_ = nullptr;

    QCheckBox* deflate_ = nullptr;
    QCheckBox* serverNoContext_ = nullptr;
    QCheckBox* clientNoContext_ = nullptr;
    QCheckBox* serverBitsSet_ = nullptr;
    QSpinBox* serverBits_ = nullptr;
    QLabel* clientBitsLabel_ = nullptr;
    QComboBox* clientBitsMode_ = nullptr;
    QSpinBox* clientBits_ = nullptr;

    QLineEdit* caFile_ = nullptr;
    QLineEdit* certFile_ = nullptr;
    QLineEdit* keyFile_ = nullptr;
    QCheckBox* ignoreCertErrors_ = nullptr;

    QCheckBox* reconnect_ = nullptr;
    QSpinBox* reconnectInitialMs_ = nullptr;
    QSpinBox* reconnectMaxS_ = nullptr;
    QDoubleSpinBox* reconnectFactor_ = nullptr;
    QSpinBox* reconnectAttempts_ = nullptr;
    QCheckBox* keepAlive_ = nullptr;
    QSpinBox* keepAliveInterval_ = nullptr;
    QSpinBox* keepAliveTimeout_ = nullptr;
    QCheckBox* autoPong_ = nullptr;
};

}  // namespace sockscope::ui
