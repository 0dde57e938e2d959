#include "inspector/malloc_policy.h"

#include <malloc.h>

#include <mutex>

namespace sockscope::ui {

void limitMallocHoarding() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Setting either threshold turns the dynamic adjustment off. Blocks
        // from 128 KiB (glibc's default) are mapped on their own and unmapped
        // when freed; an arena gives back a free top over 128 KiB.
        ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        ::mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    });
}

}  // namespace sockscope::ui
