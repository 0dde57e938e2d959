#include "cli_arguments.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <cstdio>
#include <optional>

#include <sockscope/dissector/dissector.h>
#include <sockscope/dissector/live_capture.h>

#include "cli_limit_options.h"
#include "session/cli_common.h"
#include "session/console_output.h"

namespace sockscope::cli {
namespace {

using session::exit_status::Ok;
using session::exit_status::Usage;

const QString kServe = QStringLiteral("serve");
const QString kConnect = QStringLiteral("connect");
const QString kRead = QStringLiteral("read");
const QString kCapture = QStringLiteral("capture");
const QString kConform = QStringLiteral("conform");

// libpcap takes the kernel buffer size as an int (pcap_set_buffer_size), so
// 2 GiB - 1 byte is the most it can be asked for: 2047 whole MiB.
constexpr uint kMaxBufferMib = 2047;

// Options every command has.
struct CommonOptions {
    QCommandLineOption help = QCommandLineOption({QStringLiteral("h"), QStringLiteral("help")},
                                                 QStringLiteral("Show this help."));
    // Long form only: -v is --verbose.
    QCommandLineOption version =
        QCommandLineOption(QStringLiteral("version"), QStringLiteral("Show the version."));
    QCommandLineOption verbose = QCommandLineOption(
        {QStringLiteral("v"), QStringLiteral("verbose")},
        QStringLiteral("Print every frame sent and received (and every message) to stderr."));
};

QString versionText() {
    return QCoreApplication::applicationName() + u' ' + QCoreApplication::applicationVersion();
}

CliRequest exitWith(int status) {
    CliRequest request;
    request.exitStatus = status;
    return request;
}

CliRequest usageError(const QString& message) {
    session::printError(message + u" (see --help)");
    return exitWith(Usage);
}

CliRequest showText(const QString& text) {
    session::writeLine(stdout, text);
    return exitWith(Ok);
}

// Parses a command's arguments and handles what ends it early: a parse
// error, --help, --version, or a wrong number of positional arguments (the
// command name counts as one; `missing` is the error when `operand` is
// required and absent). nullopt: the command goes on with `parser`.
std::optional<CliRequest> parseCommand(QCommandLineParser& parser, const QStringList& arguments,
                                       const CommonOptions& common, const QString& command,
                                       bool operand, const QString& missing = {}) {
    if (!parser.parse(arguments)) {
        return usageError(parser.errorText());
    }
    if (parser.isSet(common.help)) {
        return showText(parser.helpText());
    }
    if (parser.isSet(common.version)) {
        return showText(versionText());
    }
    const QStringList positional = parser.positionalArguments();
    const qsizetype expected = operand ? 2 : 1;
    if (positional.size() < expected) {
        return usageError(missing);
    }
    if (positional.size() > expected) {
        return usageError(command + u": unexpected argument '" + positional.at(expected) + u'\'');
    }
    return std::nullopt;
}

// --tls-cert and --tls-key: our own certificate (the server's for serve, the
// client's for connect) and its key, both or neither.
struct TlsIdentityOptions {
    QCommandLineOption cert;
    QCommandLineOption key = QCommandLineOption(
        QStringLiteral("tls-key"),
        QStringLiteral("PEM private key (RSA or EC, unencrypted) of the --tls-cert certificate."),
        QStringLiteral("file"));

    explicit TlsIdentityOptions(const QString& certDescription)
        : cert(QStringLiteral("tls-cert"), certDescription, QStringLiteral("file")) {}

