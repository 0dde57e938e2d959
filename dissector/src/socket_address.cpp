#include "sockscope/dissector/socket_address.h"

#include <arpa/inet.h>

namespace sockscope::dissector {

std::string SocketAddress::toString() const {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, ip.data(), text, sizeof text);
    return v6 ? "[" + std::string(text) + "]:" + std::to_string(port)
              : std::string(text) + ":" + std::to_string(port);
}

}  // namespace sockscope::dissector
