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

#include "tokenizer/unicode_data.inc"

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

bool IsContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

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

char32_t DecodeUtf8(std::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const size_t n = text.size();
  const unsigned char lead = byte(*pos);
  if (lead < 0x80) {
    ++*pos;
    return lead;
  }
  // Lead byte: sequence length, initial bits, and the allowed range of the second byte
  // (Unicode table 3-7, which excludes overlong forms, surrogates and values above U+10FFFF).
  int length = 0;
  char32_t cp = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    ++*pos;
    return kReplacementChar;
  }
  size_t i = *pos + 1;
  for (int k = 1; k < length; ++k, ++i) {
    if (i >= n || !IsContinuation(byte(i)) || (k == 1 && (byte(i) < low || byte(i) > high))) {
      *pos = i;  // the maximal subpart read so far becomes one U+FFFD
      return kReplacementChar;
    }
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  *pos = i;
  return cp;
}

size_t EncodeUtf8(char32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

void AppendUtf8(char32_t cp, std::string* out) {
  char bytes[4];
  out->append(bytes, EncodeUtf8(cp, bytes));
}

std::string_view TablesVersion() { return kTokenizersVersion; }

}  // namespace verdict::tokenizer::internal
