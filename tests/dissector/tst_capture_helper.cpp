// The capture helper (sockscope-capture) and LiveCapture through it: the
// helper alone on lo (exact payloads in its pcapng, -D, strict arguments,
// SIGTERM, stdin at EOF, a reader that goes away); LiveCapture::open through
// the helper (same bytes, poll's timeout, stats, errors); fake helpers that
// send broken or odd streams (no privilege needed); and, as root, the real
// thing: a child running as nobody captures through a copy of the helper
// that holds the capabilities. Plus the CLI's capture through the helper.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sockscope/dissector/capture_reader.h>
#include <sockscope/dissector/live_capture.h>
#include <sockscope/dissector/packet_decoder.h>

#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <array>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#define SOCKSCOPE_CLI_PATH SOCKSCOPE_BINARY_DIR "/bin/sockscope-cli"
#include "../cli/cli_process.h"

using namespace sockscope;
using dissector::LiveCapture;
using dissector::LiveCaptureOptions;
using dissector::RawPacket;

namespace {

constexpr int kTimeoutMs = 10000;
constexpr int kLinkTypeEthernet = 1;  // what Linux's lo is

const QString kGroupAdvice = QStringLiteral(
    "add yourself to group sockscope (sudo usermod -aG sockscope $USER, then log in again)");

QString helperPath() {
    return QStringLiteral(SOCKSCOPE_BINARY_DIR "/bin/sockscope-capture");
}

QByteArray bytesOf(std::span<const std::uint8_t> data) {
    return QByteArray(reinterpret_cast<const char*>(data.data()), qsizetype(data.size()));
}

// Different bytes at every position (zeros included), so a shifted or
// repeated piece never matches.
QByteArray pattern(int size, int seed) {
    QByteArray bytes(size, '\0');
    for (int i = 0; i < size; ++i) {
        bytes[i] = char((i * 7 + seed + i / 251) & 0xff);
    }
    return bytes;
}

const QByteArray kToServer = pattern(1500, 3);
const QByteArray kToClient = QByteArrayLiteral("pong: ") + pattern(200, 11);

// Sets environment variables (nullopt: unsets) for one scope.
class EnvGuard {
public:
    EnvGuard(std::initializer_list<std::pair<const char*, std::optional<QByteArray>>> values) {
        for (const auto& [name, value] : values) {
            saved_.emplace_back(name, qEnvironmentVariableIsSet(name)
                                          ? std::optional<QByteArray>(qgetenv(name))
                                          : std::nullopt);
            value ? qputenv(name, *value) : qunsetenv(name);
        }
    }
    ~EnvGuard() {
        for (const auto& [name, value] : saved_) {
            value ? qputenv(name, *value) : qunsetenv(name);
        }
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

private:
    std::vector<std::pair<const char*, std::optional<QByteArray>>> saved_;
};

// One TCP connection over 127.0.0.1 to a listener of our own, bytes each
// way; blocking sockets with 5 s timeouts (plain POSIX: no event loop needed,
// and a forked child's parent can use it too).
class LoopbackPeer {
public:
    LoopbackPeer() {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address = loopback(0);
        socklen_t length = sizeof address;
        if (listener_ < 0 ||
            ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(listener_, 4) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            return;
        }
        withTimeouts(listener_);
        port_ = ntohs(address.sin_port);
    }
    ~LoopbackPeer() {
        if (listener_ >= 0) {
            ::close(listener_);
        }
    }
    LoopbackPeer(const LoopbackPeer&) = delete;
    LoopbackPeer& operator=(const LoopbackPeer&) = delete;

    quint16 port() const { return port_; }
    QByteArray filter() const { return "tcp port " + QByteArray::number(port_); }

    // Sends `toServer` from a new client and `toClient` back, each read in
    // full by the other side, then closes both. Empty, or what failed.
    QString exchange(const QByteArray& toServer, const QByteArray& toClient) {
        const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (client < 0) {
            return QStringLiteral("socket failed");
        }
        withTimeouts(client);
        const sockaddr_in address = loopback(port_);
        if (::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
            ::close(client);
            return QStringLiteral("connect failed");
        }
        const int server = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (server < 0) {
            ::close(client);
            return QStringLiteral("accept failed");
        }
        withTimeouts(server);
        QString why;
        if (!sendAll(client, toServer) || receive(server, toServer.size()) != toServer) {
            why = QStringLiteral("client to server failed");
        } else if (!sendAll(server, toClient) || receive(client, toClient.size()) != toClient) {
            why = QStringLiteral("server to client failed");
        }
        ::close(client);
        ::close(server);
        return why;
    }

private:
    static sockaddr_in loopback(quint16 port) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return address;
    }
    static void withTimeouts(int fd) {
        const timeval timeout{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    }
    static bool sendAll(int fd, const QByteArray& bytes) {
        qsizetype done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(fd, bytes.constData() + done, size_t(bytes.size() - done), 0);
            if (n <= 0) {
                return false;
            }
            done += n;
        }
        return true;
    }
    static QByteArray receive(int fd, qsizetype size) {
        QByteArray bytes(size, '\0');
        qsizetype done = 0;
        while (done < size) {
            const ssize_t n = ::recv(fd, bytes.data() + done, size_t(size - done), 0);
            if (n <= 0) {
                break;
            }
            done += n;
        }
        bytes.truncate(done);
        return bytes;
    }

    int listener_ = -1;
    quint16 port_ = 0;
};

// The TCP payload each way of the connections to `port`, in capture order.
class FlowCollector {
public:
    explicit FlowCollector(quint16 port) : port_(port) {}
    void add(const RawPacket& packet) {
        ++packets;
        numbers.push_back(packet.number);
        const dissector::PacketDecode decoded = decoder_.decode(packet);
        if (decoded.status != dissector::DecodeStatus::Tcp) {
            return;
        }
        const QByteArray payload = bytesOf(decoded.segment.payload);
        if (decoded.segment.destination.port == port_) {
            toServer += payload;
        } else if (decoded.segment.source.port == port_) {
            toClient += payload;
        }
    }
    bool complete() const {
        return toServer.size() >= kToServer.size() && toClient.size() >= kToClient.size();
    }