    // Empty, or the usage error when only one of the two was given.
    QString pairError(const QCommandLineParser& parser, const QString& command) const {
        if (parser.isSet(cert) == parser.isSet(key))
            return {};
        return command + QStringLiteral(": --tls-cert and --tls-key go together");
    }
};

std::vector<std::string> toStdStrings(const QStringList& values) {
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(values.size()));
    for (const QString& value : values) {
        out.push_back(value.toStdString());
    }
    return out;
}

CliRequest parseServe(const QStringList& arguments, const CommonOptions& common) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs a WebSocket server. One line per connection and close goes to stderr;\n"
        "received messages go to stdout unless --echo sends them back."));
    const QCommandLineOption host(QStringLiteral("host"),
                                  QStringLiteral("Address to listen on (default 127.0.0.1)."),
                                  QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption port(QStringLiteral("port"),
                                  QStringLiteral("Port to listen on; 0 picks a free port."),
                                  QStringLiteral("port"));
    const QCommandLineOption echo(QStringLiteral("echo"),
                                  QStringLiteral("Send every text/binary message back."));
    const QCommandLineOption deflate(QStringLiteral("deflate"),
                                     QStringLiteral("Accept permessage-deflate (RFC 7692)."));
    const QCommandLineOption subprotocol(
        QStringLiteral("subprotocol"),
        QStringLiteral("A supported subprotocol, in preference order (repeatable)."),
        QStringLiteral("name"));
    const TlsIdentityOptions identity(
        QStringLiteral("Serve wss://: PEM certificate (a chain, leaf first); needs --tls-key."));
    const QCommandLineOption allowOrigin(
        QStringLiteral("allow-origin"),
        QStringLiteral("Accept only upgrades whose Origin is this scheme://host[:port] "
                       "(repeatable); others, and requests without Origin, get 403."),
        QStringLiteral("origin"));
    const LimitOptions limits(false);
    parser.addOptions({common.help, common.version, common.verbose, host, port, echo, deflate,
                       subprotocol, identity.cert, identity.key, allowOrigin});
    parser.addOptions(limits.all());
    parser.addPositionalArgument(kServe, QStringLiteral("Run a server."));
    if (auto early = parseCommand(parser, arguments, common, kServe, false)) {
        return *early;
    }
    if (!parser.isSet(port)) {
        return usageError(QStringLiteral("serve: --port is required"));
    }

    CliRequest request;
    request.command = CliRequest::Command::Serve;
    session::ServeOptions& options = request.serve;
    bool ok = false;
    const uint portNumber = parser.value(port).toUInt(&ok);
    if (!ok || portNumber > 65535) {
        return usageError(u"serve: --port '" + parser.value(port) + u"' is not a port number");
    }
    options.port = static_cast<quint16>(portNumber);
    const QString hostText = parser.value(host);
    options.host =
        hostText == u"localhost" ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(hostText);
    if (options.host.isNull()) {
        return usageError(u"serve: --host '" + hostText + u"' is not an IP address");
    }
    options.echo = parser.isSet(echo);
    options.deflate = parser.isSet(deflate);
    options.subprotocols = toStdStrings(parser.values(subprotocol));
    options.verbose = parser.isSet(common.verbose);
    if (const QString error = identity.pairError(parser, kServe); !error.isEmpty()) {
        return usageError(error);
    }
    options.certificateFile = parser.value(identity.cert);
    options.privateKeyFile = parser.value(identity.key);
    options.allowedOrigins = toStdStrings(parser.values(allowOrigin));
    if (const QString error = limits.apply(parser, kServe, options.limits); !error.isEmpty()) {
        return usageError(error);
    }
    return request;
}

