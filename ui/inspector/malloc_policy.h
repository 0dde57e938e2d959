#pragma once
// glibc malloc raises its mmap and trim thresholds each time a large block
// is freed (up to 32 MiB), after which freed memory at the top of a
// thread's arena stays resident for good: malloc_trim() does not shrink a
// non-main arena's top. Loading a capture frees large message buffers on
// the loader thread, so without fixed thresholds about 10 MB that nothing
// uses stays in the inspector's memory after every load. Qt-free.

namespace sockscope::ui {

// Fixes the thresholds (once per process; later calls do nothing).
void limitMallocHoarding();

}  // namespace sockscope::ui
