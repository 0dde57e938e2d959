#pragma once
// Text for socket addresses, the same form the CLI's JSON Lines use:
// "127.0.0.1:53422", "[::1]:8765" (IPv4-mapped IPv6 addresses as IPv4).

#include <QHostAddress>
#include <QString>

namespace sockscope::session {

QString formatSocketAddress(const QHostAddress& address, quint16 port);

}  // namespace sockscope::session
