// bench_echo: end-to-end echo throughput over loopback. The same load
// generator (echo_load.h) runs against each echo server in turn, with the
// server pinned to one CPU and the generator on another; it prints messages/s
// and who used how much CPU. It asserts nothing about time.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench_platform.h"
#include "echo_load.h"
#include "server_process.h"

namespace {

using namespace bench;

struct Server {
    std::string name;
    std::string command;  // "{port}" is replaced by the port
};

struct Options {
    LoadConfig load;
    std::vector<Server> servers;
    std::optional<std::uint16_t> connectPort;  // an already-running server
    bool pin = true;
    std::string cliPath = SOCKSCOPE_CLI_PATH;
    std::string qtServerPath = SOCKSCOPE_QT_ECHO_SERVER_PATH;
};

void printUsage() {
    std::puts(
        "usage: bench_echo [options]\n"
        "  --connections N      client connections (default 4)\n"
        "  --window N           messages in flight per connection (default 64)\n"
        "  --messages N         echoes to wait for, all connections together (default 1000000)\n"
        "  --warmup N           echoes before the timed window starts (default 20000)\n"
        "  --size BYTES         binary message size (default 1024)\n"
        "  --timeout SECONDS    bound on each server's run (default 60)\n"
        "  --quick              200000 messages (rough numbers, for a smoke run)\n"
        "  --sockscope-cli PATH the sockscope-cli binary (default: the build's bin/sockscope-cli)\n"
        "  --qt-server PATH     the qt_echo_server binary (default: the build's)\n"
        "  --server-cmd NAME=COMMAND\n"
        "                       run against this server instead of the defaults (repeatable);\n"
        "                       \"{port}\" in COMMAND is replaced by the port\n"
        "  --connect PORT       only load an already-running server on 127.0.0.1:PORT\n"
        "  --no-pin             do not pin the server and the generator to CPUs");
}

std::optional<Options> parseOptions(int argc, char** argv) {
    Options o;
    std::vector<Server> custom;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool hasValue = i + 1 < argc;
        auto number = [&] { return std::strtoull(argv[++i], nullptr, 10); };
        if (arg == "--connections" && hasValue) {
            o.load.connections = static_cast<int>(std::max(1ull, number()));
        } else if (arg == "--window" && hasValue) {
            o.load.window = static_cast<int>(std::max(1ull, number()));
        } else if (arg == "--messages" && hasValue) {
            o.load.messages = std::max(1ull, number());
        } else if (arg == "--warmup" && hasValue) {
            o.load.warmup = number();
        } else if (arg == "--size" && hasValue) {
            o.load.messageSize = number();
        } else if (arg == "--timeout" && hasValue) {
            o.load.timeoutSeconds = std::max(1.0, std::atof(argv[++i]));
        } else if (arg == "--quick") {
            o.load.messages = 200'000;
            o.load.warmup = 10'000;
        } else if (arg == "--sockscope-cli" && hasValue) {
            o.cliPath = argv[++i];
        } else if (arg == "--qt-server" && hasValue) {
            o.qtServerPath = argv[++i];
        } else if (arg == "--server-cmd" && hasValue) {
            const std::string spec = argv[++i];
            const auto eq = spec.find('=');
            if (eq == std::string::npos) {
                printUsage();
                return std::nullopt;
            }
            custom.push_back({spec.substr(0, eq), spec.substr(eq + 1)});
        } else if (arg == "--connect" && hasValue) {
            o.connectPort = static_cast<std::uint16_t>(number());
        } else if (arg == "--no-pin") {
            o.pin = false;
        } else {
            printUsage();
            return std::nullopt;
        }
    }
    o.servers = custom.empty() ? std::vector<Server>{{"sockscope-cli serve --echo",
                                                      o.cliPath + " serve --port {port} --echo"},
                                                     {"Qt WebSockets (QWebSocketServer)",
                                                      o.qtServerPath + " --port {port}"}}
                               : custom;
    return o;
}

struct Outcome {
    std::string name;
    LoadResult result;
    std::string error;  // could not run at all
};

std::string percent(double cpu, double wall) {
    if (cpu < 0 || wall <= 0) {
        return "?";
    }
    return std::to_string(static_cast<int>(100.0 * cpu / wall + 0.5)) + "%";
}

