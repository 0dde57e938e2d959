#pragma once
// Named entries the console keeps in QSettings: saved messages
// ("console/messages") and connection profiles ("console/profiles"). Each
// group is one map from a name to the entry's fields, so any name (slashes
// included) is allowed.

#include <QString>
#include <QStringList>
#include <QVariantMap>

#include <optional>

namespace sockscope::ui::console_settings {

inline constexpr QLatin1StringView kMessages{"console/messages"};
inline constexpr QLatin1StringView kProfiles{"console/profiles"};

// Sorted, case-insensitively.
QStringList names(QLatin1StringView group);
std::optional<QVariantMap> load(QLatin1StringView group, const QString& name);
// Replaces an entry of the same name.
void store(QLatin1StringView group, const QString& name, const QVariantMap& fields);
void remove(QLatin1StringView group, const QString& name);
// False when `from` does not exist, `to` is empty or already taken.
bool rename(QLatin1StringView group, const QString& from, const QString& to);

}  // namespace sockscope::ui::console_settings