    QByteArray toServer;
    QByteArray toClient;
    int packets = 0;
    std::vector<std::uint64_t> numbers;

private:
    quint16 port_;
    dissector::PacketDecoder decoder_;
};

struct FileRead {
    std::string error;  // opening or reading
    int linkType = 0;
    std::optional<dissector::CaptureFormat> format;
    QByteArray toServer;
    QByteArray toClient;
    int packets = 0;
};

FileRead readCapture(const QString& path, quint16 port) {
    FileRead read;
    const auto reader = dissector::CaptureReader::open(path.toStdString(), read.error);
    if (!reader) {
        return read;
    }
    read.linkType = reader->linkType();
    read.format = reader->format();
    FlowCollector flows(port);
    while (const auto packet = reader->next()) {
        flows.add(*packet);
    }
    read.error = reader->error();
    read.toServer = flows.toServer;
    read.toClient = flows.toClient;
    read.packets = flows.packets;
    return read;
}

// Empty when this process may capture on lo itself (root or CAP_NET_RAW);
// else why not. The helper a test runs gets no capabilities of its own.
QString captureDenied() {
    LiveCaptureOptions options;
    options.interface = "lo";
    options.filter = "tcp port 1";
    options.bufferBytes = 1 << 20;
    std::string error;
    return LiveCapture::openDirect(options, error) ? QString() : QString::fromStdString(error);
}

#define SKIP_UNLESS_CAPTURE_PERMITTED()                                                          \
    do {                                                                                         \
        const QString denied = captureDenied();                                                  \
        if (!denied.isEmpty()) {                                                                 \
            QSKIP(qPrintable(QStringLiteral("live capture on lo needs root or CAP_NET_RAW (the " \
                                            "helper a test runs holds no capabilities): ") +     \
                             denied));                                                           \
        }                                                                                        \
    } while (false)

// The helper run alone, stdout to a file or a pipe, stderr collected.
class HelperRun {
public:
    explicit HelperRun(const QStringList& arguments, const QString& stdoutFile = {},
                       QProcess* stdoutReader = nullptr) {
        if (!stdoutFile.isEmpty()) {
            process_.setStandardOutputFile(stdoutFile);
        }
        if (stdoutReader != nullptr) {
            process_.setStandardOutputProcess(stdoutReader);
        }
        process_.setReadChannel(QProcess::StandardError);
        process_.start(helperPath(), arguments);
    }
    ~HelperRun() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(3000);
        }
    }
    HelperRun(const HelperRun&) = delete;
    HelperRun& operator=(const HelperRun&) = delete;

    QProcess& process() { return process_; }
    // Until stderr holds `needle` or the helper ended, at most `timeoutMs`.
    bool waitForStderr(const QByteArray& needle, int timeoutMs) {
        const QDeadlineTimer deadline(timeoutMs);
        while (!err_.contains(needle) && !deadline.hasExpired() &&
               process_.state() != QProcess::NotRunning) {
            process_.waitForReadyRead(50);
            err_ += process_.readAllStandardError();
        }
        err_ += process_.readAllStandardError();
        return err_.contains(needle);
    }
    bool waitForExit(int timeoutMs) {
        const bool done = process_.waitForFinished(timeoutMs);
        err_ += process_.readAllStandardError();
        out_ += process_.readAllStandardOutput();
        return done;
    }
    int exitCode() const {
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }
    const QByteArray& err() const { return err_; }
    const QByteArray& out() const { return out_; }

private:
    QProcess process_;
    QByteArray err_;
    QByteArray out_;
};

// Every stderr line is a status line; returns the last one's counts.
std::optional<LiveCapture::Stats> onlyStatsLines(const QByteArray& err) {
    std::optional<LiveCapture::Stats> last;
    for (const QByteArray& line : err.split('\n')) {
        if (line.isEmpty()) {
            continue;
        }
        last = dissector::capture_helper::parseStatsLine(line.toStdString());
        if (!last) {
            return std::nullopt;
        }
    }
    return last;
}

// A pcapng stream written by hand, in either byte order: what fake helpers send.
class StreamBuilder {
public:
    explicit StreamBuilder(bool bigEndian) : big_(bigEndian) {}

    StreamBuilder& section() {
        QByteArray body;
        u32(body, 0x1A2B3C4D);
        u16(body, 1);
        u16(body, 0);
        u32(body, 0xFFFFFFFF);
        u32(body, 0xFFFFFFFF);
        return block(0x0A0D0D0A, body);
    }
    StreamBuilder& interface(int linkType, std::uint32_t snaplen, std::optional<int> tsresol) {
        QByteArray body;
        u16(body, std::uint16_t(linkType));
        u16(body, 0);
        u32(body, snaplen);
        if (tsresol) {
            u16(body, 9);
            u16(body, 1);
            body += char(*tsresol);
            body += QByteArray(3, '\0');
        }
        u32(body, 0);  // end of options
        return block(1, body);
    }
    StreamBuilder& packet(std::uint64_t units, const QByteArray& data, std::uint32_t original) {
        QByteArray body;
        u32(body, 0);
        u32(body, std::uint32_t(units >> 32));
        u32(body, std::uint32_t(units));
        u32(body, std::uint32_t(data.size()));
        u32(body, original);
        body += data;
        body += QByteArray((4 - data.size() % 4) % 4, '\0');
        return block(6, body);
    }
    StreamBuilder& block(std::uint32_t type, const QByteArray& body) {
        u32(bytes, type);
        u32(bytes, std::uint32_t(body.size() + 12));
        bytes += body;
        u32(bytes, std::uint32_t(body.size() + 12));
        return *this;
    }

    QByteArray bytes;

private:
    void u16(QByteArray& out, std::uint16_t v) const {
        const char low = char(v & 0xff);
        const char high = char(v >> 8);
        out += big_ ? high : low;
        out += big_ ? low : high;
    }
    void u32(QByteArray& out, std::uint32_t v) const {
        QByteArray four;
        for (int i = 0; i < 4; ++i) {
            four += char((v >> (8 * i)) & 0xff);
        }
        if (big_) {
            std::reverse(four.begin(), four.end());
        }
        out += four;
    }
    bool big_;
};

// A shell command that writes `bytes` to stdout (octal escapes: any byte).
QByteArray printfCommand(const QByteArray& bytes) {
    QByteArray command = "printf '";
    for (const char c : bytes) {
        command += '\\' + QByteArray::number(int(static_cast<unsigned char>(c)), 8);
    }
    return command + "'\n";
}

// Writes an executable /bin/sh script; it runs with an empty environment.
QString writeScript(const QTemporaryDir& dir, const QString& name, const QByteArray& body) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write("#!/bin/sh\n" + body) < 0) {
        return {};
    }
    file.close();
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}

LiveCaptureOptions loOptions(const QByteArray& filter) {
    LiveCaptureOptions options;
    options.interface = "lo";
    options.filter = filter.toStdString();
    options.bufferBytes = 8 << 20;
    return options;
}

// Polls until `done()` or `timeoutMs`; false on a poll error (see error()).
bool pollUntil(LiveCapture& capture, const LiveCapture::PacketCallback& onPacket,
               const std::function<bool()>& done, int timeoutMs) {
    const QDeadlineTimer deadline(timeoutMs);
    while (!done() && !deadline.hasExpired()) {
        if (capture.poll(100, onPacket) < 0) {
            return false;
        }
    }
    return true;
}

