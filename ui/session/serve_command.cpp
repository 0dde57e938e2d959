#include "session/serve_command.h"

#include "session/cli_common.h"
#include "session/console_output.h"
#include "session/frame_format.h"
#include "session/qt_text.h"
#include "session/socket_address.h"
#include "sockscope/core/opcode.h"

namespace sockscope::session {
namespace {

ServerOptions serverOptions(const ServeOptions& options) {
    ServerOptions out;
    out.subprotocols = options.subprotocols;
    out.deflate = options.deflate;
    out.echo = options.echo;
    out.certificateFile = options.certificateFile;
    out.privateKeyFile = options.privateKeyFile;
    out.allowedOrigins = options.allowedOrigins;
    out.limits = options.limits;
    return out;
}

QString prefix(quint64 id) {
    return u'[' + QString::number(id) + u"] ";
}

// How long a shutdown waits for the close handshakes.
constexpr std::chrono::milliseconds kShutdownWait{3000};

QString orDash(std::string_view text) {
    return text.empty() ? QStringLiteral("-") : fromStd(text);
}

void printConnectionLine(quint64 id, std::string_view line) {
    writeLine(stderr, prefix(id) + fromStd(line));
}

}  // namespace

ServeCommand::ServeCommand(ServeOptions options, QObject* parent)
    : QObject(parent), options_(std::move(options)), server_(serverOptions(options_)) {
    connect(&server_, &WebSocketServer::newConnection, this, &ServeCommand::onNewConnection);
    connect(&server_, &WebSocketServer::connectionFinished, this,
            &ServeCommand::onConnectionFinished);
    // Refusals of WebSocket handshakes are printed per connection; these are
    // the TLS handshakes that failed before a connection existed.
    connect(&server_, &WebSocketServer::handshakeRefused, this,
            [](quint64 id, const QString& peer, int, const QString& reason) {
                if (id == 0) {
                    printError(peer + u": " + reason);
                }
            });
    shutdownTimer_.setSingleShot(true);
    connect(&shutdownTimer_, &QTimer::timeout, this, [this] { emit finished(exit_status::Ok); });
}

void ServeCommand::shutdown() {
    if (shuttingDown_) {
        return;
    }
    shuttingDown_ = true;
    server_.stopListening();
    printError(u"shutting down: closing " + QString::number(server_.connectionCount()) +
               u" connection(s) with 1001");
    server_.closeAll(close_code::GoingAway, "server shutting down");
    shutdownTimer_.start(kShutdownWait);
    finishIfIdle();
}

void ServeCommand::finishIfIdle() {
    if (shuttingDown_ && server_.connectionCount() == 0) {
        shutdownTimer_.stop();
        emit finished(exit_status::Ok);
    }
}

bool ServeCommand::start() {
    if (!server_.listen(options_.host, options_.port)) {
        printError(u"cannot listen on " + formatSocketAddress(options_.host, options_.port) +
                   u": " + server_.errorString());
        return false;
    }
    if (!options_.host.isLoopback()) {
        printError(u"warning: listening on " + options_.host.toString() +
                   u", not only on loopback: other machines can connect");
    }
    printError(u"listening on " +
               (server_.isTls() ? QStringLiteral("wss://") : QStringLiteral("ws://")) +
               formatSocketAddress(server_.serverAddress(), server_.serverPort()) + u'/');
    return true;
}

void ServeCommand::onNewConnection(WebSocketConnection* connection, quint64 id) {
    connect(connection, &WebSocketConnection::handshakeDone, this,
            [connection, id](const event::HandshakeDone& info) {
                writeLine(stderr, prefix(id) + u"open " + connection->peerName() + u' ' +
                                      fromStd(info.request.method) + u' ' +
                                      fromStd(info.request.target) + u" subprotocol=" +
                                      orDash(info.subprotocol) + u" extensions=" +
                                      orDash(info.extensions));
            });
    connect(connection, &WebSocketConnection::handshakeFailed, this,
            [connection, id](const event::HandshakeFailed& info) {
                writeLine(stderr, prefix(id) + u"rejected " + connection->peerName() +
                                      u" with HTTP " + QString::number(info.status) + u": " +
                                      fromStd(formatProtocolError(info.error)));
            });
    connect(connection, &WebSocketConnection::protocolFailed, this,
            [id](const event::ProtocolFailed& info) {
                writeLine(stderr, prefix(id) + u"protocol error: " +
                                      fromStd(formatProtocolError(info.error)));
            });
    connect(connection, &WebSocketConnection::errorOccurred, this,
            [id](const QString& message) { writeLine(stderr, prefix(id) + u"error: " + message); });
    if (!options_.echo) {
        connect(connection, &WebSocketConnection::messageReceived, this,
                [](const event::Message& message) {
                    if (message.opcode == static_cast<std::uint8_t>(Opcode::Text)) {
                        writeLine(stdout, message.text());
                    } else {
                        writeLine(stdout, formatBinaryPreview(message.payload));
                    }
                });
    }
    if (options_.verbose) {
        connect(connection, &WebSocketConnection::frameReceived, this,
                [id](const event::FrameReceived& frame) {
                    printConnectionLine(id, formatFrameLine(Direction::In, frame.header));
                });
        connect(connection, &WebSocketConnection::frameSent, this,
                [id](const event::FrameSent& frame) {
                    printConnectionLine(id, formatFrameLine(Direction::Out, frame.header));
                });
        connect(connection, &WebSocketConnection::messageReceived, this,
                [id](const event::Message& message) {
                    printConnectionLine(id, formatMessageLine(Direction::In, message));
                });
    }
}

void ServeCommand::onConnectionFinished(quint64 id, const event::Closed& info) {
    QString line = prefix(id) + u"closed " + fromStd(formatCloseCode(info.code));
    if (info.clean) {
        line += info.closedByUs ? u" clean, closed by us" : u" clean, closed by peer";
    } else {
        line += u" not clean";
    }
    if (!info.reason.empty()) {
        line += u": " + fromStd(info.reason);
    }
    writeLine(stderr, line);
    finishIfIdle();
}

}  // namespace sockscope::session
