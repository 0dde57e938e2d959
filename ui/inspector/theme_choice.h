#pragma once
// Which palette the window uses, and its settings value. Widget-free, so
// Preferences can hold it; widgets/theme.h applies it.

class QString;

namespace sockscope::ui {

enum class Theme { System, Light, Dark };

QString themeName(Theme theme);  // "system", "light", "dark" (the settings value)
Theme themeFromName(const QString& name);

}  // namespace sockscope::ui
