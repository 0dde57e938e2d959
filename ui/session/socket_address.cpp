#include "session/socket_address.h"

namespace sockscope::session {

QString formatSocketAddress(const QHostAddress& address, quint16 port) {
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    const QString portText = QString::number(port);
    if (isV4) {
        return QHostAddress(v4).toString() + u':' + portText;
    }
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        return u'[' + address.toString() + u"]:" + portText;
    }
    return address.toString() + u':' + portText;
}

}  // namespace sockscope::session
