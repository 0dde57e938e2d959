#pragma once
// Records everything one of our WebSocketConnections reports, for tests that
// wait on it with QTRY_* (the event loop keeps running while they wait).

#include <QObject>
#include <QStringList>
#include <optional>
#include <vector>

#include "session/websocket_connection.h"

namespace sockscope::test {

class ConnectionRecorder {
public:
    void attach(session::WebSocketConnection* connection) {
        using session::WebSocketConnection;
        // `context_` disconnects everything when the recorder goes away first.
        QObject::connect(connection, &WebSocketConnection::handshakeDone, &context_,
                         [this](const event::HandshakeDone& e) { handshake = e; });
        QObject::connect(connection, &WebSocketConnection::handshakeFailed, &context_,
                         [this](const event::HandshakeFailed& e) { handshakeFailure = e; });
        QObject::connect(connection, &WebSocketConnection::messageReceived, &context_,
                         [this](const event::Message& e) { messages.push_back(e); });
        QObject::connect(connection, &WebSocketConnection::pingReceived, &context_,
                         [this](const event::Ping& e) { pings.push_back(e); });
        QObject::connect(connection, &WebSocketConnection::pongReceived, &context_,
                         [this](const event::Pong& e) { pongs.push_back(e); });
        QObject::connect(connection, &WebSocketConnection::closeReceived, &context_,
                         [this](const event::CloseReceived& e) { closes.push_back(e); });
        QObject::connect(connection, &WebSocketConnection::frameReceived, &context_,
                         [this](const event::FrameReceived& e) { framesIn.push_back(e.header); });
        QObject::connect(connection, &WebSocketConnection::frameSent, &context_,
                         [this](const event::FrameSent& e) { framesOut.push_back(e.header); });
        QObject::connect(connection, &WebSocketConnection::protocolFailed, &context_,
                         [this](const event::ProtocolFailed& e) { failure = e; });
        QObject::connect(connection, &WebSocketConnection::errorOccurred, &context_,
                         [this](const QString& message) { errors.append(message); });
        QObject::connect(connection, &WebSocketConnection::closed, &context_,
                         [this](const event::Closed& e) {
                             closed = e;
                             ++closedCount;
                         });
    }

    std::optional<event::HandshakeDone> handshake;
    std::optional<event::HandshakeFailed> handshakeFailure;
    std::vector<event::Message> messages;
    std::vector<event::Ping> pings;
    std::vector<event::Pong> pongs;
    std::vector<event::CloseReceived> closes;
    std::vector<FrameHeader> framesIn;
    std::vector<FrameHeader> framesOut;
    std::optional<event::ProtocolFailed> failure;
    QStringList errors;
    std::optional<event::Closed> closed;
    int closedCount = 0;  // closed() must come exactly once

private:
    QObject context_;
};

}  // namespace sockscope::test
