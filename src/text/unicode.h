// UTF-8 handling and Python str semantics for the text steps (private to src/text).
//
// All functions below except SanitizeUtf8 expect valid UTF-8; TextPipeline::Run sanitizes its
// input once, so every step works on valid text.
#pragma once

#include <string>
#include <string_view>

namespace verdict::text {

// Python's bytes.decode("utf-8", errors="replace") re-encoded as UTF-8: each maximal invalid
// subsequence (an invalid byte, or the valid prefix of a truncated or ill-formed sequence,
// surrogates included) becomes one U+FFFD. Valid input is returned unchanged.
std::string SanitizeUtf8(std::string_view bytes);

// Decodes the code point starting at text[pos] and advances pos past it.
char32_t NextCodePoint(std::string_view text, size_t& pos);
void AppendUtf8(std::string& out, char32_t code_point);
std::u32string DecodeUtf8(std::string_view text);
std::string EncodeUtf8(std::u32string_view text);

// Python str.isspace() for one code point (also what `\s` matches in Python's re).
bool IsSpace(char32_t code_point);
// Python str.strip() with no argument.
std::string_view StripSpace(std::string_view text);
std::u32string_view StripSpace(std::u32string_view text);
// True when Python's `not text.strip()` is.
bool IsBlank(std::string_view text);
// Python str.lower(), full mappings and the final-sigma rule included.
std::string PyLower(std::string_view text);
std::u32string PyLower(std::u32string_view text);
// Python str.upper(), full mappings included.
std::string PyUpper(std::string_view text);
// Python re.sub(r"\s+", " ", text).
std::string CollapseSpace(std::string_view text);
// Number of code points (Python len()).
size_t CodePointCount(std::string_view text);

}  // namespace verdict::text
