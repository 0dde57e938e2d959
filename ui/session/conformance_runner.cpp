#include "session/conformance_runner.h"

#include <QMetaObject>
#include <QTcpServer>
#include <QTcpSocket>

#include "session/qt_text.h"
#include "sockscope/core/http_message.h"

namespace sockscope::session::conformance {
namespace {

constexpr std::size_t kMaxHead = 64 << 10;
constexpr char kHeadProperty[] = "sockscopeConformHead";

}  // namespace

// --- ServerRunner ------------------------------------------------------------

ServerRunner::ServerRunner(QString host, quint16 port, std::vector<const Case*> cases,
                           SessionSettings settings, QObject* parent)
    : QObject(parent),
      host_(std::move(host)),
      port_(port),
      cases_(std::move(cases)),
      settings_(std::move(settings)) {}

void ServerRunner::start() {
    QMetaObject::invokeMethod(this, &ServerRunner::next, Qt::QueuedConnection);
}

void ServerRunner::stop() {
    stopping_ = true;
}

void ServerRunner::next() {
    if (stopping_ || index_ >= cases_.size()) {
        emit finished();
        return;
    }
    const Case& testCase = *cases_[index_++];
    auto* session = new CaseSession(testCase, host_, port_, settings_, this);
    connect(session, &CaseSession::finished, this, [this, session](const CaseResult& result) {
        results_.push_back(result);
        emit caseFinished(result);
        session->deleteLater();
        next();
    });
    emit caseStarted(session);
    session->start();
}

// --- ClientRunner ------------------------------------------------------------

ClientRunner::ClientRunner(std::vector<const Case*> cases, SessionSettings settings,
                           QObject* parent)
    : QObject(parent),
      cases_(std::move(cases)),
      settings_(std::move(settings)),
      server_(new QTcpServer(this)) {
    connectTimer_.setSingleShot(true);
    connect(&connectTimer_, &QTimer::timeout, this, &ClientRunner::noClient);
    connect(server_, &QTcpServer::pendingConnectionAvailable, this, &ClientRunner::onNewConnection);
}

ClientRunner::~ClientRunner() = default;

bool ClientRunner::listen(const QHostAddress& address, quint16 port) {
    address_ = address;
    return server_->listen(address, port);
}

QString ClientRunner::errorString() const {
    return server_->errorString();
}

quint16 ClientRunner::port() const {
    return server_->serverPort();
}

QString ClientRunner::caseUrl(const Case& testCase) const {
    QString host = address_.toString();
    if (address_.protocol() == QAbstractSocket::IPv6Protocol) {
        host = u'[' + host + u']';
    }
    return u"ws://" + host + u':' + QString::number(port()) + u"/case/" + fromStd(testCase.id);
}

void ClientRunner::start() {
    QMetaObject::invokeMethod(this, &ClientRunner::next, Qt::QueuedConnection);
}

void ClientRunner::stop() {
    stopping_ = true;
}

void ClientRunner::next() {
    if (stopping_ || index_ >= cases_.size()) {
        server_->close();
        emit finished();
        return;
    }
    const Case& testCase = *cases_[index_];
    connectTimer_.start(settings_.timeoutMs * std::max(1, testCase.timeoutFactor));
    emit clientWanted(caseUrl(testCase), &testCase);
}

void ClientRunner::onNewConnection() {
    while (QTcpSocket* socket = server_->nextPendingConnection()) {
        socket->setParent(this);
        if (sessionRunning_ || pending_ || index_ >= cases_.size() || !connectTimer_.isActive()) {
            refuse(socket, 503, "another case is running");
            continue;
        }
        pending_ = socket;
        connect(socket, &QIODevice::readyRead, this, [this, socket] { onHeadBytes(socket); });
        connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
        onHeadBytes(socket);
    }
}

void ClientRunner::onHeadBytes(QTcpSocket* socket) {
    QByteArray head = socket->property(kHeadProperty).toByteArray() + socket->readAll();
    socket->setProperty(kHeadProperty, head);
    const auto* data = reinterpret_cast<const std::uint8_t*>(head.constData());
    const HttpParse<HttpRequest> parse =
        parseHttpRequest(std::span(data, static_cast<std::size_t>(head.size())), kMaxHead);
    if (parse.status == ParseStatus::NeedMore) {
        return;
    }
    if (socket == pending_) {
        pending_ = nullptr;
    }
    const Case& testCase = *cases_[index_];
    if (parse.status == ParseStatus::Error) {
        refuse(socket, 400, parse.error->detail);
        return;
    }
    const std::string wanted = "/case/" + testCase.id;
    if (parse.message.target != wanted) {
        refuse(socket, 404, "this run expects " + wanted + ", not " + parse.message.target);
        return;
    }
    QObject::disconnect(socket, nullptr, this, nullptr);
    QObject::disconnect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    connectTimer_.stop();
    sessionRunning_ = true;
    auto* session =
        new CaseSession(testCase, socket, parse.message,
                        head.mid(static_cast<qsizetype>(parse.consumed)), settings_, this);
    connect(session, &CaseSession::finished, this, [this, session](const CaseResult& result) {
        session->deleteLater();
        caseDone(result);
    });
    emit caseStarted(session);
    session->start();
}

void ClientRunner::refuse(QTcpSocket* socket, int status, const std::string& why) {
    const std::string body = why + "\n";
    const std::string response = "HTTP/1.1 " + std::to_string(status) +
                                 (status == 404   ? " Not Found"
                                  : status == 400 ? " Bad Request"
                                                  : " Service Unavailable") +
                                 "\r\nContent-Length: " + std::to_string(body.size()) +
                                 "\r\nConnection: close\r\n\r\n" + body;
    QObject::disconnect(socket, nullptr, this, nullptr);
    socket->write(response.data(), static_cast<qint64>(response.size()));
    socket->disconnectFromHost();
    if (socket->state() == QAbstractSocket::UnconnectedState) {
        socket->deleteLater();
    } else {
        connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater,
                Qt::UniqueConnection);
    }
}

void ClientRunner::noClient() {
    const Case& testCase = *cases_[index_];
    if (pending_) {
        pending_->abort();
        pending_ = nullptr;
    }
    CaseResult result;
    result.testCase = &testCase;
    result.verdict = Verdict::Fail;
    result.reason =
        "the client did not connect to " + caseUrl(testCase).toStdString() + " within " +
        std::to_string(settings_.timeoutMs * std::max(1, testCase.timeoutFactor)) + " ms";
    result.milliseconds = settings_.timeoutMs * std::max(1, testCase.timeoutFactor);
    caseDone(result);
}

void ClientRunner::caseDone(const CaseResult& result) {
    sessionRunning_ = false;
    ++index_;
    results_.push_back(result);
    emit caseFinished(result);
    if (cleanup_) {
        cleanup_();
    }
    QMetaObject::invokeMethod(this, &ClientRunner::next, Qt::QueuedConnection);
}

}  // namespace sockscope::session::conformance
