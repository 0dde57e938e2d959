#pragma once
// Light and dark palettes. "System" keeps the platform's own style and
// palette (which follow the desktop's colour scheme); Light and Dark use
// Fusion with a fixed palette, for desktops whose theme Qt cannot read.

#include "inspector/theme_choice.h"

namespace sockscope::ui {

void applyTheme(Theme theme);

}  // namespace sockscope::ui