CliRequest parseConnect(const QStringList& arguments, const CommonOptions& common) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Connects to a WebSocket server. Each stdin line is sent as a text message and\n"
        "every received message is printed on stdout; at the end of stdin the close\n"
        "handshake (1000) starts. Exit status 0 after a clean close."));
    const QCommandLineOption echo(
        QStringLiteral("echo"),
        QStringLiteral("Send every received message back until the server closes; ignore stdin."));
    const QCommandLineOption header(
        QStringLiteral("header"),
        QStringLiteral("Extra request header 'Name: value' (repeatable)."),
        QStringLiteral("header"));
    const QCommandLineOption subprotocol(
        QStringLiteral("subprotocol"),
        QStringLiteral("Offer a subprotocol, in preference order (repeatable)."),
        QStringLiteral("name"));
    const QCommandLineOption deflate(QStringLiteral("deflate"),
                                     QStringLiteral("Offer permessage-deflate (RFC 7692)."));
    const QCommandLineOption tlsCa(
        QStringLiteral("tls-ca"),
        QStringLiteral("wss://: also trust the CA certificates in this PEM file (repeatable)."),
        QStringLiteral("file"));
    const TlsIdentityOptions identity(
        QStringLiteral("wss://: present this PEM client certificate (a chain, leaf first);\n"
                       "needs --tls-key."));
    const QCommandLineOption tlsInsecure(
        QStringLiteral("tls-insecure"),
        QStringLiteral("wss://: accept any server certificate (untrusted, expired, another\n"
                       "host); each error ignored is printed as a warning."));
    const LimitOptions limits(false);
    parser.addOptions({common.help, common.version, common.verbose, echo, header, subprotocol,
                       deflate, tlsCa, identity.cert, identity.key, tlsInsecure});
    parser.addOptions(limits.all());
    parser.addPositionalArgument(kConnect, QStringLiteral("Connect as a client."));
    parser.addPositionalArgument(QStringLiteral("url"),
                                 QStringLiteral("ws://host[:port]/path (wss:// for TLS)."));
    if (auto early = parseCommand(parser, arguments, common, kConnect, true,
                                  QStringLiteral("connect: a URL is required"))) {
        return *early;
    }
    const QStringList positional = parser.positionalArguments();

    CliRequest request;
    request.command = CliRequest::Command::Connect;
    session::ConnectOptions& options = request.connect;
    options.url = positional.at(1);
    options.echo = parser.isSet(echo);
    options.deflate = parser.isSet(deflate);
    options.subprotocols = toStdStrings(parser.values(subprotocol));
    options.verbose = parser.isSet(common.verbose);
    for (const QString& text : parser.values(header)) {
        session::HeaderArgument parsed = session::parseHeaderArgument(text);
        if (!parsed.field) {
            return usageError(parsed.error);
        }
        options.headers.push_back(std::move(*parsed.field));
    }
    if (const QString error = limits.apply(parser, kConnect, options.limits); !error.isEmpty()) {
        return usageError(error);
    }
    if (const QString error = identity.pairError(parser, kConnect); !error.isEmpty()) {
        return usageError(error);
    }
    options.caFiles = parser.values(tlsCa);
    options.clientCertificateFile = parser.value(identity.cert);
    options.clientKeyFile = parser.value(identity.key);
    options.ignoreCertificateErrors = parser.isSet(tlsInsecure);
    const bool tls =
        !options.caFiles.isEmpty() || parser.isSet(identity.cert) || parser.isSet(tlsInsecure);
    if (tls && !options.url.startsWith(u"wss://", Qt::CaseInsensitive)) {
        return usageError(QStringLiteral("connect: the --tls-* options apply to wss:// URLs only"));
    }
    return request;
}

// The options `read` and `capture` share: what to print and how to dissect.
struct OutputOptions {
    QCommandLineOption format = QCommandLineOption(
        QStringLiteral("format"), QStringLiteral("Output format: text (default) or jsonl."),
        QStringLiteral("format"), QStringLiteral("text"));
    QCommandLineOption wsPort = QCommandLineOption(
        QStringLiteral("ws-port"),
        QStringLiteral("Treat TCP port N as WebSocket even without a handshake (repeatable)."),
        QStringLiteral("N"));
    QCommandLineOption conn =
        QCommandLineOption(QStringLiteral("conn"), QStringLiteral("Only events of connection N."),
                           QStringLiteral("N"));
    QCommandLineOption only = QCommandLineOption(
        QStringLiteral("only"),
        QStringLiteral("Only these events, comma-separated: messages, frames, anomalies,\n"
                       "connections, handshakes, ends."),
        QStringLiteral("kinds"));
    QCommandLineOption maxAnomalies = QCommandLineOption(
        QStringLiteral("max-anomalies"),
        QStringLiteral("Anomalies shown per connection and kind (default %1, 0 = all); one "
                       "line then says how many more there were.")
            .arg(dissector::DissectorOptions{}.maxAnomaliesPerKind),
        QStringLiteral("N"));