bool noChildLeft() {
    return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

// ---- the child that runs as nobody ----

// Reads one line from `fd` within the deadline; nullopt on timeout or EOF.
std::optional<QByteArray> readLine(int fd, QByteArray& buffer, const QDeadlineTimer& deadline) {
    for (;;) {
        if (const qsizetype end = buffer.indexOf('\n'); end >= 0) {
            const QByteArray line = buffer.left(end);
            buffer.remove(0, end + 1);
            return line;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, int(std::max<qint64>(deadline.remainingTime(), 0))) <= 0) {
            return std::nullopt;
        }
        std::array<char, 4096> chunk{};
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n <= 0) {
            return std::nullopt;
        }
        buffer.append(chunk.data(), n);
    }
}

void report(int fd, const std::string& line) {
    const std::string text = line + "\n";
    [[maybe_unused]] const ssize_t n = ::write(fd, text.data(), text.size());
}

// In the child: drop to nobody, capture on lo through `helper`, report on `fd`:
// "open-failed <error>", or "ready <direct-denied> <via-helper>" and then
// "flows <hex to server> <hex to client>".
[[noreturn]] void childCapture(int fd, uid_t uid, gid_t gid, const QString& helper, quint16 port) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
        report(fd, "setup-failed cannot become nobody");
        ::_exit(1);
    }
    ::setenv("SOCKSCOPE_CAPTURE_HELPER", helper.toLocal8Bit().constData(), 1);
    ::unsetenv("SOCKSCOPE_CAPTURE_VIA_HELPER");
    const LiveCaptureOptions options = loOptions("tcp port " + QByteArray::number(port));
    std::string error;
    LiveCapture::OpenFailure failure;
    const bool directDenied =
        !LiveCapture::openDirect(options, error, &failure) && failure.permission;
    const std::unique_ptr<LiveCapture> capture = LiveCapture::open(options, error);
    if (!capture) {
        report(fd, "open-failed " + error);
        ::_exit(0);
    }
    report(fd, std::string("ready ") + (directDenied ? "direct-denied" : "direct-allowed") + " " +
                   (capture->viaHelper() ? "via-helper" : "direct"));
    FlowCollector flows(port);
    const bool ok = pollUntil(
        *capture, [&](const RawPacket& packet) { flows.add(packet); },
        [&] { return flows.complete(); }, kTimeoutMs);
    if (!ok) {
        report(fd, "poll-failed " + capture->error());
        ::_exit(1);
    }
    report(fd, "flows " + flows.toServer.toHex().toStdString() + " " +
                   flows.toClient.toHex().toStdString());
    ::_exit(0);
}

struct Nobody {
    uid_t uid = 65534;
    gid_t gid = 65534;
};

Nobody nobody() {
    Nobody who;
    if (const passwd* entry = ::getpwnam("nobody")) {
        who.uid = entry->pw_uid;
        who.gid = entry->pw_gid;
    }
    return who;
}

// Runs childCapture() in a forked child; `afterReady` runs in this process
// once the child reported "ready". Returns the child's lines. Bounded.
QList<QByteArray> runAsNobody(const QString& helper, LoopbackPeer& peer,
                              const std::function<void()>& afterReady) {
    std::array<int, 2> pipe{};
    if (::pipe2(pipe.data(), O_CLOEXEC) != 0) {
        return {"setup-failed pipe"};
    }
    const Nobody who = nobody();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(pipe[0]);
        childCapture(pipe[1], who.uid, who.gid, helper, peer.port());
    }
    ::close(pipe[1]);
    QList<QByteArray> lines;
    QByteArray buffer;
    const QDeadlineTimer deadline(3 * kTimeoutMs);
    while (const auto line = readLine(pipe[0], buffer, deadline)) {
        lines << *line;
        if (line->startsWith("ready ")) {
            afterReady();
        }
    }
    ::close(pipe[0]);
    // Bounded reaping: a child still there after the deadline is killed.
    const QDeadlineTimer reapDeadline(kTimeoutMs);
    while (::waitpid(pid, nullptr, WNOHANG) == 0) {
        if (reapDeadline.hasExpired()) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            lines << "killed: the child did not end";
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return lines;
}

