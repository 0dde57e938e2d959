#include "privileges.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace sockscope::capture {
namespace {

using CapabilitySets = std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3>;

bool getCapabilities(CapabilitySets& sets) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    return ::syscall(SYS_capget, &header, sets.data()) == 0;
}

bool setCapabilities(CapabilitySets& sets) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    return ::syscall(SYS_capset, &header, sets.data()) == 0;
}

constexpr std::uint32_t bit(int capability) {
    return 1u << (capability % 32);
}

}  // namespace

void sanitizeProcess() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            // open() takes the lowest free number: this one. A capture socket
            // must never become someone's "standard output".
            if (::open("/dev/null", O_RDWR) != fd) {
                std::_Exit(2);
            }
        }
    }
    if (::close_range(3, ~0u, 0) != 0) {
        const long limit = std::clamp(::sysconf(_SC_OPEN_MAX), 256L, 65536L);
        for (int fd = 3; fd < limit; ++fd) {
            ::close(fd);
        }
    }
    ::clearenv();
}

bool limitCapabilities(Keep keep, std::string& error) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        error = std::string("cannot set no-new-privileges: ") + std::strerror(errno);
        return false;
    }
    // Clearing the inheritable set clears the ambient one too; this says so
    // explicitly (and is a no-op where ambient capabilities do not exist).
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    CapabilitySets sets{};
    if (!getCapabilities(sets)) {
        error = std::string("cannot read the capabilities: ") + std::strerror(errno);
        return false;
    }
    static_assert(CAP_NET_RAW < 32 && CAP_NET_ADMIN < 32, "both in the first word");
    const std::uint32_t kept = keep == Keep::Capture ? bit(CAP_NET_RAW) | bit(CAP_NET_ADMIN) : 0;
    for (std::size_t word = 0; word < sets.size(); ++word) {
        const std::uint32_t mask = word == 0 ? kept : 0;
        sets[word].permitted &= mask;
        sets[word].effective &= mask;
        sets[word].inheritable = 0;
    }
    if (!setCapabilities(sets)) {
        error = std::string("cannot drop capabilities: ") + std::strerror(errno);
        return false;
    }
    return true;
}

bool holdsCaptureCapability() {
    CapabilitySets sets{};
    return getCapabilities(sets) && (sets[0].permitted & bit(CAP_NET_RAW)) != 0;
}

}  // namespace sockscope::capture