void printOutcome(const Outcome& o, const LoadConfig& load) {
    if (!o.error.empty()) {
        std::printf("%-36s  NOT RUN: %s\n", o.name.c_str(), o.error.c_str());
        return;
    }
    const LoadResult& r = o.result;
    const double rate = r.messagesPerSecond();
    // Server CPU per echoed message: 1e6 / this is what one fully busy core could echo.
    const std::string perMessage =
        r.serverCpuSeconds > 0 && r.echoed > 0
            ? std::to_string(1e6 * r.serverCpuSeconds / static_cast<double>(r.echoed)).substr(0, 4)
            : "?";
    std::printf("%-36s %12.0f %10.1f %8s %8s %8s  %s\n", o.name.c_str(), rate,
                rate * static_cast<double>(load.messageSize) / 1e6,
                percent(r.serverCpuSeconds, r.seconds).c_str(), perMessage.c_str(),
                percent(r.generatorCpuSeconds, r.seconds).c_str(),
                r.completed ? "ok" : ("INCOMPLETE: " + r.error).c_str());
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = parseOptions(argc, argv);
    if (!parsed) {
        return 2;
    }
    Options& o = *parsed;
    const unsigned cpus = onlineCpuCount();
    const bool pin = o.pin && cpus >= 2;
    const int serverCpu = pin ? static_cast<int>(cpus) - 1 : -1;
    if (pin) {
        pinToCpu(0);
    }

    std::printf("Sockscope bench_echo\n");
    std::printf("CPU:       %s (%u online)\n", cpuModel().c_str(), cpus);
    std::printf("Compiler:  %s, build type %s\n", compilerName().c_str(), SOCKSCOPE_BUILD_TYPE);
    std::printf("Load avg:  %s (other work on these CPUs makes the figures noisy)\n",
                loadAverage().c_str());
    std::printf(
        "Load:      %d connections x %d messages in flight, %llu binary messages of %zu B\n"
        "           echoed and checked (%llu warm-up echoes untimed), timeout %.0f s per server;\n"
        "           load generator: POSIX sockets + epoll + sockscope::Endpoint (client role)\n"
        "           MB/s each: payload per direction; srv CPU / gen CPU: share of one CPU used by\n"
        "           the server / the generator in the timed window; us/msg: server CPU per echo\n",
        o.load.connections, o.load.window, static_cast<unsigned long long>(o.load.messages),
        o.load.messageSize, static_cast<unsigned long long>(o.load.warmup), o.load.timeoutSeconds);
    if (pin) {
        std::printf("Pinning:   server on CPU %d, load generator on CPU 0 (sched_setaffinity)\n",
                    serverCpu);
    } else {
        std::printf("Pinning:   none (%s)\n", o.pin ? "only one CPU" : "--no-pin");
    }
    std::printf("\n%-36s %12s %10s %8s %8s %8s  %s\n", "server", "messages/s", "MB/s each",
                "srv CPU", "us/msg", "gen CPU", "result");

    std::vector<Outcome> outcomes;
    if (o.connectPort) {
        Outcome out{"server on port " + std::to_string(*o.connectPort), {}, {}};
        o.load.port = *o.connectPort;
        out.result = runEchoLoad(o.load, {});
        printOutcome(out, o.load);
        outcomes.push_back(out);
    } else {
        for (const Server& s : o.servers) {
            Outcome out{s.name, {}, {}};
            ServerProcess process;
            const std::uint16_t port = pickFreePort();
            if (port == 0) {
                out.error = "no free port";
            } else if (process.start(expandCommand(s.command, port), serverCpu, out.error) &&
                       process.waitListening(port, 15, out.error)) {
                o.load.port = port;
                out.result = runEchoLoad(o.load, [&process] { return process.cpuSeconds(); });
            }
            process.stop();
            printOutcome(out, o.load);
            outcomes.push_back(out);
        }
    }

    // The defaults run sockscope first and Qt second: compare them.
    if (!o.connectPort && outcomes.size() == 2 && o.servers[0].name.rfind("sockscope", 0) == 0) {
        const double ours = outcomes[0].error.empty() && outcomes[0].result.completed
                                ? outcomes[0].result.messagesPerSecond()
                                : 0;
        const double qt = outcomes[1].error.empty() && outcomes[1].result.completed
                              ? outcomes[1].result.messagesPerSecond()
                              : 0;
        std::printf(
            "\nsockscope / Qt WebSockets: %s\n",
            qt > 0 && ours > 0 ? (std::to_string(ours / qt).substr(0, 5) + "x").c_str() : "n/a");
        std::printf("\nTargets\n");
        std::printf("  [%s] sockscope-cli >= 250000 messages/s with the server on one core: %.0f",
                    ours >= 250'000 ? "MET   " : "MISSED", ours);
        if (ours < 250'000) {
            std::printf(" (%.0f%% of target)", 100.0 * ours / 250'000);
        }
        std::printf("\n  [%s] sockscope-cli above the Qt server: %.0f vs %.0f\n",
                    ours > qt && qt > 0 ? "MET   " : "MISSED", ours, qt);
    }
    for (const Outcome& out : outcomes) {
        if (!out.error.empty() || !out.result.completed) {
            return 1;
        }
    }
    return 0;
}
