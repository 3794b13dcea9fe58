#include "text/unicode.h"

#include <algorithm>
#include <vector>

#include "text/unicode_tables.h"

namespace verdict::text {
namespace {

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

bool IsSpace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return InRanges(tables::kSpace, tables::kSpaceSize, c);
}

std::string_view StripSpace(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    size_t next = begin;
    if (!IsSpace(NextCodePoint(text, &next))) break;
    begin = next;
  }
  size_t end = text.size();
  while (end > begin) {
    const size_t start = PreviousCodePointStart(text, end);
    size_t probe = start;
    if (!IsSpace(NextCodePoint(text, &probe))) break;
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
    const tables::CaseMapping* m = FindMapping(table, size, NextCodePoint(text, &pos));
    if (m == nullptr) {
      out.append(text.substr(start, pos - start));
    } else {
      for (size_t k = 0; k < m->length; ++k) AppendUtf8(m->mapped[k], &out);
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
    const char32_t c = NextCodePoint(text, &pos);
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

}  // namespace verdict::text
