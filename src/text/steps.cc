#include "text/steps.h"

#include <algorithm>
#include <iterator>

#include "text/unicode.h"

namespace verdict::text {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

bool InAny(const Range* begin, const Range* end, char32_t c) {
  return std::any_of(begin, end, [c](const Range& r) { return c >= r.first && c <= r.last; });
}

// The seed's pattern, as the union of its ranges (U+2702-27B0 and U+1F1E0-1F1FF lie inside
// U+24C2-1F251).
constexpr Range kSeedEmoji[] = {
    {0x24C2, 0x1F251}, {0x1F300, 0x1F5FF}, {0x1F600, 0x1F64F}, {0x1F680, 0x1F6FF}};

// Extended_Pictographic (Unicode emoji-data.txt) from U+2300 up.
constexpr Range kPictographic[] = {
    {0x231A, 0x231B},   {0x2328, 0x2328},   {0x2388, 0x2388},   {0x23CF, 0x23CF},
    {0x23E9, 0x23F3},   {0x23F8, 0x23FA},   {0x24C2, 0x24C2},   {0x25AA, 0x25AB},
    {0x25B6, 0x25B6},   {0x25C0, 0x25C0},   {0x25FB, 0x25FE},   {0x2600, 0x2605},
    {0x2607, 0x2612},   {0x2614, 0x2685},   {0x2690, 0x2705},   {0x2708, 0x2712},
    {0x2714, 0x2714},   {0x2716, 0x2716},   {0x271D, 0x271D},   {0x2721, 0x2721},
    {0x2728, 0x2728},   {0x2733, 0x2734},   {0x2744, 0x2744},   {0x2747, 0x2747},
    {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},
    {0x2763, 0x2767},   {0x2795, 0x2797},   {0x27A1, 0x27A1},   {0x27B0, 0x27B0},
    {0x27BF, 0x27BF},   {0x2934, 0x2935},   {0x2B05, 0x2B07},   {0x2B1B, 0x2B1C},
    {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x3030, 0x3030},   {0x303D, 0x303D},
    {0x3297, 0x3297},   {0x3299, 0x3299},   {0x1F000, 0x1F0FF}, {0x1F10D, 0x1F10F},
    {0x1F12F, 0x1F12F}, {0x1F16C, 0x1F171}, {0x1F17E, 0x1F17F}, {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A}, {0x1F1AD, 0x1F1E5}, {0x1F201, 0x1F20F}, {0x1F21A, 0x1F21A},
    {0x1F22F, 0x1F22F}, {0x1F232, 0x1F23A}, {0x1F23C, 0x1F23F}, {0x1F249, 0x1F3FA},
    {0x1F400, 0x1F53D}, {0x1F546, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F774, 0x1F77F},
    {0x1F7D5, 0x1F7FF}, {0x1F80C, 0x1F80F}, {0x1F848, 0x1F84F}, {0x1F85A, 0x1F85F},
    {0x1F888, 0x1F88F}, {0x1F8AE, 0x1F8FF}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945},
    {0x1F947, 0x1FAFF}, {0x1FC00, 0x1FFFD}};

// Emoji components that never stand for text: regional indicators, skin-tone modifiers,
// variation selectors 15/16, the combining keycap and the tag characters.
constexpr Range kEmojiComponents[] = {
    {0x1F1E6, 0x1F1FF}, {0x1F3FB, 0x1F3FF}, {0xFE0E, 0xFE0F}, {0x20E3, 0x20E3}, {0xE0020, 0xE007F}};

constexpr char32_t kZeroWidthJoiner = 0x200D;

template <typename Drop>
std::string DeleteCodePoints(std::string_view text, Drop drop) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      if (!drop(byte)) out.push_back(text[pos]);
      ++pos;
      continue;
    }
    const size_t start = pos;
    if (!drop(NextCodePoint(text, &pos))) out.append(text.substr(start, pos - start));
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) {
    if (&part != &parts.front()) out.push_back(' ');
    out.append(part);
  }
  return out;
}

}  // namespace

