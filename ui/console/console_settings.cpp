#include "console/console_settings.h"

#include <QSettings>

#include <algorithm>

namespace sockscope::ui::console_settings {

namespace {

QVariantMap readGroup(QLatin1StringView group) {
    return QSettings().value(group).toMap();
}

void writeGroup(QLatin1StringView group, const QVariantMap& entries) {
    QSettings settings;
    if (entries.isEmpty())
        settings.remove(group);
    else
        settings.setValue(group, entries);
}

}  // namespace

QStringList names(QLatin1StringView group) {
    QStringList result = readGroup(group).keys();
    std::sort(result.begin(), result.end(), [](const QString& a, const QString& b) {
        return QString::compare(a, b, Qt::CaseInsensitive) < 0;
    });
    return result;
}

std::optional<QVariantMap> load(QLatin1StringView group, const QString& name) {
    const QVariantMap entries = readGroup(group);
    const auto it = entries.find(name);
    if (it == entries.end())
        return std::nullopt;
    return it->toMap();
}

void store(QLatin1StringView group, const QString& name, const QVariantMap& fields) {
    QVariantMap entries = readGroup(group);
    entries.insert(name, fields);
    writeGroup(group, entries);
}

void remove(QLatin1StringView group, const QString& name) {
    QVariantMap entries = readGroup(group);
    if (entries.remove(name) > 0)
        writeGroup(group, entries);
}

bool rename(QLatin1StringView group, const QString& from, const QString& to) {
    QVariantMap entries = readGroup(group);
    if (to.trimmed().isEmpty() || !entries.contains(from) || entries.contains(to))
        return false;
    entries.insert(to, entries.take(from));
    writeGroup(group, entries);
    return true;
}

}  // namespace sockscope::ui::console_settings
