// The UTF-8 codec declared in core.h: decoding with Python's errors="replace" convention,
// encoding, and the whole-string helpers built on them.
#include <algorithm>
#include <string>
#include <string_view>

#include "core/core.h"

namespace verdict {
namespace {

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// What a lead byte announces: the sequence length, its payload bits and the allowed range of
// the second byte (Unicode Table 3-7, which excludes overlong forms, surrogates and values above
// U+10FFFF). Length 0 marks a byte that cannot start a sequence.
struct Lead {
  size_t length = 0;
  char32_t bits = 0;
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
};

Lead ReadLead(unsigned char byte) {
  Lead lead;
  if (byte >= 0xC2 && byte <= 0xDF) {
    lead.length = 2;
    lead.bits = byte & 0x1F;
  } else if (byte >= 0xE0 && byte <= 0xEF) {
    lead.length = 3;
    lead.bits = byte & 0x0F;
    if (byte == 0xE0) lead.second_low = 0xA0;
    if (byte == 0xED) lead.second_high = 0x9F;
  } else if (byte >= 0xF0 && byte <= 0xF4) {
    lead.length = 4;
    lead.bits = byte & 0x07;
    if (byte == 0xF0) lead.second_low = 0x90;
    if (byte == 0xF4) lead.second_high = 0x8F;
  }
  return lead;
}

}  // namespace

char32_t NextCodePoint(std::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char first = byte(*pos);
  if (first < 0x80) {
    ++*pos;
    return first;
  }
  const Lead lead = ReadLead(first);
  if (lead.length == 0) {
    ++*pos;
    return kReplacementChar;
  }
  char32_t code_point = lead.bits;
  size_t i = *pos + 1;
  for (size_t k = 1; k < lead.length; ++k, ++i) {
    const bool ok = i < text.size() && IsContinuation(byte(i)) &&
                    (k != 1 || (byte(i) >= lead.second_low && byte(i) <= lead.second_high));
    if (!ok) {
      *pos = i;  // the maximal subpart read so far becomes one U+FFFD
      return kReplacementChar;
    }
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  *pos = i;
  return code_point;
}

size_t PreviousCodePointStart(std::string_view text, size_t end) {
  size_t i = end - 1;
  while (i > 0 && IsContinuation(static_cast<unsigned char>(text[i]))) --i;
  return i;
}

size_t EncodeCodePoint(char32_t code_point, char out[4]) {
  const char32_t c = code_point;
  if (c < 0x80) {
    out[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<char>(0xC0 | (c >> 6));
    out[1] = static_cast<char>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (c >> 12));
    out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (c >> 18));
  out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (c & 0x3F));
  return 4;
}

void AppendUtf8(char32_t code_point, std::string* out) {
  char bytes[4];
  out->append(bytes, EncodeCodePoint(code_point, bytes));
}

std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) out.push_back(NextCodePoint(text, &pos));
  return out;
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendUtf8(c, &out);
  return out;
}

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
    // A decoded U+FFFD is re-encoded; anything else is valid and copied as it was.
    const size_t start = pos;
    if (NextCodePoint(bytes, &pos) == kReplacementChar) {
      AppendUtf8(kReplacementChar, &out);
    } else {
      out.append(bytes.substr(start, pos - start));
    }
  }
  return out;
}

size_t CodePointCount(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return !IsContinuation(static_cast<unsigned char>(c));
  }));
}

}  // namespace verdict
