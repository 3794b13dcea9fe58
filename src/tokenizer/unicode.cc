#include "tokenizer/unicode.h"

#include <cstring>
#include <map>
#include <vector>

namespace verdict::tokenizer::internal {
namespace {

struct RangeValue {
  char32_t first;
  char32_t last;
  uint8_t value;
};

struct CharMapping {
  char32_t from;
  uint8_t size;
  char32_t to[4];
};

#include "tokenizer/generated/unicode_data.inc"

constexpr char32_t kCodePointCount = 0x110000;
constexpr int kBlockBits = 7;
constexpr char32_t kBlockSize = char32_t{1} << kBlockBits;
constexpr char32_t kHangulFirst = 0xAC00;
constexpr char32_t kHangulLast = 0xD7A3;

// Two-stage lookup: block index per 128 code points, then deduplicated blocks of CharInfo.
class CharTable {
 public:
  CharTable() {
    std::vector<CharInfo> flat(kCodePointCount);
    for (const RangeValue& r : kFlagRanges) {
      for (char32_t c = r.first; c <= r.last; ++c) flat[c].flags = r.value;
    }
    for (const RangeValue& r : kCombiningClassRanges) {
      for (char32_t c = r.first; c <= r.last; ++c) flat[c].combining_class = r.value;
    }
    for (size_t i = 0; i < std::size(kDecompositions); ++i) {
      flat[kDecompositions[i].from].decomposition = static_cast<uint16_t>(i);
    }
    for (size_t i = 0; i < std::size(kLowercase); ++i) {
      flat[kLowercase[i].from].lowercase = static_cast<uint16_t>(i);
    }
    Deduplicate(flat);
  }

  const CharInfo& Get(char32_t cp) const {
    if (cp >= kCodePointCount) cp = kReplacementChar;
    return blocks_[(static_cast<size_t>(block_index_[cp >> kBlockBits]) << kBlockBits) |
                   (cp & (kBlockSize - 1))];
  }

 private:
  void Deduplicate(const std::vector<CharInfo>& flat) {
    std::map<std::string, uint16_t> seen;
    block_index_.resize(kCodePointCount / kBlockSize);
    for (size_t b = 0; b < block_index_.size(); ++b) {
      const CharInfo* begin = flat.data() + b * kBlockSize;
      std::string key(reinterpret_cast<const char*>(begin), sizeof(CharInfo) * kBlockSize);
      auto [it, inserted] = seen.emplace(key, static_cast<uint16_t>(seen.size()));
      if (inserted) blocks_.insert(blocks_.end(), begin, begin + kBlockSize);
      block_index_[b] = it->second;
    }
  }

  std::vector<uint16_t> block_index_;
  std::vector<CharInfo> blocks_;
};

const CharTable& Table() {
  static const CharTable table;
  return table;
}

size_t CopyMapping(const CharMapping& m, char32_t out[4]) {
  std::memcpy(out, m.to, sizeof(char32_t) * m.size);
  return m.size;
}

}  // namespace

const CharInfo& LookupChar(char32_t cp) { return Table().Get(cp); }

size_t Decompose(char32_t cp, const CharInfo& info, char32_t out[4]) {
  if (cp >= kHangulFirst && cp <= kHangulLast) {
    const char32_t s = cp - kHangulFirst;
    out[0] = 0x1100 + s / 588;
    out[1] = 0x1161 + (s % 588) / 28;
    const char32_t trail = s % 28;
    if (trail == 0) return 2;
    out[2] = 0x11A7 + trail;
    return 3;
  }
  if (info.decomposition == CharInfo::kNoMapping) {
    out[0] = cp;
    return 1;
  }
  return CopyMapping(kDecompositions[info.decomposition], out);
}

size_t Lowercase(char32_t cp, const CharInfo& info, char32_t out[4]) {
  if (info.lowercase == CharInfo::kNoMapping) {
    out[0] = cp;
    return 1;
  }
  return CopyMapping(kLowercase[info.lowercase], out);
}

std::string_view TablesVersion() { return kTokenizersVersion; }

}  // namespace verdict::tokenizer::internal
