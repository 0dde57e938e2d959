#include "tls_held_records.h"

#include <algorithm>

namespace sockscope::dissector::tls {

bool HeldRecords::hold(Direction dir, std::span<const std::uint8_t> record, std::uint64_t start) {
    if (record.size() > maxBytes_ - std::min(maxBytes_, bytes_.size()))
        return false;
    entries_.push_back({dir, bytes_.size(), record.size(), start});
    bytes_.insert(bytes_.end(), record.begin(), record.end());
    ++counts_[index(dir)];
    return true;
}

void HeldRecords::drop(Direction dir) {
    if (count(dir) == 0)
        return;
    std::vector<std::uint8_t> bytes;
    std::vector<Entry> entries;
    for (const Entry& e : entries_) {
        if (e.dir == dir)
            continue;
        entries.push_back({e.dir, bytes.size(), e.length, e.start});
        bytes.insert(bytes.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(e.at),
                     bytes_.begin() + static_cast<std::ptrdiff_t>(e.at + e.length));
    }
    bytes_.swap(bytes);
    entries_.swap(entries);
    counts_[index(dir)] = 0;
}

void HeldRecords::clear() {
    std::vector<std::uint8_t>().swap(bytes_);
    std::vector<Entry>().swap(entries_);
    counts_[0] = counts_[1] = 0;
}

}  // namespace sockscope::dissector::tls