    QCommandLineOption keyLog = QCommandLineOption(
        QStringLiteral("keylog"),
        QStringLiteral("Decrypt TLS (wss://) with this NSS key log, as SSLKEYLOGFILE writes it\n"
                       "(repeatable). capture follows the last one as it grows."),
        QStringLiteral("file"));

    const LimitOptions limits{true};

    QList<QCommandLineOption> all() const {
        return QList<QCommandLineOption>{format, wsPort, conn, only, maxAnomalies, keyLog} +
               limits.all();
    }
};

// Fills `out` from the parsed options; an error message (for usageError) on bad values.
QString parseOutputOptions(const QCommandLineParser& parser, const OutputOptions& options,
                           const QString& command, session::DissectionOutputOptions& out) {
    const QString format = parser.value(options.format);
    if (format == u"text") {
        out.format = session::OutputFormat::Text;
    } else if (format == u"jsonl") {
        out.format = session::OutputFormat::Jsonl;
    } else {
        return command + u": --format '" + format + u"' is not text or jsonl";
    }
    for (const QString& value : parser.values(options.wsPort)) {
        bool ok = false;
        const uint port = value.toUInt(&ok);
        if (!ok || port == 0 || port > 65535) {
            return command + u": --ws-port '" + value + u"' is not a port number";
        }
        out.wsPorts.insert(static_cast<std::uint16_t>(port));
    }
    if (parser.isSet(options.conn)) {
        bool ok = false;
        const uint conn = parser.value(options.conn).toUInt(&ok);
        if (!ok || conn == 0) {
            return command + u": --conn '" + parser.value(options.conn) +
                   u"' is not a connection number (1, 2, ...)";
        }
        out.filter.conn = conn;
    }
    if (parser.isSet(options.only)) {
        std::string error;
        const auto kinds =
            dissector::parseEventKinds(parser.value(options.only).toStdString(), error);
        if (!kinds) {
            return command + u": --only: " + QString::fromStdString(error);
        }
        out.filter.kinds = *kinds;
    }
    if (parser.isSet(options.maxAnomalies)) {
        bool ok = false;
        const qulonglong limit = parser.value(options.maxAnomalies).toULongLong(&ok);
        if (!ok) {
            return command + u": --max-anomalies '" + parser.value(options.maxAnomalies) +
                   u"' is not a count (0 for no limit)";
        }
        out.maxAnomaliesPerKind = limit;
    }
    for (const QString& file : parser.values(options.keyLog))
        out.keyLogFiles.push_back(QFile::encodeName(file).toStdString());
    return options.limits.apply(parser, command, out.dissector);
}

CliRequest parseRead(const QStringList& arguments, const CommonOptions& common) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Dissects a pcap or pcapng capture (- for standard input) and prints every\n"
        "WebSocket connection, handshake, frame, message, anomaly and end on stdout.\n"
        "Exit status 1 when the file cannot be read."));
    const OutputOptions output;
    parser.addOptions({common.help, common.version, common.verbose});
    parser.addOptions(output.all());
    parser.addPositionalArgument(kRead, QStringLiteral("Read a capture."));
    parser.addPositionalArgument(QStringLiteral("file"),
                                 QStringLiteral("The capture, or - for standard input."));
    if (auto early =
            parseCommand(parser, arguments, common, kRead, true,
                         QStringLiteral("read: a capture file is required (- for stdin)"))) {
        return *early;
    }
    const QStringList positional = parser.positionalArguments();
    CliRequest request;
    request.command = CliRequest::Command::Read;
    request.read.path = positional.at(1).toStdString();
    const QString error = parseOutputOptions(parser, output, kRead, request.read.output);
    if (!error.isEmpty()) {
        return usageError(error);
    }
    return request;
}

