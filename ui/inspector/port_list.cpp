#include "inspector/port_list.h"

#include <QRegularExpression>
#include <QStringList>

namespace sockscope::ui {

std::optional<std::set<std::uint16_t>> parsePortList(const QString& text, QString& error) {
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    std::set<std::uint16_t> ports;
    for (const QString& word : text.split(separators, Qt::SkipEmptyParts)) {
        bool ok = false;
        const uint port = word.toUInt(&ok);
        if (!ok || port == 0 || port > 65535) {
            error = QStringLiteral("'%1' is not a port (1-65535)").arg(word);
            return std::nullopt;
        }
        ports.insert(std::uint16_t(port));
    }
    return ports;
}

QString formatPortList(const std::set<std::uint16_t>& ports) {
    QStringList words;
    for (std::uint16_t port : ports)
        words << QString::number(port);
    return words.join(QStringLiteral(", "));
}

}  // namespace sockscope::ui
