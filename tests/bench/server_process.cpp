#include "server_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace bench {

namespace {

// Whether /proc/net/<file> has a socket in LISTEN state (0A) on `port`.
bool listedAsListening(const char* file, std::uint16_t port) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // column titles
    char wanted[8];
    std::snprintf(wanted, sizeof wanted, ":%04X", static_cast<unsigned>(port));
    // Bounded by the file: one line per socket.
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state;
        fields >> slot >> local >> remote >> state;
        if (state == "0A" && local.size() >= 5 && local.compare(local.size() - 5, 5, wanted) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::uint16_t pickFreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return 0;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    std::uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

bool pinToCpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return ::sched_setaffinity(0, sizeof set, &set) == 0;
}

std::vector<std::string> expandCommand(const std::string& command, std::uint16_t port) {
    std::vector<std::string> words;
    std::istringstream in(command);
    std::string word;
    while (in >> word) {
        for (auto at = word.find("{port}"); at != std::string::npos; at = word.find("{port}")) {
            word.replace(at, 6, std::to_string(port));
        }
        words.push_back(word);
    }
    return words;
}

bool ServerProcess::start(const std::vector<std::string>& argv, int cpu, std::string& error) {
    if (argv.empty() || ::access(argv[0].c_str(), X_OK) != 0) {
        error = "not an executable: " + (argv.empty() ? std::string("(empty command)") : argv[0]);
        return false;
    }
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    const pid_t child = ::fork();
    if (child < 0) {
        error = "fork failed";
        return false;
    }
    if (child == 0) {
        if (cpu >= 0) {
            pinToCpu(cpu);
        }
        const int devnull = ::open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            ::dup2(devnull, STDIN_FILENO);
            ::dup2(devnull, STDOUT_FILENO);
            ::dup2(devnull, STDERR_FILENO);
        }
        ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    pid_ = child;
    return true;
}

bool ServerProcess::exited() {
    if (pid_ <= 0) {
        return true;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return true;
    }
    return false;
}

bool ServerProcess::waitListening(std::uint16_t port, double timeoutSeconds, std::string& error) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(timeoutSeconds);
    while (std::chrono::steady_clock::now() < deadline) {
        if (exited()) {
            error = "the server exited before listening";
            return false;
        }
        if (listedAsListening("/proc/net/tcp", port) || listedAsListening("/proc/net/tcp6", port)) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    error = "the server did not listen on port " + std::to_string(port) + " within " +
            std::to_string(static_cast<int>(timeoutSeconds)) + " s";
    return false;
}

void ServerProcess::stop() {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 150 && !exited(); ++i) {  // up to 3 s
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
}

double ServerProcess::cpuSeconds() const {
    if (pid_ <= 0) {
        return -1;
    }
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string stat;
    std::getline(in, stat);
    // Field 2 (comm) may contain spaces: parse after its closing parenthesis.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return -1;
    }
    std::istringstream fields(stat.substr(close + 2));
    std::string skip;
    for (int i = 0; i < 11; ++i) {  // fields 3..13
        fields >> skip;
    }
    unsigned long long utime = 0, stime = 0;
    fields >> utime >> stime;  // fields 14 and 15
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace bench