std::vector<std::string> SplitDialogue(std::string_view text, size_t min_length) {
  static constexpr std::string_view kOpen = "[bom]";
  static constexpr std::string_view kClose = "[eom]";
  std::vector<std::string> messages;
  size_t pos = 0;
  while (true) {
    const size_t open = text.find(kOpen, pos);
    if (open == std::string_view::npos) break;
    const size_t inner = open + kOpen.size();
    const size_t close = text.find(kClose, inner);
    if (close == std::string_view::npos) break;
    const std::string_view message = StripSpace(text.substr(inner, close - inner));
    if (!message.empty() && CodePointCount(message) >= min_length) {
      messages.emplace_back(message);
    }
    pos = close + kClose.size();
  }
  return messages;
}

std::string RemoveEmojiSeed(std::string_view text) {
  return DeleteCodePoints(text, [](char32_t c) {
    return c >= 0x24C2 && InAny(std::begin(kSeedEmoji), std::end(kSeedEmoji), c);
  });
}

std::string RemoveEmojiV2(std::string_view text) {
  bool previous_removed = false;
  return DeleteCodePoints(text, [&previous_removed](char32_t c) {
    const bool removed =
        (c >= 0x2300 && InAny(std::begin(kPictographic), std::end(kPictographic), c)) ||
        (c >= 0x20E3 && InAny(std::begin(kEmojiComponents), std::end(kEmojiComponents), c)) ||
        (c == kZeroWidthJoiner && previous_removed);
    previous_removed = removed;
    return removed;
  });
}

std::string NormalizeText(std::string_view text) {
  return CollapseSpace(PyLower(StripSpace(text)));
}

std::string UpperText(std::string_view text) { return CollapseSpace(PyUpper(StripSpace(text))); }

namespace {

Status TooManyChunks(const ChunkerOptions& options) {
  return InvalidData("the text makes more than " + std::to_string(options.max_chunks) +
                     " chunks of max_sen_len " + std::to_string(options.max_tokens) +
                     " tokens (the limit per cell)");
}

}  // namespace

Result<std::vector<std::string>> ChunkDialogue(const std::vector<std::string>& messages,
                                               const tokenizer::WordPiece& tokenizer,
                                               const ChunkerOptions& options) {
  const size_t max_tokens = options.max_tokens;
  auto limit_reached = [&options](size_t n) {
    return options.truncate && n >= options.max_total_chunks;
  };
  std::vector<std::string> chunks;
  std::vector<std::string> current;
  size_t current_tokens = 0;
  for (const std::string& original : messages) {
    std::string message = original;
    std::vector<int32_t> ids = tokenizer.EncodeNoSpecial(message);
    size_t count = ids.size();
    if (count > max_tokens) {
      ids.resize(max_tokens);
      message = tokenizer.Decode(ids);
      count = tokenizer.EncodeNoSpecial(message).size();
    }
    if (current_tokens + count > max_tokens) {
      if (!current.empty()) {
        if (chunks.size() == options.max_chunks) return TooManyChunks(options);
        chunks.emplace_back(StripSpace(Join(current)));
        if (options.max_total_chunks > 0 && limit_reached(chunks.size())) break;
      }
      current.assign(1, std::move(message));
      current_tokens = count;
    } else {
      current.push_back(std::move(message));
      current_tokens += count;
    }
    if (limit_reached(chunks.size())) break;
  }
  if (!current.empty() && !limit_reached(chunks.size())) {
    if (chunks.size() == options.max_chunks) return TooManyChunks(options);
    chunks.emplace_back(StripSpace(Join(current)));
  }
  if (std::all_of(chunks.begin(), chunks.end(), [](const std::string& c) { return IsBlank(c); })) {
    return std::vector<std::string>{"."};
  }
  return chunks;
}

std::vector<int32_t> TokenizeChunk(std::string_view chunk, const tokenizer::WordPiece& tokenizer,
                                   size_t max_sen_len) {
  return tokenizer.Encode(IsBlank(chunk) ? std::string_view() : chunk, max_sen_len);
}

}  // namespace verdict::text
