// Python str semantics for the text steps (private to src/text), on top of core's UTF-8 codec.
//
// Every function expects valid UTF-8: TextPipeline::Run sanitizes its input once with
// SanitizeUtf8 (core.h), so every step works on valid text.
#pragma once

#include <string>
#include <string_view>

#include "core/core.h"

namespace verdict::text {

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

}  // namespace verdict::text