QString setcapProgram() {
    for (const QString& candidate :
         {QStandardPaths::findExecutable(QStringLiteral("setcap")),
          QStandardPaths::findExecutable(QStringLiteral("setcap"),
                                         {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")})}) {
        if (!candidate.isEmpty()) {
            return candidate;
        }
    }
    return {};
}

}  // namespace

class TestCaptureHelper : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY2(QFileInfo(helperPath()).isExecutable(),
                 qPrintable(helperPath() + QStringLiteral(" is missing: build sockscope-capture")));
        // The tests set these themselves.
        qunsetenv("SOCKSCOPE_CAPTURE_HELPER");
        qunsetenv("SOCKSCOPE_CAPTURE_VIA_HELPER");
    }

    // ---- the helper alone ----

    void helperListsInterfaces() {
        HelperRun run({QStringLiteral("-D")});
        QVERIFY(run.waitForExit(kTimeoutMs));
        QCOMPARE(run.exitCode(), 0);
        QCOMPARE(run.err(), QByteArray());
        bool sawLo = false;
        for (const QByteArray& line : run.out().split('\n')) {
            if (line.isEmpty()) {
                continue;
            }
            const QList<QByteArray> fields = line.split('\t');
            QCOMPARE(fields.size(), 4);  // name, flags, addresses, description
            if (fields[0] == "lo") {
                sawLo = true;
                QVERIFY2(fields[1].split(',').contains("loopback"), line.constData());
                QVERIFY2(fields[2].split(' ').contains("127.0.0.1"), line.constData());
            }
        }
        QVERIFY2(sawLo, run.out().constData());
    }

    void helperRejectsBadArguments_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<bool>("needsCapture");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QByteArray>("error");
        const auto s = [](const char* text) { return QString::fromLatin1(text); };
        QTest::newRow("unknown interface")
            << QStringList{s("-i"), s("nosuch0")} << true << 1
            << QByteArray(
                   "no such capture interface 'nosuch0' (list them with: sockscope-cli "
                   "capture -D)");
        QTest::newRow("bad filter")
            << QStringList{s("-i"), s("lo"), s("-f"), s("tcp port")} << true << 1
            << QByteArray(
                   "bad capture filter 'tcp port': can't parse filter expression: syntax "
                   "error");
        QTest::newRow("snaplen 0")
            << QStringList{s("-i"), s("lo"), s("-s"), s("0")} << false << 2
            << QByteArray("-s needs a whole number from 1 to 262144, not '0'");
        QTest::newRow("snaplen too big")
            << QStringList{s("-i"), s("lo"), s("-s"), s("262145")} << false << 2
            << QByteArray("-s needs a whole number from 1 to 262144, not '262145'");
        QTest::newRow("snaplen not a number")
            << QStringList{s("-i"), s("lo"), s("-s"), s("12x")} << false << 2
            << QByteArray("-s needs a whole number from 1 to 262144, not '12x'");
        QTest::newRow("negative buffer")
            << QStringList{s("-i"), s("lo"), s("-B"), s("-1")} << false << 2
            << QByteArray("-B needs a whole number from 1 to 1024, not '-1'");
        QTest::newRow("buffer too big")
            << QStringList{s("-i"), s("lo"), s("-B"), s("1025")} << false << 2
            << QByteArray("-B needs a whole number from 1 to 1024, not '1025'");
        QTest::newRow("300-character interface")
            << QStringList{s("-i"), QString(300, QLatin1Char('a'))} << false << 2
            << QByteArray("interface name too long (300 bytes, at most 64)");
        QTest::newRow("shell characters in the interface")
            << QStringList{s("-i"), s("lo;id")} << false << 2
            << QByteArray(
                   "bad interface name 'lo;id' (letters, digits and . _ - : only, not first "
                   "- or .)");
        QTest::newRow("an option as the interface")
            << QStringList{s("-i"), s("-p")} << false << 2
            << QByteArray(
                   "bad interface name '-p' (letters, digits and . _ - : only, not first - "
                   "or .)");
        QTest::newRow("empty interface")
            << QStringList{s("-i"), QString()} << false << 2 << QByteArray("empty interface name");
        QTest::newRow("control character in the filter")
            << QStringList{s("-i"), s("lo"), s("-f"), s("tcp\nport 1")} << false << 2
            << QByteArray("the capture filter may hold printable ASCII only");
        QTest::newRow("empty filter")
            << QStringList{s("-i"), s("lo"), s("-f"), QString()} << false << 2
            << QByteArray("empty capture filter (leave -f out to capture everything)");
        QTest::newRow("filter too long")
            << QStringList{s("-i"), s("lo"), s("-f"), QString(4097, QLatin1Char('x'))} << false << 2
            << QByteArray("capture filter too long (4097 bytes, at most 4096)");
        QTest::newRow("no interface") << QStringList{s("-f"), s("tcp")} << false << 2
                                      << QByteArray(
                                             "no interface: -i IFACE is required (list them "
                                             "with sockscope-capture -D)");
        QTest::newRow("interface twice") << QStringList{s("-i"), s("lo"), s("-i"), s("lo")} << false
                                         << 2 << QByteArray("-i given twice");
        QTest::newRow("unknown option")
            << QStringList{s("-i"), s("lo"), s("-w"), s("/tmp/x")} << false << 2
            << QByteArray(
                   "unknown argument '-w' (see sockscope-capture "
                   "-h)");
        QTest::newRow("missing value")
            << QStringList{s("-i")} << false << 2 << QByteArray("-i needs a value");
        QTest::newRow("list with more") << QStringList{s("-D"), s("-i"), s("lo")} << false << 2
                                        << QByteArray("-D takes no other arguments");
        QTest::newRow("no arguments")
            << QStringList{} << false << 2 << QByteArray("no arguments (see sockscope-capture -h)");
        QTest::newRow("too many arguments")
            << QStringList{s("-i"), s("lo"), s("-p"), s("-p"), s("-p"),
                           s("-p"), s("-p"), s("-p"), s("-p"), s("-p")}
            << false << 2 << QByteArray("too many arguments (10, at most 9)");
    }

    void helperRejectsBadArguments() {
        QFETCH(QStringList, arguments);
        QFETCH(bool, needsCapture);
        QFETCH(int, exitCode);
        QFETCH(QByteArray, error);
        if (needsCapture) {
            SKIP_UNLESS_CAPTURE_PERMITTED();
        }
        HelperRun run(arguments);
        QVERIFY(run.waitForExit(kTimeoutMs));
        QCOMPARE(run.exitCode(), exitCode);
        QCOMPARE(run.err(), "error: " + error + "\n");  // exactly one line
        QCOMPARE(run.out(), QByteArray());
    }

    void helperCapturesLoopbackTraffic() {
        SKIP_UNLESS_CAPTURE_PERMITTED();
        LoopbackPeer peer;
        QVERIFY(peer.port() != 0);
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("helper.pcapng"));
        HelperRun run({QStringLiteral("-i"), QStringLiteral("lo"), QStringLiteral("-f"),
                       QString::fromLatin1(peer.filter())},
                      file);
        // The first status line comes once the capture is open.
        QVERIFY2(run.waitForStderr("stats received=", kTimeoutMs), run.err().constData());
        const QString failed = peer.exchange(kToServer, kToClient);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        // Flushed after every packet: the file has them while the helper runs.
        const QDeadlineTimer deadline(kTimeoutMs);
        FileRead read = readCapture(file, peer.port());
        while ((read.toServer != kToServer || read.toClient != kToClient) &&
               !deadline.hasExpired()) {
            QTest::qSleep(20);
            read = readCapture(file, peer.port());
        }
        QCOMPARE(read.toServer, kToServer);
        QCOMPARE(read.toClient, kToClient);

        run.process().terminate();  // SIGTERM: a clean stop
        QVERIFY(run.waitForExit(kTimeoutMs));
        QCOMPARE(run.exitCode(), 0);
        read = readCapture(file, peer.port());
        QCOMPARE(QString::fromStdString(read.error), QString());  // complete: no cut block
        QCOMPARE(read.format, std::optional(dissector::CaptureFormat::Pcapng));
        QCOMPARE(read.linkType, kLinkTypeEthernet);
        QCOMPARE(read.toServer, kToServer);
        QCOMPARE(read.toClient, kToClient);
        QVERIFY(read.packets >= 6);  // handshake, data each way, acks, closing
        const auto stats = onlyStatsLines(run.err());
        QVERIFY2(stats, run.err().constData());
        QCOMPARE(stats->dropped, std::uint64_t(0));
        QVERIFY2(stats->received >= std::uint64_t(read.packets), run.err().constData());
    }

    void helperStopsWhenStdinCloses() {
        SKIP_UNLESS_CAPTURE_PERMITTED();
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("stdin.pcapng"));
        HelperRun run({QStringLiteral("-i"), QStringLiteral("lo"), QStringLiteral("-f"),
                       QStringLiteral("tcp port 1")},
                      file);
        QVERIFY2(run.waitForStderr("stats received=", kTimeoutMs), run.err().constData());
        QElapsedTimer timer;
        timer.start();
        run.process().closeWriteChannel();  // what a parent that dies does
        QVERIFY(run.waitForExit(kTimeoutMs));
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(run.exitCode(), 0);
        QVERIFY2(onlyStatsLines(run.err()), run.err().constData());
        const FileRead read = readCapture(file, 1);
        QCOMPARE(QString::fromStdString(read.error), QString());
        QCOMPARE(read.linkType, kLinkTypeEthernet);
        QCOMPARE(read.packets, 0);
    }

    void helperStopsWhenItsReaderGoes() {
        SKIP_UNLESS_CAPTURE_PERMITTED();
        const QString head = QStandardPaths::findExecutable(QStringLiteral("head"));
        if (head.isEmpty()) {
            QSKIP("head (coreutils) is not installed");
        }
        LoopbackPeer peer;
        QProcess reader;  // reads one byte and goes away
        reader.setStandardOutputFile(QProcess::nullDevice());
        HelperRun run({QStringLiteral("-i"), QStringLiteral("lo"), QStringLiteral("-f"),
                       QString::fromLatin1(peer.filter())},
                      {}, &reader);
        reader.start(head, {QStringLiteral("-c"), QStringLiteral("1")});
        QVERIFY(reader.waitForFinished(kTimeoutMs));
        QVERIFY2(run.waitForStderr("stats received=", kTimeoutMs), run.err().constData());
        // The next packet meets a pipe without a reader.
        const QString failed = peer.exchange(kToServer, kToClient);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        QVERIFY(run.waitForExit(kTimeoutMs));
        QCOMPARE(run.process().exitStatus(), QProcess::NormalExit);  // not SIGPIPE
        QCOMPARE(run.exitCode(), 0);
        QVERIFY2(onlyStatsLines(run.err()), run.err().constData());
    }

    // ---- LiveCapture through the helper ----

    void liveCaptureThroughTheHelper() {
        SKIP_UNLESS_CAPTURE_PERMITTED();
        const EnvGuard env({{"SOCKSCOPE_CAPTURE_HELPER", helperPath().toLocal8Bit()},
                            {"SOCKSCOPE_CAPTURE_VIA_HELPER", QByteArray("1")}});
        LoopbackPeer peer;
        LiveCaptureOptions options = loOptions(peer.filter());
        options.snaplen = 65535;
        std::string error;
        std::unique_ptr<LiveCapture> capture = LiveCapture::open(options, error);
        QVERIFY2(capture, error.c_str());
        QVERIFY(capture->viaHelper());
        QCOMPARE(capture->linkType(), kLinkTypeEthernet);
        QCOMPARE(capture->snaplen(), 65535u);
        QCOMPARE(capture->interfaceName(), std::string("lo"));

        FlowCollector flows(peer.port());
        const auto onPacket = [&](const RawPacket& packet) { flows.add(packet); };
        // Idle: poll() waits its timeout and no longer.
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(capture->poll(300, onPacket), 0);
        QVERIFY2(timer.elapsed() >= 250 && timer.elapsed() < 3000,
                 qPrintable(QString::number(timer.elapsed())));
        // A wake fd ends the wait at once.
        std::array<int, 2> wake{};
        QVERIFY(::pipe2(wake.data(), O_CLOEXEC) == 0);
        QCOMPARE(::write(wake[1], "x", 1), ssize_t(1));
        timer.restart();
        QCOMPARE(capture->poll(5000, onPacket, wake[0]), 0);
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
        ::close(wake[0]);
        ::close(wake[1]);

        const QString failed = peer.exchange(kToServer, kToClient);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        QVERIFY2(pollUntil(
                     *capture, onPacket, [&] { return flows.complete(); }, kTimeoutMs),
                 capture->error().c_str());
        QCOMPARE(flows.toServer, kToServer);
        QCOMPARE(flows.toClient, kToClient);
        for (std::size_t i = 0; i < flows.numbers.size(); ++i) {
            QCOMPARE(flows.numbers[i], std::uint64_t(i + 1));
        }
        // The helper's status lines come once a second.
        QVERIFY2(pollUntil(
                     *capture, onPacket,
                     [&] {
                         const auto stats = capture->stats();
                         return stats && stats->received >= std::uint64_t(flows.packets);
                     },
                     kTimeoutMs),
                 capture->error().c_str());
        QCOMPARE(capture->stats()->dropped, std::uint64_t(0));

        timer.restart();
        capture.reset();  // stops the helper
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(noChildLeft());
    }

    void liveCaptureTimestampsThroughTheHelper() {
        SKIP_UNLESS_CAPTURE_PERMITTED();
        const EnvGuard env({{"SOCKSCOPE_CAPTURE_HELPER", helperPath().toLocal8Bit()},
                            {"SOCKSCOPE_CAPTURE_VIA_HELPER", QByteArray("1")}});
        LoopbackPeer peer;
        std::string error;
        const auto capture = LiveCapture::open(loOptions(peer.filter()), error);
        QVERIFY2(capture, error.c_str());
        const auto before = std::chrono::system_clock::now();
        const QString failed = peer.exchange(kToServer, kToClient);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        const auto after = std::chrono::system_clock::now();
        std::vector<dissector::Timestamp> stamps;
        QVERIFY(pollUntil(
            *capture, [&](const RawPacket& packet) { stamps.push_back(packet.ts); },
            [&] { return stamps.size() >= 6; }, kTimeoutMs));
        const auto nanos = [](std::chrono::system_clock::time_point t) {
            return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch())
                .count();
        };
        for (const dissector::Timestamp& ts : stamps) {
            QVERIFY(ts.nanoseconds < 1000000000u);
            const long long at = ts.seconds * 1000000000LL + ts.nanoseconds;
            QVERIFY2(at >= nanos(before) - 1000000 && at <= nanos(after) + 1000000,
                     qPrintable(QString::number(at)));
        }
    }

    void helperErrorsReachTheCaller_data() {
        QTest::addColumn<QByteArray>("interface");
        QTest::addColumn<QByteArray>("filter");
        QTest::addColumn<QString>("error");
        QTest::newRow("unknown interface") << QByteArray("nosuch0") << QByteArray()
                                           << QStringLiteral(
                                                  "no such capture interface 'nosuch0' (list them "
                                                  "with: sockscope-cli capture -D)");
        QTest::newRow("bad filter")
            << QByteArray("lo") << QByteArray("tcp port")
            << QStringLiteral(
                   "bad capture filter 'tcp port': can't parse filter expression: syntax error");
    }

    void helperErrorsReachTheCaller() {
        QFETCH(QByteArray, interface);
        QFETCH(QByteArray, filter);
        QFETCH(QString, error);
        SKIP_UNLESS_CAPTURE_PERMITTED();
        const EnvGuard env({{"SOCKSCOPE_CAPTURE_HELPER", helperPath().toLocal8Bit()},
                            {"SOCKSCOPE_CAPTURE_VIA_HELPER", QByteArray("1")}});
        LiveCaptureOptions options = loOptions(filter);
        options.interface = interface.toStdString();
        std::string why;
        QVERIFY(!LiveCapture::open(options, why));
        QCOMPARE(QString::fromStdString(why), error);
        QVERIFY(noChildLeft());
    }

    void helperFoundNextToTheBinaryOrInLibexec() {
        const EnvGuard env({{"SOCKSCOPE_CAPTURE_HELPER", std::nullopt}});
        // This test's binary lives in tests/, the helper in bin/: neither
        // next to it nor in ../libexec/sockscope.
        QCOMPARE(dissector::findCaptureHelper(), std::nullopt);
        QVERIFY(dissector::capturePermissionMessage("lo", "x").starts_with(
            "no permission to capture on lo (x); run as root or grant the capability: sudo "
            "setcap cap_net_raw,cap_net_admin=eip "));
        const EnvGuard set(
            {{"SOCKSCOPE_CAPTURE_HELPER", QByteArray("/nowhere/sockscope-capture")}});
        QCOMPARE(dissector::findCaptureHelper(),
                 std::optional<std::string>("/nowhere/sockscope-capture"));
        QCOMPARE(QString::fromStdString(dissector::capturePermissionMessage("lo", "x")),
                 QStringLiteral("no permission to capture on lo (x); ") + kGroupAdvice);
    }

    void statsLinesRoundTrip() {
        namespace h = dissector::capture_helper;
        const LiveCapture::Stats stats{123456789012ull, 42};
        QCOMPARE(h::statsLine(stats), std::string("stats received=123456789012 dropped=42"));
        QCOMPARE(h::parseStatsLine(h::statsLine(stats)), std::optional(stats));
        for (const char* bad : {"stats received=1 dropped=", "stats received=1 dropped=2 ",
                                "stats received=-1 dropped=2", "stats dropped=2 received=1",
                                "stats received=99999999999999999999 dropped=0", "error: x", ""}) {
            QVERIFY2(!h::parseStatsLine(bad), bad);
        }
    }

    // ---- fake helpers: what the client makes of odd helpers (no privilege needed) ----

    void fakeHelperFailures_data() {
        QTest::addColumn<QByteArray>("script");
        QTest::addColumn<QString>("error");  // %1: the script's path
        const QByteArray section = StreamBuilder(false).section().bytes;
        QTest::newRow("error line") << QByteArray("echo 'error: boom: the reason' >&2\nexit 1\n")
                                    << QStringLiteral("boom: the reason");
        QTest::newRow("no permission")
            << QByteArray("echo 'error: no permission to capture on lo (fake)' >&2\nexit 3\n")
            << QStringLiteral("no permission to capture on lo (fake); ") + kGroupAdvice;
        QTest::newRow("silent exit")
            << QByteArray("exit 7\n")
            << QStringLiteral("the capture helper %1 did not start: it exited with status 7");
        QTest::newRow("killed") << QByteArray("kill -9 $$\n")
                                << QStringLiteral(
                                       "the capture helper %1 did not start: it was "
                                       "killed by signal 9 (Killed)");
        QTest::newRow("other output, then exit")
            << QByteArray(
                   "echo 'stats received=3 dropped=1' >&2\necho 'something odd' >&2\n"
                   "exit 1\n")
            << QStringLiteral(
                   "the capture helper %1 did not start: it exited with status 1: something odd");
        QTest::newRow("garbage")
            << QByteArray("printf 'GARBAGE, NOT PCAPNG'\nread line\n")
            << QStringLiteral(
                   "the capture helper %1 sent a broken stream: the stream does not "
                   "start with a pcapng section header");
        QTest::newRow("bad byte-order magic")
            << printfCommand(QByteArray::fromHex("0a0d0d0a1c000000deadbeef")) + "read line\n"
            << QStringLiteral(
                   "the capture helper %1 sent a broken stream: bad byte-order magic in a section "
                   "header");
        QTest::newRow("huge block")
            << printfCommand(section + QByteArray::fromHex("01000000f0ffff7f")) + "read line\n"
            << QStringLiteral(
                   "the capture helper %1 sent a broken stream: bad block length "
                   "2147483632 (block type 1)");
        QTest::newRow("lengths differ")
            << printfCommand(section +
                             QByteArray::fromHex("0100000014000000010000000000000018000000")) +
                   "read line\n"
            << QStringLiteral(
                   "the capture helper %1 sent a broken stream: a block's trailing "
                   "length differs from its leading one");
        QTest::newRow("short interface block")
            << printfCommand(section + QByteArray::fromHex("01000000100000000100000010000000")) +
                   "read line\n"
            << QStringLiteral(
                   "the capture helper %1 sent a broken stream: an interface "
                   "description block of 4 body bytes is too short");
        QTest::newRow("ends in the middle of a block")
            << printfCommand(section + QByteArray::fromHex("0100000014000000")) + "exit 0\n"
            << QStringLiteral(
                   "the capture helper %1 did not start: it exited with status 0, in "
                   "the middle of a block");
    }

    void fakeHelperFailures() {
        QFETCH(QByteArray, script);
        QFETCH(QString, error);
        QTemporaryDir dir;
        const QString path = writeScript(dir, QStringLiteral("fake-helper"), script);
        QVERIFY(!path.isEmpty());
        const EnvGuard env({{"SOCKSCOPE_CAPTURE_HELPER", path.toLocal8Bit()},
                            {"SOCKSCOPE_CAPTURE_VIA_HELPER", QByteArray("1")}});
        std::string why;
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!LiveCapture::open(loOptions("tcp port 1"), why));
        QCOMPARE(QString::fromStdString(why),
                 error.contains(QStringLiteral("%1")) ? error.arg(path) : error);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(noChildLeft());
    }

    void helperThatCannotRun() {
        QTemporaryDir dir;
        const QString path = writeScript(dir, QStringLiteral("not-executable"), "exit 0\n");
        QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        {
            const EnvGuard env({{"SOCKSCOPE_CAPTURE_HELPER", path.toLocal8Bit()},
                                {"SOCKSCOPE_CAPTURE_VIA_HELPER", QByteArray("1")}});
            std::string why;
            QVERIFY(!LiveCapture::open(loOptions("tcp port 1"), why));
            QCOMPARE(QString::fromStdString(why),
                     QStringLiteral("no permission to capture on lo (cannot run the capture helper "
                                    "%1: Permission denied); ")
                             .arg(path) +
                         kGroupAdvice);
        }
        const QString missing = dir.filePath(QStringLiteral("missing"));
        const EnvGuard env({{"SOCKSCOPE_CAPTURE_HELPER", missing.toLocal8Bit()},
                            {"SOCKSCOPE_CAPTURE_VIA_HELPER", QByteArray("1")}});
        std::string why;
        QVERIFY(!LiveCapture::open(loOptions("tcp port 1"), why));
        QCOMPARE(QString::fromStdString(why),
                 QStringLiteral("cannot run the capture helper %1: No such file or directory")
                     .arg(missing));
    }

    void fakeHelperStream_data() {
        QTest::addColumn<bool>("bigEndian");
        QTest::addColumn<int>("tsresol");        // 0: none written (microseconds)
        QTest::addColumn<QByteArray>("ending");  // after the stream
        QTest::addColumn<QString>("endError");   // empty: still running
        QTest::newRow("little-endian, nanoseconds, a block in parts")
            << false << 9 << QByteArray("printf '\\006\\0\\0\\0'\nread line\n") << QString();
        QTest::newRow("big-endian, microseconds")
            << true << 0 << QByteArray("read line\n") << QString();
        QTest::newRow("ends cleanly")
            << false << 9 << QByteArray("exit 0\n")
            << QStringLiteral(
                   "capture on lo failed: the capture helper stopped: it exited with "
                   "status 0");
        QTest::newRow("ends with an error line")
            << false << 6
            << QByteArray(
                   "echo 'error: capture on lo failed: the interface went down' >&2\nexit 1\n")
            << QStringLiteral("capture on lo failed: the interface went down");
    }

    void fakeHelperStream() {
        QFETCH(bool, bigEndian);
        QFETCH(int, tsresol);
        QFETCH(QByteArray, ending);
        QFETCH(QString, endError);
        const std::uint64_t unitsPerSecond = tsresol == 9 ? 1000000000u : 1000000u;
        const QByteArray first = pattern(61, 1);
        const QByteArray second = pattern(130, 2);
        StreamBuilder stream(bigEndian);
        stream.section()
            .interface(kLinkTypeEthernet, 1234,
                       tsresol != 0 ? std::optional<int>(tsresol) : std::nullopt)
            .block(0x0BAD, QByteArray(8, 'x'))  // an unknown block is skipped
            .packet(1700000000 * unitsPerSecond + 123456789 % unitsPerSecond, first, 61)
            .packet(1700000001 * unitsPerSecond + 5, second, 1500);
        QTemporaryDir dir;
        const QString path = writeScript(
            dir, QStringLiteral("fake-helper"),
            printfCommand(stream.bytes) + "echo 'stats received=5 dropped=2' >&2\n" + ending);
        const EnvGuard env({{"SOCKSCOPE_CAPTURE_HELPER", path.toLocal8Bit()},
                            {"SOCKSCOPE_CAPTURE_VIA_HELPER", QByteArray("1")}});
        std::string error;
        std::unique_ptr<LiveCapture> capture = LiveCapture::open(loOptions("tcp port 1"), error);
        QVERIFY2(capture, error.c_str());
        QVERIFY(capture->viaHelper());
        QCOMPARE(capture->linkType(), kLinkTypeEthernet);
        QCOMPARE(capture->snaplen(), 1234u);

        std::vector<RawPacket> packets;
        std::vector<QByteArray> data;
        const auto onPacket = [&](const RawPacket& packet) {
            packets.push_back(packet);
            data.push_back(bytesOf(packet.data));
        };
        // One at a time: maxPackets holds, and the second comes without waiting.
        QElapsedTimer timer;
        timer.start();
        const QDeadlineTimer deadline(kTimeoutMs);
        while (packets.empty() && !deadline.hasExpired()) {
            QVERIFY(capture->poll(200, onPacket, -1, 1) >= 0);
        }
        QCOMPARE(packets.size(), std::size_t(1));
        timer.restart();
        QCOMPARE(capture->poll(5000, onPacket, -1, 1), 1);
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(packets.size(), std::size_t(2));

        QCOMPARE(data[0], first);
        QCOMPARE(packets[0].number, std::uint64_t(1));
        QCOMPARE(packets[0].linkType, kLinkTypeEthernet);
        QCOMPARE(packets[0].capturedLength, 61u);
        QCOMPARE(packets[0].originalLength, 61u);
        QCOMPARE(packets[0].ts.seconds, std::int64_t(1700000000));
        QCOMPARE(packets[0].ts.nanoseconds, tsresol == 9 ? 123456789u : 456789000u);
        QCOMPARE(data[1], second);
        QCOMPARE(packets[1].number, std::uint64_t(2));
        QCOMPARE(packets[1].capturedLength, 130u);
        QCOMPARE(packets[1].originalLength, 1500u);
        QCOMPARE(packets[1].ts.seconds, std::int64_t(1700000001));
        QCOMPARE(packets[1].ts.nanoseconds, tsresol == 9 ? 5u : 5000u);

        timer.restart();
        const int last = capture->poll(300, onPacket);
        if (endError.isEmpty()) {
            // Nothing more (or half a block): the timeout holds.
            QCOMPARE(last, 0);
            QVERIFY2(timer.elapsed() >= 250 && timer.elapsed() < 3000,
                     qPrintable(QString::number(timer.elapsed())));
            QCOMPARE(capture->stats(), std::optional(LiveCapture::Stats{5, 2}));
        } else {
            QCOMPARE(last, -1);
            QCOMPARE(QString::fromStdString(capture->error()), endError);
            QCOMPARE(capture->poll(300, onPacket), -1);  // and stays ended
        }
        QCOMPARE(packets.size(), std::size_t(2));
        timer.restart();
        capture.reset();
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(noChildLeft());
    }

    void fakeHelperStreamAllAtOnce() {
        StreamBuilder stream(false);
        stream.section()
            .interface(kLinkTypeEthernet, 262144, 9)
            .packet(1, pattern(10, 1), 10)
            .packet(2, pattern(20, 2), 20)
            .packet(3, pattern(30, 3), 30);
        QTemporaryDir dir;
        const QString path = writeScript(dir, QStringLiteral("fake-helper"),
                                         printfCommand(stream.bytes) + "read line\n");
        const EnvGuard env({{"SOCKSCOPE_CAPTURE_HELPER", path.toLocal8Bit()},
                            {"SOCKSCOPE_CAPTURE_VIA_HELPER", QByteArray("1")}});
        std::string error;
        const auto capture = LiveCapture::open(loOptions("tcp port 1"), error);
        QVERIFY2(capture, error.c_str());
        // One write by the fake, so all three are there with the interface
        // block; maxPackets 0 means all that are ready, as with libpcap.
        std::vector<std::uint32_t> lengths;
        QCOMPARE(capture->poll(
                     1000, [&](const RawPacket& p) { lengths.push_back(p.capturedLength); }, -1, 0),
                 3);
        QCOMPARE(lengths, (std::vector<std::uint32_t>{10, 20, 30}));
    }

    // ---- the real thing: an unprivileged user captures through a helper with capabilities ----

    void unprivilegedUserCapturesThroughTheHelper() {
        if (::geteuid() != 0) {
            QSKIP("needs root: it gives a copy of the helper capabilities and captures as nobody");
        }
        const QString setcap = setcapProgram();
        if (setcap.isEmpty()) {
            QSKIP("setcap is missing (Debian package libcap2-bin)");
        }
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(::chmod(QFile::encodeName(dir.path()).constData(), 0755) == 0);
        struct statvfs fs {};
        QVERIFY(::statvfs(QFile::encodeName(dir.path()).constData(), &fs) == 0);
        if ((fs.f_flag & ST_NOSUID) != 0) {
            QSKIP("the temporary directory is on a nosuid mount: file capabilities do not apply");
        }
        const auto copy = [&](const QString& name, bool capabilities, mode_t mode) {
            const QString path = dir.filePath(name);
            if (!QFile::copy(helperPath(), path) ||
                ::chmod(QFile::encodeName(path).constData(), mode) != 0) {
                return QString();
            }
            if (capabilities) {
                QProcess run;
                run.start(setcap, {QStringLiteral("cap_net_raw,cap_net_admin=eip"), path});
                if (!run.waitForFinished(kTimeoutMs) || run.exitCode() != 0) {
                    return QString();
                }
            }
            return path;
        };
        const QString capable = copy(QStringLiteral("sockscope-capture"), true, 0755);
        const QString plain = copy(QStringLiteral("sockscope-capture-plain"), false, 0755);
        // As installed: only root and group sockscope may run it (nobody is in neither).
        const QString grouped = copy(QStringLiteral("sockscope-capture-grouped"), true, 0750);
        QVERIFY(!capable.isEmpty() && !plain.isEmpty() && !grouped.isEmpty());

        LoopbackPeer peer;
        QString exchanged = QStringLiteral("not run");
        QList<QByteArray> lines =
            runAsNobody(capable, peer, [&] { exchanged = peer.exchange(kToServer, kToClient); });
        if (!lines.isEmpty() && lines[0].startsWith("open-failed ") &&
            lines[0].contains("cannot run the capture helper")) {
            QSKIP(qPrintable(QStringLiteral("nobody cannot reach the temporary directory: ") +
                             QString::fromUtf8(lines[0])));
        }
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0], QByteArray("ready direct-denied via-helper"));
        QVERIFY2(exchanged.isEmpty(), qPrintable(exchanged));
        QCOMPARE(lines[1], "flows " + kToServer.toHex() + " " + kToClient.toHex());

        lines = runAsNobody(plain, peer, [] {});
        QCOMPARE(lines.size(), 1);
        const QString withoutCapabilities = QString::fromUtf8(lines[0]);
        const QRegularExpression expected(QRegularExpression::anchoredPattern(
            QStringLiteral(
                "open-failed no permission to capture on lo \\(.+; the capture helper ") +
            QRegularExpression::escape(plain) +
            QStringLiteral(" has no capture capabilities: sudo setcap "
                           "cap_net_raw,cap_net_admin=eip ") +
            QRegularExpression::escape(plain) + QStringLiteral("\\); ") +
            QRegularExpression::escape(kGroupAdvice)));
        QVERIFY2(expected.match(withoutCapabilities).hasMatch(), qPrintable(withoutCapabilities));

        lines = runAsNobody(grouped, peer, [] {});
        QCOMPARE(lines.size(), 1);
        const QString notInGroup = QString::fromUtf8(lines[0]);
        const QRegularExpression expectedNotInGroup(QRegularExpression::anchoredPattern(
            QStringLiteral("open-failed no permission to capture on lo \\(.+; cannot run the "
                           "capture helper ") +
            QRegularExpression::escape(grouped) + QStringLiteral(": Permission denied\\); ") +
            QRegularExpression::escape(kGroupAdvice)));
        QVERIFY2(expectedNotInGroup.match(notInGroup).hasMatch(), qPrintable(notInGroup));
    }

    // ---- the CLI's capture through the helper ----

    void cliCapturesThroughTheHelper() {
        SKIP_UNLESS_CAPTURE_PERMITTED();
        if (!QFileInfo(test::cliPath()).isExecutable()) {
            QSKIP("sockscope-cli is not built");
        }
        // The CLI's children inherit these.
        const EnvGuard env({{"SOCKSCOPE_CAPTURE_HELPER", helperPath().toLocal8Bit()},
                            {"SOCKSCOPE_CAPTURE_VIA_HELPER", QByteArray("1")}});
        test::ServeProcess server({QStringLiteral("--echo")});
        QVERIFY2(server.port() != 0, server.err().constData());
        test::CliProcess capture({QStringLiteral("capture"), QStringLiteral("-i"),
                                  QStringLiteral("lo"), QStringLiteral("-f"),
                                  QStringLiteral("tcp port ") + QString::number(server.port())});
        QVERIFY2(capture.waitForStderr("capturing on lo", kTimeoutMs), capture.err().constData());

        test::CliProcess client({QStringLiteral("connect"), server.url() + QStringLiteral("chat")});
        client.write("Hello\nWorld\n");
        client.closeStdin();
        QVERIFY(client.waitForExit(kTimeoutMs));
        QCOMPARE(client.exitCode(), 0);
        QVERIFY2(capture.waitForStdout("end close-handshake", kTimeoutMs),
                 capture.out().constData());
        capture.process().terminate();
        QVERIFY(capture.waitForExit(kTimeoutMs));
        QCOMPARE(capture.exitCode(), 0);
        QVERIFY2(capture.errHasLineMatching(QStringLiteral(
                     "sockscope-cli: capture on lo stopped, 0 dropped by the kernel")),
                 capture.err().constData());

        QStringList fromClient;
        QStringList fromServer;
        for (const QByteArray& line : capture.outLines()) {
            const QString event = QString::fromUtf8(line).section(QLatin1Char(' '), 3);
            if (event.contains(QStringLiteral(" message "))) {
                (event.startsWith(QStringLiteral("client")) ? fromClient : fromServer) << event;
            }
        }
        QCOMPARE(fromClient, (QStringList{
                                 QStringLiteral("client→server message text 5 B \"Hello\""),
                                 QStringLiteral("client→server message text 5 B \"World\""),
                                 QStringLiteral("client→server message close 1000 (Normal "
                                                "Closure)"),
                             }));
        QCOMPARE(fromServer, (QStringList{
                                 QStringLiteral("server→client message text 5 B \"Hello\""),
                                 QStringLiteral("server→client message text 5 B \"World\""),
                                 QStringLiteral("server→client message close 1000 (Normal "
                                                "Closure)"),
                             }));
    }
};

QTEST_GUILESS_MAIN(TestCaptureHelper)
#include "tst_capture_helper.moc"
