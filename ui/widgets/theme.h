#pragma once
// Light and dark palettes. "System" keeps the platform's own style and
// palette (which follow the desktop's colour scheme); Light and Dark use
// Fusion with a fixed palette, for desktops whose theme Qt cannot read.

class QString;

namespace sockscope::ui {

enum class Theme { System, Light, Dark };

void applyTheme(Theme theme);
QString themeName(Theme theme);  // "system", "light", "dark" (the settings value)
Theme themeFromName(const QString& name);

}  // namespace sockscope::ui