CliRequest parseCapture(const QStringList& arguments, const CommonOptions& common) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Captures live traffic in immediate mode and dissects it as it arrives;\n"
                       "-w also saves it as pcapng. Ctrl-C or SIGTERM stops cleanly and leaves a\n"
                       "complete file. Without root it runs the capture helper sockscope-capture\n"
                       "(installed for group sockscope) or needs:\n"
                       "sudo setcap cap_net_raw,cap_net_admin=eip <binary>"));
    const OutputOptions output;
    const QCommandLineOption interface(
        QStringList{QStringLiteral("i"), QStringLiteral("interface")},
        QStringLiteral("Interface to capture on (lo, eth0, any)."), QStringLiteral("iface"));
    const QCommandLineOption filter(QStringList{QStringLiteral("f"), QStringLiteral("filter")},
                                    QStringLiteral("Capture filter (BPF), e.g. 'tcp port 8765'."),
                                    QStringLiteral("bpf"));
    const QCommandLineOption write(QStringList{QStringLiteral("w"), QStringLiteral("write")},
                                   QStringLiteral("Also save the packets to this pcapng file."),
                                   QStringLiteral("file"));
    const QCommandLineOption list(
        QStringList{QStringLiteral("D"), QStringLiteral("list-interfaces")},
        QStringLiteral("List the interfaces and exit."));
    const QCommandLineOption bufferSize(
        QStringLiteral("buffer-size"),
        QStringLiteral("Kernel capture buffer in MiB, 1 to %1 (default %2).")
            .arg(kMaxBufferMib)
            .arg(dissector::LiveCaptureOptions{}.bufferBytes >> 20),
        QStringLiteral("MiB"));
    parser.addOptions(
        {common.help, common.version, common.verbose, interface, filter, write, list, bufferSize});
    parser.addOptions(output.all());
    parser.addPositionalArgument(kCapture, QStringLiteral("Capture live traffic."));
    if (auto early = parseCommand(parser, arguments, common, kCapture, false)) {
        return *early;
    }
    CliRequest request;
    request.command = CliRequest::Command::Capture;
    session::CaptureOptions& options = request.capture;
    options.listInterfaces = parser.isSet(list);
    if (!options.listInterfaces && !parser.isSet(interface)) {
        return usageError(QStringLiteral("capture: -i IFACE is required (list them with -D)"));
    }
    options.interface = parser.value(interface).toStdString();
    options.filter = parser.value(filter).toStdString();
    options.writePath = parser.value(write).toStdString();
    if (parser.isSet(bufferSize)) {
        bool ok = false;
        const uint mib = parser.value(bufferSize).toUInt(&ok);
        if (!ok || mib == 0 || mib > kMaxBufferMib) {
            return usageError(u"capture: --buffer-size '" + parser.value(bufferSize) +
                              u"' is not a size in MiB from 1 to " +
                              QString::number(kMaxBufferMib));
        }
        options.bufferMib = static_cast<int>(mib);
    }
    const QString error = parseOutputOptions(parser, output, kCapture, options.output);
    if (!error.isEmpty()) {
        return usageError(error);
    }
    return request;
}

