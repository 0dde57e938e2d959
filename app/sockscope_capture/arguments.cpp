#include "arguments.h"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace sockscope::capture {
namespace {

constexpr int kMaxArguments = 9;  // -i X -f X -s X -B X -p
constexpr std::size_t kMaxInterfaceName = 64;
constexpr std::size_t kMaxFilter = 4096;
constexpr int kMaxSnaplen = 262144;
constexpr int kMaxBufferMib = 1024;

// An argument fit to repeat in a message: printable and short.
std::string quoted(std::string_view argument) {
    std::string text;
    for (const char c : argument.substr(0, 40)) {
        text += c >= 0x20 && c < 0x7f ? c : '?';
    }
    return "'" + text + (argument.size() > 40 ? "...'" : "'");
}

bool interfaceCharacter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == ':';
}

bool checkInterface(std::string_view name, std::string& error) {
    if (name.empty()) {
        error = "empty interface name";
        return false;
    }
    if (name.size() > kMaxInterfaceName) {
        error = "interface name too long (" + std::to_string(name.size()) + " bytes, at most " +
                std::to_string(kMaxInterfaceName) + ")";
        return false;
    }
    if (!std::all_of(name.begin(), name.end(), interfaceCharacter) || name.front() == '-' ||
        name.front() == '.') {
        error = "bad interface name " + quoted(name) +
                " (letters, digits and . _ - : only, not first - or .)";
        return false;
    }
    return true;
}

bool checkFilter(std::string_view filter, std::string& error) {
    if (filter.empty()) {
        error = "empty capture filter (leave -f out to capture everything)";
        return false;
    }
    if (filter.size() > kMaxFilter) {
        error = "capture filter too long (" + std::to_string(filter.size()) + " bytes, at most " +
                std::to_string(kMaxFilter) + ")";
        return false;
    }
    if (!std::all_of(filter.begin(), filter.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
        error = "the capture filter may hold printable ASCII only";
        return false;
    }
    return true;
}

// Decimal digits only (no sign, no spaces, no leading zero), within [low, high].
bool number(std::string_view option, std::string_view text, int low, int high, int& value,
            std::string& error) {
    const auto bad = [&] {
        error = std::string(option) + " needs a whole number from " + std::to_string(low) + " to " +
                std::to_string(high) + ", not " + quoted(text);
        return false;
    };
    if (text.empty() || text.size() > 7 || text.front() == '0' ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return bad();
    }
    const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (status != std::errc() || end != text.data() + text.size() || value < low || value > high) {
        return bad();
    }
    return true;
}

}  // namespace

std::optional<HelperArguments> parseHelperArguments(int argc, const char* const* argv,
                                                    std::string& error) {
    if (argc < 2) {
        error = "no arguments (see sockscope-capture -h)";
        return std::nullopt;
    }
    if (argc - 1 > kMaxArguments) {
        error = "too many arguments (" + std::to_string(argc - 1) + ", at most " +
                std::to_string(kMaxArguments) + ")";
        return std::nullopt;
    }
    const std::string_view first = argv[1];
    if (first == "-D" || first == "-h") {
        if (argc != 2) {
            error = std::string(first) + " takes no other arguments";
            return std::nullopt;
        }
        HelperArguments arguments;
        (first == "-D" ? arguments.listInterfaces : arguments.help) = true;
        return arguments;
    }

    HelperArguments arguments;
    arguments.capture.snaplen = kMaxSnaplen;
    bool seenInterface = false;
    bool seenFilter = false;
    bool seenSnaplen = false;
    bool seenBuffer = false;
    bool seenPromiscuous = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view option = argv[i];
        const auto once = [&](bool& seen) {
            if (seen) {
                error = std::string(option) + " given twice";
                return false;
            }
            seen = true;
            return true;
        };
        if (option == "-p") {
            if (!once(seenPromiscuous)) {
                return std::nullopt;
            }
            arguments.capture.promiscuous = true;
            continue;
        }
        if (option != "-i" && option != "-f" && option != "-s" && option != "-B") {
            error = "unknown argument " + quoted(option) + " (see sockscope-capture -h)";
            return std::nullopt;
        }
        if (i + 1 >= argc) {
            error = std::string(option) + " needs a value";
            return std::nullopt;
        }
        const std::string_view value = argv[++i];
        if (option == "-i") {
            if (!once(seenInterface) || !checkInterface(value, error)) {
                return std::nullopt;
            }
            arguments.capture.interface = value;
        } else if (option == "-f") {
            if (!once(seenFilter) || !checkFilter(value, error)) {
                return std::nullopt;
            }
            arguments.capture.filter = value;
        } else if (option == "-s") {
            if (!once(seenSnaplen) ||
                !number(option, value, 1, kMaxSnaplen, arguments.capture.snaplen, error)) {
                return std::nullopt;
            }
        } else {
            int mib = 0;
            if (!once(seenBuffer) || !number(option, value, 1, kMaxBufferMib, mib, error)) {
                return std::nullopt;
            }
            arguments.capture.bufferBytes = mib << 20;
        }
    }
    if (!seenInterface) {
        error = "no interface: -i IFACE is required (list them with sockscope-capture -D)";
        return std::nullopt;
    }
    return arguments;
}

}  // namespace sockscope::capture
