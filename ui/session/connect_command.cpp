#include "session/connect_command.h"

#include <algorithm>
#include <array>

#if QT_CONFIG(ssl)
#include <QSslSocket>
#endif

#include "session/cli_common.h"
#include "session/console_output.h"
#include "session/frame_format.h"
#include "session/qt_text.h"
#include "session/tls_files.h"
#include "sockscope/core/opcode.h"
#include "sockscope/core/utf8.h"

namespace sockscope::session {
namespace {

QString orDash(std::string_view text) {
    return text.empty() ? QStringLiteral("-") : fromStd(text);
}

// RFC 9110 §5.6.2 tchar.
bool isTokenChar(char16_t c) {
    if ((c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')) {
        return true;
    }
    return QStringView(u"!#$%&'*+-.^_`|~").contains(QChar(c));
}

// The closes that end a session normally; anything else is worth an error.
bool isNormalClose(std::optional<std::uint16_t> code) {
    return !code || *code == close_code::Normal || *code == close_code::GoingAway ||
           *code == close_code::NoStatusReceived;
}

std::span<const std::uint8_t> bytesOf(const QByteArray& data) {
    return {reinterpret_cast<const std::uint8_t*>(data.constData()),
            static_cast<std::size_t>(data.size())};
}

}  // namespace

HeaderArgument parseHeaderArgument(const QString& text) {
    const qsizetype colon = text.indexOf(u':');
    if (colon <= 0) {
        return {std::nullopt, u"--header '" + text + u"': expected 'Name: value'"};
    }
    const QString name = text.left(colon).trimmed();
    const QString value = text.mid(colon + 1).trimmed();
    if (name.isEmpty() || !std::all_of(name.cbegin(), name.cend(),
                                       [](QChar c) { return isTokenChar(c.unicode()); })) {
        return {std::nullopt, u"--header '" + text + u"': the name is not an HTTP token"};
    }
    if (value.contains(u'\r') || value.contains(u'\n') || value.contains(QChar(0))) {
        return {std::nullopt, u"--header '" + name + u"': the value contains CR, LF or NUL"};
    }
    static constexpr std::array<QStringView, 4> kOwned = {u"host", u"upgrade", u"connection",
                                                          u"content-length"};
    const QString lower = name.toLower();
    const bool owned = lower.startsWith(u"sec-websocket-") ||
                       std::any_of(kOwned.begin(), kOwned.end(),
                                   [&](QStringView owned) { return lower == owned; });
    if (owned) {
        return {std::nullopt, u"--header '" + name +
                                  u"': set by the handshake itself (see --subprotocol, --deflate)"};
    }
    return {HttpField{name.toStdString(), value.toStdString()}, {}};
}

ConnectCommand::ConnectCommand(ConnectOptions options, QObject* parent)
    : QObject(parent), options_(std::move(options)) {
    connect(&stdin_, &StdinLineReader::lineRead, this, &ConnectCommand::onLine);
    connect(&stdin_, &StdinLineReader::finished, this, &ConnectCommand::onStdinFinished);
}

bool ConnectCommand::start() {
    const WebSocketUrlParse parsed = parseWebSocketUrl(options_.url);
    if (!parsed.url) {
        printError(u"invalid URL '" + options_.url + u"': " + parsed.error);
        exitStatus_ = exit_status::Usage;
        return false;
    }
    url_ = *parsed.url;

    ClientOptions client;
    client.deflate = options_.deflate;
    client.subprotocols = options_.subprotocols;
    client.limits = options_.limits;
    for (const HttpField& field : options_.headers) {
        if (equalsIgnoreCase(field.name, "Origin")) {
            client.origin = field.value;  // the handshake has a slot for it
        } else {
            client.extraHeaders.push_back(field);
        }
    }
    QString error;
    if (!applyTlsOptions(client, error)) {
        printError(error);
        exitStatus_ = exit_status::Failure;
        return false;
    }
    client_ = new WebSocketClient(std::move(client), this);
    connect(client_, &WebSocketClient::certificateErrorsIgnored, this,
            [](const QStringList& errors) {
                for (const QString& e : errors)
                    printError(u"warning: certificate error ignored (--tls-insecure): " + e);
            });
    connection_ = client_->open(url_, &error);
    if (!connection_) {
        printError(error);
        exitStatus_ = exit_status::Failure;
        return false;
    }

    connect(connection_, &WebSocketConnection::handshakeDone, this,
            &ConnectCommand::onHandshakeDone);
    connect(connection_, &WebSocketConnection::handshakeFailed, this,
            [this](const event::HandshakeFailed& info) {
                if (info.status != 0 && info.status != 101) {
                    fail(u"handshake rejected: HTTP " + QString::number(info.status) + u" (" +
                         fromStd(formatProtocolError(info.error)) + u')');
                } else {
                    // TLS 1.3 lets a client finish its side before the server
                    // checks the client's certificate; a refusal then looks
                    // like a server closing without an answer.
                    const bool noAnswerOverTls = url_.secure && info.status == 0 &&
                                                 info.error.offset == 0 &&
                                                 options_.clientCertificateFile.isEmpty();
                    fail(u"handshake failed: " + fromStd(formatProtocolError(info.error)) +
                         (noAnswerOverTls ? QStringLiteral(" (a TLS server that requires a client "
                                                           "certificate refuses like this: see "
                                                           "--tls-cert)")
                                          : QString()));
                }
            });
    connect(connection_, &WebSocketConnection::protocolFailed, this,
            [this](const event::ProtocolFailed& info) {
                fail(u"protocol error: " + fromStd(formatProtocolError(info.error)));
            });
    connect(connection_, &WebSocketConnection::errorOccurred, this, [this](const QString& message) {
        if (open_) {
            fail(u"connection error: " + message);
        } else {
            const QString hint =
                certificateRejected_
                    ? QStringLiteral(
                          " (--tls-ca adds a trusted CA; --tls-insecure accepts any "
                          "certificate)")
                    : QString();
            fail(u"cannot connect to " + fromStd(url_.hostHeader) + u": " + message + hint);
        }
    });
#if QT_CONFIG(ssl)
    if (auto* ssl = qobject_cast<QSslSocket*>(connection_->socket())) {
        connect(ssl, &QSslSocket::sslErrors, this,
                [this] { certificateRejected_ = !options_.ignoreCertificateErrors; });
    }
#endif
    connect(connection_, &WebSocketConnection::messageReceived, this, &ConnectCommand::onMessage);
    connect(connection_, &WebSocketConnection::closed, this, &ConnectCommand::onClosed);
    if (options_.verbose) {
        connect(connection_, &WebSocketConnection::frameReceived, this,
                [](const event::FrameReceived& frame) {
                    writeLine(stderr, formatFrameLine(Direction::In, frame.header));
                });
        connect(connection_, &WebSocketConnection::frameSent, this,
                [](const event::FrameSent& frame) {
                    writeLine(stderr, formatFrameLine(Direction::Out, frame.header));
                });
        connect(connection_, &WebSocketConnection::closeReceived, this,
                [](const event::CloseReceived& close) {
                    QString line = u"close received: " + fromStd(formatCloseCode(close.code));
                    if (!close.reason.empty()) {
                        line += u' ' + fromStd(close.reason);
                    }
                    writeLine(stderr, line);
                });
    }
    if (!options_.echo) {
        stdin_.start();
    }
    return true;
}

bool ConnectCommand::applyTlsOptions(ClientOptions& client, QString& error) const {
#if QT_CONFIG(ssl)
    for (const QString& path : options_.caFiles) {
        std::optional<QList<QSslCertificate>> certificates = loadCaFile(path, &error);
        if (!certificates)
            return false;
        client.caCertificates += *certificates;
    }
    // WebSocketClient::open reads (and checks) the pair, naming the file at fault.
    client.clientCertificateFile = options_.clientCertificateFile;
    client.clientKeyFile = options_.clientKeyFile;
    client.ignoreCertificateErrors = options_.ignoreCertificateErrors;
    return true;
#else
    Q_UNUSED(client);
    const bool any = !options_.caFiles.isEmpty() || !options_.clientCertificateFile.isEmpty() ||
                     options_.ignoreCertificateErrors;
    if (any)
        error = QStringLiteral("the --tls-* options need a build with TLS support");
    return !any;
#endif
}

void ConnectCommand::onHandshakeDone(const event::HandshakeDone& info) {
    open_ = true;
    if (options_.verbose) {
        writeLine(stderr, u"open HTTP " + QString::number(info.response.status) + u" subprotocol=" +
                              orDash(info.subprotocol) + u" extensions=" + orDash(info.extensions));
    }
    for (const QByteArray& line : std::exchange(queuedLines_, {})) {
        sendLine(line);
    }
    if (stdinDone_) {
        connection_->close(close_code::Normal);
    }
}

void ConnectCommand::onLine(const QByteArray& line) {
    if (!open_) {
        queuedLines_.push_back(line);
        return;
    }
    sendLine(line);
}

void ConnectCommand::sendLine(const QByteArray& line) {
    ++lineNumber_;
    if (isValidUtf8(bytesOf(line))) {
        connection_->sendText(
            std::string_view(line.constData(), static_cast<std::size_t>(line.size())));
        return;
    }
    // A text message must be UTF-8 (RFC 6455 §5.6); send the bytes unchanged
    // rather than have the peer fail the connection.
    writeLine(stderr, u"sockscope-cli: line " + QString::number(lineNumber_) +
                          u" is not valid UTF-8; sent as a binary message");
    connection_->sendBinary(bytesOf(line));
}

void ConnectCommand::onStdinFinished() {
    stdinDone_ = true;
    if (open_) {
        connection_->close(close_code::Normal);
    }
}

void ConnectCommand::interrupt() {
    if (!connection_ || interrupted_) {
        return;
    }
    interrupted_ = true;
    if (!open_ || !connection_->close(close_code::GoingAway)) {
        connection_->abort();
    }
}

void ConnectCommand::onMessage(const event::Message& message) {
    if (options_.echo) {
        connection_->sendMessage(message.opcode, message.payload);
        return;
    }
    if (message.opcode == static_cast<std::uint8_t>(Opcode::Text)) {
        writeLine(stdout, message.text());
    } else {
        writeLine(stdout, formatBinaryPreview(message.payload));
    }
}

void ConnectCommand::onClosed(const event::Closed& info) {
    if (options_.verbose) {
        writeLine(stderr, u"closed " + fromStd(formatCloseCode(info.code)) +
                              (info.clean ? u" clean" : u" not clean"));
    }
    if (interrupted_ && !open_) {
        exitStatus_ = exit_status::Interrupted;
        emit finished(exitStatus_);
        return;
    }
    if (!failed_) {
        QString reason;
        if (!info.reason.empty()) {
            reason = u": " + fromStd(info.reason);
        }
        if (!open_) {
            fail(u"connection to " + fromStd(url_.hostHeader) +
                 u" closed during the opening handshake" + reason);
        } else if (!info.clean) {
            fail(u"connection closed abnormally (" + fromStd(formatCloseCode(info.code)) + u')' +
                 reason);
        } else if (!isNormalClose(info.code)) {
            fail(u"the server closed the connection with " + fromStd(formatCloseCode(info.code)) +
                 reason);
        }
    }
    exitStatus_ = failed_ ? exit_status::Failure : exit_status::Ok;
    emit finished(exitStatus_);
}

void ConnectCommand::fail(const QString& message) {
    // One error line per run: the first cause, not its consequences.
    if (!failed_) {
        failed_ = true;
        printError(message);
    }
}

}  // namespace sockscope::session