CliRequest parseConform(const QStringList& arguments, const CommonOptions& common) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs the conformance suite (RFC 6455 and RFC 7692, in the spirit of the Autobahn\n"
        "TestSuite) against a server, or with --serve against a client. One line per case,\n"
        "then one per group and one overall: pass, non-strict (the right action done less\n"
        "exactly, e.g. another close code), fail, unsupported (permessage-deflate declined).\n"
        "\n"
        "Testing a server: conform ws://HOST:PORT/ opens one connection per case.\n"
        "Testing a client: conform --serve PORT -- CMD ARGS... listens on PORT and runs CMD\n"
        "once per case (never through a shell) with the case's URL ws://HOST:PORT/case/ID as\n"
        "its last argument and in $SOCKSCOPE_CONFORM_URL. The client connects to that URL\n"
        "and sends every message it receives back, with its type, until the tester closes\n"
        "(sockscope-cli connect --echo does this). With -v its stderr is passed through.\n"
        "\n"
        "Exit status 0 when every case passed strictly, 1 otherwise, 2 for bad usage."));
    const QCommandLineOption serve(
        QStringLiteral("serve"),
        QStringLiteral("Test a client: listen on this port (0: any free port) and run the "
                       "command after -- once per case."),
        QStringLiteral("port"));
    const QCommandLineOption host(QStringLiteral("host"),
                                  QStringLiteral("Address --serve listens on (default 127.0.0.1)."),
                                  QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption cases(
        QStringLiteral("cases"),
        QStringLiteral("Only these cases: ids and patterns, comma-separated (1.*,6.4.*,7.3.2)."),
        QStringLiteral("list"));
    const QCommandLineOption format(QStringLiteral("format"),
                                    QStringLiteral("Output format: text (default) or jsonl."),
                                    QStringLiteral("format"), QStringLiteral("text"));
    const QCommandLineOption timeout(
        QStringLiteral("timeout"),
        QStringLiteral("Seconds a case may take (default 5; the 16 MiB cases get 4 times "
                       "as long)."),
        QStringLiteral("seconds"));
    const QCommandLineOption list(QStringLiteral("list"),
                                  QStringLiteral("List the selected cases and exit."));
    parser.addOptions(
        {common.help, common.version, common.verbose, serve, host, cases, format, timeout, list});
    parser.addPositionalArgument(kConform, QStringLiteral("Run the conformance suite."));
    parser.addPositionalArgument(QStringLiteral("url"),
                                 QStringLiteral("ws://host:port/path of the server to test."),
                                 QStringLiteral("[url | -- CMD ARGS...]"));
    if (!parser.parse(arguments)) {
        return usageError(parser.errorText());
    }
    if (parser.isSet(common.help)) {
        return showText(parser.helpText());
    }
    if (parser.isSet(common.version)) {
        return showText(versionText());
    }
    CliRequest request;
    request.command = CliRequest::Command::Conform;
    session::ConformOptions& options = request.conform;
    const QStringList positional = parser.positionalArguments().mid(1);
    options.serve = parser.isSet(serve);
    options.list = parser.isSet(list);
    if (options.serve) {
        bool ok = false;
        const uint port = parser.value(serve).toUInt(&ok);
        if (!ok || port > 65535) {
            return usageError(u"conform: --serve '" + parser.value(serve) +
                              u"' is not a port number");
        }
        options.port = static_cast<quint16>(port);
        const QString hostText = parser.value(host);
        options.host = hostText == u"localhost" ? QHostAddress(QHostAddress::LocalHost)
                                                : QHostAddress(hostText);
        if (options.host.isNull()) {
            return usageError(u"conform: --host '" + hostText + u"' is not an IP address");
        }
        options.command = positional;
        if (options.command.isEmpty() && !options.list) {
            return usageError(
                QStringLiteral("conform: --serve needs the client to run: -- CMD ARGS..."));
        }
    } else if (!options.list) {
        if (positional.isEmpty()) {
            return usageError(
                QStringLiteral("conform: a server URL is required (or --serve PORT -- CMD)"));
        }
        if (positional.size() > 1) {
            return usageError(u"conform: unexpected argument '" + positional.at(1) + u'\'');
        }
        options.url = positional.first();
    }
    options.cases = parser.value(cases);
    const QString formatText = parser.value(format);
    if (formatText == u"text") {
        options.format = session::OutputFormat::Text;
    } else if (formatText == u"jsonl") {
        options.format = session::OutputFormat::Jsonl;
    } else {
        return usageError(u"conform: --format '" + formatText + u"' is not text or jsonl");
    }
    if (parser.isSet(timeout)) {
        bool ok = false;
        const double seconds = parser.value(timeout).toDouble(&ok);
        if (!ok || seconds < 0.1 || seconds > 3600) {
            return usageError(u"conform: --timeout '" + parser.value(timeout) +
                              u"' is not a number of seconds from 0.1 to 3600");
        }
        options.timeoutMs = static_cast<int>(seconds * 1000);
    }
    options.verbose = parser.isSet(common.verbose);
    return request;
}

