#include "text/unicode.h"

#include <algorithm>
#include <vector>

#include "text/unicode_tables.h"

namespace verdict::text {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Bounds of the second byte of a well-formed sequence led by `lead` (Unicode Table 3-7).
void SecondByteBounds(unsigned char lead, unsigned char& low, unsigned char& high) {
  low = 0x80;
  high = 0xBF;
  if (lead == 0xE0) low = 0xA0;
  if (lead == 0xED) high = 0x9F;
  if (lead == 0xF0) low = 0x90;
  if (lead == 0xF4) high = 0x8F;
}

// Length of the sequence a lead byte announces; 0 for bytes that cannot start one.
size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Number of leading bytes of bytes[pos..] that form a well-formed prefix of the sequence
// announced by its lead byte (at least 1).
size_t ValidPrefix(std::string_view bytes, size_t pos, size_t length) {
  unsigned char low, high;
  SecondByteBounds(static_cast<unsigned char>(bytes[pos]), low, high);
  size_t taken = 1;
  while (taken < length && pos + taken < bytes.size()) {
    const auto byte = static_cast<unsigned char>(bytes[pos + taken]);
    const bool ok = taken == 1 ? (byte >= low && byte <= high) : IsContinuation(byte);
    if (!ok) break;
    ++taken;
  }
  return taken;
}

template <typename Range>
bool InRanges(const Range* ranges, size_t size, char32_t c) {
  const Range* end = ranges + size;
  const Range* it =
      std::upper_bound(ranges, end, c, [](char32_t v, const Range& r) { return v < r.first; });
  return it != ranges && c <= (it - 1)->last;
}

const tables::CaseMapping* FindMapping(const tables::CaseMapping* table, size_t size, char32_t c) {
  const tables::CaseMapping* end = table + size;
  const tables::CaseMapping* it = std::lower_bound(
      table, end, c, [](const tables::CaseMapping& m, char32_t v) { return m.code_point < v; });
  return (it != end && it->code_point == c) ? it : nullptr;
}

bool IsCaseIgnorable(char32_t c) {
  return InRanges(tables::kCaseIgnorable, tables::kCaseIgnorableSize, c);
}
bool IsCasedNotIgnorable(char32_t c) {
  return InRanges(tables::kCasedNotIgnorable, tables::kCasedNotIgnorableSize, c);
}

// CPython's handle_capital_sigma: U+03A3 lowers to final 'ς' when a cased letter precedes it and
// none follows it, skipping case-ignorable characters on both sides.
char32_t LowerCapitalSigma(std::u32string_view text, size_t i) {
  size_t j = i;
  while (j > 0 && IsCaseIgnorable(text[j - 1])) --j;
  if (j == 0 || !IsCasedNotIgnorable(text[j - 1])) return U'\u03C3';
  size_t k = i + 1;
  while (k < text.size() && IsCaseIgnorable(text[k])) ++k;
  return (k == text.size() || !IsCasedNotIgnorable(text[k])) ? U'\u03C2' : U'\u03C3';
}

}  // namespace

std::string SanitizeUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t ascii_end = pos;
    while (ascii_end < bytes.size() && static_cast<unsigned char>(bytes[ascii_end]) < 0x80) {
      ++ascii_end;
    }
    out.append(bytes.substr(pos, ascii_end - pos));
    pos = ascii_end;
    if (pos == bytes.size()) break;
    const size_t length = SequenceLength(static_cast<unsigned char>(bytes[pos]));
    const size_t valid = length == 0 ? 1 : ValidPrefix(bytes, pos, length);
    if (length != 0 && valid == length) {
      out.append(bytes.substr(pos, length));
    } else {
      AppendUtf8(out, kReplacement);
    }
    pos += valid;
  }
  return out;
}

char32_t NextCodePoint(std::string_view text, size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  const size_t length = SequenceLength(lead);
  char32_t c = length == 1 ? lead : lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    c = (c << 6) | (static_cast<unsigned char>(text[pos + k]) & 0x3F);
  }
  pos += length;
  return c;
}

void AppendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) out.push_back(NextCodePoint(text, pos));
  return out;
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendUtf8(out, c);
  return out;
}

bool IsSpace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return InRanges(tables::kSpace, tables::kSpaceSize, c);
}

std::string_view StripSpace(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    size_t next = begin;
    if (!IsSpace(NextCodePoint(text, next))) break;
    begin = next;
  }
  size_t end = text.size();
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && IsContinuation(static_cast<unsigned char>(text[start]))) --start;
    size_t probe = start;
    if (!IsSpace(NextCodePoint(text, probe))) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

std::u32string_view StripSpace(std::u32string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsSpace(text[begin])) ++begin;
  while (end > begin && IsSpace(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

bool IsBlank(std::string_view text) { return StripSpace(text).empty(); }

std::u32string PyLower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c == U'\u03A3') {
      out.push_back(LowerCapitalSigma(text, i));
      continue;
    }
    const tables::CaseMapping* m = FindMapping(tables::kLower, tables::kLowerSize, c);
    if (m == nullptr) {
      out.push_back(c);
    } else {
      out.append(m->mapped, m->length);
    }
  }
  return out;
}

// Maps each code point through a case table; ASCII letters by `ascii_shift` in [first, last].
std::string MapCase(std::string_view text, const tables::CaseMapping* table, size_t size,
                    char first, char last, int ascii_shift) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const char byte = text[pos];
    if (static_cast<unsigned char>(byte) < 0x80) {
      out.push_back(byte >= first && byte <= last ? static_cast<char>(byte + ascii_shift) : byte);
      ++pos;
      continue;
    }
    const size_t start = pos;
    const tables::CaseMapping* m = FindMapping(table, size, NextCodePoint(text, pos));
    if (m == nullptr) {
      out.append(text.substr(start, pos - start));
    } else {
      for (size_t k = 0; k < m->length; ++k) AppendUtf8(out, m->mapped[k]);
    }
  }
  return out;
}

std::string PyLower(std::string_view text) {
  static constexpr std::string_view kCapitalSigma = "\xCE\xA3";
  if (text.find(kCapitalSigma) != std::string_view::npos) {
    return EncodeUtf8(PyLower(DecodeUtf8(text)));
  }
  return MapCase(text, tables::kLower, tables::kLowerSize, 'A', 'Z', 'a' - 'A');
}

std::string PyUpper(std::string_view text) {
  return MapCase(text, tables::kUpper, tables::kUpperSize, 'a', 'z', 'A' - 'a');
}

std::string CollapseSpace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_space = false;
  size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80 && !IsSpace(byte)) {
      out.push_back(static_cast<char>(byte));
      in_space = false;
      ++pos;
      continue;
    }
    const size_t start = pos;
    const char32_t c = NextCodePoint(text, pos);
    if (IsSpace(c)) {
      if (!in_space) out.push_back(' ');
      in_space = true;
    } else {
      out.append(text.substr(start, pos - start));
      in_space = false;
    }
  }
  return out;
}

size_t CodePointCount(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return !IsContinuation(static_cast<unsigned char>(c));
  }));
}

}  // namespace verdict::text
