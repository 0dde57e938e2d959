#pragma once
// Core and the dissector hand out UTF-8 in std::string; Qt wants QString.

#include <QString>
#include <string_view>

namespace sockscope {

// UTF-8 bytes (a std::string or a view of one) as a QString.
inline QString fromStd(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

}  // namespace sockscope