QString mainHelp() {
    return QStringLiteral(
        "Usage: sockscope-cli <command> [options]\n"
        "Sockscope, a WebSocket (RFC 6455) inspector, on the console.\n"
        "\n"
        "Commands:\n"
        "  serve --port N [--host A] [--echo] [--deflate] [--subprotocol P]... [-v]\n"
        "        [--tls-cert F --tls-key F] [--allow-origin O]...\n"
        "      Run a WebSocket server (loopback unless --host says otherwise).\n"
        "  connect URL [--echo] [--header 'K: V']... [--subprotocol P]... [--deflate] [-v]\n"
        "          [--tls-ca F]... [--tls-cert F --tls-key F] [--tls-insecure]\n"
        "      Connect to a WebSocket server; stdin lines are sent as text messages.\n"
        "  read FILE|- [--format text|jsonl] [--ws-port N]... [--conn N] [--only KINDS]\n"
        "       [--max-anomalies N] [--keylog KEYS]...\n"
        "      Dissect a pcap/pcapng capture: every handshake, frame, message, anomaly.\n"
        "  capture -i IFACE [-f BPF] [-w out.pcapng] [--buffer-size MIB] [--format text|jsonl]\n"
        "          [--ws-port N]... [--keylog KEYS]...\n"
        "      Capture live and dissect as packets arrive; capture -D lists interfaces.\n"
        "  conform URL | --serve PORT -- CMD ARGS... [--cases LIST] [--format text|jsonl]\n"
        "          [--timeout SECONDS] [--list]\n"
        "      Run the conformance suite against a server, or against a client run per case.\n"
        "\n"
        "Options:\n"
        "  -h, --help     Show this help (or a command's help: sockscope-cli serve --help).\n"
        "  --version      Show the version.\n"
        "\n"
        "Limits (serve, connect, read, capture; a command's --help lists its own and their\n"
        "defaults): --max-frame-size, --max-message-size, --max-fragments,\n"
        "--max-decompression-ratio, --max-handshake-bytes, --max-header-fields; read and\n"
        "capture also --max-connections, --max-buffered-bytes, --max-out-of-order-bytes,\n"
        "--max-payload-kept. Sizes in bytes or with K, M, G (binary).\n");
}

}  // namespace

CliRequest parseCliArguments(const QStringList& arguments) {
    const CommonOptions common;
    // First pass: only find the command; its own parser checks everything else.
    QCommandLineParser first;
    first.addOptions({common.help, common.version, common.verbose});
    first.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    first.parse(arguments);
    const QString command = first.positionalArguments().value(0);

    if (command == kServe) {
        return parseServe(arguments, common);
    }
    if (command == kConnect) {
        return parseConnect(arguments, common);
    }
    if (command == kRead) {
        return parseRead(arguments, common);
    }
    if (command == kCapture) {
        return parseCapture(arguments, common);
    }
    if (command == kConform) {
        return parseConform(arguments, common);
    }
    if (first.isSet(common.version)) {
        return showText(versionText());
    }
    if (first.isSet(common.help)) {
        return showText(mainHelp());
    }
    if (command.isEmpty()) {
        session::printError(QStringLiteral(
            "no command given (serve, connect, read, capture, conform; see --help)"));
        return exitWith(Usage);
    }
    return usageError(u"unknown command '" + command + u'\'');
}

}  // namespace sockscope::cli
